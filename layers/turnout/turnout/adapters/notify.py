"""Tell people and systems: SNS for people, an own EventBridge event for systems."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from turnout.adapters.aws import client as make_client
from turnout.errors import TransientError

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import PublishInputTypeDef

#: SNS Publish, Subject: "less than 100 characters long" (botocore sns PublishInput.Subject).
SUBJECT_MAX = 99


def sns_subject(text: str) -> str:
    """``text`` made a valid SNS Subject ('' when nothing printable is left).

    botocore sns PublishInput.Subject: "no line breaks or control characters, and less than
    100 characters long" (older models: "must be ASCII text that begins with a letter,
    number, or punctuation mark"). So: printable ASCII only (whitespace, line breaks
    included, becomes one space; other characters are dropped), no leading or trailing
    space, at most SUBJECT_MAX characters.
    """
    printable = "".join(c if " " <= c <= "~" else " " if c.isspace() else "" for c in text)
    return " ".join(printable.split())[:SUBJECT_MAX].rstrip()


class Notifier:
    def __init__(
        self,
        topic_arn: str,
        source: str,
        sns: SNSClient | None = None,
        events: EventBridgeClient | None = None,
    ) -> None:
        self.topic_arn = topic_arn
        self.source = source
        self._sns = sns
        self._events = events

    def publish(self, subject: str, detail_type: str, detail: dict[str, Any]) -> None:
        if self.topic_arn:
            if self._sns is None:
                self._sns = make_client("sns")
            request: PublishInputTypeDef = {
                "TopicArn": self.topic_arn,
                "Message": json.dumps(detail, indent=2, sort_keys=True, default=str),
            }
            line = sns_subject(subject)
            if line:  # Subject is optional: left out when nothing printable is left
                request["Subject"] = line
            self._sns.publish(**request)
        if self._events is None:
            self._events = make_client("events")
        result = self._events.put_events(
            Entries=[
                {
                    "Source": self.source,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail, default=str),
                }
            ]
        )
        if result.get("FailedEntryCount", 0):
            raise TransientError(
                f"EventBridge refused the {detail_type} event: {result.get('Entries')}"
            )
