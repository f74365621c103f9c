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
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"

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


# ----------------------------------------- a hook delivered twice (aws-fidelity row 32)
@pytest.mark.parametrize("termination_wait", [5, 120])
def test_given_a_started_gate_when_the_same_hook_is_delivered_again_then_the_gate_clock_is_kept(
    world: World, fixed_clock: Any, termination_wait: int
) -> None:
    # Lambda DG, "How Lambda handles errors and retries with asynchronous invocation": the
    # same event may arrive more than once.
    world.codedeploy.termination_wait_minutes = termination_wait
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"
    arm_wait(world, "gate", "tok-gate")
    world.call("gate_hook", sample("lifecycle-hook"))
    first = world.deps.store.gate(DEPLOYMENT)
    assert first is not None
    fixed_clock(NOW + 600)

    result = world.call("gate_hook", sample("lifecycle-hook"))

    assert result == {"gate": "already started", "deploymentId": DEPLOYMENT}
    again = world.deps.store.gate(DEPLOYMENT)
    assert again is not None
    assert (again["gateStartedAt"], again["gateState"]) == (NOW, first["gateState"])
    # termination-wait mode answered once; the second answer's "already completed" is success
    answered = [a["status"] for a in world.codedeploy.hook_answers]
    assert answered == (["Succeeded"] if termination_wait == 120 else [])


def test_given_a_started_gate_when_a_new_hook_execution_arrives_then_the_gate_starts_again(
    world: World, fixed_clock: Any
) -> None:
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"
    world.call("gate_hook", sample("lifecycle-hook"))
    fixed_clock(NOW + 600)

    result = world.call(
        "gate_hook", sample("lifecycle-hook") | {"LifecycleEventHookExecutionId": "other"}
    )

    assert result["gate"] == "started"
    gate = world.deps.store.gate(DEPLOYMENT)
    assert gate is not None
    assert (gate["hookExecutionId"], gate["gateStartedAt"]) == ("other", NOW + 600)


# ------------------------------------------ confirmed with CodeDeploy (security-review row 8)
@pytest.mark.parametrize(
    ("status", "group", "lifecycle", "reason"),
    [
        ("InProgress", ("app-other", "dg-other"), None, "belongs to app-other/dg-other"),
        ("Succeeded", None, None, "is Succeeded, not InProgress"),
        (
            "InProgress",
            None,
            {"AfterAllowTestTraffic": "InProgress", "AfterAllowTraffic": "Pending"},
            None,
        ),
        (
            "InProgress",
            None,
            {"AfterAllowTestTraffic": "InProgress"},
            "AfterAllowTraffic lifecycle event of d-7QJ6XUB2H is not listed",
        ),
        (
            "InProgress",
            None,
            {"AfterAllowTraffic": "Succeeded"},
            "AfterAllowTraffic lifecycle event of d-7QJ6XUB2H is Succeeded",
        ),
    ],
)
def test_given_an_unconfirmed_hook_invocation_when_the_hook_runs_then_it_is_refused_untouched(
    world: World,
    status: str,
    group: tuple[str, str] | None,
    lifecycle: dict[str, str] | None,
    reason: str | None,
) -> None:
    world.codedeploy.termination_wait_minutes = 120  # would answer the hook if it went on
    world.codedeploy.statuses[DEPLOYMENT] = status
    if group:
        world.codedeploy.groups[DEPLOYMENT] = group
    if lifecycle:
        world.codedeploy.lifecycle[DEPLOYMENT] = lifecycle

    result = world.call("gate_hook", sample("lifecycle-hook"))

    if reason is None:  # AfterAllowTraffic still Pending: CodeDeploy waits on it, go on
        assert result["gate"] == "started"
        return
    assert result["gate"] == "refused"
    assert reason in result["reason"]
    assert world.deps.store.gates() == []
    assert world.codedeploy.hook_answers == []
