"""Deploy state machine, first step: the ECR push -> digest-pinned image and its commit."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from turnout.adapters.aws import account_of
from turnout.deps import Deps
from turnout.logic.resolve_image import resolve_image
from turnout.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(
    event: dict[str, Any], context: LambdaContext, deps: Deps | None = None
) -> dict[str, Any]:
    # The function's own account is its ARN's: the event must come from it (security row 13).
    own = account_of(str(getattr(context, "invoked_function_arn", "") or ""))
    return resolve_image(event, deps or Deps.from_env(), account=own)
