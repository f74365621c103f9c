"""The ``turnout`` command: operate a turnout stack (or the offline sandbox).

Exit codes: 0 success, 1 the operation failed (e.g. a deployment rolled back), 2 bad usage
or input. Heavy modules (boto3, rich.live, the sandbox, moto) load inside the commands.
"""

# Heavy modules are imported inside functions on purpose (fast start-up).
# ruff: noqa: PLR0917

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from turnout_cli.errors import EXIT_FAILED, CliError, OperationFailed
from turnout_cli.session import Globals, OutputFormat

if TYPE_CHECKING:
    from turnout_cli.ops import Follower
    from turnout_cli.session import Aws
    from turnout_cli.stack import Stack

GLOBAL = "Global options"
#: "now" for checking redeploy selectors before connecting (no window is in its future).
_FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)

app = typer.Typer(
    name="turnout",
    help="Operate turnout: build, redeploy, watch, promote or roll back deployments "
    "of one ECS service.\n\n"
    "Every resource is found from the stack's outputs (--stack, default $TURNOUT_STACK or "
    "turnout-hello-aws). "
    "Exit codes: 0 success, 1 the operation failed, 2 bad usage or input.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: rich.markdown would double the start-up time
    context_settings={"help_option_names": ["-h", "--help"]},
)
sandbox_app = typer.Typer(
    help="The offline AWS sandbox (moto + turnout's emulators) on 127.0.0.1.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: rich.markdown would double the start-up time
)
app.add_typer(sandbox_app, name="sandbox")

StackOpt = Annotated[
    str | None,
    typer.Option(
        "--stack",
        help="CloudFormation stack name [default: $TURNOUT_STACK or turnout-hello-aws].",
        rich_help_panel=GLOBAL,
        show_default=False,
    ),
]
ProfileOpt = Annotated[
    str | None, typer.Option("--profile", help="AWS profile.", rich_help_panel=GLOBAL)
]
RegionOpt = Annotated[
    str | None, typer.Option("--region", help="AWS region.", rich_help_panel=GLOBAL)
]
EndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        help="Talk to this endpoint instead of AWS (the sandbox: http://127.0.0.1:4747).",
        rich_help_panel=GLOBAL,
    ),
]
OutputOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--output",
        "-o",
        help="table (default) or json.",
        case_sensitive=False,
        rich_help_panel=GLOBAL,
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
WaitOpt = Annotated[
    bool, typer.Option("--wait", help="Follow it to the end of the deployment it causes.")
]
TimeoutOpt = Annotated[str, typer.Option("--timeout", help="How long --wait waits (a duration).")]
IntervalOpt = Annotated[
    float, typer.Option("--interval", min=0.05, help="Seconds between polls.", hidden=True)
]


@app.callback()
def main(
    ctx: typer.Context,
    stack: StackOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    endpoint_url: EndpointOpt = None,
    output: OutputOpt = None,
) -> None:
    """turnout: git push -> build -> digest-pinned blue/green deployment -> health gate."""
    ctx.obj = {
        "stack": stack,
        "profile": profile,
        "region": region,
        "endpoint_url": endpoint_url,
        "output": output,
    }


def _globals(
    ctx: typer.Context,
    stack: str | None,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    output: OutputFormat | None,
) -> Globals:
    outer = ctx.find_root().obj or {}
    base = Globals.merge(None, **outer)
    return Globals.merge(
        base, stack=stack, profile=profile, region=region, endpoint_url=endpoint_url, output=output
    )


def _run(options: Callable[[], Globals], action: Callable[[Globals], int | None]) -> None:
    """Run a verb: CliError and AWS errors become one line on stderr and the right exit code."""
    from turnout_cli.output import error

    opts: Globals | None = None
    try:
        opts = options()
        code = action(opts) or 0
    except CliError as exc:
        error(exc.message)
        raise typer.Exit(exc.exit_code) from None
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        error("interrupted")
        raise typer.Exit(130) from None
    except Exception as exc:
        from turnout_cli.session import translate

        translated = translate(exc, opts or Globals())
        if translated is None:
            if os.environ.get("TURNOUT_DEBUG"):
                raise
            translated = OperationFailed(
                f"unexpected error: {type(exc).__name__}: {exc} (TURNOUT_DEBUG=1 shows "
                "the traceback)"
            )
        error(translated.message)
        raise typer.Exit(translated.exit_code) from None
    raise typer.Exit(code)


def _connect(opts: Globals) -> tuple[Aws, Stack]:
    from turnout_cli.session import Aws
    from turnout_cli.stack import load_stack

    aws = Aws(opts)
    return aws, load_stack(aws)


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    import click

    try:
        agreed = typer.confirm(question, default=False, err=True)
    except click.exceptions.Abort:
        agreed = False
    if not agreed:
        raise OperationFailed("not confirmed: nothing was done (pass --yes to skip the question)")


def _follower(opts: Globals, timeout: str, interval: float) -> Follower:
    from turnout_cli.ops import Follower
    from turnout_cli.output import note, say
    from turnout_cli.parsing import parse_duration

    limit = parse_duration(timeout, "--timeout").total_seconds()

    def report(text: str) -> None:
        line = f"{time.strftime('%H:%M:%S')}  {text}"
        (note if opts.json else say)(line)

    return Follower(
        clock=time.monotonic,
        sleep=time.sleep,
        report=report,
        interval=interval,
        deadline=time.monotonic() + limit,
    )


def _end_of_deploy(
    aws: Aws, rows: list[dict[str, Any]], opts: Globals, extra: dict[str, Any]
) -> int:
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
    return 0 if final["result"] in ("succeeded", "duplicate") else EXIT_FAILED


# --------------------------------------------------------------------------- build


@app.command(
    short_help="Start a build by hand (gated path).",
    epilog="Examples: turnout build --branch master --wait;  "
    "turnout build --commit 3f2a…(40 hex) --endpoint-url http://127.0.0.1:4747",
)
def build(
    ctx: typer.Context,
    commit: Annotated[
        str | None, typer.Option("--commit", help="Build exactly this commit (40 hex digits).")
    ] = None,
    branch: Annotated[
        str | None,
        typer.Option(
            "--branch", help="Build the head of this branch [default: the stack's branch]."
        ),
    ] = None,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = "3h",
    interval: IntervalOpt = 2.0,
    stack: StackOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    endpoint_url: EndpointOpt = None,
    output: OutputOpt = None,
) -> None:
    """Start the build state machine by hand (the gated path) and print the execution."""

    def action(opts: Globals) -> int:
        from turnout_cli import ops
        from turnout_cli.output import print_json, say
        from turnout_cli.parsing import parse_branch, parse_commit, parse_duration

        if commit and branch:
            raise CliError("--commit and --branch cannot be combined: choose one")
        sha = parse_commit(commit) if commit else None
        name = parse_branch(branch) if branch else None
        if wait:
            parse_duration(timeout, "--timeout")
        aws, stk = _connect(opts)
        if sha is None and name is None:
            name = stk.get("BranchName", "master")
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
        follower = _follower(opts, timeout, interval)
        follower.report(f"started build {started.name}: {started.execution_arn}")
        finished = ops.follow_execution(aws, started.execution_arn, follower)
        built = ops.commit_of_build(aws, stk, finished) or started.commit_id
        follower.report(f"build succeeded: commit {built[:12]}; waiting for its deployment")
        rows = ops.follow_attempts(
            aws,
            stk,
            lambda r: (
                r.get("kind") == "deploy"
                and r.get("commitId") == built
                and float(r.get("startedAt") or 0) >= started.started_at - 1
            ),
            "deployment of",
            follower,
        )
        return _end_of_deploy(aws, rows, opts, {"build": started.to_dict() | {"commitId": built}})

    _run(lambda: _globals(ctx, stack, profile, region, endpoint_url, output), action)


# --------------------------------------------------------------------------- redeploy


@app.command(
    short_help="Redeploy archived pushes (replay).",
    epilog="Examples: turnout redeploy --since 2h;  "
    "turnout redeploy --digest sha256:…(64 hex) --yes --wait;  "
    "turnout redeploy --from 2026-11-26T06:00Z --to 2026-11-26T07:00Z",
)
def redeploy(
    ctx: typer.Context,
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
    stack: StackOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    endpoint_url: EndpointOpt = None,
    output: OutputOpt = None,
) -> None:
    """Redeploy: replay archived ECR push events to the deploy rule (EventBridge StartReplay)."""

    def action(opts: Globals) -> int:
        from turnout_cli import ops
        from turnout_cli.ledger import history_rows
        from turnout_cli.output import note, print_json, print_table, say
        from turnout_cli.parsing import iso, parse_duration, window_of

        # the selectors are checked before connecting; the window is computed on the
        # service's clock (the times the ledger and the archive record), known once connected
        window_of(_FAR_FUTURE, since, start, end, digest)
        if wait:
            parse_duration(timeout, "--timeout")
        aws, stk = _connect(opts)
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
                (
                    "TIME",
                    "TRIGGER",
                    "KIND",
                    "COMMIT",
                    "DIGEST",
                    "TASK DEF",
                    "DEPLOYMENT",
                    "RESULT",
                    "DURATION",
                ),
                history_rows(plan.pushes),
            )
        _confirm(f"Replay {len(plan.pushes)} push(es) and redeploy?", yes)
        started = ops.start_replay(aws, plan, time.time())
        if not wait:
            if opts.json:
                print_json(plan.to_dict() | started)
            else:
                say(f"started replay {started['replayName']} ({started['state'].lower()})")
            return 0
        follower = _follower(opts, timeout, interval)
        follower.report(f"started replay {started['replayName']}")
        ops.follow_replay(aws, started["replayName"], follower)
        rows = ops.follow_attempts(
            aws,
            stk,
            lambda r: r.get("replayName") == started["replayName"],
            "redeploy of",
            follower,
        )
        return _end_of_deploy(aws, rows, opts, plan.to_dict() | started)

    _run(lambda: _globals(ctx, stack, profile, region, endpoint_url, output), action)


# --------------------------------------------------------------------------- status


@app.command(
    short_help="Running/queued deployments, gate.",
    epilog="Examples: turnout status;  turnout status --watch;  turnout status -o json",
)
def status(
    ctx: typer.Context,
    watch: Annotated[
        bool, typer.Option("--watch", "-w", help="Live view until the deployment ends.")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=0.05, help="Seconds between refreshes with --watch.")
    ] = 2.0,
    stack: StackOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    endpoint_url: EndpointOpt = None,
    output: OutputOpt = None,
) -> None:
    """Running and queued deployments: phase, gate time left, serving commit/digest, queue."""

    def action(opts: Globals) -> int:
        from turnout_cli import ops
        from turnout_cli import status as view
        from turnout_cli.output import console, print_json

        aws, stk = _connect(opts)
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
        return 0 if all(results.get(a) in ("succeeded", None) for a in watched) else EXIT_FAILED

    _run(lambda: _globals(ctx, stack, profile, region, endpoint_url, output), action)


def _json_line(snap: Any) -> None:
    import json

    sys.stdout.write(json.dumps(snap.to_dict(), default=str) + "\n")
    sys.stdout.flush()


# --------------------------------------------------------------------------- history


@app.command(
    short_help="The ledger, newest first.",
    epilog="Examples: turnout history --limit 5;  turnout history -o json | jq '.[0]'",
)
def history(
    ctx: typer.Context,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=1000, help="How many attempts to show.")
    ] = 20,
    stack: StackOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    endpoint_url: EndpointOpt = None,
    output: OutputOpt = None,
) -> None:
    """The ledger, newest first: time, trigger, commit, digest, task definition, result."""

    def action(opts: Globals) -> int:
        from turnout_cli import ops
        from turnout_cli.ledger import HISTORY_COLUMNS, history_rows
        from turnout_cli.output import print_json, print_table, say

        aws, stk = _connect(opts)
        items = ops.history(aws, stk, limit, aws.now())
        if opts.json:
            print_json(items)
        elif not items:
            say(f"no attempts recorded yet for {stk.service}")
        else:
            print_table(f"{stk.name} · {stk.service}", HISTORY_COLUMNS, history_rows(items))
        return 0

    _run(lambda: _globals(ctx, stack, profile, region, endpoint_url, output), action)


# --------------------------------------------------------------------------- promote / rollback


@app.command(
    short_help="End the gate now; terminate old tasks.", epilog="Example: turnout promote --yes"
)
def promote(
    ctx: typer.Context,
    yes: YesOpt = False,
    stack: StackOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    endpoint_url: EndpointOpt = None,
    output: OutputOpt = None,
) -> None:
    """End the health gate now (as passed): the original task set is terminated."""

    def action(opts: Globals) -> int:
        from turnout_cli import ops
        from turnout_cli.output import print_json, say

        aws, stk = _connect(opts)
        target = ops.running_target(aws, stk, "promote")
        ops.check_promotable(target)
        _confirm(f"Promote {target.describe()} now and terminate the original task set?", yes)
        who = ops.caller(aws)
        ops.promote(aws, stk, target, who)
        if opts.json:
            print_json(
                {"promoted": target.deployment_id, "attemptId": target.attempt_id, "by": who}
            )
        else:
            say(
                f"promoted deployment {target.deployment_id}: the original task set is being "
                "terminated"
            )
        return 0

    _run(lambda: _globals(ctx, stack, profile, region, endpoint_url, output), action)


@app.command(
    short_help="Stop the deployment with rollback.", epilog="Example: turnout rollback --yes"
)
def rollback(
    ctx: typer.Context,
    yes: YesOpt = False,
    stack: StackOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    endpoint_url: EndpointOpt = None,
    output: OutputOpt = None,
) -> None:
    """Stop the running deployment with rollback: traffic goes back to the original task set."""

    def action(opts: Globals) -> int:
        from turnout_cli import ops
        from turnout_cli.output import print_json, say

        aws, stk = _connect(opts)
        target = ops.running_target(aws, stk, "roll back")
        _confirm(f"Roll back {target.describe()}?", yes)
        how = ops.rollback(aws, stk, target, ops.caller(aws))
        if opts.json:
            print_json(
                {"rolledBack": target.deployment_id, "attemptId": target.attempt_id, "via": how}
            )
        elif how == "gate":
            say(
                f"rollback requested: the gate of {target.deployment_id} failed; the "
                "deployment is being stopped"
            )
        else:
            say(f"stopped deployment {target.deployment_id} with rollback")
        return 0

    _run(lambda: _globals(ctx, stack, profile, region, endpoint_url, output), action)


# --------------------------------------------------------------------------- demo / sandbox


@app.command(
    short_help="Run a sandbox scenario end to end.",
    epilog="Examples: turnout demo;  turnout demo --scenario NAME --bake-minutes 2;  "
    "turnout demo --list",
)
def demo(
    ctx: typer.Context,
    scenario: Annotated[
        str | None, typer.Option("--scenario", "-s", help="Scenario to run (see --list).")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the scenarios and exit.")] = False,
    bake_minutes: Annotated[
        int | None, typer.Option("--bake-minutes", min=0, max=2880, help="Gate bake time.")
    ] = None,
    output: OutputOpt = None,
) -> None:
    """Run a scenario end to end in the offline sandbox, with a live timeline and a summary."""

    def action(opts: Globals) -> int:
        from turnout_cli.output import console, print_json, print_table
        from turnout_cli.sandbox_cmds import sandbox_api, step_line, summary_rows

        api = sandbox_api()
        scenarios: dict[str, str] = dict(api.SCENARIOS)
        if list_:
            if opts.json:
                print_json(scenarios)
            else:
                print_table("scenarios", ("NAME", "WHAT IT SHOWS"), list(scenarios.items()))
            return 0
        name = scenario or next(iter(scenarios), "")
        if name not in scenarios:
            raise CliError(
                f"--scenario {name!r} is not a scenario: choose one of {', '.join(scenarios)}"
            )
        out = console()

        def on_step(step: Any) -> None:
            if not opts.json:
                out.print(
                    step_line(step.at_real, step.at_virtual, step.source, step.text), markup=False
                )

        if not opts.json:
            out.print(f"scenario {name}: {scenarios[name]}", markup=False)
        result = api.run_scenario(name, on_step=on_step, bake_minutes=bake_minutes)
        if opts.json:
            print_json(result.to_dict())
        else:
            print_table(
                f"{result.name}: {'as expected' if result.ok else 'NOT as expected'} "
                f"(expected: {result.expected})",
                ("FIELD", "VALUE"),
                summary_rows(result.summary, result.checks),
            )
        return 0 if result.ok else EXIT_FAILED

    _run(lambda: _globals(ctx, None, None, None, None, output), action)


@sandbox_app.command(
    "serve",
    short_help="Serve the sandbox on 127.0.0.1.",
    epilog="Example: turnout sandbox serve --port 4747, then "
    "turnout --endpoint-url http://127.0.0.1:4747 status",
)
def sandbox_serve(
    port: Annotated[
        int,
        typer.Option("--port", "-p", min=0, max=65535, help="Port on 127.0.0.1 (0: any free)."),
    ] = 4747,
    speed: Annotated[
        float,
        typer.Option(
            "--speed", min=0.1, max=10000.0, help="Virtual seconds per real second (the clock)."
        ),
    ] = 60.0,
    trigger: Annotated[
        str,
        typer.Option(
            "--trigger", help="The stack's BuildTrigger: push (builds on git push) or manual."
        ),
    ] = "push",
    bake_minutes: Annotated[
        int, typer.Option("--bake-minutes", min=0, max=2880, help="The gate's bake time.")
    ] = 5,
    timeout_minutes: Annotated[
        int, typer.Option("--timeout-minutes", min=1, max=2880, help="The gate's timeout.")
    ] = 10,
) -> None:
    """Serve the sandbox on 127.0.0.1 until Ctrl-C (for the CLI and aws --endpoint-url)."""

    def action(opts: Globals) -> int:
        from turnout_cli.output import say
        from turnout_cli.sandbox_cmds import sandbox_api

        if trigger not in ("push", "manual"):
            raise CliError(f"--trigger {trigger!r} is not one of push, manual")
        api = sandbox_api()
        # only what differs from the server's defaults (the same as these options')
        chosen: dict[str, Any] = {
            name: value
            for name, value, default in (
                ("speed", speed, 60.0),
                ("trigger", trigger, "push"),
                ("bake_minutes", bake_minutes, 5),
                ("timeout_minutes", timeout_minutes, 10),
            )
            if value != default
        }

        def ready(url: str) -> None:
            say(
                f"sandbox listening on {url} (virtual clock x{speed:g}, BuildTrigger {trigger}, "
                f"bake {bake_minutes}m; Ctrl-C stops it); try: turnout --endpoint-url {url} status"
            )

        try:
            api.serve(port, on_ready=ready, **chosen)
        except api.PortInUse as exc:
            raise CliError(f"--port {port} is in use ({exc}): pick another with --port") from None
        except KeyboardInterrupt:
            pass
        say("sandbox stopped")
        return 0

    _run(Globals, action)


@sandbox_app.command(
    "send",
    short_help="Put an event file on the sandbox bus.",
    epilog="Example: turnout sandbox send events/ecr-push.json",
)
def sandbox_send(
    ctx: typer.Context,
    event_file: Annotated[
        Path,
        typer.Argument(
            metavar="EVENT.json", help="An EventBridge event (source, detail-type, detail)."
        ),
    ],
    endpoint_url: EndpointOpt = None,
    output: OutputOpt = None,
) -> None:
    """Put an event on the sandbox's default event bus (PutEvents) and print its event id."""

    def action(opts: Globals) -> int:
        from turnout_cli.output import print_json, say
        from turnout_cli.sandbox_cmds import read_event, send
        from turnout_cli.session import Aws

        event = read_event(event_file)
        event_id = send(Aws(opts).client("events"), event)
        if opts.json:
            print_json(
                {"eventId": event_id, "source": event.source, "detailType": event.detail_type}
            )
        else:
            say(f"sent {event.detail_type} ({event.source}): event id {event_id}")
        return 0

    def options() -> Globals:
        from turnout_cli.session import SANDBOX_URL

        outer = Globals.merge(None, **(ctx.find_root().obj or {}))
        return Globals.merge(
            outer, endpoint_url=endpoint_url or outer.endpoint_url or SANDBOX_URL, output=output
        )

    _run(options, action)


if __name__ == "__main__":  # pragma: no cover
    app()
