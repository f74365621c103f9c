"""Admission: run now, queue behind the running deployment (latest wins), or skip."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from turnout import clock, ledger
from turnout.deps import Deps
from turnout.ledger import Phase, Result, deploy_row
from turnout.observability import logger
from turnout.queue import Admission, Decision, ServiceState, Slot, admit


def admit_push(state: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    cfg = deps.config
    service = cfg.service_key
    slot = Slot.from_item(state.get("attempt") or {}, "deploy state: attempt")
    now = clock.now()
    started = slot.received_at or now
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
            deploy_row(slot, result=Result.DUPLICATE, reason=reason)
            | ledger.started(started)
            | {"endedAt": now, "durationSeconds": 0},
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
    if outcome.decision is Decision.RUN:
        existing = deps.store.get_attempt(service, slot.attempt_id) or {}
        row = deploy_row(
            slot, result=Result.RUNNING, phase=Phase.RENDERING, reason=outcome.reason
        ) | {
            "startedAt": existing.get("startedAt", started),
            "startedAtIso": clock.iso(float(existing.get("startedAt", started))),
            "deployStartedAt": now,
        }
    elif outcome.decision is Decision.QUEUED:
        row = deploy_row(
            slot, result=Result.QUEUED, phase=Phase.QUEUED, reason=outcome.reason
        ) | ledger.started(started)
    else:  # duplicate or superseded
        row = (
            deploy_row(
                slot,
                result=outcome.decision.value,
                phase=outcome.decision.value,
                reason=outcome.reason,
            )
            | ledger.started(started)
            | {"endedAt": now, "durationSeconds": round(now - started, 3)}
        )
    deps.store.put_attempt(service, slot.attempt_id, row)
    if outcome.superseded:
        deps.store.put_attempt(
            service,
            outcome.superseded.attempt_id,
            {
                "result": Result.SUPERSEDED.value,
                "phase": Phase.SUPERSEDED.value,
                "endedAt": now,
                "reason": f"superseded by attempt {slot.attempt_id} (commit {slot.commit_id[:12]})",
            },
        )
    return {"decision": outcome.decision.value, "reason": outcome.reason}
