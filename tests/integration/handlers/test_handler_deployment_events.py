"""functions/deployment_events: CodeDeploy state changes resume the waiting executions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.handlers.conftest import (
    DEPLOYMENT,
    World,
    arm_wait,
    sample,
)


def _event(state: str, **detail: str) -> dict[str, Any]:
    event = sample("codedeploy-success")
    event["detail"] |= {"state": state, **detail}
    return event


def _armed_in_progress(world: World, *waits: tuple[str, str]) -> None:
    """DEPLOYMENT in progress (arm_wait checks it) and each (kind, token) wait armed on it."""
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"
    for kind, token in waits:
        arm_wait(world, kind, token)


def test_given_a_completion_wait_when_the_deployment_succeeds_then_it_resumes_with_success(
    world: World,
) -> None:
    _armed_in_progress(world, ("completion", "tok-done"))
    world.codedeploy.statuses[DEPLOYMENT] = "Succeeded"

    result = world.call("deployment_events", sample("codedeploy-success"))

    assert result == {"resolved": ["completion"]}
    assert world.sfn_calls.calls == [
        (
            "success",
            {"taskToken": "tok-done", "output": {"deploymentId": DEPLOYMENT, "state": "SUCCESS"}},
        )
    ]
    assert world.deps.store.wait(DEPLOYMENT, "completion") is None


def test_given_a_running_gate_when_the_deployment_fails_then_gate_and_completion_fail(
    world: World,
) -> None:
    _armed_in_progress(world, ("gate", "tok-gate"), ("completion", "tok-done"))
    world.codedeploy.statuses[DEPLOYMENT] = "Failed"

    result = world.call("deployment_events", sample("codedeploy-failure"))

    assert result == {"resolved": ["gate", "completion"]}
    assert [(kind, call["taskToken"], call["error"]) for kind, call in world.sfn_calls.calls] == [
        ("failure", "tok-gate", "DeploymentFailed"),
        ("failure", "tok-done", "DeploymentFailed"),
    ]
    assert "reported FAILURE during the health gate" in world.sfn_calls.calls[0][1]["cause"]
    assert world.deps.store.gate(DEPLOYMENT) is None


@pytest.mark.parametrize(
    ("state", "status", "kind"),
    [("STOP", "Stopped", "success"), ("SUCCESS", "Succeeded", "failure")],
)
def test_given_a_rollback_wait_when_the_deployment_ends_then_stop_resumes_it_and_success_fails_it(
    world: World, state: str, status: str, kind: str
) -> None:
    # A STOP without rollbackInfo.rollbackDeploymentId: nothing was rolled back.
    _armed_in_progress(world, ("rollback", "tok-rb"))
    world.codedeploy.statuses[DEPLOYMENT] = status

    result = world.call("deployment_events", _event(state))

    assert result == {"resolved": ["rollback"]}
    assert [(k, c["taskToken"]) for k, c in world.sfn_calls.calls] == [(kind, "tok-rb")]
    assert world.deps.store.wait(DEPLOYMENT, "rollback") is None


def test_given_an_event_of_another_deployment_group_when_received_then_it_is_ignored(
    world: World,
) -> None:
    _armed_in_progress(world, ("completion", "tok-done"))

    result = world.call("deployment_events", _event("SUCCESS", deploymentGroup="dg-other"))

    assert result == {"resolved": []}
    assert world.sfn_calls.calls == []
    assert world.deps.store.wait(DEPLOYMENT, "completion") is not None


def test_given_a_wait_whose_task_timed_out_when_the_event_comes_then_it_is_cleared_quietly(
    world: World,
) -> None:
    _armed_in_progress(world, ("completion", "tok-old"))
    world.sfn_calls.gone.add("tok-old")
    world.codedeploy.statuses[DEPLOYMENT] = "Succeeded"

    result = world.call("deployment_events", sample("codedeploy-success"))

    assert result == {"resolved": ["completion"]}
    assert world.deps.store.wait(DEPLOYMENT, "completion") is None


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e["detail"].pop("deploymentId"), r"detail\.deploymentId: field required"),
        (lambda e: e.update({"source": "aws.ecr"}), "source: input should be 'aws.codedeploy'"),
    ],
)
def test_given_a_malformed_deployment_event_when_received_then_invalid_event_names_the_field(
    world: World, mutate: Any, field: str
) -> None:
    from turnout.errors import InvalidEvent

    event = sample("codedeploy-success")
    mutate(event)

    with pytest.raises(
        InvalidEvent, match=f"CodeDeploy Deployment State-change Notification event: .*{field}"
    ):
        world.call("deployment_events", event)
    assert world.sfn_calls.calls == []


# ------------------------------------------------- rollbacks are separate deployments (row 4)
ROLLBACK = "d-ROLLBACK1"


def test_given_a_rollback_wait_when_the_original_stops_then_it_waits_for_the_rollback_deployment(
    world: World,
) -> None:
    _armed_in_progress(world, ("rollback", "tok-rb"))
    world.codedeploy.statuses |= {DEPLOYMENT: "Stopped", ROLLBACK: "InProgress"}
    world.codedeploy.rollbacks[DEPLOYMENT] = ROLLBACK

    result = world.call("deployment_events", _event("STOP"))

    assert result == {"resolved": []}
    assert world.sfn_calls.calls == []
    assert world.deps.store.wait(DEPLOYMENT, "rollback") is None
    moved = world.deps.store.wait(ROLLBACK, "rollback")
    assert moved is not None
    assert (moved["taskToken"], moved["rollbackOf"]) == ("tok-rb", DEPLOYMENT)


@pytest.mark.parametrize(
    ("state", "status", "kind"),
    [
        pytest.param("SUCCESS", "Succeeded", "success", id="rollback-succeeded"),
        pytest.param("FAILURE", "Failed", "failure", id="rollback-failed"),
    ],
)
def test_given_a_followed_rollback_when_the_rollback_deployment_ends_then_its_outcome_resolves_it(
    world: World, state: str, status: str, kind: str
) -> None:
    _armed_in_progress(world, ("rollback", "tok-rb"))
    world.codedeploy.statuses |= {DEPLOYMENT: "Stopped", ROLLBACK: "InProgress"}
    world.codedeploy.rollbacks[DEPLOYMENT] = ROLLBACK
    world.call("deployment_events", _event("STOP"))
    world.codedeploy.statuses[ROLLBACK] = status

    result = world.call("deployment_events", _event(state, deploymentId=ROLLBACK))

    assert result == {"resolved": ["rollback"]}
    assert [(k, c["taskToken"]) for k, c in world.sfn_calls.calls] == [(kind, "tok-rb")]
    call = world.sfn_calls.calls[0][1]
    if kind == "success":
        assert call["output"]["rollbackDeploymentId"] == ROLLBACK
    else:
        assert (call["error"], "the rollback failed" in call["cause"]) == ("DeploymentFailed", True)
    assert world.deps.store.wait(ROLLBACK, "rollback") is None


def test_given_the_original_stopped_and_rollback_done_when_arming_rollback_then_it_resumes_at_once(
    world: World,
) -> None:
    world.codedeploy.statuses |= {DEPLOYMENT: "Stopped", ROLLBACK: "Succeeded"}
    world.codedeploy.rollbacks[DEPLOYMENT] = ROLLBACK

    arm_wait(world, "rollback", "tok-rb")

    assert [(k, c["taskToken"]) for k, c in world.sfn_calls.calls] == [("success", "tok-rb")]
    assert world.deps.store.wait(DEPLOYMENT, "rollback") is None
    assert world.deps.store.wait(ROLLBACK, "rollback") is None


# ------------------------------------------ confirmed with CodeDeploy (security-review row 8)
@pytest.mark.parametrize(
    ("status", "group", "reason"),
    [
        ("InProgress", None, "GetDeployment says InProgress, the event SUCCESS"),
        ("Succeeded", ("app-other", "dg-other"), "GetDeployment says app-other/dg-other"),
    ],
)
def test_given_a_forged_success_event_when_received_then_it_is_refused_and_nothing_changes(
    world: World, status: str, group: tuple[str, str] | None, reason: str
) -> None:
    _armed_in_progress(world, ("gate", "tok-gate"), ("completion", "tok-done"))
    world.codedeploy.statuses[DEPLOYMENT] = status
    if group:
        world.codedeploy.groups[DEPLOYMENT] = group

    result = world.call("deployment_events", sample("codedeploy-success"))

    assert result == {"resolved": [], "refused": reason}
    assert world.sfn_calls.calls == []
    assert world.deps.store.wait(DEPLOYMENT, "completion") is not None
    assert world.deps.store.gate(DEPLOYMENT) is not None
