"""`turnout build` and `turnout redeploy`: deploy by hand, then optionally follow it.

``build`` starts the build state machine (the gated path); ``redeploy`` replays archived ECR
push events to the deploy rule. With --wait both follow the deployment to its end.
"""

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
from turnout_cli.errors import CliError
from turnout_cli.options import verb
from turnout_cli.session import Globals


@verb(
    app,
    short_help="Start a build by hand (gated path).",
    epilog="With BuildTrigger=manual the build is the production deploy: it asks first "
    "(unless --yes) and builds only the stack's branch, or a commit reachable from its head "
    "(unless --any-branch).  "
    "Examples: turnout build --branch master --wait;  "
    "turnout build --commit 3f2a…(40 hex) --endpoint-url http://127.0.0.1:4747",
)
def build(
    opts: Globals,
    *,
    commit: Annotated[
        str | None, typer.Option("--commit", help="Build exactly this commit (40 hex digits).")
    ] = None,
    branch: Annotated[
        str | None,
        typer.Option(
            "--branch", help="Build the head of this branch [default: the stack's branch]."
        ),
    ] = None,
    any_branch: Annotated[
        bool,
        typer.Option(
            "--any-branch",
            help="With BuildTrigger=manual, allow a branch or commit off the stack's branch.",
        ),
    ] = False,
    yes: YesOpt = False,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = "3h",
    interval: IntervalOpt = 2.0,
) -> int:
    """Start the build state machine by hand (the gated path) and print the execution."""
    from turnout.ledger import Kind
    from turnout_cli.ops import build as ops
    from turnout_cli.ops.common import follow_attempts
    from turnout_cli.output import print_json, say
    from turnout_cli.parsing import parse_branch, parse_commit, parse_duration

    if commit and branch:
        raise CliError("--commit and --branch cannot be combined: choose one")
    sha = parse_commit(commit) if commit else None
    name = parse_branch(branch) if branch else None
    if wait:
        parse_duration(timeout, "--timeout")
    aws, stk = connect(opts)
    if sha is None and name is None:
        name = stk.get("BranchName", "master")
    if ops.is_manual(stk):
        ops.check_source(aws, stk, sha, name)  # a missing commit or branch is named first
        if not any_branch:
            ops.guard_production(aws, stk, sha, str(name))
        what = f"commit {sha}" if sha else f"the head of branch {name}"
        confirm(
            f"Build and deploy {what} to production (BuildTrigger=manual: this build is the "
            "deploy)?",
            yes,
        )
    started = ops.start_build(aws, stk, sha, name, time.time())
    if not wait:
        if opts.json:
            print_json(started.to_dict())
        else:
            say(
                f"started build {started.name} of "
                f"{'commit ' + sha if sha else 'branch ' + str(name)}"
                + (f" (head {started.commit_id[:12]})" if name and started.commit_id else "")
            )
            say(f"execution: {started.execution_arn}")
        return 0
    follows = follower(opts, timeout, interval)
    follows.report(f"started build {started.name}: {started.execution_arn}")
    finished = ops.follow_execution(aws, started.execution_arn, follows)
    built = ops.commit_of_build(aws, stk, finished) or started.commit_id
    follows.report(f"build succeeded: commit {built[:12]}; waiting for its deployment")
    rows = follow_attempts(
        aws,
        stk,
        lambda r: (
            r.get("kind") == Kind.DEPLOY
            and r.get("commitId") == built
            and float(r.get("startedAt") or 0) >= started.started_at - 1
        ),
        "deployment of",
        follows,
    )
    return end_of_deploy(aws, rows, opts, {"build": started.to_dict() | {"commitId": built}})


@verb(
    app,
    short_help="Redeploy archived pushes (replay).",
    epilog="A window holding several pushes replays only its newest one. A window younger "
    "than --at-least (EventBridge recommends 10 minutes: events reach the archive late) is "
    "refused, or waited for with --wait.  "
    "Examples: turnout redeploy --since 2h;  "
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
    at_least: Annotated[
        str,
        typer.Option(
            "--at-least",
            help="Replay only events at least this old (a duration; 0s: at once). A younger "
            "window is refused, or waited for with --wait.",
        ),
    ] = "10m",
    yes: YesOpt = False,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = "3h",
    interval: IntervalOpt = 2.0,
    grace: Annotated[
        str,
        typer.Option(
            "--grace",
            help="How long --wait lets a completed replay's pushes take to reach the ledger.",
            hidden=True,
        ),
    ] = "3m",
) -> int:
    """Redeploy: replay archived ECR push events to the deploy rule (EventBridge StartReplay)."""
    from turnout_cli.ledger import HISTORY_COLUMNS, history_rows
    from turnout_cli.ops import replay as ops
    from turnout_cli.ops.common import follow_attempts
    from turnout_cli.output import note, print_json, print_table, say
    from turnout_cli.parsing import human_duration, iso, parse_age, parse_duration, window_of

    # the selectors are checked before connecting; the window is computed on the
    # service's clock (the times the ledger and the archive record), known once connected
    window_of(FAR_FUTURE, since, start, end, digest)
    age = parse_age(at_least, "--at-least")
    if wait:
        parse_duration(timeout, "--timeout")
    grace_seconds = parse_duration(grace, "--grace").total_seconds()
    aws, stk = connect(opts)
    now = datetime.fromtimestamp(aws.now(), tz=UTC)
    selection = window_of(now, since, start, end, digest)
    plan = ops.plan_replay(aws, stk, selection, now, age)
    if plan.ready_in is not None and not wait:
        raise CliError(
            f"the window ends {iso(plan.end)}, less than {human_duration(age.total_seconds())} "
            "ago: EventBridge recommends replaying archived events after 10 minutes (they may "
            f"not be in the archive yet); retry after {iso(plan.end + age)}, pass --wait to "
            "wait for it, or --at-least 0s to replay now"
        )
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
            f"{len(plan.listed)} push(es) recorded in this window",
            HISTORY_COLUMNS,
            history_rows(plan.listed),
        )
    confirm(f"Replay {len(plan.pushes)} push(es) and redeploy?", yes)
    follows = follower(opts, timeout, interval) if wait else None
    if follows is not None and plan.ready_in is not None:
        ops.wait_until_archived(aws, plan, age, follows)
    started = ops.start_replay(aws, plan, time.time())
    if follows is None:
        if opts.json:
            print_json(plan.to_dict() | started)
        else:
            say(f"started replay {started['replayName']} ({started['state'].lower()})")
        return 0
    follows.report(f"started replay {started['replayName']}")
    ops.follow_replay(aws, started["replayName"], follows)
    rows = follow_attempts(
        aws,
        stk,
        lambda r: r.get("replayName") == started["replayName"],
        "redeploy of",
        follows,
        none_after=(grace_seconds, ops.no_push_message(started["replayName"], grace_seconds)),
    )
    return end_of_deploy(aws, rows, opts, plan.to_dict() | started)
