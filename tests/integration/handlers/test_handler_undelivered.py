"""functions/undelivered: AsyncFailureQueue read back, each event recorded once and told."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.handlers.conftest import SERVICE_KEY, World
from turnout.errors import InvalidEvent
from turnout.logic.undelivered import read

RULE = "arn:aws:events:ap-northeast-2:123456789012:rule/turnout-ImagePushRule-X"
TARGET = "arn:aws:states:ap-northeast-2:123456789012:stateMachine:turnout-deploy-abc"


def _attr(value: str, kind: str = "String") -> dict[str, Any]:
    return {"stringValue": value, "stringListValues": [], "binaryListValues": [], "dataType": kind}


def lambda_record(message_id: str = "m-1") -> dict[str, Any]:
    """What Lambda's dead-letter queue holds for a failed tick, as the SQS event has it."""
    body = {"id": "ev-1", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    return {
        "messageId": message_id,
        "body": json.dumps(body),
        "messageAttributes": {
            "RequestID": _attr("req-9"),
            "ErrorCode": _attr("200", "Number"),
            "ErrorMessage": _attr("RuntimeError: boom"),
        },
        "eventSource": "aws:sqs",
    }


def eventbridge_record(message_id: str = "m-2") -> dict[str, Any]:
    """What EventBridge sends for a push it could not hand to the deploy machine."""
    body = {
        "id": "ev-2",
        "detail-type": "ECR Image Action",
        "source": "aws.ecr",
        "detail": {"action-type": "PUSH", "image-tag": "latest"},
    }
    return {
        "messageId": message_id,
        "body": json.dumps(body),
        "messageAttributes": {
            "RULE_ARN": _attr(RULE),
            "TARGET_ARN": _attr(TARGET),
            "ERROR_CODE": _attr("ThrottlingException"),
            "ERROR_MESSAGE": _attr("Rate exceeded"),
            "EXHAUSTED_RETRY_CONDITION": _attr("MaximumEventAgeInSeconds"),
            "RETRY_ATTEMPTS": _attr("185", "Number"),
        },
        "eventSource": "aws:sqs",
    }


def _rows(world: World) -> list[dict[str, Any]]:
    return list(world.deps.store.query(f"SERVICE#{SERVICE_KEY}", "UNDELIVERED#"))


def test_given_a_lambda_dead_letter_when_read_then_the_row_names_the_event_and_the_error(
    world: World,
) -> None:
    result = world.call("undelivered", {"Records": [lambda_record()]})
    assert result == {"recorded": 1, "repeated": 0}
    [row] = _rows(world)
    assert (row["origin"], row["what"], row["eventId"]) == ("lambda", "Scheduled Event", "ev-1")
    assert row["error"] == "RuntimeError: boom (request req-9)"
    [note] = world.notifications()
    assert "an event was not delivered (lambda)" in note["Subject"]
    assert note["Message"]["what"] == "Scheduled Event"


def test_given_an_eventbridge_dead_letter_when_read_then_the_rule_target_and_why_are_kept(
    world: World,
) -> None:
    world.call("undelivered", {"Records": [eventbridge_record()]})
    [row] = _rows(world)
    assert row["origin"] == "eventbridge"
    assert row["what"] == "ECR Image Action latest"
    assert (row["ruleArn"], row["targetArn"]) == (RULE, TARGET)
    assert row["error"] == (
        "ThrottlingException: Rate exceeded (MaximumEventAgeInSeconds after 185 retries)"
    )


def test_given_sqs_delivers_a_message_twice_when_read_then_it_is_recorded_and_told_once(
    world: World,
) -> None:
    world.call("undelivered", {"Records": [lambda_record("m-7")]})
    again = world.call("undelivered", {"Records": [lambda_record("m-7")]})
    assert again == {"recorded": 0, "repeated": 1}
    assert len(_rows(world)) == 1
    assert len(world.notifications()) == 1


def test_given_a_body_that_is_not_json_when_read_then_it_is_still_recorded() -> None:
    record = lambda_record() | {"body": "not json"}
    assert read(record).what == "an unreadable message"


@pytest.mark.parametrize("event", [{}, {"Records": "x"}, {"Records": [{"body": "{}"}]}])
def test_given_no_sqs_records_when_called_then_invalid_event_names_it(
    world: World, event: dict[str, Any]
) -> None:
    with pytest.raises(InvalidEvent, match="undelivered"):
        world.call("undelivered", event)
