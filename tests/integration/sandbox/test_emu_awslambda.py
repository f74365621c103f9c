"""Lambda as AWS keeps it (moto in-process): DeadLetterConfig stays on the function, an SQS
event source runs it in process with AWS's record shape (message attributes included), and
CreateEventSourceMapping refuses a queue whose visibility timeout is under the function's."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from turnout_sandbox.emulators import awslambda
from turnout_sandbox.patches import PatchRegistry
from turnout_sandbox.runtime import Runtime, VirtualClock, get_runtime, has_runtime, set_runtime

pytestmark = pytest.mark.integration

REGION = "ap-northeast-2"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


class World:
    def __init__(self, received: list[tuple[str, Any]]) -> None:
        self.lam: Any = boto3.client("lambda", region_name=REGION)
        self.sqs: Any = boto3.client("sqs", region_name=REGION)
        self.received = received

    def function(self, **extra: Any) -> str:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        role = boto3.client("iam", region_name=REGION).create_role(
            RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust)
        )["Role"]["Arn"]
        made = self.lam.create_function(
            FunctionName="fn",
            Runtime="python3.13",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": _zip()},
            Timeout=60,
            **extra,
        )
        return str(made["FunctionArn"])

    def queue(self, visibility: int) -> tuple[str, str]:
        url = self.sqs.create_queue(
            QueueName="dlq", Attributes={"VisibilityTimeout": str(visibility)}
        )["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return str(url), str(arn["Attributes"]["QueueArn"])


@pytest.fixture
def world(aws_env: None) -> Iterator[World]:
    registry = PatchRegistry()
    registry.extend(awslambda.PATCHES, awslambda.INTERNALS)
    received: list[tuple[str, Any]] = []
    previous = get_runtime() if has_runtime() else None
    clock = VirtualClock(speed=1000.0)
    set_runtime(
        Runtime(clock=clock, invoke_lambda=lambda fn, payload: received.append((fn, payload)))
    )
    with mock_aws():
        registry.apply()
        try:
            yield World(received)
        finally:
            registry.undo()
            clock.stop()
            set_runtime(previous)


def test_given_a_dead_letter_queue_when_the_function_is_read_then_it_is_answered(
    world: World,
) -> None:
    _, queue = world.queue(360)
    world.function(DeadLetterConfig={"TargetArn": queue})
    config = world.lam.get_function_configuration(FunctionName="fn")
    assert config["DeadLetterConfig"] == {"TargetArn": queue}
    world.lam.update_function_configuration(FunctionName="fn", DeadLetterConfig={"TargetArn": ""})
    assert "DeadLetterConfig" not in world.lam.get_function_configuration(FunctionName="fn")


def test_given_a_queue_shorter_than_the_timeout_when_mapped_then_lambda_refuses_it(
    world: World,
) -> None:
    _, queue = world.queue(30)
    world.function()
    with pytest.raises(ClientError) as refused:
        world.lam.create_event_source_mapping(EventSourceArn=queue, FunctionName="fn")
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "Queue visibility timeout: 30 seconds is less than Function timeout: 60" in str(
        refused.value
    )


def test_given_an_sqs_event_source_when_a_message_arrives_then_the_function_gets_aws_records(
    world: World,
) -> None:
    url, queue = world.queue(360)
    arn = world.function()
    world.lam.create_event_source_mapping(EventSourceArn=queue, FunctionName="fn", BatchSize=10)
    world.sqs.send_message(
        QueueUrl=url,
        MessageBody=json.dumps({"id": "e-1"}),
        MessageAttributes={"ErrorCode": {"DataType": "Number", "StringValue": "200"}},
    )
    [(function, event)] = world.received
    assert function == arn
    [record] = event["Records"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queue
    assert json.loads(record["body"]) == {"id": "e-1"}
    assert record["messageAttributes"]["ErrorCode"]["stringValue"] == "200"
    assert record["messageAttributes"]["ErrorCode"]["dataType"] == "Number"
    # processed: Lambda deleted the batch
    left = world.sqs.receive_message(QueueUrl=url).get("Messages", [])
    assert left == []
