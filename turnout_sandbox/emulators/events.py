"""EventBridge as the sandbox needs it, on top of moto 5.2.5's events backend.

moto stores rules, targets, archives and replays, but its delivery differs from AWS: Step
Functions and Lambda targets raise ``NotImplementedError``, DISABLED rules still receive
events, an InputTransformer with an unquoted string placeholder fails, replays ignore their
time window and ``FilterArns``, ``TestEventPattern`` is a stub and scheduled rules never fire.
:func:`install` patches moto's ``EventsBackend`` (so PutEvents behaves the same in-process,
over HTTP and from state machine tasks) to do what AWS does:

- **Delivery.** Each event put on a bus gets AWS's envelope (``version``, ``id``,
  ``detail-type``, ``source``, ``account``, ``time`` as ISO 8601 ``Z`` on the sandbox's
  virtual clock, ``region``, ``resources``, ``detail``) and goes to the targets of every
  ENABLED rule whose pattern matches: state machines (``StartExecution`` with a unique name),
  Lambda functions (``get_runtime().invoke_lambda`` on a thread of its own: EventBridge
  invokes Lambda asynchronously), SQS queues, CloudWatch log groups, other event buses and
  API destinations. Target input is the event, ``Input``, ``InputPath`` or the
  ``InputTransformer`` result. One target failing never stops the others; failures are
  logged with ``get_runtime().log`` and kept in :func:`delivered_log`.
- **Archives and replays.** Archives record every matching event that is not a replay.
  ``StartReplay`` validates like AWS, then replays, on the virtual clock, the archived events
  whose ``time`` lies in ``[EventStartTime, EventEndTime)`` in time order, each with a new
  ``id`` and a top-level ``replay-name``, to the rules of the destination bus (only those in
  ``Destination.FilterArns`` when given). The replay moves STARTING -> RUNNING -> COMPLETED
  (or CANCELLED / FAILED) and reports ``EventLastReplayedTime``.
- **TestEventPattern** answers with moto's own pattern matcher.
- **Scheduled rules.** After :func:`start_schedules`, rules with ``rate(...)`` or ``cron(...)``
  expressions fire AWS's ``Scheduled Event`` to their targets on the virtual clock while they
  are ENABLED. ``PutRule`` rejects expressions AWS rejects (``ValidationException``).
"""

from __future__ import annotations

import copy
import inspect
import json
import math
import re
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Protocol, cast

from moto import settings as moto_settings
from moto.events.exceptions import (
    IllegalStatusException,
    InvalidEventPatternException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ValidationException,
)
from moto.events.models import (
    Archive,
    EventBus,
    EventPattern,
    EventsBackend,
    Replay,
    ReplayState,
    Rule,
    events_backends,
)
from moto.events.responses import EventsHandler
from moto.logs.models import logs_backends
from moto.sqs.models import sqs_backends
from moto.stepfunctions.responses import get_backend as sfn_backend

from turnout_sandbox.runtime import LambdaFunctionError, get_runtime, has_runtime

if TYPE_CHECKING:
    from moto.events.utils import EventMessageType

__all__ = [
    "CronSchedule",
    "EventsEmulatorError",
    "RateSchedule",
    "ScheduleExpressionError",
    "TargetDeliveryError",
    "TargetInput",
    "TargetInputError",
    "delivered_log",
    "install",
    "parse_schedule",
    "render_target_input",
    "reset",
    "schedules_running",
    "start_schedules",
    "stop_schedules",
    "uninstall",
]

_PATCHED_MARK: Final = "__turnout_emulator__"
_ENABLED_STATES: Final = frozenset({"ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"})
_RESERVED_VARIABLES: Final = frozenset(
    {
        "aws.events.rule-arn",
        "aws.events.rule-name",
        "aws.events.event",
        "aws.events.event.json",
        "aws.events.event.ingestion-time",
    }
)
_TEST_EVENT_REQUIRED: Final = (
    "id",
    "account",
    "source",
    "time",
    "region",
    "resources",
    "detail-type",
)
#: Virtual seconds between StartReplay and the replay leaving STARTING.
REPLAY_START_DELAY: Final = 1.0
#: Virtual seconds between two scans of the rules for new or changed schedules.
SCHEDULE_RESCAN: Final = 10.0
#: Missed occurrences one scan may fire for a rule (after a long pause of the process).
_MAX_CATCH_UP: Final = 1000
#: Event bus to event bus forwarding depth beyond which delivery stops (a loop).
_MAX_BUS_HOPS: Final = 5

_LOCK = threading.RLock()
_DELIVERED: list[dict[str, Any]] = []
_RULE_CREATED: dict[str, tuple[Rule, float]] = {}
_ORIGINALS: dict[tuple[type, str], Any] = {}
_HOPS = threading.local()


# ---------------------------------------------------------------------------------- errors
class EventsEmulatorError(Exception):
    """Base of the errors this emulator raises itself."""


class ScheduleExpressionError(EventsEmulatorError):
    """A schedule expression AWS rejects, or that the sandbox does not emulate."""

    def __init__(self, expression: str, reason: str) -> None:
        super().__init__(f"ScheduleExpression {expression!r} is not valid: {reason}")
        self.expression = expression
        self.reason = reason


class TargetInputError(EventsEmulatorError):
    """A target's Input / InputPath / InputTransformer cannot produce the target's input."""


class TargetDeliveryError(EventsEmulatorError):
    """A target the sandbox cannot deliver to (unsupported type, missing invoker...)."""


# ------------------------------------------------------------------------------ small tools
def _now() -> float:
    return get_runtime().clock.now() if has_runtime() else time.time()


def _log(message: str) -> None:
    if has_runtime():
        get_runtime().log("events", message)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(value: Any, field: str) -> float:
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


def _event_epoch(event: Mapping[str, Any]) -> float:
    return _epoch(event.get("time"), "time")


def _matches(pattern: EventPattern, event: Mapping[str, Any]) -> bool:
    return bool(pattern.matches_event(cast("EventMessageType", dict(event))))


def _rule_receives(rule: Rule, event: Mapping[str, Any]) -> bool:
    """An ENABLED rule with an event pattern that matches (schedule-only rules match nothing)."""
    if rule.state not in _ENABLED_STATES or not rule.event_pattern.get_pattern():
        return False
    return _matches(rule.event_pattern, event)


def _archive_rules(backend: EventsBackend) -> set[int]:
    return {id(a.rule) for a in list(backend.archives.values()) if a.rule is not None}


def _record(entry: dict[str, Any]) -> None:
    with _LOCK:
        _DELIVERED.append(entry)


def delivered_log() -> list[dict[str, Any]]:
    """Every delivery attempt so far, oldest first (copies).

    Each entry: ``at`` (virtual time of the delivery), ``rule``/``rule_arn``, ``bus``,
    ``target_id``, ``target_arn``, ``target_type`` (stepfunctions, lambda, sqs, logs,
    event-bus, api-destination, unknown), ``event_id``, ``source``, ``detail_type``,
    ``replay_name`` (or None), ``input`` (the target input: JSON value, or text),
    ``status`` (``delivered`` / ``failed``), ``error`` (or None) and ``execution_arn``
    for state machine targets. Lambda entries are written when the asynchronous
    invocation returns.
    """
    with _LOCK:
        return copy.deepcopy(_DELIVERED)


# ---------------------------------------------------------------------------- target input
@dataclass(frozen=True)
class TargetInput:
    """What a target receives: ``text`` on the wire, ``value`` when the text is JSON."""

    text: str
    value: Any
    is_json: bool

    @classmethod
    def of_json(cls, value: Any) -> TargetInput:
        return cls(json.dumps(value, separators=(",", ":")), value, True)


_PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\[\*\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


def _json_path(document: Any, path: str, where: str) -> tuple[bool, Any]:
    """EventBridge's JSON path subset: ``$``, ``.key``, ``['key']``, ``[n]``, ``*``."""
    if not path.startswith("$"):
        raise TargetInputError(f"{where}: JSON path {path!r} must start with '$'")
    nodes: list[Any] = [document]
    wildcard = False
    pos = 1
    while pos < len(path):
        step = _PATH_STEP.match(path, pos)
        if step is None:
            raise TargetInputError(f"{where}: unsupported JSON path {path!r} at {path[pos:]!r}")
        pos = step.end()
        key = next(
            (g for g in (step.group(1), step.group(3), step.group(4)) if g is not None), None
        )
        found: list[Any] = []
        if step.group(0) == "[*]" or key == "*":
            wildcard = True
            for node in nodes:
                if isinstance(node, dict):
                    found.extend(node.values())
                elif isinstance(node, list):
                    found.extend(node)
        elif step.group(2) is not None:
            index = int(step.group(2))
            found = [n[index] for n in nodes if isinstance(n, list) and index < len(n)]
        else:
            found = [n[key] for n in nodes if isinstance(n, dict) and key in n]
        nodes = found
    if wildcard:
        return (True, nodes) if nodes else (False, None)
    return (True, nodes[0]) if nodes else (False, None)


def _placeholder_text(found: bool, value: Any, *, in_string: bool, json_mode: bool) -> str:
    """AWS's insertion: raw text inside a JSON string (or a text template), JSON outside."""
    if in_string or not json_mode:
        if not found:
            return ""
        return value if isinstance(value, str) else json.dumps(value)
    return json.dumps(value) if found else "null"


def _render_template(
    template: str, variables: Mapping[str, tuple[bool, Any]], where: str
) -> TargetInput:
    json_mode = template.lstrip()[:1] in ("{", "[", '"')
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(template):
        char = template[i]
        if char == "\\" and in_string:
            out.append(template[i : i + 2])
            i += 2
            continue
        if char == '"':
            in_string = not in_string
        elif char == "<":
            placeholder = _PLACEHOLDER.match(template, i)
            if placeholder is not None and placeholder.group(1) in variables:
                found, value = variables[placeholder.group(1)]
                out.append(
                    _placeholder_text(found, value, in_string=in_string, json_mode=json_mode)
                )
                i = placeholder.end()
                continue
        out.append(char)
        i += 1
    rendered = "".join(out)
    if not json_mode:
        return TargetInput(rendered, None, False)
    try:
        value = json.loads(rendered)
    except ValueError as exc:
        raise TargetInputError(
            f"{where}: InputTemplate {template!r} rendered to invalid JSON {rendered!r}: {exc}"
        ) from exc
    return TargetInput.of_json(value)


def render_target_input(
    target: Mapping[str, Any],
    event: Mapping[str, Any],
    *,
    rule_arn: str,
    rule_name: str,
    ingestion_time: float,
) -> TargetInput:
    """The input EventBridge sends to ``target`` for ``event`` (Input, InputPath,
    InputTransformer, or the event itself)."""
    where = f"target {target.get('Id')!r} of rule {rule_arn}"
    if target.get("Input") is not None:
        try:
            return TargetInput.of_json(json.loads(str(target["Input"])))
        except ValueError as exc:
            raise TargetInputError(
                f"{where}: Input {target['Input']!r} is not JSON: {exc}"
            ) from exc
    if target.get("InputPath") is not None:
        _, value = _json_path(event, str(target["InputPath"]), f"{where} InputPath")
        return TargetInput.of_json(value)
    transformer = target.get("InputTransformer")
    if transformer is not None:
        template = transformer.get("InputTemplate")
        if not isinstance(template, str) or not template:
            raise TargetInputError(f"{where}: InputTransformer.InputTemplate is required")
        paths = transformer.get("InputPathsMap") or {}
        variables: dict[str, tuple[bool, Any]] = {}
        for name, path in paths.items():
            if name in _RESERVED_VARIABLES:
                raise TargetInputError(
                    f"{where}: InputPathsMap key {name!r} is a reserved variable name"
                )
            variables[name] = _json_path(event, str(path), f"{where} InputPathsMap.{name}")
        without_detail = {k: v for k, v in event.items() if k != "detail"}
        variables.update(
            {
                "aws.events.rule-arn": (True, rule_arn),
                "aws.events.rule-name": (True, rule_name),
                "aws.events.event": (True, without_detail),
                "aws.events.event.json": (True, dict(event)),
                "aws.events.event.ingestion-time": (True, _iso(ingestion_time)),
            }
        )
        return _render_template(template, variables, f"{where} InputTransformer")
    return TargetInput.of_json(dict(event))


# -------------------------------------------------------------------------------- delivery
def _arn_parts(arn: str) -> tuple[str, str, str, str]:
    """(service, region, account, resource) of an ARN; empty strings when malformed."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return "", "", "", ""
    return parts[2], parts[3], parts[4], parts[5]


def _target_type(arn: str) -> str:
    service, _, _, resource = _arn_parts(arn)
    kinds = {
        ("states", "stateMachine:"): "stepfunctions",
        ("lambda", "function:"): "lambda",
        ("logs", "log-group:"): "logs",
        ("events", "event-bus/"): "event-bus",
        ("events", "api-destination/"): "api-destination",
    }
    for (svc, prefix), kind in kinds.items():
        if service == svc and resource.startswith(prefix):
            return kind
    return "sqs" if service == "sqs" and resource else "unknown"


def _start_execution(arn: str, payload: TargetInput) -> str:
    if not payload.is_json:
        raise TargetDeliveryError(f"state machine {arn} needs JSON input, got {payload.text!r}")
    _, region, account, _ = _arn_parts(arn)
    execution = sfn_backend(account, region).start_execution(
        state_machine_arn=arn, name=str(uuid.uuid4()), execution_input=payload.text
    )
    return str(execution.execution_arn)


def _send_to_sqs(arn: str, payload: TargetInput, target: Mapping[str, Any]) -> None:
    _, region, account, queue = _arn_parts(arn)
    group_id = (target.get("SqsParameters") or {}).get("MessageGroupId")
    sqs_backends[account][region].send_message(
        queue_name=queue, message_body=payload.text, group_id=group_id
    )


def _send_to_log_group(arn: str, payload: TargetInput) -> None:
    _, region, account, resource = _arn_parts(arn)
    group = resource.removeprefix("log-group:").removesuffix(":*")
    stream = str(uuid.uuid4())
    backend = logs_backends[account][region]
    backend.create_log_stream(group, stream)
    backend.put_log_events(
        group, stream, [{"timestamp": int(time.time() * 1000), "message": payload.text}]
    )


def _send_to_api_destination(arn: str, payload: TargetInput, target: Mapping[str, Any]) -> str:
    _, region, account, resource = _arn_parts(arn)
    destination = events_backends[account][region].destinations[resource.split("/")[1]]
    if not moto_settings.events_invoke_http():
        return "not called: MOTO_EVENTS_INVOKE_HTTP is not true"
    params = target.get("HttpParameters") or {}
    query = "&".join(f"{k}={v}" for k, v in (params.get("QueryStringParameters") or {}).items())
    url = destination.invocation_endpoint + (f"?{query}" if query else "")
    request = urllib.request.Request(  # noqa: S310 - the user's own API destination
        url,
        data=payload.text.encode(),
        headers=dict(params.get("HeaderParameters") or {}),
        method=destination.http_method,
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        return "called"


def _invoke_lambda_async(arn: str, payload: TargetInput, entry: dict[str, Any]) -> None:
    invoker = get_runtime().invoke_lambda if has_runtime() else None
    if invoker is None:
        raise TargetDeliveryError(
            f"Lambda target {arn}: the sandbox runtime has no invoke_lambda to call it with"
        )
    if not payload.is_json:
        raise TargetDeliveryError(f"Lambda target {arn} needs a JSON payload, got {payload.text!r}")

    def invoke() -> None:
        try:
            invoker(arn, cast("Mapping[str, Any]", payload.value))
        except LambdaFunctionError as exc:
            _finish(entry, f"{exc.error_type}: {exc.message}")
        except Exception as exc:  # an asynchronous invocation never fails the caller
            _finish(entry, f"{type(exc).__name__}: {exc}")
        else:
            _finish(entry, None)

    threading.Thread(target=invoke, name=f"events-lambda-{entry['target_id']}", daemon=True).start()


def _finish(entry: dict[str, Any], error: str | None) -> None:
    entry["status"] = "failed" if error else "delivered"
    entry["error"] = error
    if error:
        _log(
            f"delivery of event {entry['event_id']} to target {entry['target_id']} "
            f"({entry['target_arn']}) of rule {entry['rule_arn']} failed: {error}"
        )
    _record(entry)


def _deliver_to_target(
    rule: Rule, target: Mapping[str, Any], event: Mapping[str, Any], ingestion_time: float
) -> None:
    arn = str(target.get("Arn", ""))
    kind = _target_type(arn)
    entry: dict[str, Any] = {
        "at": _now(),
        "bus": rule.event_bus_name,
        "rule": rule.name,
        "rule_arn": rule.arn,
        "target_id": str(target.get("Id", "")),
        "target_arn": arn,
        "target_type": kind,
        "event_id": event.get("id"),
        "source": event.get("source"),
        "detail_type": event.get("detail-type"),
        "replay_name": event.get("replay-name"),
        "input": None,
        "status": "pending",
        "error": None,
    }
    try:
        payload = render_target_input(
            target, event, rule_arn=rule.arn, rule_name=rule.name, ingestion_time=ingestion_time
        )
        entry["input"] = copy.deepcopy(payload.value) if payload.is_json else payload.text
        if kind == "lambda":
            _invoke_lambda_async(arn, payload, entry)
            return
        if kind == "stepfunctions":
            entry["execution_arn"] = _start_execution(arn, payload)
        elif kind == "sqs":
            _send_to_sqs(arn, payload, target)
        elif kind == "logs":
            _send_to_log_group(arn, payload)
        elif kind == "event-bus":
            _forward_to_bus(arn, event, ingestion_time)
        elif kind == "api-destination":
            entry["result"] = _send_to_api_destination(arn, payload, target)
        else:
            raise TargetDeliveryError(f"the sandbox does not deliver to target ARN {arn!r}")
    except Exception as exc:  # one target failing must not stop the others
        _finish(entry, f"{type(exc).__name__}: {exc}")
    else:
        _finish(entry, None)


def _deliver_to_rule(rule: Rule, event: Mapping[str, Any], ingestion_time: float) -> None:
    for target in list(rule.targets):
        _deliver_to_target(rule, target, event, ingestion_time)


def _forward_to_bus(arn: str, event: Mapping[str, Any], ingestion_time: float) -> None:
    _, region, account, resource = _arn_parts(arn)
    hops = getattr(_HOPS, "depth", 0)
    if hops >= _MAX_BUS_HOPS:
        raise TargetDeliveryError(
            f"event {event.get('id')} crossed {hops} event buses; stopping at {arn} (a loop?)"
        )
    _HOPS.depth = hops + 1
    try:
        _ingest(
            events_backends[account][region],
            resource.removeprefix("event-bus/"),
            event,
            ingestion_time,
        )
    finally:
        _HOPS.depth = hops


def _archive_event(backend: EventsBackend, bus: EventBus, event: Mapping[str, Any]) -> None:
    if "replay-name" in event:
        return  # AWS never archives replayed events
    for archive in list(backend.archives.values()):
        if archive.event_bus_name != bus.name or archive.state != "ENABLED":
            continue
        if _matches(archive.event_pattern, event):
            with _LOCK:
                archive.events.append(cast("EventMessageType", copy.deepcopy(dict(event))))


def _ingest(
    backend: EventsBackend, bus_name: str, event: Mapping[str, Any], ingestion_time: float
) -> None:
    """What EventBridge does with an event accepted on ``bus_name``."""
    bus = backend.describe_event_bus(bus_name)
    try:
        _archive_event(backend, bus, event)
    except Exception as exc:
        _log(f"archiving event {event.get('id')} on bus {bus.name} failed: {exc}")
    skip = _archive_rules(backend)
    for rule in list(bus.rules.values()):
        if id(rule) not in skip and _rule_receives(rule, event):
            _deliver_to_rule(rule, event, ingestion_time)


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
        bus_name = self._normalize_event_bus_arn(entry.get("EventBusName"))
        self.describe_event_bus(bus_name)  # ResourceNotFoundException for an unknown bus
        ingestion_time = _now()
        at = _epoch(entry["Time"], "Time") if entry.get("Time") is not None else ingestion_time
        event_id = str(uuid.uuid4())
        event: dict[str, Any] = {
            "version": "0",
            "id": event_id,
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": self.account_id,
            "time": _iso(at),
            "region": self.region_name,
            "resources": list(entry.get("Resources") or []),
            "detail": json.loads(entry["Detail"]),
        }
        results.append({"EventId": event_id})
        _ingest(self, bus_name, event, ingestion_time)
    return results


def _rule_send_to_targets(
    self: Rule, original_event: Mapping[str, Any], transform_input: bool = True
) -> None:
    """moto's other services (S3 notifications) deliver through here: do it like AWS."""
    del transform_input  # targets always get their configured input on AWS
    event = dict(original_event)
    event.pop("ingestion-time", None)
    if isinstance(event.get("time"), (int, float)):
        event["time"] = _iso(float(event["time"]))
    if _rule_receives(self, event):
        _deliver_to_rule(self, event, _now())


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
    return _matches(pattern, parsed)


def _handle_test_event_pattern(self: EventsHandler) -> tuple[str, dict[str, Any]]:
    result = _test_event_pattern(
        self.events_backend, self._get_param("EventPattern"), self._get_param("Event")
    )
    return json.dumps({"Result": result}), self.response_headers


# ----------------------------------------------------------------------- archives, replays
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
            _iso(window[0]),
            _iso(window[1]),
            destination,
        )
        self.window = window
        self.start_time = _now()
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
        service, _, _, resource = _arn_parts(arn)
        if service != "events" or not resource.startswith("rule/"):
            raise ValidationException(
                f"Parameter Destination.FilterArns is not valid. Reason: {arn!r} is not a rule ARN."
            )
        if arn not in known:
            raise ResourceNotFoundException(
                f"Rule {arn} does not exist on event bus {bus.name} (Destination.FilterArns)."
            )
    return list(arns)


def _start_replay(  # noqa: PLR0917 - moto's handler calls it positionally
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
    service, _, account, resource = _arn_parts(str(destination["Arn"]))
    if service != "events" or not resource.startswith("event-bus/") or not account:
        raise ValidationException(
            "Parameter Destination.Arn is not valid. Reason: Must contain an event bus ARN."
        )
    bus = self._get_event_bus(str(destination["Arn"]))
    if destination["Arn"] != archive.source_arn:
        raise ValidationException(
            "Parameter Destination.Arn is not valid. "
            "Reason: Cross event bus replay is not permitted."
        )
    if start_time is None or end_time is None:
        raise ValidationException(
            "Parameter EventStartTime/EventEndTime is not valid. Reason: both are required."
        )
    window = (_epoch(start_time, "EventStartTime"), _epoch(end_time, "EventEndTime"))
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
    skip = _archive_rules(backend)
    for rule in list(bus.rules.values()):
        if id(rule) in skip or (filter_arns and rule.arn not in filter_arns):
            continue
        if _rule_receives(rule, event):
            _deliver_to_rule(rule, event, _now())


def _cancelled(replay: EmulatedReplay) -> bool:
    with _LOCK:
        if replay.state is ReplayState.CANCELLING:
            replay.state = ReplayState.CANCELLED
            replay.end_time = _now()
            return True
        return False


def _run_replay(backend: EventsBackend, replay: EmulatedReplay, archive: Archive) -> None:
    if _cancelled(replay):
        return
    with _LOCK:
        replay.state = ReplayState.RUNNING
        archived = [dict(e) for e in archive.events]
    start, end = replay.window
    chosen = sorted((e for e in archived if start <= _event_epoch(e) < end), key=_event_epoch)
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
            replay.last_replayed = _event_epoch(event)
    except Exception as exc:
        with _LOCK:
            replay.state = ReplayState.FAILED
            replay.state_reason = f"{type(exc).__name__}: {exc}"
            replay.end_time = _now()
        _log(f"replay {replay.name} failed: {replay.state_reason}")
        return
    with _LOCK:
        replay.state = ReplayState.COMPLETED
        replay.end_time = _now()
    _log(f"replay {replay.name} completed: {len(chosen)} event(s) replayed")


def _cancel_replay(self: EventsBackend, name: str) -> dict[str, str]:
    replay = self._get_replay(name)
    with _LOCK:
        if replay.state not in (ReplayState.STARTING, ReplayState.RUNNING):
            raise IllegalStatusException(
                f"Replay {name} is not in a valid state for this operation (state "
                f"{replay.state.value})."
            )
        replay.state = ReplayState.CANCELLING
    return {"ReplayArn": replay.arn, "State": ReplayState.CANCELLING.value}


def _list_replays(
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


# ------------------------------------------------------------------------------ schedules
class Schedule(Protocol):
    def next_after(self, moment: float) -> float | None:
        """The first firing time strictly after ``moment`` (epoch seconds), or None."""


@dataclass(frozen=True)
class RateSchedule:
    period: float

    def next_after(self, moment: float) -> float | None:
        return moment + self.period


_MONTHS: Final = {
    m: i + 1
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    )
}
_DAYS: Final = {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}


@dataclass(frozen=True)
class CronSchedule:
    """AWS's six-field cron (UTC): minutes hours day-of-month month day-of-week year."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None  # None: '?'
    last_day_of_month: bool
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # None: '?'; 1 = SUN .. 7 = SAT
    years: frozenset[int] | None  # None: '*'

    def _day_matches(self, day: date) -> bool:
        if day.month not in self.months or (self.years is not None and day.year not in self.years):
            return False
        if self.days_of_week is not None:
            return (day.weekday() + 1) % 7 + 1 in self.days_of_week
        if self.last_day_of_month and (day + timedelta(days=1)).month != day.month:
            return True
        return self.days_of_month is not None and day.day in self.days_of_month

    def next_after(self, moment: float) -> float | None:
        first = datetime.fromtimestamp(math.floor(moment / 60) * 60 + 60, UTC)
        day = first.date()
        for _ in range(366 * 10):
            if day.year > 2199:
                return None
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                        if at >= first:
                            return at.timestamp()
            day += timedelta(days=1)
        return None


def _cron_field(
    text: str,
    low: int,
    high: int,
    *,
    what: str,
    expression: str,
    names: Mapping[str, int] | None = None,
) -> frozenset[int]:
    def number(token: str) -> int:
        token_upper = token.upper()
        if names and token_upper in names:
            return names[token_upper]
        if not token.isdigit():
            raise ScheduleExpressionError(expression, f"{what} value {token!r} is not valid")
        return int(token)

    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        if step_text and not step_text.isdigit():
            raise ScheduleExpressionError(
                expression, f"{what} increment {step_text!r} is not valid"
            )
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = low, high
        elif "-" in base:
            left, _, right = base.partition("-")
            first, last = number(left), number(right)
        else:
            first = number(base)
            last = high if step_text else first
        if step < 1 or not low <= first <= last <= high:
            raise ScheduleExpressionError(
                expression, f"{what} field {part!r} is out of range {low}-{high}"
            )
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _parse_cron(expression: str, body: str) -> CronSchedule:
    fields = body.split()
    if len(fields) != 6:
        raise ScheduleExpressionError(expression, f"cron needs 6 fields, got {len(fields)}")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleExpressionError(
            expression, "exactly one of day-of-month and day-of-week must be '?'"
        )
    dom_upper = dom.upper()
    unsupported = (
        (
            "day-of-month",
            dom,
            "W" in dom_upper or "#" in dom or ("L" in dom_upper and dom_upper != "L"),
        ),
        ("day-of-week", dow, "#" in dow or "L" in dow.upper()),
    )
    for what, value, bad in unsupported:
        if bad:
            raise ScheduleExpressionError(
                expression, f"the sandbox does not emulate {what} {value!r} (W, # and nL forms)"
            )
    last_day = dom.upper() == "L"
    return CronSchedule(
        minutes=_cron_field(minute, 0, 59, what="minutes", expression=expression),
        hours=_cron_field(hour, 0, 23, what="hours", expression=expression),
        days_of_month=None
        if dom == "?" or last_day
        else _cron_field(dom, 1, 31, what="day-of-month", expression=expression),
        last_day_of_month=last_day,
        months=_cron_field(month, 1, 12, what="month", expression=expression, names=_MONTHS),
        days_of_week=None
        if dow == "?"
        else _cron_field(dow, 1, 7, what="day-of-week", expression=expression, names=_DAYS),
        years=None
        if year == "*"
        else _cron_field(year, 1970, 2199, what="year", expression=expression),
    )


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNIT_SECONDS: Final = {"minute": 60, "hour": 3600, "day": 86400}


def parse_schedule(expression: str) -> RateSchedule | CronSchedule:
    """Parse ``rate(N unit)`` / ``cron(6 fields)`` like AWS; :class:`ScheduleExpressionError`."""
    rate = _RATE.match(expression)
    if rate is not None:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            raise ScheduleExpressionError(expression, "the rate value must be a positive number")
        if (value == 1) != (not unit.endswith("s")):
            raise ScheduleExpressionError(
                expression, "use a singular unit for 1 and a plural unit for more than 1"
            )
        return RateSchedule(float(value * _UNIT_SECONDS[unit.removesuffix("s")]))
    cron = _CRON.match(expression)
    if cron is not None:
        return _parse_cron(expression, cron.group(1))
    raise ScheduleExpressionError(expression, "expected rate(N unit) or cron(6 fields)")


@dataclass
class _ScheduleState:
    rule: Rule
    expression: str
    schedule: Schedule | None
    next_due: float | None


class _Scheduler:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = False
        self._generation = 0
        self._started_at = 0.0
        self._states: dict[str, _ScheduleState] = {}

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        with self._lock:
            if self._running:
                return
            self._running = True
            self._generation += 1
            self._started_at = _now()
            generation = self._generation
        self._arm(generation, 0.0)

    def stop(self) -> None:
        with self._lock:
            self._running = False
            self._generation += 1
            self._states.clear()

    def _arm(self, generation: int, delay: float) -> None:
        get_runtime().clock.call_later(delay, lambda: self._tick(generation), "events-schedules")

    def _tick(self, generation: int) -> None:
        try:
            with self._lock:
                if not self._running or generation != self._generation:
                    return
                fires = self._scan(_now())
            for due, rule in sorted(fires, key=lambda f: f[0]):
                try:
                    _fire(rule, due)
                except Exception as exc:  # one failed delivery must not stop the schedules
                    _log(f"scheduled event of {rule.arn} failed: {type(exc).__name__}: {exc}")
        except Exception as exc:  # the scan raced a backend change: try again next tick
            _log(f"schedule scan failed: {type(exc).__name__}: {exc}")
        with self._lock:
            if not self._running or generation != self._generation:
                return
            now = _now()
            dues = [s.next_due for s in self._states.values() if s.next_due is not None]
            wake = min([*dues, now + SCHEDULE_RESCAN])
        self._arm(generation, max(0.0, wake - now))

    def _scan(self, now: float) -> list[tuple[float, Rule]]:
        fires: list[tuple[float, Rule]] = []
        seen: set[str] = set()
        for _, _, backend in list(events_backends.iter_backends()):
            bus = cast("EventsBackend", backend).event_buses.get("default")
            for rule in list(bus.rules.values()) if bus is not None else []:
                if not rule.scheduled_expression:
                    continue
                seen.add(rule.arn)
                state = self._states.get(rule.arn)
                if (
                    state is None
                    or state.rule is not rule
                    or state.expression != rule.scheduled_expression
                ):
                    state = self._new_state(rule, now)
                    self._states[rule.arn] = state
                fired = 0
                while (
                    state.schedule is not None
                    and state.next_due is not None
                    and (state.next_due <= now and fired < _MAX_CATCH_UP)
                ):
                    if rule.state in _ENABLED_STATES:
                        fires.append((state.next_due, rule))
                    state.next_due = state.schedule.next_after(state.next_due)
                    fired += 1
        for arn in set(self._states) - seen:
            del self._states[arn]
        return fires

    def _new_state(self, rule: Rule, now: float) -> _ScheduleState:
        expression = str(rule.scheduled_expression)
        try:
            schedule: Schedule = parse_schedule(expression)
        except ScheduleExpressionError as exc:
            _log(f"rule {rule.arn} will not fire: {exc}")
            return _ScheduleState(rule, expression, None, None)
        created = _RULE_CREATED.get(rule.arn)
        anchor = created[1] if created is not None and created[0] is rule else now
        return _ScheduleState(
            rule, expression, schedule, schedule.next_after(max(anchor, self._started_at))
        )


def _fire(rule: Rule, due: float) -> None:
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": rule.account_id,
        "time": _iso(due),
        "region": rule.region_name,
        "resources": [rule.arn],
        "detail": {},
    }
    _deliver_to_rule(rule, event, _now())


_SCHEDULER = _Scheduler()


def start_schedules() -> None:
    """Fire scheduled rules on the runtime's virtual clock from now on (idempotent).

    Rules created later are picked up within :data:`SCHEDULE_RESCAN` virtual seconds; a
    ``rate`` schedule first fires one period after its rule was created (or after this
    call, if later); a ``cron`` schedule at its next matching UTC minute.
    """
    _SCHEDULER.start()


def stop_schedules() -> None:
    """Stop firing scheduled rules (idempotent)."""
    _SCHEDULER.stop()


def schedules_running() -> bool:
    return _SCHEDULER.running


# -------------------------------------------------------------------------------- PutRule
def _put_rule(self: EventsBackend, *args: Any, **kwargs: Any) -> Rule:
    original = _ORIGINALS[(EventsBackend, "put_rule")]
    bound = inspect.signature(original).bind(self, *args, **kwargs)
    expression = bound.arguments.get("scheduled_expression")
    if expression:
        try:
            parse_schedule(str(expression))
        except ScheduleExpressionError as exc:
            raise ValidationException(
                f"Parameter ScheduleExpression is not valid. Reason: {exc.reason} ({expression!r})."
            ) from exc
    rule = cast("Rule", original(self, *args, **kwargs))
    with _LOCK:
        _RULE_CREATED[rule.arn] = (rule, _now())
    return rule


# ---------------------------------------------------------------------- install and reset
_PATCHES: Final[tuple[tuple[type, str, Callable[..., Any]], ...]] = (
    (EventsBackend, "put_events", _put_events),
    (EventsBackend, "put_rule", _put_rule),
    (EventsBackend, "start_replay", _start_replay),
    (EventsBackend, "cancel_replay", _cancel_replay),
    (EventsBackend, "list_replays", _list_replays),
    (EventsBackend, "test_event_pattern", _test_event_pattern),
    (EventsHandler, "test_event_pattern", _handle_test_event_pattern),
    (Rule, "send_to_targets", _rule_send_to_targets),
)


def install() -> None:
    """Patch moto's EventBridge (idempotent)."""
    with _LOCK:
        for owner, name, fn in _PATCHES:
            current = getattr(owner, name)
            if getattr(current, _PATCHED_MARK, False):
                continue
            _ORIGINALS[(owner, name)] = current
            setattr(fn, _PATCHED_MARK, True)
            setattr(owner, name, fn)


def uninstall() -> None:
    """Restore moto's own EventBridge behaviour."""
    stop_schedules()
    with _LOCK:
        for (owner, name), original in _ORIGINALS.items():
            setattr(owner, name, original)
        _ORIGINALS.clear()


def reset() -> None:
    """Stop the schedules and forget deliveries and rule creation times (moto keeps the rest)."""
    stop_schedules()
    with _LOCK:
        _DELIVERED.clear()
        _RULE_CREATED.clear()
