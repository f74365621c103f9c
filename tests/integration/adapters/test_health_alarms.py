"""adapters/health.py, alarms: metric and composite alarms, pages and chunks of 100 names.

What moto 5.2.5 does with DescribeAlarms (checked against its cloudwatch models/responses):
it does not implement PutCompositeAlarm (NotImplementedError), it ignores AlarmTypes (it
returns CompositeAlarms even when AlarmTypes is omitted, where AWS returns metric alarms
only), it never pages (no NextToken, MaxRecords ignored) and it takes more than 100
AlarmNames. So the composite alarms of the moto tests are made through moto's CloudWatch
backend (its put_metric_alarm takes a composite AlarmRule: that is how moto stores them),
and the AWS rules moto skips are checked against a fake client that follows the CloudWatch
API Reference for DescribeAlarms.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.cloudwatch.models import cloudwatch_backends

from turnout.adapters.health import MAX_ALARM_NAMES, Health
from turnout.gate import GateConfig, Observation, Verdict, evaluate, start

REGION = "ap-northeast-2"
METRIC = "hello-aws-5xx"
COMPOSITE = "hello-aws-health"
NOW = 1_790_000_000.0


@pytest.fixture
def cloudwatch() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("cloudwatch", region_name=REGION)
        client.put_metric_alarm(
            AlarmName=METRIC, EvaluationPeriods=1, ComparisonOperator="GreaterThanThreshold"
        )
        # moto 5.2.5 has no PutCompositeAlarm: its backend stores a composite alarm as an
        # alarm with a rule (put_metric_alarm's rule=), returned under CompositeAlarms. The
        # metric arguments before it (namespace ... alarm actions) are empty: none applies.
        account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
        cloudwatch_backends[account][REGION].put_metric_alarm(
            COMPOSITE, "", "", "", 0, 0, 0.0, "", "", [], [], rule=f'ALARM("{METRIC}")'
        )
        yield client


def _gate(health: Health, names: tuple[str, ...]) -> tuple[Verdict, str]:
    """One gate check on the alarms alone, with no bake: PASS when none is in ALARM."""
    config = GateConfig(bake_seconds=0, timeout_seconds=60, check_targets=False, alarm_names=names)
    obs = Observation(at=NOW, target_states=None, alarms_in_alarm=health.alarms_in_alarm(names))
    result = evaluate(config, start(NOW), obs)
    return result.verdict, result.reason


@pytest.mark.parametrize(
    ("state", "verdict", "reason"),
    [
        ("ALARM", Verdict.FAIL, f"alarm {COMPOSITE} is in ALARM"),
        ("OK", Verdict.PASS, "healthy for 0s of 0s bake"),
    ],
)
def test_given_a_composite_alarm_in_a_state_when_the_gate_checks_then_alarm_fails_and_ok_passes(
    cloudwatch: Any, state: str, verdict: Verdict, reason: str
) -> None:
    cloudwatch.set_alarm_state(AlarmName=COMPOSITE, StateValue=state, StateReason="test")
    cloudwatch.set_alarm_state(AlarmName=METRIC, StateValue="OK", StateReason="test")

    got = _gate(Health(cloudwatch=cloudwatch), (METRIC, COMPOSITE))

    assert got == (verdict, reason)


def test_given_a_name_no_alarm_has_when_the_gate_checks_then_it_is_reported_missing(
    cloudwatch: Any,
) -> None:
    cloudwatch.set_alarm_state(AlarmName=COMPOSITE, StateValue="OK", StateReason="test")

    found = Health(cloudwatch=cloudwatch).alarms_in_alarm((COMPOSITE, "hello-aws-typo"))

    assert found == ("hello-aws-typo (no such alarm)",)


class AwsLikeCloudWatch:
    """DescribeAlarms by AlarmNames as the CloudWatch API Reference describes it: AlarmNames
    at most 100 (ValidationError above); AlarmTypes omitted returns metric alarms only;
    answers paged by MaxRecords (1-100; 50 when not given, here) with a NextToken."""

    def __init__(self, alarms: dict[str, tuple[str, str]]) -> None:
        self.alarms = alarms  # name -> (AlarmType, StateValue)
        self.calls: list[dict[str, Any]] = []

    def describe_alarms(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        names = kwargs["AlarmNames"]
        if len(names) > 100:
            raise ClientError(
                {"Error": {"Code": "ValidationError", "Message": "AlarmNames: at most 100"}},
                "DescribeAlarms",
            )
        types = kwargs.get("AlarmTypes", ["MetricAlarm"])
        matching = sorted(n for n in names if n in self.alarms and self.alarms[n][0] in types)
        offset = int(kwargs.get("NextToken", "0"))
        size = int(kwargs.get("MaxRecords", 50))
        page = matching[offset : offset + size]
        answer: dict[str, Any] = {
            "MetricAlarms": [
                {"AlarmName": n, "StateValue": self.alarms[n][1]}
                for n in page
                if self.alarms[n][0] == "MetricAlarm"
            ],
            "CompositeAlarms": [
                {"AlarmName": n, "StateValue": self.alarms[n][1]}
                for n in page
                if self.alarms[n][0] == "CompositeAlarm"
            ],
        }
        if offset + size < len(matching):
            answer["NextToken"] = str(offset + size)
        return answer


def test_given_a_composite_alarm_in_alarm_when_asking_aws_then_both_alarm_types_are_asked_for() -> (
    None
):
    fake = AwsLikeCloudWatch(
        {METRIC: ("MetricAlarm", "OK"), COMPOSITE: ("CompositeAlarm", "ALARM")}
    )

    found = Health(cloudwatch=fake).alarms_in_alarm((METRIC, COMPOSITE))  # type: ignore[arg-type]

    assert found == (COMPOSITE,)
    assert fake.calls[0]["AlarmTypes"] == ["MetricAlarm", "CompositeAlarm"]


def test_given_150_names_when_checking_alarms_then_every_chunk_of_100_and_every_page_is_read() -> (
    None
):
    alarms = {f"alarm-{i:03}": ("MetricAlarm", "OK") for i in range(140)}
    alarms["alarm-099"] = ("MetricAlarm", "ALARM")  # the last name of the first chunk
    alarms["alarm-139"] = ("CompositeAlarm", "ALARM")  # in the second chunk
    names = tuple(f"alarm-{i:03}" for i in range(150))  # alarm-140 .. alarm-149 do not exist
    fake = AwsLikeCloudWatch(alarms)

    found = Health(cloudwatch=fake).alarms_in_alarm(names)  # type: ignore[arg-type]

    assert found == (
        "alarm-099",
        "alarm-139",
        *(f"alarm-{i} (no such alarm)" for i in range(140, 150)),
    )
    assert max(len(call["AlarmNames"]) for call in fake.calls) == MAX_ALARM_NAMES
    # chunk one: 100 alarms in two pages of 50; chunk two: 40 alarms in one page
    assert [call.get("NextToken") for call in fake.calls] == [None, "50", None]


def test_given_a_name_twice_when_checking_alarms_then_it_is_asked_for_once() -> None:
    fake = AwsLikeCloudWatch({METRIC: ("MetricAlarm", "ALARM")})

    found = Health(cloudwatch=fake).alarms_in_alarm((METRIC, METRIC))  # type: ignore[arg-type]

    assert found == (METRIC, METRIC)
    assert fake.calls[0]["AlarmNames"] == [METRIC]
