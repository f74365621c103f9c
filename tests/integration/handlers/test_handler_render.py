"""functions/render: taskdef.json + appspec.yaml AT the commit -> a registered task definition
and the AppSpec for CodeDeploy. A failure registers nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from tests.integration.handlers.conftest import COMMIT, SERVICE_KEY, World, attempt, fixture_text
from turnout.errors import (
    AppSpecInvalid,
    CommitNotFound,
    ConfigError,
    PlaceholderMissing,
    SourceFileNotFound,
    TaskDefinitionInvalid,
)

GATE_HOOK = "CodeDeployHook_hello-aws-turnout-gate"


def _render(world: World, **deps_overrides: Any) -> dict[str, Any]:
    deps = world.with_config(**deps_overrides) if deps_overrides else None
    return world.call("render", {"attempt": attempt()}, deps=deps)


def test_given_the_files_at_the_commit_when_rendering_then_the_pinned_taskdef_is_registered(
    world: World,
) -> None:
    world.sources()
    world.deps.store.put_attempt(SERVICE_KEY, attempt()["attemptId"], {"result": "running"})

    result = _render(world)

    assert world.task_definitions() == [result["taskDefinitionArn"]]
    registered = world.ecs.describe_task_definition(
        taskDefinition=result["taskDefinitionArn"], include=["TAGS"]
    )
    container = registered["taskDefinition"]["containerDefinitions"][0]
    assert container["image"] == attempt()["imageUri"]
    tags = {t["key"]: t["value"] for t in registered["tags"]}
    assert tags["turnout:commit"] == COMMIT
    assert tags["turnout:digest"] == attempt()["digest"]
    assert (result["containerName"], result["containerPort"]) == ("hello-aws", 8080)
    assert result["holdMode"] == "hook"
    assert result["gateWaitTimeoutSeconds"] == (30 + 5) * 60 + 3600
    appspec = yaml.safe_load(result["appSpecContent"])
    props = appspec["Resources"][0]["TargetService"]["Properties"]
    assert props["TaskDefinition"] == result["taskDefinitionArn"]
    assert {"AfterAllowTraffic": GATE_HOOK} in appspec["Hooks"]
    row = world.deps.store.get_attempt(SERVICE_KEY, attempt()["attemptId"])
    assert row is not None
    assert row["phase"] == "deploying"
    assert row["taskDefinitionArn"] == result["taskDefinitionArn"]
    assert (
        "GetFile",
        {"commitSpecifier": COMMIT, "filePath": "taskdef.json"},
    ) in world.codecommit.calls


def test_given_a_termination_wait_longer_than_the_gate_when_rendering_then_it_holds_the_original(
    world: World,
) -> None:
    world.sources()
    world.codedeploy.termination_wait_minutes = 60

    assert _render(world)["holdMode"] == "termination-wait"


def test_given_a_gate_longer_than_a_hook_may_wait_when_rendering_then_config_error_names_both(
    world: World,
) -> None:
    world.sources()

    with pytest.raises(ConfigError, match=r"GateTimeoutMinutes \+ GateBakeMinutes = 65 min"):
        _render(world, GATE_TIMEOUT_MINUTES=60)


def test_given_a_check_interval_that_would_deliver_the_verdict_after_the_hook_limit_then_config_error(
    world: World,
) -> None:
    """aws-fidelity row 5: a 50-minute gate checked every 5 minutes can give its verdict at
    minute 56: past the hook's margin before CodeDeploy's one-hour limit."""
    world.sources()

    with pytest.raises(ConfigError, match=r"GateCheckIntervalMinutes = 5\b"):
        _render(world, GATE_TIMEOUT_MINUTES=45, GATE_CHECK_INTERVAL_MINUTES=5)
    assert world.task_definitions() == []
    assert _render(world, GATE_TIMEOUT_MINUTES=45)["holdMode"] == "hook"  # every minute: fits


def test_given_a_termination_wait_shorter_than_the_gate_plus_an_interval_then_the_hook_holds(
    world: World,
) -> None:
    """The group's wait must outlive the last tick's verdict, or the rollback finds the
    original task set deleted (35-minute gate, 5-minute interval: 46 minutes needed)."""
    world.sources()
    world.codedeploy.termination_wait_minutes = 45

    assert _render(world, GATE_CHECK_INTERVAL_MINUTES=5)["holdMode"] == "hook"
    assert _render(world, GATE_CHECK_INTERVAL_MINUTES=1)["holdMode"] == "termination-wait"


def test_given_no_taskdef_at_the_commit_when_rendering_then_source_file_not_found_and_nothing_registered(
    world: World,
) -> None:
    world.sources(taskdef=None)

    with pytest.raises(
        SourceFileNotFound, match=f"taskdef.json does not exist in hello-aws at commit {COMMIT}"
    ):
        _render(world)
    assert world.task_definitions() == []


def test_given_no_appspec_at_the_commit_when_rendering_then_source_file_not_found(
    world: World,
) -> None:
    world.sources(appspec=None)

    with pytest.raises(SourceFileNotFound, match=r"appspec\.yaml does not exist"):
        _render(world)
    assert world.task_definitions() == []


def test_given_an_unknown_commit_when_rendering_then_commit_not_found(world: World) -> None:
    with pytest.raises(CommitNotFound, match=COMMIT):
        _render(world)
    assert world.task_definitions() == []


def test_given_a_taskdef_that_is_not_json_when_rendering_then_taskdef_invalid_and_nothing_registered(
    world: World,
) -> None:
    world.sources(taskdef='{"family": "task-hello-aws",')

    with pytest.raises(TaskDefinitionInvalid, match=r"taskdef\.json"):
        _render(world)
    assert world.task_definitions() == []


def test_given_a_taskdef_without_the_image_placeholder_when_rendering_then_placeholder_missing(
    world: World,
) -> None:
    taskdef = json.loads(fixture_text("taskdef_console.json"))
    taskdef["containerDefinitions"][0]["image"] = "nginx:latest"
    world.sources(taskdef=json.dumps(taskdef))

    with pytest.raises(PlaceholderMissing, match=r"taskdef\.json: no container image is '<IMAGE>'"):
        _render(world)
    assert world.task_definitions() == []


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'ContainerName: "hello-aws"',
            'ContainerName: "web"',
            r"ContainerName is 'web', which is not a container",
        ),
        (
            "ContainerPort: 8080",
            "ContainerPort: 9090",
            r"ContainerPort is 9090, but container 'hello-aws' maps containerPorts \[8080\]",
        ),
    ],
)
def test_given_an_appspec_that_disagrees_with_the_taskdef_when_rendering_then_appspec_invalid_and_nothing_registered(
    world: World, old: str, new: str, message: str
) -> None:
    appspec = fixture_text("appspec.yaml")
    assert old in appspec
    world.sources(appspec=appspec.replace(old, new))

    with pytest.raises(AppSpecInvalid, match=f"appspec.yaml: .*{message}"):
        _render(world)
    assert world.task_definitions() == []


def test_given_an_attempt_without_image_uri_when_rendering_then_invalid_event(world: World) -> None:
    from turnout.errors import InvalidEvent

    broken = attempt()
    del broken["imageUri"]
    with pytest.raises(InvalidEvent, match=r"attempt\.imageUri is missing"):
        world.call("render", {"attempt": broken})
    assert world.task_definitions() == []


@pytest.mark.parametrize(("wait", "expected"), [(5, 5 * 60 + 3600), (180, 180 * 60 + 3600)])
def test_given_a_group_termination_wait_when_rendering_then_the_completion_wait_outlasts_it(
    world: World, wait: int, expected: int
) -> None:
    """aws-fidelity row 12: if ContinueDeployment fails, SUCCESS comes only at the end of the
    group's termination wait; a fixed hour would record WaitTimedOut first."""
    world.sources()
    world.codedeploy.termination_wait_minutes = wait

    assert _render(world)["completionWaitTimeoutSeconds"] == expected


def test_given_a_group_that_keeps_the_original_when_rendering_then_the_completion_wait_is_an_hour(
    world: World,
) -> None:
    world.sources()
    world.codedeploy.termination_action = "KEEP_ALIVE"

    assert _render(world)["completionWaitTimeoutSeconds"] == 3600


def test_given_a_group_waiting_for_a_manual_reroute_when_rendering_then_config_error_and_nothing_registered(
    world: World,
) -> None:
    """aws-fidelity row 15: STOP_DEPLOYMENT waits for ContinueDeployment(READY_WAIT), which
    turnout never sends: the deployment would stop at the ready timeout, no gate started."""
    world.sources()
    world.codedeploy.ready_action = "STOP_DEPLOYMENT"

    with pytest.raises(
        ConfigError,
        match=r"dg-hello-aws has deploymentReadyOption\.actionOnTimeout = STOP_DEPLOYMENT",
    ):
        _render(world)
    assert world.task_definitions() == []


def test_given_a_group_that_reroutes_at_once_when_rendering_then_it_registers(
    world: World,
) -> None:
    world.sources()
    world.codedeploy.ready_action = "CONTINUE_DEPLOYMENT"

    assert _render(world)["holdMode"] == "hook"
