"""Record the outcome (ledger, SNS, EventBridge), release the service, start the next push."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from turnout import clock
from turnout.deps import Deps
from turnout.errors import InvalidEvent
from turnout.observability import logger
from turnout.queue import Release, ServiceState, Slot, release

OUTCOMES = ("succeeded", "failed", "rolled_back", "rejected")


def error_of(state: Mapping[str, Any]) -> dict[str, str] | None:
    """The Catch'ed ``$.error`` as {type, message}; Lambda causes are unwrapped."""
    error = state.get("error")
    if not isinstance(error, dict):
        return None
    name = str(error.get("Error", "Error"))
    cause = str(error.get("Cause", ""))
    message = cause
    try:
        parsed = json.loads(cause)
        if isinstance(parsed, dict):
            message = str(parsed.get("errorMessage") or parsed.get("message") or cause)
    except ValueError:
        pass
    return {"type": name, "message": message[:2000]}


def failure_name(error: Mapping[str, str] | None, kind: str, outcome: str) -> tuple[str, str]:
    """The error name and cause the execution fails with (``States.*`` is reserved)."""
    if not error:
        return ("BuildFailed" if kind == "build" else "DeploymentFailed", f"{kind} {outcome}")
    name = error["type"]
    if name.startswith("States."):
        name = {
            "States.Timeout": "WaitTimedOut",
            "States.TaskFailed": "BuildFailed" if kind == "build" else "TaskFailed",
        }.get(name, name.removeprefix("States."))
    return name, error["message"]


def finish(payload: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    kind = payload.get("kind")
    outcome = payload.get("outcome")
    state = payload.get("state")
    if kind not in ("build", "deploy") or outcome not in OUTCOMES or not isinstance(state, dict):
        raise InvalidEvent(
            f"finish input: kind={kind!r} outcome={outcome!r}; expected build|deploy and one of {OUTCOMES}"  # noqa: E501
        )
    if kind == "build":
        result = _finish_build(str(outcome), state, str(payload.get("executionArn", "")), deps)
    else:
        result = _finish_deploy(str(outcome), state, str(payload.get("executionArn", "")), deps)
    name, cause = failure_name(error_of(state), str(kind), str(outcome))
    return result | {"errorName": name, "cause": cause}


def _row_times(row: Mapping[str, Any], now: float) -> dict[str, Any]:
    started = float(row.get("startedAt") or now)
    return {
        "endedAt": now,
        "endedAtIso": clock.iso(now),
        "durationSeconds": round(now - started, 3),
    }


def _build_id_from(cause: str) -> str:
    """The build id in a failed .sync task's cause (the build's own JSON), or ""."""
    try:
        parsed = json.loads(cause)
    except ValueError:
        return ""
    return str(parsed.get("Build", {}).get("Id", "")) if isinstance(parsed, dict) else ""


def _finish_build(
    outcome: str, state: dict[str, Any], execution_arn: str, deps: Deps
) -> dict[str, Any]:
    cfg = deps.config
    now = clock.now()
    attempt = state.get("attempt") or {}
    error = error_of(state)
    attempt_id = str(attempt.get("attemptId") or clock.new_attempt_id(now))
    raw_error = state.get("error") if isinstance(state.get("error"), dict) else None
    build_id = str(
        (state.get("build") or {}).get("buildId")
        or _build_id_from(str((raw_error or {}).get("Cause", "")))
    )
    existing = deps.store.get_attempt(cfg.service_key, attempt_id) or {"startedAt": now}
    fields: dict[str, Any] = {
        "kind": "build",
        "result": outcome,
        "phase": "built" if outcome == "succeeded" else "failed",
        "buildId": build_id,
        "executionArn": execution_arn,
        **_row_times(existing, now),
    }
    if "trigger" not in existing:
        fields |= {
            "trigger": "manual" if "source" not in state else "push",
            "startedAt": now,
            "startedAtIso": clock.iso(now),
        }
    if error:
        fields["error"] = error
    row = deps.store.put_attempt(cfg.service_key, attempt_id, fields)
    if attempt.get("commitId") and build_id:
        deps.store.put_build(
            cfg.service_key, str(attempt["commitId"]), {"buildId": build_id, "buildResult": outcome}
        )
    _notify(deps, "build", outcome, row)
    return {"attemptId": attempt_id, "result": outcome}


def _finish_deploy(
    outcome: str, state: dict[str, Any], execution_arn: str, deps: Deps
) -> dict[str, Any]:
    cfg = deps.config
    service = cfg.service_key
    now = clock.now()
    error = error_of(state)
    attempt = state.get("attempt")
    if not isinstance(attempt, dict):
        return _record_rejected_event(state, error, execution_arn, deps, now)
    slot = Slot.from_item(attempt, "deploy state: attempt")
    existing = deps.store.get_attempt(service, slot.attempt_id) or {
        "startedAt": slot.received_at or now
    }
    build = deps.store.get_build(service, slot.commit_id) or {}
    render = (state.get("render") or {}).get("value") or {}
    fields: dict[str, Any] = {
        "kind": "deploy",
        "result": outcome,
        "phase": outcome,
        "trigger": slot.trigger,
        "commitId": slot.commit_id,
        "digest": slot.digest,
        "imageUri": slot.image_uri,
        "eventId": slot.event_id,
        "replayName": slot.replay_name or "",
        "executionArn": execution_arn,
        "buildId": str(build.get("buildId", "")),
        "deploymentId": str((state.get("deployment") or {}).get("deploymentId", "")),
        **_row_times(existing, now),
    }
    if render.get("taskDefinitionArn"):
        fields |= {
            "taskDefinitionArn": render["taskDefinitionArn"],
            "taskDefinitionRevision": render.get("revision"),
        }
    if "startedAt" not in existing or "startedAtIso" not in existing:
        started = slot.received_at or now
        fields |= {"startedAt": started, "startedAtIso": clock.iso(started)}
    if error:
        fields["error"] = error
    gate = state.get("gate")
    if isinstance(gate, dict) and gate.get("reason"):
        fields["gateReason"] = gate["reason"]
        fields["gateVerdict"] = gate.get("verdict", "")
    row = deps.store.put_attempt(service, slot.attempt_id, fields)

    def end(current: ServiceState) -> tuple[ServiceState, Release]:
        result = release(current, slot.attempt_id, succeeded=outcome == "succeeded")
        return result.state, result

    released = deps.store.change_state(service, end)
    started_next = None
    if released.next is not None:
        nxt = released.next
        deps.store.put_attempt(
            service,
            nxt.attempt_id,
            {
                "result": "running",
                "phase": "rendering",
                "reason": f"started after attempt {slot.attempt_id}",
            },
        )
        started_next = deps.sfn.start(
            cfg.deploy_state_machine_arn, nxt.attempt_id, {"handoff": nxt.to_item()}
        )
        logger.info(
            "next queued push started", extra={"attempt": nxt.attempt_id, "execution": started_next}
        )
    _notify(deps, "deploy", outcome, row)
    return {
        "attemptId": slot.attempt_id,
        "result": outcome,
        "released": released.released,
        "next": released.next.attempt_id if released.next else None,
    }


def _record_rejected_event(
    state: dict[str, Any], error: dict[str, str] | None, execution_arn: str, deps: Deps, now: float
) -> dict[str, Any]:
    found = state.get("detail")
    detail: dict[str, Any] = found if isinstance(found, dict) else {}
    attempt_id = clock.new_attempt_id(now)
    fields: dict[str, Any] = {
        "kind": "deploy",
        "result": "rejected",
        "phase": "rejected",
        "trigger": "replay" if state.get("replay-name") else "push",
        "digest": str(detail.get("image-digest", "")),
        "eventId": str(state.get("id", "")),
        "replayName": str(state.get("replay-name", "")),
        "executionArn": execution_arn,
        "startedAt": now,
        "startedAtIso": clock.iso(now),
        "endedAt": now,
        "endedAtIso": clock.iso(now),
        "durationSeconds": 0,
    }
    if error:
        fields["error"] = error
    row = deps.store.put_attempt(deps.config.service_key, attempt_id, fields)
    _notify(deps, "deploy", "rejected", row)
    return {"attemptId": attempt_id, "result": "rejected", "released": False, "next": None}


def _notify(deps: Deps, kind: str, outcome: str, row: Mapping[str, Any]) -> None:
    cfg = deps.config
    commit = str(row.get("commitId", ""))[:12]
    subject = f"turnout: {cfg.service} {kind} {outcome.replace('_', ' ')}" + (
        f" (commit {commit})" if commit else ""
    )
    detail = {k: v for k, v in row.items() if k not in ("pk", "sk")} | {
        "stack": cfg.stack_name,
        "serviceName": cfg.service,
    }
    title = "Deployment" if kind == "deploy" else "Build"
    deps.notifier.publish(subject, f"turnout {title} Finished", detail)
    logger.info(
        "outcome recorded",
        extra={"kind": kind, "outcome": outcome, "attempt": row.get("attemptId")},
    )
