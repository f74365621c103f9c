"""Scheduled every check interval: evaluate the running health gates, reconcile the waits
and builds whose events were lost."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from turnout.deps import Deps
from turnout.errors import TransientError
from turnout.logic.gate_tick import tick
from turnout.logic.reconcile_builds import reconcile_builds
from turnout.logic.waits import reconcile
from turnout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(
    event: dict[str, Any], context: LambdaContext, deps: Deps | None = None
) -> dict[str, Any]:
    from turnout.models import ScheduledEvent, parse_event

    parse_event(ScheduledEvent, event, "Scheduled Event")
    deps = deps or Deps.from_env()
    reconciled: dict[str, Any] = dict(
        reconcile(deps)
    )  # CodeDeploy's events are best effort (aws-fidelity row 30)
    # DeploymentEngine=ecs: waits whose event the EcsDeployment function lost (it was down
    # past Lambda's retries: turnout.ecs_reconcile); before the gates are evaluated, so a
    # deployment ECS rolled back is recorded as ECS's rollback, not as a gate timeout.
    if deps.config.engine == "ecs":
        from turnout.logic.ecs_deploy import reconcile as reconcile_ecs  # lazy: ecs only

        reconciled |= reconcile_ecs(deps)
    result = tick(deps) | ({"reconciled": reconciled} if reconciled else {})
    try:
        deployed = reconcile_builds(deps)  # so are ECR's (turnout.reconcile)
    except TransientError as exc:  # the next tick reconciles again; the gates are answered
        logger.warning("build reconciliation deferred", extra={"error": str(exc)})
        deployed = None
    return result | ({"reconciledBuild": deployed} if deployed else {})
