"""Validate a request against its botocore service model, as the AWS service itself does.

moto checks few of the constraints that AWS services enforce on every request before any
business logic runs, so a call that AWS refuses succeeds offline. The constraints are in the
botocore service models (``min``/``max`` lengths and values, ``pattern``, ``enum``, required
members, list and map sizes), and AWS answers a violation with one error that lists them all,
in the wording of AWS's request validation layer (seen in answers of Lambda, Step Functions,
ECS, DynamoDB, IAM, ...)::

    2 validation errors detected: Value 'x...x' at 'name' failed to satisfy constraint:
    Member must have length less than or equal to 80; Value null at 'roleArn' failed to
    satisfy constraint: Member must not be null

Member paths start lower-case (``FunctionName`` is reported as ``functionName``) and list
elements are counted from 1 as ``<list>.<n>.member`` (for example
``containerDefinitions.1.member.name`` in ECS's answers).

The error code is the service's own: ``ValidationError`` for the query and EC2 protocols
(IAM, CloudFormation, SNS, ...), ``ValidationException`` otherwise (the code AWS's JSON
services answer with, modelled or not).

botocore's client validates required members, types and minimums before it sends, so
through a real client this mostly adds what botocore does not check: maximums, patterns and
enums. Requests that moto's own interpreter or a raw HTTP client sends are checked in full.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel, Shape

__all__ = ["ModelViolation", "error_code_for", "validate_request", "violation_message"]

#: AWS lists every violation, but a hostile request could hold thousands: the first ones are
#: enough to name the fault.
MAX_REPORTED: Final = 10


@dataclass(frozen=True)
class ModelViolation:
    """One constraint a request member breaks."""

    path: str
    value: Any
    constraint: str

    def describe(self) -> str:
        return (
            f"Value {_render(self.value)} at '{self.path}' failed to satisfy constraint: "
            f"{self.constraint}"
        )


def violation_message(violations: list[ModelViolation]) -> str:
    """The whole message, as AWS's validation layer words it."""
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    shown = "; ".join(v.describe() for v in violations[:MAX_REPORTED])
    return f"{count} validation {noun} detected: {shown}"


def error_code_for(service_model: ServiceModel) -> str:
    protocol = str(service_model.metadata.get("protocol", ""))
    return "ValidationError" if protocol in {"query", "ec2"} else "ValidationException"


def validate_request(
    operation_model: OperationModel, params: Mapping[str, Any]
) -> list[ModelViolation]:
    """Every violation of the operation's input shape by ``params`` (boto-style member names:
    the model's own), in member order."""
    shape = operation_model.input_shape
    if shape is None:
        return []
    found: list[ModelViolation] = []
    _check_structure(shape, params, "", found)
    return found


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _render(value: Any) -> str:
    """A value as AWS quotes it in the message: strings in quotes, null, numbers bare."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={_render(v)}" for k, v in value.items()) + "}"
    return f"'{value}'"


@functools.lru_cache(maxsize=2048)
def _compiled(pattern: str) -> Any:
    """The model's (Java) pattern, compiled with the ``regex`` module, which reads Java's
    Unicode classes (``\\p{L}``, ``\\p{Print}``, ...) that ``re`` cannot; None when neither can
    express it (a surrogate range, say): such a pattern is not checked rather than checked
    wrongly."""
    import regex

    try:
        return regex.compile(pattern, regex.DOTALL)
    except (regex.error, re.error):
        return None


def _check_structure(shape: Shape, value: Any, path: str, found: list[ModelViolation]) -> None:
    if not isinstance(value, Mapping):
        return  # a type error: botocore's client refuses it; moto's parser never builds one
    members = shape.members  # type: ignore[attr-defined]
    required = set(shape.metadata.get("required", []))
    for name, member in members.items():
        member_path = _join(path, _lower_first(name))
        if name not in value or value[name] is None:
            if name in required:
                found.append(ModelViolation(member_path, None, "Member must not be null"))
            continue
        _check(member, value[name], member_path, found)


def _check(shape: Shape, value: Any, path: str, found: list[ModelViolation]) -> None:
    kind = shape.type_name
    if kind == "structure":
        _check_structure(shape, value, path, found)
    elif kind == "list" and isinstance(value, list):
        _check_list(shape, value, path, found)
    elif kind == "map" and isinstance(value, Mapping):
        _check_map(shape, value, path, found)
    elif kind == "string" and isinstance(value, str):
        _check_string(shape, value, path, found)
    elif kind in _NUMBERS and isinstance(value, (int, float)) and not isinstance(value, bool):
        _check_range(shape, value, path, found)


_NUMBERS: Final = frozenset({"integer", "long", "float", "double"})


def _check_list(shape: Shape, value: list[Any], path: str, found: list[ModelViolation]) -> None:
    _check_size(shape, value, len(value), path, found)
    element = shape.member  # type: ignore[attr-defined]
    for index, item in enumerate(value, start=1):
        if item is not None:
            _check(element, item, f"{path}.{index}.member", found)


def _check_map(
    shape: Shape, value: Mapping[Any, Any], path: str, found: list[ModelViolation]
) -> None:
    _check_size(shape, value, len(value), path, found)
    for key, item in value.items():
        _check(shape.key, key, f"{path}.{key}.key", found)  # type: ignore[attr-defined]
        if item is not None:
            _check(shape.value, item, f"{path}.{key}.value", found)  # type: ignore[attr-defined]


def _check_bounds(
    shape: Shape, value: Any, measure: float, path: str, found: list[ModelViolation], *, what: str
) -> None:
    """The model's min/max, on a length (strings, lists, maps) or a value (numbers)."""
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and measure < low:
        found.append(
            ModelViolation(path, value, f"Member must have {what} greater than or equal to {low}")
        )
    if high is not None and measure > high:
        found.append(
            ModelViolation(path, value, f"Member must have {what} less than or equal to {high}")
        )


def _check_size(
    shape: Shape, value: Any, size: int, path: str, found: list[ModelViolation]
) -> None:
    _check_bounds(shape, value, size, path, found, what="length")


def _check_string(shape: Shape, value: str, path: str, found: list[ModelViolation]) -> None:
    _check_size(shape, value, len(value), path, found)
    enum = shape.enum  # type: ignore[attr-defined]
    if enum and value not in enum:
        found.append(
            ModelViolation(path, value, f"Member must satisfy enum value set: [{', '.join(enum)}]")
        )
    pattern = shape.metadata.get("pattern")
    if pattern:
        compiled = _compiled(pattern)
        if compiled is not None and compiled.fullmatch(value) is None:
            found.append(
                ModelViolation(
                    path, value, f"Member must satisfy regular expression pattern: {pattern}"
                )
            )


def _check_range(shape: Shape, value: float, path: str, found: list[ModelViolation]) -> None:
    _check_bounds(shape, value, value, path, found, what="value")
