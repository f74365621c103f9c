"""Reconciliation of lost ECR push events (pure): which build succeeded, recorded its digest,
and never started a deploy, so the gate tick deploys it.

ECR sends its events to EventBridge best effort: "in some rare cases an event might not be
delivered" (EventBridge User Guide, "Event delivery from AWS services"). Finish records each
successful build (``BUILD#<commit>``: its build id, digest and ``builtAt``) and points
``LATEST_BUILD`` at the newest; whatever starts a deploy of that build (Admit for the ECR
push, the tick for a reconciliation) first *claims* the build with a conditional write
(``deployBuildId``/``deployAttemptId``/``deployTrigger``), so the two paths racing deploy it
once: the loser is a duplicate.

Rules (:func:`lost_build`):

- only the newest successful build (``LATEST_BUILD``) is ever reconciled: once a newer build
  exists, an older one whose event was lost stays undeployed (newest wins, as the queue does);
- only this stack's builds (provenance): the build row Finish wrote, with its digest; the
  deploy re-checks it (ResolveImage) like any push, manual mode included;
- only after :data:`RECONCILE_GRACE_SECONDS` since the build was recorded: the push event
  normally arrives first, and its execution may still be on its way: ResolveImage retrying
  ``ImageProvenancePending`` (ASL: 8 attempts, 10 s x 1.5^n, the last about 170 s after the
  one before), then Admit's own retries (1 s doubling, 6 attempts: about 63 s) and their task
  timeouts. Racing it is safe (the claim), only wasteful: the grace makes it rare;
- a build claimed by a reconciliation whose StartExecution never went through is started
  again under the same attempt (StartExecution is idempotent by name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "CLAIM_ATTEMPT",
    "CLAIM_BUILD",
    "CLAIM_STARTED",
    "CLAIM_TRIGGER",
    "RECONCILE_GRACE_SECONDS",
    "RECONCILE_TRIGGER",
    "LostBuild",
    "claim_holder",
    "lost_build",
]

#: How long after a build was recorded its push event may still come (see the module doc).
RECONCILE_GRACE_SECONDS: Final = 600.0
#: The ledger trigger of a deploy the reconciliation started.
RECONCILE_TRIGGER: Final = "reconcile"

#: The claim's attributes on the BUILD# row.
CLAIM_BUILD: Final = "deployBuildId"
CLAIM_ATTEMPT: Final = "deployAttemptId"
CLAIM_TRIGGER: Final = "deployTrigger"
CLAIM_STARTED: Final = "deployStarted"


@dataclass(frozen=True)
class LostBuild:
    """A successful build whose image never started a deploy."""

    commit_id: str
    build_id: str
    digest: str
    built_at: float
    build_trigger: str  # push | manual: how the build itself was started
    #: a reconciliation's attempt that claimed the build but whose execution never started
    pending_attempt: str = ""

    def reason(self, now: float) -> str:
        short = self.digest.removeprefix("sha256:")[:12]
        return (
            f"build {self.build_id} of commit {self.commit_id[:12]} pushed digest {short} "
            f"{now - self.built_at:.0f} s ago and no ECR push event started its deploy "
            "(ECR delivers events best effort): deployed by reconciliation"
        )


def claim_holder(build: Mapping[str, Any]) -> tuple[str, str] | None:
    """(attempt, trigger) of the deploy that claimed this build's run (``buildId``), or None."""
    if not build.get(CLAIM_BUILD) or build.get(CLAIM_BUILD) != build.get("buildId"):
        return None
    return str(build.get(CLAIM_ATTEMPT, "")), str(build.get(CLAIM_TRIGGER, ""))


def lost_build(
    latest: Mapping[str, Any] | None,
    build: Mapping[str, Any] | None,
    now: float,
    grace: float = RECONCILE_GRACE_SECONDS,
) -> LostBuild | None:
    """The build to deploy by reconciliation, or None: ``latest`` is the ``LATEST_BUILD``
    pointer, ``build`` the ``BUILD#<commit>`` row it names."""
    if not latest or not build:
        return None
    build_id = str(build.get("buildId") or "")
    digest = str(build.get("digest") or "")
    built_at = float(build.get("builtAt") or 0.0)
    if (
        build_id != str(latest.get("buildId") or "")  # a newer run of the commit is under way
        or build.get("buildResult") != "succeeded"
        or not digest
        or not built_at  # recorded before reconciliation existed: never redeployed
        or now - built_at < grace
    ):
        return None
    pending = ""
    holder = claim_holder(build)
    if holder is not None:
        attempt, trigger = holder
        if trigger != RECONCILE_TRIGGER or build.get(CLAIM_STARTED):
            return None  # its deploy started: the push's or ours
        pending = attempt
    return LostBuild(
        commit_id=str(latest.get("commitId") or ""),
        build_id=build_id,
        digest=digest,
        built_at=built_at,
        build_trigger=str(build.get("trigger") or "push"),
        pending_attempt=pending,
    )
