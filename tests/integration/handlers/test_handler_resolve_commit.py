"""functions/resolve_commit: the build input (push event or manual input) -> a commit that exists."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.handlers.conftest import COMMIT, SERVICE_KEY, World, sample
from turnout.errors import BranchNotFound, CommitNotFound, InvalidEvent

EXECUTION = "arn:aws:states:ap-northeast-2:123456789012:execution:build:run-1"


def _payload(raw: Any) -> dict[str, Any]:
    return {"input": raw, "executionArn": EXECUTION}


def _source_commit(world: World) -> None:
    world.codecommit.add_commit({"taskdef.json": "{}"}, commit_id=COMMIT)


def test_given_a_push_to_the_branch_when_resolving_then_the_build_is_admitted_in_the_ledger(
    world: World,
) -> None:
    _source_commit(world)

    result = world.call("resolve_commit", _payload(sample("codecommit-push")))

    assert result["ignored"] is False
    assert result["attempt"]["commitId"] == COMMIT
    assert result["attempt"]["trigger"] == "push"
    assert result["attempt"]["branch"] == "master"
    rows = world.attempts()
    assert len(rows) == 1
    assert rows[0]["attemptId"] == result["attempt"]["attemptId"]
    assert (rows[0]["kind"], rows[0]["result"], rows[0]["phase"]) == (
        "build",
        "running",
        "building",
    )
    assert rows[0]["executionArn"] == EXECUTION
    build = world.item(f"SERVICE#{SERVICE_KEY}", f"BUILD#{COMMIT}")
    assert build is not None
    assert build["attemptId"] == result["attempt"]["attemptId"]
    assert build["trigger"] == "push"


def test_given_a_manual_commit_id_when_resolving_then_the_commit_is_checked_and_admitted(
    world: World,
) -> None:
    _source_commit(world)

    result = world.call("resolve_commit", _payload(sample("manual-build-commit")))

    assert result["attempt"]["commitId"] == COMMIT
    assert result["attempt"]["trigger"] == "manual"
    assert result["attempt"]["branch"] == ""
    assert ("GetCommit", {"commitId": COMMIT}) in world.codecommit.calls


def test_given_a_manual_branch_when_resolving_then_its_head_commit_is_built(world: World) -> None:
    world.codecommit.add_commit({"a": "1"}, branch="master")
    head = world.codecommit.add_commit({"a": "2"}, branch="master")

    result = world.call("resolve_commit", _payload({"branch": "refs/heads/master"}))

    assert result["attempt"]["commitId"] == head
    assert result["attempt"]["branch"] == "master"
    assert world.attempts()[0]["commitId"] == head


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"referenceName": "feature/x", "referenceFullName": "refs/heads/feature/x"},
            "branch 'feature/x' is not 'master'",
        ),
        ({"repositoryName": "other-repo"}, "repository 'other-repo' is not 'hello-aws'"),
        ({"referenceType": "tag"}, "reference type 'tag' is not a branch"),
        ({"event": "referenceDeleted"}, "event 'referenceDeleted' is not a push"),
    ],
)
def test_given_a_push_not_for_this_stack_when_resolving_then_it_is_ignored_with_the_reason(
    world: World, change: dict[str, str], reason: str
) -> None:
    _source_commit(world)
    event = sample("codecommit-push")
    event["detail"] |= change

    result = world.call("resolve_commit", _payload(event))

    assert result == {"ignored": True, "reason": reason}
    assert world.attempts() == []
    assert world.codecommit.calls == []


def test_given_the_sample_tag_event_when_resolving_then_it_is_ignored(world: World) -> None:
    result = world.call("resolve_commit", _payload(sample("codecommit-tag-created")))

    assert result["ignored"] is True
    assert "tag" in result["reason"]


def test_given_a_push_of_an_unknown_commit_when_resolving_then_commit_not_found_names_it(
    world: World,
) -> None:
    with pytest.raises(
        CommitNotFound, match=f"commit {COMMIT} does not exist in CodeCommit repository hello-aws"
    ):
        world.call("resolve_commit", _payload(sample("codecommit-push")))

    assert world.attempts() == []


def test_given_a_manual_unknown_commit_when_resolving_then_commit_not_found(world: World) -> None:
    with pytest.raises(CommitNotFound, match=COMMIT):
        world.call("resolve_commit", _payload(sample("manual-build-commit")))
    assert world.attempts() == []


def test_given_a_missing_branch_when_resolving_then_branch_not_found_names_it(world: World) -> None:
    _source_commit(world)

    with pytest.raises(
        BranchNotFound, match="branch 'develop' does not exist in CodeCommit repository hello-aws"
    ):
        world.call("resolve_commit", _payload({"branch": "develop"}))
    assert world.attempts() == []


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("master", "build input"),
        ({"commitId": "705F74BA5BD5309CA9E6A3DE50DF9EA722FB280C"}, "commitId"),
        ({"commitId": COMMIT, "branch": "master"}, "exactly one of commitId or branch"),
        ({"branch": "bad..name"}, "branch 'bad..name'"),
        ({"commit": COMMIT}, "commit: unexpected key"),
    ],
)
def test_given_bad_manual_input_when_resolving_then_invalid_event_names_the_field(
    world: World, raw: Any, field: str
) -> None:
    with pytest.raises(InvalidEvent, match=field):
        world.call("resolve_commit", _payload(raw))
    assert world.attempts() == []


def test_given_a_push_event_without_commit_id_when_resolving_then_invalid_event_names_it(
    world: World,
) -> None:
    event = sample("codecommit-push")
    del event["detail"]["commitId"]

    with pytest.raises(
        InvalidEvent,
        match=r"CodeCommit Repository State Change event: detail\.commitId: field required",
    ):
        world.call("resolve_commit", _payload(event))


@pytest.mark.parametrize(
    ("build", "queued", "expected"),
    [("120", "480", (120 + 480) * 60 + 600), ("30", "60", (30 + 60) * 60 + 600)],
)
def test_given_the_build_timeouts_when_resolving_then_the_build_task_outlasts_queue_and_build(
    world: World, build: str, queued: str, expected: int
) -> None:
    """aws-fidelity row 13: a build may queue for its queued timeout, then run for its build
    timeout; BuildImage's TimeoutSecondsPath reads this (a fixed 7200 s cut a 120-minute
    build that had queued)."""
    _source_commit(world)
    deps = world.with_config(BUILD_TIMEOUT_MINUTES=build, BUILD_QUEUED_TIMEOUT_MINUTES=queued)

    result = world.call("resolve_commit", _payload(sample("codecommit-push")), deps=deps)

    assert result["buildTaskTimeoutSeconds"] == expected


def test_given_no_build_timeouts_in_the_environment_when_resolving_then_codebuilds_defaults(
    world: World,
) -> None:
    _source_commit(world)

    result = world.call("resolve_commit", _payload(sample("manual-build-commit")))

    assert result["buildTaskTimeoutSeconds"] == (60 + 480) * 60 + 600


def test_given_a_push_event_delivered_twice_when_resolving_then_the_second_builds_nothing(
    world: World,
) -> None:
    _source_commit(world)
    event = sample("codecommit-push")

    first = world.call("resolve_commit", {"input": event, "executionArn": "arn:x:execution:b:1"})
    retried = world.call("resolve_commit", {"input": event, "executionArn": "arn:x:execution:b:1"})
    repeated = world.call("resolve_commit", {"input": event, "executionArn": "arn:x:execution:b:2"})

    assert first["ignored"] is False
    assert retried["ignored"] is False  # Step Functions retrying the same execution's task
    assert repeated == {
        "ignored": True,
        "reason": f"push event {event['id']} was already delivered: another execution builds it",
    }
