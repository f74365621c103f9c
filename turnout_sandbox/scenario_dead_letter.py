"""The ``dead-letter`` scenario: an event Lambda gave up on is kept, and the stack reads it back.

The gate tick fails on every call (``lambda-error:GateTickFunction=1``). Its scheduled
events are invoked asynchronously, so Lambda retries each twice (one and two minutes later),
then sends it to the function's dead-letter queue, AsyncFailureQueue, with the attributes
``RequestID``, ``ErrorCode``, ``ErrorMessage`` (Lambda DG, "Retaining records of asynchronous
invocations"). UndeliveredFunction, the queue's SQS event source, records each one in the
ledger (``UNDELIVERED#<message id>``) and notifies; the queue is left empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Protocol

__all__ = ["FAULTS", "dead_letter"]


class Run(Protocol):
    """What the scenario reads of :class:`turnout_sandbox.scenarios.Run` (a Protocol: the
    scenarios module imports this one)."""

    stack: Any
    sandbox: Any

    def store(self) -> Any: ...

    def wait(self, what: str, predicate: Callable[[], bool], timeout: float = ...) -> None: ...


#: The scenario's faults: every gate tick fails.
FAULTS: Final = "lambda-error:GateTickFunction=1"


def _undelivered(run: Run) -> list[dict[str, Any]]:
    service = run.stack.outputs["ServiceKey"]
    return list(run.store().query(f"SERVICE#{service}", "UNDELIVERED#"))


def _left_on_queue(run: Run) -> int:
    sqs = run.sandbox.client("sqs")
    urls = [u for u in sqs.list_queues().get("QueueUrls", []) if "AsyncFailureQueue" in u]
    attributes = sqs.get_queue_attributes(
        QueueUrl=urls[0], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def _read_back(run: Run) -> bool:
    """UndeliveredFunction ran to the end (recorded and notified) at least once."""
    return any(
        "UndeliveredFunction" in i.function and i.error is None
        for i in list(run.sandbox.runner.invocations)
    )


def dead_letter(run: Run, checks: list[tuple[str, bool]]) -> dict[str, Any] | None:
    run.wait("a failed tick's event read back", lambda: _read_back(run), timeout=90)
    row = _undelivered(run)[0]
    checks.append(
        (
            "the ledger holds the tick's scheduled event, from Lambda's dead-letter queue",
            row.get("origin") == "lambda" and row.get("what") == "Scheduled Event",
        )
    )
    checks.append(
        (
            "the row says why: the function's error and the request id",
            "injected function error" in str(row.get("error"))
            and "(request " in str(row.get("error")),
        )
    )
    checks.append(("AsyncFailureQueue is read back (left empty)", _left_on_queue(run) == 0))
    checks.append(("nothing was denied", run.sandbox.iam.denials == []))
    return None
