"""Events a handler ignores: the first rule an event breaks, logged and answered alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from turnout.observability import logger

__all__ = ["ignored"]


def ignored(what: str, event_id: str, broken: Iterable[tuple[bool, str]]) -> dict[str, Any] | None:
    """``{"ignored": True, "reason": ...}`` for the first ``(is_broken, reason)`` in *broken*
    whose rule the event breaks (logged as ``"<what> ignored"``); None when it breaks none."""
    reason = next((why for is_broken, why in broken if is_broken), None)
    if reason is None:
        return None
    logger.info(f"{what} ignored", extra={"reason": reason, "event_id": event_id})
    return {"ignored": True, "reason": reason}
