"""The operator CLI's rows of the audits (aws-fidelity.md rows 23-41, security-review.md 14-16).

Each test names its row; each fix is tested on both sides (the case it changes and the case
it keeps). No network: fakes stand in for the AWS clients.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.unit.cli.fakes import T0, FakeAws
from turnout.adapters.store import Store, encode_item
from turnout_cli.commands.common import progress_time
from turnout_cli.errors import CliError, OperationFailed
from turnout_cli.ledger import HISTORY_COLUMNS
from turnout_cli.ops import gate as gate_ops
from turnout_cli.ops.common import current_state
from turnout_cli.ops.gate import Target
from turnout_cli.ops.ledger_query import attempt_key, attempts_between, newest_attempts
from turnout_cli.ops.replay import (
    ReplayPlan,
    in_window,
    newest_only,
    push_window,
    start_replay,
    young_window,
)
from turnout_cli.ops.status import gate_budget
from turnout_cli.output import error, note, print_json, print_table, say
from turnout_cli.parsing import parse_age
from turnout_cli.session import Aws, Globals, retries
from turnout_cli.stack import Stack
from turnout_cli.status import STATUS_COLUMNS, GateView


class FakeStepFunctions:
    def __init__(self) -> None:
        self.history_requests: list[dict[str, Any]] = []

    def get_execution_history(self, **kwargs: Any) -> dict[str, Any]:
        self.history_requests.append(kwargs)
        return {
            "events": [
                {
                    "id": 2,
                    "type": "TaskStateEntered",
                    "stateEnteredEventDetails": {"name": "BuildImage"},
                }
            ]
        }


class FakeDynamoDB:
    """Answers Query from a list of items, in pages of ``Limit``; records each request."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.requests: list[dict[str, Any]] = []

    def query(self, **kwargs: Any) -> dict[str, Any]:
        self.requests.append(dict(kwargs))
        ordered = sorted(self.items, key=lambda i: i["sk"], reverse=not kwargs["ScanIndexForward"])
        values = kwargs["ExpressionAttributeValues"]
        if "sk BETWEEN :lo AND :hi" in kwargs["KeyConditionExpression"]:
            lo, hi = values[":lo"]["S"], values[":hi"]["S"]
            ordered = [i for i in ordered if lo <= i["sk"] <= hi]
        after = kwargs.get("ExclusiveStartKey")
        if after is not None:
            sk = after["sk"]["S"]
            ordered = [
                i
                for i in ordered
                if (i["sk"] < sk if not kwargs["ScanIndexForward"] else i["sk"] > sk)
            ]
        page = ordered[: kwargs.get("Limit", len(ordered))]
        out: dict[str, Any] = {"Items": [encode_item(i) for i in page]}
        if len(page) < len(ordered):
            out["LastEvaluatedKey"] = encode_item({"pk": page[-1]["pk"], "sk": page[-1]["sk"]})
        return out


def attempts(n: int, start: float = 1_795_000_000.0) -> list[dict[str, Any]]:
    return [
        {"pk": "SERVICE#svc", "sk": attempt_key(start + i)[:-1] + f"Z-{i:06x}", "n": i}
        for i in range(n)
    ]


# ---------------------------------------------------------------------- row 40: times in UTC


def test_given_history_and_status_tables_when_labelled_then_their_times_say_utc() -> None:
    assert HISTORY_COLUMNS[0] == "TIME (UTC)"
    assert "SINCE (UTC)" in STATUS_COLUMNS


def test_given_a_local_zone_ahead_of_utc_when_a_progress_line_is_stamped_then_it_is_utc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "Asia/Seoul")
    time.tzset()
    try:
        assert time.strftime("%H:%M:%S", time.localtime(0)) == "09:00:00"  # the old stamp
        assert progress_time(0) == "00:00:00Z"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


# ---------------------------------------------------------------------- row 41: small costs


def test_given_no_retry_settings_when_configured_then_the_cli_chooses_standard_retries() -> None:
    assert retries({}, lambda _name: None) == {"mode": "standard", "max_attempts": 4}
    assert retries({}, lambda _name: None, local=True) == {"mode": "standard", "max_attempts": 2}


@pytest.mark.parametrize("variable", ["AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"])
def test_given_the_users_retry_variable_when_configured_then_botocore_reads_it(
    variable: str,
) -> None:
    assert (
        retries({variable: "7" if "ATTEMPTS" in variable else "adaptive"}, lambda _n: None) is None
    )


def test_given_retry_settings_in_the_profile_when_configured_then_botocore_reads_them() -> None:
    assert retries({}, lambda name: "9" if name == "max_attempts" else None) is None


def test_given_history_of_five_when_queried_then_the_query_reads_five_items() -> None:
    fake = FakeDynamoDB(attempts(30))
    rows = newest_attempts(Store("ledger", client=fake), "svc", 5)  # type: ignore[arg-type]
    assert [r["n"] for r in rows] == [29, 28, 27, 26, 25]
    assert [r["Limit"] for r in fake.requests] == [5]


def test_given_history_over_a_page_when_queried_then_pages_of_100_until_the_limit() -> None:
    fake = FakeDynamoDB(attempts(250))
    rows = newest_attempts(Store("ledger", client=fake), "svc", 230)  # type: ignore[arg-type]
    assert len(rows) == 230
    assert [r["Limit"] for r in fake.requests] == [100, 100, 100]


def test_given_a_status_refresh_when_the_current_state_is_read_then_no_payloads_are_fetched() -> (
    None
):
    sfn = FakeStepFunctions()
    assert current_state(FakeAws(stepfunctions=sfn), "arn:exec") == "BuildImage"  # type: ignore[arg-type]
    assert sfn.history_requests == [
        {
            "executionArn": "arn:exec",
            "reverseOrder": True,
            "maxResults": 100,
            "includeExecutionData": False,
        }
    ]


# ------------------------------------------------- rows 35 and 39: StartReplay's answers


def client_error(code: str, message: str = "", operation: str = "StartReplay") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class FakeEvents:
    """StartReplay that fails as told; DescribeReplay of what was started."""

    def __init__(self, fail_with: str = "", applied: bool = True) -> None:
        self.fail_with = fail_with
        self.applied = applied
        self.replays: dict[str, dict[str, Any]] = {}

    def start_replay(self, **kwargs: Any) -> dict[str, Any]:
        if self.applied:
            self.replays[kwargs["ReplayName"]] = {
                "ReplayName": kwargs["ReplayName"],
                "ReplayArn": f"arn:aws:events:r:1:replay/{kwargs['ReplayName']}",
                "EventSourceArn": kwargs["EventSourceArn"],
                "State": "RUNNING",
            }
        if self.fail_with:
            raise client_error(self.fail_with, "as told")
        return {"ReplayArn": self.replays[kwargs["ReplayName"]]["ReplayArn"], "State": "STARTING"}

    def describe_replay(self, ReplayName: str) -> dict[str, Any]:
        if ReplayName not in self.replays:
            raise client_error("ResourceNotFoundException", "no replay", "DescribeReplay")
        return self.replays[ReplayName]


def a_plan(**extra: Any) -> ReplayPlan:
    fields: dict[str, Any] = {
        "archive_name": "pushes",
        "archive_arn": "arn:aws:events:r:1:archive/pushes",
        "bus_arn": "arn:aws:events:r:1:event-bus/default",
        "rule_arn": "arn:aws:events:r:1:rule/push",
        "start": datetime(2026, 11, 26, 6, 0, tzinfo=UTC),
        "end": datetime(2026, 11, 26, 6, 1, tzinfo=UTC),
        "pushes": (),
    }
    return ReplayPlan(**(fields | extra))


def test_given_start_replay_applied_then_retried_when_it_exists_then_described_and_carried_on() -> (
    None
):
    events = FakeEvents(fail_with="ResourceAlreadyExistsException")
    started = start_replay(FakeAws(events=events), a_plan(), T0)  # type: ignore[arg-type]
    assert started["replayName"] in events.replays
    assert started["state"] == "RUNNING"
    assert started["replayArn"].endswith(started["replayName"])


def test_given_a_replay_that_exists_but_is_not_ours_when_started_then_the_error_stands() -> None:
    events = FakeEvents(fail_with="ResourceAlreadyExistsException", applied=False)
    with pytest.raises(ClientError):
        start_replay(FakeAws(events=events), a_plan(), T0)  # type: ignore[arg-type]


def test_given_ten_active_replays_when_started_then_the_error_hints_at_the_quota() -> None:
    events = FakeEvents(fail_with="LimitExceededException", applied=False)
    with pytest.raises(OperationFailed) as raised:
        start_replay(FakeAws(events=events), a_plan(), T0)  # type: ignore[arg-type]
    assert "LimitExceededException" in raised.value.message
    assert "at most 10 active replays per account and Region" in raised.value.message


def test_given_another_start_replay_error_when_started_then_it_is_not_reworded() -> None:
    events = FakeEvents(fail_with="ValidationException", applied=False)
    with pytest.raises(ClientError):
        start_replay(FakeAws(events=events), a_plan(), T0)  # type: ignore[arg-type]


class EmptyLedger:
    def get_item(self, **_: Any) -> dict[str, Any]:
        return {}


def test_given_a_gate_no_longer_waiting_when_promoted_then_maybe_answered_by_this_command() -> None:
    stack = Stack("s", "CREATE_COMPLETE", {"LedgerTableName": "t", "ServiceKey": "svc"})
    target = Target("a1", "c" * 40, "sha256:" + "a" * 64, "d-1", "gate", {"taskToken": "x"})
    with pytest.raises(OperationFailed) as raised:
        gate_ops.promote(FakeAws(dynamodb=EmptyLedger(), stepfunctions=None), stack, target, "me")  # type: ignore[arg-type]
    assert "already answered (maybe by this command" in raised.value.message


# ------------------------------------------------- rows 24, 27, 28, 29: the replay window


def push(tag: str, received: float, digest: str, event: float | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "attemptId": tag,
        "kind": "deploy",
        "trigger": "push",
        "commitId": "c" * 40,
        "digest": digest,
        "eventId": f"ev-{tag}",
        "startedAt": received,
        "result": "succeeded",
    }
    if event is not None:
        row["eventTime"] = event
    return row


DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
NOW = datetime.fromtimestamp(T0 + 3600, tz=UTC)


def test_given_pushes_in_one_window_when_narrowed_then_only_the_newest_by_event_time() -> None:
    # B was received first but its event is the newer one: the replay orders on event time
    rows = [push("1", T0 + 20, DIGEST_A, T0 + 1), push("2", T0 + 10, DIGEST_B, T0 + 5)]
    start, end, notes, listed = newest_only(rows, at(T0 - 60), at(T0 + 600), NOW)
    assert (start, end) == (at(T0 + 3), at(T0 + 7))
    assert "the window holds 2 pushes: only the newest, bbbbbbbbbbbb" in notes[0]
    assert [p["digest"] for p in listed] == [DIGEST_A, DIGEST_B]


def test_given_one_push_in_a_window_when_narrowed_then_its_own_window_and_no_note() -> None:
    start, end, notes, _ = newest_only(
        [push("1", T0 + 20, DIGEST_A, T0 + 1)], at(T0 - 60), at(T0 + 600), NOW
    )
    assert (start, end) == (at(T0 - 1), at(T0 + 3))
    assert not any("only the newest" in n for n in notes)


def test_given_an_event_time_when_windowed_then_it_is_inside_with_2s_margins_and_neighbours_named() -> (
    None
):
    rows = [push("1", T0 + 3, DIGEST_A, T0), push("2", T0 + 4, DIGEST_B, T0 + 1)]
    start, end, notes = push_window(rows, rows[0], NOW)
    assert start.timestamp() < T0 < end.timestamp()
    assert (start, end) == (at(T0 - 2), at(T0 + 2))
    assert "also holds the push(es) of bbbbbbbbbbbb" in notes[1]
    alone = push_window(rows[:1], rows[0], NOW)[2]
    assert len(alone) == 1


def test_given_rows_with_and_without_event_time_when_filtered_then_event_time_decides() -> None:
    assert in_window(push("1", T0 + 30, DIGEST_A, T0 - 1), T0, T0 + 10) is False
    assert in_window(push("1", T0 + 30, DIGEST_A, T0 + 9), T0, T0 + 10) is True
    assert in_window(push("1", T0 + 30, DIGEST_A, T0 + 10), T0, T0 + 10) is False  # end excl.
    assert in_window(push("1", T0 + 30, DIGEST_A), T0, T0 + 10) is True  # received, 60 s slack


def test_given_a_window_end_when_aged_then_young_until_at_least_has_passed() -> None:
    end = at(T0)
    assert young_window(end, at(T0 + 60), timedelta(minutes=10)) == timedelta(minutes=9)
    assert young_window(end, at(T0 + 600), timedelta(minutes=10)) is None
    assert young_window(end, at(T0 + 1), timedelta(0)) is None


@pytest.mark.parametrize(("text", "seconds"), [("0", 0), ("0s", 0), ("00m", 0), ("10m", 600)])
def test_given_an_age_when_parsed_then_zero_is_allowed(text: str, seconds: int) -> None:
    assert parse_age(text, "--at-least").total_seconds() == seconds


def test_given_a_bad_age_when_parsed_then_the_option_is_named() -> None:
    with pytest.raises(CliError, match="--at-least 'soon' is not a duration"):
        parse_age("soon", "--at-least")


def test_given_a_window_query_when_made_then_sk_between_the_window_ids() -> None:
    fake = FakeDynamoDB(attempts(10))
    rows = attempts_between(Store("ledger", client=fake), "svc", T0 + 2, T0 + 4)  # type: ignore[arg-type]
    assert [r["n"] for r in rows] == [2, 3, 4]
    assert "sk BETWEEN :lo AND :hi" in fake.requests[0]["KeyConditionExpression"]


def at(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, tz=UTC)


# ------------------------------------------------- row 26: the gate's real timeout


def test_given_the_gate_functions_environment_when_read_then_timeout_counts_bake_too() -> None:
    # GateTick: (GateTimeoutMinutes + GateBakeMinutes) x 60 after gateStartedAt
    assert gate_budget({"GATE_BAKE_MINUTES": "5", "GATE_TIMEOUT_MINUTES": "10"}) == (300, 900)
    assert gate_budget({"GATE_TIMEOUT_MINUTES": "10"}) == (None, 600)
    assert gate_budget({}) == (None, None)


def test_given_a_gate_item_with_its_own_budget_when_described_then_the_item_wins() -> None:
    item = {"gateStartedAt": T0, "bakeSeconds": 120, "timeoutSeconds": 1200}
    gate = GateView.from_item(item, bake_seconds=300, timeout_seconds=900)
    assert gate is not None
    assert gate.describe(T0 + 60).endswith("times out in 19m 00s")
    computed = GateView.from_item(
        {"gateStartedAt": T0},
        *gate_budget({"GATE_BAKE_MINUTES": "5", "GATE_TIMEOUT_MINUTES": "10"}),
    )
    assert computed is not None
    assert computed.describe(T0 + 60).endswith("times out in 14m 00s")  # not 9m: bake counts


# ------------------------------------------------- security-review row 14: whose keys sign


@pytest.fixture
def real_keys(monkeypatch: pytest.MonkeyPatch) -> str:
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "TURNOUT_STACK",
        "TURNOUT_SANDBOX_ACCESS_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/turnout-test-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/turnout-test-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALREALREAL0000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    return "AKIAREALREALREAL0000"


def signing_key(**options: Any) -> str:
    aws = Aws(Globals.merge(None, **options))
    assert aws.region
    key: str = aws._session.get_credentials().access_key
    return key


@pytest.mark.parametrize("url", ["http://127.0.0.1:4747", "http://10.1.2.3:4747"])
def test_given_real_keys_and_an_endpoint_when_signing_then_dummy_keys(
    real_keys: str, url: str
) -> None:
    assert signing_key(endpoint_url=url) == "testing"


def test_given_a_sandbox_access_key_when_signing_to_an_endpoint_then_that_key_not_the_users(
    real_keys: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TURNOUT_SANDBOX_ACCESS_KEY", "AKIASANDBOXRUNKEY234")
    assert signing_key(endpoint_url="http://127.0.0.1:4747") == "AKIASANDBOXRUNKEY234"
    assert signing_key() == real_keys  # AWS itself: the user's own keys


def test_given_real_keys_and_no_endpoint_when_signing_then_the_users_keys(real_keys: str) -> None:
    assert signing_key() == real_keys


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:4747", "http://localhost:4747", "http://[::1]:4747", "https://10.1.2.3"],
)
def test_given_endpoint_credentials_to_loopback_or_https_when_signing_then_the_users_keys(
    real_keys: str, url: str
) -> None:
    assert signing_key(endpoint_url=url, endpoint_credentials=True) == real_keys


@pytest.mark.parametrize("url", ["http://10.1.2.3:4747", "http://sandbox.example.com"])
def test_given_endpoint_credentials_to_a_plain_http_remote_host_when_signing_then_refused(
    real_keys: str, url: str
) -> None:
    with pytest.raises(CliError, match="refusing to send your AWS credentials over plain http"):
        signing_key(endpoint_url=url, endpoint_credentials=True)


def test_given_aws_endpoint_url_plain_http_remote_when_signing_real_keys_then_refused(
    real_keys: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://10.1.2.3:4566")
    with pytest.raises(CliError, match=r"over plain http to 10\.1\.2\.3"):
        signing_key()
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    assert signing_key() == real_keys


# ------------------------------------------------- security-review row 15: control characters

HOSTILE = "appspec.yaml: Resources[0].\x1b]0;pwned\x07\x1b[31mX\x9b2J [red]Y[/red]"


def test_given_a_hostile_message_when_said_noted_or_errored_then_controls_are_escaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    say(HOSTILE)
    note(HOSTILE)
    error(HOSTILE + "\nturnout: error: forged")
    out, err = capsys.readouterr()
    for stream in (out, err):
        assert "\x1b" not in stream
        assert "\x9b" not in stream
        assert "\x07" not in stream
        assert "\\x1b]0;pwned\\x07\\x1b[31mX\\x9b2J [red]Y[/red]" in stream
    assert err.count("\n") == 2  # the note and one error line: the newline is escaped


def test_given_plain_text_when_said_then_it_is_unchanged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    say("promoted deployment d-1: done · ok")
    assert capsys.readouterr().out == "promoted deployment d-1: done · ok\n"


def test_given_a_hostile_cell_when_tabled_then_escaped_and_its_markup_literal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_table("t\x1b[2J", ("A", "B"), [(HOSTILE, "line1\nline2")])
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "[red]Y[/red]" in out
    assert "line1\\x0aline2" in out
    assert "t\\x1b[2J" in out


def test_given_a_hostile_string_when_printed_as_json_then_json_is_unchanged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_json({"message": HOSTILE})
    out = capsys.readouterr().out
    assert json.loads(out) == {"message": HOSTILE}
    assert out == json.dumps({"message": HOSTILE}, indent=2) + "\n"
