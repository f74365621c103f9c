"""AsyncFailureQueue -> each event AWS gave up delivering recorded in the ledger and told."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from turnout.deps import Deps
from turnout.logic.undelivered import record_undelivered
from turnout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(
    event: dict[str, Any], context: LambdaContext, deps: Deps | None = None
) -> dict[str, Any]:
    return record_undelivered(event, deps or Deps.from_env())
