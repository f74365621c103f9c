"""A scenario's timeline in the order things happened, not the order they were noticed.

Steps come from three places: events put on the bus (seen as they are put), the state
machines' execution histories (polled: each StateEntered event carries its own timestamp)
and the gate's ticks (GateTick's "gate check" log lines, stamped when logged). A poll can
find a state entered before an event already seen, so steps wait in a buffer and are
emitted only up to a *watermark*: the virtual time at which the previous poll began. Every
history event stamped before that moment was in the history the last poll read, so nothing
earlier can still turn up. :meth:`Timeline.close` emits the rest.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Step:
    at_real: float
    at_virtual: float
    source: str
    text: str


class Timeline:
    """Steps ordered by their virtual time to the ms (ties: gate checks first, then the order
    they were added)."""

    def __init__(
        self,
        origin_virtual: float,
        origin_real: float,
        emit: Callable[[Step], None] | None = None,
    ) -> None:
        self._v0 = origin_virtual
        self._t0 = origin_real
        self._emit = emit
        self._pending: list[tuple[float, int, int, str, str]] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self.steps: list[Step] = []

    def add(self, at: float, source: str, text: str) -> None:
        """A step that happened at virtual epoch second ``at``, to the millisecond: the
        histories' timestamps have no more (GetExecutionHistory). Should a gate check and
        the states its verdict starts fall in one millisecond, the check comes first; other
        ties keep the order they were added."""
        rank = 0 if source == "gate" else 1
        with self._lock:
            heapq.heappush(self._pending, (_to_ms(at), rank, next(self._seq), source, text))

    def flush(self, upto: float | None = None) -> None:
        """Emit, in order, every buffered step at or before ``upto`` (all when None)."""
        with self._lock:
            ready = []
            while self._pending and (upto is None or self._pending[0][0] <= upto):
                at, _, _, source, text = heapq.heappop(self._pending)
                step = Step(
                    round(time.monotonic() - self._t0, 3), round(at - self._v0, 1), source, text
                )
                self.steps.append(step)
                ready.append(step)
        if self._emit:
            for step in ready:
                self._emit(step)

    def close(self) -> None:
        self.flush(None)


def _to_ms(at: float) -> float:
    return math.floor(round(at * 1000, 3)) / 1000


def gate_check(message: str) -> str | None:
    """The timeline text of GateTick's structured "gate check" log line, else None.

    Powertools logs one JSON object a line (``{"level": "INFO", "message": "gate check",
    "verdict": "wait", "reason": "2 of 2 targets healthy ...", ...}``)."""
    if '"gate check"' not in message:
        return None
    try:
        record: Any = json.loads(message)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("message") != "gate check":
        return None
    return f"check: {record.get('verdict', '?')}, {record.get('reason', '')}"
