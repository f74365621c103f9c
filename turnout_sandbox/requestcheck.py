"""Every request the sandbox serves is checked against its botocore service model first.

AWS validates a request's members (lengths, ranges, patterns, enums, required members)
before any service logic runs and refuses a violation with one error naming them all
(:mod:`turnout_sandbox.modelcheck` has the rules and the wording). moto checks few of them,
so this module puts the check in front of moto's dispatch: one patch of
``moto.core.responses:BaseResponse.call_action``, the method every moto service answers a
request through (in process, over HTTP and from the Step Functions interpreter alike; the
services that override it, DynamoDB for one, call it through ``super()``).

A request moto cannot parse is left to moto (it answers such requests itself), and so is an
operation its model does not know.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any, Final, cast

from turnout_sandbox.modelcheck import error_code_for, validate_request, violation_message
from turnout_sandbox.patches import AttributePatch

__all__ = ["FAULT_HOOK", "PATCHES", "error_answer", "request_params", "request_violations"]

log = logging.getLogger(__name__)

_ORIGINAL: dict[str, Any] = {}

# moto's serializer warns when an error code is not one of the service's modeled shapes: the
# errors answered here (validation, injected faults) are serialized by code on purpose.
warnings.filterwarnings(
    "ignore", message=r"Exception\(ModelValidationError\) with code", category=UserWarning
)


#: Where a response keeps the request as parsed here (its own attribute, not moto's).
_PARSED: Final = "_turnout_parsed_params"


def request_params(response: Any, operation_model: Any) -> dict[str, Any]:
    """The parameters of the request moto's ``response`` is answering: moto's own parse when
    it made one, else the request parsed by moto's parser for the service's protocol."""
    params = getattr(response, "params", None)
    if isinstance(params, dict) and params:
        return params
    cached = getattr(response, _PARSED, None)
    if cached is not None:  # parsed once per request: the model check, then IAM
        return cast("dict[str, Any]", cached)
    from moto.core.parse import PROTOCOL_PARSERS
    from moto.core.request import determine_request_protocol

    request = response.normalized_request
    protocol = determine_request_protocol(operation_model.service_model, request.content_type)
    parsed: dict[str, Any] = PROTOCOL_PARSERS[protocol](operation_model).parse(
        {
            "method": request.method,
            "values": request.values,
            "headers": request.headers,
            "body": request.data,
            "url_path": request.path,
            "url_params": response.uri_match,
        }
    )
    setattr(response, _PARSED, parsed)
    return parsed


def request_violations(response: Any) -> tuple[str, str] | None:
    """``(error code, message)`` when the request ``response`` is answering breaks its model,
    else None."""
    from moto.core.utils import get_service_model

    service_model = get_service_model(response.boto3_service_name)
    operation_model = service_model.operation_model(response._get_action())
    violations = validate_request(operation_model, request_params(response, operation_model))
    if not violations:
        return None
    return error_code_for(service_model), violation_message(violations)


def _validation_error(code: str, message: str) -> Exception:
    """moto's serializer looks an error's shape up in the model of the moto package that
    defines the exception's class: this one is defined here, outside moto, so the code is
    serialized as given (HTTP 400) whether or not the service models it."""
    from moto.core.exceptions import ServiceException

    class ModelValidationError(ServiceException):
        pass

    return ModelValidationError(code, message)


def error_answer(response: Any, code: str, message: str, status: int | None = None) -> Any:
    """``(status, headers, body)`` of the error ``code`` as the request's protocol serializes
    it (HTTP ``status``; None: the serializer's, 400 for a code outside moto's models)."""
    from moto.core.responses import ActionResult

    serialized, headers, body = response.serialized(ActionResult(_validation_error(code, message)))
    status = serialized if status is None else status
    headers["status"] = str(status)
    return status, headers, body


#: Asked first for every request (fault injection, :mod:`turnout_sandbox.faults`): returns
#: ``(code, message, status)`` to answer instead, or None. Set while a sandbox runs.
FAULT_HOOK: list[Callable[[Any], tuple[str, str, int] | None]] = []


def _checked_call_action(self: Any) -> Any:
    for hook in list(FAULT_HOOK):
        fault = hook(self)
        if fault is not None:
            return error_answer(self, *fault)
    try:
        found = request_violations(self)
    except Exception as exc:  # unparsable or unmodelled: moto answers it
        log.debug("request not validated (%s: %s)", type(exc).__name__, exc)
        found = None
    if found is not None:
        return error_answer(self, *found)
    return _ORIGINAL["call_action"](self)


def _remember_original() -> None:
    from moto.core.responses import BaseResponse

    current = BaseResponse.__dict__["call_action"]
    if current is not _checked_call_action:
        _ORIGINAL["call_action"] = current


class _CallActionPatch(AttributePatch):
    """The attribute patch, remembering moto's own method so the check can call it."""

    def apply(self) -> None:
        _remember_original()
        super().apply()


PATCHES: Final = (
    _CallActionPatch(
        name="requestcheck: BaseResponse.call_action validates against the service model",
        owner="moto.core.responses:BaseResponse",
        attribute="call_action",
        new=_checked_call_action,
        why=(
            "AWS refuses requests that break their model's constraints (ValidationException "
            "with every violation named); moto checks few of them"
        ),
    ),
)
