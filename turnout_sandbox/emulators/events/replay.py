"""Archives and replays as AWS runs them, on top of moto's ``Archive`` and ``Replay``.

Archives record every matching event that is not a replay (see
:mod:`turnout_sandbox.emulators.events.delivery`). ``StartReplay`` validates like AWS, then
replays, on the virtual clock, the archived events whose ``time`` lies in
``[EventStartTime, EventEndTime)`` in time order, each with a new ``id`` and a top-level
``replay-name``, to the rules of the destination bus (only those in
``Destination.FilterArns`` when given). The replay moves STARTING -> RUNNING -> COMPLETED (or
CANCELLED / FAILED) and reports ``EventLastReplayedTime``.
AWS's rules: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_StartReplay.html
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

from moto.events.exceptions import (
    IllegalStatusException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ValidationException,
)
from moto.events.models import Archive, EventBus, EventsBackend, Replay, ReplayState

from turnout_sandbox.emulators.events.common import (
    LOCK,
    arn_parts,
    epoch,
    event_epoch,
    iso,
    log,
    now,
    rule_receives,
)
from turnout_sandbox.emulators.events.delivery import archive_rules, deliver_to_rule
from turnout_sandbox.runtime import get_runtime, has_runtime

__all__ = [
    "REPLAY_START_DELAY",
    "EmulatedReplay",
    "cancel_replay",
    "list_replays",
    "start_replay",
]

#: Virtual seconds between StartReplay and the replay leaving STARTING.
REPLAY_START_DELAY: Final = 1.0


class EmulatedReplay(Replay):
    """moto's Replay with AWS's time window, filter, progress and state reporting."""

    def __init__(
        self,
        backend: EventsBackend,
        *,
        name: str,
        description: str,
        source_arn: str,
        window: tuple[float, float],
        destination: dict[str, Any],
    ) -> None:
        super().__init__(
            backend.account_id,
            backend.region_name,
            name,
            description,
            source_arn,
            iso(window[0]),
            iso(window[1]),
            destination,
        )
        self.window = window
        self.start_time = now()
        self.last_replayed: float | None = None
        self.state_reason: str | None = None

    def describe_short(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "ReplayName": self.name,
            "EventSourceArn": self.source_arn,
            "State": self.state.value,
            "EventStartTime": self.window[0],
            "EventEndTime": self.window[1],
            "ReplayStartTime": self.start_time,
        }
        optional = {
            "StateReason": self.state_reason,
            "EventLastReplayedTime": self.last_replayed,
            "ReplayEndTime": self.end_time,
        }
        result.update({k: v for k, v in optional.items() if v is not None})
        return result


def _validate_filter_arns(backend: EventsBackend, bus: EventBus, arns: Any) -> list[str]:
    if arns is None:
        return []
    if not isinstance(arns, list) or not all(isinstance(a, str) for a in arns):
        raise ValidationException(
            "Parameter Destination.FilterArns is not valid. "
            f"Reason: {arns!r} is not a list of ARNs."
        )
    known = {rule.arn for rule in bus.rules.values()} - {
        rule.arn for a in backend.archives.values() if (rule := a.rule) is not None
    }
    for arn in arns:
        service, _, _, resource = arn_parts(arn)
        if service != "events" or not resource.startswith("rule/"):
            raise ValidationException(
                f"Parameter Destination.FilterArns is not valid. Reason: {arn!r} is not a rule ARN."
            )
        if arn not in known:
            raise ResourceNotFoundException(
                f"Rule {arn} does not exist on event bus {bus.name} (Destination.FilterArns)."
            )
    return list(arns)


def start_replay(  # noqa: PLR0917 - moto's handler calls it positionally
    self: EventsBackend,
    name: str,
    description: str,
    source_arn: str,
    start_time: Any,
    end_time: Any,
    destination: dict[str, Any],
) -> dict[str, Any]:
    if not name:
        raise ValidationException("Parameter ReplayName is not valid. Reason: it is required.")
    if name in self.replays:
        raise ResourceAlreadyExistsException(f"Replay {name} already exists.")
    if not source_arn or ":archive/" not in source_arn:
        raise ValidationException(
            f"Parameter EventSourceArn is not valid. Reason: {source_arn!r} is not an archive ARN."
        )
    archive_name = source_arn.rsplit(":archive/", maxsplit=1)[-1]
    archive = self.archives.get(archive_name)
    if archive is None or archive.arn != source_arn:
        raise ResourceNotFoundException(f"Archive {archive_name} does not exist.")
    if not isinstance(destination, dict) or not destination.get("Arn"):
        raise ValidationException(
            "Parameter Destination.Arn is not valid. Reason: Must contain an event bus ARN."
        )
    service, _, account, resource = arn_parts(str(destination["Arn"]))
    if service != "events" or not resource.startswith("event-bus/") or not account:
        raise ValidationException(
            "Parameter Destination.Arn is not valid. Reason: Must contain an event bus ARN."
        )
    bus = self.describe_event_bus(str(destination["Arn"]))
    if destination["Arn"] != archive.source_arn:
        raise ValidationException(
            "Parameter Destination.Arn is not valid. "
            "Reason: Cross event bus replay is not permitted."
        )
    if start_time is None or end_time is None:
        raise ValidationException(
            "Parameter EventStartTime/EventEndTime is not valid. Reason: both are required."
        )
    window = (epoch(start_time, "EventStartTime"), epoch(end_time, "EventEndTime"))
    if window[0] >= window[1]:
        raise ValidationException(
            "Parameter EventEndTime is not valid. "
            "Reason: EventStartTime must be before EventEndTime."
        )
    _validate_filter_arns(self, bus, destination.get("FilterArns"))
    replay = EmulatedReplay(
        self,
        name=name,
        description=description,
        source_arn=source_arn,
        window=window,
        destination=dict(destination),
    )
    self.replays[name] = replay
    _later(REPLAY_START_DELAY, lambda: _run_replay(self, replay, archive), f"replay-{name}")
    return {
        "ReplayArn": replay.arn,
        "ReplayStartTime": replay.start_time,
        "State": ReplayState.STARTING.value,
    }


def _later(virtual_seconds: float, fn: Callable[[], None], name: str) -> None:
    if has_runtime():
        get_runtime().clock.call_later(virtual_seconds, fn, name)
    else:
        threading.Thread(target=fn, name=name, daemon=True).start()


def _replay_one(
    backend: EventsBackend, bus_name: str, event: Mapping[str, Any], filter_arns: set[str]
) -> None:
    bus = backend.describe_event_bus(bus_name)
    skip = archive_rules(backend)
    for rule in list(bus.rules.values()):
        if id(rule) in skip or (filter_arns and rule.arn not in filter_arns):
            continue
        if rule_receives(rule, event):
            deliver_to_rule(rule, event, now())


def _cancelled(replay: EmulatedReplay) -> bool:
    with LOCK:
        if replay.state is ReplayState.CANCELLING:
            replay.state = ReplayState.CANCELLED
            replay.end_time = now()
            return True
        return False


def _run_replay(backend: EventsBackend, replay: EmulatedReplay, archive: Archive) -> None:
    if _cancelled(replay):
        return
    with LOCK:
        replay.state = ReplayState.RUNNING
        archived = [dict(e) for e in archive.events]
    start, end = replay.window
    chosen = sorted((e for e in archived if start <= event_epoch(e) < end), key=event_epoch)
    filter_arns = set(replay.destination.get("FilterArns") or [])
    bus_name = str(replay.destination["Arn"]).split("/")[-1]
    try:
        for event in chosen:
            if _cancelled(replay):
                return
            replayed = copy.deepcopy(event)
            replayed["id"] = str(uuid.uuid4())
            replayed["replay-name"] = replay.name
            _replay_one(backend, bus_name, replayed, filter_arns)
            replay.last_replayed = event_epoch(event)
    except Exception as exc:
        with LOCK:
            replay.state = ReplayState.FAILED
            replay.state_reason = f"{type(exc).__name__}: {exc}"
            replay.end_time = now()
        log(f"replay {replay.name} failed: {replay.state_reason}")
        return
    with LOCK:
        replay.state = ReplayState.COMPLETED
        replay.end_time = now()
    log(f"replay {replay.name} completed: {len(chosen)} event(s) replayed")


def cancel_replay(self: EventsBackend, name: str) -> dict[str, str]:
    replay = self.replays.get(name)
    if replay is None:
        raise ResourceNotFoundException(f"Replay {name} does not exist.")
    with LOCK:
        if replay.state not in (ReplayState.STARTING, ReplayState.RUNNING):
            raise IllegalStatusException(
                f"Replay {name} is not in a valid state for this operation (state "
                f"{replay.state.value})."
            )
        replay.state = ReplayState.CANCELLING
    return {"ReplayArn": replay.arn, "State": ReplayState.CANCELLING.value}


def list_replays(
    self: EventsBackend, name_prefix: str | None, source_arn: str | None, state: str | None
) -> list[dict[str, Any]]:
    if [name_prefix, source_arn, state].count(None) < 2:
        raise ValidationException(
            "At most one filter is allowed for ListReplays. "
            "Use either : State, EventSourceArn, or NamePrefix."
        )
    valid = sorted(s.value for s in ReplayState)
    if state is not None and state not in valid:
        raise ValidationException(
            f"1 validation error detected: Value '{state}' at 'state' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(valid)}]"
        )
    return [
        replay.describe_short()
        for replay in list(self.replays.values())
        if (name_prefix is None or replay.name.startswith(name_prefix))
        and (source_arn is None or replay.source_arn == source_arn)
        and (state is None or replay.state.value == state)
    ]
