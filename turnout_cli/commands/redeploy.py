"""`turnout redeploy`: replay archived ECR push events to the deploy rule."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import typer

from turnout_cli.app import app
from turnout_cli.commands.common import (
    FAR_FUTURE,
    IntervalOpt,
    TimeoutOpt,
    WaitOpt,
    YesOpt,
    confirm,
    connect,
    end_of_deploy,
    follower,
)
from turnout_cli.options import verb
from turnout_cli.session import Globals


@verb(
    app,
    short_help="Redeploy archived pushes (replay).",
    epilog="Examples: turnout redeploy --since 2h;  "
    "turnout redeploy --digest sha256:…(64 hex) --yes --wait;  "
    "turnout redeploy --from 2026-11-26T06:00Z --to 2026-11-26T07:00Z",
)
def redeploy(
    opts: Globals,
    *,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Replay the pushes of the last DURATION (30m, 2h, 1d)."),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--from", help="Window start (ISO 8601; UTC unless an offset is given)."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Window end (ISO 8601) [default: now].")
    ] = None,
    digest: Annotated[
        str | None, typer.Option("--digest", help="Replay the archived push of this image digest.")
    ] = None,
    yes: YesOpt = False,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = "3h",
    interval: IntervalOpt = 2.0,
) -> int:
    """Redeploy: replay archived ECR push events to the deploy rule (EventBridge StartReplay)."""
    from turnout_cli.ledger import HISTORY_COLUMNS, history_rows
    from turnout_cli.ops import replay as ops
    from turnout_cli.ops.common import follow_attempts
    from turnout_cli.output import note, print_json, print_table, say
    from turnout_cli.parsing import iso, parse_duration, window_of

    # the selectors are checked before connecting; the window is computed on the
    # service's clock (the times the ledger and the archive record), known once connected
    window_of(FAR_FUTURE, since, start, end, digest)
    if wait:
        parse_duration(timeout, "--timeout")
    aws, stk = connect(opts)
    now = datetime.fromtimestamp(aws.now(), tz=UTC)
    selection = window_of(now, since, start, end, digest)
    plan = ops.plan_replay(aws, stk, selection, now)
    show = note if opts.json else say
    show(
        f"replay archive {plan.archive_name}: events from {iso(plan.start)} to "
        f"{iso(plan.end)}, "
        f"to rule {plan.rule_arn.rsplit('/', 1)[-1]} only"
    )
    for text in plan.notes:
        show(text)
    if not opts.json:
        print_table(
            f"{len(plan.pushes)} push(es) recorded in this window",
            HISTORY_COLUMNS,
            history_rows(plan.pushes),
        )
    confirm(f"Replay {len(plan.pushes)} push(es) and redeploy?", yes)
    started = ops.start_replay(aws, plan, time.time())
    if not wait:
        if opts.json:
            print_json(plan.to_dict() | started)
        else:
            say(f"started replay {started['replayName']} ({started['state'].lower()})")
        return 0
    follows = follower(opts, timeout, interval)
    follows.report(f"started replay {started['replayName']}")
    ops.follow_replay(aws, started["replayName"], follows)
    rows = follow_attempts(
        aws,
        stk,
        lambda r: r.get("replayName") == started["replayName"],
        "redeploy of",
        follows,
    )
    return end_of_deploy(aws, rows, opts, plan.to_dict() | started)
