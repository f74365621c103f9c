"""The moto EventBridge methods the emulator replaces, thin: they check the request like AWS
and hand the work to delivery, replay and the scheduler; and :data:`PATCHES`, the list of
them, with :data:`INTERNALS`, the private moto names still read.

They replace methods of moto's ``EventsBackend`` (and ``Rule.send_to_targets``) rather than
of ``EventsHandler`` alone, so that PutEvents behaves the same in-process, over HTTP, from
state machine tasks and from moto's own services (S3 notifications call ``send_to_targets``).
"""

from __future__ import annotations

import inspect
import json
import uuid
from collections.abc import Mapping
from typing import Any, Final

from moto.events.exceptions import InvalidEventPatternException, ValidationException
from moto.events.models import EventPattern, EventsBackend, Rule
from moto.events.responses import EventsHandler

from turnout_sandbox.emulators.events.common import epoch, iso, matches, now, rule_receives
from turnout_sandbox.emulators.events.delivery import deliver_to_rule, ingest
from turnout_sandbox.emulators.events.models import emulator_backend
from turnout_sandbox.emulators.events.replay import cancel_replay, list_replays, start_replay
from turnout_sandbox.emulators.events.schedule import ScheduleExpressionError, parse_schedule
from turnout_sandbox.emulators.events.scheduler import ensure_running, rescan_now
from turnout_sandbox.patches import AttributePatch, Internal

__all__ = ["INTERNALS", "PATCHES"]

_TEST_EVENT_REQUIRED: Final = (
    "id",
    "account",
    "source",
    "time",
    "region",
    "resources",
    "detail-type",
)

#: moto's own PutRule, captured before any patch: the emulated one validates, then calls it.
_MOTO_PUT_RULE: Final = EventsBackend.put_rule


# ---------------------------------------------------------------------- patched PutEvents
def _entry_error(entry: Mapping[str, Any]) -> dict[str, str] | None:
    for field in ("Source", "DetailType", "Detail"):
        if not entry.get(field):
            return {
                "ErrorCode": "InvalidArgument",
                "ErrorMessage": f"Parameter {field} is not valid. "
                f"Reason: {field} is a required argument.",
            }
    try:
        detail = json.loads(entry["Detail"])
    except (TypeError, ValueError):
        return {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    if not isinstance(detail, dict):
        return {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    return None


def _bus_name(event_bus: str | None) -> str:
    """EventBusName (a name or an ARN) as a bus name, the way moto's backend reads it."""
    return "default" if event_bus is None else event_bus.split("/")[-1]


def _put_events(self: EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(events) > 10:
        raise ValidationException(
            "1 validation error detected: Value '[PutEventsRequestEntry]' at 'entries' failed "
            "to satisfy constraint: Member must have length less than or equal to 10"
        )
    results: list[dict[str, Any]] = []
    for entry in events:
        error = _entry_error(entry)
        if error is not None:
            results.append(error)
            continue
        bus_name = _bus_name(entry.get("EventBusName"))
        self.describe_event_bus(bus_name)  # ResourceNotFoundException for an unknown bus
        ingestion_time = now()
        at = epoch(entry["Time"], "Time") if entry.get("Time") is not None else ingestion_time
        event_id = str(uuid.uuid4())
        event: dict[str, Any] = {
            "version": "0",
            "id": event_id,
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": self.account_id,
            "time": iso(at),
            "region": self.region_name,
            "resources": list(entry.get("Resources") or []),
            "detail": json.loads(entry["Detail"]),
        }
        results.append({"EventId": event_id})
        ingest(self, bus_name, event, ingestion_time)
    return results


def _rule_send_to_targets(
    self: Rule, original_event: Mapping[str, Any], transform_input: bool = True
) -> None:
    """moto's other services (S3 notifications) deliver through here: do it like AWS."""
    del transform_input  # targets always get their configured input on AWS
    event = dict(original_event)
    event.pop("ingestion-time", None)
    if isinstance(event.get("time"), (int, float)):
        event["time"] = iso(float(event["time"]))
    if rule_receives(self, event):
        deliver_to_rule(self, event, now())


# ----------------------------------------------------------------------- TestEventPattern
def _test_event_pattern(self: EventsBackend, event_pattern: Any, event: Any) -> bool:
    del self
    if not event_pattern:
        raise ValidationException("Parameter EventPattern is not valid. Reason: it is required.")
    if not event:
        raise ValidationException("Parameter Event is not valid. Reason: it is required.")
    try:
        raw_pattern = json.loads(event_pattern)
    except (TypeError, ValueError) as exc:
        raise InvalidEventPatternException(reason="Filter is not valid JSON") from exc
    if not isinstance(raw_pattern, dict):
        raise InvalidEventPatternException(reason="Filter is not an object")
    pattern = EventPattern.load(event_pattern)
    try:
        parsed = json.loads(event)
    except (TypeError, ValueError) as exc:
        raise ValidationException("Parameter Event is not valid. Reason: not valid JSON.") from exc
    if not isinstance(parsed, dict):
        raise ValidationException("Parameter Event is not valid. Reason: not a JSON object.")
    missing = [name for name in _TEST_EVENT_REQUIRED if name not in parsed]
    if missing:
        raise ValidationException(
            f"Parameter Event is not valid. Reason: missing required field(s) {missing}."
        )
    return matches(pattern, parsed)


def _handle_test_event_pattern(self: EventsHandler) -> tuple[str, dict[str, Any]]:
    result = _test_event_pattern(
        self.events_backend, self._get_param("EventPattern"), self._get_param("Event")
    )
    return json.dumps({"Result": result}), self.response_headers


# -------------------------------------------------------------------------------- PutRule
def _put_rule(self: EventsBackend, *args: Any, **kwargs: Any) -> Rule:
    bound = inspect.signature(_MOTO_PUT_RULE).bind(self, *args, **kwargs)
    expression = bound.arguments.get("scheduled_expression")
    if expression:
        try:
            parse_schedule(str(expression))
        except ScheduleExpressionError as exc:
            raise ValidationException(
                f"Parameter ScheduleExpression is not valid. Reason: {exc.reason} ({expression!r})."
            ) from exc
    ensure_running(self.account_id, self.region_name)  # before the rule: it counts from then
    rule = _MOTO_PUT_RULE(self, *args, **kwargs)
    emulator_backend(self.account_id, self.region_name).note_rule_created(rule, now())
    rescan_now(self.account_id, self.region_name)  # a new or changed schedule counts from now
    return rule


# ------------------------------------------------------------------------------ the patches
_BACKEND: Final = "moto.events.models:EventsBackend"

#: Every moto method the emulator replaces (each exists in moto 5.2.5: must_exist holds).
PATCHES: Final[tuple[AttributePatch, ...]] = (
    AttributePatch(
        "events.backend.put_events",
        _BACKEND,
        "put_events",
        _put_events,
        "AWS's envelope, then delivery to state machine / Lambda / SQS / logs / bus / API "
        "destination targets of ENABLED rules only, and archiving",
    ),
    AttributePatch(
        "events.backend.put_rule",
        _BACKEND,
        "put_rule",
        _put_rule,
        "rejects schedule expressions AWS rejects; notes the creation time a rate counts from",
    ),
    AttributePatch(
        "events.backend.start_replay",
        _BACKEND,
        "start_replay",
        start_replay,
        "AWS's validation, time window, FilterArns and states (moto replays everything at once)",
    ),
    AttributePatch(
        "events.backend.cancel_replay",
        _BACKEND,
        "cancel_replay",
        cancel_replay,
        "cancels a running emulated replay (CANCELLING, then CANCELLED)",
    ),
    AttributePatch(
        "events.backend.list_replays",
        _BACKEND,
        "list_replays",
        list_replays,
        "AWS's filter validation and the emulated replays' progress",
    ),
    AttributePatch(
        "events.backend.test_event_pattern",
        _BACKEND,
        "test_event_pattern",
        _test_event_pattern,
        "moto's is a stub: answer with moto's own pattern matcher, validating like AWS",
    ),
    AttributePatch(
        "events.handler.test_event_pattern",
        "moto.events.responses:EventsHandler",
        "test_event_pattern",
        _handle_test_event_pattern,
        "moto's handler is a stub: read EventPattern and Event, answer Result",
    ),
    AttributePatch(
        "events.rule.send_to_targets",
        "moto.events.models:Rule",
        "send_to_targets",
        _rule_send_to_targets,
        "moto's other services (S3 notifications) deliver through here: deliver like AWS",
    ),
)

#: The private moto names the emulator still reads.
INTERNALS: Final[tuple[Internal, ...]] = (
    Internal(
        "moto.core.responses:BaseResponse._get_param",
        "the TestEventPattern handler reads its request parameters like every moto handler: "
        "BaseResponse offers no public accessor",
    ),
)
