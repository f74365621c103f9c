"""The ECS blue/green emulator's traffic steps (LINEAR / CANARY), pure: botocore model shapes
LinearConfiguration and CanaryConfiguration."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from turnout_sandbox.emulators.ecs_bluegreen import parse_config

LB = [
    {
        "targetGroupArn": "tg-1",
        "advancedConfiguration": {
            "alternateTargetGroupArn": "tg-2",
            "productionListenerRule": "rule",
            "roleArn": "role",
        },
    }
]


def _steps(config: dict[str, Any]) -> list[tuple[float, float]]:
    parsed = parse_config(config, LB, "ECS")
    return [(round(float(percent), 1), bake) for percent, bake in parsed.strategy.steps()]


@pytest.mark.parametrize(
    ("config", "steps"),
    [
        # model: stepPercent default 10.0, stepBakeTimeInMinutes default 6, "not applied
        # after reaching 100 percent traffic"
        ({"strategy": "LINEAR"}, [(10.0 * i, 360.0) for i in range(1, 10)] + [(100.0, 0.0)]),
        (
            {
                "strategy": "LINEAR",
                "linearConfiguration": {"stepPercent": 30.0, "stepBakeTimeInMinutes": 2},
            },
            [(30.0, 120.0), (60.0, 120.0), (90.0, 120.0), (100.0, 0.0)],
        ),
        # canaryPercent default 5.0, canaryBakeTimeInMinutes default 10, then the rest at once
        ({"strategy": "CANARY"}, [(5.0, 600.0), (100.0, 0.0)]),
        (
            {
                "strategy": "CANARY",
                "canaryConfiguration": {"canaryPercent": 0.1, "canaryBakeTimeInMinutes": 0},
            },
            [(0.1, 0.0), (100.0, 0.0)],
        ),
        ({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 100.0}}, [(100.0, 0.0)]),
        ({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}, [(100.0, 0.0)]),
    ],
    ids=["linear-defaults", "linear-30", "canary-defaults", "canary-0.1", "canary-100", "bg"],
)
def test_given_a_strategy_when_its_steps_are_listed_then_they_follow_the_model(
    config: dict[str, Any], steps: list[tuple[float, float]]
) -> None:
    assert _steps(config) == steps


def test_given_a_linear_step_of_a_tenth_when_listed_then_the_weights_stay_exact() -> None:
    parsed = parse_config(
        {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 33.3}}, LB, "ECS"
    )

    weights = [percent for percent, _ in parsed.strategy.steps()]

    assert weights == [Decimal("33.3"), Decimal("66.6"), Decimal("99.9"), Decimal(100)]
