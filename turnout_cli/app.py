"""The ``turnout`` typer application and its ``sandbox`` group (the verbs register on them)."""

from __future__ import annotations

import typer

from turnout_cli.options import root_options

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
app.callback()(root_options)

sandbox_app = typer.Typer(
    help="The offline AWS sandbox (moto + turnout's emulators) on 127.0.0.1.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: rich.markdown would double the start-up time
)
app.add_typer(sandbox_app, name="sandbox")
