"""`turnout build`: start the build state machine by hand (the gated path)."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

import time
from typing import Annotated

import typer

from turnout_cli.app import app
from turnout_cli.commands.common import (
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
