"""CloudWatch alarm actions as AWS runs them (moto in-process): a state change is in the
alarm's history and notifies its SNS topic only when the topic and its key let CloudWatch
publish; an ``aws/sns`` encrypted topic never gets the notification (aws-fidelity row 2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from turnout_sandbox.emulators import cloudwatch
from turnout_sandbox.patches import PatchRegistry

pytestmark = pytest.mark.integration

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
ALARM = "deploys-failing"


class World:
    """moto with the CloudWatch emulator: a topic with an SQS subscriber to read."""

    def __init__(self) -> None:
        self.cw: Any = boto3.client("cloudwatch", region_name=REGION)
        self.sns: Any = boto3.client("sns", region_name=REGION)
        self.sqs: Any = boto3.client("sqs", region_name=REGION)
        self.kms: Any = boto3.client("kms", region_name=REGION)

    def topic(self, **attributes: str) -> str:
        arn = str(self.sns.create_topic(Name="alarms", Attributes=attributes)["TopicArn"])
        self.queue = self.sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
        return arn

    def alarm(self, topic: str, **settings: Any) -> None:
        self.cw.put_metric_alarm(
            AlarmName=ALARM,
            Namespace="AWS/States",
            MetricName="ExecutionsFailed",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topic],
            **settings,
        )

    def fire(self) -> None:
        self.cw.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="test")

    def notifications(self) -> list[dict[str, Any]]:
        got = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10)
        return [json.loads(m["Body"]) for m in got.get("Messages", [])]

    def actions(self) -> list[dict[str, Any]]:
        items = self.cw.describe_alarm_history(AlarmName=ALARM, HistoryItemType="Action")
        return list(items["AlarmHistoryItems"])

    def key(self, *, cloudwatch_may_use: bool) -> str:
        statements: list[dict[str, Any]] = [
            {
                "Sid": "AccountAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
        if cloudwatch_may_use:
            statements.append(
                {
                    "Sid": "AlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": ACCOUNT},
                        "ArnLike": {
                            "aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"
                        },
                    },
                }
            )
        policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
        return str(self.kms.create_key(Policy=policy)["KeyMetadata"]["KeyId"])


@pytest.fixture
def world(aws_env: None) -> Iterator[World]:
    registry = PatchRegistry()
    registry.extend(cloudwatch.PATCHES, cloudwatch.INTERNALS)
    with mock_aws():
        registry.apply()
        try:
            yield World()
        finally:
            registry.undo()
            cloudwatch.reset()


def test_given_a_plain_topic_when_the_alarm_fires_then_its_notification_arrives(
    world: World,
) -> None:
    topic = world.topic()
    world.alarm(topic, AlarmDescription="turnout deploys are failing")
    world.fire()
    [note] = world.notifications()
    assert note["Subject"] == f'ALARM: "{ALARM}" in Asia Pacific (Seoul)'
    message = json.loads(note["Message"])
    assert message["AlarmName"] == ALARM
    assert (message["OldStateValue"], message["NewStateValue"]) == ("OK", "ALARM")
    assert message["Trigger"]["Statistic"] == "SUM"
    [action] = world.actions()
    assert action["HistorySummary"] == f"Successfully executed action {topic}"
    assert json.loads(action["HistoryData"])["actionState"] == "Succeeded"


def test_given_an_aws_sns_encrypted_topic_when_the_alarm_fires_then_no_one_is_notified(
    world: World,
) -> None:
    # AWS: the alarm goes to ALARM, the managed key refuses CloudWatch, nothing is sent.
    topic = world.topic(KmsMasterKeyId="alias/aws/sns")
    world.alarm(topic)
    world.fire()
    state = world.cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]["StateValue"]
    assert state == "ALARM"
    assert world.notifications() == []
    [action] = world.actions()
    assert action["HistorySummary"].startswith(f"Failed to execute action {topic}. Received")
    assert (
        "Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException"
        in (action["HistorySummary"])
    )


def test_given_a_key_that_lets_cloudwatch_use_it_when_the_alarm_fires_then_it_notifies(
    world: World,
) -> None:
    topic = world.topic(KmsMasterKeyId=world.key(cloudwatch_may_use=True))
    world.alarm(topic)
    world.fire()
    assert len(world.notifications()) == 1


def test_given_a_key_only_the_account_may_use_when_the_alarm_fires_then_kms_denies_it(
    world: World,
) -> None:
    # The account root's kms:* does not cover the cloudwatch.amazonaws.com service principal.
    topic = world.topic(KmsMasterKeyId=world.key(cloudwatch_may_use=False))
    world.alarm(topic)
    world.fire()
    assert world.notifications() == []
    assert "AccessDeniedException" in world.actions()[0]["HistorySummary"]


def test_given_a_topic_policy_without_the_account_when_the_alarm_fires_then_sns_denies_it(
    world: World,
) -> None:
    topic = world.topic()
    other = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "SNS:Publish",
                "Resource": topic,
                "Condition": {"StringEquals": {"AWS:SourceOwner": "999999999999"}},
            }
        ],
    }
    world.sns.set_topic_attributes(
        TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(other)
    )
    world.alarm(topic)
    world.fire()
    assert world.notifications() == []
    summary = world.actions()[0]["HistorySummary"]
    assert "is not authorized to perform: SNS:Publish on resource" in summary
    assert "because no resource-based policy allows the SNS:Publish action" in summary


def test_given_actions_disabled_or_no_change_when_the_state_is_set_then_nothing_runs(
    world: World,
) -> None:
    topic = world.topic()
    world.alarm(topic, ActionsEnabled=False)
    world.fire()
    assert world.notifications() == []
    world.alarm(topic)  # enabled again (PutMetricAlarm), but ALARM -> ALARM is no change
    history = world.cw.describe_alarm_history(AlarmName=ALARM)["AlarmHistoryItems"]
    assert [h["HistoryItemType"] for h in history] == ["StateUpdate"]
    assert history[0]["HistorySummary"] == "Alarm updated from OK to ALARM"


def test_given_many_history_items_when_paging_then_every_item_comes_once(world: World) -> None:
    topic = world.topic()
    world.alarm(topic)
    for n in range(5):
        world.cw.set_alarm_state(
            AlarmName=ALARM, StateValue="ALARM" if n % 2 == 0 else "OK", StateReason=str(n)
        )
    seen: list[str] = []
    kwargs: dict[str, Any] = {"AlarmName": ALARM, "HistoryItemType": "StateUpdate"}
    while True:
        page = world.cw.describe_alarm_history(MaxRecords=2, **kwargs)
        seen += [
            json.loads(h["HistoryData"])["newState"]["stateReason"]
            for h in page["AlarmHistoryItems"]
        ]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert sorted(seen) == ["0", "1", "2", "3", "4"]
