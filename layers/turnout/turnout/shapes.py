"""Frozen dataclasses read from the JSON AWS sends, every problem named on one line.

A shape is a ``@dataclass(frozen=True, kw_only=True)`` subclass of :class:`Shape` (keyword-only:
required and defaulted fields mix in AWS's order) whose fields are declared
with :func:`key`: AWS's key for the field and how its value is read (:func:`text`,
:func:`mapping`, :func:`texts`, :func:`timestamp`, :func:`nested`, :func:`anything`).
:func:`read` checks every field and collects every problem, each as ``(where, what)``, so that
:func:`turnout.models.parse_event` can say all of them at once. Nothing here imports more than
the standard library: the event shapes were pydantic models, and pydantic with Powertools'
parser was about a fifth of a function's cold start (``bench/cold_init.py --explain``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Final

__all__ = [
    "Problem",
    "Shape",
    "ShapeError",
    "anything",
    "key",
    "mapping",
    "nested",
    "read",
    "show",
    "text",
    "texts",
    "timestamp",
]

#: ``(where, what)``: the path of keys (``detail.image-digest``; "" for the whole object) and
#: what is wrong there.
Problem = tuple[str, str]
#: Reads one value at a path; a problem raises :class:`ShapeError` (or appends to the list).
Reader = Callable[[Any, str, list[Problem]], Any]

_MISSING: Final = object()
_MAX_VALUE_CHARS: Final = 80


class ShapeError(ValueError):
    """One problem with one value (its message says what)."""


def show(value: Any) -> str:
    """``repr(value)``, cut to 80 characters."""
    shown = repr(value)
    return shown if len(shown) <= _MAX_VALUE_CHARS else shown[: _MAX_VALUE_CHARS - 3] + "..."


def _expected(what: str, value: Any) -> ShapeError:
    return ShapeError(f"input should be {what} (got {show(value)})")


class Shape:
    """The base of every shape: ``extra_keys`` says whether keys the shape does not declare
    are ignored (AWS adds fields over time: the default) or refused; ``check`` is the whole
    object's rule, run once every field has been read."""

    extra_keys: ClassVar[str] = "ignore"

    def check(self) -> None:
        """Raise :class:`ShapeError` when the fields together break a rule."""

    def to_aws(self, *, exclude_none: bool = True) -> dict[str, Any]:
        """The object with AWS's keys again (nested shapes too)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, Shape):
                value = value.to_aws(exclude_none=exclude_none)
            elif isinstance(value, datetime):
                value = value.isoformat().replace("+00:00", "Z")
            elif isinstance(value, tuple):
                value = list(value)
            if value is None and exclude_none:
                continue
            out[f.metadata["key"]] = value
        return out


def key(name: str, reader: Reader, *, default: Any = _MISSING) -> Any:
    """A field read from AWS's key ``name``; without ``default`` it is required."""
    metadata = {"key": name, "reader": reader}
    if default is _MISSING:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _at(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def read[S: Shape](
    shape: type[S], data: Mapping[str, Any], path: str, problems: list[Problem]
) -> S | None:
    """``shape`` from ``data``, or None with every problem appended to ``problems``."""
    values: dict[str, Any] = {}
    found = len(problems)
    declared = dataclasses.fields(shape)  # type: ignore[arg-type]
    for f in declared:
        name = f.metadata["key"]
        where = _at(path, name)
        raw = data.get(name, _MISSING)
        if raw is _MISSING or (raw is None and f.default is None):
            if f.default is dataclasses.MISSING:
                problems.append((where, "field required"))
            else:
                values[f.name] = f.default
            continue
        try:
            values[f.name] = f.metadata["reader"](raw, where, problems)
        except ShapeError as exc:
            problems.append((where, str(exc)))
    if shape.extra_keys == "forbid":
        allowed = [f.metadata["key"] for f in declared]
        for extra in (k for k in data if k not in allowed):
            problems.append(
                (_at(path, str(extra)), f"unexpected key (allowed keys: {', '.join(allowed)})")
            )
    if len(problems) > found:
        return None
    made = shape(**values)
    try:
        made.check()
    except ShapeError as exc:
        problems.append((path, str(exc)))
        return None
    return made


# --------------------------------------------------------------------------- readers
def text(
    *,
    pattern: str | None = None,
    min_length: int = 0,
    literal: str | None = None,
    check: Callable[[str], str] | None = None,
) -> Reader:
    """A string: equal to ``literal``, at least ``min_length`` long, matching ``pattern``;
    ``check`` may refuse it (ValueError) or give it back changed."""
    compiled = re.compile(pattern) if pattern else None

    def read_text(value: Any, where: str, problems: list[Problem]) -> str:
        if literal is not None and value != literal:
            raise _expected(repr(literal), value)
        if not isinstance(value, str):
            raise _expected("a valid string", value)
        if len(value) < min_length:
            plural = "" if min_length == 1 else "s"
            raise ShapeError(
                f"string should have at least {min_length} character{plural} (got {show(value)})"
            )
        if compiled is not None and not compiled.search(value):
            raise ShapeError(f"string should match pattern {pattern!r} (got {show(value)})")
        if check is not None:
            try:
                return check(value)
            except ValueError as exc:
                raise ShapeError(str(exc)) from None
        return value

    return read_text


def mapping() -> Reader:
    """A JSON object, as it is."""

    def read_mapping(value: Any, where: str, problems: list[Problem]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _expected("a valid dictionary", value)
        return value

    return read_mapping


def texts() -> Reader:
    """A list of strings (a tuple, so the shape stays frozen)."""

    def read_texts(value: Any, where: str, problems: list[Problem]) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise _expected("a valid list", value)
        bad = [(f"{where}.{i}", item) for i, item in enumerate(value) if not isinstance(item, str)]
        for at, item in bad:
            problems.append((at, f"input should be a valid string (got {show(item)})"))
        return tuple(value)

    return read_texts


def timestamp() -> Reader:
    """An ISO 8601 time (EventBridge's ``time``, ``2025-06-12T09:30:00Z``), or seconds since
    the epoch."""

    def read_timestamp(value: Any, where: str, problems: list[Problem]) -> datetime:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        raise _expected("a valid datetime", value)

    return read_timestamp


def nested(shape: type[Shape]) -> Reader:
    """An object read as ``shape`` (its problems under this key's path)."""

    def read_nested(value: Any, where: str, problems: list[Problem]) -> Shape | None:
        if not isinstance(value, dict):
            raise _expected("a valid dictionary", value)
        return read(shape, value, where, problems)

    return read_nested


def anything() -> Reader:
    """Any JSON value."""

    def read_anything(value: Any, where: str, problems: list[Problem]) -> Any:
        return value

    return read_anything
