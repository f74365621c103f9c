"""The EventBridge emulator's own state, per account and region, next to moto's
``events_backends``: the delivery log, when each rule was created (a ``rate`` schedule counts
from there) and the schedules' timer state.

It is a :class:`moto.core.base_backend.BaseBackend` in a ``BackendDict``, so moto's own reset
(``mock_aws`` start/stop, ``/moto-api/reset``) forgets it like moto's own state;
:meth:`EventsEmulatorBackend.reset` first stops the account/region's schedules.
"""

from __future__ import annotations

import copy
import itertools
import threading
from dataclasses import dataclass
from typing import Any, Final

from moto.core.base_backend import BackendDict, BaseBackend
from moto.events.models import Rule

from turnout_sandbox.emulators.events.common import LOCK
from turnout_sandbox.emulators.events.schedule import Schedule

__all__ = [
    "EventsEmulatorBackend",
    "RuleSchedule",
    "ScheduleRun",
    "all_backends",
    "delivered_log",
    "emulator_backend",
    "events_emulator_backends",
    "forget_all",
]

#: Orders delivery log entries across accounts and regions (oldest first).
_SEQUENCE: Final = itertools.count()


@dataclass
class RuleSchedule:
    """One scheduled rule as the scheduler last saw it, and when it fires next."""

    rule: Rule
    expression: str
    schedule: Schedule | None  # None: an expression the sandbox cannot fire
    next_due: float | None


class ScheduleRun:
    """The schedules of one account and region: whether they fire, the generation of the
    timer chain (a stopped run's pending timer does nothing) and each rule's next firing."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = False
        self.generation = 0
        self.started_at = 0.0
        self.states: dict[str, RuleSchedule] = {}

    def is_current(self, generation: int) -> bool:
        return self.running and generation == self.generation

    def stop(self) -> None:
        with self.lock:
            self.running = False
            self.generation += 1
            self.states.clear()


class EventsEmulatorBackend(BaseBackend):
    """What the emulator adds to moto's ``EventsBackend`` of the same account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.deliveries: list[tuple[int, dict[str, Any]]] = []
        self.rule_created: dict[str, tuple[Rule, float]] = {}
        self.schedules = ScheduleRun()

    def record_delivery(self, entry: dict[str, Any]) -> None:
        with LOCK:
            self.deliveries.append((next(_SEQUENCE), entry))

    def note_rule_created(self, rule: Rule, at: float) -> None:
        with LOCK:
            self.rule_created[rule.arn] = (rule, at)

    def created_at(self, rule: Rule) -> float | None:
        """When this very rule object was put (a rule put again is a new object), or None."""
        created = self.rule_created.get(rule.arn)
        return created[1] if created is not None and created[0] is rule else None

    def reset(self) -> None:
        with LOCK:  # no delivery is recorded into a half-reset backend
            self.schedules.stop()
            super().reset()


events_emulator_backends: Final = BackendDict(EventsEmulatorBackend, "events")


def emulator_backend(account_id: str, region_name: str) -> EventsEmulatorBackend:
    return events_emulator_backends[account_id][region_name]


def all_backends() -> list[EventsEmulatorBackend]:
    """Every backend made so far (a snapshot: other threads may add backends meanwhile)."""
    return [
        backend
        for per_region in list(events_emulator_backends.values())
        for backend in list(per_region.values())
    ]


def delivered_log() -> list[dict[str, Any]]:
    """Every delivery attempt so far, oldest first (copies).

    Each entry: ``at`` (virtual time of the delivery), ``rule``/``rule_arn``, ``bus``,
    ``target_id``, ``target_arn``, ``target_type`` (stepfunctions, lambda, sqs, logs,
    event-bus, api-destination, unknown), ``event_id``, ``source``, ``detail_type``,
    ``replay_name`` (or None), ``input`` (the target input: JSON value, or text),
    ``status`` (``delivered`` / ``failed``), ``error`` (or None) and ``execution_arn``
    for state machine targets. Lambda entries are written when the asynchronous
    invocation returns.
    """
    with LOCK:
        rows = [row for backend in all_backends() for row in backend.deliveries]
        return [copy.deepcopy(entry) for _, entry in sorted(rows, key=lambda row: row[0])]


def forget_all() -> None:
    """Reset every account/region's emulator backend (stops their schedules)."""
    for backend in all_backends():
        backend.reset()
