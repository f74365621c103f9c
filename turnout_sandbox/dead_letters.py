"""Where AWS puts an event no one could process: the dead-letter queues of Lambda's
asynchronous invocations and of EventBridge targets.

* Lambda, after its retries of an asynchronous invocation (Lambda DG, "Retaining records of
  asynchronous invocations", dead-letter queues): the event as it was is the message body,
  with the attributes ``RequestID`` (String), ``ErrorCode`` (Number, the 3-digit HTTP status:
  200 for a function error) and ``ErrorMessage`` (String, the first 1 KB). Lambda sends it
  with the function's execution role (which needs ``sqs:SendMessage`` / ``sns:Publish``).
* EventBridge, once a target's retry policy ran out (EventBridge UG, "Using dead-letter
  queues to process undelivered events"): the event is the body, with ``RULE_ARN``,
  ``TARGET_ARN``, ``ERROR_CODE``, ``ERROR_MESSAGE``, ``EXHAUSTED_RETRY_CONDITION`` and
  ``RETRY_ATTEMPTS``; EventBridge sends as ``events.amazonaws.com``, so the queue's policy
  must allow it (``aws:SourceArn`` is the rule).

A send the role or the queue policy does not allow is logged and the event is lost, as on
AWS (EventBridge: "If the DLQ is not available, EventBridge drops the event").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from turnout_sandbox.clients import cached_client
from turnout_sandbox.iam.resource_policy import ServicePrincipal, evaluate_resource_policy
from turnout_sandbox.runtime import get_runtime

__all__ = ["from_eventbridge", "from_lambda"]

_EVENTS: Final = ServicePrincipal("events.amazonaws.com")
#: "The first 1 KB of the error message" (Lambda DG).
_MESSAGE_BYTES: Final = 1024


def _string(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value}


def _number(value: int) -> dict[str, str]:
    return {"DataType": "Number", "StringValue": str(value)}


def _client(service: str, region: str, role_arn: str) -> Any:
    """A client signed as ``role_arn`` when the sandbox enforces IAM (so the send is
    authorized as that role's), else the sandbox's own (both cached)."""
    from turnout_sandbox import iam_enforcement

    enforcement = iam_enforcement.current()
    creds = enforcement.credentials_of_role(role_arn) if enforcement and role_arn else None
    signed = (creds.access_key, creds.secret_key, creds.session_token) if creds else None
    return cached_client(service, region, credentials=signed)


def _send(target_arn: str, body: str, attributes: Mapping[str, dict[str, str]], role: str) -> None:
    parts = target_arn.split(":")
    service, region, account, name = parts[2], parts[3], parts[4], parts[5]
    if service == "sqs":
        # Lambda sends to the queue's ARN: only sqs:SendMessage is the role's (the URL is
        # looked up as the sandbox, which AWS does not need to do).
        url = _client("sqs", region, "").get_queue_url(
            QueueName=name, QueueOwnerAWSAccountId=account
        )["QueueUrl"]
        _client("sqs", region, role).send_message(
            QueueUrl=url, MessageBody=body, MessageAttributes=dict(attributes)
        )
    elif service == "sns":
        _client("sns", region, role).publish(
            TopicArn=target_arn, Message=body, MessageAttributes=dict(attributes)
        )
    else:
        raise ValueError(f"{target_arn} is neither an SQS queue nor an SNS topic")


def from_lambda(
    function: str, *, role_arn: str, target_arn: str, payload: Any, request_id: str, error: str
) -> bool:
    """Send a failed asynchronous invocation's event to the function's dead-letter target;
    False (logged) when it could not be sent."""
    message = error.encode()[:_MESSAGE_BYTES].decode(errors="ignore")
    attributes = {
        "RequestID": _string(request_id),
        "ErrorCode": _number(200),
        "ErrorMessage": _string(message),
    }
    try:
        _send(target_arn, json.dumps(payload), attributes, role_arn)
    except Exception as exc:
        get_runtime().log(function, f"dead-letter queue {target_arn}: not sent ({exc}); lost")
        return False
    get_runtime().log(function, f"async event sent to the dead-letter queue {target_arn}")
    return True


def from_eventbridge(
    rule_arn: str,
    target: Mapping[str, Any],
    event: Mapping[str, Any],
    *,
    error_code: str,
    error_message: str,
    exhausted: str,
    attempts: int,
) -> bool:
    """Send an undelivered event to the target's DeadLetterConfig queue, if it has one and the
    queue's policy lets EventBridge send for this rule; False (logged) otherwise."""
    arn = str((target.get("DeadLetterConfig") or {}).get("Arn") or "")
    if not arn:
        return False
    parts = arn.split(":")
    from moto.sqs.models import sqs_backends

    try:
        queue = sqs_backends[parts[4]][parts[3]].get_queue(parts[5])
    except Exception:
        get_runtime().log("events", f"dead-letter queue {arn} does not exist: event dropped")
        return False
    policy = queue.policy
    context = {"aws:SourceArn": rule_arn, "aws:SourceAccount": rule_arn.split(":")[4]}
    allowed = (
        policy is not None
        and evaluate_resource_policy(
            arn, policy, _EVENTS, action="sqs:SendMessage", resource=arn, context=context
        ).allowed
    )
    if not allowed:
        get_runtime().log(
            "events", f"dead-letter queue {arn}: its policy does not let EventBridge send"
        )
        return False
    attributes = {
        "RULE_ARN": _string(rule_arn),
        "TARGET_ARN": _string(str(target.get("Arn", ""))),
        "ERROR_CODE": _string(error_code),
        "ERROR_MESSAGE": _string(error_message[:_MESSAGE_BYTES]),
        "EXHAUSTED_RETRY_CONDITION": _string(exhausted),
        "RETRY_ATTEMPTS": _number(attempts),
    }
    sqs_backends[parts[4]][parts[3]].send_message(
        queue_name=parts[5],
        message_body=json.dumps(dict(event)),
        message_attributes=attributes,
    )
    get_runtime().log("events", f"event {event.get('id')} sent to the dead-letter queue {arn}")
    return True
