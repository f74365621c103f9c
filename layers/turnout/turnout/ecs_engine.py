"""DeploymentEngine=ecs: what turnout asks of an ECS built-in blue/green service, pure.

The gate is a PAUSE lifecycle hook at POST_PRODUCTION_TRAFFIC_SHIFT (ECS developer guide,
pause-lifecycle-hooks.html): ECS emits ``HOOK_AWAITING_ACTION`` once production traffic is on
the new revision, turnout runs its gate and answers ContinueServiceDeployment CONTINUE (the
old revision is cleaned up at once: bake time 0) or ROLLBACK. If turnout never answers, the
hook's timeout action ROLLBACK rolls back (fail-closed). Field names: botocore ECS model,
shapes DeploymentConfiguration, DeploymentLifecycleHook,
DeploymentLifecycleHookTimeoutConfiguration, AdvancedConfiguration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from turnout.errors import ConfigError

#: botocore model, DeploymentStrategy: the strategies under which ECS shifts traffic itself.
BLUE_GREEN_STRATEGIES: Final = frozenset({"BLUE_GREEN", "LINEAR", "CANARY"})
#: Where turnout's gate pauses the deployment: production traffic is on the new revision.
GATE_STAGE: Final = "POST_PRODUCTION_TRAFFIC_SHIFT"
#: botocore model, DeploymentLifecycleHookTimeoutConfiguration.timeoutInMinutes: 1..20160.
MAX_HOOK_TIMEOUT_MINUTES: Final = 20160

#: DescribeServiceDeployments status -> how a wait ends (None: not ended). botocore model,
#: ServiceDeploymentStatus; a STOPPED deployment was superseded or stopped without rollback.
ENDS: Final[Mapping[str, str]] = {
    "SUCCESSFUL": "SUCCESS",
    "ROLLBACK_SUCCESSFUL": "ROLLED_BACK",
    "ROLLBACK_FAILED": "FAILURE",
    "STOPPED": "FAILURE",
}


def check_service(service: Mapping[str, Any], name: str) -> None:
    """Refuse, before anything is registered, a service this engine cannot deploy: it must
    be ECS-controlled with a blue/green strategy, and every load balancer must name its
    alternate target group and production listener rule (API_AdvancedConfiguration)."""
    controller = (service.get("deploymentController") or {}).get("type") or "ECS"
    if controller != "ECS":
        raise ConfigError(
            f"ECS service {name} has deploymentController {controller}: DeploymentEngine=ecs "
            "needs deploymentController ECS (or use DeploymentEngine=codedeploy)"
        )
    strategy = (service.get("deploymentConfiguration") or {}).get("strategy") or "ROLLING"
    if strategy not in BLUE_GREEN_STRATEGIES:
        raise ConfigError(
            f"ECS service {name} has deploymentConfiguration.strategy {strategy}: "
            "DeploymentEngine=ecs needs BLUE_GREEN, LINEAR or CANARY"
        )
    balancers = list(service.get("loadBalancers") or [])
    if not balancers:
        raise ConfigError(
            f"ECS service {name} has no loadBalancers: DeploymentEngine=ecs needs one with "
            "advancedConfiguration (alternateTargetGroupArn, productionListenerRule)"
        )
    for index, lb in enumerate(balancers):
        advanced = lb.get("advancedConfiguration") or {}
        for member in ("alternateTargetGroupArn", "productionListenerRule"):
            if not advanced.get(member):
                raise ConfigError(
                    f"ECS service {name}: loadBalancers[{index}].advancedConfiguration.{member} "
                    "is missing; set it on the service (the alternate target group and the "
                    "production listener rule ECS shifts traffic on)"
                )


def hook_timeout_minutes(gate_budget_minutes: int, check_interval_minutes: int) -> int:
    """The PAUSE hook's timeout: the gate's budget (timeout + bake) plus one check interval,
    since a verdict can come one tick late; past it ECS rolls back by itself."""
    minutes = gate_budget_minutes + check_interval_minutes
    if minutes > MAX_HOOK_TIMEOUT_MINUTES:
        raise ConfigError(
            f"GateTimeoutMinutes + GateBakeMinutes + GateCheckIntervalMinutes = {minutes}: an "
            f"ECS lifecycle hook times out after at most {MAX_HOOK_TIMEOUT_MINUTES} minutes"
        )
    return minutes


def is_gate_hook(hook: Mapping[str, Any]) -> bool:
    """A PAUSE hook at the gate's stage (turnout's own, or one it replaces)."""
    return hook.get("targetType") == "PAUSE" and GATE_STAGE in (hook.get("lifecycleStages") or [])


def deployment_configuration(current: Mapping[str, Any], timeout_minutes: int) -> dict[str, Any]:
    """The service's ``deploymentConfiguration`` with turnout's gate: its other hooks and
    settings kept, ``bakeTimeInMinutes`` 0 (the gate is the bake), one PAUSE hook at
    POST_PRODUCTION_TRAFFIC_SHIFT timing out after ``timeout_minutes`` with ROLLBACK."""
    hooks = [dict(h) for h in current.get("lifecycleHooks") or [] if not is_gate_hook(h)]
    hooks.append(
        {
            "targetType": "PAUSE",
            "lifecycleStages": [GATE_STAGE],
            "timeoutConfiguration": {"timeoutInMinutes": timeout_minutes, "action": "ROLLBACK"},
        }
    )
    return dict(current) | {"bakeTimeInMinutes": 0, "lifecycleHooks": hooks}
