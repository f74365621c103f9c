"""functions/gate_hook: the AfterAllowTraffic hook starts the health gate."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.handlers.conftest import (
    DEPLOYMENT,
    HOOK_ID,
    NOW,
    World,
    arm_wait,
    attempt_phase,
    sample,
)


def test_given_an_armed_gate_when_the_hook_runs_then_the_gate_starts_and_holds_the_deployment(
    world: World,
) -> None:
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"
    arm_wait(world, "gate", "tok-gate")

    result = world.call("gate_hook", sample("lifecycle-hook"))

    assert result == {"gate": "started", "deploymentId": DEPLOYMENT}
    gate = world.deps.store.gate(DEPLOYMENT)
    assert gate is not None
    assert (gate["hookExecutionId"], gate["hookHeld"], gate["holdMode"]) == (HOOK_ID, True, "hook")
    assert gate["gateStartedAt"] == NOW
    assert gate["taskToken"] == "tok-gate"
    assert world.codedeploy.hook_answers == []
    assert attempt_phase(world) == "gate"


def test_given_a_long_termination_wait_when_the_hook_runs_then_it_answers_succeeded_at_once(
    world: World,
) -> None:
    world.codedeploy.termination_wait_minutes = 120

    world.call("gate_hook", sample("lifecycle-hook"))

    assert world.codedeploy.hook_answers == [
        {"deploymentId": DEPLOYMENT, "hookExecutionId": HOOK_ID, "status": "Succeeded"}
    ]
    gate = world.deps.store.gate(DEPLOYMENT)
    assert gate is not None
    assert (gate["holdMode"], gate["hookHeld"]) == ("termination-wait", False)
    assert world.attempts() == []  # not armed yet: no attempt to update


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (
            lambda e: e.pop("LifecycleEventHookExecutionId"),
            "LifecycleEventHookExecutionId: field required",
        ),
        (
            lambda e: e.update({"DeploymentId": ""}),
            "DeploymentId: string should have at least 1 character",
        ),
    ],
)
def test_given_a_malformed_hook_invocation_when_the_hook_runs_then_invalid_event_and_no_gate(
    world: World, mutate: Any, field: str
) -> None:
    from turnout.errors import InvalidEvent

    event = sample("lifecycle-hook")
    mutate(event)

    with pytest.raises(InvalidEvent, match=f"CodeDeploy lifecycle hook event: {field}"):
        world.call("gate_hook", event)
    assert world.deps.store.gates() == []
    assert world.codedeploy.hook_answers == []


def test_given_a_gate_when_the_hook_starts_it_then_the_item_carries_both_budgets(
    world: World,
) -> None:
    """aws-fidelity row 26: GateTick times out at (timeout + bake) after gateStartedAt; the
    CLI's status reads bakeSeconds/timeoutSeconds from the item to say "times out in"."""
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"
    arm_wait(world, "gate", "tok-gate")

    world.call(
        "gate_hook",
        sample("lifecycle-hook"),
        deps=world.with_config(GATE_BAKE_MINUTES=7, GATE_TIMEOUT_MINUTES=20),
    )

    gate = world.deps.store.gate(DEPLOYMENT)
    assert gate is not None
    assert (gate["bakeSeconds"], gate["timeoutSeconds"]) == (7 * 60, (20 + 7) * 60)
