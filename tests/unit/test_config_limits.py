"""turnout.config: what the environment may hold (aws-fidelity row 20)."""

from __future__ import annotations

import pytest

from turnout.config import MAX_ALARM_NAME_LENGTH, Config
from turnout.errors import ConfigError

ENV = {
    "STACK_NAME": "hello-aws-turnout",
    "TABLE_NAME": "t",
    "REPOSITORY_NAME": "hello-aws",
    "ECR_REPOSITORY": "ecr-hello-aws",
    "CLUSTER_NAME": "c",
    "SERVICE_NAME": "s",
    "APPLICATION_NAME": "a",
    "DEPLOYMENT_GROUP_NAME": "g",
}


def test_given_alarm_names_within_cloudwatchs_limit_when_parsed_then_each_is_kept() -> None:
    longest = "a" * MAX_ALARM_NAME_LENGTH

    config = Config.from_env(ENV | {"GATE_ALARM_NAMES": f" 5xx , {longest},"})

    assert config.gate_alarm_names == ("5xx", longest)


def test_given_an_alarm_name_longer_than_cloudwatch_allows_when_parsed_then_config_error() -> None:
    too_long = "b" * (MAX_ALARM_NAME_LENGTH + 1)

    with pytest.raises(ConfigError, match=r"GATE_ALARM_NAMES: .* 256 characters long"):
        Config.from_env(ENV | {"GATE_ALARM_NAMES": f"5xx,{too_long}"})


def test_given_the_check_interval_and_build_timeouts_when_parsed_then_they_are_read() -> None:
    config = Config.from_env(
        ENV
        | {
            "GATE_CHECK_INTERVAL_MINUTES": "5",
            "BUILD_TIMEOUT_MINUTES": "120",
            "BUILD_QUEUED_TIMEOUT_MINUTES": "60",
        }
    )

    assert (config.gate_check_interval_minutes, config.build_timeout_minutes) == (5, 120)
    assert config.build_queued_timeout_minutes == 60


def test_given_the_ecs_engine_without_codedeploy_names_when_parsed_then_they_are_empty() -> None:
    env = {k: v for k, v in ENV.items() if k not in ("APPLICATION_NAME", "DEPLOYMENT_GROUP_NAME")}

    config = Config.from_env(env | {"APPLICATION_NAME": "", "DEPLOYMENT_ENGINE": "ecs"})

    assert (config.engine, config.application, config.deployment_group) == ("ecs", "", "")


def test_given_no_engine_when_parsed_then_codedeploy_and_a_bad_one_is_a_config_error() -> None:
    assert Config.from_env(ENV).engine == "codedeploy"
    with pytest.raises(
        ConfigError, match="DEPLOYMENT_ENGINE='lambda' must be one of codedeploy, ecs"
    ):
        Config.from_env(ENV | {"DEPLOYMENT_ENGINE": "lambda"})


def test_given_empty_codedeploy_names_when_the_group_is_read_then_config_error_names_them() -> None:
    from turnout.adapters.codedeploy import CodeDeploy

    class NoCalls:
        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"CodeDeploy was called ({name}) with no group to name")

    adapter = CodeDeploy("", "", client=NoCalls())  # type: ignore[arg-type]

    with pytest.raises(
        ConfigError, match="CodeDeployApplication and DeploymentGroupName are empty"
    ):
        adapter.termination_wait_minutes()
