"""CodeDeploy AfterAllowTraffic hook: production traffic is on the new task set; start the gate."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from turnout.deps import Deps
from turnout.logic.waits import start_gate
from turnout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(
    event: dict[str, Any], context: LambdaContext, deps: Deps | None = None
) -> dict[str, Any]:
    return start_gate(event, deps or Deps.from_env())
