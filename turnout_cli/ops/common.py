"""What every family of operations shares: the ledger store, names, times, polling."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from turnout.ledger import TERMINAL_RESULTS
from turnout_cli.errors import OperationFailed
from turnout_cli.parsing import short_commit
from turnout_cli.session import Aws
from turnout_cli.stack import Stack
from turnout_cli.status import LEDGER_PHASES, last_state_entered

if TYPE_CHECKING:
    from turnout.adapters.store import Store

Sleep = Callable[[float], None]
Clock = Callable[[], float]
Report = Callable[[str], None]


def store_of(aws: Aws, stack: Stack) -> Store:
    from turnout.adapters.store import Store

    return Store(stack.table, client=aws.client("dynamodb"))


def new_name(prefix: str, now: float) -> str:
    stamp = datetime.fromtimestamp(now, tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{prefix}-{stamp}-{secrets.token_hex(3)}"


def current_state(aws: Aws, execution_arn: str) -> str:
    # only the state names are needed: includeExecutionData=False leaves out every state's
    # input and output (botocore stepfunctions GetExecutionHistoryInput.includeExecutionData)
    page = aws.client("stepfunctions").get_execution_history(
        executionArn=execution_arn, reverseOrder=True, maxResults=100, includeExecutionData=False
    )
    return last_state_entered(page.get("events", []))


def epoch(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


@dataclass
class Follower:
    """Polls until something ends, reporting each change once; bounded by a deadline."""

    clock: Clock
    sleep: Sleep
    report: Report
    interval: float
    deadline: float
    _last: str = field(default="", init=False)

    def tell(self, text: str) -> None:
        if text != self._last:
            self._last = text
            self.report(text)

    def pause(self, waiting_for: str) -> None:
        if self.clock() >= self.deadline:
            raise OperationFailed(
                f"gave up waiting for {waiting_for}: --timeout reached (it may still be running; "
                "see `turnout status`)"
            )
        self.sleep(self.interval)


def follow_attempts(
    aws: Aws,
    stack: Stack,
    select: Callable[[Mapping[str, Any]], bool],
    what: str,
    follower: Follower,
    *,
    none_after: tuple[float, str] | None = None,
) -> list[dict[str, Any]]:
    """Wait until the ledger has attempts matching ``select`` and all of them ended.

    ``none_after`` is (seconds, message): when no attempt matches after that long (on the
    follower's clock), fail with the message instead of waiting for the --timeout."""
    store = store_of(aws, stack)
    give_up = follower.clock() + none_after[0] if none_after else None
    while True:
        rows = [r for r in store.attempts(stack.service, limit=200) if select(r)]
        for row in rows:
            phase = str(row.get("phase") or row.get("result") or "")
            follower.tell(
                f"{what} {short_commit(str(row.get('commitId', '')))}: "
                f"{LEDGER_PHASES.get(phase, phase.replace('_', ' '))}"
                + (f" ({row['deploymentId']})" if row.get("deploymentId") else "")
            )
        if rows and all(str(r.get("result", "")) in TERMINAL_RESULTS for r in rows):
            return rows
        if not rows and none_after and give_up is not None and follower.clock() >= give_up:
            raise OperationFailed(none_after[1])
        follower.pause(what)
