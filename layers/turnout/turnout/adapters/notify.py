"""Tell people and systems: SNS for people, an own EventBridge event for systems."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from turnout.adapters.aws import client as make_client
from turnout.errors import TransientError

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sns import SNSClient


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
            self._sns.publish(
                TopicArn=self.topic_arn,
                Subject=subject[:100],
                Message=json.dumps(detail, indent=2, sort_keys=True, default=str),
            )
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
