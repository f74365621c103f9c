"""Scheduled rules: timers on the sandbox's virtual clock fire AWS's ``Scheduled Event`` to
the targets of every ENABLED rule with a ``rate(...)`` / ``cron(...)`` expression.

Off until :func:`start_schedules`. Each account and region runs its own timer chain, kept in
its emulator backend (:class:`~turnout_sandbox.emulators.events.models.ScheduleRun`), so a
reset of the backend stops it. A chain wakes only at the next due firing: PutRule (the API,
or CloudFormation's AWS::Events::Rule, which calls it) makes its chain scan at once
(:func:`rescan_now`), so a new or changed rule counts from its PutRule and a chain with
nothing due sleeps. Enabling, disabling and deleting need no scan of their own: the scan at
a firing's due time reads the rule as it is then.
AWS's rules: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html
"""

from __future__ import annotations

import threading
import uuid
from typing import Final

from moto.events.models import Rule, events_backends

from turnout_sandbox.emulators.events.common import ENABLED_STATES, iso, log, now
from turnout_sandbox.emulators.events.delivery import deliver_to_rule
from turnout_sandbox.emulators.events.models import (
    EventsEmulatorBackend,
    RuleSchedule,
    ScheduleRun,
    all_backends,
    emulator_backend,
)
from turnout_sandbox.emulators.events.schedule import (
    Schedule,
    ScheduleExpressionError,
    parse_schedule,
)
from turnout_sandbox.runtime import get_runtime, has_runtime

__all__ = [
    "ensure_running",
    "rescan_now",
    "schedules_running",
    "start_schedules",
    "stop_schedules",
]

#: Missed occurrences one scan may fire for a rule (after a long pause of the process).
_MAX_CATCH_UP: Final = 1000

#: Set between start_schedules() and stop_schedules(): the process's switch, not per-id state.
_ON: Final = threading.Event()


def start_schedules() -> None:
    """Fire scheduled rules on the runtime's virtual clock from now on (idempotent).

    Rules created later are picked up when they are put (:func:`rescan_now`); a
    ``rate`` schedule first fires one period after its rule was created (or after this
    call, if later); a ``cron`` schedule at its next matching UTC minute.
    """
    get_runtime()  # RuntimeError without a sandbox runtime: its clock runs the timers
    _ON.set()
    for account_id, per_region in list(events_backends.items()):
        for region_name in list(per_region):
            _start(emulator_backend(account_id, region_name))


def stop_schedules() -> None:
    """Stop firing scheduled rules (idempotent)."""
    _ON.clear()
    for backend in all_backends():
        backend.schedules.stop()


def schedules_running() -> bool:
    return _ON.is_set()


def ensure_running(account_id: str, region_name: str) -> None:
    """Schedules are on: make sure the account/region's timer chain runs (a backend made
    after :func:`start_schedules`, or reset since)."""
    if _ON.is_set() and has_runtime():
        _start(emulator_backend(account_id, region_name))


def rescan_now(account_id: str, region_name: str) -> None:
    """A rule of this account and region was put: its chain scans now (and then sleeps until
    the next due firing). The chain's pending timer is superseded (a newer generation)."""
    if not (_ON.is_set() and has_runtime()):
        return
    backend = emulator_backend(account_id, region_name)
    run = backend.schedules
    with run.lock:
        if not run.running:
            return
        run.generation += 1
        generation = run.generation
    _arm(backend, run, generation, 0.0)


def _start(backend: EventsEmulatorBackend) -> None:
    run = backend.schedules
    with run.lock:
        if run.running or not _ON.is_set():  # checked under the lock: a racing stop wins
            return
        run.running = True
        run.generation += 1
        run.started_at = now()
        generation = run.generation
    _arm(backend, run, generation, 0.0)


def _arm(backend: EventsEmulatorBackend, run: ScheduleRun, generation: int, delay: float) -> None:
    get_runtime().clock.call_later(
        delay, lambda: _tick(backend, run, generation), "events-schedules"
    )


def _tick(backend: EventsEmulatorBackend, run: ScheduleRun, generation: int) -> None:
    try:
        with run.lock:
            if not run.is_current(generation):
                return
            fires = _scan(backend, run, now())
        for due, rule in sorted(fires, key=lambda f: f[0]):
            try:
                _fire(rule, due)
            except Exception as exc:  # one failed delivery must not stop the schedules
                log(f"scheduled event of {rule.arn} failed: {type(exc).__name__}: {exc}")
    except Exception as exc:  # the scan raced a backend change: try again next tick
        log(f"schedule scan failed: {type(exc).__name__}: {exc}")
    with run.lock:
        if not run.is_current(generation):
            return
        moment = now()
        dues = [s.next_due for s in run.states.values() if s.next_due is not None]
    if dues:  # nothing due: the chain sleeps until a PutRule wakes it
        _arm(backend, run, generation, max(0.0, min(dues) - moment))


def _scan(
    backend: EventsEmulatorBackend, run: ScheduleRun, moment: float
) -> list[tuple[float, Rule]]:
    fires: list[tuple[float, Rule]] = []
    seen: set[str] = set()
    per_region = events_backends.get(backend.account_id)  # dict.get: makes no backend
    moto_backend = per_region.get(backend.region_name) if per_region is not None else None
    bus = moto_backend.event_buses.get("default") if moto_backend is not None else None
    for rule in list(bus.rules.values()) if bus is not None else []:
        if not rule.scheduled_expression:
            continue
        seen.add(rule.arn)
        state = run.states.get(rule.arn)
        if state is None or state.rule is not rule or state.expression != rule.scheduled_expression:
            state = _new_state(backend, run, rule, moment)
            run.states[rule.arn] = state
        fired = 0
        while (
            state.schedule is not None
            and state.next_due is not None
            and (state.next_due <= moment and fired < _MAX_CATCH_UP)
        ):
            if rule.state in ENABLED_STATES:
                fires.append((state.next_due, rule))
            state.next_due = state.schedule.next_after(state.next_due)
            fired += 1
    for arn in set(run.states) - seen:
        del run.states[arn]
    return fires


def _new_state(
    backend: EventsEmulatorBackend, run: ScheduleRun, rule: Rule, moment: float
) -> RuleSchedule:
    expression = str(rule.scheduled_expression)
    try:
        schedule: Schedule = parse_schedule(expression)
    except ScheduleExpressionError as exc:
        log(f"rule {rule.arn} will not fire: {exc}")
        return RuleSchedule(rule, expression, None, None)
    created = backend.created_at(rule)
    anchor = created if created is not None else moment
    return RuleSchedule(
        rule, expression, schedule, schedule.next_after(max(anchor, run.started_at))
    )


def _fire(rule: Rule, due: float) -> None:
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": rule.account_id,
        "time": iso(due),
        "region": rule.region_name,
        "resources": [rule.arn],
        "detail": {},
    }
    deliver_to_rule(rule, event, now())
