"""`turnout redeploy`: replay archived ECR pushes to the deploy rule (EventBridge)."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from turnout_cli.errors import CliError, OperationFailed
from turnout_cli.ledger import is_push, record
from turnout_cli.ops.common import Follower, epoch, new_name, store_of
from turnout_cli.parsing import iso, short_commit, short_digest
from turnout_cli.session import Aws, error_code
from turnout_cli.stack import Stack


@dataclass(frozen=True)
class ReplayPlan:
    archive_name: str
    archive_arn: str
    bus_arn: str
    rule_arn: str
    start: datetime
    end: datetime
    pushes: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = ()
    digest: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "archiveName": self.archive_name,
            "archiveArn": self.archive_arn,
            "eventBusArn": self.bus_arn,
            "filterArns": [self.rule_arn],
            "eventStartTime": iso(self.start),
            "eventEndTime": iso(self.end),
            "digest": self.digest or None,
            "pushes": list(self.pushes),
            "notes": list(self.notes),
        }


#: How long before the ledger's ``startedAt`` a push's archived event may be timed.
DIGEST_LEAD_SECONDS = 15 * 60


def digest_window(
    rows: Sequence[Mapping[str, Any]], digest: str, now: datetime
) -> tuple[datetime, datetime, list[str]]:
    """A narrow window around the newest archived push of ``digest`` (pure).

    The ledger has when each push was received (``startedAt``); the archived event's own
    time is earlier by the delivery latency (seconds, more when EventBridge retried; on the
    sandbox's fast virtual clock, minutes), so the window opens ``DIGEST_LEAD_SECONDS``
    before. Neighbouring pushes are kept out of the window when their times differ.
    """
    pushes = [r for r in rows if is_push(r)]
    own = [r for r in pushes if r.get("digest") == digest]
    if not own:
        raise CliError(
            f"--digest {digest}: no push of it is recorded in the ledger, so none is in the "
            "archive "
            "(`turnout history` lists the recorded pushes)"
        )
    target = max(own, key=lambda r: float(r["startedAt"]))
    if target.get("eventTime"):  # the ledger kept the archived event's own time: exact
        exact = math.floor(float(target["eventTime"]))
        notes = [
            f"the push of {short_digest(digest)} (commit "
            f"{short_commit(str(target.get('commitId', '')))}) happened at {iso(float(exact))}; "
            f"replaying the narrow window {iso(float(exact))} .. {iso(float(exact + 1))} "
            "(the push event's own time, from the ledger)"
        ]
        return (
            datetime.fromtimestamp(exact, tz=UTC),
            datetime.fromtimestamp(exact + 1, tz=UTC),
            notes,
        )
    at = math.floor(float(target["startedAt"]))
    start, end = float(at - DIGEST_LEAD_SECONDS), float(at + 1)
    notes = [
        f"the push of {short_digest(digest)} (commit "
        f"{short_commit(str(target.get('commitId', '')))}) "
        f"was received at {iso(float(target['startedAt']))}; replaying the narrow window "
        f"{iso(start)} .. {iso(end)} "
        "around it"
    ]
    for other in pushes:
        if other.get("eventId") == target.get("eventId"):
            continue
        t = float(other["startedAt"])
        if start <= t < at:
            start = float(math.floor(t) + 1)
        elif at < t <= end and math.floor(t) > at:
            end = float(math.floor(t))
    end = min(end, now.timestamp())
    if start >= end:
        start = end - 1
    return datetime.fromtimestamp(start, tz=UTC), datetime.fromtimestamp(end, tz=UTC), notes


def pushes_between(
    rows: Sequence[Mapping[str, Any]], start: datetime, end: datetime, now: float
) -> list[dict[str, Any]]:
    lo, hi = start.timestamp(), end.timestamp()
    found = [r for r in rows if is_push(r) and lo <= float(r["startedAt"]) <= hi + 60]
    return [record(r, now) for r in sorted(found, key=lambda r: float(r["startedAt"]))]


def plan_replay(
    aws: Aws, stack: Stack, selection: tuple[datetime, datetime] | str, now: datetime
) -> ReplayPlan:
    stack.need("ImagePushArchiveName", "ImagePushRuleArn")
    archive_name = stack["ImagePushArchiveName"]
    events = aws.client("events")
    try:
        archive = events.describe_archive(ArchiveName=archive_name)
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise CliError(
                f"archive {archive_name!r} (stack output ImagePushArchiveName) does not exist "
                f"{aws.where()}"
            ) from None
        raise
    rows = store_of(aws, stack).attempts(stack.service, limit=1000)
    notes: list[str] = []
    digest = ""
    if isinstance(selection, str):
        digest = selection
        start, end, notes = digest_window(rows, digest, now)
        pushes = pushes_between(rows, start, end, now.timestamp())
        others = [p for p in pushes if p["digest"] != digest]
        if others:
            notes.append(
                "the window also holds pushes of "
                + ", ".join(short_digest(p["digest"]) for p in others)
                + ": they are replayed too (the queue keeps the latest)"
            )
    else:
        start, end = selection
        pushes = pushes_between(rows, start, end, now.timestamp())
    if int(archive.get("EventCount", 0) or 0) == 0 and archive.get("EventCount") is not None:
        raise CliError(f"archive {archive_name!r} holds no events yet: nothing to replay")
    if not pushes:
        raise CliError(
            f"no archived push between {iso(start)} and {iso(end)}: the ledger of {stack.service} "
            "records none there (widen --since or check `turnout history`)"
        )
    retention = int(archive.get("RetentionDays", 0) or 0)
    created = epoch(archive.get("CreationTime"))
    if retention:
        horizon = now - timedelta(days=retention)
        if end <= horizon:
            raise CliError(
                f"the window ends {iso(end)}, before the archive's {retention}-day retention: "
                "those events have expired"
            )
        if start < horizon:
            notes.append(
                f"events before {iso(horizon)} have expired from the archive ({retention}-day "
                "retention)"
            )
    if created and end.timestamp() < created:
        raise CliError(
            f"the window ends {iso(end)}, before archive {archive_name!r} was created "
            f"({iso(created)})"
        )
    return ReplayPlan(
        archive_name=archive_name,
        archive_arn=str(archive.get("ArchiveArn") or stack.get("ImagePushArchiveArn")),
        bus_arn=str(archive.get("EventSourceArn", "")),
        rule_arn=stack["ImagePushRuleArn"],
        start=start,
        end=end,
        pushes=tuple(pushes),
        notes=tuple(notes),
        digest=digest,
    )


def start_replay(aws: Aws, plan: ReplayPlan, now: float) -> dict[str, Any]:
    name = new_name("turnout-redeploy", now)
    what = f"digest {plan.digest}" if plan.digest else f"{len(plan.pushes)} push(es)"
    started = aws.client("events").start_replay(
        ReplayName=name,
        Description=f"turnout redeploy of {what} from {iso(plan.start)} to {iso(plan.end)}"[:512],
        EventSourceArn=plan.archive_arn,
        EventStartTime=plan.start,
        EventEndTime=plan.end,
        Destination={"Arn": plan.bus_arn, "FilterArns": [plan.rule_arn]},
    )
    return {
        "replayName": name,
        "replayArn": str(started.get("ReplayArn", "")),
        "state": str(started.get("State", "")),
    }


def follow_replay(aws: Aws, name: str, follower: Follower) -> dict[str, Any]:
    events = aws.client("events")
    while True:
        found: dict[str, Any] = events.describe_replay(ReplayName=name)
        state = str(found.get("State", ""))
        follower.tell(f"replay {name}: {state.lower()}")
        if state == "COMPLETED":
            return found
        if state in ("FAILED", "CANCELLED"):
            raise OperationFailed(
                f"replay {name} {state.lower()}: {found.get('StateReason', 'no reason given')}"
            )
        follower.pause(f"replay {name}")
