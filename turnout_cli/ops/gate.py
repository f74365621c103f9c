"""`turnout promote` and `turnout rollback`: answer the running deployment's gate, or stop it."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from turnout_cli.errors import NothingRunning, OperationFailed
from turnout_cli.ops.common import store_of
from turnout_cli.parsing import short_commit, short_digest
from turnout_cli.session import Aws, error_code, error_message
from turnout_cli.stack import Stack
from turnout_cli.status import LEDGER_PHASES

if TYPE_CHECKING:
    from turnout.logic.gate_tick import TaskAnswers


@dataclass(frozen=True)
class Target:
    """The running deployment an operator acts on."""

    attempt_id: str
    commit_id: str
    digest: str
    deployment_id: str
    phase: str
    gate: dict[str, Any] | None
    #: codedeploy | ecs: the ledger row's engine (rows from before the parameter: codedeploy)
    engine: str = "codedeploy"

    @property
    def new_side(self) -> str:
        """What the deployment brings up: CodeDeploy's replacement task set, or ECS's new
        service revision."""
        return "service revision" if self.engine == "ecs" else "task set"

    def describe(self) -> str:
        return (
            f"deployment {self.deployment_id} (attempt {self.attempt_id}, commit "
            f"{short_commit(self.commit_id)}, "
            f"digest {short_digest(self.digest)}, phase {self.phase})"
        )


def running_target(aws: Aws, stack: Stack, verb: str) -> Target:
    store = store_of(aws, stack)
    state = store.load_state(stack.service)
    if state.running is None:
        raise NothingRunning(f"nothing to {verb}: no deployment of {stack.service} is running")
    slot = state.running
    row = store.get_attempt(stack.service, slot.attempt_id) or {}
    phase = LEDGER_PHASES.get(str(row.get("phase", "")), str(row.get("phase") or "starting"))
    deployment_id = str(row.get("deploymentId", ""))
    if not deployment_id:
        raise NothingRunning(
            f"nothing to {verb} yet: attempt {slot.attempt_id} (commit "
            f"{short_commit(slot.commit_id)}) "
            f"has no deployment yet (phase {phase}); try again in a moment"
        )
    gate = store.gate(deployment_id)
    return Target(
        slot.attempt_id,
        slot.commit_id,
        slot.digest,
        deployment_id,
        phase,
        gate if gate and gate.get("taskToken") else None,
        engine=str(row.get("engine") or "codedeploy"),
    )


def caller(aws: Aws) -> str:
    import getpass

    try:
        arn = str(aws.client("sts").get_caller_identity().get("Arn", ""))
    except Exception as exc:
        if not error_code(exc):
            raise
        arn = ""
    return arn or getpass.getuser()


def answers_of(aws: Aws) -> TaskAnswers:
    """The core's Step Functions adapter over the CLI's client (answers a waiting task)."""
    from turnout.adapters.sfn import StepFunctions

    return StepFunctions(client=aws.client("stepfunctions"))


def check_promotable(target: Target) -> None:
    if target.gate is None:
        raise NothingRunning(f"nothing to promote: {target.describe()} is not at its health gate")
    if target.gate.get("awaitingApproval"):
        raise NothingRunning(
            f"cannot promote: {target.describe()} awaits approval before production traffic; "
            "use `turnout approve` (or `turnout rollback`)"
        )
    if not target.gate.get("gateStartedAt"):
        raise NothingRunning(
            f"cannot promote yet: {target.describe()}: production traffic is not on the new "
            f"{target.new_side}, so its gate has not started"
        )


def promote(aws: Aws, stack: Stack, target: Target, who: str) -> None:
    from turnout.logic.gate_tick import promote as core_promote

    if not core_promote(store_of(aws, stack), answers_of(aws), target.deployment_id, who):
        raise OperationFailed(
            f"the gate of deployment {target.deployment_id} was no longer waiting: already "
            "answered (maybe by this command: a retried SendTaskSuccess whose first try was "
            "applied finds the task answered), or its task token expired; see `turnout status`"
        )


def rollback(aws: Aws, stack: Stack, target: Target, who: str) -> str:
    """'gate' when the gate was failed (the state machine rolls the deployment back), else
    how the deployment itself was told: 'stopped' (CodeDeploy StopDeployment, or ECS
    StopServiceDeployment ROLLBACK) or 'hook' (ECS ContinueServiceDeployment ROLLBACK on a
    PAUSE hook that awaits action)."""
    if target.gate is not None:
        from turnout.logic.gate_tick import reject

        if reject(store_of(aws, stack), answers_of(aws), target.deployment_id, who):
            return "gate"
    if target.engine == "ecs":
        return _roll_back_ecs(aws, stack, target)
    try:
        aws.client("codedeploy").stop_deployment(
            deploymentId=target.deployment_id, autoRollbackEnabled=True
        )
    except Exception as exc:
        if error_code(exc) == "DeploymentAlreadyCompletedException":
            raise NothingRunning(
                f"nothing to roll back: deployment {target.deployment_id} already completed "
                f"({error_message(exc)})"
            ) from None
        if error_code(exc) == "DeploymentDoesNotExistException":
            raise NothingRunning(
                f"nothing to roll back: CodeDeploy does not know deployment {target.deployment_id}"
            ) from None
        raise
    return "stopped"


def _roll_back_ecs(aws: Aws, stack: Stack, target: Target) -> str:
    """No gate waits for an answer: ECS is told itself (botocore ECS model:
    ContinueServiceDeployment acts only on a PAUSE hook in AWAITING_ACTION while the
    deployment is IN_PROGRESS; StopServiceDeployment stopType ROLLBACK otherwise). The
    deploy execution then hears ECS's rollback from its events, as for its own."""
    from turnout.adapters.ecs import Ecs
    from turnout.ecs_engine import ENDS

    ecs = Ecs(stack["ClusterName"], stack["ServiceName"], client=aws.client("ecs"))
    arn = target.deployment_id
    found = ecs.deployment(arn)
    if found is None:
        raise NothingRunning(f"nothing to roll back: ECS does not know service deployment {arn}")
    if found.status in ENDS or found.status.startswith(("ROLLBACK", "STOP")):
        raise NothingRunning(
            f"nothing to roll back: service deployment {arn} is already {found.status}"
        )
    hook = found.awaiting_pause_hook()
    if hook is not None:
        ecs.continue_deployment(arn, hook, "ROLLBACK")
        return "hook"
    ecs.stop_deployment(arn)
    return "stopped"
