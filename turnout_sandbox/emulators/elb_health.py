"""Target health for task-set targets: what moto's ELBv2 DescribeTargetHealth cannot know.

moto answers ``DescribeTargetHealth`` from its own idea of a target (EC2 instances, or
"healthy" for anything registered). A sandboxed ECS task set has no real tasks behind it,
so the CodeDeploy emulator registers one fake IP target per desired task
(:func:`register_task_set_targets`) and this module answers for those targets with the
state a *health provider* returns: ``provider(target_group_arn, task_definition_arn)``.

The default provider behaves like a fresh ELB registration of a healthy application:
``initial`` for the first :data:`DEFAULT_HEALTHY_AFTER_SECONDS` virtual seconds after the
target was registered, ``healthy`` afterwards. Scenarios script other outcomes with
:func:`set_target_health_provider`.

The patch replaces ``moto.elbv2.responses.ELBV2Response.describe_target_health``, so it
serves boto3 under ``mock_aws()``, the moto server and Step Functions tasks alike. Targets
this module did not register keep moto's answer.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from moto.core.responses import ActionResult
from moto.elbv2.models import FakeHealthStatus, elbv2_backends
from moto.elbv2.responses import ELBV2Response

from turnout_sandbox.runtime import get_runtime

#: Virtual seconds a default-provider target stays ``initial`` after registration.
DEFAULT_HEALTHY_AFTER_SECONDS: Final = 30.0

#: ELBv2 ``TargetHealthStateEnum`` values a provider may return.
TARGET_HEALTH_STATES: Final = frozenset(
    {"initial", "healthy", "unhealthy", "unhealthy.draining", "unused", "draining", "unavailable"}
)

#: The Reason/Description ELB reports beside a state (none for ``healthy``).
_REASONS: Final[dict[str, tuple[str, str]]] = {
    "initial": ("Elb.RegistrationInProgress", "Target registration is in progress"),
    "unhealthy": ("Target.FailedHealthChecks", "Health checks failed"),
    "unhealthy.draining": (
        "Target.DeregistrationInProgress",
        "Target deregistration is in progress",
    ),
    "unused": (
        "Target.NotInUse",
        "Target group is not configured to receive traffic from the load balancer",
    ),
    "draining": ("Target.DeregistrationInProgress", "Target deregistration is in progress"),
    "unavailable": ("Target.HealthCheckDisabled", "Health checks are disabled"),
}

TargetHealthProvider = Callable[[str, str], str]


class TargetHealthProviderError(ValueError):
    """The scripted health provider returned something ELB would never report."""


@dataclass(frozen=True)
class FakeTarget:
    """One fake task IP registered in a target group for a task set."""

    target_group_arn: str
    target_id: str
    port: int
    task_definition_arn: str
    task_set_arn: str
    registered_at: float


class _State:
    def __init__(self) -> None:
        self.provider: TargetHealthProvider | None = None
        self.ip_counter = itertools.count(1)
        self.installed = False


_lock = threading.Lock()
_targets: dict[tuple[str, str], FakeTarget] = {}
_state = _State()


def set_target_health_provider(provider: TargetHealthProvider | None) -> None:
    """Script target health: ``provider(target_group_arn, task_definition_arn) -> state``.

    ``None`` restores the default (``initial`` for 30 virtual seconds, then ``healthy``).
    """
    with _lock:
        _state.provider = provider


def target_state(target: FakeTarget) -> str:
    """The health state DescribeTargetHealth reports for ``target`` right now."""
    with _lock:
        provider = _state.provider
    if provider is None:
        elapsed = get_runtime().clock.now() - target.registered_at
        return "healthy" if elapsed >= DEFAULT_HEALTHY_AFTER_SECONDS else "initial"
    state = provider(target.target_group_arn, target.task_definition_arn)
    if state not in TARGET_HEALTH_STATES:
        raise TargetHealthProviderError(
            f"target health provider returned {state!r} for target group "
            f"{target.target_group_arn} (task definition {target.task_definition_arn}); "
            f"expected one of {sorted(TARGET_HEALTH_STATES)}"
        )
    return state


def register_task_set_targets(
    *,
    account_id: str,
    region: str,
    target_group_arn: str,
    task_set_arn: str,
    task_definition_arn: str,
    count: int,
    port: int,
) -> list[FakeTarget]:
    """Register ``count`` fake task IPs (10.0.x.y:port) in the target group (moto ELBv2)."""
    backend = elbv2_backends[account_id][region]
    now = get_runtime().clock.now()
    created: list[FakeTarget] = []
    with _lock:
        for _ in range(max(0, count)):
            n = next(_state.ip_counter)
            ip = f"10.0.{(n // 250) % 250}.{n % 250 + 4}"
            created.append(
                FakeTarget(target_group_arn, ip, port, task_definition_arn, task_set_arn, now)
            )
    if created:
        backend.register_targets(
            target_group_arn, [{"Id": t.target_id, "Port": t.port} for t in created]
        )
    with _lock:
        for target in created:
            _targets[(target_group_arn, target.target_id)] = target
    return created


def deregister_task_set_targets(*, account_id: str, region: str, task_set_arn: str) -> int:
    """Deregister every fake target registered for ``task_set_arn``; returns how many."""
    backend = elbv2_backends[account_id][region]
    with _lock:
        mine = [key for key, t in _targets.items() if t.task_set_arn == task_set_arn]
        removed = [_targets.pop(key) for key in mine]
    by_group: dict[str, list[dict[str, Any]]] = {}
    for target in removed:
        by_group.setdefault(target.target_group_arn, []).append(
            {"Id": target.target_id, "Port": target.port}
        )
    for group_arn, targets in by_group.items():
        if group_arn in backend.target_groups:
            backend.deregister_targets(group_arn, targets)
    return len(removed)


def task_set_targets(task_set_arn: str) -> list[FakeTarget]:
    """The fake targets currently registered for a task set."""
    with _lock:
        return [t for t in _targets.values() if t.task_set_arn == task_set_arn]


def _describe_target_health(self: Any) -> ActionResult:
    """Replacement for ``ELBV2Response.describe_target_health``."""
    target_group_arn: str = self._get_param("TargetGroupArn")
    targets: list[dict[str, Any]] = self._get_param("Targets", [])
    descriptions = self.elbv2_backend.describe_target_health(target_group_arn, targets)
    answered: list[Any] = []
    for description in descriptions:
        with _lock:
            fake = _targets.get((target_group_arn, description.instance_id))
        if fake is None or description.status in ("unused", "draining", "unavailable"):
            answered.append(description)
            continue
        state = target_state(fake)
        reason, text = _REASONS.get(state, (None, None))
        answered.append(
            FakeHealthStatus(
                fake.target_id,
                str(fake.port),
                description.health_check_port,
                state,
                reason,
                text,
            )
        )
    return ActionResult({"TargetHealthDescriptions": answered})


def install() -> None:
    """Patch moto's ELBv2 DescribeTargetHealth (idempotent)."""
    with _lock:
        if _state.installed:
            return
        ELBV2Response.describe_target_health = _describe_target_health  # type: ignore[method-assign]
        _state.installed = True


def reset() -> None:
    """Forget every fake target and restore the default health provider."""
    with _lock:
        _targets.clear()
        _state.provider = None
        _state.ip_counter = itertools.count(1)
