"""Task-token waits: arm them (from the state machine) and resolve them (from events)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from turnout import clock
from turnout.deps import Deps
from turnout.errors import InvalidEvent
from turnout.gate import HoldMode, start
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
    attempt = payload.get("attempt") or {}
    now = clock.now()
    ttl = int(now) + 3 * 24 * 3600
    if kind == "gate":
        gate = deps.store.update_gate(
            deployment_id,
            {
                "taskToken": token,
                "attemptId": attempt.get("attemptId", ""),
                "holdMode": payload.get("holdMode", HoldMode.HOOK.value),
                "taskDefinitionArn": payload.get("taskDefinitionArn", ""),
                "armedAt": now,
                "expiresAt": ttl,
            },
        )
        deps.store.put_attempt(
            deps.config.service_key,
            str(attempt.get("attemptId", "")),
            # The hook may already have started the gate (it can run before this arms).
            {
                "phase": Phase.GATE.value
                if gate.get("gateStartedAt")
                else Phase.TRAFFIC_SHIFTING.value,
                "deploymentId": deployment_id,
            },
        )
    else:
        deps.store.put_wait(
            deployment_id,
            kind,
            {
                "taskToken": token,
                "attemptId": attempt.get("attemptId", ""),
                "armedAt": now,
                "expiresAt": ttl,
            },
        )
        if kind == "rollback":
            deps.store.put_attempt(
                deps.config.service_key,
                str(attempt.get("attemptId", "")),
                {"phase": Phase.ROLLING_BACK.value},
            )
        else:
            deps.store.put_attempt(
                deps.config.service_key,
                str(attempt.get("attemptId", "")),
                {"phase": Phase.TERMINATING.value},
            )
    # The event may have come before the token was stored: look once.
    status = deps.codedeploy.status(deployment_id)
    if status in TERMINAL:
        resolve(deps, deployment_id, TERMINAL[status])
    logger.info("wait armed", extra={"kind": kind, "deployment": deployment_id, "status": status})
    return {"armed": kind, "deploymentId": deployment_id, "status": status}


def release_hook(deps: Deps, deployment_id: str, hook_execution_id: str) -> None:
    deps.codedeploy.answer_hook(deployment_id, hook_execution_id, succeeded=True)
    deps.store.update_gate(deployment_id, {"hookHeld": False})


def start_gate(payload: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    """The AfterAllowTraffic hook: production traffic is on the new task set."""
    from turnout.logic.gate_tick import gate_budgets, hold_mode
    from turnout.models import LifecycleHookEvent, parse_event  # lazy: pydantic costs INIT

    hook = parse_event(LifecycleHookEvent, payload, "CodeDeploy lifecycle hook")
    now = clock.now()
    # Decided here, from the same configuration Render used, rather than read from the gate
    # item: the hook may run before the state machine has armed the gate.
    mode = hold_mode(deps)
    gate = deps.store.update_gate(
        hook.deployment_id,
        {
            "hookExecutionId": hook.lifecycle_event_hook_execution_id,
            "hookHeld": True,
            "holdMode": mode.value,
            "gateStartedAt": now,
            "gateState": start(now).to_dict(),
            "expiresAt": int(now) + 3 * 24 * 3600,
            **gate_budgets(deps),  # what the CLI's status shows (aws-fidelity row 26)
        },
    )
    if mode is HoldMode.TERMINATION_WAIT:
        release_hook(deps, hook.deployment_id, hook.lifecycle_event_hook_execution_id)
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


def on_deployment_event(event: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    from turnout.models import CodeDeployStateChangeEvent, parse_event  # lazy

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
        deps.store.delete_wait(deployment_id, "completion")
        resolved.append("completion")
    rollback = deps.store.wait(deployment_id, "rollback")
    if rollback:
        token = str(rollback["taskToken"])
        if failed:
            deps.sfn.succeed(token, {"deploymentId": deployment_id, "state": state})
        else:
            deps.sfn.fail(
                token,
                "DeploymentFailed",
                f"deployment {deployment_id} succeeded although a rollback was requested",
            )
        deps.store.delete_wait(deployment_id, "rollback")
        resolved.append("rollback")
    logger.info(
        "deployment state",
        extra={"deployment": deployment_id, "state": state, "resolved": resolved},
    )
    return resolved
