"""turnout.ecs_reconcile: which ecs waits the gate tick reconciles, and how (pure)."""

from __future__ import annotations

import pytest

from turnout.ecs_engine import GATE_STAGE
from turnout.ecs_reconcile import RECONCILE_AFTER_SECONDS, OpenWait, Repair, due, open_waits, repair

ARN = "arn:aws:ecs:eu-west-1:123456789012:service-deployment/c/s/abc"
OTHER = "arn:aws:ecs:eu-west-1:123456789012:service-deployment/c/s/def"
NOW = 1_000_000.0


def _gate(started: bool = True) -> OpenWait:
    return OpenWait(ARN, "gate", NOW - RECONCILE_AFTER_SECONDS, gate_started=started)


def test_given_the_store_items_when_listed_then_only_the_ecs_waits_with_a_token_count() -> None:
    gates = [
        {"sk": ARN, "engine": "ecs", "taskToken": "t", "armedAt": 5, "gateStartedAt": 6},
        {"sk": OTHER, "engine": "ecs", "gateStartedAt": 6},  # the hook came, no arm yet
        {"sk": "d-CODEDEPLOY1", "taskToken": "t", "armedAt": 5},  # CodeDeploy's
    ]
    index = [
        {"deploymentId": OTHER, "kind": "completion", "armedAt": 7, "engine": "ecs"},
        {"deploymentId": "d-CODEDEPLOY1", "kind": "rollback", "armedAt": 7},
    ]

    assert open_waits(gates, index) == [
        OpenWait(ARN, "gate", 5.0, gate_started=True),
        OpenWait(OTHER, "completion", 7.0),
    ]


def test_given_waits_armed_at_different_times_when_due_then_only_those_past_the_grace() -> None:
    waits = [
        OpenWait(ARN, "gate", NOW - RECONCILE_AFTER_SECONDS),
        OpenWait(ARN, "rollback", NOW - 10 * RECONCILE_AFTER_SECONDS),
        OpenWait(OTHER, "completion", NOW - RECONCILE_AFTER_SECONDS + 1),
    ]

    assert due(waits, NOW) == [ARN]


@pytest.mark.parametrize(
    "status", ["SUCCESSFUL", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED"]
)
def test_given_a_deployment_that_ended_when_repaired_then_its_waits_are_settled(
    status: str,
) -> None:
    assert repair([_gate()], status, "CLEAN_UP", awaiting_hook=False) is Repair.SETTLE


@pytest.mark.parametrize(
    "status",
    ["PENDING", "IN_PROGRESS", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "STOP_REQUESTED"],
)
def test_given_a_deployment_still_running_when_repaired_then_nothing_is_done(status: str) -> None:
    assert repair([_gate()], status, "BAKE_TIME", awaiting_hook=False) is None


def test_given_an_armed_gate_whose_hook_event_was_lost_when_repaired_then_the_gate_starts() -> None:
    assert repair([_gate(started=False)], "IN_PROGRESS", GATE_STAGE, awaiting_hook=True) is (
        Repair.START_GATE
    )


def test_given_a_started_gate_at_the_hook_when_repaired_then_nothing_is_done() -> None:
    # the tick evaluates it as any gate: starting it again would restart its clock
    assert repair([_gate(started=True)], "IN_PROGRESS", GATE_STAGE, awaiting_hook=True) is None


def test_given_a_hook_not_yet_waiting_when_repaired_then_the_gate_does_not_start() -> None:
    assert repair([_gate(started=False)], "IN_PROGRESS", GATE_STAGE, awaiting_hook=False) is None
    assert repair([_gate(started=False)], "IN_PROGRESS", "SCALE_UP", awaiting_hook=True) is None


def test_given_no_wait_when_repaired_then_nothing_is_done() -> None:
    assert repair([], "ROLLBACK_SUCCESSFUL", "CLEAN_UP", awaiting_hook=False) is None
