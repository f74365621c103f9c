"""The state names the CLI shows are the state machines' own (read from the ASL files).

`turnout status` turns an execution's last entered state into a phase through
turnout_cli/status.py's tables; a state renamed or added in statemachines/*.asl.json without
the table following would show as "running (<name>)". These checks fail on any drift.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from cfn_template import STATEMACHINES

from turnout_cli.status import BUILD_PHASES, DEPLOY_PHASES, ECS_DEPLOY_PHASES, GATE_STATE

pytestmark = pytest.mark.checks

#: States that end the execution as soon as it enters them: status never sees one running.
ENDING_TYPES = frozenset({"Succeed", "Fail"})


def states_of(machine: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every state of a definition, nested Parallel branches and Map processors included."""
    found: dict[str, dict[str, Any]] = {}
    for name, state in machine.get("States", {}).items():
        found[name] = state
        for branch in state.get("Branches", []):
            found |= states_of(branch)
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                found |= states_of(state[key])
    return found


def asl_states(name: str) -> dict[str, dict[str, Any]]:
    path = STATEMACHINES / f"{name}.asl.json"
    return states_of(json.loads(path.read_text(encoding="utf-8")))


def running_states(name: str) -> set[str]:
    return {n for n, s in asl_states(name).items() if s.get("Type") not in ENDING_TYPES}


@pytest.mark.parametrize(
    ("machine", "phases"),
    [("deploy", DEPLOY_PHASES), ("deploy_ecs", ECS_DEPLOY_PHASES), ("build", BUILD_PHASES)],
)
def test_given_the_asl_when_compared_with_the_cli_phase_table_then_the_state_names_are_equal(
    machine: str, phases: Mapping[str, str]
) -> None:
    states = running_states(machine)
    assert not set(phases) - states, f"{machine}: the CLI names states the ASL does not have"
    assert not states - set(phases), f"{machine}: ASL states the CLI shows no phase for"


def test_given_the_gate_state_the_cli_matches_when_read_from_the_asl_then_it_waits_for_a_token() -> (
    None
):
    for machine in ("deploy", "deploy_ecs"):
        state = asl_states(machine).get(GATE_STATE)
        assert state is not None, f"{machine}.asl.json has no state {GATE_STATE}"
        assert str(state.get("Resource", "")).endswith(".waitForTaskToken")
