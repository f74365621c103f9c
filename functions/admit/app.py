"""Deploy state machine: admission (run, queue behind the running deployment, or skip)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from turnout.deps import Deps
from turnout.logic.admit import admit_push
from turnout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(
    event: dict[str, Any], context: LambdaContext, deps: Deps | None = None
) -> dict[str, Any]:
    return admit_push(event, deps or Deps.from_env())
