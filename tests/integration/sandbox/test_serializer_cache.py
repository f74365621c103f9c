"""moto's serializer with remembered candidate names answers exactly as moto's own path
(turnout_sandbox.serializer_cache)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import boto3
import pytest
from moto import mock_aws

from tests.patch_state import patch_state
from turnout_sandbox import serializer_cache

REGION = "ap-northeast-2"
Call = Callable[[], Any]
World = list[tuple[Any, Call]]


def _world() -> World:
    """Resources of several protocols (JSON, query XML, REST-JSON) and calls that read them."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(
        TableName="t",
        Item={"pk": {"S": "a"}, "m": {"M": {"n": {"N": "1"}, "l": {"L": [{"S": "x"}]}}}},
    )
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName="c")
    ecs.register_task_definition(
        family="f",
        containerDefinitions=[{"name": "app", "image": "nginx", "memory": 128}],
    )
    ecs.create_service(cluster="c", serviceName="s", taskDefinition="f", desiredCount=1)
    cw = boto3.client("cloudwatch", region_name=REGION)
    cw.put_metric_alarm(
        AlarmName="a",
        MetricName="Errors",
        Namespace="N",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    iam = boto3.client("iam", region_name=REGION)
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps({"Statement": []}))
    events = boto3.client("events", region_name=REGION)
    events.put_rule(Name="rule", ScheduleExpression="rate(1 minute)")
    lam = boto3.client("lambda", region_name=REGION)
    return [
        (ddb, lambda: ddb.describe_table(TableName="t")),
        (ddb, lambda: ddb.get_item(TableName="t", Key={"pk": {"S": "a"}})),
        (ddb, lambda: ddb.scan(TableName="t")),
        (ecs, lambda: ecs.describe_services(cluster="c", services=["s"])),
        (ecs, lambda: ecs.describe_task_definition(taskDefinition="f")),
        (cw, lambda: cw.describe_alarms(AlarmNames=["a"])),
        (iam, lambda: iam.get_role(RoleName="r")),
        (events, events.list_rules),
        (lam, lam.list_functions),
    ]


_REQUEST_ID = re.compile(rb"<RequestId>[^<]*</RequestId>|\"RequestId\": ?\"[^\"]*\"")


def _bodies(calls: World) -> list[bytes]:
    seen: list[bytes] = []

    def keep(response_dict: dict[str, Any], **_: Any) -> None:
        seen.append(_REQUEST_ID.sub(b"", response_dict["body"]))

    for client, call in calls:
        client.meta.events.register("before-parse", keep)
        try:
            call()
        finally:
            client.meta.events.unregister("before-parse", keep)
    return seen


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield _world()


def test_given_responses_of_several_protocols_when_cached_then_the_bodies_are_moto_own(
    world: World,
) -> None:
    with patch_state(serializer_cache.cached_get_value, applied=False):
        moto_own = _bodies(world)
    with patch_state(serializer_cache.cached_get_value, applied=True):
        serializer_cache.clear()
        first = _bodies(world)
        assert serializer_cache.size() > 0
        again = _bodies(world)  # answered from the cache this time
    assert len(moto_own) == len(world)
    assert all(moto_own), "every call answered a body"
    assert first == moto_own
    assert again == moto_own


class _Meta:
    serialization_aliases: ClassVar[dict[str, str]] = {"Name": "alias_name"}


class _WithMeta:
    Meta = _Meta
    alias_name = "from-meta"
    Name = "plain"


class _WithoutMeta:
    alias_name = "from-meta"
    Name = "plain"


def test_given_two_classes_with_other_aliases_when_picked_then_each_gets_its_own_names() -> None:
    from moto.core.serialize import ResponseSerializer, XFormedAttributePicker
    from moto.core.utils import get_service_model

    shape: Any = get_service_model("sqs").shape_for("ListQueuesResult")
    operation = get_service_model("sqs").operation_model("ListQueues")
    serializer = ResponseSerializer(operation, value_picker=XFormedAttributePicker())
    with patch_state(serializer_cache.cached_get_value, applied=True):
        serializer_cache.clear()
        assert serializer.get_value(_WithMeta(), "Name", shape) == "from-meta"
        assert serializer.get_value(_WithoutMeta(), "Name", shape) == "plain"
        assert serializer.get_value(_WithMeta(), "Name", shape) == "from-meta"
        assert serializer.get_value({"Other": 1}, "Name", shape) is None


def test_given_a_picker_with_transformers_when_picked_then_moto_own_path_answers() -> None:
    from moto.core.serialize import ResponseSerializer, XFormedAttributePicker
    from moto.core.utils import get_service_model

    shape: Any = get_service_model("sqs").shape_for("ListQueuesResult")
    operation = get_service_model("sqs").operation_model("ListQueues")
    picker = XFormedAttributePicker(response_transformers={"Name": lambda v: f"<{v}>"})
    serializer = ResponseSerializer(operation, value_picker=picker)
    with patch_state(serializer_cache.cached_get_value, applied=True):
        serializer_cache.clear()
        assert serializer.get_value(_WithoutMeta(), "Name", shape) == "<plain>"
        assert serializer_cache.size() == 0
