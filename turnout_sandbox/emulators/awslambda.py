"""Lambda functions keep their dead-letter queue, and SQS event sources run them, as AWS does.

moto 5.2.5 drops ``DeadLetterConfig`` everywhere (CreateFunction, UpdateFunctionConfiguration,
``AWS::Lambda::Function`` in CloudFormation) and GetFunctionConfiguration never answers it,
so a failed asynchronous invocation had nowhere to go. AWS: "DeadLetterConfig: A dead-letter
queue configuration that specifies the queue or topic where Lambda sends asynchronous events
when they fail processing" (Lambda API reference, CreateFunction / FunctionConfiguration;
CloudFormation User Guide, AWS::Lambda::Function ``DeadLetterConfig``). The sandbox's
asynchronous invocations (:func:`turnout_sandbox.lambdas.invoke_async`) send there what
Lambda would after its retries.

An SQS event source mapping: moto 5.2.5 receives the queue's messages on each send and hands
them to its Docker-based invoke. The sandbox runs the function in process instead, with the
event AWS sends ("Using Lambda with Amazon SQS", example event: ``Records`` of ``messageId``,
``receiptHandle``, ``body``, ``attributes``, ``messageAttributes`` with ``stringValue`` /
``dataType``, ``eventSource`` ``aws:sqs``, ``eventSourceARN``, ``awsRegion``); a batch the
function fails stays on the queue (moto makes it visible again), as AWS leaves it for the
visibility timeout. And CreateEventSourceMapping refuses a queue whose visibility timeout is
shorter than the function's timeout, as Lambda does (InvalidParameterValueException "Queue
visibility timeout: 30 seconds is less than Function timeout: 60 seconds").

Nothing is patched at import: :data:`PATCHES` are applied and undone by the sandbox's
registry. The setting lives on moto's own function object.
"""

from __future__ import annotations

from typing import Any, Final

from turnout_sandbox.patches import Internal, Patch, replaces

__all__ = ["INTERNALS", "PATCHES", "dead_letter_arn", "reset"]

_FUNCTION: Final = "moto.awslambda.models:LambdaFunction"


def _target(config: Any) -> str:
    return str(config.get("TargetArn") or "") if isinstance(config, dict) else ""


def dead_letter_arn(function: Any) -> str:
    """The function's dead-letter target ARN ("" when it has none)."""
    return str(getattr(function, "turnout_dead_letter_arn", "") or "")


@replaces(
    _FUNCTION,
    "__init__",
    name="lambda.dead-letter-config.create",
    why="CreateFunction keeps DeadLetterConfig (moto dropped it)",
)
def function_init(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kw: Any) -> None:
    function_init.original(self, account_id, spec, *args, **kw)
    self.turnout_dead_letter_arn = _target(spec.get("DeadLetterConfig"))


@replaces(
    _FUNCTION,
    "get_configuration",
    name="lambda.dead-letter-config.answer",
    why="GetFunctionConfiguration answers DeadLetterConfig {TargetArn} (moto never did)",
)
def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    config: dict[str, Any] = get_configuration.original(self, *args, **kwargs)
    target = dead_letter_arn(self)
    if target:
        config["DeadLetterConfig"] = {"TargetArn": target}
    return config


@replaces(
    _FUNCTION,
    "update_configuration",
    name="lambda.dead-letter-config.update",
    why="UpdateFunctionConfiguration sets or clears DeadLetterConfig (moto ignored it)",
)
def update_configuration(self: Any, updates: dict[str, Any]) -> dict[str, Any]:
    if "DeadLetterConfig" in updates:  # {"TargetArn": ""} removes it (Lambda API reference)
        self.turnout_dead_letter_arn = _target(updates["DeadLetterConfig"])
    result: dict[str, Any] = update_configuration.original(self, updates)
    return result


@replaces(
    _FUNCTION,
    "create_from_cloudformation_json",
    name="lambda.dead-letter-config.cloudformation",
    why="AWS::Lambda::Function DeadLetterConfig reaches the function (moto's CloudFormation "
    "passes only a few optional properties)",
    as_classmethod=True,
)
def create_from_cloudformation_json(
    cls: type, resource_name: str, cloudformation_json: dict[str, Any], *args: Any, **kw: Any
) -> Any:
    function = create_from_cloudformation_json.original.__func__(
        cls, resource_name, cloudformation_json, *args, **kw
    )
    properties = cloudformation_json.get("Properties") or {}
    function.turnout_dead_letter_arn = _target(properties.get("DeadLetterConfig"))
    return function


def _record(message: Any, queue_arn: str, received: Any) -> dict[str, Any]:
    """``message`` as the ESM's event holds it (``received``: moto's copy of this receive,
    with its receipt handle and receive count)."""
    region = queue_arn.split(":")[3]
    attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType", "String"),
        }
        for name, value in (getattr(message, "message_attributes", None) or {}).items()
    }
    sent = str(int(float(getattr(message, "sent_timestamp", 0) or 0)))
    return {
        "messageId": message.id,
        "receiptHandle": received.receipt_handle,
        "body": message.body,
        "attributes": {
            "ApproximateReceiveCount": str(getattr(received, "approximate_receive_count", 1)),
            "SentTimestamp": sent,
            "SenderId": str(getattr(message, "sender_id", "") or ""),
            "ApproximateFirstReceiveTimestamp": sent,
        },
        "messageAttributes": attributes,
        "md5OfBody": getattr(message, "body_md5", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


@replaces(
    "moto.awslambda.models:LambdaBackend",
    "send_sqs_batch",
    name="lambda.sqs-event-source.in-process",
    why="an SQS event source runs the function in process with AWS's event (moto: Docker, and "
    "one record per call without message attributes)",
)
def send_sqs_batch(self: Any, function_arn: str, messages: Any, queue_arn: str) -> bool:
    from turnout_sandbox.runtime import LambdaFunctionError, get_runtime, has_runtime

    invoker = get_runtime().invoke_lambda if has_runtime() else None
    if invoker is None:
        return bool(send_sqs_batch.original(self, function_arn, messages, queue_arn))
    batch = list(messages)
    if not batch:
        return True
    # moto received the batch without MessageAttributeNames, so its copies lost their
    # message attributes; Lambda's event carries them all: read them off the originals.
    from moto.sqs.models import sqs_backends

    _, _, _, region, account, name = queue_arn.split(":")
    queue = sqs_backends[account][region].get_queue(name)
    originals = {m.id: m for m in list(queue._messages)}
    records = [_record(originals.get(m.id, m), queue_arn, m) for m in batch]
    try:
        invoker(function_arn, {"Records": records})
    except LambdaFunctionError as exc:
        get_runtime().log("lambda", f"SQS batch of {len(batch)} from {queue_arn} failed: {exc}")
        return False
    return True


@replaces(
    "moto.awslambda.models:LambdaBackend",
    "create_event_source_mapping",
    name="lambda.sqs-event-source.visibility-timeout",
    why="CreateEventSourceMapping refuses an SQS queue whose visibility timeout is shorter "
    "than the function's timeout (moto accepted it)",
)
def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.sqs.models import sqs_backends

    source = str(spec.get("EventSourceArn") or "")
    if source.split(":")[2:3] == ["sqs"] and spec.get("FunctionName"):
        function = self.get_function(spec["FunctionName"])
        for queue in sqs_backends[self.account_id][self.region_name].queues.values():
            visibility = int(getattr(queue, "visibility_timeout", None) or 30)
            if queue.queue_arn == source and visibility < int(function.timeout):
                raise InvalidParameterValueException(
                    f"Queue visibility timeout: {visibility} seconds is less than Function "
                    f"timeout: {function.timeout} seconds"
                )
    return create_event_source_mapping.original(self, spec)


PATCHES: Final[tuple[Patch, ...]] = (
    send_sqs_batch,
    create_event_source_mapping,
    function_init,
    get_configuration,
    update_configuration,
    create_from_cloudformation_json,
)
INTERNALS: Final[tuple[Internal, ...]] = (
    Internal(
        "moto.sqs.models:Queue.messages",
        "the SQS event source reads a received message's attributes off the queue's stored "
        "messages (Queue._messages, which this property reads): moto's receive copies drop them",
    ),
)


def reset() -> None:
    """Nothing to clear: the setting lives on moto's function objects."""
