"""Fault injection in a running sandbox: a throttled call of a principal of the stack is
retried by botocore's own retry handler and succeeds; the sandbox's own calls are never
faulted; an asynchronous invocation whose function fails is retried as Lambda retries it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.ddb_table import create_key_table
from turnout_sandbox.cfn import SandboxError
from turnout_sandbox.lambdas import FunctionSpec
from turnout_sandbox.sandbox import Sandbox

_ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}],
}
_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(speed=1000, faults="throttle:dynamodb=0.5,seed=11").start()
    try:
        create_key_table(box.client("dynamodb"))
        yield box
    finally:
        box.stop()


def _principal_client(sandbox: Sandbox) -> Any:
    iam = sandbox.client("iam")
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(_TRUST))
    iam.put_role_policy(RoleName="fn-role", PolicyName="ddb", PolicyDocument=json.dumps(_ALLOW_ALL))
    keys = sandbox.principal(role["Role"]["Arn"], "fn")
    return boto3.client(
        "dynamodb",
        region_name=sandbox.region,
        aws_access_key_id=keys.access_key,
        aws_secret_access_key=keys.secret_key,
        aws_session_token=keys.session_token,
        config=Config(retries={"mode": "standard", "max_attempts": 10}),
    )


def test_given_throttling_when_a_principal_calls_then_botocore_retries_and_succeeds(
    sandbox: Sandbox,
) -> None:
    ddb = _principal_client(sandbox)

    retries = 0
    for n in range(20):
        answer = ddb.put_item(TableName="t", Item={"k": {"S": f"item-{n}"}})
        retries += answer["ResponseMetadata"]["RetryAttempts"]

    injected = sandbox.faults.injected
    assert injected, "a rate of 0.5 over 20 calls throttled none"
    assert retries == len(injected)
    assert {(f.kind, f.where) for f in injected} == {("throttle", "dynamodb.PutItem")}
    assert all(f.answer == "ProvisionedThroughputExceededException (HTTP 400)" for f in injected)
    assert all("assumed-role/fn-role/fn" in f.caller for f in injected)
    assert sandbox.client("dynamodb").scan(TableName="t")["Count"] == 20
    assert any(
        "injected throttle at dynamodb.PutItem" in line.message for line in sandbox.runtime.logs
    )


def test_given_throttling_when_the_sandbox_itself_calls_then_nothing_is_injected(
    sandbox: Sandbox,
) -> None:
    admin = sandbox.client("dynamodb")  # no retries: a throttle would raise

    for n in range(20):
        admin.put_item(TableName="t", Item={"k": {"S": f"own-{n}"}})

    assert sandbox.faults.injected == []


def test_given_a_function_failing_first_when_invoked_asynchronously_then_lambda_retries_it(
    tmp_path: Any,
) -> None:
    (tmp_path / "app.py").write_text(
        "CALLS = []\ndef handler(event, context):\n    CALLS.append(event)\n    return 'ok'\n"
    )
    box = Sandbox(speed=1000, faults="lambda-crash:Fn=first").start()
    try:
        spec = FunctionSpec(
            "fn",
            "arn:aws:lambda:ap-northeast-2:123456789012:function:fn",
            str(tmp_path),
            "app.handler",
            {},
            3,
            128,
            logical="Fn",
        )
        box.runner.add(spec)
        queue = box.runtime.invoke_lambda_async
        assert queue is not None

        queue("fn", {"n": 1})

        deadline = time.monotonic() + 10
        while len(box.runner.invocations) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        errors = [i.error for i in box.runner.invocations]
        assert errors == ["Runtime.ExitError", None]
        assert [f.kind for f in box.faults.injected] == ["lambda-crash"]
        retry = next(line for line in box.runtime.logs if "retry 1 of 2" in line.message)
        assert "in 60 s" in retry.message
    finally:
        box.stop()


def test_given_a_fault_naming_no_function_when_the_stack_is_checked_then_refused_named() -> None:
    box = Sandbox(speed=1000, faults="lambda-error:NoSuchFunction=first")
    with pytest.raises(SandboxError, match="no function NoSuchFunction"):
        box._check_fault_targets()


def test_given_a_bad_spec_when_the_sandbox_is_made_then_one_line_names_it() -> None:
    with pytest.raises(SandboxError, match=r"--faults: fault 'throttle=2'"):
        Sandbox(faults="throttle=2")


def test_given_a_throttled_target_when_eventbridge_delivers_then_it_retries_per_the_policy() -> (
    None
):
    from turnout_sandbox.emulators import events

    box = Sandbox(speed=1000, faults="throttle:stepfunctions=1").start()
    try:
        role = "arn:aws:iam::123456789012:role/events-role"
        machine = box.client("stepfunctions").create_state_machine(
            name="m",
            definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
            roleArn="arn:aws:iam::123456789012:role/sfn-role",
        )["stateMachineArn"]
        eb = box.client("events")
        eb.put_rule(Name="r", EventPattern=json.dumps({"source": ["demo.app"]}))
        eb.put_targets(
            Rule="r",
            Targets=[
                {
                    "Id": "m",
                    "Arn": machine,
                    "RoleArn": role,
                    "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600},
                }
            ],
        )

        box.runtime.put_event("demo.app", "Demo Happened", {"n": 1})

        deadline = time.monotonic() + 10
        while not events.delivered_log() and time.monotonic() < deadline:
            time.sleep(0.02)
        (entry,) = events.delivered_log()
        assert entry["status"] == "failed"
        assert "ThrottlingException (HTTP 400); dropped after 3 attempts" in entry["error"]
        assert [(f.where, f.caller) for f in box.faults.injected] == [
            ("stepfunctions.StartExecution", role)
        ] * 3
        retries = [line.message for line in box.runtime.logs if "refused" in line.message]
        assert [m.split("retry ")[1].split(" in ")[0] for m in retries] == ["1 of 2", "2 of 2"]
        assert (
            box.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"] == []
        )
    finally:
        box.stop()


# -- EventBridge: lost, late and repeated deliveries; DynamoDB: a competing writer ------------
def _queue_rule(box: Sandbox, source: str) -> str:
    """A rule sending ``source``'s events to an SQS queue; the queue's URL."""
    sqs = box.client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    eb = box.client("events")
    eb.put_rule(Name="r", EventPattern=json.dumps({"source": [source]}))
    eb.put_targets(Rule="r", Targets=[{"Id": "q", "Arn": arn}])
    return str(url)


def _received_ids(box: Sandbox, url: str, want: int, timeout: float = 10.0) -> list[str]:
    sqs = box.client("sqs")
    ids: list[str] = []
    deadline = time.monotonic() + timeout
    while len(ids) < want and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            ids.append(json.loads(message["Body"])["id"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        time.sleep(0.02)
    return ids


def test_given_event_duplicate_when_an_event_is_put_then_the_rule_gets_it_twice_same_id() -> None:
    box = Sandbox(speed=1000, faults="event-duplicate:demo.app=first").start()
    try:
        url = _queue_rule(box, "demo.app")

        box.runtime.put_event("demo.app", "Demo Happened", {"n": 1})
        box.runtime.put_event("demo.app", "Demo Happened", {"n": 2})

        ids = _received_ids(box, url, 3)
        assert len(ids) == 3
        assert len(set(ids)) == 2  # the first event twice, with its one id
        (fault,) = box.faults.injected
        assert fault.kind == "event-duplicate"
        assert fault.where.endswith("(demo.app Demo Happened) to rule r")
        assert fault.where.split()[1] == ids[0]
    finally:
        box.stop()


def test_given_event_lost_when_an_event_is_put_then_no_rule_and_no_archive_sees_it() -> None:
    box = Sandbox(speed=1000, faults="event-lost:demo.app=first").start()
    try:
        url = _queue_rule(box, "demo.app")
        box.client("events").create_archive(
            ArchiveName="a",
            EventSourceArn="arn:aws:events:ap-northeast-2:123456789012:event-bus/default",
            EventPattern=json.dumps({"source": ["demo.app"]}),
        )

        box.runtime.put_event("demo.app", "Demo Happened", {"n": 1})
        box.runtime.put_event("demo.app", "Demo Happened", {"n": 2})

        ids = _received_ids(box, url, 1)
        time.sleep(0.2)
        assert len(ids + _received_ids(box, url, 1, timeout=0.2)) == 1
        archived = box.client("events").describe_archive(ArchiveName="a")["EventCount"]
        assert archived == 1
        (fault,) = box.faults.injected
        assert (fault.kind, fault.answer) == (
            "event-lost",
            "never delivered to the bus (best effort)",
        )
    finally:
        box.stop()


def test_given_event_late_when_an_event_is_put_then_it_arrives_that_much_virtual_time_later() -> (
    None
):
    box = Sandbox(speed=1000, faults="event-late:demo.app=300").start()
    try:
        url = _queue_rule(box, "demo.app")
        put_at = box.runtime.clock.now()

        box.runtime.put_event("demo.app", "Demo Happened", {"n": 1})

        assert _received_ids(box, url, 1, timeout=0.1) == []
        assert len(_received_ids(box, url, 1)) == 1
        assert box.runtime.clock.now() - put_at >= 300
        assert [f.answer for f in box.faults.injected] == ["delivered 300 s late"]
    finally:
        box.stop()


def test_given_ddb_conflict_when_a_principal_writes_on_a_version_then_a_competitor_wins_first() -> (
    None
):
    box = Sandbox(speed=1000, faults="ddb-conflict:t=1").start()
    try:
        admin = box.client("dynamodb")
        create_key_table(admin)
        admin.put_item(TableName="t", Item={"k": {"S": "state"}, "version": {"N": "3"}})
        admin.put_item(TableName="t", Item={"k": {"S": "marker"}})
        ddb = _principal_client(box)

        with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
            ddb.put_item(
                TableName="t",
                Item={"k": {"S": "state"}, "version": {"N": "4"}},
                ConditionExpression="version = :v",
                ExpressionAttributeValues={":v": {"N": "3"}},
            )
        ddb.put_item(  # no version on the item: no competing writer races it
            TableName="t",
            Item={"k": {"S": "marker"}, "seen": {"BOOL": True}},
            ConditionExpression="attribute_exists(k)",
        )

        state = admin.get_item(TableName="t", Key={"k": {"S": "state"}})["Item"]
        assert state["version"] == {"N": "4"}  # the competitor's save
        (fault,) = box.faults.injected
        assert fault.kind == "ddb-conflict"
        assert fault.where == "dynamodb.PutItem t (k=state)"
        assert "assumed-role/fn-role/fn" in fault.caller
    finally:
        box.stop()
