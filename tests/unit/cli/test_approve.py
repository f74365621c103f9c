"""`turnout approve` (DeploymentEngine=ecs, ApprovalBeforeProduction): the refusals, one line
each, and the answer through the core's approve on fake DynamoDB / Step Functions clients."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.unit.cli.fakes import FakeAws
from turnout.adapters.store import decode_item, encode_item
from turnout_cli.errors import CliError, NothingRunning, OperationFailed
from turnout_cli.main import app
from turnout_cli.ops import approval as ops
from turnout_cli.ops import gate as gate_ops
from turnout_cli.ops.gate import Target
from turnout_cli.stack import Stack

ARN = "arn:aws:ecs:ap-northeast-2:123456789012:service-deployment/c/web/bQuBU0Ntp2eNmweTnB95C"
NOW = 1_790_000_000.0
APPROVAL = {"taskToken": "token-1", "awaitingApproval": True, "hookId": "ecs-pause-1"}
HEALTH_GATE = {"taskToken": "token-1", "gateStartedAt": NOW - 60, "hookId": "ecs-pause-2"}

runner = CliRunner()


def _stack(engine: str | None = "ecs") -> Stack:
    outputs = {"LedgerTableName": "t", "ServiceKey": "c/web"}
    return Stack("s", "CREATE_COMPLETE", outputs | ({"DeploymentEngine": engine} if engine else {}))


def _target(gate: dict[str, Any] | None) -> Target:
    return Target("a1", "c" * 40, "sha256:" + "a" * 64, ARN, "awaiting approval", gate)


@dataclass
class FakeLedger:
    """DynamoDB with one gate item (or none): GetItem, UpdateItem and a conditional
    DeleteItem as the botocore model answers them."""

    gate: dict[str, Any] | None
    updates: list[dict[str, Any]] = field(default_factory=list)
    deletes: list[dict[str, Any]] = field(default_factory=list)

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        key = decode_item(kwargs["Key"])
        if key["pk"] == "GATES" and self.gate is not None:
            return {"Item": encode_item({"pk": "GATES", "sk": key["sk"], **self.gate})}
        return {}

    def update_item(self, **kwargs: Any) -> dict[str, Any]:
        self.updates.append(kwargs)
        return {"Attributes": {}}

    def delete_item(self, **kwargs: Any) -> dict[str, Any]:
        self.deletes.append(kwargs)
        return {}


@dataclass
class FakeStepFunctions:
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def send_task_success(self, *, taskToken: str, output: str) -> dict[str, Any]:
        self.sent.append((taskToken, json.loads(output)))
        return {}


@pytest.mark.parametrize("engine", ["codedeploy", None])
def test_given_a_codedeploy_stack_when_approving_then_refused_naming_the_engine(
    engine: str | None,
) -> None:
    with pytest.raises(CliError) as raised:
        ops.check_engine(_stack(engine))

    assert raised.value.exit_code == 2
    assert "nothing to approve: stack s runs DeploymentEngine=codedeploy" in raised.value.message
    assert "\n" not in raised.value.message


def test_given_an_ecs_stack_when_checked_then_approve_may_go_on() -> None:
    ops.check_engine(_stack("ecs"))


@pytest.mark.parametrize("gate", [None, HEALTH_GATE], ids=["no-gate", "health-gate"])
def test_given_nothing_awaiting_approval_when_approving_then_refused_in_one_line(
    gate: dict[str, Any] | None,
) -> None:
    with pytest.raises(NothingRunning) as raised:
        ops.check_approvable(_target(gate))

    assert raised.value.message.startswith("nothing to approve: deployment ")
    assert raised.value.message.endswith("is not awaiting approval")


def test_given_an_approval_waiting_when_approved_then_the_task_resumes_and_the_row_names_who() -> (
    None
):
    ledger, sfn = FakeLedger(dict(APPROVAL)), FakeStepFunctions()

    ops.approve(FakeAws(dynamodb=ledger, stepfunctions=sfn), _stack(), _target(APPROVAL), "alice")

    ((token, output),) = sfn.sent
    assert (token, output["verdict"], output["reason"]) == (
        "token-1",
        "approved",
        "approved by alice",
    )
    (delete,) = ledger.deletes
    assert decode_item(delete["ExpressionAttributeValues"]) == {":t": "token-1"}
    assert ledger.updates == [], "operators get no UpdateItem on the table"


def test_given_the_approval_answered_meanwhile_when_approved_then_operation_failed() -> None:
    ledger, sfn = FakeLedger(None), FakeStepFunctions()

    with pytest.raises(OperationFailed) as raised:
        ops.approve(FakeAws(dynamodb=ledger, stepfunctions=sfn), _stack(), _target(APPROVAL), "bob")

    assert "was no longer waiting" in raised.value.message
    assert sfn.sent == []
    assert ledger.updates == []


def test_given_an_approval_waiting_when_promoted_then_refused_pointing_at_approve() -> None:
    with pytest.raises(NothingRunning, match="awaits approval before production traffic"):
        gate_ops.check_promotable(_target(APPROVAL))


def test_given_a_codedeploy_stack_when_the_verb_runs_then_exit_2_before_any_deployment_lookup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import turnout_cli.commands.approval as verb

    def no_lookup(*_: Any) -> Target:
        raise AssertionError("the engine is checked first")

    monkeypatch.setattr(verb, "connect", lambda _opts: (FakeAws(), _stack("codedeploy")))
    monkeypatch.setattr(gate_ops, "running_target", no_lookup)

    result = runner.invoke(app, ["approve", "--yes"])

    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert "DeploymentEngine=codedeploy" in result.stderr


def test_given_an_ecs_deployment_awaiting_approval_when_the_verb_runs_then_it_is_approved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import turnout_cli.commands.approval as verb

    ledger, sfn = FakeLedger(dict(APPROVAL)), FakeStepFunctions()
    aws = FakeAws(dynamodb=ledger, stepfunctions=sfn, sts=None)
    monkeypatch.setattr(verb, "connect", lambda _opts: (aws, _stack()))
    monkeypatch.setattr(gate_ops, "running_target", lambda *_: _target(APPROVAL))
    monkeypatch.setattr(gate_ops, "caller", lambda _aws: "carol")

    result = runner.invoke(app, ["--output", "json", "approve", "--yes"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"approved": ARN, "attemptId": "a1", "by": "carol"}
    assert [token for token, _ in sfn.sent] == ["token-1"]
