"""The stack's alarms reach their topic only as AWS lets them (aws-fidelity row 2).

The audit found that both alarms notified a topic encrypted with ``alias/aws/sns``, which
CloudWatch cannot use: in AWS they go to ALARM and notify no one. The sandbox now runs alarm
actions as CloudWatch does (the topic policy and the key policy, for the service principal
``cloudwatch.amazonaws.com``), so: the stack as template.yaml declares it (its own key, whose
policy lets CloudWatch publish) notifies; the same stack with the ``aws/sns`` key does not,
and its alarm history says why, in AWS's words.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from turnout_sandbox.sandbox import REPO_ROOT
from turnout_sandbox.scenarios import Run

pytestmark = pytest.mark.e2e

OWN_KEY = "      KmsMasterKeyId: !Ref NotificationKey\n"


@contextmanager
def _run(template: Path | None = None) -> Iterator[Run]:
    run = Run(None, speed=100.0, template=template)
    try:
        yield run
    finally:
        run.close()


def _fire_deploy_alarm(run: Run) -> tuple[str, str, list[dict[str, Any]]]:
    """Subscribe a queue to the alarm's topic, set the stack's deploy-failures alarm to ALARM;
    the alarm, the queue URL and the alarm's Action history."""
    cw, sns, sqs = (run.sandbox.client(s) for s in ("cloudwatch", "sns", "sqs"))
    alarms = [
        a
        for a in cw.describe_alarms()["MetricAlarms"]
        if "DeployFailuresAlarm" in a["AlarmName"] and a["AlarmActions"]
    ]
    assert len(alarms) == 1, [a["AlarmName"] for a in alarms]
    alarm, topic = alarms[0]["AlarmName"], alarms[0]["AlarmActions"][0]
    queue = sqs.create_queue(QueueName="operator-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])
    cw.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="deploys failed")
    history = cw.describe_alarm_history(AlarmName=alarm, HistoryItemType="Action")
    return alarm, queue, list(history["AlarmHistoryItems"])


def _notifications(run: Run, queue: str) -> list[dict[str, Any]]:
    got = run.sandbox.client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in got.get("Messages", [])]


def test_given_the_stack_as_declared_when_its_alarm_fires_then_the_topic_is_notified() -> None:
    with _run() as run:
        alarm, queue, actions = _fire_deploy_alarm(run)
        [note] = _notifications(run, queue)
        assert json.loads(note["Message"])["AlarmName"] == alarm
        assert [a["HistorySummary"].split(" arn:")[0] for a in actions] == [
            "Successfully executed action"
        ]


def test_given_the_topic_on_the_aws_sns_key_when_its_alarm_fires_then_no_one_is_notified(
    tmp_path: Path,
) -> None:
    text = (REPO_ROOT / "template.yaml").read_text(encoding="utf-8")
    assert OWN_KEY in text, "template.yaml no longer encrypts the topic with NotificationKey"
    for part in ("functions", "layers", "statemachines"):
        (tmp_path / part).symlink_to(REPO_ROOT / part, target_is_directory=True)
    template = tmp_path / "template.yaml"
    template.write_text(
        text.replace(OWN_KEY, "      KmsMasterKeyId: alias/aws/sns\n", 1), encoding="utf-8"
    )
    with _run(template) as run:
        alarm, queue, actions = _fire_deploy_alarm(run)
        state = run.sandbox.client("cloudwatch").describe_alarms(AlarmNames=[alarm])
        assert state["MetricAlarms"][0]["StateValue"] == "ALARM"
        assert _notifications(run, queue) == []
        [action] = actions
        assert "Error Code: AccessDeniedException" in action["HistorySummary"]
        assert "Service: AWSKMS" in action["HistorySummary"]
