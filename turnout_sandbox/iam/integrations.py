"""The API calls a Step Functions Task state makes with its state machine's role, so that
each can be authorized like any other call (Step Functions Developer Guide, "How Step
Functions generates IAM policies for integrated services", per integration)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from turnout_sandbox.iam.actions import ApiCall, UnmappedOperationError

# aws-sdk service names (AWS SDK for Java v2 ids) -> botocore names, where they differ.
_SDK_SERVICES = {
    "sfn": "stepfunctions",
    "eventbridge": "events",
    "cloudwatchlogs": "logs",
    "elasticloadbalancingv2": "elbv2",
}


@cache
def _members(service: str, operation: str) -> dict[str, str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    shape = model.operation_model(operation).input_shape
    return {name.lower(): name for name in (shape.members if shape is not None else {})}


def sfn_task_calls(
    resource: str,
    parameters: Mapping[str, Any],
    region: str,
    account: str,
    partition: str = "aws",
) -> list[ApiCall]:
    """The API calls a Task state with ``resource`` makes, for its resolved ``Parameters``."""
    _, _, tail = resource.partition(":::")
    service, _, action = tail.partition(":")
    if service == "aws-sdk":
        sdk_service, _, name = action.partition(":")
        service = _SDK_SERVICES.get(sdk_service, sdk_service)
        operation = name[:1].upper() + name[1:]
        members = _members(service, operation)
        # aws-sdk integrations take the API's members in PascalCase.
        params = {members.get(k.lower(), k): v for k, v in parameters.items()}
        return [ApiCall(service, operation, params, region, account, partition)]
    base = action.split(".")[0]
    if service == "lambda" and base == "invoke":
        fn = {k: v for k, v in parameters.items() if k in {"FunctionName", "Qualifier"}}
        return [ApiCall("lambda", "Invoke", fn, region, account, partition)]
    if service == "codebuild" and base == "startBuild":
        project = str(parameters["ProjectName"])
        calls = [
            ApiCall("codebuild", "StartBuild", {"projectName": project}, region, account, partition)
        ]
        if action.endswith(".sync"):
            # DG, "IAM policies for calling AWS CodeBuild" (.sync): the build is polled with
            # BatchGetBuilds and watched through a managed EventBridge rule.
            rule = {"Name": "StepFunctionsGetEventForCodeBuildStartBuildRule"}
            calls += [
                ApiCall(
                    "codebuild",
                    "BatchGetBuilds",
                    {"ids": [f"{project.rsplit('/', 1)[-1]}:*"]},
                    region,
                    account,
                    partition,
                ),
                ApiCall(
                    "events",
                    "PutTargets",
                    {"Rule": rule["Name"], "Targets": []},
                    region,
                    account,
                    partition,
                ),
                ApiCall("events", "PutRule", rule, region, account, partition),
                ApiCall("events", "DescribeRule", rule, region, account, partition),
            ]
        return calls
    raise UnmappedOperationError(f"no IAM mapping for the Task resource {resource}")
