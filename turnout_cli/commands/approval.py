"""`turnout approve`: let a deployment paused before production traffic go on (ecs engine)."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

from turnout_cli.app import app
from turnout_cli.commands.common import YesOpt, confirm, connect
from turnout_cli.options import verb
from turnout_cli.session import Globals


@verb(
    app,
    short_help="Let production traffic move (ecs approval).",
    epilog="Example: turnout approve --yes",
)
def approve(opts: Globals, yes: YesOpt = False) -> int:
    """DeploymentEngine=ecs with ApprovalBeforeProduction: approve the running deployment,
    paused with test traffic on the new revision; production traffic then moves to it (and
    the health gate runs). `turnout rollback` rejects it instead."""
    from turnout_cli.ops import approval as ops
    from turnout_cli.ops.gate import caller, running_target
    from turnout_cli.output import report

    aws, stk = connect(opts)
    ops.check_engine(stk)
    target = running_target(aws, stk, "approve")
    ops.check_approvable(target)
    confirm(f"Approve {target.describe()} and move production traffic to it?", yes)
    who = caller(aws)
    ops.approve(aws, stk, target, who)
    report(
        opts.json,
        {"approved": target.deployment_id, "attemptId": target.attempt_id, "by": who},
        f"approved deployment {target.deployment_id}: production traffic is moving to the "
        "new revision",
    )
    return 0
