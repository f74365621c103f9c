"""Reading the sandbox's Step Functions executions the way the e2e tests wait on them."""

from __future__ import annotations

from typing import Any

from turnout_sandbox.scenarios import Run


def nth_ended_execution(run: Run, which: str, count: int) -> dict[str, Any]:
    """Wait until ``count`` ``which`` executions have ended and the service settled (the slot
    released); the ``count``-th by start time, described."""
    run.wait(
        f"{count} {which} executions to end",
        lambda: len([e for e in run.executions(which) if e["status"] != "RUNNING"]) >= count,
    )
    run.wait("the service to settle", run.settled)
    ended = sorted(run.executions(which), key=lambda e: e["startDate"])[count - 1]
    return dict(run.sfn.describe_execution(executionArn=ended["executionArn"]))
