"""The Step Functions emulator: moto's ASL interpreter taught AWS's behaviour.

Every test runs a small state machine on moto (execute_state_machine) with the emulator
installed and a fast virtual clock. Lambdas run in-process through a botocore before-call
handler on lambda.Invoke (the way the sandbox runs them).
"""

from __future__ import annotations

import datetime
import io
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import boto3
import botocore.handlers
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from botocore.response import StreamingBody
from moto import mock_aws

from turnout_sandbox.emulators import stepfunctions as emu
from turnout_sandbox.runtime import (
    Runtime,
    VirtualClock,
    get_runtime,
    has_runtime,
    set_runtime,
)

pytestmark = pytest.mark.integration

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sfn"
SPEED = 20000.0  # virtual seconds per real second
_names = itertools.count()


# ------------------------------------------------------------------------------ fixtures
class FunctionFailed(Exception):
    """Raised by in-process test lambdas; reaches Step Functions as errorType."""


@dataclass
class InProcessLambdas:
    handlers: dict[str, Callable[[dict[str, Any]], Any]] = field(default_factory=dict)

    def before_call(self, model: Any, params: dict[str, Any], **_: Any) -> Any:
        name = unquote(params["url_path"].split("/functions/")[1].split("/")[0])
        name = name.split(":")[6] if name.startswith("arn:") else name
        payload = json.loads(params.get("body") or b"{}")
        parsed: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
        try:
            body = json.dumps(self.handlers[name](payload)).encode()
        except Exception as exc:
            body = json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}).encode()
            parsed["FunctionError"] = "Unhandled"
        parsed["Payload"] = StreamingBody(io.BytesIO(body), len(body))
        return AWSResponse("https://lambda", 200, {}, None), parsed


@pytest.fixture
def lambdas() -> Iterator[InProcessLambdas]:
    registry = InProcessLambdas()
    entry = ("before-call.lambda.Invoke", registry.before_call)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        yield registry
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)


@pytest.fixture
def clock() -> Iterator[VirtualClock]:
    previous = get_runtime() if has_runtime() else None
    virtual = VirtualClock(speed=SPEED)
    set_runtime(Runtime(clock=virtual, region=REGION, account=ACCOUNT))
    try:
        yield virtual
    finally:
        virtual.stop()
        set_runtime(previous)


@pytest.fixture
def aws(
    lambdas: InProcessLambdas, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    emu.install()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield
    emu.reset()


@dataclass
class Run:
    arn: str
    state_machine_arn: str
    status: str
    output: Any
    error: str | None
    cause: str | None
    events: list[dict[str, Any]]


def start(definition: dict[str, Any], payload: Any = None) -> tuple[str, str]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    n = next(_names)
    sm = sfn.create_state_machine(name=f"sm-{n}", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    ex = sfn.start_execution(stateMachineArn=sm, name=f"ex-{n}", input=json.dumps(payload or {}))[
        "executionArn"
    ]
    return sm, ex


def finish(sm: str, ex: str, real_timeout: float = 10.0) -> Run:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    deadline = time.monotonic() + real_timeout
    while True:
        described = sfn.describe_execution(executionArn=ex)
        if described["status"] != "RUNNING":
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"execution {ex} still RUNNING after {real_timeout}s real")
        time.sleep(0.01)
    events = sfn.get_execution_history(executionArn=ex)["events"]
    output = described.get("output")
    return Run(
        arn=ex,
        state_machine_arn=sm,
        status=described["status"],
        output=json.loads(output) if output else None,
        error=described.get("error"),
        cause=described.get("cause"),
        events=events,
    )


def run(definition: dict[str, Any], payload: Any = None, real_timeout: float = 10.0) -> Run:
    return finish(*start(definition, payload), real_timeout=real_timeout)


def task_outputs(result: Run) -> list[Any]:
    return [
        json.loads(e["taskSucceededEventDetails"]["output"])
        for e in result.events
        if e["type"] == "TaskSucceeded"
    ]


def epoch(iso: str) -> float:
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def one_task(name: str, resource: str, **fields: Any) -> dict[str, Any]:
    """A machine of one Task state; with a Catch, its Next is a Pass state named Caught."""
    task = {"Type": "Task", "Resource": resource, **fields}
    if "Next" not in fields:
        task["End"] = True
    states: dict[str, Any] = {name: task}
    if "Catch" in fields:
        states["Caught"] = {"Type": "Pass", "End": True}
    return {"StartAt": name, "States": states}


def one_pass(parameters: dict[str, Any]) -> dict[str, Any]:
    """A machine of one Pass state named P that outputs its Parameters."""
    return {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": parameters, "End": True}},
    }


def parked(heartbeat_seconds: int, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """A one-state machine: a lambda invoke that waits for its task token."""
    return one_task(
        "Park",
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        Parameters=parameters or {"FunctionName": "park", "Payload": {"token.$": "$$.Task.Token"}},
        HeartbeatSeconds=heartbeat_seconds,
    )


def create_table() -> None:
    """A DynamoDB table t keyed by the string pk."""
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def stamp(name: str, next_state: str) -> dict[str, Any]:
    """A Pass state recording $$.State.EnteredTime at $.times.<name>."""
    return {
        "Type": "Pass",
        "Parameters": {"at.$": "$$.State.EnteredTime"},
        "ResultPath": f"$.times.{name}",
        "Next": next_state,
    }


# ------------------------------------------------------------------------------ time
def test_given_wait_seconds_when_run_then_waits_virtual_time_not_real_time(aws: None) -> None:
    definition = {
        "StartAt": "Before",
        "States": {
            "Before": stamp("before", "Wait"),
            "Wait": {"Type": "Wait", "Seconds": 3600, "Next": "WaitPath"},
            "WaitPath": {"Type": "Wait", "SecondsPath": "$.more", "Next": "After"},
            "After": {**stamp("after", "Done")},
            "Done": {"Type": "Succeed"},
        },
    }
    began = time.monotonic()
    result = run(definition, {"more": 1800})
    real = time.monotonic() - began
    assert result.status == "SUCCEEDED"
    waited = epoch(result.output["times"]["after"]["at"]) - epoch(
        result.output["times"]["before"]["at"]
    )
    assert 5400 <= waited < 5400 + 0.5 * SPEED
    assert real < 5400 / 10  # nowhere near real time


def test_given_timestamp_path_when_run_then_waits_until_the_virtual_clock_reaches_it(
    aws: None, clock: VirtualClock
) -> None:
    target = emu.iso_timestamp(clock.now() + 7200).replace(".000Z", "Z")
    definition = {
        "StartAt": "Wait",
        "States": {
            "Wait": {"Type": "Wait", "TimestampPath": "$.until", "Next": "After"},
            "After": {**stamp("after", "Done")},
            "Done": {"Type": "Succeed"},
        },
    }
    result = run(definition, {"until": target})
    assert result.status == "SUCCEEDED"
    assert epoch(result.output["times"]["after"]["at"]) >= epoch(target) - 1


def test_given_retry_backoff_and_max_delay_when_task_fails_then_intervals_are_virtual(
    aws: None, lambdas: InProcessLambdas, clock: VirtualClock
) -> None:
    calls: list[float] = []
    real: list[float] = []

    def flaky(_: dict[str, Any]) -> dict[str, Any]:
        calls.append(clock.now())
        real.append(time.monotonic())
        if len(calls) < 4:
            raise FunctionFailed("not yet")
        return {"ok": True}

    lambdas.handlers["flaky"] = flaky
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "flaky", "Payload": {}},
                "Retry": [
                    {
                        "ErrorEquals": ["FunctionFailed"],
                        "IntervalSeconds": 100,
                        "BackoffRate": 3,
                        "MaxDelaySeconds": 500,
                        "MaxAttempts": 5,
                    }
                ],
                "OutputPath": "$.Payload",
                "End": True,
            }
        },
    }
    began = time.monotonic()
    result = run(definition)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"ok": True}
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    real_gaps = [b - a for a, b in itertools.pairwise(real)]
    slack = 0.3 * SPEED
    # Each wait is its backoff in virtual time (100, 300, then capped at 500), plus at most
    # 0.3 s of real scheduling; a gap during which the machine stalled longer (the scaled
    # clock turns a stall into virtual time) is held to its lower bound only.
    assert [
        expected <= gap and (gap < expected + slack or stalled > 0.3)
        for expected, gap, stalled in zip((100, 300, 500), gaps, real_gaps, strict=True)
    ] == [True, True, True], gaps
    assert time.monotonic() - began < 5


def test_given_wait_for_task_token_with_timeout_seconds_path_when_no_callback_then_states_timeout(
    aws: None, lambdas: InProcessLambdas, clock: VirtualClock
) -> None:
    tokens: list[str] = []
    lambdas.handlers["park"] = lambda event: tokens.append(event["token"])
    definition = {
        "StartAt": "Park",
        "States": {
            "Park": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {
                    "FunctionName": "park",
                    "Payload": {"token.$": "$$.Task.Token"},
                },
                "TimeoutSecondsPath": "$.timeout",
                "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "TimedOut"}],
                "End": True,
            },
            "TimedOut": {**stamp("timedOut", "Done")},
            "Done": {"Type": "Succeed"},
        },
    }
    began_virtual = clock.now()
    result = run(definition, {"timeout": 3600})
    assert result.status == "SUCCEEDED"
    assert result.output["Error"] == "States.Timeout"
    assert len(tokens) == 1
    assert epoch(result.output["times"]["timedOut"]["at"]) - began_virtual >= 3600


def test_given_wait_for_task_token_when_task_success_sent_later_then_output_is_the_callback(
    aws: None, lambdas: InProcessLambdas, clock: VirtualClock
) -> None:
    def park(event: dict[str, Any]) -> None:
        def succeed() -> None:
            boto3.client("stepfunctions", region_name=REGION).send_task_success(
                taskToken=event["token"], output=json.dumps({"gate": "passed"})
            )

        clock.call_later(1200, succeed, name="callback")

    lambdas.handlers["park"] = park
    result = run(parked(3000))
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"gate": "passed"}


def test_given_wait_for_task_token_when_task_failure_sent_then_error_and_cause_reach_it(
    aws: None, lambdas: InProcessLambdas, clock: VirtualClock
) -> None:
    # AWS SendTaskFailure: error and cause both reach the task (moto dropped the cause).
    def park(event: dict[str, Any]) -> None:
        def fail() -> None:
            boto3.client("stepfunctions", region_name=REGION).send_task_failure(
                taskToken=event["token"], error="DeploymentFailed", cause="IAM_ROLE_PERMISSIONS"
            )

        clock.call_later(60, fail, name="callback")

    lambdas.handlers["park"] = park
    result = run(parked(3000))
    assert (result.status, result.error, result.cause) == (
        "FAILED",
        "DeploymentFailed",
        "IAM_ROLE_PERMISSIONS",
    )


def test_given_heartbeat_seconds_when_no_heartbeat_arrives_then_states_timeout(
    aws: None, lambdas: InProcessLambdas
) -> None:
    lambdas.handlers["park"] = lambda event: None
    result = run(parked(600))
    assert (result.status, result.error) == ("FAILED", "States.Timeout")


def test_given_task_with_only_heartbeat_when_built_then_timeout_is_aws_default() -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    emu.install()
    program = AmazonStateLanguageParser.parse(json.dumps(parked(600, {"FunctionName": "f"})))[0]
    state = program.states.states["Park"]
    assert state.timeout.timeout_seconds == 99999999


# ------------------------------------------------------------------------------ context
def test_given_context_object_when_read_then_ids_and_start_time_match_aws(
    aws: None, clock: VirtualClock
) -> None:
    definition = one_pass(
        {
            "id.$": "$$.Execution.Id",
            "name.$": "$$.Execution.Name",
            "start.$": "$$.Execution.StartTime",
            "sm.$": "$$.StateMachine.Id",
        }
    )
    before = clock.now()
    result = run(definition)
    assert result.status == "SUCCEEDED"
    assert result.output["id"] == result.arn
    assert result.output["sm"] == result.state_machine_arn
    assert result.output["name"] == result.arn.rsplit(":", 1)[1]
    start_time = result.output["start"]
    assert len(start_time) == len("2019-03-26T20:14:13.192Z")
    assert start_time.endswith("Z")
    assert before - 1 <= epoch(start_time) <= clock.now()


def test_given_a_wait_when_run_then_history_and_dates_are_on_the_virtual_clock(
    aws: None, clock: VirtualClock
) -> None:
    """GetExecutionHistory's timestamps say when each event happened (on the clock the
    states ran on): the state after a 1-hour Wait is entered an hour after the one before."""
    definition = {
        "StartAt": "Before",
        "States": {
            "Before": {"Type": "Pass", "Next": "Wait"},
            "Wait": {"Type": "Wait", "Seconds": 3600, "Next": "After"},
            "After": {"Type": "Pass", "End": True},
        },
    }
    before = clock.now()
    result = run(definition)
    assert result.status == "SUCCEEDED"
    entered = {
        e["stateEnteredEventDetails"]["name"]: e["timestamp"].timestamp()
        for e in result.events
        if e["type"].endswith("StateEntered")
    }
    assert 3600 <= entered["After"] - entered["Before"] < 3600 + 0.5 * SPEED
    assert before - 1 <= entered["Before"]
    described = boto3.client("stepfunctions", region_name=REGION).describe_execution(
        executionArn=result.arn
    )
    assert described["startDate"].timestamp() <= entered["Before"]
    assert described["stopDate"].timestamp() >= entered["After"]


def test_given_fail_state_with_error_and_cause_paths_when_run_then_execution_fails_with_them(
    aws: None,
) -> None:
    definition = {
        "StartAt": "F",
        "States": {"F": {"Type": "Fail", "ErrorPath": "$.errors[0].name", "CausePath": "$.why"}},
    }
    result = run(definition, {"errors": [{"name": "GateFailed"}], "why": "5xx alarm"})
    assert (result.status, result.error, result.cause) == ("FAILED", "GateFailed", "5xx alarm")


# ------------------------------------------------------------------------------ JSONPath
def test_given_definite_path_through_an_index_when_selected_then_scalar_like_aws(
    aws: None,
) -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Pass",
                "Parameters": {
                    "one.$": "$.a[0].b",
                    "first.$": "$.a[0]",
                    "all.$": "$.a[*].b",
                    "deep.$": "$..b",
                    "text.$": "States.Format('v{}', $.a[1].b)",
                },
                "Next": "C",
            },
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.one", "NumericEquals": 1, "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Fail", "Error": "ChoiceSawAList"},
        },
    }
    result = run(definition, {"a": [{"b": 1}, {"b": 2}]})
    assert result.status == "SUCCEEDED", result.error
    assert result.output == {
        "one": 1,
        "first": {"b": 1},
        "all": [1, 2],
        "deep": [1, 2],
        "text": "v2",
    }


def test_given_intrinsics_when_evaluated_then_results_match_aws(aws: None) -> None:
    definition = one_pass(
        {
            "f.$": "States.Format('{}/{}', $.cluster, $.service)",
            "j.$": "States.StringToJson($.raw)",
            "m.$": "States.JsonMerge($.x, $.y, false)",
            "g.$": "States.ArrayGetItem($.list, 1)",
            "n.$": "States.MathAdd($.count, -1)",
            "u.$": "States.UUID()",
        }
    )
    result = run(
        definition,
        {
            "cluster": "c",
            "service": "s",
            "raw": '{"k": [1]}',
            "x": {"a": 1, "b": 1},
            "y": {"b": 2},
            "list": ["p", "q"],
            "count": 3,
        },
    )
    out = result.output
    assert {k: out[k] for k in "fjmgn"} == {
        "f": "c/s",
        "j": {"k": [1]},
        "m": {"a": 1, "b": 2},
        "g": "q",
        "n": 2,
    }
    assert len(out["u"]) == 36


# ------------------------------------------------------------------------------ aws-sdk
GET_APPLICATION = "arn:aws:states:::aws-sdk:codedeploy:getApplication"


def _codedeploy_app() -> None:
    codedeploy = boto3.client("codedeploy", region_name=REGION)
    codedeploy.create_application(applicationName="app-hello-aws", computePlatform="ECS")


def test_given_pascal_case_sdk_parameters_when_task_runs_then_boto_gets_them_and_result_is_pascal(
    aws: None,
) -> None:
    _codedeploy_app()
    definition = one_task(
        "Get",
        GET_APPLICATION,
        Parameters={"ApplicationName.$": "$.app"},
        ResultSelector={
            "name.$": "$.Application.ApplicationName",
            "created.$": "$.Application.CreateTime",
        },
    )
    result = run(definition, {"app": "app-hello-aws"})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["name"] == "app-hello-aws"
    assert result.output["created"].endswith("Z")
    epoch(result.output["created"])  # parses as ISO-8601


def test_given_nested_sdk_parameters_when_mapped_then_structures_lists_and_maps_convert(
    aws: None,
) -> None:
    create_table()
    ecs = boto3.client("ecs", region_name=REGION)
    definition = one_task(
        "Register",
        "arn:aws:states:::aws-sdk:ecs:registerTaskDefinition",
        Parameters={
            "Family": "task-hello-aws",
            "ContainerDefinitions": [
                {
                    "Name": "hello-aws",
                    "Image": "img:latest",
                    "Memory": 512,
                    "PortMappings": [{"ContainerPort": 8080}],
                    "DockerLabels": {"someLabel": "kept-as-is"},
                }
            ],
        },
        ResultSelector={
            "arn.$": "$.TaskDefinition.TaskDefinitionArn",
            "labels.$": "$.TaskDefinition.ContainerDefinitions[0].DockerLabels",
        },
    )
    result = run(definition)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["labels"] == {"someLabel": "kept-as-is"}
    registered = ecs.describe_task_definition(taskDefinition=result.output["arn"])
    container = registered["taskDefinition"]["containerDefinitions"][0]
    assert container["portMappings"][0]["containerPort"] == 8080


def test_given_unknown_sdk_parameter_when_task_runs_then_failure_names_the_field(
    aws: None,
) -> None:
    result = run(one_task("Get", GET_APPLICATION, Parameters={"AppName": "x"}))
    assert result.status == "FAILED"
    assert "'AppName'" in (result.cause or "")
    assert "ApplicationName" in (result.cause or "")


def test_given_sdk_service_error_when_caught_then_name_is_service_pascal_dot_exception(
    aws: None,
) -> None:
    _codedeploy_app()
    codedeploy = boto3.client("codedeploy", region_name=REGION)
    codedeploy.create_deployment_group(
        applicationName="app-hello-aws", deploymentGroupName="dg", serviceRoleArn=ROLE
    )
    definition = one_task(
        "Get",
        GET_APPLICATION,
        Parameters={"ApplicationName": "missing"},
        Catch=[{"ErrorEquals": ["CodeDeploy.ApplicationDoesNotExistException"], "Next": "Caught"}],
    )
    result = run(definition)
    assert result.status == "SUCCEEDED"
    assert result.output["Error"] == "CodeDeploy.ApplicationDoesNotExistException"
    assert "(Service: CodeDeploy, Status Code: 400" in result.output["Cause"]


def test_given_elasticloadbalancingv2_service_name_when_task_runs_then_elbv2_answers(
    aws: None,
) -> None:
    definition = one_task(
        "D",
        "arn:aws:states:::aws-sdk:elasticloadbalancingv2:describeTargetGroups",
        Parameters={"Names": ["nope"]},
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
    )
    result = run(definition)
    assert result.status == "SUCCEEDED"
    assert result.output["Error"] == "ElasticLoadBalancingV2.TargetGroupNotFoundException"


@pytest.mark.parametrize(
    ("sdk_name", "boto_name", "error_prefix"),
    [
        ("elasticloadbalancingv2", "elbv2", "ElasticLoadBalancingV2"),
        ("sfn", "stepfunctions", "Sfn"),
        ("cloudwatch", "cloudwatch", "CloudWatch"),
        ("codedeploy", "codedeploy", "CodeDeploy"),
        ("dynamodb", "dynamodb", "DynamoDb"),
        ("acmpca", "acm-pca", "AcmPca"),
        ("eventbridge", "events", "EventBridge"),
        ("cloudwatchlogs", "logs", "CloudWatchLogs"),
        ("s3", "s3", "S3"),
        ("ecs", "ecs", "Ecs"),
    ],
)
def test_given_sdk_service_name_when_mapped_then_boto_name_and_error_prefix_follow_aws(
    sdk_name: str, boto_name: str, error_prefix: str
) -> None:
    assert emu.sdk_service_to_boto(sdk_name) == boto_name
    assert emu.sdk_error_service_name(boto_name) == error_prefix


@pytest.mark.slow  # scans every botocore model once (~10 s)
def test_given_unknown_sdk_service_when_mapped_then_typed_error_names_it() -> None:
    with pytest.raises(emu.AwsSdkIntegrationError, match="nosuchservice"):
        emu.sdk_service_to_boto("nosuchservice")


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("deploymentId", "DeploymentId"),
        ("DBInstanceIdentifier", "DbInstanceIdentifier"),
        ("LoadBalancerArn", "LoadBalancerArn"),
        ("arn", "Arn"),
        ("ETag", "ETag"),
    ],
)
def test_given_api_member_when_named_for_sfn_then_java_v2_pascal_case(
    member: str, expected: str
) -> None:
    assert emu.sdk_member_name(member) == expected


# ------------------------------------------------------------------------------ lambda
def test_given_lambda_function_error_when_caught_by_error_type_then_catch_matches(
    aws: None, lambdas: InProcessLambdas
) -> None:
    def boom(_: dict[str, Any]) -> None:
        raise FunctionFailed("gate red")

    lambdas.handlers["gate"] = boom
    lambdas.handlers["echo"] = lambda event: {"got": event}
    definition = {
        "StartAt": "Echo",
        "States": {
            "Echo": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "echo", "Payload.$": "$"},
                "ResultSelector": {"payload.$": "$.Payload", "status.$": "$.StatusCode"},
                "ResultPath": "$.echo",
                "Next": "Gate",
            },
            "Gate": {
                "Type": "Task",
                "Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:gate",
                "Catch": [
                    {"ErrorEquals": ["FunctionFailed"], "ResultPath": "$.error", "Next": "Caught"}
                ],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    result = run(definition, {"k": 1})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["echo"] == {"payload": {"got": {"k": 1}}, "status": 200}
    assert result.output["error"]["Error"] == "FunctionFailed"
    assert json.loads(result.output["error"]["Cause"])["errorMessage"] == "gate red"


# ------------------------------------------------------------------------------ optimized
def test_given_optimized_integrations_when_run_then_pascal_parameters_and_aws_outputs(
    aws: None,
) -> None:
    create_table()
    topic = boto3.client("sns", region_name=REGION).create_topic(Name="n")["TopicArn"]
    sfn = boto3.client("stepfunctions", region_name=REGION)
    child = sfn.create_state_machine(
        name="child",
        roleArn=ROLE,
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
    )["stateMachineArn"]
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": "t",
                    "Item": {"pk": {"S": "a"}, "n": {"N": "1"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                },
                "ResultPath": None,
                "Next": "Again",
            },
            "Again": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": "t",
                    "Item": {"pk": {"S": "a"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                },
                "Catch": [
                    {
                        "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                        "ResultPath": "$.dup",
                        "Next": "Update",
                    }
                ],
                "Next": "Update",
            },
            "Update": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "a"}},
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                },
                "ResultPath": None,
                "Next": "Get",
            },
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": "t", "Key": {"pk": {"S": "a"}}},
                "ResultSelector": {"n.$": "$.Item.n.N"},
                "ResultPath": "$.get",
                "Next": "Publish",
            },
            "Publish": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": topic, "Message.$": "$.get"},
                "ResultSelector": {"id.$": "$.MessageId"},
                "ResultPath": "$.pub",
                "Next": "Events",
            },
            "Events": {
                "Type": "Task",
                "Resource": "arn:aws:states:::events:putEvents",
                "Parameters": {
                    "Entries": [{"Source": "turnout", "DetailType": "t", "Detail": {"a": 1}}]
                },
                "ResultSelector": {"failed.$": "$.FailedEntryCount"},
                "ResultPath": "$.events",
                "Next": "Child",
            },
            "Child": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution",
                "Parameters": {
                    "StateMachineArn": child,
                    "Name": "child-1",
                    "Input": {"from": "parent"},
                },
                "ResultPath": "$.child",
                "Next": "Fan",
            },
            "Fan": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {"v.$": "$$.Map.Item.Value"},
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
                "ResultPath": "$.map",
                "Next": "Both",
            },
            "Both": {
                "Type": "Parallel",
                "ResultPath": "$.par",
                "End": True,
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": True}}},
                    {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": 2, "End": True}}},
                ],
            },
        },
    }
    result = run(definition, {"items": ["x", "y"]})
    assert result.status == "SUCCEEDED", result.cause
    out = result.output
    assert out["dup"]["Error"] == "DynamoDB.ConditionalCheckFailedException"
    assert out["get"] == {"n": "2"}
    assert len(out["pub"]["id"]) > 0
    assert out["events"] == {"failed": 0}
    assert out["child"]["ExecutionArn"].endswith(":child:child-1")
    assert isinstance(out["child"]["StartDate"], int)
    assert out["map"] == [{"v": "x"}, {"v": "y"}]
    assert out["par"] == [1, 2]
    child_input = sfn.describe_execution(executionArn=out["child"]["ExecutionArn"])["input"]
    assert json.loads(child_input) == {"from": "parent"}


# ------------------------------------------------------------------------------ codebuild
@dataclass
class ScriptedCodeBuild:
    """A CodeBuild client whose builds report the scripted statuses, one per poll."""

    statuses: list[str]
    meta: Any = None
    started: list[dict[str, Any]] = field(default_factory=list)
    polls: list[float] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _build(self, status: str) -> dict[str, Any]:
        return {
            "id": "build-hello-aws:1",
            "arn": f"arn:aws:codebuild:{REGION}:{ACCOUNT}:build/b:1",
            "buildStatus": status,
            "projectName": "build-hello-aws",
            "startTime": datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
            "environment": {
                "environmentVariables": [{"name": "A", "value": "1", "type": "PLAINTEXT"}]
            },
        }

    def start_build(self, **kwargs: Any) -> dict[str, Any]:
        self.started.append(kwargs)
        return {"build": self._build("IN_PROGRESS"), "ResponseMetadata": {}}

    def batch_get_builds(self, ids: list[str]) -> dict[str, Any]:
        with self._lock:
            self.polls.append(get_runtime().clock.now())
            status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return {"builds": [self._build(status)]}

    def stop_build(self, id: str) -> dict[str, Any]:  # boto's parameter name
        self.stopped.append(id)
        return {"build": self._build("STOPPED")}


def _scripted(statuses: list[str]) -> ScriptedCodeBuild:
    fake = ScriptedCodeBuild(statuses=statuses)
    fake.meta = boto3.client("codebuild", region_name=REGION).meta
    emu.configure(client_factory=lambda service, region: fake, codebuild_poll_seconds=10)
    return fake


def _codebuild_definition(**task: Any) -> dict[str, Any]:
    return one_task(
        "Build",
        "arn:aws:states:::codebuild:startBuild.sync",
        Parameters={
            "ProjectName": "build-hello-aws",
            "SourceVersion.$": "$.commit",
            "EnvironmentVariablesOverride": [
                {"Name": "COMMIT_ID", "Value.$": "$.commit", "Type": "PLAINTEXT"}
            ],
        },
        **task,
    )


def test_given_start_build_sync_when_build_succeeds_then_polls_virtually_and_outputs_build(
    aws: None,
) -> None:
    fake = _scripted(["IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"])
    result = run(_codebuild_definition(), {"commit": "a" * 40})
    assert result.status == "SUCCEEDED", result.cause
    assert fake.started == [
        {
            "projectName": "build-hello-aws",
            "sourceVersion": "a" * 40,
            "environmentVariablesOverride": [
                {"name": "COMMIT_ID", "value": "a" * 40, "type": "PLAINTEXT"}
            ],
        }
    ]
    build = result.output["Build"]
    assert (build["Id"], build["BuildStatus"]) == ("build-hello-aws:1", "SUCCEEDED")
    assert build["StartTime"] == 1704067200000
    assert build["Environment"]["EnvironmentVariables"][0] == {
        "Name": "A",
        "Value": "1",
        "Type": "PLAINTEXT",
    }
    assert len(fake.polls) == 4
    assert all(10 <= b - a < 10 + 0.3 * SPEED for a, b in itertools.pairwise(fake.polls))


def test_given_start_build_sync_when_build_fails_then_task_failed_with_build_as_cause(
    aws: None,
) -> None:
    _scripted(["IN_PROGRESS", "FAILED"])
    result = run(_codebuild_definition(), {"commit": "b" * 40})
    assert result.status == "FAILED"
    assert result.error == "States.TaskFailed"
    assert json.loads(result.cause or "{}")["Build"]["BuildStatus"] == "FAILED"


def test_given_start_build_sync_when_state_times_out_then_states_timeout_and_build_stopped(
    aws: None,
) -> None:
    fake = _scripted(["IN_PROGRESS"])
    result = run(_codebuild_definition(TimeoutSeconds=120), {"commit": "c" * 40})
    assert (result.status, result.error) == ("FAILED", "States.Timeout")
    deadline = time.monotonic() + 2
    while not fake.stopped and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fake.stopped == ["build-hello-aws:1"]


def test_given_start_build_request_response_on_moto_when_run_then_build_output_pascal(
    aws: None,
) -> None:
    codebuild = boto3.client("codebuild", region_name=REGION)
    codebuild.create_project(
        name="build-hello-aws",
        source={
            "type": "CODECOMMIT",
            "location": f"https://git-codecommit.{REGION}.amazonaws.com/v1/repos/hello-aws",
        },
        artifacts={"type": "NO_ARTIFACTS"},
        serviceRole=ROLE,
        environment={
            "type": "LINUX_CONTAINER",
            "image": "img",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
    )
    definition = _codebuild_definition()
    definition["States"]["Build"]["Resource"] = "arn:aws:states:::codebuild:startBuild"
    result = run(definition, {"commit": "d" * 40})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["Build"]["ProjectName"] == "build-hello-aws"
    assert result.output["Build"]["Arn"].startswith("arn:aws:codebuild:")


def test_given_codebuild_wait_for_task_token_when_defined_then_rejected_like_aws(
    aws: None,
) -> None:
    definition = _codebuild_definition()
    definition["States"]["Build"]["Resource"] = (
        "arn:aws:states:::codebuild:startBuild.waitForTaskToken"
    )
    with pytest.raises(ClientError, match=r"codebuild:startBuild\.waitForTaskToken"):
        start(definition, {"commit": "e" * 40})


def test_given_bad_poll_interval_when_configured_then_value_error_names_it() -> None:
    with pytest.raises(ValueError, match="codebuild_poll_seconds"):
        emu.configure(codebuild_poll_seconds=0)


def test_given_install_twice_when_uninstalled_then_moto_is_restored() -> None:
    from moto.stepfunctions.parser.asl.component.common.retry.retrier_decl import RetrierDecl

    emu.uninstall()
    original = RetrierDecl.__dict__["_eval_body"]
    emu.install()
    emu.install()
    assert RetrierDecl.__dict__["_eval_body"] is not original
    emu.uninstall()
    assert RetrierDecl.__dict__["_eval_body"] is original
    emu.install()


def test_given_the_declared_patches_when_checked_then_every_target_and_internal_resolves() -> None:
    emu.uninstall()
    try:
        problems = [p.check_target() for p in emu.PATCHES]
        problems += [i.check_target() for i in emu.INTERNALS]
        names = [p.name for p in emu.PATCHES]
    finally:
        emu.install()

    assert [p for p in problems if p] == []
    assert len(names) == len(set(names)) == 28
    assert all(p.is_applied() for p in emu.PATCHES)


def test_given_a_wrapping_patch_when_applied_and_undone_then_it_calls_and_restores_moto() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_factory,
    )

    upstream = state_task_service_factory.state_task_service_for
    emu.uninstall()
    assert state_task_factory.state_task_service_for is upstream
    emu.install()

    patched = state_task_factory.state_task_service_for
    lambda_task = patched("lambda")
    assert patched is not upstream
    assert type(lambda_task) is type(upstream("lambda"))
    assert type(patched("aws-sdk")).__name__ == "AwsSdkTask"
    emu.uninstall()
    assert state_task_factory.state_task_service_for is upstream
    emu.install()


BIG = "x" * (257 * 1024)  # past the 256 KiB payload quota


def test_given_a_result_past_the_payload_quota_when_states_all_catches_then_the_execution_fails(
    aws: None, lambdas: InProcessLambdas
) -> None:
    # AWS: States.DataLimitExceeded is terminal: "can't be caught by States.ALL" (Step
    # Functions DG, "Handling errors"), nor retried by it.
    lambdas.handlers["big"] = lambda _payload: {"blob": BIG}
    definition = one_task(
        "Big",
        "arn:aws:states:::lambda:invoke",
        Parameters={"FunctionName": "big", "Payload": {}},
        Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 1}],
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
    )
    result = run(definition)
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded")
    entered = [e["type"] for e in result.events if e["type"] == "TaskScheduled"]
    assert entered == ["TaskScheduled"], "States.ALL retried a terminal error"


def test_given_a_small_result_when_the_task_fails_then_states_all_still_catches_it(
    aws: None, lambdas: InProcessLambdas
) -> None:
    # The other side: any other error is still caught by States.ALL.
    def fail(_payload: Any) -> Any:
        raise FunctionFailed("boom")

    lambdas.handlers["fail"] = fail
    definition = one_task(
        "Fail",
        "arn:aws:states:::lambda:invoke",
        Parameters={"FunctionName": "fail", "Payload": {}},
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
    )
    result = run(definition)
    assert result.status == "SUCCEEDED"
    assert result.output["Error"] == "FunctionFailed"


# ------------------------------------------------------------------ GetExecutionHistory pages
def _chain(length: int) -> dict[str, Any]:
    """``length`` Pass states in a row: two history events each, plus start and end."""
    states: dict[str, Any] = {
        f"S{i}": {"Type": "Pass", "Result": {"step": i}, "Next": f"S{i + 1}"}
        for i in range(length - 1)
    }
    states[f"S{length - 1}"] = {"Type": "Pass", "Result": {"step": length - 1}, "End": True}
    return {"StartAt": "S0", "States": states}


def test_given_a_long_history_when_read_without_max_results_then_a_page_of_100_and_a_token(
    aws: None,
) -> None:
    run = finish(*start(_chain(70)))
    sfn = boto3.client("stepfunctions", region_name=REGION)
    first = sfn.get_execution_history(executionArn=run.arn)
    assert len(first["events"]) == 100
    second = sfn.get_execution_history(executionArn=run.arn, nextToken=first["nextToken"])
    assert "nextToken" not in second
    ids = [e["id"] for e in first["events"] + second["events"]]
    assert ids == sorted(ids) == list(range(1, len(ids) + 1))
    assert len(ids) > 140


def test_given_reverse_order_when_read_then_the_newest_event_comes_first(aws: None) -> None:
    run = finish(*start(_chain(3)))
    sfn = boto3.client("stepfunctions", region_name=REGION)
    page = sfn.get_execution_history(executionArn=run.arn, reverseOrder=True, maxResults=2)
    assert page["events"][0]["type"] == "ExecutionSucceeded"
    assert page["events"][0]["id"] > page["events"][1]["id"]
    assert "nextToken" in page


def test_given_no_execution_data_when_read_then_inputs_and_outputs_are_left_out(
    aws: None,
) -> None:
    run = finish(*start(_chain(2), {"secret": "x"}))
    sfn = boto3.client("stepfunctions", region_name=REGION)
    full = sfn.get_execution_history(executionArn=run.arn)["events"]
    trimmed = sfn.get_execution_history(executionArn=run.arn, includeExecutionData=False)["events"]
    assert "input" in full[0]["executionStartedEventDetails"]
    assert "input" not in trimmed[0]["executionStartedEventDetails"]
    assert [e["type"] for e in trimmed] == [e["type"] for e in full]
    assert not any(
        "output" in details
        for e in trimmed
        for key, details in e.items()
        if key.endswith("EventDetails")
    )


def test_given_a_token_of_other_arguments_when_read_then_invalid_token(aws: None) -> None:
    run = finish(*start(_chain(3)))
    sfn = boto3.client("stepfunctions", region_name=REGION)
    token = sfn.get_execution_history(executionArn=run.arn, maxResults=2)["nextToken"]
    with pytest.raises(ClientError) as denied:
        sfn.get_execution_history(executionArn=run.arn, maxResults=3, nextToken=token)
    assert denied.value.response["Error"]["Code"] == "InvalidToken"
    with pytest.raises(ClientError) as garbled:
        sfn.get_execution_history(executionArn=run.arn, nextToken="not-a-token")
    assert garbled.value.response["Error"]["Code"] == "InvalidToken"
