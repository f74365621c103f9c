"""CodeBuild emulator: builds walk AWS's phases on the virtual clock and push a real image."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from turnout_sandbox.emulators import codebuild, codecommit
from turnout_sandbox.emulators.codebuild.models import PHASES
from turnout_sandbox.runtime import Runtime

REPO = "hello-aws"
ECR_REPO = "ecr-hello-aws"
PROJECT = "build-hello-aws"
BUILDSPEC = "version: 0.2\nphases:\n  build:\n    commands: [docker build .]\n"
ALL_PHASES = list(PHASES)  # AWS's order, as the emulator's models cite it


def _project(cb: Any, region: str, buildspec: str | None = None) -> None:
    source = {
        "type": "CODECOMMIT",
        "location": f"https://git-codecommit.{region}.amazonaws.com/v1/repos/{REPO}",
    }
    if buildspec is not None:
        source["buildspec"] = buildspec
    cb.create_project(
        name=PROJECT,
        source=source,
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "ARM_CONTAINER",
            "image": "aws/codebuild/amazonlinux2-aarch64-standard:3.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "privilegedMode": True,
            "environmentVariables": [
                {
                    "name": "REPOSITORY_URI",
                    "value": f"123456789012.dkr.ecr.{region}.amazonaws.com/{ECR_REPO}",
                },
                {"name": "IMAGE_TAG", "value": "latest"},
            ],
        },
        serviceRole="arn:aws:iam::123456789012:role/codebuild",
    )


def _world(region: str) -> dict[str, Any]:
    boto3.client("codecommit", region_name=region).create_repository(repositoryName=REPO)
    ecr = boto3.client("ecr", region_name=region)
    ecr.create_repository(repositoryName=ECR_REPO)
    cb = boto3.client("codebuild", region_name=region)
    _project(cb, region)
    commit = codecommit.commit_files(
        REPO, "master", {"buildspec.yml": BUILDSPEC, "app.py": "print('hi')\n"}, "init"
    )
    return {"cb": cb, "ecr": ecr, "commit": commit}


@pytest.fixture
def world(aws: Runtime) -> dict[str, Any]:
    return _world(aws.region)


def _finished(events: list[dict[str, Any]], build_arn: str) -> Callable[[], dict[str, Any] | None]:
    def probe() -> dict[str, Any] | None:
        for e in list(events):
            d = e["detail"]
            if (
                e["detail-type"] == "CodeBuild Build State Change"
                and d["build-id"] == build_arn
                and d["build-status"] != "IN_PROGRESS"
            ):
                return d
        return None

    return probe


def _run(world: dict[str, Any], events: list[dict[str, Any]], wait: Any, **kwargs: Any) -> Any:
    build = world["cb"].start_build(projectName=PROJECT, **kwargs)["build"]
    wait(_finished(events, build["arn"]), what=f"the end of {build['id']}")
    return world["cb"].batch_get_builds(ids=[build["id"]])["builds"][0]


def test_given_a_commit_when_a_build_runs_then_phases_in_order_and_image_pushed_with_real_digest(
    world: dict[str, Any], events: list[dict[str, Any]], wait: Any
) -> None:
    commit = world["commit"]

    build = world["cb"].start_build(
        projectName=PROJECT,
        sourceVersion="master",
        environmentVariablesOverride=[{"name": "IMAGE_TAG", "value": "v7", "type": "PLAINTEXT"}],
    )["build"]

    assert build["id"].startswith(f"{PROJECT}:")
    assert build["buildStatus"] == "IN_PROGRESS"
    assert build["buildNumber"] == 1
    wait(_finished(events, build["arn"]), what="build end")
    done = world["cb"].batch_get_builds(ids=[build["id"]])["builds"][0]
    assert done["buildStatus"] == "SUCCEEDED"
    assert done["currentPhase"] == "COMPLETED"
    assert done["resolvedSourceVersion"] == commit
    assert done["buildComplete"] is True
    assert [p["phaseType"] for p in done["phases"]] == ALL_PHASES
    assert {p.get("phaseStatus") for p in done["phases"][:-1]} == {"SUCCEEDED"}
    virtual = (done["endTime"] - done["startTime"]).total_seconds()
    assert virtual == pytest.approx(sum(codebuild.PHASE_SECONDS.values()))
    assert 80 <= virtual <= 100

    image = world["ecr"].batch_get_image(repositoryName=ECR_REPO, imageIds=[{"imageTag": commit}])
    manifest = image["images"][0]["imageManifest"]
    digest = "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
    assert image["images"][0]["imageId"]["imageDigest"] == digest
    details = world["ecr"].describe_images(repositoryName=ECR_REPO)["imageDetails"]
    assert [(d["imageDigest"], sorted(d["imageTags"])) for d in details] == [
        (digest, sorted([commit, "v7"]))
    ]
    assert manifest == codebuild.build_manifest(commit, codecommit.get_commit(REPO, commit).tree_id)

    kinds = [
        (
            e["detail-type"],
            e["detail"].get("build-status")
            or e["detail"].get("completed-phase")
            or e["detail"].get("image-tag"),
        )
        for e in events
        if e["source"] in ("aws.codebuild", "aws.ecr")
    ]
    assert kinds == [
        ("CodeBuild Build State Change", "IN_PROGRESS"),
        *[("CodeBuild Build Phase Change", p) for p in ALL_PHASES[1:7]],
        ("ECR Image Action", commit),
        ("ECR Image Action", "v7"),
        *[("CodeBuild Build Phase Change", p) for p in ALL_PHASES[7:10]],
        ("CodeBuild Build State Change", "SUCCEEDED"),
    ]
    final = events[-1]["detail"]
    assert final["project-name"] == PROJECT
    assert final["current-phase"] == "COMPLETED"
    assert final["additional-information"]["build-complete"] is True
    assert final["additional-information"]["resolved-source-version"] == commit
    assert {"name": "IMAGE_TAG", "value": "v7", "type": "PLAINTEXT"} in final[
        "additional-information"
    ]["environment"]["environment-variables"]


def test_given_a_scripted_failure_when_the_commit_builds_then_failed_and_no_image(
    world: dict[str, Any], events: list[dict[str, Any]], wait: Any
) -> None:
    codebuild.script_build(world["commit"], "FAILED", phase="BUILD", message="unit tests failed")

    done = _run(world, events, wait, sourceVersion=world["commit"])

    assert done["buildStatus"] == "FAILED"
    phases = {p["phaseType"]: p for p in done["phases"]}
    assert phases["BUILD"]["phaseStatus"] == "FAILED"
    assert phases["BUILD"]["contexts"] == [
        {"statusCode": "COMMAND_EXECUTION_ERROR", "message": "unit tests failed"}
    ]
    assert "POST_BUILD" not in phases
    assert [p["phaseType"] for p in done["phases"]][-2:] == ["FINALIZING", "COMPLETED"]
    assert world["ecr"].describe_images(repositoryName=ECR_REPO)["imageDetails"] == []
    assert not [e for e in events if e["source"] == "aws.ecr"]
    assert events[-1]["detail"]["build-status"] == "FAILED"


def test_given_a_commit_without_buildspec_when_built_then_download_source_yaml_file_error(
    world: dict[str, Any], events: list[dict[str, Any]], wait: Any
) -> None:
    codecommit.commit_files(
        REPO, "bare", {}, "drop the buildspec", parent=world["commit"], delete=["buildspec.yml"]
    )
    with pytest.raises(codecommit.CodeCommitError):
        codecommit.file_at(REPO, "bare", "buildspec.yml")

    done = _run(world, events, wait, sourceVersion="bare")

    assert done["buildStatus"] == "FAILED"
    failed = [p for p in done["phases"] if p.get("phaseStatus") == "FAILED"]
    assert [p["phaseType"] for p in failed] == ["DOWNLOAD_SOURCE"]
    context = failed[0]["contexts"][0]
    assert context["statusCode"] == "YAML_FILE_ERROR"
    assert context["message"].endswith("/src/buildspec.yml: no such file or directory")
    assert world["ecr"].describe_images(repositoryName=ECR_REPO)["imageDetails"] == []


def test_given_a_project_buildspec_path_when_missing_then_the_message_names_that_path(
    aws: Runtime, events: list[dict[str, Any]], wait: Any
) -> None:
    boto3.client("codecommit", region_name=aws.region).create_repository(repositoryName=REPO)
    boto3.client("ecr", region_name=aws.region).create_repository(repositoryName=ECR_REPO)
    cb = boto3.client("codebuild", region_name=aws.region)
    _project(cb, aws.region, buildspec="ci/buildspec.yml")
    codecommit.commit_files(REPO, "master", {"buildspec.yml": BUILDSPEC}, "init")

    build = cb.start_build(projectName=PROJECT)["build"]
    wait(_finished(events, build["arn"]), what="build end")

    done = cb.batch_get_builds(ids=[build["id"]])["builds"][0]
    download = next(p for p in done["phases"] if p["phaseType"] == "DOWNLOAD_SOURCE")
    assert download["phaseStatus"] == "FAILED"
    assert "ci/buildspec.yml: no such file or directory" in download["contexts"][0]["message"]


def test_given_an_unknown_source_version_when_built_then_client_error_in_download_source(
    world: dict[str, Any], events: list[dict[str, Any]], wait: Any
) -> None:
    done = _run(world, events, wait, sourceVersion="no-such-branch")

    download = next(p for p in done["phases"] if p["phaseType"] == "DOWNLOAD_SOURCE")
    assert done["buildStatus"] == "FAILED"
    assert download["contexts"][0]["statusCode"] == "CLIENT_ERROR"
    assert "no-such-branch" in download["contexts"][0]["message"]
    assert "resolvedSourceVersion" not in done


def test_given_a_running_build_when_stopped_then_stopped_and_no_image(
    world: dict[str, Any], events: list[dict[str, Any]], wait: Any
) -> None:
    build = world["cb"].start_build(projectName=PROJECT, sourceVersion="master")["build"]

    stopped = world["cb"].stop_build(id=build["id"])["build"]

    assert stopped["buildStatus"] == "STOPPED"
    assert stopped["phases"][-1]["phaseType"] == "COMPLETED"
    end = wait(_finished(events, build["arn"]), what="the STOPPED event")
    assert end["build-status"] == "STOPPED"
    later = codebuild.get_build(build["id"])
    assert later["buildStatus"] == "STOPPED"
    assert world["ecr"].describe_images(repositoryName=ECR_REPO)["imageDetails"] == []


def test_given_bad_ids_when_calling_the_api_then_aws_error_codes(world: dict[str, Any]) -> None:
    cb = world["cb"]

    with pytest.raises(ClientError) as no_project:
        cb.start_build(projectName="ghost-project")
    with pytest.raises(ClientError) as bad_id:
        cb.batch_get_builds(ids=["no-colon"])
    with pytest.raises(ClientError) as unknown_stop:
        cb.stop_build(id=f"{PROJECT}:00000000-0000-0000-0000-000000000000")
    missing = cb.batch_get_builds(ids=[f"{PROJECT}:11111111-1111-1111-1111-111111111111"])

    assert no_project.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "ghost-project" in no_project.value.response["Error"]["Message"]
    assert bad_id.value.response["Error"]["Code"] == "InvalidInputException"
    assert unknown_stop.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing["builds"] == []
    assert missing["buildsNotFound"] == [f"{PROJECT}:11111111-1111-1111-1111-111111111111"]


def test_given_two_builds_when_listing_then_newest_first_and_numbers_increase(
    world: dict[str, Any], events: list[dict[str, Any]], wait: Any
) -> None:
    first = codebuild.start_build(PROJECT, world["commit"])
    second = codebuild.start_build(PROJECT, "master", env_overrides={"IMAGE_TAG": "v2"})
    wait(_finished(events, second["arn"]), what="second build end")
    wait(_finished(events, first["arn"]), what="first build end")

    ids = world["cb"].list_builds_for_project(projectName=PROJECT)["ids"]

    assert ids == [second["id"], first["id"]]
    assert (first["buildNumber"], second["buildNumber"]) == (1, 2)
    assert codebuild.get_build(second["id"])["buildStatus"] == "SUCCEEDED"
    tags = world["ecr"].describe_images(repositoryName=ECR_REPO)["imageDetails"][0]["imageTags"]
    assert sorted(tags) == sorted([world["commit"], "latest", "v2"])


def test_given_script_build_with_a_bad_phase_when_called_then_value_error_names_it() -> None:
    with pytest.raises(ValueError, match="NOT_A_PHASE"):
        codebuild.script_build("a" * 40, "FAILED", phase="NOT_A_PHASE")


def test_given_the_emulator_when_installed_then_it_applies_exactly_its_declared_patches(
    runtime: Runtime,
) -> None:
    from moto.codebuild.responses import CodeBuildResponse

    problems = [p.check_target() for p in codebuild.PATCHES]
    problems += [i.check_target() for i in codebuild.INTERNALS]

    assert [p for p in problems if p] == []
    assert {p.attribute for p in codebuild.PATCHES} == {
        "start_build",
        "batch_get_builds",
        "stop_build",
        "list_builds_for_project",
        "list_builds",
    }
    assert all(getattr(CodeBuildResponse, p.attribute) is p.new for p in codebuild.PATCHES)


def test_given_a_running_build_when_moto_itself_resets_then_it_stops_and_is_forgotten(
    runtime: Runtime,
) -> None:
    with mock_aws():
        world = _world(runtime.region)
        codebuild.script_build(world["commit"], "FAILED", phase="BUILD")
        started = codebuild.start_build(PROJECT, "master")
        backend = codebuild.codebuild_emulator_backends[runtime.account][runtime.region]
        running = backend.builds[started["id"]]
        assert (running.done, list(backend.scripts)) == (False, [world["commit"]])

    assert running.done is True
    assert list(codebuild.codebuild_emulator_backends.iter_backends()) == []
