"""statemachines/*.asl.json: a task that waits on AWS for a time the stack's configuration
sets takes its timeout from the state (TimeoutSecondsPath, computed by a Lambda that reads
that configuration), never a fixed number that a parameter can outgrow."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfn_template import STATEMACHINES, CfnTag

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
        pytest.param(
            "deploy",
            "WaitForDeploymentSuccess",
            "$.render.value.completionWaitTimeoutSeconds",
            id="deployment-success",
        ),
        # The gate: its budgets plus the traffic shift, from Render.
        pytest.param(
            "deploy", "WaitForHealthGate", "$.render.value.gateWaitTimeoutSeconds", id="gate"
        ),
        # aws-fidelity row 13: the queued timeout plus BuildTimeoutMinutes, from ResolveCommit
        # (its output is the state: OutputPath $.value).
        pytest.param("build", "BuildImage", "$.buildTaskTimeoutSeconds", id="build"),
    ],
)
def test_given_a_wait_sized_by_the_stack_when_read_then_its_timeout_comes_from_the_state(
    machine: str, name: str, path: str
) -> None:
    state = _state(machine, name)

    assert state.get("TimeoutSecondsPath") == path
    assert "TimeoutSeconds" not in state


def test_given_the_build_project_when_read_then_its_queued_timeout_is_the_parameter_resolve_commit_reads(
    template: dict[str, Any],
) -> None:
    """CodeBuild queues a build up to 480 minutes by default: the project sets it, and the
    function computing BuildImage's timeout gets the same two parameters."""
    project = template["Resources"]["BuildProject"]["Properties"]
    env = template["Resources"]["ResolveCommitFunction"]["Properties"]["Environment"]["Variables"]

    assert _ref(project["TimeoutInMinutes"]) == _ref(env["BUILD_TIMEOUT_MINUTES"])
    assert _ref(project["QueuedTimeoutInMinutes"]) == _ref(env["BUILD_QUEUED_TIMEOUT_MINUTES"])
    assert _ref(project["QueuedTimeoutInMinutes"]) == "BuildQueuedTimeoutMinutes"


def _ref(value: Any) -> str:
    assert isinstance(value, CfnTag), f"expected !Ref, got {value!r}"
    assert value.tag == "Ref"
    return str(value.value)
