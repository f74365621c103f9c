"""Admission: run now, queue behind the running deployment (latest wins), or skip."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from turnout import clock
from turnout.deps import Deps
from turnout.observability import logger
from turnout.queue import Admission, Decision, ServiceState, Slot, admit


def admit_push(state: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    cfg = deps.config
    service = cfg.service_key
    attempt = state.get("attempt") or {}
    slot = Slot.from_item(attempt, "deploy state: attempt")
    now = clock.now()
    row: dict[str, Any] = {
        "kind": "deploy",
        "trigger": slot.trigger,
        "commitId": slot.commit_id,
        "digest": slot.digest,
        "imageUri": slot.image_uri,
        "eventId": slot.event_id,
        "replayName": slot.replay_name or "",
        "executionArn": slot.execution_arn,
    }
    if slot.event_time:
        row["eventTime"] = slot.event_time
    if (
        not state.get("handoff")
        and slot.event_id
        and not deps.store.first_delivery(service, slot.event_id, now)
    ):
        reason = f"event {slot.event_id} was already delivered"
        logger.info("duplicate delivery", extra={"event_id": slot.event_id})
        deps.store.put_attempt(
            service,
            slot.attempt_id,
            row
            | {
                "result": "duplicate",
                "reason": reason,
                "startedAt": slot.received_at or now,
                "startedAtIso": clock.iso(slot.received_at or now),
                "endedAt": now,
                "durationSeconds": 0,
            },
        )
        return {"decision": Decision.DUPLICATE.value, "reason": reason}

    def decide(current: ServiceState) -> tuple[ServiceState, Admission]:
        result = admit(current, slot, deps.codecommit.is_ancestor)
        return result.state, result

    outcome = deps.store.change_state(service, decide)
    logger.info(
        "admission",
        extra={
            "decision": outcome.decision.value,
            "reason": outcome.reason,
            "attempt": slot.attempt_id,
        },
    )
    started = slot.received_at or now
    if outcome.decision is Decision.RUN:
        existing = deps.store.get_attempt(service, slot.attempt_id) or {}
        deps.store.put_attempt(
            service,
            slot.attempt_id,
            row
            | {
                "result": "running",
                "phase": "rendering",
                "reason": outcome.reason,
                "startedAt": existing.get("startedAt", started),
                "startedAtIso": clock.iso(float(existing.get("startedAt", started))),
                "deployStartedAt": now,
            },
        )
    elif outcome.decision is Decision.QUEUED:
        deps.store.put_attempt(
            service,
            slot.attempt_id,
            row
            | {
                "result": "queued",
                "phase": "queued",
                "reason": outcome.reason,
                "startedAt": started,
                "startedAtIso": clock.iso(started),
            },
        )
        if outcome.superseded:
            deps.store.put_attempt(
                service,
                outcome.superseded.attempt_id,
                {
                    "result": "superseded",
                    "phase": "superseded",
                    "endedAt": now,
                    "reason": f"superseded by attempt {slot.attempt_id} (commit {slot.commit_id[:12]})",  # noqa: E501
                },
            )
    else:
        deps.store.put_attempt(
            service,
            slot.attempt_id,
            row
            | {
                "result": outcome.decision.value,  # duplicate or superseded
                "phase": outcome.decision.value,
                "reason": outcome.reason,
                "startedAt": started,
                "startedAtIso": clock.iso(started),
                "endedAt": now,
                "durationSeconds": round(now - started, 3),
            },
        )
    return {"decision": outcome.decision.value, "reason": outcome.reason}
