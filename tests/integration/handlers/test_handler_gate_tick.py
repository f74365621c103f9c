"""functions/gate_tick: every tick evaluates each running gate: pass, fail, time out or wait."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.alarms import put_5xx_alarm
from tests.integration.handlers.conftest import (
    APPLICATION,
    CLUSTER,
    GREEN_TG,
    GROUP,
    NOW,
    SERVICE,
    SERVICE_KEY,
    World,
    attempt,
    client_error,
    sample,
)
from turnout.adapters.codedeploy import CodeDeploy
from turnout.adapters.sfn import StepFunctions
from turnout.errors import InvalidEvent
from turnout.logic.gate_tick import promote, reject

DEPLOYMENT = "d-7QJ6XUB2H"
BAKE = 5 * 60
TIMEOUT = (30 + 5) * 60


def _green_task_set(world: World) -> str:
    """A CODE_DEPLOY service whose new task set runs behind GREEN_TG; returns its taskdef."""
    arn: str = world.ecs.register_task_definition(
        family="task-hello-aws",
        containerDefinitions=[
            {
                "name": "hello-aws",
                "image": "x",
                "memory": 512,
                "portMappings": [{"containerPort": 8080}],
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    world.ecs.create_service(
        cluster=CLUSTER,
        serviceName=SERVICE,
        desiredCount=1,
        deploymentController={"type": "CODE_DEPLOY"},
    )
    world.ecs.create_task_set(
        cluster=CLUSTER,
        service=SERVICE,
        taskDefinition=arn,
        loadBalancers=[
            {"targetGroupArn": GREEN_TG, "containerName": "hello-aws", "containerPort": 8080}
        ],
    )
    return arn


def _started_gate(world: World) -> None:
    """Armed by the state machine, started by the AfterAllowTraffic hook at NOW."""
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"
    world.call(
        "arm_wait",
        {
            "kind": "gate",
            "taskToken": "tok-gate",
            "deploymentId": DEPLOYMENT,
            "attempt": attempt(),
            "taskDefinitionArn": _green_task_set(world),
        },
    )
    world.call("gate_hook", sample("lifecycle-hook"))


def _tick(world: World, deps: Any = None) -> dict[str, Any]:
    return world.call("gate_tick", sample("scheduled-tick"), deps=deps)


def test_given_healthy_targets_when_ticking_through_the_bake_then_the_gate_passes(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    _started_gate(world)
    world.elbv2.states[GREEN_TG] = ["healthy", "healthy"]

    first = _tick(world)
    waiting = world.deps.store.get_attempt(SERVICE_KEY, attempt()["attemptId"])
    fixed_clock(NOW + BAKE)
    second = _tick(world)

    assert first == {"gates": {DEPLOYMENT: "wait"}}
    assert waiting is not None  # each waiting check's reason is on the ledger row
    assert waiting["gateReason"].startswith("healthy for 0s of 5m 0s bake")
    assert "gateVerdict" not in waiting
    assert second == {"gates": {DEPLOYMENT: "pass"}}
    assert len(world.sfn_calls.calls) == 1
    kind, call = world.sfn_calls.calls[0]
    assert (kind, call["taskToken"]) == ("success", "tok-gate")
    assert call["output"]["verdict"] == "pass"
    assert call["output"]["hookHeld"] is True
    assert "2 of 2 targets healthy" in call["output"]["reason"]
    assert world.deps.store.gate(DEPLOYMENT) is None
    row = world.deps.store.get_attempt(SERVICE_KEY, attempt()["attemptId"])
    assert row is not None
    assert row["gateVerdict"] == "pass"


def test_given_unhealthy_targets_twice_when_ticking_then_the_gate_fails(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    _started_gate(world)
    world.elbv2.states[GREEN_TG] = ["healthy", "unhealthy"]

    first = _tick(world)
    gate = world.deps.store.gate(DEPLOYMENT)
    fixed_clock(NOW + 60)
    second = _tick(world)

    assert first["gates"][DEPLOYMENT] == "wait"
    assert gate is not None
    assert "failed check 1 of 2" in gate["lastReason"]
    assert second["gates"][DEPLOYMENT] == "fail"
    assert [(k, c["error"]) for k, c in world.sfn_calls.calls] == [("failure", "GateFailed")]
    assert "1 of 2 targets unhealthy" in world.sfn_calls.calls[0][1]["cause"]


def test_given_an_alarm_in_alarm_when_ticking_then_the_gate_fails_at_once(world: World) -> None:
    _started_gate(world)
    world.elbv2.states[GREEN_TG] = ["healthy"]
    put_5xx_alarm(world.cloudwatch, "hello-aws-5xx")
    world.cloudwatch.set_alarm_state(
        AlarmName="hello-aws-5xx", StateValue="ALARM", StateReason="test"
    )

    result = _tick(world, deps=world.with_config(GATE_ALARM_NAMES="hello-aws-5xx"))

    assert result == {"gates": {DEPLOYMENT: "fail"}}
    assert world.sfn_calls.calls[0][1]["cause"] == "alarm hello-aws-5xx is in ALARM"


def test_given_targets_never_healthy_when_the_limit_passes_then_the_gate_times_out(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    _started_gate(world)
    world.elbv2.states[GREEN_TG] = ["initial"]
    fixed_clock(NOW + TIMEOUT)

    result = _tick(world)

    assert result == {"gates": {DEPLOYMENT: "timeout"}}
    assert [(k, c["error"]) for k, c in world.sfn_calls.calls] == [("failure", "GateTimedOut")]
    assert world.deps.store.gate(DEPLOYMENT) is None


def test_given_a_gate_armed_but_not_started_when_ticking_then_it_is_left_alone(
    world: World,
) -> None:
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"
    world.call(
        "arm_wait",
        {"kind": "gate", "taskToken": "tok-gate", "deploymentId": DEPLOYMENT, "attempt": attempt()},
    )

    assert _tick(world) == {"gates": {}}
    assert world.sfn_calls.calls == []
    assert world.deps.store.gate(DEPLOYMENT) is not None


def test_given_no_task_set_registered_yet_when_ticking_then_the_gate_waits(world: World) -> None:
    world.codedeploy.statuses[DEPLOYMENT] = "InProgress"
    world.call(
        "arm_wait",
        {"kind": "gate", "taskToken": "tok-gate", "deploymentId": DEPLOYMENT, "attempt": attempt()},
    )
    world.call("gate_hook", sample("lifecycle-hook"))

    assert _tick(world) == {"gates": {DEPLOYMENT: "wait"}}
    gate = world.deps.store.gate(DEPLOYMENT)
    assert gate is not None
    assert gate["lastReason"].startswith("no targets registered")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e.update({"source": "aws.ecr"}), "source: input should be 'aws.events'"),
        (lambda e: e.pop("detail"), "detail: field required"),
    ],
)
def test_given_an_event_that_is_not_a_schedule_tick_when_ticking_then_invalid_event(
    world: World, mutate: Any, field: str
) -> None:
    _started_gate(world)
    event = sample("scheduled-tick")
    mutate(event)

    with pytest.raises(InvalidEvent, match=f"Scheduled Event: .*{field}"):
        world.call("gate_tick", event)
    assert world.sfn_calls.calls == []


# --------------------------------------------------------------------------- operator answers


class DeniedSfnClient:
    """An operator without states:SendTaskSuccess/SendTaskFailure: every send is denied."""

    def send_task_success(self, **_: Any) -> dict[str, Any]:
        raise client_error("AccessDeniedException", "not authorized", "SendTaskSuccess")

    def send_task_failure(self, **_: Any) -> dict[str, Any]:
        raise client_error("AccessDeniedException", "not authorized", "SendTaskFailure")


@pytest.mark.parametrize("answer", [promote, reject])
def test_given_a_started_gate_when_an_operator_answers_then_the_task_is_sent_and_the_gate_removed(
    world: World, answer: Callable[..., bool]
) -> None:
    _started_gate(world)

    assert answer(world.deps.store, world.deps.sfn, DEPLOYMENT, "arn:aws:iam::1:user/ops") is True

    [(kind, call)] = world.sfn_calls.calls
    assert call["taskToken"] == "tok-gate"
    if answer is promote:
        assert kind == "success"
        assert call["output"]["verdict"] == "promoted"
        assert call["output"]["reason"] == "promoted by arn:aws:iam::1:user/ops"
    else:
        assert (kind, call["error"]) == ("failure", "RollbackRequested")
    assert world.deps.store.gate(DEPLOYMENT) is None


@pytest.mark.parametrize("answer", [promote, reject])
def test_given_a_send_that_fails_when_an_operator_answers_then_the_gate_item_is_kept(
    world: World, answer: Callable[..., bool]
) -> None:
    _started_gate(world)

    with pytest.raises(ClientError, match="AccessDeniedException"):
        answer(world.deps.store, StepFunctions(DeniedSfnClient()), DEPLOYMENT, "ops")

    kept = world.deps.store.gate(DEPLOYMENT)
    assert kept is not None
    assert kept["taskToken"] == "tok-gate"
    assert _tick(world) == {"gates": {DEPLOYMENT: "wait"}}  # the gate is still evaluated


@pytest.mark.parametrize("answer", [promote, reject])
def test_given_a_task_already_answered_when_an_operator_answers_then_false_and_the_gate_removed(
    world: World, answer: Callable[..., bool]
) -> None:
    _started_gate(world)
    world.sfn_calls.gone.add("tok-gate")

    assert answer(world.deps.store, world.deps.sfn, DEPLOYMENT, "ops") is False

    assert world.sfn_calls.calls == []
    assert world.deps.store.gate(DEPLOYMENT) is None


def test_given_no_gate_when_an_operator_answers_then_false_and_nothing_is_sent(
    world: World,
) -> None:
    assert promote(world.deps.store, world.deps.sfn, DEPLOYMENT, "ops") is False
    assert reject(world.deps.store, world.deps.sfn, DEPLOYMENT, "ops") is False
    assert world.sfn_calls.calls == []


# --------------------------------------------------------------------------- the tick's own answer


@pytest.mark.parametrize(
    ("targets", "later"),
    [(["healthy"], BAKE), (["unhealthy"], 60), (["initial"], TIMEOUT)],
    ids=["pass", "fail", "timeout"],
)
def test_given_a_send_that_fails_when_the_tick_answers_then_the_gate_item_is_kept(
    world: World, fixed_clock: Callable[[float], None], targets: list[str], later: int
) -> None:
    """aws-fidelity row 25 for the tick: send first, delete after, so a denied or throttled
    SendTaskSuccess/Failure leaves the gate to the next tick instead of losing it."""
    _started_gate(world)
    world.elbv2.states[GREEN_TG] = targets
    _tick(world)
    fixed_clock(NOW + later)

    with pytest.raises(ClientError, match="AccessDeniedException"):
        _tick(world, deps=world.with_config(sfn_client=DeniedSfnClient()))

    kept = world.deps.store.gate(DEPLOYMENT)
    assert kept is not None
    assert kept["taskToken"] == "tok-gate"
    assert _tick(world)["gates"][DEPLOYMENT] != "wait"  # the next tick answers
    assert world.deps.store.gate(DEPLOYMENT) is None


# --------------------------------------------------------------------------- the held hook


class GoneHookClient:
    """A hook CodeDeploy no longer holds (the stop or an earlier answer got there first)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def put_lifecycle_event_hook_execution_status(self, **_: Any) -> dict[str, Any]:
        raise client_error(
            "LifecycleEventAlreadyCompletedException",
            "The lifecycle event has already completed",
            "PutLifecycleEventHookExecutionStatus",
        )


@pytest.mark.parametrize(
    ("targets", "later", "verdict", "error"),
    [(["unhealthy"], 60, "fail", "GateFailed"), (["initial"], TIMEOUT, "timeout", "GateTimedOut")],
    ids=["fail", "timeout"],
)
def test_given_hook_mode_when_the_gate_fails_or_times_out_then_the_held_hook_is_answered_failed(
    world: World,
    fixed_clock: Callable[[float], None],
    targets: list[str],
    later: int,
    verdict: str,
    error: str,
) -> None:
    """aws-fidelity row 5: CodeDeploy fails a hook left unanswered for an hour on its own
    (CodeDeploy User Guide, "AppSpec 'hooks' section"); the tick answers it Failed, right
    after the task failure that sends the execution to RollBack."""
    _started_gate(world)  # the group terminates after 5 min: the hook holds the gate
    world.elbv2.states[GREEN_TG] = targets
    _tick(world)
    fixed_clock(NOW + later)

    assert _tick(world) == {"gates": {DEPLOYMENT: verdict}}

    hook = sample("lifecycle-hook")
    assert world.codedeploy.hook_answers == [
        {
            "deploymentId": DEPLOYMENT,
            "hookExecutionId": hook["LifecycleEventHookExecutionId"],
            "status": "Failed",
        }
    ]
    assert [(k, c["error"]) for k, c in world.sfn_calls.calls] == [("failure", error)]
    assert world.deps.store.gate(DEPLOYMENT) is None


def test_given_hook_mode_when_the_gate_passes_then_the_hook_is_left_to_release_hook(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    _started_gate(world)
    world.elbv2.states[GREEN_TG] = ["healthy"]
    _tick(world)
    fixed_clock(NOW + BAKE)

    assert _tick(world) == {"gates": {DEPLOYMENT: "pass"}}
    assert world.codedeploy.hook_answers == []


def test_given_termination_wait_mode_when_the_gate_fails_then_no_hook_is_answered_again(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    world.codedeploy.termination_wait_minutes = 90  # the group's wait holds the gate
    _started_gate(world)  # the hook was released when the gate started
    released = list(world.codedeploy.hook_answers)
    world.elbv2.states[GREEN_TG] = ["unhealthy"]
    _tick(world)
    fixed_clock(NOW + 60)

    assert _tick(world) == {"gates": {DEPLOYMENT: "fail"}}
    assert [a["status"] for a in released] == ["Succeeded"]
    assert world.codedeploy.hook_answers == released


def test_given_a_hook_no_longer_held_when_the_gate_fails_then_the_verdict_still_stands(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    _started_gate(world)
    world.elbv2.states[GREEN_TG] = ["unhealthy"]
    _tick(world)
    fixed_clock(NOW + 60)
    gone = CodeDeploy(APPLICATION, GROUP, GoneHookClient(world.codedeploy))  # type: ignore[arg-type]
    deps = dataclasses.replace(world.deps, codedeploy=gone)

    assert _tick(world, deps=deps) == {"gates": {DEPLOYMENT: "fail"}}
    assert [(k, c["error"]) for k, c in world.sfn_calls.calls] == [("failure", "GateFailed")]
    assert world.deps.store.gate(DEPLOYMENT) is None


def test_given_hook_mode_when_an_operator_rejects_with_hooks_then_the_held_hook_is_answered_failed(
    world: World,
) -> None:
    _started_gate(world)

    assert reject(world.deps.store, world.deps.sfn, DEPLOYMENT, "ops", world.deps.codedeploy)

    assert [a["status"] for a in world.codedeploy.hook_answers] == ["Failed"]
    assert [(k, c["error"]) for k, c in world.sfn_calls.calls] == [("failure", "RollbackRequested")]
    assert world.deps.store.gate(DEPLOYMENT) is None


def test_given_hook_mode_when_an_operator_rejects_without_hooks_then_the_hook_is_left_alone(
    world: World,
) -> None:
    _started_gate(world)

    assert reject(world.deps.store, world.deps.sfn, DEPLOYMENT, "ops") is True

    assert world.codedeploy.hook_answers == []


@pytest.mark.parametrize("events", [[], ["DEPLOYMENT_STOP_ON_REQUEST"]])
def test_given_a_group_that_does_not_roll_back_failures_when_the_gate_fails_then_the_hook_waits_for_the_stop(
    world: World, fixed_clock: Callable[[float], None], events: list[str]
) -> None:
    """A Failed hook fails the deployment; without DEPLOYMENT_FAILURE rollback "components
    remain in their current state" (CodeDeploy User Guide, ECS deployments): traffic would
    stay on green if the answer beat RollBack's StopDeployment."""
    world.codedeploy.rollback_events = events
    _started_gate(world)
    world.elbv2.states[GREEN_TG] = ["unhealthy"]
    _tick(world)
    fixed_clock(NOW + 60)

    assert _tick(world) == {"gates": {DEPLOYMENT: "fail"}}
    assert world.codedeploy.hook_answers == []
    assert [(k, c["error"]) for k, c in world.sfn_calls.calls] == [("failure", "GateFailed")]
    assert world.deps.store.gate(DEPLOYMENT) is None
