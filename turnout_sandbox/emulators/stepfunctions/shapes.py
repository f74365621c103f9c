"""Shapes: PascalCase parameters onto botocore members, results back the way Step Functions
shows them, and moto's optimized-integration normalisers that did neither.

* Parameters are PascalCase ("Parameters in Step Functions are expressed in PascalCase, even
  if the native service API is in camelCase",
  https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html). They
  are mapped onto the botocore member names shape by shape (structures, lists and map values
  recursively; map keys are data and kept). A parameter that matches no member fails the
  task naming the field, the operation and the accepted names. ``EqualsValue`` stands for an
  API field ``Equals``.
* aws-sdk results come back with every member name PascalCased, timestamps as ISO-8601 UTC
  strings with milliseconds (``"2013-08-23T01:02:15.422Z"``, as seen in
  https://github.com/sam-goodwin/functionless/issues/489), blobs and streams as UTF-8
  strings; ``ResponseMetadata`` is dropped.
* **Optimized integrations** (``states:startExecution``, ``dynamodb:*``, ``sns:publish``,
  ``events:putEvents``, ``lambda:invoke``...): moto 5.2.5 ships LocalStack's parameter/result
  normalisers as no-ops, so ``states:startExecution`` with ``StateMachineArn`` crashed. They
  map PascalCase parameters by shape again and capitalise result members
  (``{"ExecutionArn", "StartDate": <epoch ms>}``). ``.sync`` of those still polls every 0.5
  real seconds (not patched; the product only uses CodeBuild's ``.sync``).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from turnout_sandbox.emulators.stepfunctions.models import AwsSdkIntegrationError
from turnout_sandbox.emulators.stepfunctions.sdk_names import _service_operation, sdk_member_name
from turnout_sandbox.patches import AttributePatch, replaces

__all__ = ["PATCHES"]

_SERVICE: Final = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service"
    ":StateTaskService"
)


def _operation_model(client: Any, api_action: str) -> Any:
    service_model = client.meta.service_model
    for operation in service_model.operation_names:
        if operation.lower() == api_action.lower():
            return service_model.operation_model(operation)
    raise AwsSdkIntegrationError(
        f"{service_model.service_name}:{api_action}: no such API action in the "
        f"{service_model.service_id} API"
    )


def _member_for(key: str, members: Mapping[str, Any]) -> str | None:
    if key in members:
        return key
    wanted = key.lower()
    for member in members:
        if sdk_member_name(member) == key or member.lower() == wanted:
            return member
    if key == "EqualsValue":
        return _member_for("Equals", members)
    return None


def _to_boto(value: Any, shape: Any, where: str) -> Any:
    type_name = getattr(shape, "type_name", None)
    if type_name == "structure" and isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            member = _member_for(str(key), shape.members)
            if member is None:
                accepted = ", ".join(sorted(sdk_member_name(m) for m in shape.members))
                raise AwsSdkIntegrationError(
                    f"{where}: the field '{key}' is not supported (accepted: {accepted})"
                )
            result[member] = _to_boto(item, shape.members[member], f"{where}.{key}")
        return result
    if type_name == "list" and isinstance(value, list):
        return [_to_boto(item, shape.member, f"{where}[{i}]") for i, item in enumerate(value)]
    if type_name == "map" and isinstance(value, Mapping):
        return {k: _to_boto(v, shape.value, f"{where}.{k}") for k, v in value.items()}
    if type_name == "string" and not isinstance(value, str):
        return json.dumps(value, separators=(",", ":"))
    if type_name == "blob" and not isinstance(value, bytes | bytearray):
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        return text.encode("utf-8")
    return value


def _json_safe(value: Any, timestamps: Callable[[datetime.datetime], Any]) -> Any:
    if hasattr(value, "read") and callable(value.read):
        value = value.read()
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, datetime.datetime):
        return timestamps(value)
    if isinstance(value, Mapping):
        return {k: _json_safe(v, timestamps) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item, timestamps) for item in value]
    return value


def _upper_first(member: str) -> str:
    return member[:1].upper() + member[1:]


def _from_boto(
    value: Any,
    shape: Any,
    timestamps: Callable[[datetime.datetime], Any],
    rename: Callable[[str], str] = sdk_member_name,
) -> Any:
    """A botocore response value as Step Functions shows it (member names renamed)."""
    type_name = getattr(shape, "type_name", None)
    if type_name == "structure" and isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key == "ResponseMetadata":
                continue
            member = _member_for(str(key), shape.members)
            if member is None:  # not in the model (moto extra): keep as it is
                result[str(key)] = _json_safe(item, timestamps)
            else:
                result[rename(member)] = _from_boto(item, shape.members[member], timestamps, rename)
        return result
    if type_name == "list" and isinstance(value, list | tuple):
        return [_from_boto(item, shape.member, timestamps, rename) for item in value]
    if type_name == "map" and isinstance(value, Mapping):
        return {k: _from_boto(v, shape.value, timestamps, rename) for k, v in value.items()}
    return _json_safe(value, timestamps)


def _epoch_millis(value: datetime.datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return round(value.timestamp() * 1000)


def _call(
    client: Any,
    api_action: str,
    parameters: Mapping[str, Any],
    *,
    where: str,
    timestamps: Callable[[datetime.datetime], Any],
    rename: Callable[[str], str],
) -> Any:
    operation = _operation_model(client, api_action)
    boto_params = _to_boto(dict(parameters), operation.input_shape, where)
    from botocore import xform_name

    response = getattr(client, xform_name(operation.name))(**boto_params) or {}
    return _from_boto(response, operation.output_shape, timestamps, rename)


@replaces(
    _SERVICE,
    "_normalise_parameters",
    name="stepfunctions.optimized_parameters",
    why="optimized integrations take PascalCase parameters (StateMachineArn for "
    "states:startExecution): map them onto the botocore members by shape",
)
def _normalise_parameters(
    self: Any,
    parameters: dict[str, Any],
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    service = self._get_boto_service_name(boto_service_name=boto_service_name)
    operation = _service_operation(service, service_action_name or self.resource.api_action)
    if operation is None or operation.input_shape is None:
        return
    converted = _to_boto(parameters, operation.input_shape, self.resource.resource_arn)
    parameters.clear()
    parameters.update(converted)


@replaces(
    _SERVICE,
    "_normalise_response",
    name="stepfunctions.optimized_results",
    why="optimized integrations show results with the first letter capitalised "
    "(ExecutionArn, StartDate as epoch milliseconds)",
)
def _normalise_response(
    self: Any,
    response: Any,
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    if not isinstance(response, dict):
        return
    service = self._get_boto_service_name(boto_service_name=boto_service_name)
    operation = _service_operation(service, service_action_name or self.resource.api_action)
    if operation is None or operation.output_shape is None:
        return
    converted = _from_boto(response, operation.output_shape, _epoch_millis, _upper_first)
    response.clear()
    response.update(converted)


#: moto 5.2.5 ships LocalStack's base normalisers as no-ops: restore what they do.
PATCHES: Final[tuple[AttributePatch, ...]] = (
    _normalise_parameters,
    _normalise_response,
)
