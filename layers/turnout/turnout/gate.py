"""The health gate policy (pure: no AWS, no clock, no I/O).

The gate runs after production traffic is on the new (green) task set. A scheduled tick
reads the signals (target health of the green target group, CloudWatch alarms, an HTTP
probe) into an :class:`Observation` and calls :func:`evaluate` once; the returned
:class:`GateState` is stored until the next tick. The old task set may be terminated
only when the gate PASSes: the new task set was seen healthy continuously for the bake.

One evaluate call per tick, whatever the bake: nothing here loops, sleeps or reads time.

Each check is classified:

* HEALTHY: targets not checked, or at least one target and every target ``healthy``;
  and no alarm in ALARM; and no HTTP probe, or it answered the expected status.
* FAILED (a definite bad signal): an alarm in ALARM, a target ``unhealthy`` or
  ``unhealthy.draining``, or the probe answered another status.
* PENDING (no verdict yet): targets ``initial``/``draining``/``unused``/``unavailable``
  or none registered, target health not read, or the probe got no answer (connection
  error, timeout).

Verdicts:

* FAIL at once when an alarm is in ALARM; FAIL when ``failure_threshold`` FAILED checks
  are seen with no HEALTHY check between them. PENDING checks neither add to nor clear
  that count: a task set that crash-loops (``unhealthy`` → replaced → ``initial`` →
  ``unhealthy`` ...) still FAILs, while a single blip followed by recovery does not.
* Only a HEALTHY check clears the failure count. Any non-HEALTHY check restarts the bake
  (``healthy_since`` is cleared): the bake needs *continuous* health.
* PASS when the current check is HEALTHY and ``obs.at - healthy_since >= bake_seconds``
  (the first HEALTHY check of a streak sets ``healthy_since = obs.at``; a zero bake
  passes on the first HEALTHY check).
* TIMEOUT when ``obs.at - started_at >= timeout_seconds`` and the gate neither passed
  nor failed on this check. FAIL wins over TIMEOUT; PASS wins over TIMEOUT.
* WAIT otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from turnout.errors import ConfigError, InvalidEvent
from turnout.hold import HOOK_LIMIT_MINUTES, HoldMode, hold_mode, verdict_lateness_minutes

__all__ = [
    "HOOK_LIMIT_MINUTES",
    "Evaluation",
    "GateConfig",
    "GateState",
    "HoldMode",
    "Observation",
    "Verdict",
    "evaluate",
    "format_duration",
    "hold_mode",
    "start",
    "verdict_lateness_minutes",
]

_HEALTHY = "healthy"
_UNHEALTHY_STATES = frozenset({"unhealthy", "unhealthy.draining"})
_TARGET_GROUP = "green target group"


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class GateConfig:
    """What the gate checks and for how long. Invalid values raise :class:`ConfigError`."""

    bake_seconds: int
    timeout_seconds: int
    failure_threshold: int = 2
    check_targets: bool = True
    alarm_names: tuple[str, ...] = ()
    http_url: str | None = None
    http_expected_status: int = 200

    def __post_init__(self) -> None:
        object.__setattr__(self, "alarm_names", tuple(self.alarm_names))
        if self.bake_seconds < 0:
            raise ConfigError(f"gate bake_seconds must be >= 0, got {self.bake_seconds}")
        if self.timeout_seconds <= self.bake_seconds:
            raise ConfigError(
                f"gate timeout_seconds ({self.timeout_seconds}) must be greater than "
                f"bake_seconds ({self.bake_seconds}), or the gate could never pass"
            )
        if self.failure_threshold < 1:
            raise ConfigError(f"gate failure_threshold must be >= 1, got {self.failure_threshold}")
        if not 100 <= self.http_expected_status <= 599:
            raise ConfigError(
                f"gate http_expected_status must be an HTTP status (100-599), "
                f"got {self.http_expected_status}"
            )
        if self.http_url is not None and not self.http_url:
            raise ConfigError("gate http_url is empty: leave it unset to skip the HTTP probe")


@dataclass(frozen=True)
class Observation:
    """The signals read at one tick.

    ``target_states``: ELB target health states of the green target group's targets, or
    None when they were not read. ``http_status``/``http_error``: the probe's answer, or
    the reason it got none (both None when no probe ran).
    """

    at: float
    target_states: tuple[str, ...] | None
    alarms_in_alarm: tuple[str, ...] = ()
    http_status: int | None = None
    http_error: str | None = None


# --------------------------------------------------------------------------- state


def _number(data: dict[str, Any], key: str, *, optional: bool = False) -> float | None:
    value = data.get(key)
    if value is None and optional:
        return None
    problem = f"stored gate state: {key} must be a finite number or number string, got {value!r}"
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise InvalidEvent(problem)
    try:
        number = float(value)
    except ValueError:
        raise InvalidEvent(problem) from None
    if not math.isfinite(number):
        raise InvalidEvent(problem)
    return number


def _count(data: dict[str, Any], key: str) -> int:
    value = data.get(key, 0)
    problem = f"stored gate state: {key} must be a whole number >= 0, got {value!r}"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InvalidEvent(problem)
    number = float(value)
    if not math.isfinite(number) or number != int(number) or number < 0:
        raise InvalidEvent(problem)
    return int(number)


@dataclass(frozen=True)
class GateState:
    """What the gate remembers between ticks (stored in DynamoDB via :meth:`to_dict`)."""

    started_at: float
    healthy_since: float | None = None
    consecutive_failures: int = 0
    checks: int = 0
    last_reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON- and DynamoDB-safe dict: times as exact ``repr`` strings (no floats)."""
        since = self.healthy_since
        return {
            "started_at": repr(float(self.started_at)),
            "healthy_since": None if since is None else repr(float(since)),
            "consecutive_failures": self.consecutive_failures,
            "checks": self.checks,
            "last_reason": self.last_reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GateState:
        """The inverse of :meth:`to_dict`; also accepts numbers (DynamoDB gives Decimal)."""
        if not isinstance(data, dict):
            raise InvalidEvent(f"stored gate state must be an object, got {data!r}")
        if "started_at" not in data:
            raise InvalidEvent(f"stored gate state: started_at is missing in {sorted(data)}")
        started_at = _number(data, "started_at")
        assert started_at is not None
        reason = data.get("last_reason", "")
        if not isinstance(reason, str):
            raise InvalidEvent(f"stored gate state: last_reason must be a string, got {reason!r}")
        return cls(
            started_at=started_at,
            healthy_since=_number(data, "healthy_since", optional=True),
            consecutive_failures=_count(data, "consecutive_failures"),
            checks=_count(data, "checks"),
            last_reason=reason,
        )


class Verdict(StrEnum):
    WAIT = "wait"
    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    FAIL = "fail"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class Evaluation:
    state: GateState
    verdict: Verdict
    reason: str


def start(now: float) -> GateState:
    """The state of a gate that starts at ``now`` (seconds, any epoch the ticks share)."""
    return GateState(started_at=now)


# --------------------------------------------------------------------------- checks


class _Check(Enum):
    HEALTHY = "healthy"
    PENDING = "pending"
    FAILED = "failed"


@dataclass(frozen=True)
class _Finding:
    check: _Check
    text: str
    alarm: bool = False


@dataclass(frozen=True)
class _Classified:
    check: _Check
    alarm: bool
    problems: tuple[str, ...]
    good: tuple[str, ...]


def format_duration(seconds: float, *, compact: bool = False) -> str:
    """``45s``, ``4m 0s``, ``1h 5m 0s`` (whole seconds, rounded down); ``compact`` pads and
    drops the seconds of hours, as a table column reads best: ``4m 05s``, ``1h 05m``."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m" if compact else f"{hours}h {minutes}m {secs}s"
    if minutes:
        return f"{minutes}m {secs:02d}s" if compact else f"{minutes}m {secs}s"
    return f"{secs}s"


def _targets(states: tuple[str, ...] | None) -> _Finding:
    if states is None:
        return _Finding(_Check.PENDING, f"target health of the {_TARGET_GROUP} was not read")
    total = len(states)
    if total == 0:
        return _Finding(_Check.PENDING, f"no targets registered in {_TARGET_GROUP}")
    counts: dict[str, int] = {}
    for state in states:
        counts[state] = counts.get(state, 0) + 1
    if counts.get(_HEALTHY, 0) == total:
        return _Finding(_Check.HEALTHY, f"{total} of {total} targets healthy in {_TARGET_GROUP}")
    bad = {state: n for state, n in counts.items() if state != _HEALTHY}
    summary = ", ".join(f"{n} of {total} targets {state}" for state, n in sorted(bad.items()))
    check = _Check.FAILED if _UNHEALTHY_STATES & bad.keys() else _Check.PENDING
    return _Finding(check, f"{summary} in {_TARGET_GROUP}")


def _alarms(in_alarm: tuple[str, ...]) -> _Finding | None:
    if not in_alarm:
        return None
    if len(in_alarm) == 1:
        return _Finding(_Check.FAILED, f"alarm {in_alarm[0]} is in ALARM", alarm=True)
    return _Finding(_Check.FAILED, f"alarms {', '.join(in_alarm)} are in ALARM", alarm=True)


def _http(config: GateConfig, obs: Observation) -> _Finding | None:
    url = config.http_url
    if url is None:
        return None
    expected = config.http_expected_status
    if obs.http_status is None:
        error = obs.http_error or "no answer"
        return _Finding(_Check.PENDING, f"{url} did not answer: {error}")
    if obs.http_status != expected:
        return _Finding(_Check.FAILED, f"{url} answered {obs.http_status}, expected {expected}")
    return _Finding(_Check.HEALTHY, f"{url} answered {obs.http_status}")


def _classify(config: GateConfig, obs: Observation) -> _Classified:
    findings = [
        finding
        for finding in (
            _targets(obs.target_states) if config.check_targets else None,
            _alarms(obs.alarms_in_alarm),
            _http(config, obs),
        )
        if finding is not None
    ]
    failed = tuple(f.text for f in findings if f.check is _Check.FAILED)
    pending = tuple(f.text for f in findings if f.check is _Check.PENDING)
    good = tuple(f.text for f in findings if f.check is _Check.HEALTHY)
    alarm = any(f.alarm for f in findings)
    if failed:
        return _Classified(_Check.FAILED, alarm, failed + pending, good)
    if pending:
        return _Classified(_Check.PENDING, alarm, pending, good)
    return _Classified(_Check.HEALTHY, alarm, (), good)


# --------------------------------------------------------------------------- evaluate


def _done(state: GateState, verdict: Verdict, reason: str) -> Evaluation:
    return Evaluation(replace(state, last_reason=reason), verdict, reason)


def evaluate(config: GateConfig, state: GateState, obs: Observation) -> Evaluation:
    """Apply one tick's observation; return the new state, the verdict and why."""
    seen = _classify(config, obs)
    state = replace(state, checks=state.checks + 1)
    if seen.check is _Check.HEALTHY:
        return _healthy(config, state, obs, seen)
    return _not_healthy(config, state, obs, seen)


def _healthy(
    config: GateConfig, state: GateState, obs: Observation, seen: _Classified
) -> Evaluation:
    since = state.healthy_since if state.healthy_since is not None else obs.at
    state = replace(state, healthy_since=since, consecutive_failures=0)
    healthy_for = obs.at - since
    detail = f" ({', '.join(seen.good)})" if seen.good else ""
    reason = (
        f"healthy for {format_duration(healthy_for)} of "
        f"{format_duration(config.bake_seconds)} bake{detail}"
    )
    if healthy_for >= config.bake_seconds:
        return _done(state, Verdict.PASS, reason)
    return _wait_or_time_out(
        config,
        state,
        obs,
        reason,
        lambda elapsed: (
            f"timed out after {format_duration(elapsed)} "
            f"(limit {format_duration(config.timeout_seconds)}): {reason}"
        ),
    )


def _not_healthy(
    config: GateConfig, state: GateState, obs: Observation, seen: _Classified
) -> Evaluation:
    problems = "; ".join(seen.problems)
    state = replace(state, healthy_since=None)
    reason = problems
    if seen.check is _Check.FAILED:
        failures = state.consecutive_failures + 1
        state = replace(state, consecutive_failures=failures)
        if seen.alarm:
            return _done(state, Verdict.FAIL, problems)
        reason = f"{problems} (failed check {failures} of {config.failure_threshold})"
        if failures >= config.failure_threshold:
            return _done(state, Verdict.FAIL, reason)
    return _wait_or_time_out(
        config,
        state,
        obs,
        reason,
        lambda _elapsed: (
            f"not healthy for the {format_duration(config.bake_seconds)} bake "
            f"within {format_duration(config.timeout_seconds)}: {reason}"
        ),
    )


def _wait_or_time_out(
    config: GateConfig,
    state: GateState,
    obs: Observation,
    reason: str,
    timed_out: Callable[[float], str],
) -> Evaluation:
    """TIMEOUT (``timed_out(elapsed)`` says why) once the gate has run out its time, else
    WAIT for *reason*."""
    elapsed = obs.at - state.started_at
    if elapsed >= config.timeout_seconds:
        return _done(state, Verdict.TIMEOUT, timed_out(elapsed))
    return _done(state, Verdict.WAIT, reason)
