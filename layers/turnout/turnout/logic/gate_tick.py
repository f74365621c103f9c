"""Every check interval: look at each running gate, pass it, fail it or keep waiting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from turnout import clock
from turnout.adapters.aws import error_code
from turnout.adapters.health import probe
from turnout.deps import Deps
from turnout.errors import RollbackRequested
from turnout.gate import (
    Evaluation,
    GateConfig,
    GateState,
    HoldMode,
    Observation,
    Verdict,
    evaluate,
)
from turnout.hold import hold_mode_of
from turnout.observability import logger


def gate_config(deps: Deps) -> GateConfig:
    cfg = deps.config
    return GateConfig(
        bake_seconds=cfg.gate_bake_minutes * 60,
        timeout_seconds=(cfg.gate_timeout_minutes + cfg.gate_bake_minutes) * 60,
        failure_threshold=cfg.gate_failure_threshold,
        check_targets=cfg.gate_target_health,
        alarm_names=cfg.gate_alarm_names,
        http_url=cfg.gate_http_url,
        http_expected_status=cfg.gate_http_expected_status,
    )


def gate_budgets(deps: Deps) -> dict[str, int]:
    """Both budgets of the gate, stored on its item when it starts, so a reader (the CLI's
    ``status``: ``GateView.from_item``) shows the timeout this policy applies (timeout + bake
    after ``gateStartedAt``), not the bare GateTimeoutMinutes (aws-fidelity row 26)."""
    config = gate_config(deps)
    return {"bakeSeconds": config.bake_seconds, "timeoutSeconds": config.timeout_seconds}


def hold_mode(deps: Deps) -> HoldMode:
    """The gate policy's hold mode for this stack's gate and deployment group (a ConfigError
    when neither the hook nor the group's termination wait can hold the gate)."""
    return hold_mode_of(deps.config, deps.codedeploy.termination_wait_minutes())


def observe(deps: Deps, config: GateConfig, task_definition_arn: str) -> Observation:
    targets: tuple[str, ...] | None = None
    if config.check_targets:
        groups = deps.ecs.target_groups_of(task_definition_arn) if task_definition_arn else []
        targets = deps.health.target_states(groups) if groups else ()
    alarms = deps.health.alarms_in_alarm(config.alarm_names)
    status: int | None = None
    error: str | None = None
    if config.http_url:
        status, error = probe(config.http_url)
    return Observation(
        at=clock.now(),
        target_states=targets,
        alarms_in_alarm=alarms,
        http_status=status,
        http_error=error,
    )


def tick(deps: Deps) -> dict[str, Any]:
    config = gate_config(deps)
    verdicts: dict[str, str] = {}
    for gate in deps.store.gates():
        deployment_id = str(gate["sk"])
        if not gate.get("taskToken") or not gate.get("gateStartedAt"):
            continue  # not armed yet, or traffic not on the new task set yet
        state = GateState.from_dict(gate.get("gateState") or {"started_at": gate["gateStartedAt"]})
        result = evaluate(
            config, state, observe(deps, config, str(gate.get("taskDefinitionArn", "")))
        )
        verdicts[deployment_id] = result.verdict.value
        _apply(deps, deployment_id, gate, result)
    return {"gates": verdicts}


def _apply(deps: Deps, deployment_id: str, gate: dict[str, Any], result: Evaluation) -> None:
    token = str(gate["taskToken"])
    attempt_id = str(gate.get("attemptId", ""))
    service = deps.config.service_key
    logger.info(
        "gate check",
        extra={
            "deployment": deployment_id,
            "verdict": result.verdict.value,
            "reason": result.reason,
        },
    )
    if result.verdict is Verdict.WAIT:
        checks = int(gate.get("checks", 0))
        if not deps.store.update_gate_if(
            deployment_id,
            checks,
            {
                "gateState": result.state.to_dict(),
                "lastReason": result.reason,
                "checks": checks + 1,
            },
        ):
            return  # an overlapping tick got there first: its verdict stands
        if attempt_id:
            deps.store.note_attempt(service, attempt_id, {"gateReason": result.reason})
        return
    # Send first, delete after (as promote/reject do): a send that raises (access denied,
    # throttling, the network) keeps the item, so the next tick answers again; a task that
    # no longer waits answers TaskTimedOut/InvalidToken, which the adapter reads as gone.
    if result.verdict is Verdict.PASS:
        deps.sfn.succeed(token, _passed(gate, "pass", result.reason))
    else:
        error = "GateTimedOut" if result.verdict is Verdict.TIMEOUT else "GateFailed"
        deps.sfn.fail(token, error, result.reason)
        _fail_held_hook(deps.codedeploy, deployment_id, gate)
    deps.store.delete_gate(deployment_id, token)
    if attempt_id:
        deps.store.note_attempt(
            service, attempt_id, {"gateReason": result.reason, "gateVerdict": result.verdict.value}
        )


#: PutLifecycleEventHookExecutionStatus errors meaning the hook no longer waits for us (the
#: deployment stopped or ended, or an earlier tick answered): botocore codedeploy model.
_HOOK_GONE = frozenset(
    {
        "LifecycleEventAlreadyCompletedException",
        "DeploymentAlreadyCompletedException",
        "DeploymentDoesNotExistException",
        "InvalidLifecycleEventHookExecutionIdException",
    }
)


class HookAnswers(Protocol):
    """How a held lifecycle hook is answered (:class:`turnout.adapters.codedeploy.CodeDeploy`)."""

    def rolls_back_on_failure(self) -> bool: ...

    def answer_hook(self, deployment_id: str, hook_execution_id: str, succeeded: bool) -> bool: ...


def _fail_held_hook(hooks: HookAnswers, deployment_id: str, gate: dict[str, Any]) -> None:
    """Hook mode: answer the held AfterAllowTraffic hook Failed (aws-fidelity rows 5, 10).

    Sent right after the task failure, so the execution is already on its RollBack path
    (StopDeployment with rollback) whatever CodeDeploy reports next; answered rather than
    left to CodeDeploy's one-hour hook limit ("The deployment is considered to have failed
    if CodeDeploy is not notified by the Lambda validation function within one hour":
    CodeDeploy User Guide, "AppSpec 'hooks' section"). Any other error raises with the gate
    item kept, so the next tick answers again.

    Only when the group rolls a failed deployment back (autoRollbackConfiguration with
    DEPLOYMENT_FAILURE): a Failed hook fails the deployment, and "if validation fails and
    rollbacks are not configured ... components remain in their current state" (CodeDeploy
    User Guide, "What happens during an Amazon ECS deployment"). If that answer beat
    RollBack's StopDeployment, traffic would stay on the task set that failed the gate; so
    without that setting the hook is left to StopDeployment (row 10: unverified whether a
    stop waits for a pending hook)."""
    hook_execution_id = gate.get("hookExecutionId")
    if not gate.get("hookHeld") or not hook_execution_id:
        return
    if not hooks.rolls_back_on_failure():
        logger.info("held hook left to StopDeployment", extra={"deployment": deployment_id})
        return
    try:
        hooks.answer_hook(deployment_id, str(hook_execution_id), succeeded=False)
    except Exception as exc:
        if error_code(exc) not in _HOOK_GONE:
            raise
        logger.info("held hook already answered", extra={"deployment": deployment_id})


def _passed(gate: dict[str, Any], verdict: str, reason: str) -> dict[str, Any]:
    """What WaitForHealthGate resumes with: IsHookHeld/ReleaseHook read the hook fields."""
    return {
        "verdict": verdict,
        "reason": reason,
        "hookHeld": bool(gate.get("hookHeld", False)),
        "hookExecutionId": gate.get("hookExecutionId"),
    }


class GateItems(Protocol):
    """The part of the store an operator's answer needs (:class:`turnout.adapters.store.Store`)."""

    def gate(self, deployment_id: str) -> dict[str, Any] | None: ...

    def delete_gate(self, deployment_id: str, token: str | None = None) -> None: ...


class TaskAnswers(Protocol):
    """How a waiting task is answered (:class:`turnout.adapters.sfn.StepFunctions`); both
    return False when the task no longer waits (TaskTimedOut/InvalidToken: already answered)."""

    def succeed(self, token: str, output: dict[str, Any]) -> bool: ...

    def fail(self, token: str, error: str, cause: str) -> bool: ...


def promote(store: GateItems, sfn: TaskAnswers, deployment_id: str, who: str) -> bool:
    """End the gate now as passed (an operator's decision); False when it no longer waits."""
    return _answer(
        store,
        deployment_id,
        lambda gate: sfn.succeed(
            str(gate["taskToken"]), _passed(gate, "promoted", f"promoted by {who}")
        ),
    )


def approve(store: GateItems, sfn: TaskAnswers, deployment_id: str, who: str) -> bool:
    """DeploymentEngine=ecs, ApprovalBeforeProduction: answer the wait at turnout's approval
    pause (POST_TEST_TRAFFIC_SHIFT) as approved; the state machine then continues that hook
    (ContinueServiceDeployment CONTINUE) and production traffic starts to move. False when
    no approval waits (none asked, a health gate instead, or already answered)."""
    gate = store.gate(deployment_id)
    if not gate or not gate.get("awaitingApproval") or not gate.get("taskToken"):
        return False
    token = str(gate["taskToken"])
    answered = sfn.succeed(token, _passed(gate, "approved", f"approved by {who}"))
    store.delete_gate(deployment_id, token)  # as _answer: after the send, this token's only
    return answered


def reject(
    store: GateItems,
    sfn: TaskAnswers,
    deployment_id: str,
    who: str,
    hooks: HookAnswers | None = None,
) -> bool:
    """End the gate now as failed: the state machine rolls back. Given ``hooks``, a hook
    still held (hook mode) is answered Failed right after the send, as a tick's own FAIL
    does (aws-fidelity row 5)."""

    def send(gate: dict[str, Any]) -> bool:
        answered = sfn.fail(
            str(gate["taskToken"]), RollbackRequested.__name__, f"rollback requested by {who}"
        )
        if hooks is not None:
            _fail_held_hook(hooks, deployment_id, gate)
        return answered

    return _answer(store, deployment_id, send)


def _answer(store: GateItems, deployment_id: str, send: Callable[[dict[str, Any]], bool]) -> bool:
    """Send the answer first; delete the gate item only once the send returned.

    A send that raises (access denied, throttling, the network) leaves the item, so the
    gate keeps being evaluated and the operator can retry; a task that no longer waits
    (answered by a tick in between, or timed out) leaves nothing to keep."""
    gate = store.gate(deployment_id)
    if not gate or not gate.get("taskToken"):
        return False
    answered = send(gate)
    store.delete_gate(deployment_id, str(gate["taskToken"]))
    return answered
