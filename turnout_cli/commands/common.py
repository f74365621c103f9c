"""What the verbs share: their common options, connecting, confirming, following."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from turnout_cli.errors import EXIT_FAILED, OperationFailed
from turnout_cli.session import Globals

if TYPE_CHECKING:
    from turnout_cli.ops.common import Follower
    from turnout_cli.session import Aws
    from turnout_cli.stack import Stack

#: "now" for checking redeploy selectors before connecting (no window is in its future).
FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)

YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
WaitOpt = Annotated[
    bool, typer.Option("--wait", help="Follow it to the end of the deployment it causes.")
]
TimeoutOpt = Annotated[str, typer.Option("--timeout", help="How long --wait waits (a duration).")]
IntervalOpt = Annotated[
    float, typer.Option("--interval", min=0.05, help="Seconds between polls.", hidden=True)
]


def connect(opts: Globals) -> tuple[Aws, Stack]:
    from turnout_cli.session import Aws
    from turnout_cli.stack import load_stack

    aws = Aws(opts)
    return aws, load_stack(aws)


def confirm(question: str, yes: bool) -> None:
    if yes:
        return
    import click

    from turnout_cli.output import clean

    try:
        agreed = typer.confirm(clean(question, one_line=True), default=False, err=True)
    except click.exceptions.Abort:
        agreed = False
    if not agreed:
        raise OperationFailed("not confirmed: nothing was done (pass --yes to skip the question)")


def progress_time(now: float) -> str:
    """``06:48:20Z``: a progress line's time, in UTC (the tables' and the ledger's zone)."""
    return datetime.fromtimestamp(now, tz=UTC).strftime("%H:%M:%SZ")


def follower(opts: Globals, timeout: str, interval: float) -> Follower:
    from turnout_cli.ops.common import Follower
    from turnout_cli.output import note, say
    from turnout_cli.parsing import parse_duration

    limit = parse_duration(timeout, "--timeout").total_seconds()

    def report(text: str) -> None:
        # UTC, like the tables' times (aws-fidelity row 40): never the local zone
        line = f"{progress_time(time.time())}  {text}"
        (note if opts.json else say)(line)

    return Follower(
        clock=time.monotonic,
        sleep=time.sleep,
        report=report,
        interval=interval,
        deadline=time.monotonic() + limit,
    )


def end_of_deploy(
    aws: Aws, rows: list[dict[str, Any]], opts: Globals, extra: dict[str, Any]
) -> int:
    from turnout.ledger import Result
    from turnout_cli.ledger import record
    from turnout_cli.output import print_json, say

    now = aws.now()
    items = [record(r, now) for r in rows]
    final = max(items, key=lambda i: i["attemptId"])
    if opts.json:
        print_json(extra | {"deployments": items})
    else:
        for item in items:
            result = item["result"].replace("_", " ")
            text = f"{result}: commit {item['commitId'][:12]} digest {item['digest']}"
            if item["deploymentId"]:
                text += f" deployment {item['deploymentId']}"
            if item["error"]:
                text += f" ({item['error']['type']}: {item['error']['message']})"
            elif item["reason"]:
                text += f" ({item['reason']})"
            say(text)
    return 0 if final["result"] in (Result.SUCCEEDED, Result.DUPLICATE) else EXIT_FAILED
