"""turnout.ecs_engine: what DeploymentEngine=ecs asks of the service, and the configuration
UpdateService sends (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from turnout.ecs_engine import (
    APPROVAL_STAGE,
    ENDS,
    GATE_STAGE,
    STEP_GATE_STAGE,
    Pauses,
    check_service,
    deployment_configuration,
    hook_timeout_minutes,
    step_bake_minutes,
)
from turnout.errors import ConfigError, InvalidEvent

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


def _pause(stage: str, minutes: int = 36) -> dict[str, Any]:
    return {
        "targetType": "PAUSE",
        "lifecycleStages": [stage],
        "timeoutConfiguration": {"timeoutInMinutes": minutes, "action": "ROLLBACK"},
    }


@pytest.mark.parametrize("strategy", ["LINEAR", "CANARY"])
def test_given_every_traffic_step_when_a_stepped_service_is_configured_then_it_pauses_before_each(
    strategy: str,
) -> None:
    own = {"targetType": "PAUSE", "lifecycleStages": [STEP_GATE_STAGE]}  # an earlier deploy's

    config = deployment_configuration(
        {"strategy": strategy, "lifecycleHooks": [own]}, 36, pauses=Pauses(every_traffic_step=True)
    )

    assert config["lifecycleHooks"] == [_pause(STEP_GATE_STAGE), _pause(GATE_STAGE)]


def test_given_every_traffic_step_when_a_blue_green_service_is_configured_then_one_gate_only() -> (
    None
):
    config = deployment_configuration(
        {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 3},
        36,
        pauses=Pauses(every_traffic_step=True),
    )

    assert config["lifecycleHooks"] == [_pause(GATE_STAGE)]


def test_given_a_step_gate_left_by_an_earlier_deploy_when_turned_off_then_it_is_removed() -> None:
    current = {"strategy": "LINEAR", "lifecycleHooks": [_pause(STEP_GATE_STAGE, 10)]}

    config = deployment_configuration(current, 36)

    assert config["lifecycleHooks"] == [_pause(GATE_STAGE)]


@pytest.mark.parametrize(
    ("current", "minutes"),
    [
        ({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30}, 0),
        # botocore model defaults: LINEAR 10 % steps baking 6 minutes, not after 100 %
        ({"strategy": "LINEAR"}, 9 * 6),
        (
            {
                "strategy": "LINEAR",
                "linearConfiguration": {"stepPercent": 33.3, "stepBakeTimeInMinutes": 4},
            },
            3 * 4,
        ),
        ({"strategy": "LINEAR", "linearConfiguration": {"stepBakeTimeInMinutes": 0}}, 0),
        # CANARY: 5 % baking 10 minutes, then the rest
        ({"strategy": "CANARY"}, 10),
        ({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 100.0}}, 0),
    ],
    ids=["blue-green", "linear-defaults", "linear-33.3", "linear-no-bake", "canary", "canary-100"],
)
def test_given_a_strategy_when_its_step_bakes_are_summed_then_the_model_defaults_apply(
    current: dict[str, Any], minutes: int
) -> None:
    assert step_bake_minutes(current) == minutes


@pytest.mark.parametrize(
    ("raw", "pauses"),
    [
        (None, Pauses()),
        ({"everyTrafficStep": "true"}, Pauses(every_traffic_step=True)),
        ({"everyTrafficStep": "false"}, Pauses()),
    ],
)
def test_given_the_state_machines_pauses_when_read_then_the_flags_are_parsed(
    raw: Any, pauses: Pauses
) -> None:
    assert Pauses.from_payload(raw) == pauses


@pytest.mark.parametrize("raw", [{"everyTrafficStep": "yes"}, "true"])
def test_given_bad_pauses_when_read_then_the_error_names_the_member(raw: Any) -> None:
    with pytest.raises(InvalidEvent, match="pauses"):
        Pauses.from_payload(raw)


def test_given_an_approval_when_configured_then_a_pause_at_post_test_with_its_own_timeout() -> None:
    own_pause = {"targetType": "PAUSE", "lifecycleStages": [APPROVAL_STAGE]}  # replaced

    config = deployment_configuration(
        {"strategy": "BLUE_GREEN", "lifecycleHooks": [own_pause]},
        36,
        Pauses(approval_timeout_minutes=1440),
    )

    assert config["lifecycleHooks"] == [_pause(APPROVAL_STAGE, 1440), _pause(GATE_STAGE)]


def test_given_the_approval_in_the_state_when_read_then_its_timeout_is_kept() -> None:
    raw = {"everyTrafficStep": "false", "approval": "true", "approvalTimeoutMinutes": "90"}

    assert Pauses.from_payload(raw) == Pauses(approval_timeout_minutes=90)
    assert Pauses.from_payload(raw | {"approval": "false"}) == Pauses()


@pytest.mark.parametrize("minutes", ["0", "20161", "soon", None])
def test_given_an_approval_timeout_ecs_refuses_when_read_then_the_error_names_the_bound(
    minutes: str | None,
) -> None:
    # botocore model, DeploymentLifecycleHookTimeoutConfiguration.timeoutInMinutes: 1..20160
    with pytest.raises(InvalidEvent, match="approvalTimeoutMinutes must be 1 to 20160"):
        Pauses.from_payload({"approval": "true", "approvalTimeoutMinutes": minutes})
