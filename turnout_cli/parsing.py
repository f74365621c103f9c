"""Pure parsing of the CLI's durations, times and short forms (no AWS, no clock reads)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from turnout.gate import format_duration
from turnout_cli.errors import CliError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_PART = re.compile(r"(\d+)([smhdw])")
_DURATION = re.compile(r"^(?:\d+[smhdw])+$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_BRANCH_BAD = re.compile(r"(^[-/.])|(\.\.)|([\s~^:?*\[\\])|(/$)|(\.lock$)|(@\{)")


def parse_duration(text: str, option: str = "--since") -> timedelta:
    """``90s``, ``30m``, ``2h``, ``1d``, ``1w`` or combinations like ``1h30m``."""
    value = text.strip().lower()
    if not _DURATION.match(value):
        raise CliError(
            f"{option} {text!r} is not a duration: use a number and a unit (s, m, h, d, w), "
            "like 30m, 2h, 1d or 1h30m"
        )
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _DURATION_PART.findall(value))
    if seconds <= 0:
        raise CliError(f"{option} {text!r} is zero: give a positive duration, like 30m")
    return timedelta(seconds=seconds)


def parse_age(text: str, option: str) -> timedelta:
    """A duration that may be zero (``0``, ``0s``, ``10m``)."""
    value = text.strip().lower()
    if re.fullmatch(r"0+[smhdw]?", value):
        return timedelta(0)
    return parse_duration(text, option)


def parse_time(text: str, option: str) -> datetime:
    """An ISO 8601 time (``2026-11-26T06:48:20Z``, ``2026-11-26 06:48``, ``2026-11-26``).

    A time without an offset is UTC (as the aws CLI reads timestamps); the result is aware.
    """
    raw = text.strip()
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise CliError(
            f"{option} {text!r} is not an ISO 8601 time: use e.g. 2026-11-26T06:48:20Z, "
            "2026-11-26T15:48+09:00 or 2026-11-26"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_digest(text: str) -> str:
    value = text.strip()
    if not _DIGEST.match(value):
        raise CliError(
            f"--digest {text!r} is not an image digest: expected sha256: and 64 lowercase hex "
            "digits"
        )
    return value


def parse_commit(text: str) -> str:
    value = text.strip().lower()
    if not _COMMIT.match(value):
        raise CliError(f"--commit {text!r} is not a commit id: expected the full 40-hex-digit id")
    return value


def parse_branch(text: str) -> str:
    value = text.strip().removeprefix("refs/heads/")
    if not value or _BRANCH_BAD.search(value):
        raise CliError(f"--branch {text!r} is not a valid branch name")
    return value


def window_of(
    now: datetime,
    since: str | None,
    start: str | None,
    end: str | None,
    digest: str | None,
) -> tuple[datetime, datetime] | str:
    """Check the redeploy selectors; return the (start, end) window, or the digest to find.

    Exactly one of --since, --from [--to] or --digest; --to needs --from.
    """
    chosen = [
        name
        for name, value in (("--since", since), ("--from", start), ("--digest", digest))
        if value
    ]
    if end and not start:
        raise CliError("--to needs --from: give the window as --from TIME --to TIME")
    if len(chosen) > 1:
        raise CliError(
            f"{' and '.join(chosen)} cannot be combined: choose --since, --from/--to or --digest"
        )
    if not chosen:
        raise CliError(
            "choose what to redeploy: --since DURATION, --from TIME [--to TIME] or --digest "
            "sha256:..."
        )
    if digest:
        return parse_digest(digest)
    if since:
        return now - parse_duration(since), now
    assert start is not None
    begin = parse_time(start, "--from")
    if begin >= now:
        raise CliError(f"--from {iso(begin)} is in the future: nothing has been archived yet")
    finish = parse_time(end, "--to") if end else now
    if finish <= begin:
        raise CliError(f"--to {iso(finish)} is not after --from {iso(begin)}")
    return begin, min(finish, now)


def iso(moment: datetime | float | None) -> str:
    """``2026-11-26T06:48:20Z`` (UTC, whole seconds); '' for None."""
    if moment is None or moment == "":
        return ""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(float(moment), tz=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def human_duration(seconds: float | None) -> str:
    """``45s``, ``4m 05s``, ``1h 05m``; '' for None."""
    if seconds is None:
        return ""
    return format_duration(round(seconds), compact=True)


def short_digest(digest: str | None) -> str:
    return (digest or "").removeprefix("sha256:")[:12]


def short_commit(commit: str | None) -> str:
    return (commit or "")[:12]
