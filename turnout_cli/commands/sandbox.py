"""`turnout demo` and `turnout sandbox serve|send`: the offline sandbox."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from turnout_cli.app import app, sandbox_app
from turnout_cli.errors import EXIT_FAILED, CliError
from turnout_cli.options import run, verb
from turnout_cli.session import Globals

#: ``--iam``, the sandbox's IAM mode (``demo`` and ``sandbox serve`` take it alike).
IamOpt = Annotated[
    str,
    typer.Option(
        "--iam",
        help="IAM in the sandbox: enforce (as AWS: a call the stack's policies do not "
        "allow is AccessDenied), warn (report, let it through) or off.",
    ),
]

#: ``--engine``, the stack's DeploymentEngine (``demo`` and ``sandbox serve`` take it alike).
EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="The stack's DeploymentEngine: codedeploy (a CODE_DEPLOY demo service) or ecs "
        "(an ECS-controlled BLUE_GREEN demo service; demo: its ecs-* scenarios).",
    ),
]

#: ``--faults``, what the sandbox injects (``demo`` and ``sandbox serve`` take it alike).
FaultsOpt = Annotated[
    str | None,
    typer.Option(
        "--faults",
        help="Inject faults on the stack's own calls and events, e.g. 'throttle=0.2,seed=1', "
        "'throttle:dynamodb=0.3', '5xx:ecs=0.05', 'lambda-timeout:RenderFunction=first', "
        "'event-lost:ecr=first', 'event-late:ecr=120@0.5' (kinds: throttle, 5xx, "
        "lambda-error, lambda-timeout, lambda-crash, event-duplicate, event-late, event-lost, "
        "ddb-conflict).",
    ),
]


@verb(
    app,
    options=("output",),
    short_help="Run a sandbox scenario end to end.",
    epilog="Examples: turnout demo;  turnout demo --scenario NAME --bake-minutes 2;  "
    "turnout demo --list;  turnout demo --engine ecs -s unhealthy",
)
def demo(  # noqa: PLR0917  (typer options are parameters)
    opts: Globals,
    scenario: Annotated[
        str | None, typer.Option("--scenario", "-s", help="Scenario to run (see --list).")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the scenarios and exit.")] = False,
    bake_minutes: Annotated[
        int | None, typer.Option("--bake-minutes", min=0, max=2880, help="Gate bake time.")
    ] = None,
    iam: IamOpt = "enforce",
    faults: FaultsOpt = None,
    clock: Annotated[
        str,
        typer.Option(
            "--clock",
            help="discrete: virtual time moves only when the sandbox is idle, jumping to the "
            "next due time; scaled: a fixed multiple of the wall clock (--speed).",
        ),
    ] = "discrete",
    speed: Annotated[
        float | None,
        typer.Option(
            "--speed",
            min=0.1,
            max=100000.0,
            help="scaled: virtual seconds per real second (default 200); discrete: the most "
            "(default: no cap).",
        ),
    ] = None,
    engine: EngineOpt = None,
) -> int:
    """Run a scenario end to end in the offline sandbox, with a live timeline and a summary."""
    from turnout_cli.output import clean, console, print_json, print_table
    from turnout_cli.sandbox_cmds import (
        check_engine,
        engine_scenario,
        engine_scenarios,
        sandbox_api,
        step_line,
        summary_rows,
    )

    api = sandbox_api()
    check_engine(api.ENGINES, engine)
    scenarios: dict[str, str] = engine_scenarios(api.SCENARIOS, engine)
    if list_:
        if opts.json:
            print_json(scenarios)
        else:
            print_table("scenarios", ("NAME", "WHAT IT SHOWS"), list(scenarios.items()))
        return 0
    name = engine_scenario(scenarios, scenario, engine)
    _check_iam(iam)
    _check_faults(api, faults)
    _check_clock(api, clock)
    out = console()

    def on_step(step: Any) -> None:
        if not opts.json:
            out.print(
                clean(step_line(step.at_real, step.at_virtual, step.source, step.text)),
                markup=False,
            )

    if not opts.json:
        out.print(clean(f"scenario {name}: {scenarios[name]}"), markup=False)
    result = api.run_scenario(
        name,
        on_step=on_step,
        bake_minutes=bake_minutes,
        iam=iam,
        faults=faults,
        clock=clock,
        speed=speed,
    )
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


@sandbox_app.command(
    "serve",
    short_help="Serve the sandbox on 127.0.0.1.",
    epilog="Example: turnout sandbox serve --port 4747, then "
    "turnout --endpoint-url http://127.0.0.1:4747 status",
)
def sandbox_serve(  # noqa: PLR0917  (typer options are parameters)
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
    clock: Annotated[
        str,
        typer.Option(
            "--clock",
            help="scaled: virtual time runs at --speed; discrete: at most --speed, and only "
            "while nothing (a request, a Lambda, an execution) is busy.",
        ),
    ] = "scaled",
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
    iam: IamOpt = "enforce",
    faults: FaultsOpt = None,
    engine: EngineOpt = None,
    access_key: Annotated[
        str,
        typer.Option(
            "--access-key",
            help="none: any access key is accepted (one user on this machine); auto: a "
            "random key for this run, printed at start, others refused (a shared machine); "
            "or the key to require.",
        ),
    ] = "none",
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            help="Where the demo service and the stack are deployed (default: AWS_REGION or "
            "AWS_DEFAULT_REGION, else ap-northeast-2); every other region is empty, as in AWS.",
        ),
    ] = None,
    no_stack: Annotated[
        bool,
        typer.Option(
            "--no-stack",
            help="Set up the demo service only, and print the `sam deploy` line that deploys "
            "turnout for it (rehearse your own template).",
        ),
    ] = False,
) -> None:
    """Serve the sandbox on 127.0.0.1 until Ctrl-C (for the CLI and aws --endpoint-url)."""

    def action(opts: Globals) -> int:
        from turnout_cli.output import say
        from turnout_cli.sandbox_cmds import check_engine, sandbox_api
        from turnout_cli.session import SANDBOX_KEY_ENV

        if trigger not in ("push", "manual"):
            raise CliError(f"--trigger {trigger!r} is not one of push, manual")
        _check_iam(iam)
        api = sandbox_api()
        check_engine(api.ENGINES, engine)
        _check_faults(api, faults)
        _check_clock(api, clock)
        try:
            key = api.resolve_access_key(access_key)
        except api.AccessKeyError as exc:
            raise CliError(f"--access-key: {exc}") from None
        # only what differs from the server's defaults (the same as these options')
        chosen: dict[str, Any] = {
            name: value
            for name, value, default in (
                ("speed", speed, 60.0),
                ("clock", clock, "scaled"),
                ("trigger", trigger, "push"),
                ("bake_minutes", bake_minutes, 5),
                ("timeout_minutes", timeout_minutes, 10),
                ("iam", iam, "enforce"),
                ("access_key", key, None),
                ("faults", faults, None),
                ("engine", engine, None),
            )
            if value != default
        }
        if region is not None:
            chosen["region"] = region
        if no_stack:
            chosen["with_stack"] = False

        def ready(served: Any) -> None:
            say(
                f"sandbox listening {served.banner()} (virtual clock "
                f"{'discrete, at most ' if clock == 'discrete' else ''}x{speed:g}, BuildTrigger "
                f"{trigger}, DeploymentEngine {engine or 'codedeploy'}, bake {bake_minutes}m, "
                f"IAM {iam}"
                f"{f', faults {faults}' if faults else ''}; Ctrl-C stops it)"
            )
            if key is not None:
                say(
                    f"access key {key} (requests signed with another are refused): "
                    f"export {SANDBOX_KEY_ENV}={key} for turnout, "
                    f"AWS_ACCESS_KEY_ID={key} for the aws CLI"
                )
            if served.sam_deploy:
                say(
                    f"deploy turnout: sam build, then with AWS_ENDPOINT_URL={served.url} "
                    f"AWS_ACCESS_KEY_ID={key or 'testing'} AWS_SECRET_ACCESS_KEY=testing "
                    "(never your own keys):"
                )
                say(served.sam_deploy, unwrapped=True)
                return
            say(
                f"try: turnout --endpoint-url {served.url} --region {served.region} status;  "
                f"aws --endpoint-url {served.url} --region {served.region} cloudformation "
                "describe-stacks"
            )

        try:
            api.serve(port, on_ready=ready, **chosen)
        except api.PortInUse as exc:
            raise CliError(f"--port {port} is in use ({exc}): pick another with --port") from None
        except api.ServerConfigError as exc:
            raise CliError(f"--{exc}") from None
        except KeyboardInterrupt:
            pass
        say("sandbox stopped")
        return 0

    run(Globals, action)


def _sandbox_endpoint(opts: Globals) -> Globals:
    """``sandbox send`` talks to the local sandbox unless told another endpoint."""
    from turnout_cli.session import SANDBOX_URL

    return opts if opts.endpoint_url else Globals.merge(opts, endpoint_url=SANDBOX_URL)


@verb(
    sandbox_app,
    "send",
    options=("endpoint_url", "output"),
    adjust=_sandbox_endpoint,
    short_help="Put an event file on the sandbox bus.",
    epilog="Example: turnout sandbox send events/ecr-push.json",
)
def sandbox_send(
    opts: Globals,
    event_file: Annotated[
        Path,
        typer.Argument(
            metavar="EVENT.json", help="An EventBridge event (source, detail-type, detail)."
        ),
    ],
) -> int:
    """Put an event on the sandbox's default event bus (PutEvents) and print its event id."""
    from turnout_cli.output import report
    from turnout_cli.sandbox_cmds import read_event, send
    from turnout_cli.session import Aws

    event = read_event(event_file)
    event_id = send(Aws(opts).client("events"), event)
    report(
        opts.json,
        {"eventId": event_id, "source": event.source, "detailType": event.detail_type},
        f"sent {event.detail_type} ({event.source}): event id {event_id}",
    )
    return 0


IAM_MODES = ("enforce", "warn", "off")


def _check_clock(api: Any, clock: str) -> None:
    if clock not in api.CLOCKS:
        raise CliError(f"--clock {clock!r} is not one of {', '.join(api.CLOCKS)}")


def _check_iam(iam: str) -> None:
    if iam not in IAM_MODES:
        raise CliError(f"--iam {iam!r} is not one of {', '.join(IAM_MODES)}")


def _check_faults(api: Any, faults: str | None) -> None:
    """A bad --faults spec is refused before the sandbox starts, in one line."""
    try:
        api.FaultSpec.parse(faults)
    except api.FaultSpecError as exc:
        raise CliError(f"--faults: {exc}") from None
