"""`turnout demo`'s timeline in true order (issue 9 item 6), through the real stack."""

from __future__ import annotations

import pytest

from turnout_sandbox.scenarios import run_scenario
from turnout_sandbox.timeline import Step

pytestmark = pytest.mark.e2e


def _index(steps: list[Step], source: str, needle: str) -> int:
    return next(i for i, s in enumerate(steps) if s.source == source and needle in s.text)


def test_given_the_happy_scenario_when_it_runs_then_steps_come_in_the_order_they_happened() -> None:
    seen: list[Step] = []
    result = run_scenario("happy", on_step=seen.append)

    assert result.ok, result.checks
    assert seen == result.steps  # printed live as recorded
    times = [s.at_virtual for s in result.steps]
    assert times == sorted(times)
    # the state machine terminates the original task set, and only then CodeDeploy reports
    # SUCCESS (polling used to print the event first)
    terminate = _index(result.steps, "deploy", "TerminateOriginalTaskSet")
    success = _index(result.steps, "codedeploy", "SUCCESS")
    assert terminate < success
    # the gate's ticks, between the wait for the gate and its release
    checks = [i for i, s in enumerate(result.steps) if s.source == "gate"]
    assert checks
    assert _index(result.steps, "deploy", "WaitForHealthGate") < checks[0]
    assert checks[-1] < _index(result.steps, "deploy", "ReleaseHook")
    assert "check: pass, healthy for" in result.steps[checks[-1]].text
    assert all("targets healthy" in result.steps[i].text for i in checks)
