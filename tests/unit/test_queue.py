"""Admission rules: one deployment per group, newest commit wins, duplicates skipped."""

from __future__ import annotations

import pytest

from turnout.errors import InvalidEvent
from turnout.queue import Decision, ServiceState, Slot, admit, drop_queued, is_older, release


def slot(
    n: int, *, digest: str | None = None, trigger: str = "push", at: float | None = None
) -> Slot:
    return Slot(
        attempt_id=f"a{n}",
        digest=digest or f"sha256:{n:064x}",
        commit_id=f"{n:040x}",
        image_uri=f"repo@sha256:{n:064x}",
        trigger=trigger,
        event_id=f"e{n}",
        commit_time=float(1000 + n) if at is None else at,
    )


def test_given_nothing_running_when_a_push_arrives_then_it_runs() -> None:
    result = admit(ServiceState(), slot(1))
    assert result.decision is Decision.RUN
    assert result.state.running == slot(1)
    assert result.state.version == 1


def test_given_a_running_deploy_when_a_newer_push_arrives_then_it_is_queued() -> None:
    state = admit(ServiceState(), slot(1)).state
    result = admit(state, slot(2))
    assert result.decision is Decision.QUEUED
    assert result.state.queued == slot(2)
    assert result.superseded is None


def test_given_a_queued_push_when_a_newer_one_arrives_then_the_older_is_superseded() -> None:
    state = admit(admit(ServiceState(), slot(1)).state, slot(2)).state
    result = admit(state, slot(3))
    assert result.decision is Decision.QUEUED
    assert result.superseded == slot(2)
    assert "supersedes queued attempt a2" in result.reason


def test_given_a_queued_push_when_an_older_commit_arrives_late_then_the_late_one_is_superseded() -> (
    None
):
    state = admit(admit(ServiceState(), slot(1)).state, slot(5)).state
    result = admit(state, slot(3))
    assert result.decision is Decision.SUPERSEDED
    assert result.state == state
    assert "older than the queued commit" in result.reason


def test_given_equal_commit_times_when_ancestry_is_known_then_it_decides() -> None:
    older, newer = slot(1, at=5.0), slot(2, at=5.0)
    assert is_older(older, newer, lambda a, b: (a, b) == (older.commit_id, newer.commit_id))
    assert not is_older(newer, older, lambda a, b: (a, b) == (older.commit_id, newer.commit_id))
    assert not is_older(older, newer)  # unknown: arrival order, the later one counts as newer


@pytest.mark.parametrize("where", ["serving", "running", "queued"])
def test_given_a_digest_already_known_when_pushed_again_then_it_is_a_duplicate(where: str) -> None:
    known = slot(1)
    state = ServiceState(**{where: known})  # type: ignore[arg-type]
    result = admit(state, slot(9, digest=known.digest))
    assert result.decision is Decision.DUPLICATE
    assert where.replace("running", "deploying") in result.reason


def test_given_the_serving_digest_when_replayed_then_it_redeploys() -> None:
    serving = slot(1)
    result = admit(
        ServiceState(serving=serving), slot(9, digest=serving.digest, trigger="replay", at=1.0)
    )
    assert result.decision is Decision.RUN


def test_given_a_replay_serving_when_an_older_push_arrives_then_it_is_not_judged_against_the_replay() -> (
    None
):
    result = admit(ServiceState(serving=slot(9, trigger="replay")), slot(2))
    assert result.decision is Decision.RUN


def test_given_a_handoff_when_admitted_then_it_runs_without_change() -> None:
    state = ServiceState(running=slot(4), version=3)
    result = admit(state, slot(4))
    assert result.decision is Decision.RUN
    assert result.state is state


def test_given_a_success_with_a_queued_push_when_released_then_it_serves_and_the_queued_takes_over() -> (
    None
):
    state = ServiceState(running=slot(1), queued=slot(2), version=2)
    result = release(state, "a1", succeeded=True)
    assert result.released
    assert result.next == slot(2)
    assert result.state == ServiceState(serving=slot(1), running=slot(2), queued=None, version=3)


def test_given_a_failure_when_released_then_the_previous_serving_stays() -> None:
    state = ServiceState(serving=slot(0), running=slot(1), version=1)
    result = release(state, "a1", succeeded=False)
    assert result.state.serving == slot(0)
    assert result.next is None


def test_given_another_owner_when_released_then_nothing_changes() -> None:
    state = ServiceState(running=slot(1), version=1)
    result = release(state, "a9", succeeded=True)
    assert not result.released
    assert result.state is state


def test_given_a_queued_attempt_when_dropped_then_the_queue_is_empty() -> None:
    state = ServiceState(running=slot(1), queued=slot(2), version=2)
    dropped = drop_queued(state, "a2")
    assert dropped is not None
    assert dropped.queued is None
    assert drop_queued(state, "a9") is None


def test_given_a_state_when_round_tripped_then_it_is_equal() -> None:
    state = ServiceState(serving=slot(0), running=slot(1), queued=slot(2), version=7)
    assert ServiceState.from_dict(state.to_dict()) == state


def test_given_a_slot_without_a_field_when_parsed_then_the_error_names_it() -> None:
    with pytest.raises(InvalidEvent, match=r"handoff\.digest is missing"):
        Slot.from_item(
            {"attemptId": "a", "commitId": "c", "imageUri": "u", "trigger": "push"}, "handoff"
        )
    with pytest.raises(InvalidEvent, match="expected an object"):
        Slot.from_item("nope", "handoff")


def test_given_a_slot_when_written_to_its_wire_form_then_it_reads_back_equal() -> None:
    replayed = Slot("a", "d", "c", "u", "replay", "e", "r-1", 1.5, "arn", 2.5, 3.5)
    item = replayed.to_item()
    assert item["attemptId"] == "a"
    assert item["eventTime"] == 3.5
    assert Slot.from_item(item) == replayed
    assert "eventTime" not in slot(1).to_item()
    assert Slot.from_item(slot(1).to_item()) == slot(1)


def test_given_the_snake_case_form_of_an_earlier_version_when_read_then_the_slot_is_the_same() -> (
    None
):
    legacy = {
        "attempt_id": "a1",
        "digest": f"sha256:{1:064x}",
        "commit_id": f"{1:040x}",
        "image_uri": f"repo@sha256:{1:064x}",
        "trigger": "push",
        "event_id": "e1",
        "replay_name": None,
        "received_at": 0.0,
        "execution_arn": "",
        "commit_time": 1001.0,
    }
    assert Slot.from_item(legacy) == slot(1)
    with pytest.raises(InvalidEvent, match=r"running\.digest is missing"):
        Slot.from_item({k: v for k, v in legacy.items() if k != "digest"}, "running")
