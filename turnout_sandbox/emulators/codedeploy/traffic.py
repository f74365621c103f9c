"""ECS deployment configurations: how production traffic moves to green (canary / linear /
all-at-once steps), and the predefined configs GetDeploymentConfig answers for."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from turnout_sandbox.emulators.codedeploy.exceptions import CodeDeployApiError

__all__ = [
    "DEFAULT_ECS_CONFIG",
    "ECS_DEPLOYMENT_CONFIGS",
    "TrafficRouting",
    "deployment_config_info",
]

DEFAULT_ECS_CONFIG: Final = "CodeDeployDefault.ECSAllAtOnce"


@dataclass(frozen=True)
class TrafficRouting:
    """How production traffic moves to green.

    ``type`` is ``AllAtOnce``, ``TimeBasedCanary`` or ``TimeBasedLinear``.
    """

    type: str
    percentage: int = 100
    interval_minutes: int = 0

    def steps(self) -> list[tuple[int, float]]:
        """``(green weight %, virtual seconds to wait after setting it)`` in order."""
        wait = self.interval_minutes * 60.0
        if self.type == "TimeBasedCanary":
            return [(self.percentage, wait), (100, 0.0)]
        if self.type == "TimeBasedLinear":
            weights: list[int] = []
            weight = self.percentage
            while weight < 100:
                weights.append(weight)
                weight += self.percentage
            weights.append(100)
            return [(w, wait if w < 100 else 0.0) for w in weights]
        return [(100, 0.0)]

    def as_config(self) -> dict[str, Any]:
        if self.type == "TimeBasedCanary":
            return {
                "type": self.type,
                "timeBasedCanary": {
                    "canaryPercentage": self.percentage,
                    "canaryInterval": self.interval_minutes,
                },
            }
        if self.type == "TimeBasedLinear":
            return {
                "type": self.type,
                "timeBasedLinear": {
                    "linearPercentage": self.percentage,
                    "linearInterval": self.interval_minutes,
                },
            }
        return {"type": "AllAtOnce"}


#: The predefined ECS deployment configurations (CodeDeploy User Guide).
ECS_DEPLOYMENT_CONFIGS: Final[Mapping[str, TrafficRouting]] = {
    "CodeDeployDefault.ECSAllAtOnce": TrafficRouting("AllAtOnce"),
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": TrafficRouting("TimeBasedLinear", 10, 1),
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": TrafficRouting("TimeBasedLinear", 10, 3),
    "CodeDeployDefault.ECSCanary10Percent5Minutes": TrafficRouting("TimeBasedCanary", 10, 5),
    "CodeDeployDefault.ECSCanary10Percent15Minutes": TrafficRouting("TimeBasedCanary", 10, 15),
}


def deployment_config_info(name: str | None) -> dict[str, Any]:
    """GetDeploymentConfig's ``deploymentConfigInfo`` for a predefined ECS config."""
    routing = ECS_DEPLOYMENT_CONFIGS.get(name or "")
    if routing is None:
        raise CodeDeployApiError(
            "DeploymentConfigDoesNotExistException",
            f"No deployment configuration found for name: {name}",
        )
    return {
        "deploymentConfigId": str(uuid.uuid5(uuid.NAMESPACE_URL, name or "")),
        "deploymentConfigName": name,
        "minimumHealthyHosts": {"type": "FLEET_PERCENT", "value": 0},
        "createTime": datetime(2018, 11, 27, tzinfo=UTC),
        "computePlatform": "ECS",
        "trafficRoutingConfig": routing.as_config(),
    }
