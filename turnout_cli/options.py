"""The global options, declared once, and the way every verb runs.

``turnout --stack X status`` and ``turnout status --stack X`` both work: the root callback
takes the options before the verb, and :func:`verb` adds the same options to each verb it
registers, so they can also follow it (the later one wins, then the environment). The verb
function receives the merged :class:`Globals` as ``opts`` and returns its exit code;
CliError and AWS errors become one line on stderr and the right exit code.
"""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer

from turnout_cli.errors import CliError, OperationFailed
from turnout_cli.session import Globals, OutputFormat

__all__ = [
    "GLOBAL",
    "GLOBAL_OPTIONS",
    "EndpointCredentialsOpt",
    "EndpointOpt",
    "OutputOpt",
    "ProfileOpt",
    "RegionOpt",
    "StackOpt",
    "root_options",
    "run",
    "verb",
]

GLOBAL = "Global options"

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
EndpointCredentialsOpt = Annotated[
    bool | None,
    typer.Option(
        "--endpoint-credentials",
        help="Sign requests to --endpoint-url with your own AWS credentials (default: dummy "
        "keys; never over plain http off this machine).",
        rich_help_panel=GLOBAL,
        show_default=False,
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

#: The global options: the parameter name (a :class:`Globals` field) and its declaration.
GLOBAL_OPTIONS: dict[str, Any] = {
    "stack": StackOpt,
    "profile": ProfileOpt,
    "region": RegionOpt,
    "endpoint_url": EndpointOpt,
    "output": OutputOpt,
    "endpoint_credentials": EndpointCredentialsOpt,
}


def root_options(
    ctx: typer.Context,
    *,
    stack: StackOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    endpoint_url: EndpointOpt = None,
    output: OutputOpt = None,
    endpoint_credentials: EndpointCredentialsOpt = None,
) -> None:
    """turnout: git push -> build -> digest-pinned blue/green deployment -> health gate."""
    ctx.obj = {
        "stack": stack,
        "profile": profile,
        "region": region,
        "endpoint_url": endpoint_url,
        "output": output,
        "endpoint_credentials": endpoint_credentials,
    }


def _merged(ctx: typer.Context, given: dict[str, Any]) -> Globals:
    """The options before the verb (the root's), then those after it (``given``)."""
    outer = ctx.find_root().obj or {}
    return Globals.merge(Globals.merge(None, **outer), **given)


def verb(
    app: typer.Typer,
    name: str | None = None,
    *,
    options: Sequence[str] = tuple(GLOBAL_OPTIONS),
    adjust: Callable[[Globals], Globals] | None = None,
    **command: Any,
) -> Callable[[Callable[..., int]], Callable[..., None]]:
    """Register ``fn(opts, **its own options) -> exit code`` as a verb of ``app``.

    The verb also accepts the global ``options`` named (all of them unless told) after its
    name; ``adjust`` changes the merged options before use (a default endpoint)."""
    unknown = set(options) - set(GLOBAL_OPTIONS)
    if unknown:
        raise ValueError(f"not global options: {sorted(unknown)}")

    def register(fn: Callable[..., int]) -> Callable[..., None]:
        own = list(inspect.signature(fn, eval_str=True).parameters.values())
        if not own or own[0].name != "opts":
            raise TypeError(f"{fn.__name__}: a verb takes opts (the merged Globals) first")
        extra = [
            inspect.Parameter(
                option,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=GLOBAL_OPTIONS[option],
            )
            for option in options
        ]

        @functools.wraps(fn)
        def command_fn(ctx: typer.Context, **kwargs: Any) -> None:
            given = {option: kwargs.pop(option) for option in options}

            def merged() -> Globals:
                opts = _merged(ctx, given)
                return adjust(opts) if adjust else opts

            run(merged, lambda opts: fn(opts, **kwargs))

        context = inspect.Parameter(
            "ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context
        )
        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own[1:]]
        params = [context, *params, *extra]
        command_fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command_fn.__annotations__ = {}
        app.command(name, **command)(command_fn)
        return command_fn

    return register


def run(options: Callable[[], Globals], action: Callable[[Globals], int | None]) -> None:
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
