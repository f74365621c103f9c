"""The EventBridge emulator's schedule parser, on its own: rate() and cron() like AWS, pure."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from turnout_sandbox.emulators.events import schedule
from turnout_sandbox.emulators.events.schedule import (
    CronSchedule,
    RateSchedule,
    ScheduleExpressionError,
    parse_schedule,
)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()


# ---------------------------------------------------------------------------------- rate()
@pytest.mark.parametrize(
    ("expression", "period"),
    [
        ("rate(1 minute)", 60.0),
        ("rate(5 minutes)", 300.0),
        ("rate(1 hour)", 3600.0),
        ("rate(12 hours)", 43200.0),
        ("rate(1 day)", 86400.0),
        ("rate(3 days)", 259200.0),
    ],
)
def test_given_rate_expression_when_parsed_then_period_in_seconds(
    expression: str, period: float
) -> None:
    parsed = parse_schedule(expression)

    assert parsed == RateSchedule(period)
    assert parsed.next_after(1000.5) == 1000.5 + period


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("rate(0 minutes)", "positive number"),
        ("rate(1 minutes)", "singular unit for 1"),
        ("rate(5 minute)", "plural unit for more than 1"),
        ("rate(2 weeks)", "expected rate(N unit) or cron(6 fields)"),
        ("rate(-1 minutes)", "expected rate(N unit) or cron(6 fields)"),
        ("every minute", "expected rate(N unit) or cron(6 fields)"),
    ],
)
def test_given_rate_aws_rejects_when_parsed_then_error_says_why(
    expression: str, reason: str
) -> None:
    with pytest.raises(ScheduleExpressionError) as raised:
        parse_schedule(expression)

    assert raised.value.expression == expression
    assert reason in raised.value.reason
    assert repr(expression) in str(raised.value)


# ---------------------------------------------------------------------------------- cron()
def test_given_cron_expressions_when_next_after_then_next_matching_utc_minute() -> None:
    start = at(2024, 5, 4, 7, 7)  # a Saturday

    quarter = parse_schedule("cron(0/15 * * * ? *)")
    weekdays = parse_schedule("cron(0 8 ? * MON-FRI *)")
    month_end = parse_schedule("cron(30 23 L * ? *)")

    assert quarter.next_after(start) == at(2024, 5, 4, 7, 15)
    assert weekdays.next_after(start) == at(2024, 5, 6, 8, 0)
    assert month_end.next_after(start) == at(2024, 5, 31, 23, 30)


def test_given_moment_on_a_matching_minute_when_next_after_then_strictly_later() -> None:
    hourly = parse_schedule("cron(0 * * * ? *)")

    assert hourly.next_after(at(2024, 5, 4, 7)) == at(2024, 5, 4, 8)
    assert hourly.next_after(at(2024, 5, 4, 7) + 59) == at(2024, 5, 4, 8)


def test_given_names_lists_and_ranges_when_parsed_then_fields_hold_their_values() -> None:
    parsed = parse_schedule("cron(5,10-12 0/6 ? jan,JUL SUN,SAT 2025-2026)")

    assert parsed == CronSchedule(
        minutes=frozenset({5, 10, 11, 12}),
        hours=frozenset({0, 6, 12, 18}),
        days_of_month=None,
        last_day_of_month=False,
        months=frozenset({1, 7}),
        days_of_week=frozenset({1, 7}),
        years=frozenset({2025, 2026}),
    )


def test_given_day_of_month_and_year_when_next_after_then_first_match_in_that_year() -> None:
    new_year = parse_schedule("cron(0 0 1 1 ? 2026)")

    assert new_year.next_after(at(2024, 5, 4)) == at(2026, 1, 1)


def test_given_only_past_years_when_next_after_then_none() -> None:
    assert parse_schedule("cron(0 0 1 1 ? 2020)").next_after(at(2024, 5, 4)) is None


def test_given_leap_day_when_next_after_then_next_leap_year() -> None:
    leap_day = parse_schedule("cron(0 12 29 FEB ? *)")

    assert leap_day.next_after(at(2024, 3, 1)) == at(2028, 2, 29, 12)


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("cron(0 8 * * *)", "cron needs 6 fields, got 5"),
        ("cron(0 8 * * * *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 8 ? * ? *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(60 8 * * ? *)", "minutes field '60' is out of range 0-59"),
        ("cron(0 24 * * ? *)", "hours field '24' is out of range 0-23"),
        ("cron(0 8 0 * ? *)", "day-of-month field '0' is out of range 1-31"),
        ("cron(0 8 ? 13 * *)", "month field '13' is out of range 1-12"),
        ("cron(0 8 ? * 8 *)", "day-of-week field '8' is out of range 1-7"),
        ("cron(0 8 * * ? 1969)", "year field '1969' is out of range 1970-2199"),
        ("cron(0 10-8 * * ? *)", "hours field '10-8' is out of range 0-23"),
        ("cron(0/x 8 * * ? *)", "minutes increment 'x' is not valid"),
        ("cron(0/0 8 * * ? *)", "minutes field '0/0' is out of range 0-59"),
        ("cron(0 8 ? FOO * *)", "month value 'FOO' is not valid"),
        ("cron(0 8 15W * ? *)", "does not emulate day-of-month '15W'"),
        ("cron(0 8 3L * ? *)", "does not emulate day-of-month '3L'"),
        ("cron(0 8 ? * 2#1 *)", "does not emulate day-of-week '2#1'"),
        ("cron(0 8 ? * 6L *)", "does not emulate day-of-week '6L'"),
    ],
)
def test_given_cron_aws_rejects_or_sandbox_lacks_when_parsed_then_error_names_field(
    expression: str, reason: str
) -> None:
    with pytest.raises(ScheduleExpressionError) as raised:
        parse_schedule(expression)

    assert reason in raised.value.reason


def test_given_unsupported_cron_form_when_parsed_then_error_names_field() -> None:
    with pytest.raises(ScheduleExpressionError, match="day-of-week '2#1'"):
        parse_schedule("cron(0 8 ? * 2#1 *)")


# ------------------------------------------------------------------------------------ pure
def test_given_schedule_module_when_its_imports_read_then_no_clock_thread_or_moto() -> None:
    tree = ast.parse(Path(schedule.__file__).read_text(encoding="utf-8"))
    imported = {
        name
        for node in ast.walk(tree)
        for name in (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
    }

    assert imported <= {
        "__future__",
        "collections.abc",
        "dataclasses",
        "datetime",
        "math",
        "re",
        "typing",
        "turnout_sandbox.emulators.events.errors",
    }
