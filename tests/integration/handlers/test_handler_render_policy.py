"""functions/render and the policy: what the repository may ask for is checked against the stack's
parameters and the service DescribeServices shows, before anything is registered."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.handlers.conftest import World, attempt, fixture_text
from tests.integration.handlers.render_service import (
    EXECUTION_ROLE,
    FIXTURE_POLICY,
    TASK_ROLE,
    create_service,
)
from turnout.errors import ConfigError, PolicyViolation

#: The fixture AppSpec without the parts the tests below set themselves.
APPSPEC = """version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "<TASK_DEFINITION>"
        LoadBalancerInfo:
          ContainerName: "hello-aws"
          ContainerPort: 8080
"""


def _network(awsvpc: dict[str, Any], **changes: Any) -> str:
    vpc = {
        "Subnets": awsvpc["subnets"],
        "SecurityGroups": awsvpc["securityGroups"],
        "AssignPublicIp": awsvpc["assignPublicIp"],
    } | changes
    return APPSPEC + (
        "        NetworkConfiguration:\n          AwsvpcConfiguration: " + json.dumps(vpc) + "\n"
    )


def _render(world: World, **env: str) -> dict[str, Any]:
    return world.call("render", {"attempt": attempt()}, deps=world.with_config(**env))


def test_given_a_stack_with_the_default_policy_when_the_fixture_renders_then_each_ask_is_refused(
    world: World,
) -> None:
    create_service(world)
    world.sources()

    with pytest.raises(PolicyViolation) as caught:
        _render(world)

    message = caught.value.message
    for part in (
        "taskdef.json: taskRoleArn is 'arn:aws:iam::123456789012:role/task-hello-aws-role', "
        "but the stack passes no role there (TaskRoleArn is empty) [rule: task-role]",
        "[rule: execution-role]",
        "taskdef.json: containerDefinitions[0] ('hello-aws').secrets[0].valueFrom is "
        "'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:hello-aws/db-AbCdEf:"
        "password::', not under SecretArnPrefixes (none) [rule: secrets]",
        "appspec.yaml: Hooks[0].BeforeInstall is 'hello-aws-before-install', not in "
        "AllowedHookFunctions (none) [rule: hooks]",
        "appspec.yaml: Resources[0].TargetService.Properties.NetworkConfiguration asks for "
        "subnets ['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788']",
        "[rule: capacity-providers]",
    ):
        assert part in message
    assert world.task_definitions() == []


def test_given_the_services_own_network_when_rendering_then_it_registers_and_another_is_refused(
    world: World,
) -> None:
    awsvpc = create_service(world)
    world.sources(appspec=_network(awsvpc))
    env = {"TASK_ROLE_ARN": TASK_ROLE, "EXECUTION_ROLE_ARN": EXECUTION_ROLE}
    env["SECRET_ARN_PREFIXES"] = FIXTURE_POLICY["SECRET_ARN_PREFIXES"]

    result = _render(world, **env)

    assert world.task_definitions() == [result["taskDefinitionArn"]]
    world.sources(appspec=_network(awsvpc, AssignPublicIp="ENABLED", SecurityGroups=["sg-db"]))
    with pytest.raises(PolicyViolation, match=r"AssignPublicIp ENABLED, but the service has"):
        _render(world, **env)
    assert world.task_definitions() == [result["taskDefinitionArn"]]
    assert _render(world, **env, ALLOW_NETWORK_CHANGE="true")["revision"] == 3


def test_given_a_stack_with_only_the_legacy_role_list_when_rendering_then_it_still_deploys(
    world: World,
) -> None:
    create_service(world)
    world.sources()
    legacy = {k: v for k, v in FIXTURE_POLICY.items() if not k.endswith("ROLE_ARN")}

    result = _render(world, **legacy, TASK_ROLE_ARNS=f"{EXECUTION_ROLE},{TASK_ROLE}")

    assert world.task_definitions() == [result["taskDefinitionArn"]]
    with pytest.raises(PolicyViolation, match=r"\(TaskRoleArns\[1\]\) \[rule: task-role\]"):
        _render(world, **legacy, TASK_ROLE_ARNS=f"{TASK_ROLE},{EXECUTION_ROLE}")


def test_given_a_family_of_another_service_when_rendering_then_refused_and_nothing_registered(
    world: World,
) -> None:
    create_service(world)
    taskdef = json.loads(fixture_text("taskdef_console.json"))
    taskdef["family"] = "payments-prod"
    world.sources(taskdef=json.dumps(taskdef))

    with pytest.raises(PolicyViolation) as caught:
        _render(world, **FIXTURE_POLICY)

    assert caught.value.message == (
        "taskdef.json: family is 'payments-prod', but this stack registers only "
        "'task-hello-aws' (the family the service runs) [rule: family]"
    )
    assert world.task_definitions() == []


def test_given_no_service_when_rendering_then_config_error_names_it(world: World) -> None:
    world.sources()

    with pytest.raises(
        ConfigError,
        match="ECS service service-hello-aws does not exist in cluster cluster-hello-aws",
    ):
        _render(world, **FIXTURE_POLICY)
    assert world.task_definitions() == []
