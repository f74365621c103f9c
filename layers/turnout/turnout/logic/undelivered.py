"""AsyncFailureQueue read back: every event AWS gave up delivering is recorded and told.

Two kinds of message reach the queue (the template points every asynchronously invoked
function's ``DeadLetterQueue`` and every EventBridge target's ``DeadLetterConfig`` there):

* from Lambda, after its two retries of an asynchronous invocation: the event as the body,
  attributes ``RequestID``, ``ErrorCode``, ``ErrorMessage`` (Lambda DG, "Retaining records of
  asynchronous invocations");
* from EventBridge, once a target's retry policy ran out: the event as the body, attributes
  ``RULE_ARN``, ``TARGET_ARN``, ``ERROR_CODE``, ``ERROR_MESSAGE``,
  ``EXHAUSTED_RETRY_CONDITION``, ``RETRY_ATTEMPTS`` (EventBridge UG, "Using dead-letter
  queues to process undelivered events").

Each becomes an ``UNDELIVERED#<message id>`` row of the service in the ledger (written once:
SQS delivers at least once) and a notification, so nothing the stack was told is lost
silently. What it meant is left to the reconcilers that already run (the gate tick re-reads a
lost deployment event, a lost push is redeployed with ``turnout redeploy``); the row says
what was lost and why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from turnout import clock
from turnout.deps import Deps
from turnout.errors import InvalidEvent
from turnout.observability import logger

__all__ = ["Undelivered", "read", "record_undelivered"]

#: The ledger row prefix of an undelivered event (under ``SERVICE#<key>``).
UNDELIVERED = "UNDELIVERED#"


@dataclass(frozen=True)
class Undelivered:
    """One dead-lettered event, as the queue holds it."""

    message_id: str
    origin: str  # "lambda" | "eventbridge"
    what: str
    error: str
    event_id: str
    rule_arn: str = ""
    target_arn: str = ""

    def row(self, service: str, now: float) -> dict[str, Any]:
        return {
            "pk": f"SERVICE#{service}",
            "sk": UNDELIVERED + self.message_id,
            "kind": "undelivered",
            "origin": self.origin,
            "what": self.what,
            "error": self.error,
            "eventId": self.event_id,
            "ruleArn": self.rule_arn,
            "targetArn": self.target_arn,
            "receivedAt": now,
        }


def _attribute(record: Mapping[str, Any], name: str) -> str:
    value = (record.get("messageAttributes") or {}).get(name) or {}
    return str(value.get("stringValue") or "") if isinstance(value, Mapping) else ""


def _what(body: Any) -> tuple[str, str]:
    """What the event was (for people) and its id."""
    if not isinstance(body, Mapping):
        return "an unreadable message", ""
    if "detail-type" in body:
        raw = body.get("detail")
        detail: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        about = [str(detail[k]) for k in ("deploymentId", "state", "image-tag") if k in detail]
        label = " ".join([str(body.get("detail-type")), *about])
        return label, str(body.get("id") or "")
    if "DeploymentId" in body and "LifecycleEventHookExecutionId" in body:
        return f"the CodeDeploy lifecycle hook of {body['DeploymentId']}", ""
    return "an event of unknown shape", ""


def read(record: Mapping[str, Any]) -> Undelivered:
    """One SQS record of the queue; InvalidEvent when it is not an SQS record at all."""
    message_id = record.get("messageId")
    if not isinstance(message_id, str) or not message_id:
        raise InvalidEvent("undelivered: an SQS record needs a messageId")
    try:
        body: Any = json.loads(str(record.get("body") or ""))
    except ValueError:
        body = None
    what, event_id = _what(body)
    if _attribute(record, "RULE_ARN"):
        code = _attribute(record, "ERROR_CODE")
        message = _attribute(record, "ERROR_MESSAGE")
        tries = _attribute(record, "RETRY_ATTEMPTS")
        why = _attribute(record, "EXHAUSTED_RETRY_CONDITION")
        return Undelivered(
            message_id,
            "eventbridge",
            what,
            f"{code}: {message} ({why} after {tries} retries)",
            event_id,
            rule_arn=_attribute(record, "RULE_ARN"),
            target_arn=_attribute(record, "TARGET_ARN"),
        )
    error = _attribute(record, "ErrorMessage") or "no error message"
    request = _attribute(record, "RequestID")
    return Undelivered(message_id, "lambda", what, f"{error} (request {request})", event_id)


def record_undelivered(event: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    """Record and tell each record of an SQS batch; the counts. A record already recorded
    (SQS delivered it again) is neither recorded nor told twice."""
    records = event.get("Records")
    if not isinstance(records, list):
        raise InvalidEvent("undelivered: expected an SQS event with Records")
    cfg = deps.config
    recorded = repeated = 0
    for record in records:
        lost = read(record)
        if not deps.store.put(lost.row(cfg.service_key, clock.now()), if_absent=True):
            repeated += 1
            continue
        recorded += 1
        logger.warning("undelivered event recorded", extra={"undelivered": lost.row("", 0)})
        deps.notifier.publish(
            f"turnout {cfg.service}: an event was not delivered ({lost.origin})",
            "turnout Undelivered Event",
            {"service": cfg.service_key, **lost.row(cfg.service_key, clock.now())},
        )
    return {"recorded": recorded, "repeated": repeated}
