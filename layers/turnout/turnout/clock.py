"""The time seam: production uses the wall clock; the sandbox swaps in its virtual clock."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime

_now: Callable[[], float] = time.time


def now() -> float:
    """Seconds since the epoch (virtual in the sandbox)."""
    return _now()


def set_clock(fn: Callable[[], float] | None) -> None:
    """Replace the clock (``None`` restores the wall clock)."""
    global _now
    _now = fn if fn is not None else time.time


def iso(ts: float) -> str:
    """ISO 8601 UTC with milliseconds, e.g. ``2026-11-26T06:48:20.123Z``."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_attempt_id(ts: float | None = None) -> str:
    """A unique id that sorts by time: ``20261126T064820123456Z-1a2b3c``."""
    moment = datetime.fromtimestamp(now() if ts is None else ts, tz=UTC)
    return moment.strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(3)
