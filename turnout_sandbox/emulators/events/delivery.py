"""Delivery: what EventBridge does with an event accepted on a bus, and with each target of
each ENABLED rule whose pattern matches.

State machines get ``StartExecution`` with a unique name, Lambda functions an asynchronous
invocation (``get_runtime().invoke_lambda`` on a thread of its own: EventBridge invokes Lambda
asynchronously), SQS queues a message, CloudWatch log groups a log event, other event buses the
event again, API destinations an HTTP call. One target failing never stops the others; each
attempt is logged with ``get_runtime().log`` when it fails and kept in the delivery log of the
rule's account and region (:func:`turnout_sandbox.emulators.events.models.delivered_log`).
AWS's rules: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html
"""

from __future__ import annotations

import copy
import random
import threading
import time
import urllib.request
import uuid
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Final, cast

from moto import settings as moto_settings
from moto.events.models import EventBus, EventsBackend, Rule, events_backends
from moto.logs.models import logs_backends
from moto.sqs.models import sqs_backends
from moto.stepfunctions.responses import get_backend as sfn_backend

from turnout_sandbox import dead_letters
from turnout_sandbox.emulators.events.common import (
    LOCK,
    arn_parts,
    log,
    matches,
    now,
    rule_receives,
)
from turnout_sandbox.emulators.events.errors import TargetDeliveryError
from turnout_sandbox.emulators.events.models import emulator_backend
from turnout_sandbox.emulators.events.target_input import TargetInput, render_target_input
from turnout_sandbox.iam.actions import ApiCall
from turnout_sandbox.iam.errors import AccessDeniedError
from turnout_sandbox.iam_enforcement import authorize_as
from turnout_sandbox.runtime import LambdaFunctionError, get_runtime, has_runtime

if TYPE_CHECKING:
    from moto.events.utils import EventMessageType

__all__ = ["archive_rules", "deliver_to_rule", "ingest"]

#: Event bus to event bus forwarding depth beyond which delivery stops (a loop).
_MAX_BUS_HOPS: Final = 5

_HOPS = threading.local()

#: Virtual seconds between an injected repeated delivery and the first (fault injection:
#: ``event-duplicate``); AWS documents no interval, only that it happens.
_DUPLICATE_AFTER: Final = 2.0


def archive_rules(backend: EventsBackend) -> set[int]:
    """The rules moto made for archives (the emulator archives itself: they deliver nothing)."""
    return {id(a.rule) for a in list(backend.archives.values()) if a.rule is not None}


def _target_type(arn: str) -> str:
    service, _, _, resource = arn_parts(arn)
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
    _, region, account, _ = arn_parts(arn)
    execution = sfn_backend(account, region).start_execution(
        state_machine_arn=arn, name=str(uuid.uuid4()), execution_input=payload.text
    )
    return str(execution.execution_arn)


def _send_to_sqs(arn: str, payload: TargetInput, target: Mapping[str, Any]) -> None:
    _, region, account, queue = arn_parts(arn)
    group_id = (target.get("SqsParameters") or {}).get("MessageGroupId")
    sqs_backends[account][region].send_message(
        queue_name=queue, message_body=payload.text, group_id=group_id
    )


def _send_to_log_group(arn: str, payload: TargetInput) -> None:
    _, region, account, resource = arn_parts(arn)
    group = resource.removeprefix("log-group:").removesuffix(":*")
    stream = str(uuid.uuid4())
    backend = logs_backends[account][region]
    backend.create_log_stream(group, stream)
    backend.put_log_events(
        group, stream, [{"timestamp": int(time.time() * 1000), "message": payload.text}]
    )


def _send_to_api_destination(arn: str, payload: TargetInput, target: Mapping[str, Any]) -> str:
    _, region, account, resource = arn_parts(arn)
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


def _invoke_lambda_async(rule: Rule, arn: str, payload: TargetInput, entry: dict[str, Any]) -> None:
    invoker = get_runtime().invoke_lambda if has_runtime() else None
    if invoker is None:
        raise TargetDeliveryError(
            f"Lambda target {arn}: the sandbox runtime has no invoke_lambda to call it with"
        )
    if not payload.is_json:
        raise TargetDeliveryError(f"Lambda target {arn} needs a JSON payload, got {payload.text!r}")
    queue = get_runtime().invoke_lambda_async
    if queue is not None:
        # Lambda queues the event (202) and retries a failing function itself: for
        # EventBridge the target was delivered (EventBridge UG, "Retrying events" covers
        # only a target that refused the call; Lambda DG, "asynchronous invocation").
        try:
            queue(arn, cast("Mapping[str, Any]", payload.value))
        except LambdaFunctionError as exc:
            _finish(rule, entry, f"{exc.error_type}: {exc.message}")
        else:
            _finish(rule, entry, None)
        return

    def invoke() -> None:
        try:
            invoker(arn, cast("Mapping[str, Any]", payload.value))
        except LambdaFunctionError as exc:
            _finish(rule, entry, f"{exc.error_type}: {exc.message}")
        except Exception as exc:  # an asynchronous invocation never fails the caller
            _finish(rule, entry, f"{type(exc).__name__}: {exc}")
        else:
            _finish(rule, entry, None)

    name = f"events-lambda-{entry['target_id']}"
    if has_runtime():  # an actor of the clock: time waits for the invocation
        get_runtime().clock.spawn(invoke, name)
    else:
        threading.Thread(target=invoke, name=name, daemon=True).start()


def _finish(rule: Rule, entry: dict[str, Any], error: str | None) -> None:
    entry["status"] = "failed" if error else "delivered"
    entry["error"] = error
    if error:
        log(
            f"delivery of event {entry['event_id']} to target {entry['target_id']} "
            f"({entry['target_arn']}) of rule {entry['rule_arn']} failed: {error}"
        )
    emulator_backend(rule.account_id, rule.region_name).record_delivery(entry)


#: EventBridge's retries of a target that refused the event (EventBridge UG, "How EventBridge
#: retries delivering events"): by default for 24 hours and up to 185 times, with an
#: exponential back off and jitter; a target's RetryPolicy narrows both (RetryPolicy API:
#: MaximumRetryAttempts 0..185, MaximumEventAgeInSeconds 60..86400). The cap of one back off
#: (5 minutes here) is the sandbox's: AWS does not publish it.
_DEFAULT_RETRY_ATTEMPTS: Final = 185
_DEFAULT_EVENT_AGE: Final = 86400.0
_MAX_BACKOFF: Final = 300.0


def _delivery_fault(kind: str, target: Mapping[str, Any]) -> str | None:
    """An injected throttle or internal error of EventBridge's own call to the target
    (fault injection: StartExecution with the target's role, Lambda's Invoke), or None."""
    faults = get_runtime().faults if has_runtime() else None
    if faults is None or kind not in ("stepfunctions", "lambda"):
        return None
    if kind == "stepfunctions":
        service, operation = "stepfunctions", "StartExecution"
        caller = str(target.get("RoleArn") or "events.amazonaws.com")
    else:
        service, operation, caller = "lambda", "Invoke", "events.amazonaws.com"
    fault = faults.api_fault(service, operation, caller)
    return None if fault is None else f"{fault.code} (HTTP {fault.status})"


def _role_call(kind: str, arn: str, event: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """The call EventBridge makes with a target's RoleArn: (service, operation, params)."""
    if kind == "stepfunctions":
        return "stepfunctions", "StartExecution", {"stateMachineArn": arn}
    if kind == "event-bus":
        entry = {
            "EventBusName": arn,
            "Source": str(event.get("source", "")),
            "DetailType": str(event.get("detail-type", "")),
        }
        return "events", "PutEvents", {"Entries": [entry]}
    # an API destination: events:InvokeApiDestination on it (SAR), a permission-only action
    return "events", "InvokeApiDestination", {"ApiDestinationArn": arn}


def _role_denial(
    rule: Rule, target: Mapping[str, Any], kind: str, arn: str, event: Mapping[str, Any]
) -> str | None:
    """IAM's denial of what EventBridge does with the target's role, or None.

    EventBridge calls a state machine, an event bus and an API destination as the target's
    RoleArn (EventBridge User Guide, "Using identity-based policies for Amazon EventBridge":
    a target that needs a role "when you add a target to a rule"; SAR: states:StartExecution,
    events:PutEvents, events:InvokeApiDestination); Lambda, SQS and CloudWatch Logs targets
    are authorized by their resource-based policies instead (not evaluated offline). The
    session's name is not published: the sandbox names it after the rule.
    """
    role = target.get("RoleArn")
    if not role or kind not in ("stepfunctions", "event-bus", "api-destination"):
        return None
    service, operation, params = _role_call(kind, arn, event)
    call = ApiCall(service, operation, params, rule.region_name, rule.account_id)
    try:
        authorize_as(str(role), rule.name, call)
    except AccessDeniedError as denied:
        return denied.message
    return None


def _retry_later(  # noqa: PLR0917
    rule: Rule,
    target: Mapping[str, Any],
    event: Mapping[str, Any],
    ingestion_time: float,
    attempt: int,
    entry: dict[str, Any],
    error: str,
) -> None:
    policy = target.get("RetryPolicy") or {}
    attempts = int(policy.get("MaximumRetryAttempts", _DEFAULT_RETRY_ATTEMPTS))
    max_age = float(policy.get("MaximumEventAgeInSeconds", _DEFAULT_EVENT_AGE))
    if attempt >= attempts or now() - ingestion_time >= max_age:
        exhausted = "MaximumRetryAttempts" if attempt >= attempts else "MaximumEventAgeInSeconds"
        code, _, message = error.partition(" ")
        kept = dead_letters.from_eventbridge(
            rule.arn,
            target,
            event,
            error_code=code,
            error_message=message or error,
            exhausted=exhausted,
            attempts=attempt,
        )
        fate = "sent to its dead-letter queue" if kept else "dropped"
        _finish(rule, entry, f"{error}; {fate} after {attempt + 1} attempts")
        return
    draw = random.Random(f"{event.get('id')}:{entry['target_id']}:{attempt}")  # noqa: S311
    delay = min(_MAX_BACKOFF, 2.0**attempt) * (0.5 + draw.random() / 2)
    log(
        f"delivery of event {event.get('id')} to target {entry['target_id']} refused: {error}; "
        f"retry {attempt + 1} of {attempts} in {delay:.1f} s"
    )
    get_runtime().clock.call_later(
        delay,
        lambda: _deliver_to_target(rule, target, event, ingestion_time, attempt + 1),
        name=f"events-retry-{entry['target_id']}",
    )


def _deliver_to_target(
    rule: Rule,
    target: Mapping[str, Any],
    event: Mapping[str, Any],
    ingestion_time: float,
    attempt: int = 0,
) -> None:
    arn = str(target.get("Arn", ""))
    kind = _target_type(arn)
    entry: dict[str, Any] = {
        "at": now(),
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
        denial = _role_denial(rule, target, kind, arn, event)
        if denial is not None:
            # A target EventBridge lacks permission to is not retried: "for errors that result
            # from missing permissions to a target ... EventBridge sends these events directly
            # to the DLQ" (EventBridge User Guide, "Event retry policy and using dead-letter
            # queues"; NO_PERMISSIONS is the ERROR_CODE the dead-letter message carries).
            _finish(rule, entry, f"NO_PERMISSIONS: {denial}")
            return
        refused = _delivery_fault(kind, target)
        if refused is not None:
            _retry_later(rule, target, event, ingestion_time, attempt, entry, refused)
            return
        if kind == "lambda":
            _invoke_lambda_async(rule, arn, payload, entry)
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
        _finish(rule, entry, f"{type(exc).__name__}: {exc}")
    else:
        _finish(rule, entry, None)


def deliver_to_rule(rule: Rule, event: Mapping[str, Any], ingestion_time: float) -> None:
    for target in list(rule.targets):
        _deliver_to_target(rule, target, event, ingestion_time)


def _forward_to_bus(arn: str, event: Mapping[str, Any], ingestion_time: float) -> None:
    _, region, account, resource = arn_parts(arn)
    hops = getattr(_HOPS, "depth", 0)
    if hops >= _MAX_BUS_HOPS:
        raise TargetDeliveryError(
            f"event {event.get('id')} crossed {hops} event buses; stopping at {arn} (a loop?)"
        )
    _HOPS.depth = hops + 1
    try:
        ingest(
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
        if matches(archive.event_pattern, event):
            with LOCK:
                archive.events.append(cast("EventMessageType", copy.deepcopy(dict(event))))


def ingest(
    backend: EventsBackend, bus_name: str, event: Mapping[str, Any], ingestion_time: float
) -> None:
    """What EventBridge does with an event accepted on ``bus_name``."""
    bus = backend.describe_event_bus(bus_name)
    skip = archive_rules(backend)
    rules = [r for r in list(bus.rules.values()) if id(r) not in skip and rule_receives(r, event)]
    faults = get_runtime().faults if has_runtime() else None
    source, detail_type = str(event.get("source", "")), str(event.get("detail-type", ""))
    event_id = str(event.get("id"))
    if faults is not None and rules and faults.event_lost(source, event_id, detail_type):
        return  # the service's best-effort send never reached the bus: no rule, no archive
    try:
        _archive_event(backend, bus, event)
    except Exception as exc:
        log(f"archiving event {event.get('id')} on bus {bus.name} failed: {exc}")
    for rule in rules:
        if faults is None:
            deliver_to_rule(rule, event, ingestion_time)
            continue
        late, twice = faults.event_delivery(source, event_id, detail_type, rule.name)
        for copy_number in range(2 if twice else 1):
            # A repeated delivery is the same event (same id) a little after the first.
            delay = late + copy_number * _DUPLICATE_AFTER
            if delay <= 0:
                deliver_to_rule(rule, event, ingestion_time)
                continue
            get_runtime().clock.call_later(
                delay,
                partial(deliver_to_rule, rule, event, ingestion_time),
                name=f"events-late-{rule.name}",
            )
