"""`turnout status` and `turnout history`: what runs, what is queued, what happened."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

import sys
import time
from typing import Annotated, Any

import typer

from turnout_cli.app import app
from turnout_cli.commands.common import connect
from turnout_cli.errors import EXIT_FAILED
from turnout_cli.options import verb
from turnout_cli.session import Globals


@verb(
    app,
    short_help="Running/queued deployments, gate.",
    epilog="Examples: turnout status;  turnout status --watch;  turnout status -o json",
)
def status(
    opts: Globals,
    watch: Annotated[
        bool, typer.Option("--watch", "-w", help="Live view until the deployment ends.")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=0.05, help="Seconds between refreshes with --watch.")
    ] = 2.0,
) -> int:
    """Running and queued deployments: phase, gate time left, serving commit/digest, queue."""
    from turnout.ledger import Result
    from turnout_cli import status as view
    from turnout_cli.ops import status as ops
    from turnout_cli.output import console, print_json

    aws, stk = connect(opts)
    policy = ops.GatePolicy()

    def fetch() -> view.Snapshot:
        return ops.snapshot(aws, stk, aws.now(), policy)

    if not watch:
        snap = fetch()
        if opts.json:
            print_json(snap.to_dict())
        else:
            console().print(view.render(snap))
        return 0
    first = fetch()
    watched = {r.attempt_id for r in first.deploying if r.attempt_id}
    pending = [first]

    def fetch_first_then_new() -> view.Snapshot:
        return pending.pop() if pending else fetch()

    if opts.json:
        view.watch(fetch_first_then_new, _json_line, time.sleep, interval)
    else:
        from rich.live import Live

        with Live(view.render(first), console=console(), auto_refresh=False) as live:

            def show(snap: view.Snapshot) -> None:
                live.update(view.render(snap), refresh=True)

            view.watch(fetch_first_then_new, show, time.sleep, interval)
    if not watched:
        return 0
    results = {r["attemptId"]: r["result"] for r in ops.history(aws, stk, 100, aws.now())}
    return 0 if all(results.get(a) in (Result.SUCCEEDED, None) for a in watched) else EXIT_FAILED


def _json_line(snap: Any) -> None:
    import json

    sys.stdout.write(json.dumps(snap.to_dict(), default=str) + "\n")
    sys.stdout.flush()


@verb(
    app,
    short_help="The ledger, newest first.",
    epilog="Examples: turnout history --limit 5;  turnout history -o json | jq '.[0]'",
)
def history(
    opts: Globals,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=1000, help="How many attempts to show.")
    ] = 20,
) -> int:
    """The ledger, newest first: time, trigger, commit, digest, task definition, result."""
    from turnout_cli.ledger import HISTORY_COLUMNS, history_rows
    from turnout_cli.ops import status as ops
    from turnout_cli.output import print_json, print_table, say

    aws, stk = connect(opts)
    items = ops.history(aws, stk, limit, aws.now())
    if opts.json:
        print_json(items)
    elif not items:
        say(f"no attempts recorded yet for {stk.service}")
    else:
        print_table(f"{stk.name} · {stk.service}", HISTORY_COLUMNS, history_rows(items))
    return 0
