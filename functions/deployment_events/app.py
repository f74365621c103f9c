"""CodeDeploy state changes (SUCCESS/FAILURE/STOP) -> resume the waiting deploy execution."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from turnout.deps import Deps
from turnout.logic.waits import on_deployment_event
from turnout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(
    event: dict[str, Any], context: LambdaContext, deps: Deps | None = None
) -> dict[str, Any]:
    return on_deployment_event(event, deps or Deps.from_env())
