"""`turnout approve` and `turnout status` against the sandbox server: a DeploymentEngine=ecs
deployment whose wait is at turnout's approval pause (ApprovalBeforeProduction)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from cli_world import SERVICE, World, attempt_id, make_stack
from typer.testing import Result

from turnout.queue import ServiceState, Slot

pytestmark = pytest.mark.e2e

ARN = "arn:aws:ecs:ap-northeast-2:123456789012:service-deployment/c/web/bQuBU0Ntp2eNmweTnB95C"
DIGEST = "sha256:" + "2" * 64


def _awaiting_approval(world: World, *, gate: dict[str, Any] | None = None) -> str:
    """A running ecs deploy whose execution waits at WaitForHealthGate, its gate item asking
    for an approval (as ecs_deploy records it); returns the execution ARN."""
    now = time.time()
    attempt = attempt_id(now - 60, "bbbbbb")
    execution, token = world.start_gate_execution(attempt)
    world.store.put_attempt(
        SERVICE,
        attempt,
        {
            "kind": "deploy",
            "trigger": "push",
            "commitId": "b" * 40,
            "digest": DIGEST,
            "startedAt": now - 60,
            "result": "running",
            "phase": "awaiting-approval",
            "engine": "ecs",
            "deploymentId": ARN,
            "serviceDeploymentArn": ARN,
            "executionArn": execution,
        },
    )
    world.store.update_gate(
        ARN,
        gate
        or {
            "taskToken": token,
            "attemptId": attempt,
            "engine": "ecs",
            "hookId": "ecs-pause-1",
            "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
            "awaitingApproval": True,
            "approvalRequestedAt": now - 30,
        },
    )
    running = Slot(
        attempt_id=attempt,
        digest=DIGEST,
        commit_id="b" * 40,
        image_uri=f"repo@{DIGEST}",
        trigger="push",
        event_id="ev",
        received_at=now - 60,
        execution_arn=execution,
    )
    world.store.change_state(
        SERVICE, lambda cur: (ServiceState(None, running, None, cur.version + 1), None)
    )
    return execution


@pytest.fixture
def ecs_world(endpoint: str) -> World:
    return make_stack(endpoint, engine="ecs")


def _answered(ecs_world: World, verb: str, status: str) -> tuple[Result, dict[str, Any]]:
    """``turnout VERB --yes`` on a waiting approval succeeds, the wait ends ``status`` and the
    gate item is gone; the CLI's result and the finished execution."""
    execution = _awaiting_approval(ecs_world)

    result = ecs_world.cli(verb, "--yes")

    assert result.exit_code == 0, result.output
    done = ecs_world.wait_status(execution, status)
    assert ecs_world.store.gate(ARN) is None
    return result, done


def test_given_an_approval_waiting_when_status_then_the_phase_says_awaiting_approval(
    ecs_world: World,
) -> None:
    _awaiting_approval(ecs_world)

    result = ecs_world.cli("status", "-o", "json")

    assert result.exit_code == 0, result.output
    (running,) = [r for r in json.loads(result.stdout)["running"] if r["kind"] == "deploy"]
    assert (running["phase"], running["state"]) == ("awaiting approval", "WaitForHealthGate")
    assert "awaiting approval" in ecs_world.cli("status").stdout


def test_given_an_approval_waiting_when_approved_then_the_wait_resumes_approved_by_the_caller(
    ecs_world: World,
) -> None:
    result, done = _answered(ecs_world, "approve", "SUCCEEDED")

    assert f"approved deployment {ARN}" in result.stdout
    output = json.loads(done["output"])
    assert output["verdict"] == "approved"
    assert output["reason"].startswith("approved by ")


def test_given_an_approval_waiting_when_promoted_then_refused_pointing_at_approve(
    ecs_world: World,
) -> None:
    _awaiting_approval(ecs_world)

    result = ecs_world.cli("promote", "--yes")

    assert result.exit_code == 2
    assert "use `turnout approve`" in result.stderr
    assert ecs_world.store.gate(ARN) is not None


def test_given_a_health_gate_when_approved_then_refused_and_the_gate_is_kept(
    ecs_world: World,
) -> None:
    _awaiting_approval(
        ecs_world, gate={"taskToken": "t", "engine": "ecs", "gateStartedAt": time.time() - 30}
    )

    result = ecs_world.cli("approve", "--yes")

    assert result.exit_code == 2
    assert "is not awaiting approval" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("engine", ["codedeploy", None], ids=["codedeploy", "before-engines"])
def test_given_a_codedeploy_stack_when_approved_then_refused_in_one_line(
    endpoint: str, engine: str | None
) -> None:
    world = make_stack(endpoint, engine=engine)

    result = world.cli("approve", "--yes")

    assert result.exit_code == 2
    assert "runs DeploymentEngine=codedeploy" in result.stderr
    assert result.stderr.count("\n") == 1


def test_given_an_approval_waiting_when_rolled_back_then_the_wait_fails_rollback_requested(
    ecs_world: World,
) -> None:
    _, done = _answered(ecs_world, "rollback", "FAILED")

    assert done["error"] == "RollbackRequested"
