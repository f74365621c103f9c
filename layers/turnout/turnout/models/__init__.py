"""The event shapes turnout consumes, as frozen dataclasses (:mod:`turnout.shapes`).

EventBridge events subclass :class:`EventBridgeEnvelope`, the envelope fields of an
EventBridge event and the top-level ``replay-name`` EventBridge adds to replayed events (the
fields of Powertools' ``EventBridgeModel``). Detail shapes read AWS's exact field names
(``to_aws()`` gives them back), while Python code reads snake_case attributes.

Shapes pin ``source`` and ``detail-type``: an event routed to the wrong handler fails
with :class:`turnout.errors.InvalidEvent` instead of being misread. Unknown detail fields
are ignored (AWS adds fields over time); enumerations that AWS may extend (``event``,
``result``, ``build-status``, ``state`` ...) are plain strings, so the logic can log an
unexpected value as "ignored" rather than fail on it.

Use :func:`parse_event` to parse: its ``InvalidEvent`` message is one line that names the
event kind, and every field path with its bad value.

This module holds the envelope, the schedule's tick and the parsing; each source's shapes
have a module of their own (:mod:`~turnout.models.codecommit` with the manual build input,
:mod:`~turnout.models.ecr`, :mod:`~turnout.models.codebuild`,
:mod:`~turnout.models.codedeploy` with the lifecycle hook), imported by the function that
reads them: a dataclass costs its class creation at every cold start (about a millisecond
each), so a function creates only those of the events it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from turnout.errors import InvalidEvent
from turnout.shapes import (
    Problem,
    Shape,
    anything,
    key,
    mapping,
    read,
    show,
    text,
    texts,
    timestamp,
)

__all__ = [
    "COMMIT_ID_PATTERN",
    "IMAGE_DIGEST_PATTERN",
    "NAME",
    "TEXT",
    "EventBridgeEnvelope",
    "ScheduledEvent",
    "check_origin",
    "parse_event",
]

#: A full git commit id as CodeCommit reports it: 40 lowercase hex characters.
COMMIT_ID_PATTERN = r"^[0-9a-f]{40}$"
#: An ECR image manifest digest.
IMAGE_DIGEST_PATTERN = r"^sha256:[0-9a-f]{64}$"

#: Any string, and a non-empty one: the readers most fields use.
TEXT = text()
NAME = text(min_length=1)


@dataclass(frozen=True, kw_only=True)
class EventBridgeEnvelope(Shape):
    """The envelope of an EventBridge event (EventBridge User Guide, "Amazon EventBridge
    events": version, id, detail-type, source, account, time, region, resources, detail; a
    replayed event also carries ``replay-name``, "Replaying archived events")."""

    version: str = key("version", TEXT)
    id: str = key("id", TEXT)
    source: str = key("source", TEXT)
    account: str = key("account", TEXT)
    time: datetime = key("time", timestamp())
    region: str = key("region", TEXT)
    resources: tuple[str, ...] = key("resources", texts())
    detail_type: str = key("detail-type", TEXT)
    detail: Any = key("detail", anything())
    replay_name: str | None = key("replay-name", TEXT, default=None)


# --------------------------------------------------------------------------- schedule


@dataclass(frozen=True, kw_only=True)
class ScheduledEvent(EventBridgeEnvelope):
    """An EventBridge schedule rule's tick (``source`` aws.events, ``detail`` {})."""

    source: str = key("source", text(literal="aws.events"))
    detail_type: str = key("detail-type", text(literal="Scheduled Event"))
    detail: dict[str, Any] = key("detail", mapping())


# --------------------------------------------------------------------------- parsing


def _label(what: str) -> str:
    lowered = what.lower()
    return what if lowered.endswith(("event", "input")) else f"{what} event"


def _say(problem: Problem) -> str:
    where, what = problem
    return f"{where}: {what}" if where else what


def parse_event[S: Shape](shape: type[S], event: Mapping[str, Any], what: str) -> S:
    """Read ``event`` as ``shape``.

    Raises :class:`InvalidEvent` with a one-line message such as
    ``"ECR Image Action event: detail.image-digest: field required"``; ``what`` names the
    event kind (" event" is appended unless it already ends in "event" or "input").
    """
    label = _label(what)
    received: object = event  # Lambda payloads are any JSON value, whatever the type says
    if not isinstance(received, Mapping):
        kind = type(received).__name__
        raise InvalidEvent(f"{label}: expected a JSON object, got {kind} {show(received)}")
    problems: list[Problem] = []
    parsed = read(shape, received, "", problems)
    if parsed is None:
        raise InvalidEvent(f"{label}: {'; '.join(_say(p) for p in problems)}")
    return parsed


def check_origin(event: EventBridgeEnvelope, account: str, region: str, what: str) -> None:
    """Refuse an event from another account or region than the function's own.

    The default bus's resource policy may admit other accounts' events (EventBridge UG,
    "Sending and receiving events between AWS accounts"), and an event's top-level
    ``account`` and ``region`` are those of its source (EventBridge UG, "Amazon
    EventBridge events": the envelope fields): security-review row 13. An empty
    ``account`` (not known to the caller) skips the account check only."""
    label = _label(what)
    if account and event.account != account:
        raise InvalidEvent(
            f"{label}: account {event.account!r} is not this stack's account {account!r}"
        )
    if event.region != region:
        raise InvalidEvent(f"{label}: region {event.region!r} is not this stack's {region!r}")
