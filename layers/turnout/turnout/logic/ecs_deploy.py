"""DeploymentEngine=ecs: start the ECS blue/green deployment, arm its waits, run the gate at
its PAUSE hook, answer the hook, and resume the waits from ECS's EventBridge events.

The waits are driven by the ``ECS Hook State Change`` and ``ECS Deployment State Change``
events (ECS developer guide, pause-lifecycle-hooks.html and ecs_service_deployment_events.html),
each confirmed with DescribeServiceDeployments before it acts (security-review row 8), never
by polling: an arm looks once, for an event that came before its token was stored.

One gate wait per turnout PAUSE hook: at POST_PRODUCTION_TRAFFIC_SHIFT, and (GateEveryTrafficStep,
LINEAR / CANARY) at PRE_PRODUCTION_TRAFFIC_SHIFT before every traffic step, and
(ApprovalBeforeProduction) at POST_TEST_TRAFFIC_SHIFT, where the wait is an approval: no gate
runs, ``turnout approve`` answers it (:func:`turnout.logic.gate_tick.approve`). ``answer``
says which stage it continued, so the state machine waits for the next pause or for the end."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from turnout import clock
from turnout.adapters.ecs import ServiceDeployment
from turnout.deps import Deps
from turnout.ecs_engine import APPROVAL_STAGE, ENDS, GATE_STAGE, STEP_GATE_STAGE, TURNOUT_STAGES
from turnout.errors import InvalidEvent, UntrustedInvocation
from turnout.gate import start as start_gate_state
from turnout.ledger import Phase
from turnout.logic.waits import WAITS_INDEX, _end_wait, _index_wait
from turnout.observability import logger

ENGINE = "ecs"
_TTL = 3 * 24 * 3600
HOOK_DETAIL_TYPE = "ECS Hook State Change"
DEPLOYMENT_DETAIL_TYPE = "ECS Deployment State Change"


def handle(event: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    """The one entry of the ecs_deployment function: an EventBridge event, or a task of the
    deploy state machine (``action`` start | arm | answer)."""
    kind = event.get("detail-type")
    if kind == HOOK_DETAIL_TYPE:
        return on_hook_event(event, deps)
    if kind == DEPLOYMENT_DETAIL_TYPE:
        return on_deployment_event(event, deps)
    action = event.get("action")
    if action == "start":
        return start(event, deps)
    if action == "arm":
        return arm(event, deps)
    if action == "answer":
        return answer(event, deps)
    raise InvalidEvent(
        "ecs_deployment input: an ECS Hook/Deployment State Change event, or action "
        f"start|arm|answer (got action {action!r})"
    )


def _pause_kind(found: ServiceDeployment) -> str | None:
    """What turnout does at the PAUSE hook ``found`` waits at: ``gate`` (a verdict),
    ``approval`` (wait for ``turnout approve``), or None. A PAUSE hook at
    POST_PRODUCTION_TRAFFIC_SHIFT, or at PRE_PRODUCTION_TRAFFIC_SHIFT / POST_TEST_TRAFFIC_SHIFT
    when the deployment was started with one there (Render adds them for GateEveryTrafficStep
    / ApprovalBeforeProduction and removes any other pause at turnout's stages:
    :func:`turnout.ecs_engine.is_turnout_hook`), is turnout's. Read from ECS's own answer,
    not the stack's parameters: a deployment keeps the hooks it started with."""
    if found.stage == GATE_STAGE or (
        found.stage == STEP_GATE_STAGE and STEP_GATE_STAGE in found.pause_stages
    ):
        return "gate"
    if found.stage == APPROVAL_STAGE and APPROVAL_STAGE in found.pause_stages:
        return "approval"
    return None


def _reached_pause(deps: Deps, found: ServiceDeployment) -> str:
    """One of turnout's PAUSE hooks waits (``found`` confirmed): start its gate, or ask for
    the approval."""
    kind = _pause_kind(found)
    if kind == "gate":
        return "started" if _start_gate(deps, found) else "already started"
    if kind == "approval":
        return "awaiting approval" if _await_approval(deps, found) else "already awaiting approval"
    return f"no pause of turnout's at {found.stage}"


def _await_approval(deps: Deps, found: ServiceDeployment) -> bool:
    """Test traffic is on the new revision, production still on the old one: the gate item
    records the hook and waits for ``turnout approve`` (no gate clock: the tick skips it);
    the attempt's phase says so."""
    now = clock.now()
    return _take_pause(
        deps,
        found,
        {"awaitingApproval": True, "approvalRequestedAt": now},
        started="approvalRequestedAt",
        phase=Phase.AWAITING_APPROVAL,
    )


def _take_pause(
    deps: Deps,
    found: ServiceDeployment,
    fields: dict[str, Any],
    *,
    started: str,
    phase: Phase,
) -> bool:
    """Record on the gate item that turnout's PAUSE hook ``found`` waits at is taken up with
    ``fields`` (once per hook execution, whatever the deliveries: ``started`` set for this
    hook means done), and the attempt's ``phase`` with ``started``'s time. False when no hook
    waits or it was taken up already."""
    hook_id = found.awaiting_pause_hook()
    if hook_id is None:
        return False
    if deps.store.get(f"DEPLOYMENT#{found.arn}", f"ANSWERED#{hook_id}") is not None:
        # ContinueServiceDeployment is asynchronous: right after turnout answered this hook,
        # DescribeServiceDeployments may still say it awaits action. Taking it again would
        # judge it a second time and answer the next step's pause before ECS reached it.
        logger.info(f"{phase.value}: hook answered already", extra={"hook": hook_id})
        return False
    now = clock.now()
    item = deps.store.update_if(
        "GATES",
        found.arn,
        {
            "hookId": hook_id,
            "lifecycleStage": found.stage,
            "engine": ENGINE,
            "expiresAt": int(now) + _TTL,
            **fields,
        },
        condition="attribute_not_exists(#started) OR #hook <> :hook",
        names={"#started": started, "#hook": "hookId"},
        values={":hook": hook_id},
    )
    what = {"deployment": found.arn, "hook": hook_id, "stage": found.stage}
    if item is None:
        logger.info(f"{phase.value}: already", extra=what)
        return False
    if item.get("attemptId"):
        deps.store.put_attempt(
            deps.config.service_key,
            str(item["attemptId"]),
            {"phase": phase.value, started: fields[started]},
        )
    logger.info(phase.value, extra=what)
    return True


def _service_arn_ok(deps: Deps, service_arn: str) -> bool:
    cfg = deps.config
    return service_arn.endswith(f":service/{cfg.cluster}/{cfg.service}")


def _ours(deps: Deps, arn: str) -> ServiceDeployment:
    """The service deployment ``arn``, confirmed to be this stack's service."""
    found = deps.ecs.deployment(arn)
    if found is None or not _service_arn_ok(deps, found.service_arn):
        owner = found.service_arn if found else "nobody ECS knows"
        raise UntrustedInvocation(f"service deployment {arn} belongs to {owner}, not this service")
    return found


# ---------------------------------------------------------------------------- start
def start(payload: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    """UpdateService with the registered task definition and turnout's PAUSE hook."""
    render = payload.get("render") or {}
    attempt = payload.get("attempt") or {}
    td_arn, configuration = render.get("taskDefinitionArn"), render.get("deploymentConfiguration")
    if not isinstance(td_arn, str) or not isinstance(configuration, dict):
        raise InvalidEvent(
            "ecs_deployment start: needs render.taskDefinitionArn and "
            "render.deploymentConfiguration"
        )
    arn = deps.ecs.update_service(td_arn, configuration)
    if not arn:
        raise InvalidEvent(
            f"UpdateService of {deps.config.service} named no currentServiceDeployment: the "
            "service is not under ECS built-in blue/green"
        )
    deps.store.put_attempt(
        deps.config.service_key,
        str(attempt.get("attemptId", "")),
        {
            "engine": ENGINE,
            "deploymentId": arn,
            "serviceDeploymentArn": arn,
            "phase": Phase.TRAFFIC_SHIFTING.value,
        },
    )
    logger.info("ECS service deployment started", extra={"deployment": arn})
    return {"deploymentId": arn, "serviceDeploymentArn": arn, "engine": ENGINE}


# ---------------------------------------------------------------------------- waits
def arm(payload: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    kind, token, arn = payload.get("kind"), payload.get("taskToken"), payload.get("deploymentId")
    if (
        kind not in ("gate", "completion", "rollback")
        or not isinstance(token, str)
        or not isinstance(arn, str)
    ):
        raise InvalidEvent(
            "ecs_deployment arm: needs kind (gate|completion|rollback), taskToken and deploymentId"
        )
    found = _ours(deps, arn)
    attempt_id = str((payload.get("attempt") or {}).get("attemptId", ""))
    now = clock.now()
    fields = {"taskToken": token, "attemptId": attempt_id, "armedAt": now, "engine": ENGINE}
    key = ("GATES", arn) if kind == "gate" else (f"DEPLOYMENT#{arn}", f"WAIT#{kind}")
    # Never replace another execution's token (as turnout.logic.waits.arm).
    item = deps.store.update_if(
        *key,
        fields | {"expiresAt": int(now) + _TTL},
        condition="attribute_not_exists(#token) OR #token = :token OR #attempt = :attempt",
        names={"#token": "taskToken", "#attempt": "attemptId"},
        values={":token": token, ":attempt": attempt_id or "-"},
    )
    if item is None:
        raise UntrustedInvocation(f"the {kind} wait of {arn} is already armed with another token")
    _index_wait(deps, arn, kind, now)
    deps.store.update(WAITS_INDEX, f"{kind}#{arn}", {"engine": ENGINE})
    phase = {"gate": Phase.TRAFFIC_SHIFTING, "rollback": Phase.ROLLING_BACK}.get(
        str(kind), Phase.TERMINATING
    )
    deps.store.put_attempt(deps.config.service_key, attempt_id, {"phase": phase.value})
    # The event may have come before the token was stored: look once, now that it is.
    resolved = _settle(deps, found)
    if kind == "gate" and found.awaiting_pause_hook():
        reached = _reached_pause(deps, found)
        if reached == "already awaiting approval":  # asked before this token was stored
            deps.store.put_attempt(
                deps.config.service_key, attempt_id, {"phase": Phase.AWAITING_APPROVAL.value}
            )
    logger.info("ECS wait armed", extra={"kind": kind, "deployment": arn, "status": found.status})
    return {"armed": kind, "deploymentId": arn, "status": found.status, "resolved": resolved}


def _start_gate(deps: Deps, found: ServiceDeployment) -> bool:
    """Turnout's PAUSE hook waits (production traffic on the new revision, or before a
    traffic step): the gate's clock starts, from a fresh state and check count."""
    from turnout.logic.gate_tick import gate_budgets  # lazy: as waits.start_gate

    now = clock.now()
    fields = {
        "gateStartedAt": now,
        "checks": 0,
        "awaitingApproval": False,
        "gateState": start_gate_state(now).to_dict(),
        **gate_budgets(deps),
    }
    return _take_pause(deps, found, fields, started="gateStartedAt", phase=Phase.GATE)


# ---------------------------------------------------------------------------- answer
def answer(payload: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    """The gate's verdict: CONTINUE (at POST_PRODUCTION_TRAFFIC_SHIFT the old revision is
    cleaned up at once; before a traffic step the step goes ahead) or ROLLBACK. A rollback
    asked for before the hook waits (the gate wait ended some other way) is
    StopServiceDeployment ROLLBACK; a deployment already ended is left as it is. ``stage``:
    where the deployment was, which tells the state machine whether another pause follows."""
    arn, action = payload.get("deploymentId"), payload.get("decision")
    if not isinstance(arn, str) or action not in ("CONTINUE", "ROLLBACK"):
        raise InvalidEvent(
            "ecs_deployment answer: needs deploymentId and decision CONTINUE|ROLLBACK"
        )
    found = _ours(deps, arn)
    if found.status in ENDS:
        logger.info("deployment already ended", extra={"deployment": arn, "status": found.status})
        return {"answered": None, "status": found.status, "stage": found.stage}
    hook_id = found.awaiting_pause_hook()
    if hook_id is not None:
        deps.ecs.continue_deployment(arn, hook_id, action)
        now = clock.now()
        deps.store.update(  # a hook is answered once (see _take_pause)
            f"DEPLOYMENT#{arn}",
            f"ANSWERED#{hook_id}",
            {"action": action, "answeredAt": now, "expiresAt": int(now) + _TTL},
        )
        answered = action
    elif action == "ROLLBACK":
        deps.ecs.stop_deployment(arn)
        answered = "STOP_ROLLBACK"
    else:
        raise InvalidEvent(f"service deployment {arn} has no PAUSE hook awaiting action")
    logger.info(
        "ECS hook answered", extra={"deployment": arn, "action": answered, "stage": found.stage}
    )
    return {"answered": answered, "status": found.status, "stage": found.stage}


# ---------------------------------------------------------------------------- events
def on_hook_event(event: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    detail = event.get("detail") or {}
    arn = str(detail.get("serviceDeploymentArn", ""))
    stage = str(detail.get("lifecycleStage", ""))
    if detail.get("eventName") != "HOOK_AWAITING_ACTION" or stage not in TURNOUT_STAGES:
        reason = f"{detail.get('eventName')} at {stage} is no pause of turnout's"
        logger.info("hook event ignored", extra={"reason": reason})
        return {"gate": "ignored", "reason": reason}
    if not _service_arn_ok(deps, str(detail.get("serviceArn", ""))):
        reason = f"service {detail.get('serviceArn')} is not this stack's"
        logger.info("hook event ignored", extra={"reason": reason})
        return {"gate": "ignored", "reason": reason}
    found = _ours(deps, arn)  # confirmed with ECS: the payload could be forged
    if found.stage != stage or found.awaiting_pause_hook() is None:
        reason = f"DescribeServiceDeployments says {found.status} at {found.stage}, no hook waits"
        logger.warning("hook event refused", extra={"deployment": arn, "reason": reason})
        return {"gate": "refused", "reason": reason}
    if _pause_kind(found) is None:
        reason = f"the deployment was started with no PAUSE hook of turnout's at {stage}"
        logger.info("hook event ignored", extra={"deployment": arn, "reason": reason})
        return {"gate": "ignored", "reason": reason}
    return {"gate": _reached_pause(deps, found)}


def on_deployment_event(event: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    """A state change of this service's deployments: every open ecs wait is confirmed with
    DescribeServiceDeployments (the event names the ``ecs-svc/...`` deployment id, not the
    service deployment ARN, and its resources the service)."""
    if not any(_service_arn_ok(deps, str(r)) for r in event.get("resources") or []):
        reason = f"resources {event.get('resources')} are not this stack's service"
        logger.info("deployment event ignored", extra={"reason": reason})
        return {"resolved": {}}
    arns = {
        str(i.get("deploymentId", ""))
        for i in deps.store.query(WAITS_INDEX)
        if i.get("engine") == ENGINE
    }
    arns |= {str(g["sk"]) for g in deps.store.gates() if g.get("engine") == ENGINE}
    resolved: dict[str, list[str]] = {}
    for arn in sorted(a for a in arns if a):
        found = deps.ecs.deployment(arn)
        if found is not None and _service_arn_ok(deps, found.service_arn):
            resolved[arn] = _settle(deps, found)
    return {"resolved": resolved}


def _settle(deps: Deps, found: ServiceDeployment, noticed: str = "") -> list[str]:
    """Resume whatever waits on ``found`` now that it ended (nothing while it runs); the
    causes carry ECS's own reason and ``noticed`` (how turnout learnt of the end, when not
    from its event)."""
    end = ENDS.get(found.status)
    if end is None:
        return []
    arn, resolved = found.arn, []
    why = f"service deployment {arn} is {found.status}"
    why += f" ({found.reason.rstrip('.')})" if found.reason else ""
    why += f", {noticed}" if noticed else ""
    gate = deps.store.gate(arn)
    if gate and gate.get("taskToken"):
        deps.sfn.fail(str(gate["taskToken"]), "DeploymentFailed", f"{why} during the health gate")
        deps.store.delete_gate(arn)
        resolved.append("gate")
    # The completion wait resumes on SUCCESSFUL, the rollback wait on ROLLBACK_SUCCESSFUL;
    # any other end fails them (RecordFailure).
    for kind, wanted, failure in (
        ("completion", "SUCCESS", why),
        ("rollback", "ROLLED_BACK", f"{why}: the rollback did not happen"),
    ):
        wait = deps.store.wait(arn, kind)
        if not wait:
            continue
        token = str(wait["taskToken"])
        if end == wanted:
            output = {"deploymentId": arn, "state": found.status}
            deps.sfn.succeed(token, output | ({"reason": found.reason} if found.reason else {}))
        else:
            deps.sfn.fail(token, "DeploymentFailed", failure)
        _end_wait(deps, arn, kind)
        resolved.append(kind)
    logger.info(
        "ECS deployment ended",
        extra={"deployment": arn, "status": found.status, "resolved": resolved},
    )
    return resolved


# ---------------------------------------------------------------------------- reconcile
def reconcile(deps: Deps) -> dict[str, str]:
    """On the gate tick, before its gates are evaluated: the waits whose ECS event never
    reached turnout (the rules: :mod:`turnout.ecs_reconcile`); per service deployment, what
    was done. One deployment's error does not stop the others."""
    from turnout.ecs_reconcile import Repair, due, open_waits, repair

    waits = open_waits(deps.store.gates(), deps.store.query(WAITS_INDEX))
    done: dict[str, str] = {}
    for arn in due(waits, clock.now()):
        try:
            found = deps.ecs.deployment(arn)
            if found is None or not _service_arn_ok(deps, found.service_arn):
                continue
            mine = [w for w in waits if w.deployment_arn == arn]
            action = repair(
                mine, found.status, found.stage, found.awaiting_pause_hook() is not None
            )
            attempts = _attempts_of(deps, arn, [w.kind for w in mine])
            if action is Repair.SETTLE:
                noticed = "noticed by the gate tick's reconciliation (its ECS event was lost)"
                resolved = _settle(deps, found, noticed)
                what = f"{found.status}, {noticed}: ended the {' and '.join(resolved)} wait"
            elif action is Repair.START_GATE and _start_gate(deps, found):
                what = (
                    "the gate started by reconciliation (its HOOK_AWAITING_ACTION event was lost)"
                )
            else:
                continue
            for attempt_id in attempts:
                deps.store.put_attempt(deps.config.service_key, attempt_id, {"reconciled": what})
            done[arn] = what
        except Exception:
            logger.exception("could not reconcile an ECS wait", extra={"deployment": arn})
    if done:
        logger.warning("ECS waits reconciled", extra={"reconciled": done})
    return done


def _attempts_of(deps: Deps, arn: str, kinds: list[str]) -> set[str]:
    """The attempts whose waits on ``arn`` these are (read before they are settled)."""
    items = [deps.store.gate(arn) if k == "gate" else deps.store.wait(arn, k) for k in kinds]
    return {str(i["attemptId"]) for i in items if i and i.get("attemptId")}
