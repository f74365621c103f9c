"""Every sample in events/ parses with its model, and the samples tell one consistent story."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from turnout import models
from turnout.models import EventBridgeEnvelope, codebuild, codecommit, codedeploy, ecr
from turnout.shapes import Shape

EVENTS = Path(__file__).resolve().parents[2] / "events"
ACCOUNT = "123456789012"
REGION = "ap-northeast-2"

SAMPLES: dict[str, type[Shape]] = {
    "codecommit-push.json": codecommit.CodeCommitStateChangeEvent,
    "codecommit-push-other-branch.json": codecommit.CodeCommitStateChangeEvent,
    "codecommit-tag-created.json": codecommit.CodeCommitStateChangeEvent,
    "ecr-push.json": ecr.EcrImageActionEvent,
    "ecr-push-commit-tag.json": ecr.EcrImageActionEvent,
    "ecr-push-failure.json": ecr.EcrImageActionEvent,
    "ecr-delete.json": ecr.EcrImageActionEvent,
    "ecr-push-replayed.json": ecr.EcrImageActionEvent,
    "codebuild-succeeded.json": codebuild.CodeBuildStateChangeEvent,
    "codebuild-failed.json": codebuild.CodeBuildStateChangeEvent,
    "codedeploy-start.json": codedeploy.CodeDeployStateChangeEvent,
    "codedeploy-success.json": codedeploy.CodeDeployStateChangeEvent,
    "codedeploy-failure.json": codedeploy.CodeDeployStateChangeEvent,
    "codedeploy-stop.json": codedeploy.CodeDeployStateChangeEvent,
    "lifecycle-hook.json": codedeploy.LifecycleHookEvent,
    "scheduled-tick.json": models.ScheduledEvent,
    "manual-build-commit.json": codecommit.ManualBuildInput,
    "manual-build-branch.json": codecommit.ManualBuildInput,
}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return data


def parsed(name: str) -> Any:
    return models.parse_event(SAMPLES[name], load(name), name)


def test_given_events_directory_when_listed_then_every_file_has_a_model_entry() -> None:
    on_disk = {path.name for path in EVENTS.iterdir() if path.is_file()}

    assert on_disk - SAMPLES.keys() == set(), "add these samples to SAMPLES with their model"
    assert SAMPLES.keys() - on_disk == set(), "these samples are listed but missing"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_given_sample_when_parsed_with_its_model_then_it_validates(name: str) -> None:
    model = SAMPLES[name]

    result = models.parse_event(model, load(name), name)

    assert isinstance(result, model)


@pytest.mark.parametrize(
    "name", sorted(n for n, m in SAMPLES.items() if issubclass(m, EventBridgeEnvelope))
)
def test_given_eventbridge_sample_when_parsed_then_it_is_in_the_demo_account_and_region(
    name: str,
) -> None:
    event = parsed(name)

    assert event.account == ACCOUNT
    assert event.region == REGION
    assert event.version == "0"
    assert event.time.tzinfo is not None


def test_given_eventbridge_samples_when_compared_then_event_ids_are_unique() -> None:
    ids = [load(n)["id"] for n in SAMPLES if "id" in load(n)]

    assert len(ids) == len(set(ids)) == 15


def test_given_push_samples_when_read_then_master_push_of_hello_aws_is_the_build_trigger() -> None:
    push = parsed("codecommit-push.json").detail
    other = parsed("codecommit-push-other-branch.json").detail
    tag = parsed("codecommit-tag-created.json").detail

    assert (push.event, push.repository_name, push.reference_name) == (
        "referenceUpdated",
        "hello-aws",
        "master",
    )
    assert push.is_branch
    assert other.is_branch
    assert other.reference_name != "master"
    assert (tag.event, tag.reference_type) == ("referenceCreated", "tag")
    assert tag.reference_full_name == f"refs/tags/{tag.reference_name}"


def test_given_build_and_ecr_samples_when_compared_then_they_describe_the_same_commit() -> None:
    commit = parsed("codecommit-push.json").detail.commit_id
    build = parsed("codebuild-succeeded.json").detail
    latest = parsed("ecr-push.json").detail
    commit_tag = parsed("ecr-push-commit-tag.json").detail

    assert build.project_name == "build-hello-aws"
    assert build.source_version == commit
    assert commit_tag.image_tag == commit
    assert commit_tag.image_digest == latest.image_digest
    assert latest.image_tag == "latest"
    assert latest.repository_name == commit_tag.repository_name == "ecr-hello-aws"
    assert parsed("manual-build-commit.json").commit_id == commit
    assert parsed("manual-build-branch.json").branch == "master"


def test_given_ecr_samples_when_read_then_each_covers_its_case() -> None:
    push = parsed("ecr-push.json")
    replayed = parsed("ecr-push-replayed.json")

    assert push.detail.is_successful_push
    assert not push.is_replay
    assert replayed.is_replay
    assert replayed.detail == push.detail
    assert replayed.id != push.id  # EventBridge gives replayed events a new id
    assert parsed("ecr-push-failure.json").detail.result == "FAILURE"
    assert parsed("ecr-delete.json").detail.action_type == "DELETE"
    assert not parsed("ecr-push-failure.json").detail.is_successful_push
    assert not parsed("ecr-delete.json").detail.is_successful_push


def test_given_codebuild_samples_when_read_then_statuses_differ() -> None:
    assert parsed("codebuild-succeeded.json").detail.build_status == "SUCCEEDED"
    assert parsed("codebuild-failed.json").detail.build_status == "FAILED"


def test_given_codedeploy_samples_when_read_then_they_share_one_deployment_with_the_hook() -> None:
    names = ["codedeploy-start.json", "codedeploy-success.json"]
    names += ["codedeploy-failure.json", "codedeploy-stop.json"]
    details = [parsed(n).detail for n in names]
    hook = parsed("lifecycle-hook.json")

    assert [d.state for d in details] == ["START", "SUCCESS", "FAILURE", "STOP"]
    assert {d.deployment_id for d in details} == {hook.deployment_id}
    assert {(d.application, d.deployment_group) for d in details} == {
        ("app-hello-aws", "dg-hello-aws")
    }
