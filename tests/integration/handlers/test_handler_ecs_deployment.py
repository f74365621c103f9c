"""functions/ecs_deployment (DeploymentEngine=ecs): UpdateService, the waits, the PAUSE hook's
answer and ECS's state change events, on moto DynamoDB with a fake ECS client for the
service deployment APIs moto 5.2.5 lacks (answering as the botocore ECS model says)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.integration.handlers.conftest import (
    ACCOUNT,
    CLUSTER,
    NOW,
    REGION,
    SERVICE,
    SERVICE_KEY,
    World,
    attempt,
    client_error,
    sample,
)
from turnout.adapters.ecs import Ecs
from turnout.deps import Deps
from turnout.ecs_engine import APPROVAL_STAGE, GATE_STAGE, STEP_GATE_STAGE
from turnout.errors import InvalidEvent, UntrustedInvocation
from turnout.logic.gate_tick import approve, reject

pytestmark = pytest.mark.integration

SERVICE_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{CLUSTER}/{SERVICE}"
ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service-deployment/{CLUSTER}/{SERVICE}/abc123"
OTHER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service-deployment/{CLUSTER}/other/zzz"
HOOK = "pause-hook-1"
TD = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/task-hello-aws:7"


@dataclass
class FakeEcsBlueGreenClient:
    """DescribeServiceDeployments / ContinueServiceDeployment / StopServiceDeployment /
    UpdateService with the shapes of the botocore ECS model; ``deployments`` is what ECS
    knows (ARN -> ServiceDeployment)."""

    deployments: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def put(
        self,
        arn: str = ARN,
        status: str = "IN_PROGRESS",
        stage: str = GATE_STAGE,
        hook: str | None = "AWAITING_ACTION",
        service_arn: str = SERVICE_ARN,
        rollback_reason: str | None = None,
        hook_id: str = HOOK,
        pauses: tuple[str, ...] = (GATE_STAGE,),
    ) -> None:
        """``pauses``: the stages of the PAUSE hooks the deployment was started with."""
        hooks = [{"hookId": hook_id, "targetType": "PAUSE", "status": hook}] if hook else []
        configured = [{"targetType": "PAUSE", "lifecycleStages": [stage]} for stage in pauses]
        self.deployments[arn] = {
            "serviceDeploymentArn": arn,
            "serviceArn": service_arn,
            "status": status,
            "lifecycleStage": stage,
            "lifecycleHookDetails": hooks,
            "deploymentConfiguration": {"strategy": "CANARY", "lifecycleHooks": configured},
        } | ({"rollback": {"reason": rollback_reason}} if rollback_reason else {})

    def update_service(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("UpdateService", kwargs))
        self.put(stage="PRE_SCALE_UP", hook=None)
        return {"service": {"serviceArn": SERVICE_ARN, "currentServiceDeployment": ARN}}

    def describe_service_deployments(self, *, serviceDeploymentArns: list[str]) -> dict[str, Any]:
        found = [self.deployments[a] for a in serviceDeploymentArns if a in self.deployments]
        failures = [
            {"arn": a, "reason": "MISSING"}
            for a in serviceDeploymentArns
            if a not in self.deployments
        ]
        return {"serviceDeployments": found, "failures": failures}

    def continue_service_deployment(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("ContinueServiceDeployment", kwargs))
        dep = self.deployments[kwargs["serviceDeploymentArn"]]
        if dep["lifecycleHookDetails"][0]["status"] != "AWAITING_ACTION":
            raise client_error("InvalidParameterException", "no hook waits", "Continue")
        return {"serviceDeploymentArn": dep["serviceDeploymentArn"]}

    def stop_service_deployment(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("StopServiceDeployment", kwargs))
        return {"serviceDeploymentArn": kwargs["serviceDeploymentArn"]}


@pytest.fixture
def ecs() -> FakeEcsBlueGreenClient:
    return FakeEcsBlueGreenClient()


@pytest.fixture
def deps(world: World, ecs: FakeEcsBlueGreenClient) -> Deps:
    config = dataclasses.replace(world.deps.config, engine="ecs")
    return dataclasses.replace(world.deps, config=config, ecs=Ecs(CLUSTER, SERVICE, ecs))  # type: ignore[arg-type]


def _sfn(world: World) -> list[tuple[str, dict[str, Any]]]:
    return list(world.sfn_calls.calls)


def _arm(world: World, deps: Deps, kind: str, token: str = "token-1") -> dict[str, Any]:
    payload = {
        "action": "arm",
        "kind": kind,
        "taskToken": token,
        "deploymentId": ARN,
        "attempt": attempt(),
    }
    return world.call("ecs_deployment", payload, deps)


def _hook_event(**detail: Any) -> dict[str, Any]:
    """ecs_hook_state_change_events.html: the HOOK_AWAITING_ACTION event's shape."""
    return {
        "source": "aws.ecs",
        "detail-type": "ECS Hook State Change",
        "resources": [ARN],
        "detail": {
            "eventType": "INFO",
            "eventName": "HOOK_AWAITING_ACTION",
            "hookId": HOOK,
            "hookType": "PAUSE",
            "lifecycleStage": GATE_STAGE,
            "serviceArn": SERVICE_ARN,
            "serviceDeploymentArn": ARN,
        }
        | detail,
    }


def _deployment_event(resources: list[str] | None = None) -> dict[str, Any]:
    """ecs_service_deployment_events.html: deploymentId ecs-svc/..., resources the service."""
    return {
        "source": "aws.ecs",
        "detail-type": "ECS Deployment State Change",
        "resources": resources or [SERVICE_ARN],
        "detail": {"eventName": "SERVICE_DEPLOYMENT_COMPLETED", "deploymentId": "ecs-svc/1"},
    }


# ---------------------------------------------------------------------------- start
def test_given_a_rendered_revision_when_started_then_update_service_runs_and_the_ledger_names_it(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    configuration = {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0, "lifecycleHooks": []}

    out = world.call(
        "ecs_deployment",
        {
            "action": "start",
            "render": {"taskDefinitionArn": TD, "deploymentConfiguration": configuration},
            "attempt": attempt(),
        },
        deps,
    )

    assert out == {"deploymentId": ARN, "serviceDeploymentArn": ARN, "engine": "ecs"}
    assert ecs.calls == [
        (
            "UpdateService",
            {
                "cluster": CLUSTER,
                "service": SERVICE,
                "taskDefinition": TD,
                "deploymentConfiguration": configuration,
            },
        )
    ]
    row = world.deps.store.get_attempt(SERVICE_KEY, attempt()["attemptId"])
    assert row is not None
    assert (row["engine"], row["serviceDeploymentArn"], row["deploymentId"]) == ("ecs", ARN, ARN)


# ---------------------------------------------------------------------------- the gate
def test_given_the_hook_event_when_delivered_twice_then_the_gate_starts_once(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put()
    _arm(world, deps, "gate")
    started = world.item("GATES", ARN)
    assert started is not None
    assert started["hookId"] == HOOK, "the arm looked once and found the hook waiting"

    again = world.call("ecs_deployment", _hook_event(), deps)

    assert again == {"gate": "already started"}
    after = world.item("GATES", ARN)
    assert after is not None
    assert after["gateStartedAt"] == started["gateStartedAt"]
    assert after["taskToken"] == "token-1"


def test_given_an_armed_gate_when_the_hook_event_comes_then_the_gate_starts(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put(stage="PRODUCTION_TRAFFIC_SHIFT", hook=None)
    _arm(world, deps, "gate")
    gate = world.item("GATES", ARN)
    assert gate is not None
    assert "gateStartedAt" not in gate
    ecs.put()

    out = world.call("ecs_deployment", _hook_event(), deps)

    assert out == {"gate": "started"}
    gate = world.item("GATES", ARN)
    assert gate is not None
    assert gate["hookId"] == HOOK
    assert gate["engine"] == "ecs"
    row = world.deps.store.get_attempt(SERVICE_KEY, attempt()["attemptId"])
    assert row is not None
    assert row["phase"] == "gate"


def test_given_another_services_hook_event_when_delivered_then_it_is_ignored_with_a_reason(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    out = world.call(
        "ecs_deployment",
        _hook_event(serviceArn=SERVICE_ARN.replace(SERVICE, "other")),
        deps,
    )

    assert out["gate"] == "ignored"
    assert "not this stack's" in out["reason"]
    assert world.item("GATES", ARN) is None


def test_given_a_forged_hook_event_when_ecs_says_no_hook_waits_then_it_is_refused(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put(stage="SCALE_UP", hook=None)

    out = world.call("ecs_deployment", _hook_event(), deps)

    assert out["gate"] == "refused"
    assert world.item("GATES", ARN) is None


def test_given_a_deployment_of_another_service_when_armed_then_it_is_refused(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put(service_arn=SERVICE_ARN.replace(SERVICE, "other"))

    with pytest.raises(UntrustedInvocation, match="not this service"):
        _arm(world, deps, "gate")
    assert world.item("GATES", ARN) is None


# ---------------------------------------------------------------------------- per-step gates
#: A deployment started with GateEveryTrafficStep's pause as well as the gate's.
STEPPED = (STEP_GATE_STAGE, GATE_STAGE)


def _pause_reached(
    world: World,
    deps: Deps,
    ecs: FakeEcsBlueGreenClient,
    stage: str,
    pauses: tuple[str, ...],
    *,
    answer: str,
) -> dict[str, Any]:
    """The gate wait armed before ``stage``; then the deployment pauses there and ECS says so:
    the handler answers ``{"gate": answer}``, and the gate item it leaves is returned."""
    ecs.put(stage="TEST_TRAFFIC_SHIFT", hook=None, pauses=pauses)
    _arm(world, deps, "gate")
    ecs.put(stage=stage, pauses=pauses)
    out = world.call("ecs_deployment", _hook_event(lifecycleStage=stage), deps)
    assert out == {"gate": answer}
    gate = world.item("GATES", ARN)
    assert gate is not None
    return gate


def test_given_gate_every_traffic_step_when_a_step_pauses_then_its_gate_starts_at_that_stage(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    gate = _pause_reached(world, deps, ecs, STEP_GATE_STAGE, STEPPED, answer="started")

    assert (gate["hookId"], gate["lifecycleStage"], gate["checks"]) == (HOOK, STEP_GATE_STAGE, 0)


#: (where the deployment is, the pauses it started with, the event's stage, the outcome, why)
NOT_TURNOUTS: dict[str, tuple[str, tuple[str, ...], str, str, str]] = {
    # someone else's pause: only the gate's is turnout's
    "step-pause-not-turnouts": (
        STEP_GATE_STAGE,
        (GATE_STAGE,),
        STEP_GATE_STAGE,
        "ignored",
        "no PAUSE hook of turnout's at PRE_PRODUCTION_TRAFFIC_SHIFT",
    ),
    "post-test-pause-not-turnouts": (
        "POST_TEST_TRAFFIC_SHIFT",
        (GATE_STAGE,),
        "POST_TEST_TRAFFIC_SHIFT",
        "ignored",
        "no PAUSE hook of turnout's at POST_TEST_TRAFFIC_SHIFT",
    ),
    # a hook waits, at another stage than the event's
    "stage-not-confirmed": (GATE_STAGE, STEPPED, STEP_GATE_STAGE, "refused", "no hook waits"),
}


@pytest.mark.parametrize(
    ("stage", "pauses", "event_stage", "outcome", "why"),
    NOT_TURNOUTS.values(),
    ids=NOT_TURNOUTS.keys(),
)
def test_given_a_pause_that_is_not_turnouts_when_its_event_comes_then_no_gate_item(
    world: World,
    deps: Deps,
    ecs: FakeEcsBlueGreenClient,
    stage: str,
    pauses: tuple[str, ...],
    event_stage: str,
    outcome: str,
    why: str,
) -> None:
    ecs.put(stage=stage, pauses=pauses)

    out = world.call("ecs_deployment", _hook_event(lifecycleStage=event_stage), deps)

    assert out["gate"] == outcome
    assert why in out["reason"]
    assert world.item("GATES", ARN) is None


def test_given_the_next_steps_pause_when_the_gate_item_is_reused_then_its_state_starts_afresh(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put(stage=STEP_GATE_STAGE, pauses=STEPPED)
    _arm(world, deps, "gate")
    world.deps.store.update_gate(ARN, {"checks": 4, "lastReason": "healthy for 300 s"})
    ecs.put(stage=STEP_GATE_STAGE, hook_id="pause-hook-2", pauses=STEPPED)

    out = world.call(
        "ecs_deployment",
        _hook_event(lifecycleStage=STEP_GATE_STAGE, hookId="pause-hook-2"),
        deps,
    )

    assert out == {"gate": "started"}
    gate = world.item("GATES", ARN)
    assert gate is not None
    assert (gate["hookId"], gate["checks"]) == ("pause-hook-2", 0)


def test_given_a_step_gate_passed_when_answered_then_the_step_continues_and_its_stage_is_named(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put(stage=STEP_GATE_STAGE, pauses=STEPPED)

    out = world.call(
        "ecs_deployment", {"action": "answer", "decision": "CONTINUE", "deploymentId": ARN}, deps
    )

    assert out == {"answered": "CONTINUE", "status": "IN_PROGRESS", "stage": STEP_GATE_STAGE}
    assert [name for name, _ in ecs.calls] == ["ContinueServiceDeployment"]


def test_given_a_gate_re_armed_with_the_next_token_when_the_old_answer_deletes_then_it_is_kept(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put(stage="PRODUCTION_TRAFFIC_SHIFT", hook=None)
    _arm(world, deps, "gate", token="token-2")

    world.deps.store.delete_gate(ARN, "token-1")

    kept = world.item("GATES", ARN)
    assert kept is not None
    assert kept["taskToken"] == "token-2"
    world.deps.store.delete_gate(ARN, "token-2")
    assert world.item("GATES", ARN) is None


# ---------------------------------------------------------------------------- answers
def test_given_a_passed_gate_when_answered_then_the_pause_hook_is_continued(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put()

    out = world.call(
        "ecs_deployment", {"action": "answer", "decision": "CONTINUE", "deploymentId": ARN}, deps
    )

    assert out["answered"] == "CONTINUE"
    assert ecs.calls == [
        (
            "ContinueServiceDeployment",
            {"serviceDeploymentArn": ARN, "hookId": HOOK, "action": "CONTINUE"},
        )
    ]


def test_given_a_hook_just_answered_when_ecs_still_says_it_waits_then_the_next_arm_leaves_it(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    # ContinueServiceDeployment is asynchronous: DescribeServiceDeployments can still show
    # the answered hook awaiting action when the next step's gate wait is armed
    ecs.put()
    world.call(
        "ecs_deployment", {"action": "answer", "decision": "CONTINUE", "deploymentId": ARN}, deps
    )
    assert world.item(f"DEPLOYMENT#{ARN}", f"ANSWERED#{HOOK}") is not None

    _arm(world, deps, "gate", token="token-2")

    gate = world.item("GATES", ARN)
    assert gate is not None
    assert not gate.get("gateStartedAt")  # not judged again: the next pause starts at its hook
    assert not gate.get("hookId")


def test_given_a_failed_gate_before_the_hook_when_rolled_back_then_the_deployment_is_stopped(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put(stage="PRODUCTION_TRAFFIC_SHIFT", hook=None)

    out = world.call(
        "ecs_deployment", {"action": "answer", "decision": "ROLLBACK", "deploymentId": ARN}, deps
    )

    assert out["answered"] == "STOP_ROLLBACK"
    assert ecs.calls == [
        ("StopServiceDeployment", {"serviceDeploymentArn": ARN, "stopType": "ROLLBACK"})
    ]


def test_given_a_deployment_ecs_already_rolled_back_when_answered_then_nothing_is_sent(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put(status="ROLLBACK_SUCCESSFUL", stage="CLEAN_UP", hook="TIMED_OUT")

    out = world.call(
        "ecs_deployment", {"action": "answer", "decision": "ROLLBACK", "deploymentId": ARN}, deps
    )

    assert out == {"answered": None, "status": "ROLLBACK_SUCCESSFUL", "stage": "CLEAN_UP"}
    assert ecs.calls == []


def test_given_an_unknown_action_when_invoked_then_the_error_names_the_choices(
    world: World, deps: Deps
) -> None:
    with pytest.raises(InvalidEvent, match=re.escape("start|arm|answer")):
        world.call("ecs_deployment", {"action": "deploy"}, deps)


# ---------------------------------------------------------------------------- events
def test_given_a_completion_wait_when_ecs_reports_successful_then_the_execution_resumes(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put(stage="CLEAN_UP", hook="SUCCEEDED")
    _arm(world, deps, "completion")
    assert _sfn(world) == []
    ecs.put(status="SUCCESSFUL", stage="CLEAN_UP", hook="SUCCEEDED")

    out = world.call("ecs_deployment", _deployment_event(), deps)

    assert out == {"resolved": {ARN: ["completion"]}}
    assert _sfn(world) == [
        (
            "success",
            {"taskToken": "token-1", "output": {"deploymentId": ARN, "state": "SUCCESSFUL"}},
        )
    ]
    assert world.item(f"DEPLOYMENT#{ARN}", "WAIT#completion") is None
    assert world.item("WAITS", f"completion#{ARN}") is None


def test_given_a_rollback_wait_when_ecs_rolled_back_then_it_succeeds_and_a_completion_fails(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put(status="ROLLBACK_IN_PROGRESS", stage="CLEAN_UP", hook="FAILED")
    _arm(world, deps, "rollback", token="rollback-token")
    ecs.put(status="ROLLBACK_SUCCESSFUL", stage="CLEAN_UP", hook="FAILED")

    world.call("ecs_deployment", _deployment_event(), deps)

    assert _sfn(world) == [
        (
            "success",
            {
                "taskToken": "rollback-token",
                "output": {"deploymentId": ARN, "state": "ROLLBACK_SUCCESSFUL"},
            },
        )
    ]


@pytest.mark.parametrize(
    ("stage", "pauses"),
    [(GATE_STAGE, (GATE_STAGE,)), (APPROVAL_STAGE, (APPROVAL_STAGE, GATE_STAGE))],
    ids=["the gate's pause", "an approval's pause"],
)
def test_given_a_pause_when_ecs_rolls_back_by_itself_then_its_wait_fails_deployment_failed(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient, stage: str, pauses: tuple[str, ...]
) -> None:
    ecs.put(stage=stage, pauses=pauses)
    _arm(world, deps, "gate", token="gate-token")
    ecs.put(status="ROLLBACK_SUCCESSFUL", stage="CLEAN_UP", hook="TIMED_OUT", pauses=pauses)

    world.call("ecs_deployment", _deployment_event(), deps)

    ((kind, sent),) = _sfn(world)
    assert (kind, sent["taskToken"], sent["error"]) == ("failure", "gate-token", "DeploymentFailed")
    assert world.item("GATES", ARN) is None


def test_given_an_event_of_another_service_when_delivered_then_no_wait_is_touched(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put(status="IN_PROGRESS")
    _arm(world, deps, "completion")
    ecs.put(status="SUCCESSFUL")

    out = world.call(
        "ecs_deployment", _deployment_event([SERVICE_ARN.replace(SERVICE, "other")]), deps
    )

    assert out == {"resolved": {}}
    assert _sfn(world) == []
    assert world.item(f"DEPLOYMENT#{ARN}", "WAIT#completion") is not None


# ---------------------------------------------------------------------------- reconcile
#: botocore model, Rollback.reason: ECS's own words (the emulator's, for a hook's timeout).
TIMED_OUT = f"Service deployment rolled back because the PAUSE hook {HOOK} timed out."


def _tick(world: World, deps: Deps) -> dict[str, Any]:
    return world.call("gate_tick", sample("scheduled-tick"), deps)


def test_given_a_gate_ecs_rolled_back_while_turnout_was_down_when_ticking_then_it_fails_with_ecs_reason(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient, fixed_clock: Callable[[float], None]
) -> None:
    ecs.put()
    _arm(world, deps, "gate", token="gate-token")  # started: the hook waits
    ecs.put(
        status="ROLLBACK_SUCCESSFUL", stage="CLEAN_UP", hook="TIMED_OUT", rollback_reason=TIMED_OUT
    )
    fixed_clock(NOW + 20 * 60)  # ... its events lost: the function was down past the retries

    out = _tick(world, deps)

    assert "ended the gate wait" in out["reconciled"][ARN]
    assert out["gates"] == {}, "settled before the gates are evaluated: no GateTimedOut"
    ((kind, sent),) = _sfn(world)
    assert (kind, sent["taskToken"], sent["error"]) == ("failure", "gate-token", "DeploymentFailed")
    assert "timed out" in sent["cause"]
    assert "reconciliation" in sent["cause"]
    assert world.item("GATES", ARN) is None
    (row,) = [a for a in world.attempts() if a.get("reconciled")]
    assert row["sk"].endswith(attempt()["attemptId"])
    assert "reconciliation" in row["reconciled"]


def test_given_an_ended_deployment_within_the_grace_when_ticking_then_its_event_is_awaited(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient, fixed_clock: Callable[[float], None]
) -> None:
    ecs.put()
    _arm(world, deps, "gate", token="gate-token")
    ecs.put(status="ROLLBACK_SUCCESSFUL", stage="CLEAN_UP", hook="TIMED_OUT")
    fixed_clock(NOW + 60)

    out = _tick(world, deps)

    assert "reconciled" not in out
    assert [k for k, _ in _sfn(world)] == []
    assert world.item("GATES", ARN) is not None


def test_given_a_completion_wait_whose_event_was_lost_when_ticking_then_it_succeeds(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient, fixed_clock: Callable[[float], None]
) -> None:
    ecs.put(stage="BAKE_TIME", hook="SUCCEEDED")
    _arm(world, deps, "completion", token="done-token")
    ecs.put(status="SUCCESSFUL", stage="CLEAN_UP", hook="SUCCEEDED")
    fixed_clock(NOW + 6 * 60)

    out = _tick(world, deps)

    assert "ended the completion wait" in out["reconciled"][ARN]
    assert _sfn(world) == [
        (
            "success",
            {"taskToken": "done-token", "output": {"deploymentId": ARN, "state": "SUCCESSFUL"}},
        )
    ]
    assert world.item("WAITS", f"completion#{ARN}") is None


def test_given_an_armed_gate_whose_hook_event_was_lost_when_ticking_then_the_gate_starts(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient, fixed_clock: Callable[[float], None]
) -> None:
    ecs.put(stage="PRODUCTION_TRAFFIC_SHIFT", hook=None)
    _arm(world, deps, "gate", token="gate-token")
    ecs.put()  # the hook waits at POST_PRODUCTION_TRAFFIC_SHIFT; its event is lost
    fixed_clock(NOW + 6 * 60)

    out = _tick(world, deps)

    assert "gate started by reconciliation" in out["reconciled"][ARN]
    gate = world.item("GATES", ARN)
    assert gate is not None
    assert (gate["hookId"], gate["gateStartedAt"]) == (HOOK, NOW + 6 * 60)
    assert _sfn(world) == [], "the gate runs from now on; no verdict yet"


def test_given_a_deployment_of_another_service_when_reconciled_then_its_wait_is_left(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient, fixed_clock: Callable[[float], None]
) -> None:
    ecs.put()
    _arm(world, deps, "gate", token="gate-token")
    ecs.put(status="ROLLBACK_SUCCESSFUL", service_arn=SERVICE_ARN.replace(SERVICE, "other"))
    fixed_clock(NOW + 20 * 60)

    from turnout.logic.ecs_deploy import reconcile

    assert reconcile(deps) == {}
    assert world.item("GATES", ARN) is not None


# ---------------------------------------------------------------------------- approval
#: A deployment started with ApprovalBeforeProduction's pause as well as the gate's.
APPROVAL = (APPROVAL_STAGE, GATE_STAGE)


def test_given_an_approval_pause_when_its_event_comes_then_the_gate_item_awaits_approval(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    gate = _pause_reached(world, deps, ecs, APPROVAL_STAGE, APPROVAL, answer="awaiting approval")

    assert (gate["awaitingApproval"], gate["hookId"], gate["taskToken"]) == (True, HOOK, "token-1")
    assert "gateStartedAt" not in gate, "no gate clock: the tick leaves it alone"
    row = world.deps.store.get_attempt(SERVICE_KEY, attempt()["attemptId"])
    assert row is not None
    assert row["phase"] == "awaiting-approval"
    again = world.call("ecs_deployment", _hook_event(lifecycleStage=APPROVAL_STAGE), deps)
    assert again == {"gate": "already awaiting approval"}


def test_given_the_approval_asked_before_the_arm_when_armed_then_the_ledger_says_awaiting(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put(stage=APPROVAL_STAGE, pauses=APPROVAL)
    world.call("ecs_deployment", _hook_event(lifecycleStage=APPROVAL_STAGE), deps)

    _arm(world, deps, "gate")

    row = world.deps.store.get_attempt(SERVICE_KEY, attempt()["attemptId"])
    assert row is not None
    assert row["phase"] == "awaiting-approval"
    gate = world.item("GATES", ARN)
    assert gate is not None
    assert (gate["awaitingApproval"], gate["taskToken"]) == (True, "token-1")


def test_given_an_approval_waiting_when_approved_then_the_wait_resumes_and_the_item_goes(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put(stage=APPROVAL_STAGE, pauses=APPROVAL)
    _arm(world, deps, "gate")

    approved = approve(world.deps.store, world.deps.sfn, ARN, "alice")

    assert approved is True
    ((kind, sent),) = _sfn(world)
    assert (kind, sent["taskToken"]) == ("success", "token-1")
    assert sent["output"]["verdict"] == "approved"
    assert sent["output"]["reason"] == "approved by alice"
    assert world.item("GATES", ARN) is None
    out = world.call(
        "ecs_deployment", {"action": "answer", "decision": "CONTINUE", "deploymentId": ARN}, deps
    )
    assert out == {"answered": "CONTINUE", "status": "IN_PROGRESS", "stage": APPROVAL_STAGE}


def test_given_a_health_gate_when_approved_then_nothing_is_sent_and_the_gate_is_kept(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put()  # at POST_PRODUCTION_TRAFFIC_SHIFT: the gate runs, no approval waits
    _arm(world, deps, "gate")

    assert approve(world.deps.store, world.deps.sfn, ARN, "alice") is False
    assert _sfn(world) == []
    gate = world.item("GATES", ARN)
    assert gate is not None
    assert gate["gateStartedAt"]


def test_given_an_approval_waiting_when_rejected_then_the_wait_fails_and_the_hook_rolls_back(
    world: World, deps: Deps, ecs: FakeEcsBlueGreenClient
) -> None:
    ecs.put(stage=APPROVAL_STAGE, pauses=APPROVAL)
    _arm(world, deps, "gate")

    assert reject(world.deps.store, world.deps.sfn, ARN, "alice") is True
    ((kind, sent),) = _sfn(world)
    assert (kind, sent["error"]) == ("failure", "RollbackRequested")
    out = world.call(
        "ecs_deployment", {"action": "answer", "decision": "ROLLBACK", "deploymentId": ARN}, deps
    )

    assert out == {"answered": "ROLLBACK", "status": "IN_PROGRESS", "stage": APPROVAL_STAGE}
    assert ecs.calls == [
        (
            "ContinueServiceDeployment",
            {"serviceDeploymentArn": ARN, "hookId": HOOK, "action": "ROLLBACK"},
        )
    ]
