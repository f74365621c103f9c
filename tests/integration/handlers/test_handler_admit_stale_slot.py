"""functions/admit: a slot whose execution ended without Finish is released at admission,
so the queue never wedges (security-review row 5; issue 12 item 3)."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.handlers.conftest import ACCOUNT, REGION, SERVICE_KEY, World
from turnout.deps import Deps

MACHINE = "hello-aws-turnout-deploy"


def _deps_with_step_functions(world: World) -> tuple[Deps, str]:
    """Deps whose Step Functions client is moto's, with a deploy state machine there."""
    arn = world.sfn.create_state_machine(
        name=MACHINE,
        definition=json.dumps(
            {"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}}
        ),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/deploy",
    )["stateMachineArn"]
    return world.with_config(sfn_client=world.sfn, DEPLOY_STATE_MACHINE_ARN=arn), arn


def _start(world: World, machine: str, found: dict[str, Any]) -> dict[str, Any]:
    """``found`` as the execution that resolved it would carry it."""
    execution = world.sfn.start_execution(
        stateMachineArn=machine, name=f"push-{found['attemptId'][-6:]}", input="{}"
    )["executionArn"]
    return found | {"executionArn": execution}


def _first_admitted(world: World) -> tuple[Deps, str, dict[str, Any]]:
    """Deps, the deploy machine, and push 1 started there and admitted: it holds the slot."""
    deps, machine = _deps_with_step_functions(world)
    first = _start(world, machine, world.push_attempt(1))
    world.call("admit", {"attempt": first}, deps)
    return deps, machine, first


def test_given_a_slot_whose_execution_was_stopped_when_a_push_arrives_then_the_push_runs(
    world: World,
) -> None:
    deps, machine, first = _first_admitted(world)
    # The execution ends outside every Catch (StopExecution, States.DataLimitExceeded):
    # no RecordFailure, so the slot stays taken.
    world.sfn.stop_execution(executionArn=first["executionArn"], error="Stopped")
    second = _start(world, machine, world.push_attempt(2))

    result = world.call("admit", {"attempt": second}, deps)

    assert result == {"decision": "run", "reason": "nothing else is deploying"}
    assert world.state()["running"]["attemptId"] == second["attemptId"]
    stale = world.deps.store.get_attempt(SERVICE_KEY, first["attemptId"])
    assert stale is not None
    assert (stale["result"], stale["phase"]) == ("failed", "failed")
    assert "ended (ABORTED) without recording an outcome" in stale["reason"]
    assert stale["error"]["type"] == "ExecutionAborted"


def test_given_a_slot_whose_execution_still_runs_when_a_push_arrives_then_it_is_queued(
    world: World,
) -> None:
    deps, machine, first = _first_admitted(world)
    second = _start(world, machine, world.push_attempt(2))

    result = world.call("admit", {"attempt": second}, deps)

    assert result["decision"] == "queued"
    assert world.state()["running"]["attemptId"] == first["attemptId"]
    row = world.deps.store.get_attempt(SERVICE_KEY, first["attemptId"])
    assert row is not None
    assert row["result"] == "running"


def test_given_a_stopped_slot_with_a_push_queued_when_a_push_arrives_then_the_queued_one_starts(
    world: World,
) -> None:
    deps, machine, first = _first_admitted(world)
    second = _start(world, machine, world.push_attempt(2))
    world.call("admit", {"attempt": second}, deps)
    world.sfn.stop_execution(executionArn=first["executionArn"])
    third = _start(world, machine, world.push_attempt(3))

    result = world.call("admit", {"attempt": third}, deps)

    # The queued push takes the slot and its hand-off execution is started (named after
    # the attempt, as Finish does); the newcomer queues behind it.
    assert result["decision"] == "queued"
    state = world.state()
    handoff = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{MACHINE}:{second['attemptId']}"
    assert state["running"]["attemptId"] == second["attemptId"]
    assert state["running"]["executionArn"] == handoff
    assert world.sfn.describe_execution(executionArn=handoff)["status"] in ("RUNNING", "SUCCEEDED")
    assert state["queued"]["attemptId"] == third["attemptId"]
