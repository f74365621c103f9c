"""GetExecutionHistory pages, orders and trims the history as AWS does.

AWS Step Functions API reference, GetExecutionHistory: ``maxResults`` is "the maximum number
of results that are returned per call ... The default is 100 and the maximum allowed page
size is 1000. A value of 0 uses the default"; ``reverseOrder`` "lists events in descending
order of their timeStamp"; when ``nextToken`` is returned "there are more results
available ... Keep all other arguments unchanged", and a token that is not valid answers
HTTP 400 ``InvalidToken``; ``includeExecutionData`` ("whether execution data (input or
output of a history event) is returned. The default is true"). moto 5.2.5 read only
``executionArn`` and answered the whole history, oldest first, every time: a caller asking
for the newest events (``turnout status``) got the oldest, and a poller re-read and
re-serialised every event on every call.

The token is the offset of the next page together with a digest of the other arguments, so
a token used with other arguments is refused, as AWS refuses it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, Final

from moto.core.responses import ActionResult
from moto.stepfunctions.exceptions import InvalidToken

from turnout_sandbox.patches import AttributePatch, replaces

__all__ = ["PATCHES", "page_of"]

DEFAULT_PAGE: Final = 100
MAX_PAGE: Final = 1000
#: What ``includeExecutionData=false`` leaves out of each ``*EventDetails``.
_EXECUTION_DATA: Final = frozenset({"input", "output", "inputDetails", "outputDetails"})


def _digest(execution_arn: str, reverse: bool, size: int, include_data: bool) -> str:
    material = json.dumps([execution_arn, reverse, size, include_data])
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def _token(offset: int, digest: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([offset, digest]).encode()).decode()


def _offset_of(token: str, digest: str) -> int:
    try:
        offset, signed = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError) as exc:
        raise InvalidToken(f"{token[:40]!r} is not a token of this call") from exc
    if signed != digest or not isinstance(offset, int) or offset < 0:
        raise InvalidToken("the token was issued for other arguments")
    return offset


def _without_data(event: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (
            {k: v for k, v in value.items() if k not in _EXECUTION_DATA}
            if key.endswith("EventDetails") and isinstance(value, dict)
            else value
        )
        for key, value in event.items()
    }


def page_of(
    events: list[dict[str, Any]],
    *,
    execution_arn: str,
    max_results: int | None,
    reverse: bool,
    next_token: str | None,
    include_data: bool,
) -> dict[str, Any]:
    """The page GetExecutionHistory answers from the whole history ``events`` (oldest first)."""
    size = min(max_results or DEFAULT_PAGE, MAX_PAGE)
    digest = _digest(execution_arn, reverse, size, include_data)
    offset = _offset_of(next_token, digest) if next_token else 0
    ordered = events[::-1] if reverse else events
    page = ordered[offset : offset + size]
    answer: dict[str, Any] = {"events": page if include_data else [_without_data(e) for e in page]}
    if offset + size < len(ordered):
        answer["nextToken"] = _token(offset + size, digest)
    return answer


@replaces(
    "moto.stepfunctions.responses:StepFunctionResponse",
    "get_execution_history",
    name="stepfunctions.get-execution-history-pages",
    why="GetExecutionHistory honours maxResults (default 100), reverseOrder, nextToken and "
    "includeExecutionData (moto answered the whole history, oldest first)",
)
def get_execution_history(self: Any) -> Any:
    execution_arn = self._get_param("executionArn")
    history = self.stepfunction_backend.get_execution_history(execution_arn)
    include = self._get_param("includeExecutionData")
    return ActionResult(
        page_of(
            list(history["events"]),
            execution_arn=execution_arn,
            max_results=self._get_param("maxResults"),
            reverse=bool(self._get_param("reverseOrder")),
            next_token=self._get_param("nextToken"),
            include_data=True if include is None else bool(include),
        )
    )


PATCHES: Final[tuple[AttributePatch, ...]] = (get_execution_history,)
