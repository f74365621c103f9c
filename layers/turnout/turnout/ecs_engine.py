"""DeploymentEngine=ecs: what turnout asks of an ECS built-in blue/green service, pure.

The gate is a PAUSE lifecycle hook at POST_PRODUCTION_TRAFFIC_SHIFT (ECS developer guide,
pause-lifecycle-hooks.html): ECS emits ``HOOK_AWAITING_ACTION`` once production traffic is on
the new revision, turnout runs its gate and answers ContinueServiceDeployment CONTINUE (the
old revision is cleaned up at once: bake time 0) or ROLLBACK. If turnout never answers, the
hook's timeout action ROLLBACK rolls back (fail-closed). Field names: botocore ECS model,
shapes DeploymentConfiguration, DeploymentLifecycleHook,
DeploymentLifecycleHookTimeoutConfiguration, AdvancedConfiguration, LinearConfiguration,
CanaryConfiguration.

With GateEveryTrafficStep a LINEAR or CANARY deployment also pauses at
PRE_PRODUCTION_TRAFFIC_SHIFT, which ECS runs "before every traffic shift step" (botocore model,
DeploymentLifecycleHook.lifecycleStages): the gate gives a verdict before each step, and a
failed one rolls back before the next step moves traffic. With ApprovalBeforeProduction it
pauses at POST_TEST_TRAFFIC_SHIFT (test traffic on the new revision, production still on the
old one) until ``turnout approve`` (CONTINUE) or a rejection / the hook's timeout (ROLLBACK)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from turnout.errors import ConfigError, InvalidEvent

#: botocore model, DeploymentStrategy: the strategies under which ECS shifts traffic itself.
BLUE_GREEN_STRATEGIES: Final = frozenset({"BLUE_GREEN", "LINEAR", "CANARY"})
#: Where turnout's gate pauses the deployment: production traffic is on the new revision.
GATE_STAGE: Final = "POST_PRODUCTION_TRAFFIC_SHIFT"
#: Where the per-step gate pauses (GateEveryTrafficStep): before every traffic step.
STEP_GATE_STAGE: Final = "PRE_PRODUCTION_TRAFFIC_SHIFT"
#: Where the approval pauses (ApprovalBeforeProduction): before any production traffic.
APPROVAL_STAGE: Final = "POST_TEST_TRAFFIC_SHIFT"
#: The stages whose PAUSE hooks are turnout's (replaced on every deploy).
TURNOUT_STAGES: Final = frozenset({GATE_STAGE, STEP_GATE_STAGE, APPROVAL_STAGE})
#: botocore model, DeploymentStrategy: the strategies that shift production traffic in steps.
STEPPED_STRATEGIES: Final = frozenset({"LINEAR", "CANARY"})
#: botocore model, LinearConfiguration / CanaryConfiguration: (member, percent key, default
#: percent, bake key, default bake minutes).
_STEPS: Final[Mapping[str, tuple[str, str, float, str, int]]] = {
    "LINEAR": ("linearConfiguration", "stepPercent", 10.0, "stepBakeTimeInMinutes", 6),
    "CANARY": ("canaryConfiguration", "canaryPercent", 5.0, "canaryBakeTimeInMinutes", 10),
}
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


def is_turnout_hook(hook: Mapping[str, Any]) -> bool:
    """A PAUSE hook at one of turnout's stages (turnout's own from an earlier deploy, or one it
    replaces: a pause of the service's own there would hold turnout's deploy)."""
    stages = set(hook.get("lifecycleStages") or [])
    return hook.get("targetType") == "PAUSE" and bool(stages & TURNOUT_STAGES)


def _pause(stage: str, timeout_minutes: int) -> dict[str, Any]:
    return {
        "targetType": "PAUSE",
        "lifecycleStages": [stage],
        "timeoutConfiguration": {"timeoutInMinutes": timeout_minutes, "action": "ROLLBACK"},
    }


@dataclass(frozen=True)
class Pauses:
    """The PAUSE hooks turnout adds besides the gate's (stack parameters, passed to Render by
    the ecs deploy state machine: ``pauses`` of its payload)."""

    every_traffic_step: bool = False
    #: ApprovalBeforeProduction: the approval hook's timeout (None: no approval)
    approval_timeout_minutes: int | None = None

    @classmethod
    def from_payload(cls, raw: Any) -> Pauses:
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise InvalidEvent(f"deploy state: pauses must be an object, got {raw!r}")
        timeout: int | None = None
        if _flag(raw, "approval"):
            minutes = str(raw.get("approvalTimeoutMinutes", ""))
            if not minutes.isdigit() or not 1 <= int(minutes) <= MAX_HOOK_TIMEOUT_MINUTES:
                # botocore model, DeploymentLifecycleHookTimeoutConfiguration.timeoutInMinutes
                raise InvalidEvent(
                    "deploy state: pauses.approvalTimeoutMinutes must be 1 to "
                    f"{MAX_HOOK_TIMEOUT_MINUTES} minutes, got {raw.get('approvalTimeoutMinutes')!r}"
                )
            timeout = int(minutes)
        return cls(
            every_traffic_step=_flag(raw, "everyTrafficStep"), approval_timeout_minutes=timeout
        )


def _flag(raw: Mapping[str, Any], key: str) -> bool:
    value = raw.get(key, "false")
    if value not in ("true", "false", True, False):
        raise InvalidEvent(f"deploy state: pauses.{key} must be true or false, got {value!r}")
    return value in ("true", True)


def gates_every_step(current: Mapping[str, Any], every_traffic_step: bool) -> bool:
    """GateEveryTrafficStep applies to the stepped strategies only: a BLUE_GREEN deployment
    has one production step, gated at POST_PRODUCTION_TRAFFIC_SHIFT already."""
    return every_traffic_step and current.get("strategy") in STEPPED_STRATEGIES


def deployment_configuration(
    current: Mapping[str, Any], timeout_minutes: int, pauses: Pauses | None = None
) -> dict[str, Any]:
    """The service's ``deploymentConfiguration`` with turnout's gate: its other hooks and
    settings kept, ``bakeTimeInMinutes`` 0 (the gate is the bake), one PAUSE hook at
    POST_PRODUCTION_TRAFFIC_SHIFT timing out after ``timeout_minutes`` with ROLLBACK, and
    (``pauses.every_traffic_step``, LINEAR / CANARY) one at PRE_PRODUCTION_TRAFFIC_SHIFT
    alike; with an approval, one at POST_TEST_TRAFFIC_SHIFT timing out after
    ``pauses.approval_timeout_minutes`` with ROLLBACK."""
    pauses = pauses or Pauses()
    hooks = [dict(h) for h in current.get("lifecycleHooks") or [] if not is_turnout_hook(h)]
    if pauses.approval_timeout_minutes is not None:
        hooks.append(_pause(APPROVAL_STAGE, pauses.approval_timeout_minutes))
    if gates_every_step(current, pauses.every_traffic_step):
        hooks.append(_pause(STEP_GATE_STAGE, timeout_minutes))
    hooks.append(_pause(GATE_STAGE, timeout_minutes))
    return dict(current) | {"bakeTimeInMinutes": 0, "lifecycleHooks": hooks}


def step_bake_minutes(current: Mapping[str, Any]) -> int:
    """The bake time of all the traffic steps of one deployment of ``current``: LINEAR bakes
    after every step but the one reaching 100 % ("This bake time is not applied after
    reaching 100 percent traffic"), CANARY once after the canary unless it is 100 %
    (botocore model, LinearConfiguration, CanaryConfiguration; their defaults when unset)."""
    stepped = _STEPS.get(str(current.get("strategy")))
    if stepped is None:
        return 0
    member, percent_key, percent_default, bake_key, bake_default = stepped
    settings = current.get(member) or {}
    percent = float(settings.get(percent_key) or percent_default)
    raw_bake = settings.get(bake_key)
    bake = bake_default if raw_bake is None else int(raw_bake)
    if percent >= 100:
        return 0
    steps = 2 if member == "canaryConfiguration" else math.ceil(round(100 / percent, 6))
    return (steps - 1) * bake
