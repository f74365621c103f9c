"""statemachines/*.asl.json: a task that waits on AWS for a time the stack's configuration
sets takes its timeout from the state (TimeoutSecondsPath, computed by a Lambda that reads
that configuration), never a fixed number that a parameter can outgrow."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfn_template import STATEMACHINES

pytestmark = pytest.mark.checks


def _state(machine: str, name: str) -> dict[str, Any]:
    definition = json.loads((STATEMACHINES / f"{machine}.asl.json").read_text(encoding="utf-8"))
    state: dict[str, Any] = definition["States"][name]
    return state


@pytest.mark.parametrize(
    ("machine", "name", "path"),
    [
        # aws-fidelity row 12: SUCCESS can come only at the end of the group's termination
        # wait, which Render reads from the deployment group.
        ("deploy", "WaitForDeploymentSuccess", "$.render.value.completionWaitTimeoutSeconds"),
        # The gate: its budgets plus the traffic shift, from Render.
        ("deploy", "WaitForHealthGate", "$.render.value.gateWaitTimeoutSeconds"),
    ],
)
def test_given_a_wait_sized_by_the_stack_when_read_then_its_timeout_comes_from_the_state(
    machine: str, name: str, path: str
) -> None:
    state = _state(machine, name)

    assert state.get("TimeoutSecondsPath") == path
    assert "TimeoutSeconds" not in state
