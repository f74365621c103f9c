"""On the gate tick's schedule: deploy the newest successful build whose ECR push event never
started a deploy (the rules: :mod:`turnout.reconcile`)."""

from __future__ import annotations

from typing import Any

from turnout import clock, ledger
from turnout.deps import Deps
from turnout.ledger import Phase, Result, deploy_row
from turnout.observability import logger
from turnout.reconcile import RECONCILE_GRACE_SECONDS, RECONCILE_TRIGGER, LostBuild, lost_build


def reconcile_builds(deps: Deps, grace: float = RECONCILE_GRACE_SECONDS) -> dict[str, Any] | None:
    """Start the deploy of the lost build, if there is one; what was started, or None.

    The claim is taken first (a conditional write on the build's row: the ECR push's Admit
    racing it deploys nothing twice), then the ledger row with the reason, then the
    execution, named after the attempt; a StartExecution that fails (throttled, denied)
    leaves the claim unstarted, so the next tick starts it again under the same name."""
    cfg = deps.config
    service = cfg.service_key
    now = clock.now()
    latest = deps.store.latest_build(service)
    if not latest:
        return None
    build = deps.store.get_build(service, str(latest.get("commitId") or ""))
    lost = lost_build(latest, build, now, grace)
    if lost is None:
        return None
    attempt_id = lost.pending_attempt or clock.new_attempt_id(now)
    if not lost.pending_attempt and not _claim(deps, lost, attempt_id, now):
        return None
    started = deps.sfn.start(
        cfg.deploy_state_machine_arn,
        attempt_id,
        {"reconcile": {"attemptId": attempt_id, "commitId": lost.commit_id}},
    )
    deps.store.mark_build_deploy_started(service, lost.commit_id)
    logger.warning(
        "lost build deployed by reconciliation",
        extra={"attempt": attempt_id, "commit": lost.commit_id, "execution": started},
    )
    return {"attemptId": attempt_id, "commitId": lost.commit_id, "digest": lost.digest}


def _claim(deps: Deps, lost: LostBuild, attempt_id: str, now: float) -> bool:
    service = deps.config.service_key
    holder = deps.store.claim_build(
        service,
        lost.commit_id,
        build_id=lost.build_id,
        digest=lost.digest,
        attempt_id=attempt_id,
        trigger=RECONCILE_TRIGGER,
        now=now,
    )
    if holder is not None:
        logger.info("lost build claimed meanwhile", extra={"commit": lost.commit_id})
        return False
    reason = lost.reason(now)
    deps.store.put_attempt(
        service,
        attempt_id,
        deploy_row(
            trigger=RECONCILE_TRIGGER,
            commitId=lost.commit_id,
            digest=lost.digest,
            buildId=lost.build_id,
            buildTrigger=lost.build_trigger,
            result=Result.QUEUED,
            phase=Phase.QUEUED,
            reason=reason,
            reconcileReason=reason,
        )
        | ledger.started(now),
    )
    return True
