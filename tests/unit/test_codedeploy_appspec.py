"""The CodeDeploy emulator's pure parts: the AppSpec parser and the traffic-routing steps."""

from __future__ import annotations

import pytest

from turnout_sandbox.emulators.codedeploy.appspec import parse_appspec
from turnout_sandbox.emulators.codedeploy.exceptions import DeploymentFailure
from turnout_sandbox.emulators.codedeploy.traffic import ECS_DEPLOYMENT_CONFIGS

YAML_APPSPEC = """
version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: arn:aws:ecs:ap-northeast-2:123456789012:task-definition/hello:7
        LoadBalancerInfo:
          ContainerName: hello-aws
          ContainerPort: "8080"
        NetworkConfiguration:
          AwsvpcConfiguration:
            Subnets: [subnet-1]
            AssignPublicIp: DISABLED
Hooks:
  - AfterAllowTestTraffic: gate-hook
"""


def _revision(content: str) -> dict[str, object]:
    return {"revisionType": "AppSpecContent", "appSpecContent": {"content": content}}


def test_given_a_yaml_appspec_when_parsing_then_task_definition_port_network_and_hooks() -> None:
    spec = parse_appspec(_revision(YAML_APPSPEC))

    assert spec.task_definition.endswith("task-definition/hello:7")
    assert (spec.container_name, spec.container_port) == ("hello-aws", 8080)
    assert spec.network_configuration == {
        "awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "DISABLED"}
    }
    assert spec.capacity_provider_strategy is None
    assert spec.hooks == {"AfterAllowTestTraffic": "gate-hook"}


@pytest.mark.parametrize(
    ("revision", "message"),
    [
        ({"revisionType": "S3"}, "revision.revisionType 'S3' is not supported"),
        (_revision("  "), "is empty"),
        (
            _revision(YAML_APPSPEC.replace("AfterAllowTestTraffic", "ApplicationStart")),
            "'ApplicationStart' is not an ECS lifecycle hook",
        ),
        (_revision(YAML_APPSPEC.replace('"8080"', "http")), "ContainerPort must be a port"),
        (
            _revision(YAML_APPSPEC.replace("AWS::ECS::Service", "AWS::Lambda::Function")),
            "Type must be AWS::ECS::Service",
        ),
    ],
)
def test_given_a_bad_revision_when_parsing_then_invalid_revision_naming_the_problem(
    revision: dict[str, object], message: str
) -> None:
    with pytest.raises(DeploymentFailure) as raised:
        parse_appspec(revision)

    assert raised.value.code == "INVALID_REVISION"
    assert message in raised.value.message


def test_given_the_canary_config_when_listing_steps_then_ten_percent_for_five_minutes() -> None:
    routing = ECS_DEPLOYMENT_CONFIGS["CodeDeployDefault.ECSCanary10Percent5Minutes"]

    assert routing.steps() == [(10, 300.0), (100, 0.0)]
    assert routing.as_config() == {
        "type": "TimeBasedCanary",
        "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 5},
    }
