"""functions/admit: run now, queue behind the running deployment (newest wins), or skip."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.handlers.conftest import SERVICE_KEY, World
from turnout.errors import InvalidEvent


def _push(world: World, n: int) -> dict[str, Any]:
    return world.push_attempt(n)


def _admit(world: World, found: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return world.call("admit", {"attempt": found, **extra})


def _row(world: World, attempt_id: str) -> dict[str, Any]:
    row = world.deps.store.get_attempt(SERVICE_KEY, attempt_id)
    assert row is not None, f"no ledger row for {attempt_id}"
    return row


def _serve_first(world: World) -> dict[str, Any]:
    first = _push(world, 1)
    _admit(world, first)
    world.deps.store.change_state(
        SERVICE_KEY,
        lambda s: (
            type(s)(serving=s.running, running=None, queued=None, version=s.version + 1),
            None,
        ),
    )
    return first


def test_given_nothing_deploying_when_admitting_then_the_push_runs_and_holds_the_slot(
    world: World,
) -> None:
    first = _push(world, 1)

    result = _admit(world, first)

    assert result == {"decision": "run", "reason": "nothing else is deploying"}
    assert world.state()["running"]["attemptId"] == first["attemptId"]
    row = _row(world, first["attemptId"])
    assert (row["result"], row["phase"], row["digest"]) == ("running", "rendering", first["digest"])
    assert world.item(f"SERVICE#{SERVICE_KEY}", "EVENT#event-1") is not None


def test_given_a_deployment_running_when_a_newer_push_arrives_then_it_is_queued(
    world: World,
) -> None:
    first, second = _push(world, 1), _push(world, 2)
    _admit(world, first)

    result = _admit(world, second)

    assert result["decision"] == "queued"
    assert result["reason"] == f"queued behind attempt {first['attemptId']}"
    state = world.state()
    assert state["running"]["attemptId"] == first["attemptId"]
    assert state["queued"]["attemptId"] == second["attemptId"]
    assert (_row(world, second["attemptId"])["result"]) == "queued"


def test_given_a_push_queued_when_a_newer_one_arrives_then_the_queued_one_is_superseded(
    world: World,
) -> None:
    first, second, third = _push(world, 1), _push(world, 2), _push(world, 3)
    _admit(world, first)
    _admit(world, second)

    result = _admit(world, third)

    assert result["decision"] == "queued"
    assert f"supersedes queued attempt {second['attemptId']}" in result["reason"]
    assert world.state()["queued"]["attemptId"] == third["attemptId"]
    old = _row(world, second["attemptId"])
    assert (old["result"], old["phase"]) == ("superseded", "superseded")
    assert third["attemptId"] in old["reason"]


def test_given_the_same_digest_deploying_when_pushed_again_then_it_is_a_duplicate_in_the_ledger(
    world: World,
) -> None:
    first = _push(world, 1)
    _admit(world, first)
    again = first | {"attemptId": "20261126T070000000000Z-cccccc", "eventId": "event-again"}
    before = world.state()

    result = _admit(world, again)

    assert result["decision"] == "duplicate"
    assert "is already deploying" in result["reason"]
    assert world.state() == before
    row = _row(world, again["attemptId"])
    assert row["result"] == "duplicate"
    assert row["endedAt"] is not None


def test_given_an_event_delivered_twice_when_admitting_then_the_second_is_a_duplicate(
    world: World,
) -> None:
    first = _push(world, 1)
    _admit(world, first)
    redelivered = first | {"attemptId": "20261126T070000000000Z-dddddd"}
    before = world.state()

    result = _admit(world, redelivered)

    assert result == {"decision": "duplicate", "reason": "event event-1 was already delivered"}
    assert world.state() == before
    assert _row(world, redelivered["attemptId"])["result"] == "duplicate"


def test_given_admit_retried_after_a_crash_when_admitting_again_then_the_same_attempt_runs(
    world: World,
) -> None:
    # Step Functions retries Admit when the function timed out or crashed after it had
    # taken the slot: the same attempt asks again and must not be its own duplicate.
    first = _push(world, 1)
    _admit(world, first)

    result = _admit(world, first)

    assert result["decision"] == "run"
    assert world.state()["running"]["attemptId"] == first["attemptId"]
    assert _row(world, first["attemptId"])["result"] == "running"


def test_given_the_serving_digest_replayed_when_admitting_then_it_runs_again(world: World) -> None:
    first = _serve_first(world)
    replay = first | {
        "attemptId": "20261126T070000000000Z-eeeeee",
        "eventId": "event-replayed",
        "trigger": "replay",
        "replayName": "turnout-redeploy-1",
    }

    result = _admit(world, replay)

    assert result["decision"] == "run"
    assert world.state()["running"]["attemptId"] == replay["attemptId"]
    assert _row(world, replay["attemptId"])["replayName"] == "turnout-redeploy-1"


def _replay_keeping_the_event_id(world: World) -> dict[str, Any]:
    """The first attempt served, then the same event replayed by turnout-redeploy-1."""
    first = _serve_first(world)
    return first | {
        "attemptId": "20261126T070000000000Z-eeeeee",
        "trigger": "replay",
        "replayName": "turnout-redeploy-1",
    }


def test_given_a_replay_that_keeps_the_original_event_id_when_admitting_then_it_runs(
    world: World,
) -> None:
    # AWS documents no relation between a replayed event's id and the original's
    # (aws-fidelity row 9): a replay that kept the id must still redeploy.
    replay = _replay_keeping_the_event_id(world)

    result = _admit(world, replay)

    assert result["decision"] == "run"
    assert world.item(f"SERVICE#{SERVICE_KEY}", "EVENT#event-1#replay#turnout-redeploy-1")


def test_given_a_replay_delivered_twice_when_admitting_then_the_second_is_a_duplicate(
    world: World,
) -> None:
    replay = _replay_keeping_the_event_id(world)
    _admit(world, replay)
    again = replay | {"attemptId": "20261126T070000000000Z-ffffff"}

    result = _admit(world, again)

    assert result["decision"] == "duplicate"
    assert world.state()["running"]["attemptId"] == replay["attemptId"]


def test_given_a_queue_handoff_when_admitting_then_it_runs_without_a_delivery_check(
    world: World,
) -> None:
    first, second = _push(world, 1), _push(world, 2)
    _admit(world, first)
    _admit(world, second)
    world.deps.store.change_state(
        SERVICE_KEY,
        lambda s: (
            type(s)(serving=s.running, running=s.queued, queued=None, version=s.version + 1),
            None,
        ),
    )

    result = _admit(world, second, handoff=True)

    assert result == {"decision": "run", "reason": "handed over from the queue"}
    assert _row(world, second["attemptId"])["result"] == "running"


@pytest.mark.parametrize("missing", ["attemptId", "digest", "commitId", "imageUri", "trigger"])
def test_given_an_attempt_without_a_field_when_admitting_then_invalid_event_names_it(
    world: World, missing: str
) -> None:
    broken = _push(world, 1)
    del broken[missing]

    with pytest.raises(InvalidEvent, match=f"deploy state: attempt.{missing} is missing"):
        _admit(world, broken)
    assert world.state()["running"] is None
    assert world.attempts() == []
