"""Event models and parse_event: real AWS shapes in, typed models or InvalidEvent out."""

from __future__ import annotations

import copy
import json
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import Any

import pytest

from turnout.errors import InvalidEvent
from turnout.models import ScheduledEvent, parse_event
from turnout.models.codebuild import CodeBuildStateChangeEvent
from turnout.models.codecommit import (
    CodeCommitStateChangeEvent,
    ManualBuildInput,
    validate_branch_name,
)
from turnout.models.codedeploy import CodeDeployStateChangeEvent, LifecycleHookEvent
from turnout.models.ecr import EcrImageActionEvent

EVENTS = Path(__file__).resolve().parents[2] / "events"
COMMIT = "705f74ba5bd5309ca9e6a3de50df9ea722fb280c"


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return data


def invalid(model: type[Any], event: Any, what: str) -> str:
    with pytest.raises(InvalidEvent) as caught:
        parse_event(model, event, what)
    message = caught.value.message
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- envelopes


@pytest.mark.parametrize(
    ("model", "name", "what"),
    [
        (CodeCommitStateChangeEvent, "codecommit-push.json", "CodeCommit Repository State Change"),
        (EcrImageActionEvent, "ecr-push.json", "ECR Image Action"),
        (CodeBuildStateChangeEvent, "codebuild-succeeded.json", "CodeBuild Build State Change"),
        (CodeDeployStateChangeEvent, "codedeploy-success.json", "CodeDeploy state change"),
        (ScheduledEvent, "scheduled-tick.json", "schedule tick"),
    ],
)
def test_given_event_of_another_kind_when_parsed_then_source_and_detail_type_are_named(
    model: type[Any], name: str, what: str
) -> None:
    other = sample("ecr-push.json") if name != "ecr-push.json" else sample("codecommit-push.json")
    other = {**other, "detail": sample(name)["detail"]}

    message = invalid(model, other, what)

    assert message.startswith(f"{what} event: ")
    assert "source: input should be" in message
    assert "detail-type: input should be" in message
    assert repr(other["source"]) in message


def test_given_ecr_push_without_digest_when_parsed_then_message_names_the_field() -> None:
    event = sample("ecr-push.json")
    del event["detail"]["image-digest"]

    message = invalid(EcrImageActionEvent, event, "ECR Image Action")

    assert message == "ECR Image Action event: detail.image-digest: field required"


def test_given_ecr_push_with_short_digest_when_parsed_then_value_and_pattern_are_named() -> None:
    event = sample("ecr-push.json")
    event["detail"]["image-digest"] = "sha256:abc123"

    message = invalid(EcrImageActionEvent, event, "ECR Image Action")

    assert message.startswith("ECR Image Action event: detail.image-digest: string should match")
    assert "(got 'sha256:abc123')" in message


def test_given_several_problems_when_parsed_then_all_are_on_one_line() -> None:
    event = sample("ecr-push.json")
    del event["detail"]["repository-name"]
    del event["account"]

    message = invalid(EcrImageActionEvent, event, "ECR Image Action")

    assert message == (
        "ECR Image Action event: account: field required; detail.repository-name: field required"
    )


def test_given_very_long_bad_value_when_parsed_then_message_truncates_it() -> None:
    event = sample("ecr-push.json")
    event["detail"]["image-digest"] = "x" * 500

    message = invalid(EcrImageActionEvent, event, "ECR Image Action")

    assert "x" * 500 not in message
    assert "...)" in message
    assert len(message) < 250


def test_given_bad_time_when_parsed_then_time_field_is_named() -> None:
    event = sample("scheduled-tick.json")
    event["time"] = "yesterday"

    message = invalid(ScheduledEvent, event, "Scheduled Event")

    assert message.startswith("Scheduled Event: time: ")
    assert "'yesterday'" in message


@pytest.mark.parametrize("payload", [None, [], "a string", 42])
def test_given_payload_that_is_not_an_object_when_parsed_then_invalid_event(payload: Any) -> None:
    message = invalid(ScheduledEvent, payload, "Scheduled Event")

    assert message.startswith("Scheduled Event: expected a JSON object, got ")
    assert type(payload).__name__ in message


@pytest.mark.parametrize(
    ("what", "label"),
    [
        ("ECR Image Action", "ECR Image Action event"),
        ("lifecycle hook event", "lifecycle hook event"),
        ("manual build input", "manual build input"),
        ("Manual Build Input", "Manual Build Input"),
    ],
)
def test_given_event_kind_when_error_raised_then_label_reads_naturally(
    what: str, label: str
) -> None:
    message = invalid(LifecycleHookEvent, {}, what)

    assert message.startswith(f"{label}: ")


def test_given_invalid_event_when_raised_then_it_is_the_typed_error_the_machines_catch() -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_event(LifecycleHookEvent, {"DeploymentId": "d-1"}, "lifecycle hook")

    assert caught.value.name == "InvalidEvent"
    assert str(caught.value).endswith("LifecycleEventHookExecutionId: field required")


# --------------------------------------------------------------------------- CodeCommit


def test_given_branch_push_when_parsed_then_fields_are_snake_case() -> None:
    event = parse_event(CodeCommitStateChangeEvent, sample("codecommit-push.json"), "CodeCommit")

    detail = event.detail
    assert detail.event == "referenceUpdated"
    assert detail.repository_name == "hello-aws"
    assert detail.reference_name == "master"
    assert detail.reference_full_name == "refs/heads/master"
    assert detail.commit_id == COMMIT
    assert detail.old_commit_id == "818e015feb2e0f4164dbdff9dcfba781e78f4f86"
    assert detail.caller_user_arn == "arn:aws:iam::123456789012:user/alice"
    assert detail.is_branch
    assert event.detail_type == "CodeCommit Repository State Change"
    assert event.replay_name is None


def test_given_branch_created_without_old_commit_when_parsed_then_old_commit_is_none() -> None:
    raw = sample("codecommit-push.json")
    raw["detail"]["event"] = "referenceCreated"
    del raw["detail"]["oldCommitId"]
    del raw["detail"]["callerUserArn"]

    event = parse_event(CodeCommitStateChangeEvent, raw, "CodeCommit")

    assert event.detail.old_commit_id is None
    assert event.detail.caller_user_arn is None


def test_given_merge_update_when_parsed_then_merge_fields_are_kept() -> None:
    raw = sample("codecommit-push.json")
    raw["detail"].update(
        {
            "baseCommitId": "3e5a9bf1",
            "sourceCommitId": "26a8f2",
            "destinationCommitId": "3e5983",
            "mergeOption": "THREE_WAY_MERGE",
            "conflictDetailsLevel": "LINE_LEVEL",
        }
    )

    detail = parse_event(CodeCommitStateChangeEvent, raw, "CodeCommit").detail

    assert detail.merge_option == "THREE_WAY_MERGE"
    assert detail.base_commit_id == "3e5a9bf1"
    assert detail.source_commit_id == "26a8f2"
    assert detail.destination_commit_id == "3e5983"


def test_given_branch_deleted_without_commit_id_when_parsed_then_commit_id_is_required() -> None:
    raw = sample("codecommit-push.json")
    raw["detail"]["event"] = "referenceDeleted"
    del raw["detail"]["commitId"]

    message = invalid(CodeCommitStateChangeEvent, raw, "CodeCommit Repository State Change")

    assert message.endswith("detail.commitId: field required")


def test_given_abbreviated_commit_id_when_parsed_then_commit_id_is_rejected() -> None:
    raw = sample("codecommit-push.json")
    raw["detail"]["commitId"] = "705f74b"

    message = invalid(CodeCommitStateChangeEvent, raw, "CodeCommit Repository State Change")

    assert "detail.commitId: string should match pattern" in message
    assert "'705f74b'" in message


def test_given_tag_created_when_parsed_then_it_is_not_a_branch() -> None:
    event = parse_event(CodeCommitStateChangeEvent, sample("codecommit-tag-created.json"), "x")

    assert not event.detail.is_branch
    assert event.detail.reference_type == "tag"


def test_given_unknown_detail_fields_when_parsed_then_they_are_ignored() -> None:
    raw = sample("codecommit-push.json")
    raw["detail"]["someFutureField"] = {"nested": True}
    raw["anotherTopLevel"] = 1

    event = parse_event(CodeCommitStateChangeEvent, raw, "CodeCommit")

    assert event.detail.commit_id == COMMIT


# --------------------------------------------------------------------------- ECR


def test_given_ecr_push_when_parsed_then_it_is_a_successful_push_and_not_a_replay() -> None:
    event = parse_event(EcrImageActionEvent, sample("ecr-push.json"), "ECR Image Action")

    assert event.detail.is_successful_push
    assert not event.is_replay
    assert event.detail.repository_name == "ecr-hello-aws"
    assert event.detail.image_tag == "latest"
    assert event.detail.image_digest.startswith("sha256:")
    assert (
        event.detail.manifest_media_type == "application/vnd.docker.distribution.manifest.v2+json"
    )


@pytest.mark.parametrize(
    ("result", "action", "expected"),
    [("SUCCESS", "PUSH", True), ("FAILURE", "PUSH", False), ("SUCCESS", "DELETE", False)],
)
def test_given_result_and_action_when_checked_then_only_successful_push_counts(
    result: str, action: str, expected: bool
) -> None:
    raw = sample("ecr-push.json")
    raw["detail"]["result"] = result
    raw["detail"]["action-type"] = action

    event = parse_event(EcrImageActionEvent, raw, "ECR Image Action")

    assert event.detail.is_successful_push is expected


def test_given_push_without_tag_when_parsed_then_tag_is_none() -> None:
    raw = sample("ecr-push.json")
    del raw["detail"]["image-tag"]

    event = parse_event(EcrImageActionEvent, raw, "ECR Image Action")

    assert event.detail.image_tag is None


def test_given_replayed_push_when_parsed_then_replay_name_is_set() -> None:
    event = parse_event(EcrImageActionEvent, sample("ecr-push-replayed.json"), "ECR Image Action")

    assert event.is_replay
    assert event.replay_name == "turnout-redeploy-20250612T093000Z"


def test_given_parsed_ecr_event_when_dumped_then_aws_field_names_come_back() -> None:
    raw = sample("ecr-push-replayed.json")
    event = parse_event(EcrImageActionEvent, raw, "ECR Image Action")

    dumped = event.to_aws()

    assert dumped["detail"] == raw["detail"]
    assert dumped["detail-type"] == "ECR Image Action"
    assert dumped["replay-name"] == raw["replay-name"]
    assert parse_event(EcrImageActionEvent, dumped, "ECR Image Action") == event


def test_given_detail_when_modified_then_it_is_immutable() -> None:
    event = parse_event(EcrImageActionEvent, sample("ecr-push.json"), "ECR Image Action")

    with pytest.raises(FrozenInstanceError):
        event.detail.image_tag = "other"  # type: ignore[misc]


# --------------------------------------------------------------------------- CodeBuild


def test_given_build_succeeded_when_parsed_then_source_version_is_the_commit() -> None:
    event = parse_event(CodeBuildStateChangeEvent, sample("codebuild-succeeded.json"), "CodeBuild")

    detail = event.detail
    assert detail.build_status == "SUCCEEDED"
    assert detail.project_name == "build-hello-aws"
    assert detail.build_id.startswith("arn:aws:codebuild:ap-northeast-2:123456789012:build/")
    assert detail.current_phase == "COMPLETED"
    assert detail.source_version == COMMIT


def test_given_build_event_without_extra_info_when_read_then_no_source_version() -> None:
    raw = sample("codebuild-failed.json")
    del raw["detail"]["additional-information"]
    del raw["detail"]["current-phase"]

    detail = parse_event(CodeBuildStateChangeEvent, raw, "CodeBuild").detail

    assert detail.source_version is None
    assert detail.current_phase is None
    assert detail.build_status == "FAILED"


@pytest.mark.parametrize("info", [{}, {"source-version": 12}])
def test_given_additional_information_without_string_source_version_when_read_then_none(
    info: dict[str, Any],
) -> None:
    raw = sample("codebuild-succeeded.json")
    raw["detail"]["additional-information"] = info

    detail = parse_event(CodeBuildStateChangeEvent, raw, "CodeBuild").detail

    assert detail.source_version is None


def test_given_build_event_without_build_id_when_parsed_then_field_is_named() -> None:
    raw = sample("codebuild-succeeded.json")
    del raw["detail"]["build-id"]

    message = invalid(CodeBuildStateChangeEvent, raw, "CodeBuild Build State Change")

    assert message == "CodeBuild Build State Change event: detail.build-id: field required"


# --------------------------------------------------------------------------- CodeDeploy


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("codedeploy-start.json", "START"),
        ("codedeploy-success.json", "SUCCESS"),
        ("codedeploy-failure.json", "FAILURE"),
        ("codedeploy-stop.json", "STOP"),
    ],
)
def test_given_deployment_state_change_when_parsed_then_state_and_ids_are_read(
    name: str, state: str
) -> None:
    detail = parse_event(CodeDeployStateChangeEvent, sample(name), "CodeDeploy").detail

    assert detail.state == state
    assert detail.deployment_id == "d-7QJ6XUB2H"
    assert detail.application == "app-hello-aws"
    assert detail.deployment_group == "dg-hello-aws"
    assert detail.region == "ap-northeast-2"


def test_given_deployment_event_without_deployment_id_when_parsed_then_field_is_named() -> None:
    raw = sample("codedeploy-success.json")
    del raw["detail"]["deploymentId"]

    message = invalid(CodeDeployStateChangeEvent, raw, "CodeDeploy state change")

    assert message == "CodeDeploy state change event: detail.deploymentId: field required"


def test_given_lifecycle_hook_payload_when_parsed_then_ids_are_read() -> None:
    hook = parse_event(LifecycleHookEvent, sample("lifecycle-hook.json"), "lifecycle hook")

    assert hook.deployment_id == "d-7QJ6XUB2H"
    assert hook.lifecycle_event_hook_execution_id.startswith("eyJ")
    assert hook.to_aws() == sample("lifecycle-hook.json")


def test_given_lifecycle_hook_with_empty_id_when_parsed_then_field_and_value_are_named() -> None:
    message = invalid(
        LifecycleHookEvent,
        {"DeploymentId": "", "LifecycleEventHookExecutionId": "abc"},
        "lifecycle hook",
    )

    assert message.startswith("lifecycle hook event: DeploymentId: string should have at least 1")
    assert "(got '')" in message


# --------------------------------------------------------------------------- schedule


def test_given_schedule_tick_when_parsed_then_detail_is_empty() -> None:
    tick = parse_event(ScheduledEvent, sample("scheduled-tick.json"), "Scheduled Event")

    assert tick.detail == {}
    assert tick.resources[0].startswith("arn:aws:events:ap-northeast-2:123456789012:rule/")


def test_given_schedule_tick_without_detail_when_parsed_then_detail_is_required() -> None:
    raw = sample("scheduled-tick.json")
    del raw["detail"]

    message = invalid(ScheduledEvent, raw, "Scheduled Event")

    assert message == "Scheduled Event: detail: field required"


# --------------------------------------------------------------------------- manual input


def test_given_commit_id_when_parsed_then_manual_input_has_commit_and_no_branch() -> None:
    manual = parse_event(ManualBuildInput, {"commitId": COMMIT}, "manual build input")

    assert manual.commit_id == COMMIT
    assert manual.branch is None
    assert manual.to_aws() == {"commitId": COMMIT}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("master", "master"),
        ("refs/heads/master", "master"),
        ("feature/login-v2", "feature/login-v2"),
        ("refs/heads/release/2025.06", "release/2025.06"),
        ("user@example", "user@example"),
        ("a" * 256, "a" * 256),
    ],
)
def test_given_valid_branch_when_parsed_then_refs_heads_prefix_is_stripped(
    given: str, expected: str
) -> None:
    manual = parse_event(ManualBuildInput, {"branch": given}, "manual build input")

    assert manual.branch == expected
    assert manual.commit_id is None


@pytest.mark.parametrize(
    ("branch", "rule"),
    [
        ("", "it is empty"),
        ("refs/heads/", "it is empty"),
        ("a" * 257, "it is 257 characters long, CodeCommit allows 256"),
        ("HEAD", "'HEAD' is reserved"),
        ("@", "'@' is reserved"),
        ("-x", "it starts with '-'"),
        ("/x", "empty path component"),
        ("x/", "empty path component"),
        ("a//b", "empty path component"),
        ("x.", "it ends with '.'"),
        ("a..b", "it contains '..'"),
        ("a@{1}", "it contains '@{'"),
        ("a b", "it contains ' '"),
        ("a~1", "it contains '~'"),
        ("a^", "it contains '^'"),
        ("a:b", "it contains ':'"),
        ("a?", "it contains '?'"),
        ("a*", "it contains '*'"),
        ("a[b", "it contains '['"),
        ("a\\b", "it contains '\\\\'"),
        ("a\tb", "control character '\\t'"),
        ("a\x7fb", "control character '\\x7f'"),
        (".hidden", "the component '.hidden' starts with '.'"),
        ("a/.b", "the component '.b' starts with '.'"),
        ("main.lock", "the component 'main.lock' ends with '.lock'"),
        ("x/y.lock/z", "the component 'y.lock' ends with '.lock'"),
    ],
)
def test_given_invalid_branch_when_parsed_then_message_names_branch_and_rule(
    branch: str, rule: str
) -> None:
    message = invalid(ManualBuildInput, {"branch": branch}, "manual build input")

    assert message.startswith(f"manual build input: branch: branch {branch!r} is not a valid")
    assert rule in message


def test_given_branch_name_helper_when_called_directly_then_it_raises_value_error() -> None:
    assert validate_branch_name("refs/heads/dev") == "dev"
    with pytest.raises(ValueError, match=r"branch 'a\.\.b' is not a valid git branch name"):
        validate_branch_name("a..b")


@pytest.mark.parametrize(
    ("commit_id", "expected"),
    [
        (COMMIT.upper(), "has uppercase letters: commit ids are lowercase hex"),
        ("705f74b", "has 7 characters: give the full 40-character commit id"),
        (COMMIT + "0", "has 41 characters"),
        ("g" * 40, "is not a commit id: expected 40 lowercase hex characters"),
        ("", "is not a commit id"),
    ],
)
def test_given_bad_commit_id_when_parsed_then_message_names_value_and_problem(
    commit_id: str, expected: str
) -> None:
    message = invalid(ManualBuildInput, {"commitId": commit_id}, "manual build input")

    assert message.startswith(f"manual build input: commitId: commitId {commit_id!r} ")
    assert expected in message


def test_given_commit_id_that_is_a_number_when_parsed_then_type_is_named() -> None:
    message = invalid(ManualBuildInput, {"commitId": 12345}, "manual build input")

    assert message == "manual build input: commitId: input should be a valid string (got 12345)"


@pytest.mark.parametrize(
    ("payload", "given"),
    [({}, "neither"), ({"commitId": COMMIT, "branch": "master"}, "both")],
)
def test_given_not_exactly_one_of_commit_or_branch_when_parsed_then_rejected(
    payload: dict[str, Any], given: str
) -> None:
    message = invalid(ManualBuildInput, payload, "manual build input")

    assert message == f"manual build input: give exactly one of commitId or branch, got {given}"


def test_given_unknown_key_when_parsed_then_key_and_allowed_keys_are_named() -> None:
    message = invalid(ManualBuildInput, {"commit": COMMIT}, "manual build input")

    assert "commit: unexpected key (allowed keys: commitId, branch)" in message


def test_given_input_mapping_when_parsed_then_caller_data_is_not_mutated() -> None:
    raw = {"branch": "refs/heads/master"}
    before = copy.deepcopy(raw)

    parse_event(ManualBuildInput, raw, "manual build input")

    assert raw == before


def test_given_explicit_null_commit_id_and_a_branch_when_parsed_then_branch_is_used() -> None:
    manual = parse_event(
        ManualBuildInput, {"commitId": None, "branch": "master"}, "manual build input"
    )

    assert manual.commit_id is None
    assert manual.branch == "master"


def test_given_a_codedeploy_event_without_region_and_instance_group_when_parsed_then_it_is_accepted() -> (
    None
):
    # aws-fidelity row 31: neither field is read; an ECS deployment's event may lack them.
    raw = sample("codedeploy-success.json")
    del raw["detail"]["region"]
    del raw["detail"]["instanceGroupId"]
    event = parse_event(CodeDeployStateChangeEvent, raw, "CodeDeploy")
    assert event.detail.region is None
    assert event.detail.instance_group_id is None
    assert event.detail.state == "SUCCESS"
