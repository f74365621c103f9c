"""API call -> IAM authorizations, from the SAR plus the extra authorizations AWS documents."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from turnout_sandbox.iam import dataset
from turnout_sandbox.iam.actions import (
    OPERATIONS,
    ApiCall,
    Authorization,
    MissingFactError,
    UnmappedOperationError,
    authorizations,
    iam_action,
    is_mapped,
    request_tags,
    required_facts,
)
from turnout_sandbox.iam.integrations import sfn_task_calls

ROOT = Path(__file__).resolve().parents[3]
R, A = "ap-northeast-2", "123456789012"
TASK_ROLE = f"arn:aws:iam::{A}:role/web-task"
EXEC_ROLE = f"arn:aws:iam::{A}:role/web-exec"


def _call(service: str, operation: str, **params: Any) -> ApiCall:
    return ApiCall(service, operation, params, R, A)


def _auth(service: str, operation: str, **params: Any) -> list[tuple[str, str]]:
    return [(a.action, a.resource) for a in authorizations(_call(service, operation, **params))]


# --------------------------------------------------------------------------- the stack's calls


def _adapter_operations() -> Iterator[tuple[str, str]]:
    """Every (service, operation) the core's adapters call, read from their source: the
    services a file names (client("x") / aws_service = "x") and each `.snake_name(` call that
    is an operation of one of them."""
    session = botocore.session.get_session()
    names = set(session.get_available_services())
    assert names
    for path in sorted((ROOT / "layers/turnout/turnout/adapters").glob("*.py")):
        text = path.read_text()
        services = set(re.findall(r"(?:client\(|aws_service\s*=\s*)[\"']([a-z0-9-]+)", text))
        services &= names
        calls = set(re.findall(r"\.([a-z][a-z0-9_]+)\(", text))
        for service in services:
            model = session.get_service_model(service)
            for operation in model.operation_names:
                if botocore.xform_name(operation) in calls:
                    yield service, operation


def _asl_tasks() -> Iterator[tuple[str, dict[str, Any]]]:
    def walk(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        for state in states.values():
            if state.get("Type") == "Task":
                yield state["Resource"], state.get("Parameters", {})
            for branch in state.get("Branches", []):
                yield from walk(branch["States"])
            if "Iterator" in state:
                yield from walk(state["Iterator"]["States"])
            if "ItemProcessor" in state:
                yield from walk(state["ItemProcessor"]["States"])

    for path in sorted((ROOT / "statemachines").glob("*.asl.json")):
        yield from walk(json.loads(path.read_text())["States"])


def test_given_the_core_adapters_when_scanned_then_every_operation_they_call_is_mapped() -> None:
    found = set(_adapter_operations())
    # The scan must see the stack's calls at all (a broken scan would pass vacuously).
    assert {
        ("ecs", "RegisterTaskDefinition"),
        ("dynamodb", "UpdateItem"),
        ("sns", "Publish"),
        ("elbv2", "DescribeTargetHealth"),
        ("stepfunctions", "SendTaskSuccess"),
    } <= found
    assert len(found) >= 20
    unmapped = sorted(f"{s}.{o}" for s, o in found if not is_mapped(s, o))
    assert unmapped == []


def test_given_the_state_machines_when_scanned_then_every_task_maps_to_authorized_calls() -> None:
    resources = set()
    for resource, params in _asl_tasks():
        resources.add(resource)
        resolved = {k.removesuffix(".$"): "x" for k in params} | {
            "FunctionName": f"arn:aws:lambda:{R}:{A}:function:fn",
            "ProjectName": "turnout-build",
            "ApplicationName": "app",
            "DeploymentGroupName": "dg",
            "DeploymentId": "d-1",
        }
        for call in sfn_task_calls(resource, resolved, R, A):
            assert is_mapped(call.service, call.operation), (resource, call.operation)
            assert authorizations(
                ApiCall(
                    call.service,
                    call.operation,
                    call.params,
                    R,
                    A,
                    facts={"DeploymentConfigName": "CodeDeployDefault.ECSAllAtOnce"},
                )
            )
    assert "arn:aws:states:::codebuild:startBuild.sync" in resources
    assert len(resources) >= 6


# Example parameters for every mapped operation: each must yield well-formed authorizations.
SAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("codecommit", "GetCommit"): {"repositoryName": "app", "commitId": "c"},
    ("codecommit", "GetBranch"): {"repositoryName": "app", "branchName": "main"},
    ("codecommit", "GetFile"): {"repositoryName": "app", "filePath": "taskdef.json"},
    ("codecommit", "GitPull"): {"repositoryName": "app"},
    ("codedeploy", "GetDeploymentGroup"): {"applicationName": "app", "deploymentGroupName": "dg"},
    ("codedeploy", "GetDeployment"): {"deploymentId": "d-1"},
    ("codedeploy", "CreateDeployment"): {"applicationName": "app", "deploymentGroupName": "dg"},
    ("codedeploy", "CreateDeploymentGroup"): {
        "applicationName": "app",
        "deploymentGroupName": "dg",
        "serviceRoleArn": f"arn:aws:iam::{A}:role/cd",
    },
    ("codedeploy", "ContinueDeployment"): {"deploymentId": "d-1"},
    ("codedeploy", "StopDeployment"): {"deploymentId": "d-1"},
    ("codedeploy", "PutLifecycleEventHookExecutionStatus"): {"deploymentId": "d-1"},
    ("codedeploy", "ListDeploymentTargets"): {"deploymentId": "d-1"},
    ("codedeploy", "GetDeploymentTarget"): {"deploymentId": "d-1", "targetId": "t"},
    ("ecs", "RegisterTaskDefinition"): {"family": "web", "containerDefinitions": []},
    ("ecs", "DescribeServices"): {"cluster": "c", "services": ["web"]},
    ("ecs", "DescribeTaskDefinition"): {"taskDefinition": "web:1"},
    ("ecs", "DescribeTaskSets"): {"cluster": "c", "service": "web"},
    ("ecs", "CreateTaskSet"): {"cluster": "c", "service": "web", "taskDefinition": "web:1"},
    ("ecs", "DeleteTaskSet"): {"cluster": "c", "service": "web", "taskSet": "ecs-svc/1"},
    ("ecs", "UpdateServicePrimaryTaskSet"): {
        "cluster": "c",
        "service": "web",
        "primaryTaskSet": "x",
    },
    ("ecs", "CreateService"): {"serviceName": "web"},
    ("ecs", "TagResource"): {"resourceArn": f"arn:aws:ecs:{R}:{A}:cluster/c", "tags": []},
    ("ecs", "UpdateService"): {"cluster": "c", "service": "web", "taskDefinition": "web:2"},
    ("ecs", "DescribeServiceDeployments"): {
        "serviceDeploymentArns": [f"arn:aws:ecs:{R}:{A}:service-deployment/c/web/abc"]
    },
    ("ecs", "ContinueServiceDeployment"): {
        "serviceDeploymentArn": f"arn:aws:ecs:{R}:{A}:service-deployment/c/web/abc",
        "hookId": "h",
    },
    ("ecs", "StopServiceDeployment"): {
        "serviceDeploymentArn": f"arn:aws:ecs:{R}:{A}:service-deployment/c/web/abc"
    },
    ("ecr", "DescribeImages"): {"repositoryName": "web"},
    ("ecr", "BatchGetImage"): {"repositoryName": "web"},
    ("ecr", "GetDownloadUrlForLayer"): {"repositoryName": "web"},
    ("ecr", "BatchCheckLayerAvailability"): {"repositoryName": "web"},
    ("ecr", "InitiateLayerUpload"): {"repositoryName": "web"},
    ("ecr", "UploadLayerPart"): {"repositoryName": "web"},
    ("ecr", "CompleteLayerUpload"): {"repositoryName": "web"},
    ("ecr", "PutImage"): {"repositoryName": "web"},
    ("ecr", "GetAuthorizationToken"): {},
    ("elbv2", "DescribeTargetHealth"): {"TargetGroupArn": "tg"},
    ("elbv2", "DescribeTargetGroups"): {},
    ("elbv2", "DescribeListeners"): {},
    ("elbv2", "DescribeRules"): {},
    ("elbv2", "DescribeLoadBalancers"): {},
    ("elbv2", "ModifyListener"): {
        "ListenerArn": f"arn:aws:elasticloadbalancing:{R}:{A}:listener/app/lb/1/2"
    },
    ("elbv2", "ModifyRule"): {
        "RuleArn": f"arn:aws:elasticloadbalancing:{R}:{A}:listener-rule/app/lb/1/2/3"
    },
    ("cloudwatch", "DescribeAlarms"): {"AlarmNames": ["a", "b"]},
    ("sns", "Publish"): {"TopicArn": f"arn:aws:sns:{R}:{A}:t", "Message": "m"},
    **{
        ("sqs", op): {"QueueUrl": f"https://sqs.{R}.amazonaws.com/{A}/q", "ReceiptHandle": "h"}
        for op in (
            "SendMessage",
            "SendMessageBatch",
            "ReceiveMessage",
            "DeleteMessage",
            "DeleteMessageBatch",
            "ChangeMessageVisibility",
            "GetQueueAttributes",
        )
    },
    ("sqs", "GetQueueUrl"): {"QueueName": "q"},
    ("events", "PutEvents"): {"Entries": [{"Source": "turnout", "DetailType": "d"}]},
    ("events", "PutRule"): {"Name": "r"},
    ("events", "PutTargets"): {"Rule": "r", "Targets": []},
    ("events", "DescribeRule"): {"Name": "r"},
    ("events", "InvokeApiDestination"): {
        "ApiDestinationArn": f"arn:aws:events:{R}:{A}:api-destination/d/1"
    },
    ("events", "DescribeArchive"): {"ArchiveName": "a"},
    ("events", "StartReplay"): {
        "ReplayName": "rp",
        "EventSourceArn": f"arn:aws:events:{R}:{A}:archive/a",
        "Destination": {"Arn": f"arn:aws:events:{R}:{A}:event-bus/default"},
    },
    ("events", "DescribeReplay"): {"ReplayName": "rp"},
    ("stepfunctions", "SendTaskSuccess"): {"taskToken": "t", "output": "{}"},
    ("stepfunctions", "SendTaskFailure"): {"taskToken": "t"},
    ("stepfunctions", "SendTaskHeartbeat"): {"taskToken": "t"},
    ("stepfunctions", "StartExecution"): {
        "stateMachineArn": f"arn:aws:states:{R}:{A}:stateMachine:s"
    },
    ("stepfunctions", "ListExecutions"): {
        "stateMachineArn": f"arn:aws:states:{R}:{A}:stateMachine:s"
    },
    ("stepfunctions", "DescribeExecution"): {
        "executionArn": f"arn:aws:states:{R}:{A}:execution:s:e"
    },
    ("stepfunctions", "GetExecutionHistory"): {
        "executionArn": f"arn:aws:states:{R}:{A}:execution:s:e"
    },
    ("stepfunctions", "StopExecution"): {"executionArn": f"arn:aws:states:{R}:{A}:execution:s:e"},
    ("stepfunctions", "CreateStateMachine"): {"name": "s", "roleArn": f"arn:aws:iam::{A}:role/sfn"},
    ("dynamodb", "GetItem"): {"TableName": "ledger"},
    ("dynamodb", "PutItem"): {"TableName": "ledger"},
    ("dynamodb", "UpdateItem"): {"TableName": "ledger"},
    ("dynamodb", "DeleteItem"): {"TableName": "ledger"},
    ("dynamodb", "Query"): {"TableName": "ledger"},
    ("dynamodb", "Scan"): {"TableName": "ledger"},
    ("lambda", "Invoke"): {"FunctionName": "fn"},
    ("lambda", "GetFunctionConfiguration"): {"FunctionName": "fn"},
    ("lambda", "CreateFunction"): {"FunctionName": "fn", "Role": f"arn:aws:iam::{A}:role/fn"},
    ("codebuild", "StartBuild"): {"projectName": "build"},
    ("codebuild", "StopBuild"): {"id": "build:1234"},
    ("codebuild", "BatchGetBuilds"): {"ids": ["build:1", "build:2"]},
    ("codebuild", "CreateProject"): {"name": "build", "serviceRole": f"arn:aws:iam::{A}:role/cb"},
    ("logs", "CreateLogGroup"): {"logGroupName": "/aws/lambda/fn"},
    ("logs", "CreateLogStream"): {"logGroupName": "/aws/lambda/fn", "logStreamName": "s"},
    ("logs", "PutLogEvents"): {"logGroupName": "/aws/lambda/fn", "logStreamName": "s"},
    ("xray", "PutTraceSegments"): {},
    ("xray", "PutTelemetryRecords"): {},
    ("cloudformation", "DescribeStacks"): {"StackName": "turnout-web"},
}
FACTS = {
    "ApplicationName": "app",
    "DeploymentGroupName": "dg",
    "DeploymentConfigName": "CodeDeployDefault.ECSAllAtOnce",
}


def _sar_pattern(action: str) -> list[re.Pattern[str]]:
    info = dataset.action_info(action)
    return [
        re.compile(
            re.sub(
                r"\\\$\\\{[A-Za-z]+\\\}", ".+", re.escape(dataset.arn_format(info.prefix, r.name))
            )
        )
        for r in info.resource_types
    ]


def test_given_every_mapped_operation_when_authorized_then_resources_fit_the_sar_formats() -> None:
    assert set(SAMPLES) == set(OPERATIONS)
    for (service, operation), params in SAMPLES.items():
        found = authorizations(ApiCall(service, operation, params, R, A, facts=FACTS))
        assert found, (service, operation)
        for auth in found:
            assert "${" not in auth.resource
            patterns = _sar_pattern(auth.action)
            if not patterns:
                assert auth.resource == "*", (service, operation, auth)
            else:
                assert any(p.fullmatch(auth.resource) for p in patterns), (service, operation, auth)


def test_given_an_unmapped_operation_when_authorized_then_it_is_refused_by_name() -> None:
    with pytest.raises(UnmappedOperationError, match=r"ecs\.DeleteCluster"):
        authorizations(_call("ecs", "DeleteCluster", cluster="c"))
    with pytest.raises(UnmappedOperationError):
        iam_action("ecs", "DeleteCluster")
    with pytest.raises(UnmappedOperationError):
        sfn_task_calls("arn:aws:states:::sns:publish", {}, R, A)


def test_given_get_caller_identity_when_authorized_then_nothing_is_evaluated() -> None:
    # STS API Reference: "No permissions are required to perform this operation."
    assert authorizations(_call("sts", "GetCallerIdentity")) == ()
    assert is_mapped("sts", "GetCallerIdentity")


# --------------------------------------------------------------------------- ECS RegisterTaskDefinition


def _register(**extra: Any) -> tuple[Authorization, ...]:
    params = {"family": "web", "containerDefinitions": [{"name": "app", "image": "i"}], **extra}
    return authorizations(_call("ecs", "RegisterTaskDefinition", **params))


def test_given_register_without_tags_or_roles_when_authorized_then_only_the_family_arn() -> None:
    (only,) = _register()
    assert (only.action, only.resource) == (
        "ecs:RegisterTaskDefinition",
        f"arn:aws:ecs:{R}:{A}:task-definition/web:*",
    )
    assert only.context["ecs:privileged"] is False


def test_given_register_with_tags_when_authorized_then_tag_resource_with_create_action() -> None:
    tags = [{"key": "turnout:commit", "value": "abc"}, {"key": "turnout:digest", "value": "sha"}]
    found = _register(tags=tags)
    assert [a.action for a in found] == ["ecs:RegisterTaskDefinition", "ecs:TagResource"]
    tag = found[1]
    assert tag.resource == f"arn:aws:ecs:{R}:{A}:task-definition/web:*"
    assert tag.context["ecs:CreateAction"] == "RegisterTaskDefinition"
    assert tag.context["aws:TagKeys"] == ["turnout:commit", "turnout:digest"]
    assert tag.context["aws:RequestTag/turnout:commit"] == "abc"
    assert found[0].context["aws:TagKeys"] == ["turnout:commit", "turnout:digest"]
    assert "tag-on-create" in tag.why


def test_given_register_with_empty_tags_when_authorized_then_no_tag_resource() -> None:
    assert [a.action for a in _register(tags=[])] == ["ecs:RegisterTaskDefinition"]


def test_given_register_with_roles_when_authorized_then_each_role_is_passed_to_ecs_tasks() -> None:
    found = _register(
        taskRoleArn=TASK_ROLE,
        executionRoleArn="web-exec",
        cpu="256",
        memory="512",
        requiresCompatibilities=["FARGATE"],
    )
    passes = [(a.action, a.resource, a.context["iam:PassedToService"]) for a in found[1:]]
    assert passes == [
        ("iam:PassRole", TASK_ROLE, "ecs-tasks.amazonaws.com"),
        ("iam:PassRole", EXEC_ROLE, "ecs-tasks.amazonaws.com"),
    ]
    keys = found[0].context
    assert (keys["ecs:task-cpu"], keys["ecs:task-memory"], keys["ecs:compute-compatibility"]) == (
        "256",
        "512",
        ["FARGATE"],
    )


def test_given_a_task_set_of_a_task_definition_with_roles_when_authorized_then_both_are_passed() -> (
    None
):
    params = {"cluster": "c", "service": "web", "taskDefinition": "web:1"}
    facts = {"TaskRoleArn": TASK_ROLE, "ExecutionRoleArn": EXEC_ROLE}
    found = authorizations(ApiCall("ecs", "CreateTaskSet", params, R, A, facts=facts))
    assert [(a.action, a.resource, a.context.get("iam:PassedToService")) for a in found] == [
        ("ecs:CreateTaskSet", f"arn:aws:ecs:{R}:{A}:task-set/c/web/*", None),
        ("iam:PassRole", TASK_ROLE, "ecs-tasks.amazonaws.com"),
        ("iam:PassRole", EXEC_ROLE, "ecs-tasks.amazonaws.com"),
    ]
    alone = authorizations(ApiCall("ecs", "CreateTaskSet", params, R, A))
    assert [a.action for a in alone] == ["ecs:CreateTaskSet"]


# --------------------------------------------------------------------------- other services


def test_given_create_deployment_when_authorized_then_revision_and_config_are_authorized() -> None:
    found = _auth(
        "codedeploy",
        "CreateDeployment",
        applicationName="app",
        deploymentGroupName="dg",
        deploymentConfigName="CodeDeployDefault.ECSAllAtOnce",
    )
    assert found == [
        ("codedeploy:CreateDeployment", f"arn:aws:codedeploy:{R}:{A}:deploymentgroup:app/dg"),
        (
            "codedeploy:GetDeploymentConfig",
            f"arn:aws:codedeploy:{R}:{A}:deploymentconfig:CodeDeployDefault.ECSAllAtOnce",
        ),
        ("codedeploy:RegisterApplicationRevision", f"arn:aws:codedeploy:{R}:{A}:application:app"),
        ("codedeploy:GetApplicationRevision", f"arn:aws:codedeploy:{R}:{A}:application:app"),
    ]


def test_given_get_deployment_when_facts_are_missing_then_it_asks_for_them() -> None:
    assert required_facts("codedeploy", "GetDeployment") == (
        "ApplicationName",
        "DeploymentGroupName",
    )
    assert required_facts("ecs", "NoSuch") == ()
    with pytest.raises(MissingFactError, match="ApplicationName"):
        authorizations(_call("codedeploy", "GetDeployment", deploymentId="d-1"))
    call = ApiCall("codedeploy", "GetDeployment", {"deploymentId": "d-1"}, R, A, facts=FACTS)
    assert [a.resource for a in authorizations(call)] == [
        f"arn:aws:codedeploy:{R}:{A}:deploymentgroup:app/dg"
    ]


def test_given_an_action_without_resource_types_when_authorized_then_the_resource_is_star() -> None:
    assert _auth("stepfunctions", "SendTaskSuccess", taskToken="t") == [
        ("states:SendTaskSuccess", "*")
    ]
    assert _auth("elbv2", "DescribeTargetHealth", TargetGroupArn="tg") == [
        ("elasticloadbalancing:DescribeTargetHealth", "*")
    ]


def test_given_dynamodb_calls_when_authorized_then_table_or_index_arns() -> None:
    assert _auth("dynamodb", "Query", TableName="ledger") == [
        ("dynamodb:Query", f"arn:aws:dynamodb:{R}:{A}:table/ledger")
    ]
    assert _auth("dynamodb", "Query", TableName="ledger", IndexName="byDigest") == [
        ("dynamodb:Query", f"arn:aws:dynamodb:{R}:{A}:table/ledger/index/byDigest")
    ]


def _leading_keys(operation: str, facts: dict[str, str], **params: Any) -> object:
    call = ApiCall("dynamodb", operation, {"TableName": "ledger", **params}, R, A, facts=facts)
    (auth,) = authorizations(call)
    return auth.context.get("dynamodb:LeadingKeys")


PK = {"PartitionKeyName": "pk"}


@pytest.mark.parametrize(
    ("operation", "params", "expected"),
    [
        ("GetItem", {"Key": {"pk": {"S": "GATES"}, "sk": {"S": "d-1"}}}, ["GATES"]),
        ("DeleteItem", {"Key": {"pk": {"S": "WAITS"}, "sk": {"S": "x"}}}, ["WAITS"]),
        (
            "UpdateItem",
            {"Key": {"sk": {"S": "STATE"}, "pk": {"S": "SERVICE#c/s"}}},
            ["SERVICE#c/s"],
        ),
        ("PutItem", {"Item": {"pk": {"S": "SERVICE#c/s"}, "sk": {"S": "STATE"}}}, ["SERVICE#c/s"]),
        (
            "Query",
            {
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :p)",
                "ExpressionAttributeValues": {":pk": {"S": "SERVICE#c/s"}, ":p": {"S": "A#"}},
            },
            ["SERVICE#c/s"],
        ),
        (
            "Query",
            {
                "KeyConditionExpression": "sk = :s AND #p = :v",
                "ExpressionAttributeNames": {"#p": "pk"},
                "ExpressionAttributeValues": {":s": {"S": "x"}, ":v": {"S": "GATES"}},
            },
            ["GATES"],
        ),
        (
            "Query",
            {"KeyConditions": {"pk": {"AttributeValueList": [{"S": "WAITS"}]}}},
            ["WAITS"],
        ),
    ],
)
def test_given_an_item_call_when_authorized_then_its_partition_key_is_dynamodb_leading_keys(
    operation: str, params: dict[str, Any], expected: list[str]
) -> None:
    assert _leading_keys(operation, PK, **params) == expected


def test_given_no_partition_key_fact_when_authorized_then_no_leading_keys() -> None:
    key = {"pk": {"S": "GATES"}, "sk": {"S": "d-1"}}
    assert _leading_keys("GetItem", {}, Key=key) is None
    assert _leading_keys("GetItem", {"PartitionKeyName": "id"}, Key=key) is None


@pytest.mark.parametrize(
    ("params", "resource"),
    [
        ({"FunctionName": "fn"}, f"arn:aws:lambda:{R}:{A}:function:fn"),
        ({"FunctionName": "fn:live"}, f"arn:aws:lambda:{R}:{A}:function:fn:live"),
        ({"FunctionName": f"{A}:function:fn"}, f"arn:aws:lambda:{R}:{A}:function:fn"),
        ({"FunctionName": f"{A}:function:fn:3"}, f"arn:aws:lambda:{R}:{A}:function:fn:3"),
        (
            {"FunctionName": "fn", "Qualifier": "$LATEST"},
            f"arn:aws:lambda:{R}:{A}:function:fn:$LATEST",
        ),
        ({"FunctionName": "arn:aws:lambda:r:1:function:fn"}, "arn:aws:lambda:r:1:function:fn"),
        (
            {"FunctionName": "arn:aws:lambda:r:1:function:fn", "Qualifier": "2"},
            "arn:aws:lambda:r:1:function:fn:2",
        ),
    ],
)
def test_given_lambda_invoke_when_authorized_then_invoke_function_on_the_named_function(
    params: dict[str, Any], resource: str
) -> None:
    assert _auth("lambda", "Invoke", **params) == [("lambda:InvokeFunction", resource)]


def test_given_start_replay_when_authorized_then_archive_bus_and_replay_are_each_checked() -> None:
    params = SAMPLES[("events", "StartReplay")]
    assert [r for _, r in _auth("events", "StartReplay", **params)] == [
        f"arn:aws:events:{R}:{A}:archive/a",
        f"arn:aws:events:{R}:{A}:event-bus/default",
        f"arn:aws:events:{R}:{A}:replay/rp",
    ]


def test_given_put_events_when_authorized_then_bus_and_event_keys() -> None:
    (auth,) = authorizations(
        _call(
            "events",
            "PutEvents",
            Entries=[{"Source": "turnout", "DetailType": "turnout Deployment Finished"}],
        )
    )
    assert auth.resource == f"arn:aws:events:{R}:{A}:event-bus/default"
    assert auth.context == {
        "events:source": ["turnout"],
        "events:detail-type": ["turnout Deployment Finished"],
    }


def test_given_put_targets_with_a_role_when_authorized_then_the_role_is_passed_to_events() -> None:
    role = f"arn:aws:iam::{A}:role/events"
    found = _auth(
        "events",
        "PutTargets",
        Rule="r",
        EventBusName="custom",
        Targets=[{"Id": "1", "Arn": "x", "RoleArn": role}, {"Id": "2", "Arn": "y"}],
    )
    assert found == [
        ("events:PutTargets", f"arn:aws:events:{R}:{A}:rule/custom/r"),
        ("iam:PassRole", role),
    ]


def test_given_roles_handed_to_services_when_authorized_then_passed_to_that_service() -> None:
    cases = {
        ("codedeploy", "CreateDeploymentGroup"): "codedeploy.amazonaws.com",
        ("stepfunctions", "CreateStateMachine"): "states.amazonaws.com",
        ("lambda", "CreateFunction"): "lambda.amazonaws.com",
        ("codebuild", "CreateProject"): "codebuild.amazonaws.com",
    }
    for (service, operation), to in cases.items():
        found = authorizations(_call(service, operation, **SAMPLES[(service, operation)]))
        assert [(a.action, a.context.get("iam:PassedToService")) for a in found[1:]] == [
            ("iam:PassRole", to)
        ]


def test_given_ecr_calls_when_authorized_then_the_registry_id_names_the_account() -> None:
    assert _auth("ecr", "DescribeImages", repositoryName="web", registryId="999999999999") == [
        ("ecr:DescribeImages", f"arn:aws:ecr:{R}:999999999999:repository/web")
    ]


def test_given_build_ids_when_authorized_then_each_project_once() -> None:
    assert _auth(
        "codebuild", "BatchGetBuilds", ids=["b:1", "b:2", f"arn:aws:codebuild:{R}:{A}:build/c:3"]
    ) == [
        ("codebuild:BatchGetBuilds", f"arn:aws:codebuild:{R}:{A}:project/b"),
        ("codebuild:BatchGetBuilds", f"arn:aws:codebuild:{R}:{A}:project/c"),
    ]


def test_given_describe_services_by_name_or_arn_when_authorized_then_service_arns() -> None:
    arn = f"arn:aws:ecs:{R}:{A}:service/c/api"
    assert _auth(
        "ecs", "DescribeServices", cluster=f"arn:aws:ecs:{R}:{A}:cluster/c", services=["web", arn]
    ) == [
        ("ecs:DescribeServices", f"arn:aws:ecs:{R}:{A}:service/c/web"),
        ("ecs:DescribeServices", arn),
    ]


def test_given_tags_in_each_spelling_when_read_then_the_same_map() -> None:
    assert request_tags([{"key": "a", "value": "1"}]) == {"a": "1"}
    assert request_tags([{"Key": "a", "Value": "1"}]) == {"a": "1"}
    assert request_tags({"a": "1"}) == {"a": "1"}
    assert request_tags(None) == {}
    assert request_tags([{"value": "orphan"}, "junk"]) == {}


# --------------------------------------------------------------------------- Step Functions tasks


def test_given_an_aws_sdk_task_when_mapped_then_pascal_case_becomes_the_api_members() -> None:
    (call,) = sfn_task_calls(
        "arn:aws:states:::aws-sdk:codedeploy:createDeployment",
        {"ApplicationName": "app", "DeploymentGroupName": "dg"},
        R,
        A,
    )
    assert (call.service, call.operation) == ("codedeploy", "CreateDeployment")
    assert call.params == {"applicationName": "app", "deploymentGroupName": "dg"}


def test_given_a_lambda_invoke_task_when_mapped_then_invoke_with_the_function() -> None:
    fn = f"arn:aws:lambda:{R}:{A}:function:render"
    for resource in (
        "arn:aws:states:::lambda:invoke",
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
    ):
        (call,) = sfn_task_calls(resource, {"FunctionName": fn, "Payload": {}}, R, A)
        assert (call.service, call.operation, call.params) == (
            "lambda",
            "Invoke",
            {"FunctionName": fn},
        )


def test_given_a_codebuild_sync_task_when_mapped_then_build_poll_and_managed_rule() -> None:
    calls = sfn_task_calls("arn:aws:states:::codebuild:startBuild.sync", {"ProjectName": "b"}, R, A)
    found = [(a.action, a.resource) for c in calls for a in authorizations(c)]
    rule = f"arn:aws:events:{R}:{A}:rule/StepFunctionsGetEventForCodeBuildStartBuildRule"
    assert found == [
        ("codebuild:StartBuild", f"arn:aws:codebuild:{R}:{A}:project/b"),
        ("codebuild:BatchGetBuilds", f"arn:aws:codebuild:{R}:{A}:project/b"),
        ("events:PutTargets", rule),
        ("events:PutRule", rule),
        ("events:DescribeRule", rule),
    ]
    (only,) = sfn_task_calls("arn:aws:states:::codebuild:startBuild", {"ProjectName": "b"}, R, A)
    assert only.operation == "StartBuild"


def test_given_sqs_calls_when_authorized_then_the_queue_arn_comes_from_the_url_or_the_name() -> (
    None
):
    # SQS: the queue ARN arn:aws:sqs:<region>:<account>:<name>; a batch needs the single action.
    url = f"https://sqs.{R}.amazonaws.com/{A}/inbox"
    [batch] = authorizations(_call("sqs", "DeleteMessageBatch", QueueUrl=url, Entries=[]))
    assert (batch.action, batch.resource) == ("sqs:DeleteMessage", f"arn:aws:sqs:{R}:{A}:inbox")
    [named] = authorizations(
        _call("sqs", "GetQueueUrl", QueueName="inbox", QueueOwnerAWSAccountId="999999999999")
    )
    assert named.resource == f"arn:aws:sqs:{R}:999999999999:inbox"
