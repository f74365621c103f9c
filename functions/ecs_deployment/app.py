"""DeploymentEngine=ecs: start the ECS blue/green deployment, arm its waits, answer the gate's
PAUSE hook; ECS Hook / Deployment State Change events resume the waiting deploy execution."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from turnout.deps import Deps
from turnout.logic.ecs_deploy import handle
from turnout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(
    event: dict[str, Any], context: LambdaContext, deps: Deps | None = None
) -> dict[str, Any]:
    return handle(event, deps or Deps.from_env())
