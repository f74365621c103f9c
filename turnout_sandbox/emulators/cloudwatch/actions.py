"""What CloudWatch does when an alarm changes state: record it in the alarm's history and
run the actions of the new state, an SNS notification authorized as AWS authorizes it.

AWS's rules, and where they are written:

* Actions run on a state *change* only, for the new state's list (``AlarmActions``,
  ``OKActions``, ``InsufficientDataActions``), and not at all when ``ActionsEnabled`` is false
  (CloudWatch User Guide, "Using Amazon CloudWatch alarms": "Alarms invoke actions only when
  the alarm changes state"; PutMetricAlarm ``ActionsEnabled``).
* CloudWatch publishes to the topic as the service principal ``cloudwatch.amazonaws.com``:
  the topic's policy must let it ``SNS:Publish`` (the default topic policy does, for alarms
  of the topic owner's account: ``AWS:SourceOwner``), else the history says "Resource:
  <alarm> is not authorized to perform: SNS:Publish on resource: <topic> because no
  resource-based policy allows the SNS:Publish action"
  (aws-solutions/automated-security-response-on-aws#43).
* A topic with server-side encryption needs CloudWatch to use its key directly: the key
  policy must allow ``cloudwatch.amazonaws.com`` ``kms:GenerateDataKey*`` and
  ``kms:Decrypt`` (SNS Developer Guide, "Enable compatibility between event sources from
  AWS services and encrypted topics"). The AWS managed key ``alias/aws/sns`` can never
  allow it (its policy admits only calls *through* SNS: ``kms:ViaService``), so its alarms
  go to ALARM and notify no one; the history says "Failed to execute action <topic>.
  Received error: "null (Service: AWSKMS; Status Code: 400; Error Code:
  AccessDeniedException; …)"" (ASFHyP3/hyp3#762, aws/aws-cdk#11121, Knowledge Center
  "cloudwatch-receive-sns-for-alarm-trigger"; aws-fidelity row 2).
* The notification: Subject ``ALARM: "<name>" in <region's long name>``, Message the JSON
  document of aws/aws-lambda-go's ``events/testdata/cloudwatch-alarm-sns-payload-single-
  metric.json`` (AlarmName, AlarmDescription, AWSAccountId, NewStateValue, NewStateReason,
  StateChangeTime, Region, AlarmArn, OldStateValue, Trigger).

The sandbox runs the actions at once, in the call that changed the state (AWS runs them
shortly after); other action types (Auto Scaling, EC2, Systems Manager, Lambda) are recorded
as failed, naming the sandbox's limit.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from botocore.loaders import create_loader
from moto.kms.models import kms_backends
from moto.sns.models import sns_backends

from turnout_sandbox.emulators.cloudwatch.models import HistoryItem, emulator_backend
from turnout_sandbox.iam.resource_policy import ServicePrincipal, evaluate_resource_policy
from turnout_sandbox.runtime import get_runtime, has_runtime

__all__ = ["aws_sns_key_policy", "on_state_change", "region_name"]

CLOUDWATCH: Final = ServicePrincipal("cloudwatch.amazonaws.com")
AWS_SNS_ALIAS: Final = "alias/aws/sns"


def aws_sns_key_policy(account: str, region: str) -> dict[str, Any]:
    """The policy AWS gives the AWS managed key ``aws/sns`` (as the KMS console shows it for
    every AWS managed key: use only through the service, by the account's principals; KMS
    Developer Guide, "AWS managed keys")."""
    return {
        "Version": "2012-10-17",
        "Id": "auto-sns-1",
        "Statement": [
            {
                "Sid": "Allow access through SNS for all principals in the account that are "
                "authorized to use SNS",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [
                    "kms:Decrypt",
                    "kms:GenerateDataKey*",
                    "kms:CreateGrant",
                    "kms:ListGrants",
                    "kms:DescribeKey",
                ],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:CallerAccount": account,
                        "kms:ViaService": f"sns.{region}.amazonaws.com",
                    }
                },
            },
            {
                "Sid": "Allow direct access to key metadata to the account",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
                "Resource": "*",
            },
        ],
    }


def _now() -> datetime:
    seconds = get_runtime().clock.now() if has_runtime() else time.time()
    return datetime.fromtimestamp(seconds, tz=UTC)


def _aws_time(moment: datetime) -> str:
    """``2015-06-03T17:43:27.123+0000``, as the alarm message writes StateChangeTime."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


_REGION_NAMES: dict[str, str] = {}


def region_name(region: str) -> str:
    """The region's long name from botocore's endpoint data ("Asia Pacific (Seoul)")."""
    if not _REGION_NAMES:
        for partition in create_loader().load_data("endpoints")["partitions"]:
            for code, info in partition["regions"].items():
                _REGION_NAMES[code] = str(info.get("description", code))
    return _REGION_NAMES.get(region, region)


def _kms_error(code: str) -> str:
    return (
        f"null (Service: AWSKMS; Status Code: 400; Error Code: {code}; "
        f"Request ID: {uuid.uuid4()}; Proxy: null)"
    )


def _key_policy(key_id: str, account: str, region: str) -> tuple[str, Mapping[str, Any]] | str:
    """The key's ARN and policy, or the KMS error CloudWatch would get."""
    alias = key_id if key_id.startswith("alias/") else key_id.partition(":alias/")[2]
    if alias and ("alias/" + alias.removeprefix("alias/")) == AWS_SNS_ALIAS:
        arn = f"arn:aws:kms:{region}:{account}:{AWS_SNS_ALIAS}"
        return arn, aws_sns_key_policy(account, region)
    backend = kms_backends[account][region]
    try:
        key = backend.describe_key(key_id)
    except Exception:  # moto raises KeyError / NotFoundException for an unknown id
        return _kms_error("NotFoundException")
    if not key.enabled:
        return _kms_error("DisabledException")
    policy = key.policy  # a JSON string through the API, a dict from CloudFormation
    return key.arn, json.loads(policy) if isinstance(policy, str) else policy


def _publish_denied(alarm: Any, topic: Any, account: str, region: str) -> str | None:
    """Why CloudWatch may not publish this alarm to the topic; None when it may."""
    context = {
        "aws:SourceArn": alarm.alarm_arn,
        "aws:SourceAccount": account,
        "AWS:SourceOwner": account,
    }
    verdict = evaluate_resource_policy(
        topic.arn,
        topic.policy,
        CLOUDWATCH,
        action="SNS:Publish",
        resource=topic.arn,
        context=context,
    )
    if not verdict.allowed:
        how = (
            "with an explicit deny in a resource-based policy"
            if verdict.decision == "ExplicitDeny"
            else "because no resource-based policy allows the SNS:Publish action"
        )
        return (
            f"Resource: {alarm.alarm_arn} is not authorized to perform: SNS:Publish on "
            f"resource: {topic.arn} {how}"
        )
    key_id = str(getattr(topic, "kms_master_key_id", "") or "")
    if not key_id:
        return None
    found = _key_policy(key_id, account, region)
    if isinstance(found, str):
        return found
    key_arn, policy = found
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        allowed = evaluate_resource_policy(
            key_arn, policy, CLOUDWATCH, action=action, resource=key_arn, context=context
        )
        if not allowed.allowed:
            return _kms_error("AccessDeniedException")
    return None


def _message(alarm: Any, old_value: str, account: str, region: str, at: datetime) -> str:
    return json.dumps(
        {
            "AlarmName": alarm.name,
            "AlarmDescription": alarm.description,
            "AWSAccountId": account,
            "NewStateValue": alarm.state_value,
            "NewStateReason": alarm.state_reason,
            "StateChangeTime": _aws_time(at),
            "Region": region_name(region),
            "AlarmArn": alarm.alarm_arn,
            "OldStateValue": old_value,
            "Trigger": {
                "MetricName": alarm.metric_name,
                "Namespace": alarm.namespace,
                "StatisticType": "Statistic",
                "Statistic": str(alarm.statistic or "").upper(),
                "Unit": alarm.unit,
                "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
                "Period": alarm.period,
                "EvaluationPeriods": alarm.evaluation_periods,
                "ComparisonOperator": alarm.comparison_operator,
                "Threshold": alarm.threshold,
                "TreatMissingData": alarm.treat_missing_data,
                "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile
                or "",
            },
        }
    )


def _run_action(alarm: Any, arn: str, old_value: str, account: str, at: datetime) -> HistoryItem:
    parts = arn.split(":")
    published: str | None = None
    if len(parts) < 6 or parts[2] != "sns":
        error: str | None = f"the sandbox runs SNS actions only, not {arn}"
    else:
        topic_account, topic_region = parts[4], parts[3]
        try:
            topic: Any = sns_backends[topic_account][topic_region].get_topic(arn)
        except Exception:  # moto's SNS NotFound: "Topic does not exist"
            topic = None
        if topic is None:
            error = "Topic does not exist"
        else:
            error = _publish_denied(alarm, topic, topic_account, topic_region)
        if error is None:
            published = _message(alarm, old_value, account, topic_region, at)
            subject = f'{alarm.state_value}: "{alarm.name}" in {region_name(topic_region)}'
            topic.publish(published, subject=subject[:99])  # SNS: fewer than 100 characters
    data: dict[str, Any] = {
        "actionState": "Failed" if error else "Succeeded",
        "notificationResource": arn,
        "stateUpdateTimestamp": int(at.timestamp() * 1000),
    }
    if error:
        data["error"] = error
        summary = f'Failed to execute action {arn}. Received error: "{error}"'
    else:
        data["publishedMessage"] = published
        summary = f"Successfully executed action {arn}"
    return HistoryItem(alarm.name, _alarm_type(alarm), at, "Action", summary, json.dumps(data))


def _alarm_type(alarm: Any) -> str:
    return "CompositeAlarm" if getattr(alarm, "rule", None) else "MetricAlarm"


def on_state_change(alarm: Any, old_value: str, old_reason: str) -> None:
    """After moto set ``alarm``'s new state: its history, then (on a change) its actions."""
    account, region = alarm.alarm_arn.split(":")[4], alarm.alarm_arn.split(":")[3]
    backend = emulator_backend(account, region)
    at = _now()
    backend.record(
        HistoryItem(
            alarm.name,
            _alarm_type(alarm),
            at,
            "StateUpdate",
            f"Alarm updated from {old_value} to {alarm.state_value}",
            json.dumps(
                {
                    "version": "1.0",
                    "oldState": {"stateValue": old_value, "stateReason": old_reason},
                    "newState": {
                        "stateValue": alarm.state_value,
                        "stateReason": alarm.state_reason,
                    },
                }
            ),
        )
    )
    if old_value == alarm.state_value or str(alarm.actions_enabled).lower() == "false":
        return
    actions = {
        "ALARM": alarm.alarm_actions,
        "OK": alarm.ok_actions,
        "INSUFFICIENT_DATA": alarm.insufficient_data_actions,
    }.get(alarm.state_value) or []
    for arn in actions:
        backend.record(_run_action(alarm, str(arn), old_value, account, at))
