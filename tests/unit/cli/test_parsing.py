from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from turnout_cli.errors import CliError
from turnout_cli.parsing import (
    human_duration,
    iso,
    parse_branch,
    parse_commit,
    parse_digest,
    parse_duration,
    parse_time,
    window_of,
)

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30m", 1800),
        ("2h", 7200),
        ("1d", 86400),
        ("90s", 90),
        ("1w", 604800),
        ("1h30m", 5400),
        (" 2H ", 7200),
    ],
)
def test_given_a_duration_when_parsed_then_it_is_that_many_seconds(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["5x", "", "m30", "1.5h", "-2h", "30", "h"])
def test_given_a_malformed_duration_when_parsed_then_the_error_names_the_option_and_value(
    text: str,
) -> None:
    with pytest.raises(CliError) as caught:
        parse_duration(text, "--since")
    assert caught.value.exit_code == 2
    assert f"--since {text!r} is not a duration" in caught.value.message


def test_given_a_zero_duration_when_parsed_then_it_is_refused() -> None:
    with pytest.raises(CliError, match="is zero"):
        parse_duration("0m")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-26T06:48:20Z", datetime(2026, 11, 26, 6, 48, 20, tzinfo=UTC)),
        ("2026-11-26 06:48", datetime(2026, 11, 26, 6, 48, tzinfo=UTC)),
        ("2026-11-26", datetime(2026, 11, 26, tzinfo=UTC)),
        ("2026-11-26T15:48:00+09:00", datetime(2026, 11, 26, 6, 48, tzinfo=UTC)),
    ],
)
def test_given_an_iso_time_when_parsed_then_it_is_aware_utc(text: str, expected: datetime) -> None:
    parsed = parse_time(text, "--from")
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "26/11/2026", ""])
def test_given_a_malformed_time_when_parsed_then_the_error_names_the_option(text: str) -> None:
    with pytest.raises(CliError, match=r"--to .* is not an ISO 8601 time"):
        parse_time(text, "--to")


def test_given_since_when_windowed_then_it_ends_now() -> None:
    assert window_of(NOW, "2h", None, None, None) == (NOW - timedelta(hours=2), NOW)


def test_given_from_without_to_when_windowed_then_it_ends_now() -> None:
    assert window_of(NOW, None, "2026-11-26T10:00Z", None, None) == (NOW - timedelta(hours=2), NOW)


def test_given_a_to_in_the_future_when_windowed_then_it_is_clamped_to_now() -> None:
    assert window_of(NOW, None, "2026-11-26T10:00Z", "2026-11-27", None)[1] == NOW  # type: ignore[index]


def test_given_a_digest_when_windowed_then_the_digest_is_returned() -> None:
    assert window_of(NOW, None, None, None, DIGEST) == DIGEST


@pytest.mark.parametrize(
    ("since", "start", "end", "digest", "message"),
    [
        ("1h", None, None, DIGEST, "--since and --digest cannot be combined"),
        ("1h", "2026-11-26", None, None, "--since and --from cannot be combined"),
        (None, "2026-11-26", None, DIGEST, "--from and --digest cannot be combined"),
        (None, None, "2026-11-26", None, "--to needs --from"),
        (None, None, None, None, "choose what to redeploy"),
        (None, "2026-11-26T11:00Z", "2026-11-26T10:00Z", None, "is not after --from"),
        (None, "2026-11-27", None, None, "is in the future"),
        (None, None, None, "sha256:xyz", "is not an image digest"),
    ],
)
def test_given_conflicting_or_bad_selectors_when_windowed_then_usage_error(
    since: str | None, start: str | None, end: str | None, digest: str | None, message: str
) -> None:
    with pytest.raises(CliError, match=message) as caught:
        window_of(NOW, since, start, end, digest)
    assert caught.value.exit_code == 2


def test_given_commit_and_branch_inputs_when_checked_then_only_valid_ones_pass() -> None:
    assert parse_commit("A" * 40) == "a" * 40
    assert parse_branch("refs/heads/feature/x") == "feature/x"
    assert parse_digest(DIGEST) == DIGEST
    for bad in ("abc", "g" * 40):
        with pytest.raises(CliError, match="is not a commit id"):
            parse_commit(bad)
    for bad in ("", "a..b", "-x", "with space", "x.lock"):
        with pytest.raises(CliError, match="is not a valid branch name"):
            parse_branch(bad)


def test_given_seconds_when_formatted_then_short_human_text() -> None:
    assert human_duration(None) == ""
    assert human_duration(45.4) == "45s"
    assert human_duration(245) == "4m 05s"
    assert human_duration(3900) == "1h 05m"
    assert iso(0) == "1970-01-01T00:00:00Z"
    assert iso(None) == ""


def test_given_a_ledger_row_with_the_event_time_when_windowing_a_digest_then_two_seconds_either_side() -> (
    None
):
    from datetime import UTC, datetime

    from turnout_cli.ops.replay import digest_window

    digest = "sha256:" + "a" * 64
    rows = [
        {
            "kind": "deploy",
            "trigger": "push",
            "digest": digest,
            "startedAt": 1000.7,
            "eventTime": 990.0,
            "eventId": "e1",
            "commitId": "c" * 40,
            "result": "succeeded",
        }
    ]
    start, end, notes = digest_window(rows, digest, datetime.fromtimestamp(5000, tz=UTC))
    # aws-fidelity row 28: [T-2s, T+2s), never the event's own second on an edge
    assert (start.timestamp(), end.timestamp()) == (988.0, 992.0)
    assert "narrow window" in notes[0]
