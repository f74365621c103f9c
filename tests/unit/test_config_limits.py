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
