"""Every sandbox scenario, end to end on the real template.yaml and state machines."""

from __future__ import annotations

import pytest

from turnout_sandbox.scenarios import SCENARIOS, ScenarioResult, run_scenario

pytestmark = pytest.mark.e2e

#: Virtual time runs this many times faster than the wall clock. Lower than the demo's
#: default: on a loaded 2-core CI machine a slower clock keeps every ordering realistic.
SPEED = 100.0


def _explain(result: ScenarioResult) -> str:
    failed = [c for c, ok in result.checks if not ok]
    tail = "\n".join(f"  {s.at_real:7.2f}s {s.source:10} {s.text}" for s in result.steps[-25:])
    log = "\n".join(f"  {line}" for line in result.log[-30:])
    return f"{result.name}: failed checks {failed}\nsummary {result.summary}\nlast steps:\n{tail}\nlog:\n{log}"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_given_the_demo_service_when_the_scenario_runs_then_it_ends_as_expected(name: str) -> None:
    result = run_scenario(name, speed=SPEED)
    assert result.ok, _explain(result)
    assert result.checks, "a scenario without checks proves nothing"


def test_given_a_60_minute_bake_when_a_push_deploys_then_transitions_equal_the_5_minute_bake() -> (
    None
):
    # The same hold mode for both (the group's termination wait outlasts either gate), so
    # only the bake differs: the gate waits on a task token, never in a loop.
    five = run_scenario("happy", bake_minutes=5, speed=SPEED, termination_wait_minutes=90)
    sixty = run_scenario("happy", bake_minutes=60, speed=SPEED, termination_wait_minutes=90)
    assert five.ok, _explain(five)
    assert sixty.ok, _explain(sixty)
    assert five.summary["transitions"] == sixty.summary["transitions"] <= 40


def test_given_an_unknown_scenario_when_run_then_the_error_names_the_choices() -> None:
    with pytest.raises(ValueError, match="happy"):
        run_scenario("no-such-scenario")
