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
        box.client("dynamodb").create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
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
