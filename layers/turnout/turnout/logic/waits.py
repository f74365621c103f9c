"""Task-token waits: arm them (from the state machine) and resolve them (from events)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from turnout import clock
from turnout.deps import Deps
from turnout.errors import InvalidEvent, UntrustedInvocation
from turnout.ledger import Phase
from turnout.observability import logger

TERMINAL = {"Succeeded": "SUCCESS", "Failed": "FAILURE", "Stopped": "STOP"}


def arm(payload: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    kind = payload.get("kind")
    token = payload.get("taskToken")
    deployment_id = payload.get("deploymentId")
    if (
        kind not in ("gate", "completion", "rollback")
        or not isinstance(token, str)
        or not isinstance(deployment_id, str)
    ):
        raise InvalidEvent(
            "arm_wait input: needs kind (gate|completion|rollback), taskToken and deploymentId"
        )
    # Confirm with CodeDeploy before acting (security-review row 8): a deployment of this
    # stack's application and group.
    deployment = deps.codedeploy.deployment(deployment_id)
    if not deps.codedeploy.is_ours(deployment):
        reason = (
            f"deployment {deployment_id} belongs to {deployment.application}/{deployment.group}"
        )
        logger.warning("arm_wait refused", extra={"reason": reason, "kind": kind})
        raise UntrustedInvocation(f"arm_wait refused: {reason}, not this stack's group")
    attempt = payload.get("attempt") or {}
    now = clock.now()
    ttl = int(now) + 3 * 24 * 3600
    fields = {"taskToken": token, "attemptId": attempt.get("attemptId", ""), "armedAt": now}
    if kind == "gate":
        from turnout.hold import HoldMode  # lazy: gate waits only

        fields |= {
            "holdMode": payload.get("holdMode", HoldMode.HOOK.value),
            "taskDefinitionArn": payload.get("taskDefinitionArn", ""),
        }
    key = (
        ("GATES", deployment_id)
        if kind == "gate"
        else (f"DEPLOYMENT#{deployment_id}", f"WAIT#{kind}")
    )
    # Never replace another execution's token. The same attempt may arm again: Step Functions
    # retries the task after a timeout or crash of this function that came after the token
    # was stored, and each retry gets a task token of its own ($$.Task.Token), the earlier
    # one dead with its attempt.
    condition = "attribute_not_exists(#token) OR #token = :token"
    names = {"#token": "taskToken"}
    values = {":token": token}
    if fields["attemptId"]:
        condition += " OR #attempt = :attempt"
        names["#attempt"] = "attemptId"
        values[":attempt"] = str(fields["attemptId"])
    item = deps.store.update_if(
        *key, fields | {"expiresAt": ttl}, condition=condition, names=names, values=values
    )
    if item is None:
        reason = f"the {kind} wait of {deployment_id} is already armed with another task token"
        logger.warning("arm_wait refused", extra={"reason": reason, "kind": kind})
        raise UntrustedInvocation(f"arm_wait refused: {reason}")
    if kind != "gate":
        _index_wait(deps, deployment_id, kind, now)
    if kind == "gate":
        # The hook may already have started the gate (it can run before this arms).
        phase = Phase.GATE if item.get("gateStartedAt") else Phase.TRAFFIC_SHIFTING
        fields_of_attempt: dict[str, Any] = {"phase": phase.value, "deploymentId": deployment_id}
    elif kind == "rollback":
        fields_of_attempt = {"phase": Phase.ROLLING_BACK.value}
    else:
        fields_of_attempt = {"phase": Phase.TERMINATING.value}
    deps.store.put_attempt(
        deps.config.service_key, str(attempt.get("attemptId", "")), fields_of_attempt
    )
    # The event may have come before the token was stored: look once, now that it is.
    status = deps.codedeploy.status(deployment_id)
    if status in TERMINAL:
        resolve(deps, deployment_id, TERMINAL[status])
    logger.info("wait armed", extra={"kind": kind, "deployment": deployment_id, "status": status})
    return {"armed": kind, "deploymentId": deployment_id, "status": status}


def release_hook(deps: Deps, deployment_id: str, hook_execution_id: str) -> None:
    """Let the held hook succeed; a hook already answered ("lifecycle event already
    completed") counts as released."""
    deps.codedeploy.answer_hook(deployment_id, hook_execution_id, succeeded=True)
    deps.store.update_gate(deployment_id, {"hookHeld": False})


def start_gate(payload: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    """The AfterAllowTraffic hook: production traffic is on the new task set."""
    from turnout.gate import start
    from turnout.hold import HoldMode
    from turnout.logic.gate_tick import gate_budgets, hold_mode
    from turnout.models import parse_event
    from turnout.models.codedeploy import LifecycleHookEvent

    hook = parse_event(LifecycleHookEvent, payload, "CodeDeploy lifecycle hook")
    refused = _hook_refusal(deps, hook.deployment_id)
    if refused:
        logger.warning(
            "gate hook refused", extra={"deployment": hook.deployment_id, "reason": refused}
        )
        return {"gate": "refused", "deploymentId": hook.deployment_id, "reason": refused}
    now = clock.now()
    # Decided here, from the same configuration Render used, rather than read from the gate
    # item: the hook may run before the state machine has armed the gate.
    mode = hold_mode(deps)
    execution_id = hook.lifecycle_event_hook_execution_id
    # Lambda may deliver an asynchronous event more than once, and retries a function error
    # (Lambda DG, "How Lambda handles errors and retries with asynchronous invocation"): a
    # second delivery of the same hook execution must not restart the gate's clock.
    gate = deps.store.update_if(
        "GATES",
        hook.deployment_id,
        {
            "hookExecutionId": execution_id,
            "hookHeld": True,
            "holdMode": mode.value,
            "gateStartedAt": now,
            "gateState": start(now).to_dict(),
            "expiresAt": int(now) + 3 * 24 * 3600,
            **gate_budgets(deps),  # what the CLI's status shows (aws-fidelity row 26)
        },
        condition="attribute_not_exists(#started) OR #hook <> :hook",
        names={"#started": "gateStartedAt", "#hook": "hookExecutionId"},
        values={":hook": execution_id},
    )
    if gate is None:
        if mode is HoldMode.TERMINATION_WAIT:  # the first delivery may have died before this
            release_hook(deps, hook.deployment_id, execution_id)
        logger.info(
            "gate already started",
            extra={"deployment": hook.deployment_id, "reason": "duplicate hook delivery"},
        )
        return {"gate": "already started", "deploymentId": hook.deployment_id}
    if mode is HoldMode.TERMINATION_WAIT:
        release_hook(deps, hook.deployment_id, execution_id)
    if gate.get("attemptId"):
        deps.store.put_attempt(
            deps.config.service_key,
            str(gate["attemptId"]),
            {"phase": Phase.GATE.value, "gateStartedAt": now},
        )
    logger.info(
        "gate started", extra={"deployment": hook.deployment_id, "hold_mode": gate.get("holdMode")}
    )
    return {"gate": "started", "deploymentId": hook.deployment_id}


#: The hook's lifecycle event, and its states while CodeDeploy waits for the hook's answer
#: (API Reference, LifecycleEvent.status: Pending | InProgress | Succeeded | Failed | ...).
HOOK_EVENT = "AfterAllowTraffic"
HOOK_WAITING = ("Pending", "InProgress")


def _hook_refusal(deps: Deps, deployment_id: str) -> str | None:
    """Why CodeDeploy does not confirm this hook invocation (security-review row 8), or None:
    the deployment must be this stack's, InProgress, with AfterAllowTraffic still waiting."""
    deployment = deps.codedeploy.deployment(deployment_id)
    if not deps.codedeploy.is_ours(deployment):
        return f"deployment {deployment_id} belongs to {deployment.application}/{deployment.group}"
    if deployment.status != "InProgress":
        return f"deployment {deployment_id} is {deployment.status}, not InProgress"
    event = deps.codedeploy.lifecycle_event_status(deployment_id, HOOK_EVENT)
    if event not in HOOK_WAITING:
        return f"the {HOOK_EVENT} lifecycle event of {deployment_id} is {event or 'not listed'}"
    return None


def on_deployment_event(event: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    from turnout.models import parse_event  # lazy
    from turnout.models.codedeploy import CodeDeployStateChangeEvent

    parsed = parse_event(
        CodeDeployStateChangeEvent, event, "CodeDeploy Deployment State-change Notification"
    )
    d = parsed.detail
    cfg = deps.config
    if d.application != cfg.application or d.deployment_group != cfg.deployment_group:
        logger.info(
            "deployment event ignored",
            extra={"reason": f"{d.application}/{d.deployment_group} is not this service"},
        )
        return {"resolved": []}
    if d.state not in ("SUCCESS", "FAILURE", "STOP"):
        logger.info("deployment event ignored", extra={"reason": f"state {d.state} ends nothing"})
        return {"resolved": []}
    # Confirm with CodeDeploy before acting (security-review row 8): anyone allowed to invoke
    # the function could send this payload; GetDeployment cannot be forged.
    deployment = deps.codedeploy.deployment(d.deployment_id)
    reason = None
    if not deps.codedeploy.is_ours(deployment):
        reason = f"GetDeployment says {deployment.application}/{deployment.group}"
    elif TERMINAL.get(deployment.status) != d.state:
        reason = f"GetDeployment says {deployment.status}, the event {d.state}"
    if reason:
        logger.warning(
            "deployment event refused", extra={"deployment": d.deployment_id, "reason": reason}
        )
        return {"resolved": [], "refused": reason}
    return {"resolved": resolve(deps, d.deployment_id, d.state)}


def resolve(deps: Deps, deployment_id: str, state: str) -> list[str]:
    """Resume whatever waits on ``deployment_id`` reaching ``state`` (SUCCESS/FAILURE/STOP)."""
    resolved: list[str] = []
    failed = state in ("FAILURE", "STOP")
    gate = deps.store.gate(deployment_id)
    if gate and gate.get("taskToken") and failed:
        deps.sfn.fail(
            str(gate["taskToken"]),
            "DeploymentFailed",
            f"deployment {deployment_id} reported {state} during the health gate",
        )
        deps.store.delete_gate(deployment_id)
        resolved.append("gate")
    completion = deps.store.wait(deployment_id, "completion")
    if completion:
        token = str(completion["taskToken"])
        if failed:
            deps.sfn.fail(token, "DeploymentFailed", f"deployment {deployment_id} reported {state}")
        else:
            deps.sfn.succeed(token, {"deploymentId": deployment_id, "state": state})
        _end_wait(deps, deployment_id, "completion")
        resolved.append("completion")
    rollback = deps.store.wait(deployment_id, "rollback")
    if rollback and _resolve_rollback(deps, deployment_id, state, rollback):
        resolved.append("rollback")
    logger.info(
        "deployment state",
        extra={"deployment": deployment_id, "state": state, "resolved": resolved},
    )
    return resolved


def _resolve_rollback(deps: Deps, deployment_id: str, state: str, wait: dict[str, Any]) -> bool:
    """Resume the rollback wait, or move it to the rollback deployment; True once resumed.

    For ECS, CodeDeploy rolls back in a separate deployment with its own id (CodeDeploy User
    Guide, deployment-steps-ecs, "Redeployments and deployment rollbacks"): the original's
    STOP/FAILURE says only that it ended. Its ``rollbackInfo.rollbackDeploymentId`` names the
    rollback deployment, whose SUCCESS means traffic is back on the original task set and whose
    FAILURE means the rollback failed (RecordFailure, not RecordRollback)."""
    token = str(wait["taskToken"])
    original = wait.get("rollbackOf")
    if original:  # this wait follows a rollback deployment
        if state == "SUCCESS":
            output = {"deploymentId": original, "rollbackDeploymentId": deployment_id}
            deps.sfn.succeed(token, output | {"state": state})
        else:
            deps.sfn.fail(
                token,
                "DeploymentFailed",
                f"rollback deployment {deployment_id} of {original} reported {state}: "
                "the rollback failed",
            )
        _end_wait(deps, deployment_id, "rollback")
        return True
    if state == "SUCCESS":
        deps.sfn.fail(
            token,
            "DeploymentFailed",
            f"deployment {deployment_id} succeeded although a rollback was requested",
        )
        _end_wait(deps, deployment_id, "rollback")
        return True
    rollback_id = deps.codedeploy.deployment(deployment_id).rollback_deployment_id
    if rollback_id is None:  # nothing was rolled back: the original's end is the end
        deps.sfn.succeed(token, {"deploymentId": deployment_id, "state": state})
        _end_wait(deps, deployment_id, "rollback")
        return True
    moved = {k: v for k, v in wait.items() if k not in ("pk", "sk")}
    deps.store.put_wait(rollback_id, "rollback", moved | {"rollbackOf": deployment_id})
    _index_wait(deps, rollback_id, "rollback", clock.now())
    _end_wait(deps, deployment_id, "rollback")
    if wait.get("attemptId"):
        deps.store.put_attempt(
            deps.config.service_key, str(wait["attemptId"]), {"rollbackDeploymentId": rollback_id}
        )
    logger.info(
        "following the rollback deployment",
        extra={"deployment": deployment_id, "rollback_deployment": rollback_id},
    )
    # Its end may have come before the wait moved: look once.
    status = deps.codedeploy.status(rollback_id)
    if status in TERMINAL:
        resolve(deps, rollback_id, TERMINAL[status])
    return False


# ------------------------------------------------------------------ reconciliation (row 30)
#: CodeDeploy's state-change events are best effort (EventBridge events reference, "AWS
#: CodeDeploy events": "in some rare cases an event might not be delivered"): a completion or
#: rollback wait armed longer ago than this is checked with GetDeployment on every gate tick.
RECONCILE_AFTER_SECONDS = 5 * 60
#: The index of open completion/rollback waits: ``pk=WAITS``, ``sk=<kind>#<deploymentId>``.
WAITS_INDEX = "WAITS"


def _index_wait(deps: Deps, deployment_id: str, kind: str, armed_at: float) -> None:
    deps.store.update(
        WAITS_INDEX,
        f"{kind}#{deployment_id}",
        {
            "deploymentId": deployment_id,
            "kind": kind,
            "armedAt": armed_at,
            "expiresAt": int(armed_at) + 3 * 24 * 3600,
        },
    )


def _end_wait(deps: Deps, deployment_id: str, kind: str) -> None:
    deps.store.delete_wait(deployment_id, kind)
    deps.store.delete(WAITS_INDEX, f"{kind}#{deployment_id}")


def reconcile(deps: Deps) -> dict[str, list[str]]:
    """Resolve the completion and rollback waits whose CodeDeploy event never came: every
    wait armed more than :data:`RECONCILE_AFTER_SECONDS` ago whose deployment GetDeployment
    reports ended. Called by the gate tick; one wait's error does not stop the others."""
    now = clock.now()
    resolved: dict[str, list[str]] = {}
    for item in list(deps.store.query(WAITS_INDEX)):
        deployment_id, kind = str(item.get("deploymentId", "")), str(item.get("kind", ""))
        if item.get("engine") == "ecs":  # an ECS service deployment, not CodeDeploy's
            continue
        if now - float(item.get("armedAt", now)) < RECONCILE_AFTER_SECONDS:
            continue
        try:
            if deps.store.wait(deployment_id, kind) is None:  # resolved meanwhile
                deps.store.delete(WAITS_INDEX, f"{kind}#{deployment_id}")
                continue
            status = deps.codedeploy.status(deployment_id)
            if status in TERMINAL:
                logger.info(
                    "reconciling a wait whose event did not come",
                    extra={"deployment": deployment_id, "kind": kind, "status": status},
                )
                resolved[deployment_id] = resolve(deps, deployment_id, TERMINAL[status])
        except Exception:
            logger.exception(
                "could not reconcile a wait", extra={"deployment": deployment_id, "kind": kind}
            )
    return resolved
