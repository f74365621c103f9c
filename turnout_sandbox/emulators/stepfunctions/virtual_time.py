"""Time runs on the sandbox's virtual clock (``get_runtime().clock``), never on real sleeps.

Wait ``Seconds``/``SecondsPath``/``Timestamp``/``TimestampPath`` (timestamps compare against
``clock.now()``), Retry ``IntervalSeconds``/``BackoffRate``/``MaxDelaySeconds`` (moto's own
interval arithmetic, slept virtually), ``TimeoutSeconds``/``TimeoutSecondsPath`` and
``HeartbeatSeconds`` of tasks (``States.Timeout``) and ``$$.State.EnteredTime`` (ISO-8601 UTC
with milliseconds, ``2019-03-26T20:14:13.192Z``, as AWS gives it); the history events'
timestamps and the executions' startDate/stopDate too, so a timeline orders them as they ran.
Without an active sandbox runtime the patched code falls back to the wall clock. A Task
with ``HeartbeatSeconds`` but no ``TimeoutSeconds`` keeps AWS's default timeout of
99999999 s (moto used 60 s, the old ASL-spec value; https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html).
"""

# moto's interpreter is imported lazily (when a patch applies or runs), never at import time.

from __future__ import annotations

import datetime
import threading
import time
import types
from typing import Any, Final

from turnout_sandbox.discrete_clock import ActorThread
from turnout_sandbox.emulators.stepfunctions.wrapping import wraps_upstream
from turnout_sandbox.patches import AttributePatch, replaces

__all__ = ["PATCHES", "iso_timestamp"]

_AWS_DEFAULT_TIMEOUT_SECONDS: Final[int] = 99999999
_MOTO_HEARTBEAT_ONLY_DEFAULT_TIMEOUT: Final[int] = 60
_ASL: Final = "moto.stepfunctions.parser.asl"


def _now() -> float:
    from turnout_sandbox.runtime import get_runtime, has_runtime

    return get_runtime().clock.now() if has_runtime() else time.time()


def _real_seconds(virtual_seconds: float) -> float:
    from turnout_sandbox.runtime import get_runtime, has_runtime

    if has_runtime():
        return get_runtime().clock.real_seconds(virtual_seconds)
    return max(0.0, virtual_seconds)


def _wait_virtual(event: threading.Event, virtual_seconds: float | None) -> bool:
    from turnout_sandbox.runtime import get_runtime, has_runtime

    if has_runtime():  # an idle wait on the clock (the discrete clock may move meanwhile)
        return get_runtime().clock.wait(event, virtual_seconds)
    return event.wait(virtual_seconds)


def iso_timestamp(epoch_seconds: float) -> str:
    """AWS's ISO-8601 form: UTC, milliseconds, ``Z`` (``2019-03-26T20:14:13.192Z``)."""
    moment = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _datetime_to_iso(value: datetime.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return iso_timestamp(value.timestamp())


class _VirtualTimeoutEvent(threading.Event):
    """An Event whose ``wait(timeout)`` takes the timeout in virtual seconds."""

    def wait(self, timeout: float | None = None) -> bool:
        from turnout_sandbox.discrete_clock import DiscreteClock
        from turnout_sandbox.runtime import get_runtime, has_runtime

        clock = get_runtime().clock if has_runtime() else None
        if isinstance(clock, DiscreteClock):  # an idle wait: the clock reads is_set() only
            return clock.wait(self, timeout)
        return super().wait(None if timeout is None else _real_seconds(timeout))


class _VirtualNow(datetime.datetime):
    """``datetime.datetime`` whose ``now()`` reads the virtual clock (moto's EnteredTime)."""

    @classmethod
    def now(cls, tz: datetime.tzinfo | None = None) -> _VirtualNow:
        moment = datetime.datetime.fromtimestamp(_now(), tz=tz or datetime.UTC)
        return cls(
            moment.year,
            moment.month,
            moment.day,
            moment.hour,
            moment.minute,
            moment.second,
            moment.microsecond,
            tzinfo=moment.tzinfo,
        )

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return _datetime_to_iso(self)


# -- the replacements ----------------------------------------------------------------------
@replaces(
    f"{_ASL}.component.state.wait.wait_function.wait_function:WaitFunction",
    "_wait_interval",
    name="stepfunctions.wait_seconds",
    why="Wait Seconds/SecondsPath/Timestamp/TimestampPath sleep on the virtual clock",
)
def _wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
    deadline = _now() + wait_seconds
    while env.is_running():
        remaining = deadline - _now()
        if remaining <= 0:
            return
        _wait_virtual(env.program_state_event, remaining)


@replaces(
    f"{_ASL}.component.state.wait.wait_function.timestamp:Timestamp",
    "_get_wait_seconds",
    name="stepfunctions.wait_timestamp",
    why="Wait Timestamp/TimestampPath compare against the virtual clock's now",
)
def _timestamp_wait_seconds(self: Any, env: Any) -> float:
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEventException,
    )

    self.string.eval(env=env)
    timestamp_str: str = env.stack.pop()
    moment = self._from_timestamp_string(timestamp=timestamp_str)
    if moment is None:
        raise FailureEventException(self._create_failure_event(env, timestamp_str))
    target = moment.replace(tzinfo=datetime.UTC).timestamp()
    return float(target - _now())


@replaces(
    f"{_ASL}.component.common.retry.retrier_decl:RetrierDecl",
    "_eval_body",
    name="stepfunctions.retry_interval",
    why="Retry intervals (moto's own IntervalSeconds/BackoffRate/MaxDelaySeconds "
    "arithmetic) are slept on the virtual clock, not in real time",
)
def _retrier_eval_body(self: Any, env: Any) -> None:
    from moto.stepfunctions.parser.asl.component.common.retry.max_attempts_decl import (
        MaxAttemptsOutcome,
    )
    from moto.stepfunctions.parser.asl.component.common.retry.retrier_outcome import (
        RetrierOutcome,
    )

    self.error_equals.eval(env)
    if not env.stack.pop():
        env.stack.append(RetrierOutcome.Skipped)
        return
    self.max_attempts.eval(env=env)
    if env.stack.pop() == MaxAttemptsOutcome.EXHAUSTED:
        env.stack.append(RetrierOutcome.Failed)
        return
    self.interval_seconds.eval(env=env)
    self.backoff_rate.eval(env=env)
    self.max_delay_seconds.eval(env=env)
    self.jitter_strategy.eval(env=env)
    interval_seconds: float = env.stack.pop()
    deadline = _now() + interval_seconds
    while env.is_running():
        remaining = deadline - _now()
        if remaining <= 0:
            break
        _wait_virtual(env.program_state_event, remaining)
    env.stack.append(RetrierOutcome.Executed)


@replaces(
    f"{_ASL}.eval.callback.callback:HeartbeatEndpoint",
    "clear_and_wait",
    name="stepfunctions.heartbeat_wait",
    why="HeartbeatSeconds is waited on the virtual clock",
)
def _heartbeat_clear_and_wait(self: Any) -> bool:
    with self._mutex:
        if self._next_heartbeat_event.is_set():
            self._next_heartbeat_event.clear()
            return True
    return _wait_virtual(self._next_heartbeat_event, self._heartbeat_seconds)


@replaces(
    f"{_ASL}.eval.callback.callback:CallbackEndpoint",
    "wait",
    name="stepfunctions.callback_wait",
    why="a callback's (.waitForTaskToken) timeout is waited on the virtual clock",
)
def _callback_wait(self: Any, timeout: float | None = None) -> Any:
    _wait_virtual(self._notify_event, timeout)
    return self._outcome


@wraps_upstream(
    f"{_ASL}.component.state.exec.execute_state:ExecutionState",
    "from_state_props",
    name="stepfunctions.heartbeat_only_default_timeout",
    why="a Task with HeartbeatSeconds but no TimeoutSeconds keeps AWS's default timeout of "
    "99999999 s (moto used 60 s)",
)
def _from_state_props(self: Any, state_props: Any) -> None:
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds

    _from_state_props.call_upstream(self, state_props)
    timeout = self.timeout
    if (
        self.heartbeat is not None
        and isinstance(timeout, TimeoutSeconds)
        and timeout.is_default is True
        and timeout.timeout_seconds == _MOTO_HEARTBEAT_ONLY_DEFAULT_TIMEOUT
    ):
        self.timeout = TimeoutSeconds(timeout_seconds=_AWS_DEFAULT_TIMEOUT_SECONDS)


# The task-level TimeoutSeconds: moto waits on a local threading.Event; give that module an
# Event whose timeout is virtual.
_EXECUTE_STATE_THREADING: Final = types.SimpleNamespace(Event=_VirtualTimeoutEvent)
# $$.State.EnteredTime: moto calls datetime.datetime.now(tz=utc).isoformat().
_STATE_DATETIME: Final = types.SimpleNamespace(datetime=_VirtualNow, timezone=datetime.timezone)


#: The virtual-time patches, in the order they apply.
PATCHES: Final[tuple[AttributePatch, ...]] = (
    AttributePatch(
        name="stepfunctions.execution_thread_is_a_clock_actor",
        owner="moto.stepfunctions.parser.backend.execution_worker",
        attribute="Thread",
        new=ActorThread,
        why="an execution runs on a thread the discrete clock counts as busy until it waits "
        "on the clock, so virtual time never runs ahead of it",
    ),
    _wait_interval,
    _timestamp_wait_seconds,
    _retrier_eval_body,
    AttributePatch(
        name="stepfunctions.task_timeout",
        owner=f"{_ASL}.component.state.exec.execute_state",
        attribute="threading",
        new=_EXECUTE_STATE_THREADING,
        why="a task's TimeoutSeconds/TimeoutSecondsPath wait on an Event with a virtual timeout",
    ),
    _heartbeat_clear_and_wait,
    _callback_wait,
    _from_state_props,
    AttributePatch(
        name="stepfunctions.entered_time",
        owner=f"{_ASL}.component.state.state",
        attribute="datetime",
        new=_STATE_DATETIME,
        why="$$.State.EnteredTime is the virtual clock's now, ISO-8601 UTC with milliseconds",
    ),
    *(
        AttributePatch(
            name=f"stepfunctions.{what}_on_the_virtual_clock",
            owner=module,
            attribute="datetime",
            new=_STATE_DATETIME,
            why=f"{why} on the clock the states run on (GetExecutionHistory's timestamp is "
            "when the event happened: API Reference, HistoryEvent)",
        )
        for what, module, why in (
            ("history", f"{_ASL}.eval.event.event_manager", "every history event's timestamp"),
            ("start_date", "moto.stepfunctions.parser.models", "an execution's startDate"),
            ("stop_date", "moto.stepfunctions.parser.backend.execution", "its stopDate"),
        )
    ),
)
