"""adapters/notify.py: the SNS Subject is always one SNS accepts.

botocore sns PublishInput.Subject: "no line breaks or control characters, and less than 100
characters long" (older models: "ASCII text that begins with a letter, number, or
punctuation mark"). moto 5.2.5 refuses only subjects over 100 characters, so it accepts the
exact-100 subject AWS refuses: these tests read the Subject SNS delivered and check its
length themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from turnout.adapters.notify import SUBJECT_MAX, Notifier, sns_subject

REGION = "ap-northeast-2"


@dataclass
class Topic:
    notifier: Notifier
    sqs: Any
    queue_url: str

    def subjects(self) -> list[str | None]:
        """The Subject of every message SNS delivered to the topic's SQS subscription."""
        got = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
        return [json.loads(m["Body"]).get("Subject") for m in got.get("Messages", [])]


@pytest.fixture
def topic() -> Iterator[Topic]:
    with mock_aws():
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
        arn = sns.create_topic(Name="turnout-test")["TopicArn"]
        url = sqs.create_queue(QueueName="subjects")["QueueUrl"]
        sns.subscribe(
            TopicArn=arn, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:{account}:subjects"
        )
        events = boto3.client("events", region_name=REGION)
        yield Topic(Notifier(arn, "turnout", sns=sns, events=events), sqs, url)


def test_given_a_150_character_service_name_when_publishing_then_the_subject_is_99_characters(
    topic: Topic,
) -> None:
    service = "s" * 150
    subject = f"turnout: {service} deploy succeeded (commit 705f74ba5bd5)"

    topic.notifier.publish(subject, "turnout Deployment Finished", {"serviceName": service})

    assert topic.subjects() == [subject[:SUBJECT_MAX]]
    assert SUBJECT_MAX == 99


def test_given_line_breaks_control_and_non_ascii_characters_when_publishing_then_none_is_sent(
    topic: Topic,
) -> None:
    subject = "  turnout: caf\u00e9-api\r\ndeploy\tsucceeded\x07 \u2713 (commit abc)\n"

    topic.notifier.publish(subject, "turnout Deployment Finished", {})

    assert topic.subjects() == ["turnout: caf-api deploy succeeded (commit abc)"]


def test_given_nothing_printable_when_publishing_then_the_message_goes_without_a_subject(
    topic: Topic,
) -> None:
    topic.notifier.publish("\u2713\u2713\n", "turnout Deployment Finished", {})

    assert topic.subjects() == [None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("turnout: hello-aws deploy succeeded", "turnout: hello-aws deploy succeeded"),
        ("a" * 120, "a" * 99),
        ("a" * 98 + " bbbb", "a" * 98),  # no trailing space after the cut
        ("\x00\x1f\x7f", ""),
    ],
)
def test_given_a_subject_when_made_valid_then_it_is_printable_ascii_under_100(
    text: str, expected: str
) -> None:
    assert sns_subject(text) == expected
