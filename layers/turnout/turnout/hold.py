"""The gate's hold mode: where the original task set is kept alive while the gate runs (the
AfterAllowTraffic hook, or the deployment group's own termination wait), and how late a
verdict may come (pure: no AWS, no clock).

Apart from :mod:`turnout.gate` (the evaluation, its dataclasses), which re-exports it:
Render and the gate wait decide the hold mode and evaluate nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from turnout.errors import ConfigError

if TYPE_CHECKING:
    from turnout.config import Config

__all__ = [
    "HOOK_LIMIT_MINUTES",
    "TERMINATION_WAIT_MARGIN_MINUTES",
    "VERDICT_DELIVERY_MINUTES",
    "HoldMode",
    "hold_mode",
    "hold_mode_of",
    "verdict_lateness_minutes",
]

#: The AfterAllowTraffic hook may hold a deployment at most one hour ("The deployment is
#: considered to have failed if CodeDeploy is not notified by the Lambda validation function
#: within one hour": CodeDeploy User Guide, "AppSpec 'hooks' section"; limits: 3600 s per
#: lifecycle event); keep a margin for the answer itself.
HOOK_LIMIT_MINUTES = 55
#: How much longer than the gate the group's termination wait must be to hold the old tasks
#: (time for RollBack's StopDeployment after the verdict, before the original is deleted).
TERMINATION_WAIT_MARGIN_MINUTES = 5
#: A verdict exists only on a tick: the last one comes up to one check interval after the
#: budget ends, plus the schedule's delivery delay. EventBridge schedules have one-minute
#: resolution and "the delay between the time the scheduled rule is triggered and the time
#: the target service runs the target resource might be several seconds" (EventBridge User
#: Guide, "Creating a rule that runs on a schedule"): one minute covers it.
VERDICT_DELIVERY_MINUTES = 1


class HoldMode(StrEnum):
    """Where the original task set is kept alive while the gate runs."""

    HOOK = "hook"  # the AfterAllowTraffic hook holds the deployment
    TERMINATION_WAIT = "termination-wait"  # the group's own termination wait outlasts the gate


def verdict_lateness_minutes(check_interval_minutes: int) -> int:
    """How long after the gate's budget its verdict can arrive (aws-fidelity row 5)."""
    return check_interval_minutes + VERDICT_DELIVERY_MINUTES


def hold_mode(
    gate_minutes: int,
    termination_wait_minutes: int | None,
    deployment_group: str,
    *,
    check_interval_minutes: int,
) -> HoldMode:
    """Decide the hold mode of a gate of ``gate_minutes`` (timeout + bake) checked every
    ``check_interval_minutes``.

    Both budgets count the verdict's lateness (one interval plus delivery, see
    :func:`verdict_lateness_minutes`): ``termination-wait`` when the group's own wait
    (``termination_wait_minutes``; None when it terminates at once or is unknown) outlasts
    the gate, its lateness and a margin; otherwise the hook holds the deployment (AWS allows
    a hook one hour). :class:`ConfigError` when neither can."""
    wait = termination_wait_minutes
    held = gate_minutes + verdict_lateness_minutes(check_interval_minutes)
    if wait is not None and wait >= held + TERMINATION_WAIT_MARGIN_MINUTES:
        return HoldMode.TERMINATION_WAIT
    if held <= HOOK_LIMIT_MINUTES:
        return HoldMode.HOOK
    raise ConfigError(
        f"GateTimeoutMinutes + GateBakeMinutes = {gate_minutes} min, plus up to "
        f"{held - gate_minutes} min until the tick that gives the verdict (GateCheckIntervalMinutes "  # noqa: E501
        f"= {check_interval_minutes}, plus delivery), is longer than a CodeDeploy hook may wait "
        f"({HOOK_LIMIT_MINUTES} min) and deployment group {deployment_group} terminates the original task set "  # noqa: E501
        f"after {wait} min: raise its termination wait to at least {held + TERMINATION_WAIT_MARGIN_MINUTES} min or shorten the gate"  # noqa: E501
    )


def hold_mode_of(config: Config, termination_wait_minutes: int | None) -> HoldMode:
    """:func:`hold_mode` of the stack's gate (``config``) and a termination wait already read
    from the deployment group."""
    return hold_mode(
        config.gate_timeout_minutes + config.gate_bake_minutes,
        termination_wait_minutes,
        config.deployment_group,
        check_interval_minutes=config.gate_check_interval_minutes,
    )
