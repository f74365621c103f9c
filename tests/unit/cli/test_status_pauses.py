"""`turnout status` at the ecs engine's pauses: the per-step gate says it is before a traffic
step; the approval's phase is shown by its ledger name."""

from __future__ import annotations

from turnout.ecs_engine import STEP_GATE_STAGE as CORE_STEP_GATE_STAGE
from turnout.ledger import Phase
from turnout_cli.status import LEDGER_PHASES, STEP_GATE_STAGE, GateView

NOW = 1_790_000_000.0


def _item(**fields: object) -> dict[str, object]:
    return {"gateStartedAt": NOW - 90, "gateState": {"healthy_since": NOW - 60}} | fields


def test_given_a_gate_before_a_traffic_step_when_described_then_it_says_so() -> None:
    view = GateView.from_item(_item(lifecycleStage=STEP_GATE_STAGE), 300.0, 2100.0)

    assert view is not None
    assert view.describe(NOW).startswith("before a traffic step: 4m 00s left of the 5m 00s bake")
    assert view.to_dict(NOW)["stage"] == STEP_GATE_STAGE


def test_given_the_final_gate_or_codedeploys_when_described_then_no_step_is_named() -> None:
    for item in (_item(lifecycleStage="POST_PRODUCTION_TRAFFIC_SHIFT"), _item()):
        view = GateView.from_item(item, 300.0, 2100.0)
        assert view is not None
        assert view.describe(NOW).startswith("4m 00s left of the 5m 00s bake")


def test_given_the_cli_and_the_core_when_compared_then_the_step_stage_is_the_same() -> None:
    assert STEP_GATE_STAGE == CORE_STEP_GATE_STAGE


def test_given_an_attempt_awaiting_approval_when_its_phase_is_shown_then_awaiting_approval() -> (
    None
):
    assert LEDGER_PHASES[Phase.AWAITING_APPROVAL.value] == "awaiting approval"
