"""CodeCommit emulator: git-like files/commits/branches with AWS's API shapes and push events."""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from turnout_sandbox.emulators import codecommit
from turnout_sandbox.runtime import Runtime

REPO = "hello-aws"


def _git_blob(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


@pytest.fixture
def cc(aws: Runtime) -> Any:
    client = boto3.client("codecommit", region_name=aws.region)
    client.create_repository(repositoryName=REPO)
    return client


def _put(cc: Any, path: str, content: bytes, parent: str | None = None) -> Any:
    """put_file to master of REPO, on top of parent when given."""
    after = {"parentCommitId": parent} if parent else {}
    return cc.put_file(
        repositoryName=REPO, branchName="master", fileContent=content, filePath=path, **after
    )


def _code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


def _push_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["detail"] for e in events if e["detail-type"] == "CodeCommit Repository State Change"]


def test_given_an_empty_repository_when_put_file_then_git_ids_and_the_file_are_readable(
    cc: Any,
) -> None:
    out = cc.put_file(
        repositoryName=REPO,
        branchName="master",
        fileContent=b"hello\n",
        filePath="/app/hello.txt",
        commitMessage="first",
        name="Ada",
        email="ada@example.com",
    )

    assert out["blobId"] == _git_blob(b"hello\n")
    assert len(out["commitId"]) == 40
    got = cc.get_file(repositoryName=REPO, commitSpecifier="master", filePath="app/hello.txt")
    assert got["fileContent"] == b"hello\n"
    assert (got["commitId"], got["blobId"], got["fileSize"], got["fileMode"]) == (
        out["commitId"],
        out["blobId"],
        6,
        "NORMAL",
    )
    branch = cc.get_branch(repositoryName=REPO, branchName="master")["branch"]
    assert branch == {"branchName": "master", "commitId": out["commitId"]}
    commit = cc.get_commit(repositoryName=REPO, commitId=out["commitId"])["commit"]
    assert commit["treeId"] == out["treeId"]
    assert commit["parents"] == []
    assert commit["message"] == "first"
    assert (commit["author"]["name"], commit["author"]["email"]) == ("Ada", "ada@example.com")
    assert cc.get_repository(repositoryName=REPO)["repositoryMetadata"]["defaultBranch"] == "master"


def test_given_two_commits_when_get_file_at_the_old_commit_then_old_content_and_head_new(
    cc: Any,
) -> None:
    first = _put(cc, "taskdef.json", b"v1")["commitId"]
    second = _put(cc, "taskdef.json", b"v2", parent=first)["commitId"]

    old = cc.get_file(repositoryName=REPO, commitSpecifier=first, filePath="taskdef.json")
    head = cc.get_file(repositoryName=REPO, commitSpecifier="master", filePath="taskdef.json")
    default = cc.get_file(repositoryName=REPO, filePath="taskdef.json")
    assert (old["fileContent"], old["commitId"]) == (b"v1", first)
    assert (head["fileContent"], head["commitId"]) == (b"v2", second)
    assert default["commitId"] == second
    commit = cc.get_commit(repositoryName=REPO, commitId=second)["commit"]
    assert commit["parents"] == [first]


def test_given_an_existing_branch_when_put_file_without_or_with_a_stale_parent_then_aws_errors(
    cc: Any,
) -> None:
    first = _put(cc, "a", b"1")
    _put(cc, "a", b"2", parent=first["commitId"])

    with pytest.raises(ClientError) as missing:
        _put(cc, "a", b"3")
    with pytest.raises(ClientError) as stale:
        _put(cc, "a", b"3", parent=first["commitId"])
    with pytest.raises(ClientError) as unknown:
        _put(cc, "a", b"3", parent="0" * 40)

    assert _code(missing) == "ParentCommitIdRequiredException"
    assert _code(stale) == "ParentCommitIdOutdatedException"
    assert first["commitId"] in stale.value.response["Error"]["Message"]
    assert _code(unknown) == "ParentCommitDoesNotExistException"


def test_given_a_commit_when_reading_missing_things_then_aws_error_codes(cc: Any) -> None:
    head = _put(cc, "a", b"x")

    with pytest.raises(ClientError) as no_file:
        cc.get_file(repositoryName=REPO, commitSpecifier="master", filePath="nope.txt")
    with pytest.raises(ClientError) as no_commit:
        cc.get_file(repositoryName=REPO, commitSpecifier="f" * 40, filePath="a")
    with pytest.raises(ClientError) as no_repo:
        cc.get_file(repositoryName="ghost", commitSpecifier="master", filePath="a")
    with pytest.raises(ClientError) as no_branch:
        cc.get_branch(repositoryName=REPO, branchName="develop")
    with pytest.raises(ClientError) as same:
        _put(cc, "a", b"x", parent=head["commitId"])
    with pytest.raises(ClientError) as no_commit_id:
        cc.get_commit(repositoryName=REPO, commitId="e" * 40)

    assert _code(no_file) == "FileDoesNotExistException"
    assert "nope.txt" in no_file.value.response["Error"]["Message"]
    assert _code(no_commit) == "CommitDoesNotExistException"
    assert _code(no_repo) == "RepositoryDoesNotExistException"
    assert _code(no_branch) == "BranchDoesNotExistException"
    assert _code(same) == "SameFileContentException"
    assert _code(no_commit_id) == "CommitIdDoesNotExistException"


def test_given_files_when_create_commit_puts_and_deletes_then_result_lists_and_differences(
    cc: Any,
) -> None:
    base = cc.create_commit(
        repositoryName=REPO,
        branchName="master",
        putFiles=[
            {"filePath": "keep.txt", "fileContent": b"k"},
            {"filePath": "change.txt", "fileContent": b"c1"},
            {"filePath": "drop.txt", "fileContent": b"d"},
        ],
    )
    assert sorted(f["absolutePath"] for f in base["filesAdded"]) == [
        "change.txt",
        "drop.txt",
        "keep.txt",
    ]

    out = cc.create_commit(
        repositoryName=REPO,
        branchName="master",
        parentCommitId=base["commitId"],
        putFiles=[
            {"filePath": "change.txt", "fileContent": b"c2"},
            {"filePath": "new/file.txt", "fileContent": b"n", "fileMode": "EXECUTABLE"},
        ],
        deleteFiles=[{"filePath": "drop.txt"}],
    )

    assert [f["absolutePath"] for f in out["filesAdded"]] == ["new/file.txt"]
    assert out["filesAdded"][0]["fileMode"] == "EXECUTABLE"
    assert [f["absolutePath"] for f in out["filesUpdated"]] == ["change.txt"]
    assert [f["absolutePath"] for f in out["filesDeleted"]] == ["drop.txt"]
    diffs = cc.get_differences(
        repositoryName=REPO,
        beforeCommitSpecifier=base["commitId"],
        afterCommitSpecifier=out["commitId"],
    )["differences"]
    summary = {(d.get("afterBlob") or d["beforeBlob"])["path"]: d["changeType"] for d in diffs}
    assert summary == {"change.txt": "M", "drop.txt": "D", "new/file.txt": "A"}
    modified = next(d for d in diffs if d["changeType"] == "M")
    assert modified["beforeBlob"]["blobId"] == _git_blob(b"c1")
    assert modified["afterBlob"]["blobId"] == _git_blob(b"c2")
    assert modified["afterBlob"]["mode"] == "100644"
    folder = cc.get_folder(repositoryName=REPO, commitSpecifier="master", folderPath="/")
    assert [f["relativePath"] for f in folder["files"]] == ["change.txt", "keep.txt"]
    assert [f["relativePath"] for f in folder["subFolders"]] == ["new"]


def test_given_no_change_when_create_commit_then_no_change_exception(cc: Any) -> None:
    base = _put(cc, "a", b"a")

    with pytest.raises(ClientError) as info:
        cc.create_commit(
            repositoryName=REPO,
            branchName="master",
            parentCommitId=base["commitId"],
            putFiles=[{"filePath": "a", "fileContent": b"a"}],
        )

    assert _code(info) == "NoChangeException"


def test_given_pushes_when_branches_move_then_aws_shaped_events_in_order(
    cc: Any, aws: Runtime, events: list[dict[str, Any]]
) -> None:
    first = _put(cc, "a", b"1")
    second = _put(cc, "a", b"2", parent=first["commitId"])
    cc.create_branch(repositoryName=REPO, branchName="release", commitId=first["commitId"])

    repo_id = cc.get_repository(repositoryName=REPO)["repositoryMetadata"]["repositoryId"]
    base = {
        "callerUserArn": f"arn:aws:iam::{aws.account}:root",
        "referenceType": "branch",
        "repositoryId": repo_id,
        "repositoryName": REPO,
    }
    assert {e["source"] for e in events} == {"aws.codecommit"}
    assert _push_events(events) == [
        {
            **base,
            "commitId": first["commitId"],
            "event": "referenceCreated",
            "referenceFullName": "refs/heads/master",
            "referenceName": "master",
        },
        {
            **base,
            "commitId": second["commitId"],
            "event": "referenceUpdated",
            "oldCommitId": first["commitId"],
            "referenceFullName": "refs/heads/master",
            "referenceName": "master",
        },
        {
            **base,
            "commitId": first["commitId"],
            "event": "referenceCreated",
            "referenceFullName": "refs/heads/release",
            "referenceName": "release",
        },
    ]
    assert cc.list_branches(repositoryName=REPO)["branches"] == ["master", "release"]


def test_given_an_eventbridge_rule_when_pushing_then_the_event_reaches_its_target_with_the_arn(
    cc: Any, aws: Runtime
) -> None:
    sqs = boto3.client("sqs", region_name=aws.region)
    url = sqs.create_queue(QueueName="pushes")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bus = boto3.client("events", region_name=aws.region)
    bus.put_rule(
        Name="push",
        EventPattern=json.dumps(
            {"source": ["aws.codecommit"], "detail-type": ["CodeCommit Repository State Change"]}
        ),
    )
    bus.put_targets(Rule="push", Targets=[{"Id": "q", "Arn": arn}])

    out = _put(cc, "a", b"1")

    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    delivered = json.loads(messages[0]["Body"])
    repo_arn = cc.get_repository(repositoryName=REPO)["repositoryMetadata"]["Arn"]
    assert delivered["resources"] == [repo_arn]
    assert delivered["detail"]["commitId"] == out["commitId"]


def test_given_the_python_api_when_commit_files_then_file_at_reads_each_commit(
    cc: Any, events: list[dict[str, Any]]
) -> None:
    first = codecommit.commit_files(REPO, "master", {"a.txt": "one", "b.bin": b"\x00\x01"}, "c1")
    second = codecommit.commit_files(REPO, "master", {"a.txt": "two"}, "c2")
    feature = codecommit.commit_files(REPO, "feature", {"c.txt": "f"}, "c3", parent=first)

    assert codecommit.file_at(REPO, first, "a.txt") == b"one"
    assert codecommit.file_at(REPO, "master", "a.txt") == b"two"
    assert codecommit.file_at(REPO, "master", "b.bin") == b"\x00\x01"
    assert codecommit.file_at(REPO, "feature", "a.txt") == b"one"
    assert codecommit.branch_head(REPO, "master") == second
    assert codecommit.resolve_commit(REPO, "refs/heads/feature") == feature
    assert cc.get_commit(repositoryName=REPO, commitId=second)["commit"]["parents"] == [first]
    assert [e["event"] for e in _push_events(events)] == [
        "referenceCreated",
        "referenceUpdated",
        "referenceCreated",
    ]
    with pytest.raises(codecommit.CodeCommitError) as info:
        codecommit.commit_files(REPO, "master", {"a.txt": "two"}, "no-op")
    assert info.value.error_code == "NoChangeException"
    with pytest.raises(codecommit.CodeCommitError) as missing:
        codecommit.file_at(REPO, "master", "c.txt")
    assert missing.value.error_code == "FileDoesNotExistException"


def test_given_a_deleted_and_recreated_repository_when_reading_then_history_is_gone(
    cc: Any,
) -> None:
    codecommit.commit_files(REPO, "master", {"a": "1"}, "c1")
    cc.delete_repository(repositoryName=REPO)
    cc.create_repository(repositoryName=REPO)

    with pytest.raises(ClientError) as info:
        cc.get_branch(repositoryName=REPO, branchName="master")

    assert _code(info) == "BranchDoesNotExistException"


@pytest.fixture
def server(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto in server mode on 127.0.0.1 (mock_aws NOT active): the HTTP path of the emulator."""
    pytest.importorskip(
        "flask", reason="moto server mode needs moto[server] (requirements/dev.txt)"
    )
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    srv = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    srv.start()
    url = f"http://127.0.0.1:{port}"
    # the runtime's put_event uses a default boto3 client: send it to the server too
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    try:
        yield url
    finally:
        srv.stop()


def test_given_moto_server_when_put_and_get_file_over_http_then_emulator_answers(
    server: str, runtime: Runtime, events: list[dict[str, Any]]
) -> None:
    cc = boto3.client("codecommit", region_name=runtime.region, endpoint_url=server)
    cc.create_repository(repositoryName="over-http")

    out = cc.put_file(
        repositoryName="over-http", branchName="main", fileContent=b"hi", filePath="x.txt"
    )

    got = cc.get_file(repositoryName="over-http", commitSpecifier="main", filePath="x.txt")
    assert got["fileContent"] == b"hi"
    assert got["commitId"] == out["commitId"]
    with pytest.raises(ClientError) as info:
        cc.get_file(repositoryName="over-http", commitSpecifier="main", filePath="y.txt")
    assert _code(info) == "FileDoesNotExistException"
    assert [(e["detail"]["event"], e["detail"]["commitId"]) for e in events] == [
        ("referenceCreated", out["commitId"])
    ]


def test_given_the_emulator_when_installed_then_it_applies_exactly_its_declared_patches(
    runtime: Runtime,
) -> None:
    from moto.codecommit.responses import CodeCommitResponse

    problems = [p.check_target() for p in codecommit.PATCHES]
    problems += [i.check_target() for i in codecommit.INTERNALS]

    assert [p for p in problems if p] == []
    assert all(patch.is_applied() for patch in codecommit.PATCHES)
    assert {p.attribute for p in codecommit.PATCHES} >= {"put_file", "create_commit", "get_file"}
    assert all(getattr(CodeCommitResponse, p.attribute) is p.new for p in codecommit.PATCHES)


def test_given_a_history_when_moto_itself_resets_then_the_emulator_backend_forgets_it(
    runtime: Runtime,
) -> None:
    with mock_aws():
        boto3.client("codecommit", region_name=runtime.region).create_repository(
            repositoryName=REPO
        )
        codecommit.commit_files(REPO, "main", {"a.txt": "a"}, "first")
        backends = list(codecommit.codecommit_emulator_backends.iter_backends())
        assert [(a, r, list(b.repos)) for a, r, b in backends] == [
            (runtime.account, runtime.region, [REPO])
        ]

    assert list(codecommit.codecommit_emulator_backends.iter_backends()) == []
