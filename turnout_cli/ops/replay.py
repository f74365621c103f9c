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
from turnout_cli.parsing import human_duration, iso, short_commit, short_digest
from turnout_cli.session import Aws, error_code, error_message
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
    #: every push the ledger records in the selection (the preview); ``pushes`` is what the
    #: narrowed window replays
    listed: tuple[dict[str, Any], ...] = ()
    #: how long until the window is old enough to be in the archive (row 24); None: it is
    ready_in: timedelta | None = None

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
#: The margin on both sides of a push's own event time (aws-fidelity row 28): StartReplay
#: selects "events that occurred between" EventStartTime and EventEndTime, the end exclusive
#: ("Any event with a creation time prior to the EventEndTime", EventBridge API Reference,
#: ``Replay``); whether the start is inclusive is not documented, so the event's own second
#: is never on an edge of the window: ``[T-2s, T+2s)``.
EVENT_MARGIN_SECONDS = 2
#: "There may be a delay between an event being received on an event bus and the event
#: arriving in the archive. We recommend you delay replaying archived events for 10 minutes."
#: (EventBridge User Guide, "Archiving and replaying events", section "Event delivery").
ARCHIVE_DELAY = timedelta(minutes=10)
#: How many of the newest ledger rows a ``--digest`` search reads (a window reads its range).
DIGEST_SEARCH_ROWS = 1000


def event_time(row: Mapping[str, Any]) -> float | None:
    """The push event's own time as the ledger kept it (what StartReplay selects on)."""
    value = row.get("eventTime")
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _when(row: Mapping[str, Any]) -> float:
    """A push's time for ordering: its event's own time, else when the ledger received it."""
    found = event_time(row)
    return found if found is not None else float(row["startedAt"])


def _describe(row: Mapping[str, Any]) -> str:
    return (
        f"{short_digest(str(row.get('digest', '')))} (commit "
        f"{short_commit(str(row.get('commitId', '')))})"
    )


def push_window(
    rows: Sequence[Mapping[str, Any]], target: Mapping[str, Any], now: datetime
) -> tuple[datetime, datetime, list[str]]:
    """The narrow window that replays the push ``target`` (pure).

    With the event's own time ``T`` (kept by Admit as ``eventTime``): ``[T-2s, T+2s)``, and
    any other push inside it is named (row 28). Without it, the ledger's receive time stands
    in: the archived event is earlier by the delivery latency (seconds, more when EventBridge
    retried; on the sandbox's fast virtual clock, minutes), so the window opens
    ``DIGEST_LEAD_SECONDS`` before, and neighbouring pushes are kept out when their times
    differ.
    """
    pushes = [r for r in rows if is_push(r)]
    what = _describe(target)
    exact = event_time(target)
    if exact is not None:
        moment = math.floor(exact)
        start = float(moment - EVENT_MARGIN_SECONDS)
        end = float(moment + EVENT_MARGIN_SECONDS)
        notes = [
            f"the push of {what} happened at {iso(float(moment))}; replaying the narrow window "
            f"{iso(start)} .. {iso(end)} (its event's own time from the ledger, "
            f"{EVENT_MARGIN_SECONDS}s either side)"
        ]
        inside = [
            r
            for r in pushes
            if r.get("eventId") != target.get("eventId") and start <= _when(r) < end
        ]
        if inside:
            notes.append(
                "the window also holds the push(es) of "
                + ", ".join(_describe(r) for r in inside)
                + ": they are replayed too, and the last delivered one ends up serving"
            )
        return (
            datetime.fromtimestamp(start, tz=UTC),
            datetime.fromtimestamp(end, tz=UTC),
            notes,
        )
    at = math.floor(float(target["startedAt"]))
    start, end = float(at - DIGEST_LEAD_SECONDS), float(at + 1)
    notes = [
        f"the push of {what} was received at {iso(float(target['startedAt']))}; replaying the "
        f"narrow window {iso(start)} .. {iso(end)} around it"
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


def digest_window(
    rows: Sequence[Mapping[str, Any]], digest: str, now: datetime
) -> tuple[datetime, datetime, list[str]]:
    """The narrow window around the newest recorded push of ``digest`` (pure)."""
    own = [r for r in rows if is_push(r) and r.get("digest") == digest]
    if not own:
        raise CliError(
            f"--digest {digest}: no push of it is recorded in the ledger's newest "
            f"{DIGEST_SEARCH_ROWS} attempts, so none is in the archive "
            "(`turnout history` lists the recorded pushes; --from/--to reaches older ones)"
        )
    return push_window(rows, max(own, key=_when), now)


def in_window(row: Mapping[str, Any], lo: float, hi: float) -> bool:
    """Whether StartReplay over ``[lo, hi)`` sends this push: on its event's own time when
    the ledger has it (row 29), else on the receive time (with 60 s of slack)."""
    exact = event_time(row)
    if exact is not None:
        return lo <= exact < hi
    return lo <= float(row["startedAt"]) <= hi + 60


def pushes_between(
    rows: Sequence[Mapping[str, Any]], start: datetime, end: datetime, now: float
) -> list[dict[str, Any]]:
    lo, hi = start.timestamp(), end.timestamp()
    found = [r for r in rows if is_push(r) and in_window(r, lo, hi)]
    return [record(r, now) for r in sorted(found, key=_when)]


def newest_only(
    rows: Sequence[Mapping[str, Any]], start: datetime, end: datetime, now: datetime
) -> tuple[datetime, datetime, list[str], list[dict[str, Any]]]:
    """A ``--since``/``--from`` window narrowed to its newest push (pure; aws-fidelity row 27).

    EventBridge replays "based on the time in the event, and replays them using 1 minute
    intervals", not "in the exact same order that they were added to the archive" (UG
    "Replaying archived events"; API Reference, StartReplay): several pushes replayed at
    once could leave an older digest serving, and the first one deploys at once. So only the
    newest push is replayed, in its own window; returns it and the window's recorded pushes.
    """
    lo, hi = start.timestamp(), end.timestamp()
    listed = [r for r in rows if is_push(r) and in_window(r, lo, hi)]
    if not listed:
        return start, end, [], []
    newest = max(listed, key=_when)
    narrow_start, narrow_end, notes = push_window(rows, newest, now)
    if len(listed) > 1:
        notes.insert(
            0,
            f"the window holds {len(listed)} pushes: only the newest, {_describe(newest)}, "
            "is replayed (EventBridge does not replay a window in order, so an older digest "
            "could end up serving); `turnout redeploy --digest` redeploys another",
        )
    return narrow_start, narrow_end, notes, [record(r, now.timestamp()) for r in listed]


def young_window(end: datetime, now: datetime, at_least: timedelta) -> timedelta | None:
    """How long until a window ending at ``end`` is ``at_least`` old; None when it is (pure).

    Events reach the archive up to minutes after the bus (:data:`ARCHIVE_DELAY`): a replay of
    a younger window can reach COMPLETED having sent nothing (aws-fidelity row 24)."""
    ready = end + at_least
    return ready - now if ready > now else None


def _ledger_rows(
    aws: Aws, stack: Stack, selection: tuple[datetime, datetime] | str
) -> list[dict[str, Any]]:
    """The ledger rows a selection needs: a window's own range of attempt ids (row 29: the
    newest 1000 rows may not reach an old window), or the newest rows for ``--digest``."""
    from turnout_cli.ops.ledger_query import attempts_between, newest_attempts

    store = store_of(aws, stack)
    if isinstance(selection, str):
        return newest_attempts(store, stack.service, DIGEST_SEARCH_ROWS)
    start, end = selection
    # an attempt id is made when the push is received, after the event's own time
    return attempts_between(
        store, stack.service, start.timestamp(), end.timestamp() + DIGEST_LEAD_SECONDS
    )


def plan_replay(
    aws: Aws,
    stack: Stack,
    selection: tuple[datetime, datetime] | str,
    now: datetime,
    at_least: timedelta = ARCHIVE_DELAY,
) -> ReplayPlan:
    """What StartReplay will replay; CliError when it would replay nothing (or too young a
    window: ``at_least``, see :func:`young_window`)."""
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
    rows = _ledger_rows(aws, stack, selection)
    notes: list[str] = []
    digest = ""
    listed: list[dict[str, Any]] = []
    if isinstance(selection, str):
        digest = selection
        start, end, notes = digest_window(rows, digest, now)
    else:
        start, end, notes, listed = newest_only(rows, *selection, now)
        if not listed:
            raise CliError(
                f"no archived push between {iso(selection[0])} and {iso(selection[1])}: the "
                f"ledger of {stack.service} records none there (widen --since or check "
                "`turnout history`)"
            )
    pushes = pushes_between(rows, start, end, now.timestamp())
    if not pushes:
        raise CliError(
            f"no archived push between {iso(start)} and {iso(end)}: the ledger of {stack.service} "
            "records none there (widen --since or check `turnout history`)"
        )
    if int(archive.get("EventCount", 0) or 0) == 0 and archive.get("EventCount") is not None:
        # "EventCount and SizeBytes have a reconciliation period of 24 hours" (EventBridge UG,
        # "Archiving and replaying events"): a fresh archive reads 0 while holding the pushes
        # the ledger lists, so this is a note, never a refusal (aws-fidelity row 23)
        notes.append(
            f"archive {archive_name!r} reports 0 events: its count lags up to 24 hours, so "
            "this replay goes ahead on the ledger's record"
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
        listed=tuple(listed or pushes),
        ready_in=young_window(end, now, at_least),
    )


#: EventBridge's quota of active replays per account and Region (UG "Replaying archived
#: events": "a maximum of 10 active concurrent replays per account per AWS Region").
ACTIVE_REPLAY_LIMIT = 10


def start_replay(aws: Aws, plan: ReplayPlan, now: float) -> dict[str, Any]:
    """StartReplay under a fresh name.

    botocore's standard retry mode re-sends a request whose answer was lost (a read timeout,
    a 5xx: botocore/retries/standard.py ``TransientRetryableChecker``); when the first try had
    been applied, the retry answers ResourceAlreadyExistsException for the name this call
    just made. That replay is this command's own: DescribeReplay it and carry on
    (aws-fidelity row 35)."""
    name = new_name("turnout-redeploy", now)
    what = f"digest {plan.digest}" if plan.digest else f"{len(plan.pushes)} push(es)"
    events = aws.client("events")
    try:
        started = events.start_replay(
            ReplayName=name,
            Description=f"turnout redeploy of {what} from {iso(plan.start)} to {iso(plan.end)}"[
                :512
            ],
            EventSourceArn=plan.archive_arn,
            EventStartTime=plan.start,
            EventEndTime=plan.end,
            Destination={"Arn": plan.bus_arn, "FilterArns": [plan.rule_arn]},
        )
    except Exception as exc:
        code = error_code(exc)
        if code == "ResourceAlreadyExistsException":
            found = events.describe_replay(ReplayName=name)
            if str(found.get("EventSourceArn", "")) != plan.archive_arn:
                raise
            started = found
        elif code == "LimitExceededException":
            raise OperationFailed(
                f"StartReplay failed: {code}: {error_message(exc)} (EventBridge runs at most "
                f"{ACTIVE_REPLAY_LIMIT} active replays per account and Region, other teams' "
                "included: wait for one to end, see `aws events list-replays --state "
                "RUNNING`, then retry)"
            ) from None
        else:
            raise
    return {
        "replayName": name,
        "replayArn": str(started.get("ReplayArn", "")),
        "state": str(started.get("State", "")),
    }


def no_push_message(name: str, grace_seconds: float) -> str:
    """Why ``--wait`` gives up when a COMPLETED replay's pushes never reach the ledger within
    the grace period (``redeploy --grace``, 3 minutes unless told): a window younger than
    the archive's lag replays nothing and still completes (row 24)."""
    return (
        f"replay {name} completed, but the replay delivered no push (archive lag?): none "
        f"reached the ledger within {human_duration(grace_seconds)}. EventBridge may "
        "take up to 10 minutes to archive an event; retry later (see --at-least)"
    )


def wait_until_archived(
    aws: Aws, plan: ReplayPlan, at_least: timedelta, follower: Follower
) -> None:
    """Wait until the window is ``at_least`` old on the service's clock (row 24).

    Each DescribeArchive refreshes the service's time (its ``Date``): the sandbox's virtual
    clock runs ahead of the wall clock, AWS's close to it."""
    ready = (plan.end + at_least).timestamp()
    events = aws.client("events")
    while aws.now() < ready:
        follower.tell(
            f"waiting until {iso(ready)} for the archive to hold the window "
            f"(EventBridge recommends replaying after {ARCHIVE_DELAY.seconds // 60} minutes)"
        )
        follower.pause("the archive")
        events.describe_archive(ArchiveName=plan.archive_name)


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
