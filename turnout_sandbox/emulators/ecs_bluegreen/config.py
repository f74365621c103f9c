"""A blue/green-family ``deploymentConfiguration`` and ``loadBalancers`` checked like AWS, pure.

:func:`parse_config` turns the CreateService / UpdateService request members into a
:class:`BlueGreenConfig`, or raises :class:`ConfigError` (answered as ECS's
``InvalidParameterException``); :meth:`Strategy.steps` lists the production traffic steps.
Ranges and defaults come from the botocore ECS model (``service-2.json`` of botocore 1.44.8,
shapes ``DeploymentConfiguration``, ``LinearConfiguration``, ``CanaryConfiguration``,
``DeploymentLifecycleHook``, ``DeploymentLifecycleHookTimeoutConfiguration``,
``AdvancedConfiguration``) and the ECS developer guide pages named at each rule. AWS's exact
error wording for these refusals is not published: the messages name the member and the rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

__all__ = [
    "BLUE_GREEN_STRATEGIES",
    "HOOK_STAGES",
    "PAUSE_FORBIDDEN_STAGES",
    "BlueGreenConfig",
    "ConfigError",
    "Hook",
    "LoadBalancerConfig",
    "Strategy",
    "parse_config",
]

#: botocore model, shape DeploymentStrategy: the strategies ECS itself shifts traffic for.
BLUE_GREEN_STRATEGIES: Final = frozenset({"BLUE_GREEN", "LINEAR", "CANARY"})
#: botocore model, shape DeploymentLifecycleHookStage (in the order a deployment runs them).
HOOK_STAGES: Final = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
)
#: ECS developer guide, pause-lifecycle-hooks.html: pause hooks cannot be placed at these.
PAUSE_FORBIDDEN_STAGES: Final = frozenset({"TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"})
#: pause-lifecycle-hooks.html: at most 10 pause hooks and 10 Lambda hooks per service.
MAX_HOOKS_PER_TYPE: Final = 10
#: botocore model, DeploymentLifecycleHookTimeoutConfiguration: default 1440, 1..20160.
DEFAULT_HOOK_TIMEOUT_MINUTES: Final = 1440
MAX_HOOK_TIMEOUT_MINUTES: Final = 20160
#: botocore model, DeploymentConfiguration.bakeTimeInMinutes / step and canary bake: 0..1440.
MAX_BAKE_MINUTES: Final = 1440


class ConfigError(ValueError):
    """A configuration AWS refuses (ECS answers ``InvalidParameterException``)."""


@dataclass(frozen=True)
class Strategy:
    """How production traffic moves: ``BLUE_GREEN`` at once, ``LINEAR`` steps, ``CANARY``."""

    name: str
    bake_minutes: int
    step_percent: Decimal = Decimal(100)
    step_bake_minutes: int = 0

    def steps(self) -> list[tuple[Decimal, float]]:
        """``(green production %, virtual seconds to bake after it)`` in order.

        botocore model, LinearConfiguration.stepBakeTimeInMinutes: "This bake time is not
        applied after reaching 100 percent traffic"; CanaryConfiguration: the canary
        percentage, the canary bake, then "the remaining traffic all at once".
        """
        bake = self.step_bake_minutes * 60.0
        if self.name == "CANARY" and self.step_percent < 100:
            return [(self.step_percent, bake), (Decimal(100), 0.0)]
        if self.name == "LINEAR":
            steps: list[tuple[Decimal, float]] = []
            weight = self.step_percent
            while weight < 100:
                steps.append((weight, bake))
                weight += self.step_percent
            steps.append((Decimal(100), 0.0))
            return steps
        return [(Decimal(100), 0.0)]


@dataclass(frozen=True)
class Hook:
    """One DeploymentLifecycleHook of the service's configuration."""

    target_type: str  # AWS_LAMBDA | PAUSE
    stages: tuple[str, ...]
    target_arn: str | None
    role_arn: str | None
    details: Any
    timeout_minutes: int
    timeout_action: str  # ROLLBACK | CONTINUE


@dataclass(frozen=True)
class LoadBalancerConfig:
    """One ``loadBalancers[]`` entry with its ``advancedConfiguration``."""

    target_group_arn: str
    alternate_target_group_arn: str
    production_listener_rule: str
    test_listener_rule: str | None
    role_arn: str
    container_name: str | None
    container_port: int | None

    def other(self, target_group_arn: str) -> str:
        """The target group of the pair that is not ``target_group_arn``."""
        if target_group_arn == self.target_group_arn:
            return self.alternate_target_group_arn
        return self.target_group_arn


@dataclass(frozen=True)
class BlueGreenConfig:
    """What a blue/green-family service deploys with."""

    strategy: Strategy
    hooks: tuple[Hook, ...]
    load_balancers: tuple[LoadBalancerConfig, ...]
    alarm_names: tuple[str, ...] = ()
    alarms_enabled: bool = False
    alarms_rollback: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict)

    def hooks_at(self, stage: str) -> list[Hook]:
        return [hook for hook in self.hooks if stage in hook.stages]


def _minutes(value: Any, member: str, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{member} must be an integer from {low} to {high}, got {value!r}.")
    return value


def _percent(value: Any, member: str, default: str, low: str) -> Decimal:
    """botocore model, LinearConfiguration.stepPercent / CanaryConfiguration.canaryPercent:
    "Valid values are multiples of 0.1 from {low} to 100.0"."""
    if value is None:
        return Decimal(default)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ConfigError(f"{member} must be a number, got {value!r}.") from exc
    if not Decimal(low) <= number <= 100 or number % Decimal("0.1") != 0:
        raise ConfigError(f"{member} must be a multiple of 0.1 from {low} to 100.0, got {value!r}.")
    return number.normalize() if number != number.to_integral() else number.quantize(1)


#: botocore model, LinearConfiguration / CanaryConfiguration: (member, percent key, default
#: percent, lowest percent, bake key, default bake minutes).
_STEPPED: Final[dict[str, tuple[str, str, str, str, str, int]]] = {
    "LINEAR": ("linearConfiguration", "stepPercent", "10", "3.0", "stepBakeTimeInMinutes", 6),
    "CANARY": ("canaryConfiguration", "canaryPercent", "5", "0.1", "canaryBakeTimeInMinutes", 10),
}


def _strategy(config: Mapping[str, Any]) -> Strategy:
    name = str(config.get("strategy"))
    bake = config.get("bakeTimeInMinutes")
    if name == "BLUE_GREEN" and bake is None:
        # botocore model, DeploymentConfiguration.bakeTimeInMinutes: "You must provide this
        # parameter when you use the BLUE_GREEN deployment strategy."
        raise ConfigError(
            "deploymentConfiguration.bakeTimeInMinutes must be provided for the BLUE_GREEN "
            "deployment strategy."
        )
    bake_minutes = _minutes(
        bake, "deploymentConfiguration.bakeTimeInMinutes", 0, 0, MAX_BAKE_MINUTES
    )
    stepped = _STEPPED.get(name)
    if stepped is None:
        return Strategy(name, bake_minutes)
    member, percent_key, percent_default, percent_low, bake_key, bake_default = stepped
    raw = config.get(member) or {}
    return Strategy(
        name,
        bake_minutes,
        _percent(raw.get(percent_key), f"{member}.{percent_key}", percent_default, percent_low),
        _minutes(raw.get(bake_key), f"{member}.{bake_key}", bake_default, 0, MAX_BAKE_MINUTES),
    )


def _hook(raw: Mapping[str, Any], index: int) -> Hook:
    where = f"deploymentConfiguration.lifecycleHooks[{index}]"
    # botocore model, DeploymentLifecycleHook.targetType: "If not specified, the default value
    # is AWS_LAMBDA."
    target_type = raw.get("targetType") or "AWS_LAMBDA"
    if target_type not in ("AWS_LAMBDA", "PAUSE"):
        raise ConfigError(f"{where}.targetType must be AWS_LAMBDA or PAUSE, got {target_type!r}.")
    stages = tuple(raw.get("lifecycleStages") or ())
    if not stages:
        raise ConfigError(f"{where}.lifecycleStages must name at least one lifecycle stage.")
    for stage in stages:
        if stage not in HOOK_STAGES:
            raise ConfigError(f"{where}.lifecycleStages: {stage!r} is not a lifecycle stage.")
        if target_type == "PAUSE" and stage in PAUSE_FORBIDDEN_STAGES:
            # pause-lifecycle-hooks.html: pause hooks are not supported at these two stages.
            raise ConfigError(
                f"{where}: a PAUSE hook cannot be placed at the {stage} lifecycle stage."
            )
    target_arn = raw.get("hookTargetArn")
    if target_type == "AWS_LAMBDA" and not target_arn:
        # botocore model, DeploymentLifecycleHook.hookTargetArn: "You must provide this
        # parameter when configuring an AWS_LAMBDA lifecycle hook."
        raise ConfigError(f"{where}.hookTargetArn must be provided for an AWS_LAMBDA hook.")
    timeout = raw.get("timeoutConfiguration") or {}
    action = timeout.get("action") or "ROLLBACK"  # model: "Default: ROLLBACK"
    if action not in ("ROLLBACK", "CONTINUE"):
        raise ConfigError(
            f"{where}.timeoutConfiguration.action must be ROLLBACK or CONTINUE, got {action!r}."
        )
    return Hook(
        target_type=target_type,
        stages=stages,
        target_arn=target_arn if target_type == "AWS_LAMBDA" else None,
        role_arn=raw.get("roleArn"),
        details=raw.get("hookDetails"),
        timeout_minutes=_minutes(
            timeout.get("timeoutInMinutes"),
            f"{where}.timeoutConfiguration.timeoutInMinutes",
            DEFAULT_HOOK_TIMEOUT_MINUTES,
            1,
            MAX_HOOK_TIMEOUT_MINUTES,
        ),
        timeout_action=action,
    )


def _load_balancer(raw: Mapping[str, Any], index: int) -> LoadBalancerConfig:
    where = f"loadBalancers[{index}]"
    target_group = raw.get("targetGroupArn")
    if not target_group:
        raise ConfigError(f"{where}.targetGroupArn must be provided for a blue/green deployment.")
    advanced = raw.get("advancedConfiguration") or {}
    # API_AdvancedConfiguration / blue-green-deployment-implementation.html: ECS shifts
    # traffic between targetGroupArn and alternateTargetGroupArn on the production (and the
    # optional test) listener rule, calling the ELB APIs with roleArn.
    for member in ("alternateTargetGroupArn", "productionListenerRule", "roleArn"):
        if not advanced.get(member):
            raise ConfigError(
                f"{where}.advancedConfiguration.{member} must be provided for the "
                "blue/green deployment strategies (BLUE_GREEN, LINEAR, CANARY)."
            )
    if advanced["alternateTargetGroupArn"] == target_group:
        raise ConfigError(
            f"{where}.advancedConfiguration.alternateTargetGroupArn must differ from "
            "targetGroupArn."
        )
    return LoadBalancerConfig(
        target_group_arn=str(target_group),
        alternate_target_group_arn=str(advanced["alternateTargetGroupArn"]),
        production_listener_rule=str(advanced["productionListenerRule"]),
        test_listener_rule=advanced.get("testListenerRule") or None,
        role_arn=str(advanced["roleArn"]),
        container_name=raw.get("containerName"),
        container_port=raw.get("containerPort"),
    )


def parse_config(
    deployment_configuration: Mapping[str, Any],
    load_balancers: Sequence[Mapping[str, Any]],
    controller_type: str,
) -> BlueGreenConfig:
    """The blue/green configuration, or :class:`ConfigError` naming what AWS refuses."""
    strategy_name = deployment_configuration.get("strategy")
    if strategy_name not in BLUE_GREEN_STRATEGIES:
        raise ConfigError(f"deploymentConfiguration.strategy {strategy_name!r} is not blue/green.")
    if controller_type != "ECS":
        # botocore model, DeploymentConfiguration.strategy: the strategies are those of the
        # ECS deployment controller (CODE_DEPLOY and EXTERNAL run their own deployments).
        raise ConfigError(
            f"The {strategy_name} deployment strategy requires deploymentController type ECS, "
            f"not {controller_type}."
        )
    raw_hooks = list(deployment_configuration.get("lifecycleHooks") or [])
    hooks = tuple(_hook(raw, index) for index, raw in enumerate(raw_hooks))
    for kind in ("AWS_LAMBDA", "PAUSE"):
        if sum(1 for hook in hooks if hook.target_type == kind) > MAX_HOOKS_PER_TYPE:
            raise ConfigError(
                f"A service can have at most {MAX_HOOKS_PER_TYPE} {kind} lifecycle hooks."
            )
    alarms = deployment_configuration.get("alarms") or {}
    return BlueGreenConfig(
        strategy=_strategy(deployment_configuration),
        hooks=hooks,
        load_balancers=tuple(_load_balancer(raw, i) for i, raw in enumerate(load_balancers)),
        alarm_names=tuple(alarms.get("alarmNames") or ()),
        alarms_enabled=bool(alarms.get("enable")),
        alarms_rollback=bool(alarms.get("rollback")),
        raw=dict(deployment_configuration),
    )
