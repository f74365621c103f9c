"""Both state machines, last step: ledger, SNS, EventBridge; release the service, start the next push."""  # noqa: E501

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from turnout.deps import Deps
from turnout.logic.finish import finish
from turnout.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(
    event: dict[str, Any], context: LambdaContext, deps: Deps | None = None
) -> dict[str, Any]:
    result = finish(event, deps or Deps.from_env())
    metrics.add_metric(
        name=f"{event.get('kind')}_{result['result']}", unit=MetricUnit.Count, value=1
    )
    return result
