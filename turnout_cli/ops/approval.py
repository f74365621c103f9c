"""`turnout approve`: let a DeploymentEngine=ecs deployment paused before production traffic
(ApprovalBeforeProduction: turnout's PAUSE hook at POST_TEST_TRAFFIC_SHIFT) go on."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

from turnout_cli.errors import CliError, NothingRunning, OperationFailed
from turnout_cli.ops.common import store_of
from turnout_cli.ops.gate import Target, answers_of
from turnout_cli.session import Aws
from turnout_cli.stack import Stack


def check_engine(stack: Stack) -> None:
    """Only the ecs engine pauses for an approval (stack output DeploymentEngine; stacks from
    before the parameter are CodeDeploy's)."""
    engine = stack.get("DeploymentEngine") or "codedeploy"
    if engine != "ecs":
        raise CliError(
            f"nothing to approve: stack {stack.name} runs DeploymentEngine={engine}; an approval "
            "before production traffic is a pause of the ecs engine (ApprovalBeforeProduction)"
        )


def check_approvable(target: Target) -> None:
    if target.gate is None or not target.gate.get("awaitingApproval"):
        raise NothingRunning(f"nothing to approve: {target.describe()} is not awaiting approval")


def approve(aws: Aws, stack: Stack, target: Target, who: str) -> None:
    """Answer the approval wait as ``approved by <who>`` (the wait's output, as promote's);
    the state machine then continues the hook. No ledger write: operators get no UpdateItem
    on the table (README, the per-verb policy)."""
    from turnout.logic.gate_tick import approve as core_approve

    if not core_approve(store_of(aws, stack), answers_of(aws), target.deployment_id, who):
        raise OperationFailed(
            f"the approval of deployment {target.deployment_id} was no longer waiting: already "
            "answered, or ECS rolled it back at the hook's timeout; see `turnout status`"
        )
