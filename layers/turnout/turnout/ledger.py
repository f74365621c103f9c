"""The ledger: one row per build or deploy attempt (``pk=SERVICE#<service>``,
``sk=ATTEMPT#<attemptId>``), written by the handlers and read by the CLI.

This module owns the row's vocabulary (the :class:`Phase` and :class:`Result` values the
handlers write and the CLI reads) and builds the row's fields; the store only writes them.
Pure: no AWS, no clock (times are passed in).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from turnout.clock import iso

if TYPE_CHECKING:
    from turnout.queue import Slot

__all__ = [
    "OUTCOMES",
    "RUNNING_RESULTS",
    "TERMINAL_RESULTS",
    "Kind",
    "Phase",
    "Result",
    "build_row",
    "deploy_row",
    "ended",
    "started",
]


class Kind(StrEnum):
    BUILD = "build"
    DEPLOY = "deploy"


class Result(StrEnum):
    """How an attempt ended (``result``), or ``running``/``queued`` while it has not."""

    RUNNING = "running"
    QUEUED = "queued"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    SUPERSEDED = "superseded"


class Phase(StrEnum):
    """Where an attempt is (``phase``); the CLI shows it while no execution state says more."""

    BUILDING = "building"
    BUILT = "built"
    QUEUED = "queued"
    RENDERING = "rendering"
    DEPLOYING = "deploying"
    TRAFFIC_SHIFTING = "traffic-shifting"
    #: DeploymentEngine=ecs, ApprovalBeforeProduction: paused before production traffic
    AWAITING_APPROVAL = "awaiting-approval"
    GATE = "gate"
    TERMINATING = "terminating"
    ROLLING_BACK = "rolling-back"
    # An attempt that ended is in the phase named by its result.
    SUCCEEDED = Result.SUCCEEDED.value
    FAILED = Result.FAILED.value
    ROLLED_BACK = Result.ROLLED_BACK.value
    REJECTED = Result.REJECTED.value
    DUPLICATE = Result.DUPLICATE.value
    SUPERSEDED = Result.SUPERSEDED.value


#: The outcomes Finish records (the state machines pass one of them).
OUTCOMES: tuple[str, ...] = tuple(
    r.value for r in (Result.SUCCEEDED, Result.FAILED, Result.ROLLED_BACK, Result.REJECTED)
)
#: Results after which an attempt changes no more.
TERMINAL_RESULTS: frozenset[str] = frozenset(
    (*OUTCOMES, Result.DUPLICATE.value, Result.SUPERSEDED.value)
)
#: Results of an attempt still on its way.
RUNNING_RESULTS: frozenset[str] = frozenset((Result.RUNNING.value, Result.QUEUED.value))


def started(at: float) -> dict[str, Any]:
    """``startedAt`` and its ISO form."""
    return {"startedAt": at, "startedAtIso": iso(at)}


def ended(started_at: float, now: float) -> dict[str, Any]:
    """``endedAt``, its ISO form and ``durationSeconds`` since ``started_at``."""
    return {
        "endedAt": now,
        "endedAtIso": iso(now),
        "durationSeconds": round(now - started_at, 3),
    }


def deploy_row(
    attempt: Slot | None = None,
    *,
    execution_arn: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """The fields of a deploy row: the attempt's identity, then ``fields``.

    ``execution_arn`` overrides the attempt's own (Finish records the execution that ends
    it); without an attempt (a push rejected before it was read) only ``fields`` and the
    kind are written.
    """
    row: dict[str, Any] = {"kind": Kind.DEPLOY.value}
    if attempt is not None:
        row |= {
            "trigger": attempt.trigger,
            "commitId": attempt.commit_id,
            "digest": attempt.digest,
            "imageUri": attempt.image_uri,
            "eventId": attempt.event_id,
            "replayName": attempt.replay_name or "",
            "executionArn": attempt.execution_arn if execution_arn is None else execution_arn,
        }
        if attempt.event_time:
            row["eventTime"] = attempt.event_time
    elif execution_arn is not None:
        row["executionArn"] = execution_arn
    return row | _plain(fields)


def build_row(**fields: Any) -> dict[str, Any]:
    """The fields of a build row."""
    return {"kind": Kind.BUILD.value} | _plain(fields)


def _plain(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Enum members as their plain values (the store writes strings)."""
    return {k: v.value if isinstance(v, StrEnum) else v for k, v in fields.items()}
