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

:func:`describe_target_health` replaces moto's ``ELBV2Response.describe_target_health`` (one
of the CodeDeploy package's ``PATCHES``), so it serves boto3 under ``mock_aws()``, the moto
server and Step Functions tasks alike. Targets this module did
not register keep moto's answer. The fake targets live in a :class:`TargetHealthBackend` per
account and region (moto's reset clears them); the provider is a process-wide script.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.responses import ActionResult
from moto.elbv2.models import FakeHealthStatus, elbv2_backends

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


class TargetHealthBackend(BaseBackend):
    """The fake task-set targets of one account and region, by (target group, target id)."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.targets: dict[tuple[str, str], FakeTarget] = {}
        self.ip_counter = itertools.count(1)


#: Fake targets per account and region; moto's reset clears it.
target_health_backends: Final = BackendDict(TargetHealthBackend, "elbv2")


class _Script:
    provider: TargetHealthProvider | None = None


_lock = threading.Lock()
_script = _Script()


def set_target_health_provider(provider: TargetHealthProvider | None) -> None:
    """Script target health: ``provider(target_group_arn, task_definition_arn) -> state``.

    ``None`` restores the default (``initial`` for 30 virtual seconds, then ``healthy``).
    """
    with _lock:
        _script.provider = provider


def target_state(target: FakeTarget) -> str:
    """The health state DescribeTargetHealth reports for ``target`` right now."""
    with _lock:
        provider = _script.provider
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
    health = target_health_backends[account_id][region]
    now = get_runtime().clock.now()
    created: list[FakeTarget] = []
    with _lock:
        for _ in range(max(0, count)):
            n = next(health.ip_counter)
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
            health.targets[(target_group_arn, target.target_id)] = target
    return created


def deregister_task_set_targets(*, account_id: str, region: str, task_set_arn: str) -> int:
    """Deregister every fake target registered for ``task_set_arn``; returns how many."""
    backend = elbv2_backends[account_id][region]
    fakes = target_health_backends[account_id][region].targets
    with _lock:
        mine = [key for key, t in fakes.items() if t.task_set_arn == task_set_arn]
        removed = [fakes.pop(key) for key in mine]
    by_group: dict[str, list[dict[str, Any]]] = {}
    for target in removed:
        by_group.setdefault(target.target_group_arn, []).append(
            {"Id": target.target_id, "Port": target.port}
        )
    for group_arn, targets in by_group.items():
        if group_arn in backend.target_groups:
            backend.deregister_targets(group_arn, targets)
    return len(removed)


def _all_backends() -> list[TargetHealthBackend]:
    return [b for account in list(target_health_backends.values()) for b in list(account.values())]


def task_set_targets(task_set_arn: str) -> list[FakeTarget]:
    """The fake targets currently registered for a task set (in any account and region)."""
    with _lock:
        return [
            t
            for backend in _all_backends()
            for t in backend.targets.values()
            if t.task_set_arn == task_set_arn
        ]


def describe_target_health(self: Any) -> ActionResult:
    """Replacement for ``ELBV2Response.describe_target_health``."""
    target_group_arn: str = self._get_param("TargetGroupArn")
    targets: list[dict[str, Any]] = self._get_param("Targets", [])
    descriptions = self.elbv2_backend.describe_target_health(target_group_arn, targets)
    fakes = target_health_backends[self.current_account][self.region].targets
    answered: list[Any] = []
    for description in descriptions:
        with _lock:
            fake = fakes.get((target_group_arn, description.instance_id))
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


def reset() -> None:
    """Forget every fake target and restore the default health provider."""
    with _lock:
        for backend in _all_backends():
            backend.reset()
        _script.provider = None
