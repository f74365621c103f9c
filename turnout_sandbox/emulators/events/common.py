"""What every part of the EventBridge emulator shares: the virtual clock, the log, ISO times,
ARNs, moto's pattern matcher, and the one lock over emulated state."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, cast

from moto.events.exceptions import ValidationException
from moto.events.models import EventPattern, Rule

from turnout_sandbox.runtime import get_runtime, has_runtime

if TYPE_CHECKING:
    from moto.events.utils import EventMessageType

__all__ = [
    "ENABLED_STATES",
    "LOCK",
    "arn_parts",
    "epoch",
    "event_epoch",
    "iso",
    "log",
    "matches",
    "now",
    "rule_receives",
]

#: Rule states in which AWS delivers events to a rule's targets.
ENABLED_STATES: Final = frozenset({"ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"})
#: Guards what the emulator changes on moto's objects and its own backends (archived events,
#: replay states, the delivery log, rule creation times).
LOCK: Final = threading.RLock()


def now() -> float:
    return get_runtime().clock.now() if has_runtime() else time.time()


def log(message: str) -> None:
    if has_runtime():
        get_runtime().log("events", message)


def iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(value: Any, field: str) -> float:
    """A timestamp from the wire (epoch seconds, or an ISO 8601 string) as epoch seconds."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
    raise ValidationException(
        f"Parameter {field} is not valid. Reason: {value!r} is not a timestamp."
    )


def event_epoch(event: Mapping[str, Any]) -> float:
    return epoch(event.get("time"), "time")


def matches(pattern: EventPattern, event: Mapping[str, Any]) -> bool:
    return bool(pattern.matches_event(cast("EventMessageType", dict(event))))


def rule_receives(rule: Rule, event: Mapping[str, Any]) -> bool:
    """An ENABLED rule with an event pattern that matches (schedule-only rules match nothing)."""
    if rule.state not in ENABLED_STATES or not rule.event_pattern.get_pattern():
        return False
    return matches(rule.event_pattern, event)


def arn_parts(arn: str) -> tuple[str, str, str, str]:
    """(service, region, account, resource) of an ARN; empty strings when malformed."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return "", "", "", ""
    return parts[2], parts[3], parts[4], parts[5]
