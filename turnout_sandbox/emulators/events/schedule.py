"""EventBridge schedule expressions, parsed like AWS: ``rate(N unit)`` and six-field ``cron``.

Pure: no clock, no threads, no moto. A parsed schedule answers one question,
:meth:`Schedule.next_after`, the first firing time strictly after a moment (epoch seconds, UTC).
AWS's rules: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final, Protocol

from turnout_sandbox.emulators.events.errors import EventsEmulatorError

__all__ = [
    "CronSchedule",
    "RateSchedule",
    "Schedule",
    "ScheduleExpressionError",
    "parse_schedule",
]


class ScheduleExpressionError(EventsEmulatorError):
    """A schedule expression AWS rejects, or that the sandbox does not emulate."""

    def __init__(self, expression: str, reason: str) -> None:
        super().__init__(f"ScheduleExpression {expression!r} is not valid: {reason}")
        self.expression = expression
        self.reason = reason


class Schedule(Protocol):
    def next_after(self, moment: float) -> float | None:
        """The first firing time strictly after ``moment`` (epoch seconds), or None."""


@dataclass(frozen=True)
class RateSchedule:
    period: float

    def next_after(self, moment: float) -> float | None:
        return moment + self.period


_MONTHS: Final = {
    m: i + 1
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    )
}
_DAYS: Final = {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}


@dataclass(frozen=True)
class CronSchedule:
    """AWS's six-field cron (UTC): minutes hours day-of-month month day-of-week year."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None  # None: '?'
    last_day_of_month: bool
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # None: '?'; 1 = SUN .. 7 = SAT
    years: frozenset[int] | None  # None: '*'

    def _day_matches(self, day: date) -> bool:
        if day.month not in self.months or (self.years is not None and day.year not in self.years):
            return False
        if self.days_of_week is not None:
            return (day.weekday() + 1) % 7 + 1 in self.days_of_week
        if self.last_day_of_month and (day + timedelta(days=1)).month != day.month:
            return True
        return self.days_of_month is not None and day.day in self.days_of_month

    def next_after(self, moment: float) -> float | None:
        first = datetime.fromtimestamp(math.floor(moment / 60) * 60 + 60, UTC)
        day = first.date()
        for _ in range(366 * 10):
            if day.year > 2199:
                return None
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                        if at >= first:
                            return at.timestamp()
            day += timedelta(days=1)
        return None


def _cron_field(
    text: str,
    low: int,
    high: int,
    *,
    what: str,
    expression: str,
    names: Mapping[str, int] | None = None,
) -> frozenset[int]:
    def number(token: str) -> int:
        token_upper = token.upper()
        if names and token_upper in names:
            return names[token_upper]
        if not token.isdigit():
            raise ScheduleExpressionError(expression, f"{what} value {token!r} is not valid")
        return int(token)

    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        if step_text and not step_text.isdigit():
            raise ScheduleExpressionError(
                expression, f"{what} increment {step_text!r} is not valid"
            )
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = low, high
        elif "-" in base:
            left, _, right = base.partition("-")
            first, last = number(left), number(right)
        else:
            first = number(base)
            last = high if step_text else first
        if step < 1 or not low <= first <= last <= high:
            raise ScheduleExpressionError(
                expression, f"{what} field {part!r} is out of range {low}-{high}"
            )
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _parse_cron(expression: str, body: str) -> CronSchedule:
    fields = body.split()
    if len(fields) != 6:
        raise ScheduleExpressionError(expression, f"cron needs 6 fields, got {len(fields)}")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleExpressionError(
            expression, "exactly one of day-of-month and day-of-week must be '?'"
        )
    dom_upper = dom.upper()
    unsupported = (
        (
            "day-of-month",
            dom,
            "W" in dom_upper or "#" in dom or ("L" in dom_upper and dom_upper != "L"),
        ),
        ("day-of-week", dow, "#" in dow or "L" in dow.upper()),
    )
    for what, value, bad in unsupported:
        if bad:
            raise ScheduleExpressionError(
                expression, f"the sandbox does not emulate {what} {value!r} (W, # and nL forms)"
            )
    last_day = dom.upper() == "L"
    return CronSchedule(
        minutes=_cron_field(minute, 0, 59, what="minutes", expression=expression),
        hours=_cron_field(hour, 0, 23, what="hours", expression=expression),
        days_of_month=None
        if dom == "?" or last_day
        else _cron_field(dom, 1, 31, what="day-of-month", expression=expression),
        last_day_of_month=last_day,
        months=_cron_field(month, 1, 12, what="month", expression=expression, names=_MONTHS),
        days_of_week=None
        if dow == "?"
        else _cron_field(dow, 1, 7, what="day-of-week", expression=expression, names=_DAYS),
        years=None
        if year == "*"
        else _cron_field(year, 1970, 2199, what="year", expression=expression),
    )


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNIT_SECONDS: Final = {"minute": 60, "hour": 3600, "day": 86400}


def parse_schedule(expression: str) -> RateSchedule | CronSchedule:
    """Parse ``rate(N unit)`` / ``cron(6 fields)`` like AWS; :class:`ScheduleExpressionError`."""
    rate = _RATE.match(expression)
    if rate is not None:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            raise ScheduleExpressionError(expression, "the rate value must be a positive number")
        if (value == 1) != (not unit.endswith("s")):
            raise ScheduleExpressionError(
                expression, "use a singular unit for 1 and a plural unit for more than 1"
            )
        return RateSchedule(float(value * _UNIT_SECONDS[unit.removesuffix("s")]))
    cron = _CRON.match(expression)
    if cron is not None:
        return _parse_cron(expression, cron.group(1))
    raise ScheduleExpressionError(expression, "expected rate(N unit) or cron(6 fields)")
