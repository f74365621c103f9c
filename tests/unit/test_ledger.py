"""The ledger row: its vocabulary and the one place its fields are built."""

from __future__ import annotations

from turnout.ledger import (
    OUTCOMES,
    RUNNING_RESULTS,
    TERMINAL_RESULTS,
    Phase,
    Result,
    build_row,
    deploy_row,
    ended,
    started,
)
from turnout.queue import Slot

SLOT = Slot("a1", "sha256:d", "c" * 40, "repo@sha256:d", "push", "e1", None, 10.0, "arn:x")


def test_given_an_attempt_when_its_deploy_row_is_built_then_it_carries_the_attempt_identity() -> (
    None
):
    row = deploy_row(SLOT, result=Result.QUEUED, phase=Phase.QUEUED, reason="behind a0")

    assert row == {
        "kind": "deploy",
        "trigger": "push",
        "commitId": "c" * 40,
        "digest": "sha256:d",
        "imageUri": "repo@sha256:d",
        "eventId": "e1",
        "replayName": "",
        "executionArn": "arn:x",
        "result": "queued",
        "phase": "queued",
        "reason": "behind a0",
    }
    assert type(row["result"]) is str


def test_given_the_ending_execution_when_the_row_is_built_then_its_arn_replaces_the_attempts() -> (
    None
):
    assert deploy_row(SLOT, execution_arn="arn:y")["executionArn"] == "arn:y"


def test_given_an_event_time_when_the_row_is_built_then_it_is_kept_for_replays() -> None:
    timed = Slot("a1", "d", "c", "u", "push", event_time=5.0)
    assert deploy_row(timed)["eventTime"] == 5.0
    assert "eventTime" not in deploy_row(SLOT)


def test_given_no_attempt_when_the_row_is_built_then_only_the_given_fields_are_written() -> None:
    assert deploy_row(result=Result.REJECTED, digest="d") == {
        "kind": "deploy",
        "result": "rejected",
        "digest": "d",
    }
    assert build_row(phase=Phase.BUILDING) == {"kind": "build", "phase": "building"}


def test_given_times_when_started_and_ended_then_duration_and_iso_forms_follow() -> None:
    assert started(0.0) == {"startedAt": 0.0, "startedAtIso": "1970-01-01T00:00:00.000Z"}
    assert ended(1.0, 3.5) == {
        "endedAt": 3.5,
        "endedAtIso": "1970-01-01T00:00:03.500Z",
        "durationSeconds": 2.5,
    }


def test_given_the_results_when_classified_then_every_result_is_running_or_terminal() -> None:
    assert set(OUTCOMES) < TERMINAL_RESULTS
    assert RUNNING_RESULTS.isdisjoint(TERMINAL_RESULTS)
    assert {r.value for r in Result} == RUNNING_RESULTS | TERMINAL_RESULTS
