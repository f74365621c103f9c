"""The sandbox's CloudFormation: physical names within AWS's limits, and a resource that
fails to create rolls the stack back (turnout_sandbox/emulators/cloudformation.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from turnout_sandbox.emulators.cloudformation import NAME_LIMITS
from turnout_sandbox.sandbox import Sandbox

LONG_STACK = "s" * 100
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture(scope="module")
def cfn() -> Iterator[Any]:
    with Sandbox(speed=100, iam="off") as sandbox:
        yield sandbox.client("cloudformation")


def _create(cfn: Any, stack: str, resources: dict[str, Any]) -> dict[str, Any]:
    cfn.create_stack(
        StackName=stack,
        TemplateBody=json.dumps({"Resources": resources}),
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    return dict(cfn.describe_stacks(StackName=stack)["Stacks"][0])


def test_given_a_100_character_stack_name_when_names_are_generated_then_each_fits_its_limit(
    cfn: Any,
) -> None:
    resources = {
        "AVeryLongLogicalIdForTheExecutionRoleOfAFunction": {
            "Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": TRUST},
        },
        "Rule": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 hour)"}},
    }

    stack = _create(cfn, LONG_STACK, resources)

    assert stack["StackStatus"] == "CREATE_COMPLETE"
    names = {
        r["ResourceType"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=LONG_STACK)["StackResources"]
    }
    role, rule = names["AWS::IAM::Role"], names["AWS::Events::Rule"]
    assert len(role) == NAME_LIMITS["AWS::IAM::Role"][0] == 64
    assert role.startswith("sss")
    assert "s-AVeryLongLogicalId" in role
    assert len(rule) <= 64
    assert rule.startswith("sss")
    assert "-Rule-" in rule


def test_given_a_function_name_over_64_characters_when_the_stack_is_created_then_it_rolls_back(
    cfn: Any,
) -> None:
    name = "CodeDeployHook_" + "x" * 50
    resources = {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
        "Hook": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": name,
                "Runtime": "python3.13",
                "Handler": "app.handler",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"ZipFile": "def handler(e, c): return e"},
            },
        },
    }

    stack = _create(cfn, "hook-too-long", resources)

    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert not stack.get("Outputs")
    failed = [
        e
        for e in cfn.describe_stack_events(StackName="hook-too-long")["StackEvents"]
        if e["ResourceStatus"] == "CREATE_FAILED"
    ]
    assert [e["LogicalResourceId"] for e in failed] == ["Hook"]
    assert failed[0]["ResourceStatusReason"] == (
        'Resource handler returned message: "1 validation error detected: '
        f"Value '{name}' at 'functionName' failed to satisfy constraint: "
        'Member must have length less than or equal to 64"'
    )


def test_given_a_state_machine_name_the_service_refuses_when_created_then_the_stack_rolls_back(
    cfn: Any,
) -> None:
    resources = {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
        "Machine": {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "StateMachineName": "m" * 81,
                "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                "DefinitionString": json.dumps(
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
                ),
            },
        },
    }

    stack = _create(cfn, "machine-too-long", resources)

    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [
        e.get("ResourceStatusReason", "")
        for e in cfn.describe_stack_events(StackName="machine-too-long")["StackEvents"]
        if e["ResourceStatus"] == "CREATE_FAILED"
    ]
    assert len(reasons) == 1
    assert "Member must have length less than or equal to 80" in reasons[0]


def _conditional(role_name: str) -> dict[str, Any]:
    """A role that exists, and a queue (with a policy reading the role) whose Condition is
    false (CloudFormation User Guide, "Conditions": such a resource is not created)."""
    return {
        "Conditions": {"Never": {"Fn::Equals": ["a", "b"]}},
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"RoleName": role_name, "AssumeRolePolicyDocument": TRUST},
            },
            "OtherRole": {
                "Type": "AWS::IAM::Role",
                "Condition": "Never",
                "Properties": {"AssumeRolePolicyDocument": TRUST},
            },
            "Queue": {
                "Type": "AWS::SQS::Queue",
                "Condition": "Never",
                "Properties": {
                    "Tags": [{"Key": "r", "Value": {"Fn::GetAtt": ["OtherRole", "Arn"]}}]
                },
            },
        },
    }


def test_given_resources_whose_condition_is_false_when_listed_and_updated_then_they_do_not_exist(
    cfn: Any,
) -> None:
    cfn.create_stack(
        StackName="conditional",
        TemplateBody=json.dumps(_conditional("conditional-a")),
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )

    listed = cfn.describe_stack_resources(StackName="conditional")["StackResources"]
    assert [r["LogicalResourceId"] for r in listed] == ["Role"]

    # the queue's JSON changes too: an update must not resolve it (its GetAtt names a role
    # that was never created)
    changed = _conditional("conditional-a")
    changed["Resources"]["Queue"]["Properties"]["Tags"][0]["Key"] = "s"
    cfn.update_stack(
        StackName="conditional",
        TemplateBody=json.dumps(changed),
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )

    stack = cfn.describe_stacks(StackName="conditional")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    listed = cfn.describe_stack_resources(StackName="conditional")["StackResources"]
    assert [(r["LogicalResourceId"], r["PhysicalResourceId"]) for r in listed] == [
        ("Role", "conditional-a")
    ]
