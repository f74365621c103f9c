"""Deploy state machine: files at the commit -> registered task definition + AppSpec."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from turnout.deps import Deps
from turnout.logic.render import render_and_register
from turnout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(
    event: dict[str, Any], context: LambdaContext, deps: Deps | None = None
) -> dict[str, Any]:
    return render_and_register(event, deps or Deps.from_env())
