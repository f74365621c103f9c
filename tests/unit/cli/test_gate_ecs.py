"""`turnout promote` / `turnout rollback` with DeploymentEngine=ecs (turnout_cli/ops/gate.py),
on fakes that answer as the botocore ECS and Step Functions models say."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from turnout_cli.errors import NothingRunning
from turnout_cli.ops import gate as ops
from turnout_cli.stack import Stack

ARN = "arn:aws:ecs:eu-west-1:123456789012:service-deployment/c/s/abc"
HOOK = "pause-hook-1"
STACK = Stack(
    "turnout-x",
    "CREATE_COMPLETE",
    {"LedgerTableName": "t", "ServiceKey": "c/s", "ClusterName": "c", "ServiceName": "s"},
)


@dataclass
class FakeEcs:
    """DescribeServiceDeployments / ContinueServiceDeployment / StopServiceDeployment."""

    status: str = "IN_PROGRESS"
    hook: str | None = None
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def describe_service_deployments(self, *, serviceDeploymentArns: list[str]) -> dict[str, Any]:
        hooks = [{"hookId": HOOK, "targetType": "PAUSE", "status": self.hook}] if self.hook else []
        found = {
            "serviceDeploymentArn": ARN,
            "serviceArn": "arn:aws:ecs:eu-west-1:123456789012:service/c/s",
            "status": self.status,
            "lifecycleStage": "POST_PRODUCTION_TRAFFIC_SHIFT",
            "lifecycleHookDetails": hooks,
        }
        return {"serviceDeployments": [found] if ARN in serviceDeploymentArns else []}

    def continue_service_deployment(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("ContinueServiceDeployment", kwargs))
        return {"serviceDeploymentArn": ARN}

    def stop_service_deployment(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("StopServiceDeployment", kwargs))
        return {"serviceDeploymentArn": ARN}


@dataclass
class FakeSfn:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def send_task_success(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("SendTaskSuccess", kwargs))
        return {}

    def send_task_failure(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("SendTaskFailure", kwargs))
        return {}


@dataclass
class FakeAws:
    ecs: FakeEcs = field(default_factory=FakeEcs)
    sfn: FakeSfn = field(default_factory=FakeSfn)

    def client(self, name: str) -> Any:
        if name == "codedeploy":
            raise AssertionError("an ecs deployment is never sent to CodeDeploy")
        return {"ecs": self.ecs, "stepfunctions": self.sfn}[name]


@dataclass
class FakeGates:
    items: dict[str, dict[str, Any]] = field(default_factory=dict)

    def gate(self, deployment_id: str) -> dict[str, Any] | None:
        return self.items.get(deployment_id)

    def delete_gate(self, deployment_id: str, token: str | None = None) -> None:
        item = self.items.get(deployment_id)
        if item is not None and (token is None or item.get("taskToken") == token):
            del self.items[deployment_id]


def _target(gate: dict[str, Any] | None = None) -> ops.Target:
    return ops.Target("a-1", "c" * 40, "sha256:" + "d" * 64, ARN, "gate", gate, engine="ecs")


@pytest.fixture
def gates(monkeypatch: pytest.MonkeyPatch) -> FakeGates:
    store = FakeGates()
    monkeypatch.setattr(ops, "store_of", lambda aws, stack: store)
    return store


def _started(gates: FakeGates) -> dict[str, Any]:
    """The gate item of a started ecs gate, stored."""
    gate = {"taskToken": "tok", "gateStartedAt": 1.0, "hookId": HOOK, "engine": "ecs"}
    gates.items[ARN] = gate
    return gate


def test_given_an_ecs_gate_when_promoted_then_the_gate_task_succeeds_as_promoted(
    gates: FakeGates,
) -> None:
    gate = _started(gates)
    aws = FakeAws()

    ops.promote(aws, STACK, _target(gate), "alice")  # type: ignore[arg-type]

    ((name, sent),) = aws.sfn.calls
    assert (name, sent["taskToken"]) == ("SendTaskSuccess", "tok")
    assert '"verdict": "promoted"' in sent["output"]
    assert aws.ecs.calls == [], "the state machine's ContinueDeployment answers CONTINUE"
    assert gates.items == {}


def test_given_an_ecs_gate_when_rolled_back_then_the_gate_fails_rollback_requested(
    gates: FakeGates,
) -> None:
    gate = _started(gates)
    aws = FakeAws()

    assert ops.rollback(aws, STACK, _target(gate), "alice") == "gate"  # type: ignore[arg-type]

    ((name, sent),) = aws.sfn.calls
    assert (name, sent["error"]) == ("SendTaskFailure", "RollbackRequested")
    assert aws.ecs.calls == [], "the state machine's RollBack answers the PAUSE hook ROLLBACK"


def test_given_no_gate_and_a_pause_hook_waiting_when_rolled_back_then_the_hook_is_answered_rollback(
    gates: FakeGates,
) -> None:
    aws = FakeAws(FakeEcs(hook="AWAITING_ACTION"))

    assert ops.rollback(aws, STACK, _target(), "alice") == "hook"  # type: ignore[arg-type]

    assert aws.ecs.calls == [
        (
            "ContinueServiceDeployment",
            {"serviceDeploymentArn": ARN, "hookId": HOOK, "action": "ROLLBACK"},
        )
    ]


def test_given_no_gate_and_no_hook_waiting_when_rolled_back_then_the_deployment_is_stopped(
    gates: FakeGates,
) -> None:
    aws = FakeAws(FakeEcs(hook=None))

    assert ops.rollback(aws, STACK, _target(), "alice") == "stopped"  # type: ignore[arg-type]

    assert aws.ecs.calls == [
        ("StopServiceDeployment", {"serviceDeploymentArn": ARN, "stopType": "ROLLBACK"})
    ]


@pytest.mark.parametrize("status", ["SUCCESSFUL", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL"])
def test_given_a_deployment_ecs_ended_or_rolls_back_when_rolled_back_then_nothing_to_roll_back(
    gates: FakeGates, status: str
) -> None:
    aws = FakeAws(FakeEcs(status=status))

    with pytest.raises(NothingRunning, match=f"already {status}"):
        ops.rollback(aws, STACK, _target(), "alice")  # type: ignore[arg-type]
    assert aws.ecs.calls == []


def test_given_an_ecs_gate_not_started_when_promotable_checked_then_the_revision_is_named() -> None:
    with pytest.raises(NothingRunning, match="not on the new service revision"):
        ops.check_promotable(_target({"taskToken": "tok"}))
