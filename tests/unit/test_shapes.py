"""turnout.shapes: how one value is read, and every problem of an object said at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from turnout.shapes import Problem, Shape, key, mapping, nested, read, text, texts, timestamp


@dataclass(frozen=True, kw_only=True)
class Inner(Shape):
    name: str = key("name", text(min_length=1))


@dataclass(frozen=True, kw_only=True)
class Outer(Shape):
    at: datetime = key("at", timestamp())
    tags: tuple[str, ...] = key("tags", texts())
    inner: Inner = key("inner", nested(Inner))
    note: str | None = key("note", text(pattern=r"^n-"), default=None)
    extra: dict[str, Any] | None = key("extra", mapping(), default=None)


def problems_of(data: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    assert read(Outer, data, "", problems) is None
    return problems


def test_given_a_good_object_when_read_then_values_are_typed_and_aws_keys_come_back() -> None:
    data = {"at": "2025-06-12T09:30:00Z", "tags": ["a"], "inner": {"name": "x"}, "note": None}
    problems: list[Problem] = []

    got = read(Outer, data, "", problems)

    assert problems == []
    assert got == Outer(
        at=datetime(2025, 6, 12, 9, 30, tzinfo=UTC), tags=("a",), inner=Inner(name="x")
    )
    assert got is not None
    assert got.to_aws() == {
        "at": "2025-06-12T09:30:00Z",
        "tags": ["a"],
        "inner": {"name": "x"},
    }


def test_given_seconds_since_the_epoch_when_read_as_a_time_then_utc() -> None:
    problems: list[Problem] = []

    got = read(Outer, {"at": 0, "tags": [], "inner": {"name": "x"}}, "", problems)

    assert got is not None
    assert got.at == datetime(1970, 1, 1, tzinfo=UTC)


def test_given_many_problems_when_read_then_each_is_named_with_its_path_in_field_order() -> None:
    data = {"at": True, "tags": ["ok", 3], "inner": {"name": ""}, "note": "x", "extra": []}

    assert problems_of(data) == [
        ("at", "input should be a valid datetime (got True)"),
        ("tags.1", "input should be a valid string (got 3)"),
        ("inner.name", "string should have at least 1 character (got '')"),
        ("note", "string should match pattern '^n-' (got 'x')"),
        ("extra", "input should be a valid dictionary (got [])"),
    ]


def test_given_a_nested_value_that_is_not_an_object_when_read_then_named() -> None:
    assert problems_of({"at": "2025-06-12T09:30:00Z", "tags": [], "inner": "x"}) == [
        ("inner", "input should be a valid dictionary (got 'x')")
    ]


@pytest.mark.parametrize("missing", ["at", "tags", "inner"])
def test_given_a_required_key_missing_when_read_then_field_required(missing: str) -> None:
    data: dict[str, Any] = {"at": "2025-06-12T09:30:00Z", "tags": [], "inner": {"name": "x"}}
    del data[missing]

    assert problems_of(data) == [(missing, "field required")]
