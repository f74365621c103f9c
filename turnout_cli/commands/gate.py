"""`turnout promote` and `turnout rollback`: end the running deployment's gate, or stop it."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

from typing import TYPE_CHECKING

from turnout_cli.app import app
from turnout_cli.commands.common import YesOpt, confirm, connect
from turnout_cli.options import verb
from turnout_cli.session import Globals

if TYPE_CHECKING:
    from turnout_cli.ops.gate import Target
    from turnout_cli.session import Aws
    from turnout_cli.stack import Stack


def _running(opts: Globals, verb_name: str) -> tuple[Aws, Stack, Target]:
    """The running deployment to act on (NothingRunning when there is none yet)."""
    from turnout_cli.ops import gate as ops

    aws, stk = connect(opts)
    return aws, stk, ops.running_target(aws, stk, verb_name)


@verb(
    app,
    short_help="End the gate now; terminate old tasks.",
    epilog="Example: turnout promote --yes",
)
def promote(opts: Globals, yes: YesOpt = False) -> int:
    """End the health gate now (as passed): the original task set is terminated."""
    from turnout_cli.ops import gate as ops
    from turnout_cli.output import report

    aws, stk, target = _running(opts, "promote")
    ops.check_promotable(target)
    old = "old revision" if target.engine == "ecs" else "original task set"
    confirm(f"Promote {target.describe()} now and terminate the {old}?", yes)
    who = ops.caller(aws)
    ops.promote(aws, stk, target, who)
    report(
        opts.json,
        {"promoted": target.deployment_id, "attemptId": target.attempt_id, "by": who},
        f"promoted deployment {target.deployment_id}: the {old} is being terminated",
    )
    return 0


@verb(
    app,
    short_help="Stop the deployment with rollback.",
    epilog="Example: turnout rollback --yes",
)
def rollback(opts: Globals, yes: YesOpt = False) -> int:
    """Stop the running deployment with rollback: traffic goes back to the original task set."""
    from turnout_cli.ops import gate as ops
    from turnout_cli.output import report

    aws, stk, target = _running(opts, "roll back")
    confirm(f"Roll back {target.describe()}?", yes)
    how = ops.rollback(aws, stk, target, ops.caller(aws))
    lines = {
        "gate": f"rollback requested: the gate of {target.deployment_id} failed; the "
        "deployment is being stopped",
        "hook": f"rollback requested: ECS rolls {target.deployment_id} back at its PAUSE hook "
        "(ContinueServiceDeployment ROLLBACK)",
    }
    report(
        opts.json,
        {"rolledBack": target.deployment_id, "attemptId": target.attempt_id, "via": how},
        lines.get(how, f"stopped deployment {target.deployment_id} with rollback"),
    )
    return 0
