"""turnout.ecs_engine: what DeploymentEngine=ecs asks of the service, and the configuration
UpdateService sends (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from turnout.ecs_engine import (
    ENDS,
    GATE_STAGE,
    check_service,
    deployment_configuration,
    hook_timeout_minutes,
)
from turnout.errors import ConfigError

RULE = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:listener-rule/app/a/1/2/3"
GREEN = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/green/1"


def _service(**changes: Any) -> dict[str, Any]:
    service: dict[str, Any] = {
        "deploymentController": {"type": "ECS"},
        "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 10},
        "loadBalancers": [
            {
                "targetGroupArn": "blue",
                "advancedConfiguration": {
                    "alternateTargetGroupArn": GREEN,
                    "productionListenerRule": RULE,
                    "roleArn": "arn:aws:iam::123456789012:role/infra",
                },
            }
        ],
    }
    return service | changes


def test_given_an_ecs_blue_green_service_when_checked_then_it_is_accepted() -> None:
    check_service(_service(), "web")


@pytest.mark.parametrize("strategy", ["LINEAR", "CANARY"])
def test_given_a_linear_or_canary_service_when_checked_then_it_is_accepted(strategy: str) -> None:
    check_service(_service(deploymentConfiguration={"strategy": strategy}), "web")


def test_given_a_code_deploy_service_when_checked_then_the_error_names_the_controller() -> None:
    with pytest.raises(ConfigError, match=r"deploymentController CODE_DEPLOY.*needs"):
        check_service(_service(deploymentController={"type": "CODE_DEPLOY"}), "web")


def test_given_a_rolling_service_when_checked_then_the_error_names_the_strategy() -> None:
    # botocore model, DeploymentConfiguration.strategy: ROLLING is the default.
    with pytest.raises(ConfigError, match="strategy ROLLING"):
        check_service(_service(deploymentConfiguration={}), "web")


def test_given_no_load_balancer_when_checked_then_the_error_asks_for_one() -> None:
    with pytest.raises(ConfigError, match="no loadBalancers"):
        check_service(_service(loadBalancers=[]), "web")


@pytest.mark.parametrize("member", ["alternateTargetGroupArn", "productionListenerRule"])
def test_given_an_incomplete_advanced_configuration_when_checked_then_the_member_is_named(
    member: str,
) -> None:
    service = _service()
    del service["loadBalancers"][0]["advancedConfiguration"][member]
    with pytest.raises(ConfigError, match=rf"loadBalancers\[0\]\.advancedConfiguration\.{member}"):
        check_service(service, "web")


def test_given_the_service_configuration_when_the_gate_is_added_then_bake_is_0_and_one_pause_hook() -> (
    None
):
    lambda_hook = {
        "targetType": "AWS_LAMBDA",
        "hookTargetArn": "fn",
        "lifecycleStages": ["PRE_SCALE_UP"],
    }
    old_gate = {"targetType": "PAUSE", "lifecycleStages": [GATE_STAGE]}
    current = {
        "strategy": "BLUE_GREEN",
        "bakeTimeInMinutes": 15,
        "alarms": {"alarmNames": ["a"], "enable": True, "rollback": True},
        "lifecycleHooks": [lambda_hook, old_gate],
    }

    config = deployment_configuration(current, 36)

    assert config["bakeTimeInMinutes"] == 0
    assert config["strategy"] == "BLUE_GREEN"
    assert config["alarms"] == current["alarms"]
    assert config["lifecycleHooks"] == [
        lambda_hook,
        {
            "targetType": "PAUSE",
            "lifecycleStages": [GATE_STAGE],
            "timeoutConfiguration": {"timeoutInMinutes": 36, "action": "ROLLBACK"},
        },
    ]
    assert current["bakeTimeInMinutes"] == 15, "the service's own configuration is not changed"


def test_given_the_gate_budget_when_sizing_the_hook_then_one_check_interval_is_added() -> None:
    assert hook_timeout_minutes(35, 1) == 36


def test_given_a_budget_past_ecs_hook_limit_when_sizing_then_it_is_refused() -> None:
    # botocore model, DeploymentLifecycleHookTimeoutConfiguration.timeoutInMinutes: 1..20160.
    with pytest.raises(ConfigError, match="20160"):
        hook_timeout_minutes(20160, 1)


def test_given_deployment_statuses_when_mapped_then_only_ended_ones_end_a_wait() -> None:
    assert ENDS["SUCCESSFUL"] == "SUCCESS"
    assert ENDS["ROLLBACK_SUCCESSFUL"] == "ROLLED_BACK"
    assert ENDS["ROLLBACK_FAILED"] == "FAILURE"
    assert "IN_PROGRESS" not in ENDS
    assert "ROLLBACK_IN_PROGRESS" not in ENDS
