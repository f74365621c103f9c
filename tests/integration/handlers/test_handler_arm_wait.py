"""functions/arm_wait: store the task token of a gate/completion/rollback wait; resume at
once when CodeDeploy already finished."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.handlers.conftest import (
    DEPLOYMENT,
    NOW,
    World,
    arm_wait,
    attempt,
    attempt_phase,
)


def test_given_a_deployment_in_progress_when_arming_the_gate_then_the_token_is_stored(
    world: World,
) -> None:
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"

    result = arm_wait(world, "gate", "tok-gate", holdMode="hook", taskDefinitionArn="arn:td:1")

    assert result == {"armed": "gate", "deploymentId": DEPLOYMENT, "status": "InProgress"}
    gate = world.deps.store.gate(DEPLOYMENT)
    assert gate is not None
    assert (gate["taskToken"], gate["attemptId"], gate["taskDefinitionArn"]) == (
        "tok-gate",
        attempt()["attemptId"],
        "arn:td:1",
    )
    assert gate["expiresAt"] == int(NOW) + 3 * 24 * 3600
    assert attempt_phase(world) == "traffic-shifting"
    assert world.sfn_calls.calls == []


def test_given_the_deployment_already_succeeded_when_arming_completion_then_it_resumes_at_once(
    world: World,
) -> None:
    world.codedeploy.statuses[DEPLOYMENT] = "Succeeded"

    result = arm_wait(world, "completion", "tok-done")

    assert result["status"] == "Succeeded"
    assert world.sfn_calls.calls == [
        (
            "success",
            {"taskToken": "tok-done", "output": {"deploymentId": DEPLOYMENT, "state": "SUCCESS"}},
        )
    ]
    assert world.deps.store.wait(DEPLOYMENT, "completion") is None
    assert attempt_phase(world) == "terminating"


def test_given_a_rollback_in_progress_when_arming_rollback_then_the_wait_is_stored(
    world: World,
) -> None:
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"

    arm_wait(world, "rollback", "tok-rb")

    wait = world.deps.store.wait(DEPLOYMENT, "rollback")
    assert wait is not None
    assert wait["taskToken"] == "tok-rb"
    assert attempt_phase(world) == "rolling-back"


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "soon", "taskToken": "t", "deploymentId": DEPLOYMENT},
        {"kind": "gate", "deploymentId": DEPLOYMENT},
        {"kind": "gate", "taskToken": "t", "deploymentId": 7},
    ],
)
def test_given_a_bad_arm_input_when_arming_then_invalid_event_names_the_fields(
    world: World, payload: dict[str, Any]
) -> None:
    from turnout.errors import InvalidEvent

    with pytest.raises(
        InvalidEvent,
        match=r"arm_wait input: needs kind \(gate\|completion\|rollback\), taskToken and deploymentId",
    ):
        world.call("arm_wait", payload)
    assert world.deps.store.gate(DEPLOYMENT) is None
    assert world.attempts() == []


# ------------------------------------------ confirmed with CodeDeploy (security-review row 8)
def test_given_a_deployment_of_another_group_when_arming_then_refused_and_nothing_stored(
    world: World,
) -> None:
    from turnout.errors import UntrustedInvocation

    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"
    world.codedeploy.groups[DEPLOYMENT] = ("app-other", "dg-other")

    with pytest.raises(UntrustedInvocation, match="belongs to app-other/dg-other"):
        arm_wait(world, "completion", "tok-done")
    assert world.deps.store.wait(DEPLOYMENT, "completion") is None
    assert world.attempts() == []


def _an_armed_wait(world: World, kind: str, token: str) -> None:
    """The deployment in progress, its ``kind`` wait armed with ``token`` by this attempt."""
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"
    arm_wait(world, kind, token)


@pytest.mark.parametrize("kind", ["gate", "completion"])
def test_given_an_armed_wait_when_armed_again_with_another_token_then_refused_and_token_kept(
    world: World, kind: str
) -> None:
    from turnout.errors import UntrustedInvocation

    _an_armed_wait(world, kind, "tok-real")

    with pytest.raises(UntrustedInvocation, match="already armed with another task token"):
        arm_wait(world, kind, "tok-forged", attempt=attempt() | {"attemptId": "another-attempt"})
    arm_wait(world, kind, "tok-real")  # the same token again: fine

    assert _stored_token(world, kind) == "tok-real"


@pytest.mark.parametrize("kind", ["gate", "completion"])
def test_given_an_armed_wait_when_its_own_attempt_arms_again_then_the_new_token_replaces_it(
    world: World, kind: str
) -> None:
    # Step Functions retries the task after ArmWait timed out or crashed once the token was
    # stored; the retry has a task token of its own, the first one died with its attempt.
    _an_armed_wait(world, kind, "tok-first-try")

    arm_wait(world, kind, "tok-retry")

    assert _stored_token(world, kind) == "tok-retry"


def _stored_token(world: World, kind: str) -> Any:
    stored = (
        world.deps.store.gate(DEPLOYMENT)
        if kind == "gate"
        else world.deps.store.wait(DEPLOYMENT, kind)
    )
    assert stored is not None
    return stored["taskToken"]
