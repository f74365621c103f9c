"""Admission: run now, queue behind the running deployment (latest wins), or skip."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from turnout import clock, ledger
from turnout.adapters.ecs import Serving
from turnout.adapters.sfn import ENDED
from turnout.deps import Deps
from turnout.ledger import Phase, Result, deploy_row
from turnout.observability import logger
from turnout.queue import Admission, Decision, ServiceState, Slot, admit
from turnout.reconcile import claim_holder


def admit_push(state: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    cfg = deps.config
    service = cfg.service_key
    slot = Slot.from_item(state.get("attempt") or {}, "deploy state: attempt")
    now = clock.now()
    started = slot.received_at or now
    if (
        not state.get("handoff")
        and slot.event_id
        and not deps.store.first_delivery(
            service, slot.event_id, now, slot.replay_name, slot.attempt_id
        )
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
    claimed = None if state.get("handoff") else claimed_by_another(deps, slot)
    if claimed is not None:
        logger.info("build already claimed", extra={"attempt": slot.attempt_id, "reason": claimed})
        deps.store.put_attempt(
            service,
            slot.attempt_id,
            deploy_row(slot, result=Result.DUPLICATE, phase=Phase.DUPLICATE, reason=claimed)
            | ledger.started(started)
            | {"endedAt": now, "durationSeconds": round(now - started, 3)},
        )
        return {"decision": Decision.DUPLICATE.value, "reason": claimed}

    release_ended_slot(deps, slot)
    ecs = frozenset() if slot.trigger == "replay" else serving_digests(deps)

    def decide(current: ServiceState) -> tuple[ServiceState, Admission]:
        result = admit(current, slot, deps.codecommit.is_ancestor, ecs)
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


def claimed_by_another(deps: Deps, slot: Slot) -> str | None:
    """Claim the deploy of the build that made ``slot``'s image (turnout.reconcile): None
    when this attempt holds it (or the image is no build of this stack's to claim: an
    external image, a replay); else why the attempt deploys nothing (another attempt, the
    ECR push's or a reconciliation's, deploys that build)."""
    if slot.trigger == "replay":
        return None  # a replay redeploys on purpose
    service = deps.config.service_key
    build = deps.store.get_build(service, slot.commit_id) or {}
    build_id = str(build.get("buildId") or "")
    if build.get("buildResult") != "succeeded" or build.get("digest") != slot.digest:
        return None
    row = deps.store.claim_build(
        service,
        slot.commit_id,
        build_id=build_id,
        digest=slot.digest,
        attempt_id=slot.attempt_id,
        trigger=slot.trigger,
        now=clock.now(),
    )
    holder = claim_holder(row) if row is not None and row.get("buildId") == build_id else None
    if holder is None:
        return None  # claimed now, or the row moved on (a newer run of the commit)
    attempt, trigger = holder
    return (
        f"build {build_id} of commit {slot.commit_id[:12]} is already deployed by attempt "
        f"{attempt} ({trigger})"
    )


def release_ended_slot(deps: Deps, candidate: Slot) -> bool:
    """Release a running slot whose execution has ended without Finish (True if released).

    Step Functions ends an execution outside every Catch on ``States.DataLimitExceeded``
    ("States.ALL ... cannot catch the States.DataLimitExceeded terminal error", Step
    Functions DG, "Handling errors"), on StopExecution and on ``States.Runtime``: Finish
    never runs, so the slot would stay taken and every later push queue forever
    (security-review row 5). DescribeExecution tells; an execution it does not know (a
    hand-off being started) or that is being redriven is left alone."""
    cfg = deps.config
    service = cfg.service_key
    stale = deps.store.load_state(service).running
    if stale is None or stale.attempt_id == candidate.attempt_id or not stale.execution_arn:
        return False
    status = deps.sfn.status(stale.execution_arn)
    if status not in ENDED:
        return False
    # lazy: Finish's module (its shapes, resolve_image's) only for a slot Finish never released
    from turnout.logic.finish import release_and_start_next

    released = release_and_start_next(deps, stale.attempt_id, succeeded=False)
    if not released.released:  # someone else released it first
        return False
    now = clock.now()
    existing = deps.store.get_attempt(service, stale.attempt_id) or {}
    reason = (
        f"execution {stale.execution_arn} ended ({status}) without recording an outcome; "
        f"the slot was released when attempt {candidate.attempt_id} arrived"
    )
    logger.warning(
        "ended execution released its slot",
        extra={"attempt": stale.attempt_id, "execution": stale.execution_arn, "status": status},
    )
    deps.store.put_attempt(
        service,
        stale.attempt_id,
        deploy_row(stale, result=Result.FAILED, phase=Phase.FAILED, reason=reason)
        | {"error": {"type": f"Execution{status.title().replace('_', '')}", "message": reason}}
        | ledger.ended(float(existing.get("startedAt") or stale.received_at or now), now),
    )
    return True


def ecs_serving(deps: Deps) -> Serving | None:
    """What the ECS service serves now (task definition and images), or None.

    The source of truth for "what serves", ledger or not (issue 8 item 6): a fresh install
    has an empty ledger, and an operator may have changed the service outside turnout."""
    return deps.ecs.serving()


def serving_digests(deps: Deps) -> frozenset[str]:
    """The image digests ECS serves (empty when the service serves nothing yet)."""
    found = ecs_serving(deps)
    return found.digests if found else frozenset()
