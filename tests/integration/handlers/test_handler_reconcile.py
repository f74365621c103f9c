"""functions/gate_tick also reconciles the completion and rollback waits whose best-effort
CodeDeploy event never came (aws-fidelity row 30; EventBridge events reference, "AWS
CodeDeploy events": delivery is best effort)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.handlers.conftest import DEPLOYMENT, NOW, World, arm_wait, sample

ROLLBACK = "d-ROLLBACK1"


def _tick(world: World) -> dict[str, object]:
    return world.call("gate_tick", sample("scheduled-tick"))


def test_given_a_completion_wait_whose_success_event_was_lost_when_ticking_later_then_it_resumes(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"
    arm_wait(world, "completion", "tok-done")
    world.codedeploy.statuses[DEPLOYMENT] = "Succeeded"  # ... and its SUCCESS event is lost
    fixed_clock(NOW + 6 * 60)

    result = _tick(world)

    assert result["reconciled"] == {DEPLOYMENT: ["completion"]}
    assert [(k, c["taskToken"]) for k, c in world.sfn_calls.calls] == [("success", "tok-done")]
    assert world.deps.store.wait(DEPLOYMENT, "completion") is None
    assert "reconciled" not in _tick(world)  # resolved once, the index is clean


def test_given_a_recent_wait_when_ticking_then_it_is_left_to_its_event(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"
    arm_wait(world, "completion", "tok-done")
    world.codedeploy.statuses[DEPLOYMENT] = "Succeeded"
    fixed_clock(NOW + 60)

    result = _tick(world)

    assert "reconciled" not in result
    assert world.sfn_calls.calls == []
    assert world.deps.store.wait(DEPLOYMENT, "completion") is not None


@pytest.mark.parametrize(("status", "kind"), [("Succeeded", "success"), ("Failed", "failure")])
def test_given_a_rollback_whose_events_were_lost_when_ticking_later_then_its_outcome_resolves_it(
    world: World, fixed_clock: Callable[[float], None], status: str, kind: str
) -> None:
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"
    arm_wait(world, "rollback", "tok-rb")
    # the original's STOP and the rollback deployment's events are all lost
    world.codedeploy.statuses |= {DEPLOYMENT: "Stopped", ROLLBACK: "InProgress"}
    world.codedeploy.rollbacks[DEPLOYMENT] = ROLLBACK
    fixed_clock(NOW + 6 * 60)
    assert "reconciled" in _tick(world)  # follows the rollback deployment
    assert world.sfn_calls.calls == []
    world.codedeploy.statuses[ROLLBACK] = status
    fixed_clock(NOW + 12 * 60)

    result = _tick(world)

    assert result["reconciled"] == {ROLLBACK: ["rollback"]}
    assert [(k, c["taskToken"]) for k, c in world.sfn_calls.calls] == [(kind, "tok-rb")]


def test_given_a_deployment_still_running_when_ticking_later_then_the_wait_stays(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"
    arm_wait(world, "completion", "tok-done")
    fixed_clock(NOW + 30 * 60)

    assert "reconciled" not in _tick(world)
    assert world.deps.store.wait(DEPLOYMENT, "completion") is not None
