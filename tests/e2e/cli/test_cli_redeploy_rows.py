"""`turnout redeploy` against moto's server: aws-fidelity rows 23, 24, 27, 28 and 29.

moto archives an event at once and counts it at once; AWS does neither (the tests seed the
ledger directly where they need what AWS would show).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from cli_world import SERVICE, World, attempt_id, backdate_archive, make_stack, put_push
from pushes import record_push

pytestmark = pytest.mark.e2e

DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
COMMIT_A = "a" * 40
COMMIT_B = "b" * 40


@pytest.fixture
def world(endpoint: str) -> World:
    """A fresh stack whose archive is 60 days old (the pushes below are older than the
    stack the test just made)."""
    made = make_stack(endpoint)
    backdate_archive(made, 60 * 86400)
    return made


def replays(world: World) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = world.client("events").list_replays(
        EventSourceArn=world.outputs["ImagePushArchiveArn"]
    )["Replays"]
    return found


# ------------------------------------------------- row 23: EventCount lags up to 24 hours


@pytest.mark.parametrize(
    ("archived", "noted"),
    [
        # the ledger recorded a push the archive does not count yet (moto counts at once: no
        # put_push, so the count is 0 as on AWS's first day)
        pytest.param(False, True, id="given_an_archive_counting_0_events_then_a_count_note"),
        pytest.param(True, False, id="given_an_archive_counting_its_events_then_no_note"),
    ],
)
def test_given_an_archive_count_when_redeploy_then_the_replay_starts_noting_a_0_count(
    world: World, archived: bool, noted: bool
) -> None:
    if archived:
        put_push(world, DIGEST_A)
    record_push(world, DIGEST_A, COMMIT_A, time.time(), "a00001")
    result = world.cli("redeploy", "--since", "1h", "--at-least", "0s", "--yes")
    assert result.exit_code == 0, result.output
    assert ("reports 0 events: its count lags up to 24 hours" in result.stdout) is noted
    assert len(replays(world)) == 1


# ------------------------------------------------- row 24: the archive's 10-minute lag


def test_given_a_push_of_a_minute_ago_when_redeploy_then_refused_until_ten_minutes_old(
    world: World,
) -> None:
    put_push(world, DIGEST_A)
    record_push(world, DIGEST_A, COMMIT_A, time.time() - 60, "a00003", eventTime=time.time() - 61)
    result = world.cli("redeploy", "--since", "1h", "--yes")
    assert result.exit_code == 2
    assert "less than 10m 00s ago: EventBridge recommends replaying archived events after 10 " in (
        result.stderr
    )
    assert "pass --wait to wait for it, or --at-least 0s" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert replays(world) == []


def test_given_a_push_older_than_at_least_when_redeploy_then_it_replays(world: World) -> None:
    put_push(world, DIGEST_A)
    record_push(world, DIGEST_A, COMMIT_A, time.time() - 60, "a00004", eventTime=time.time() - 61)
    result = world.cli("redeploy", "--since", "1h", "--at-least", "30s", "--yes")
    assert result.exit_code == 0, result.output
    assert len(replays(world)) == 1


def test_given_a_young_window_and_wait_when_redeploy_then_it_waits_until_old_enough(
    world: World,
) -> None:
    put_push(world, DIGEST_A)
    pushed = time.time()
    record_push(world, DIGEST_A, COMMIT_A, pushed, "a00005", eventTime=pushed)
    result = world.cli(
        "redeploy", "--since", "1h", "--at-least", "4s", "--yes", "--wait",
        "--interval", "0.2", "--grace", "1s", "--timeout", "1m",
    )  # fmt: skip
    assert "for the archive to hold the window" in result.stdout
    # the replay started once the window end (pushed+2s) was 4 s old on the service's clock
    started = replays(world)[0]["ReplayStartTime"].timestamp()
    assert started >= int(pushed) + 2 + 4 - 1
    # moto's rule has no target: the replay completes having delivered nothing (row 24)
    assert result.exit_code == 1
    assert "the replay delivered no push (archive lag?)" in result.stderr


def test_given_a_completed_replay_that_delivered_nothing_when_waited_then_fails_after_grace(
    world: World,
) -> None:
    put_push(world, DIGEST_A)
    record_push(world, DIGEST_A, COMMIT_A, time.time(), "a00006")
    began = time.monotonic()
    result = world.cli(
        "redeploy", "--since", "1h", "--at-least", "0s", "--yes", "--wait",
        "--interval", "0.1", "--grace", "2s",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "completed, but the replay delivered no push (archive lag?)" in result.stderr
    assert "--timeout reached" not in result.stderr
    assert time.monotonic() - began < 60  # not the 3 h --timeout


# ------------------------------------------------- rows 27 and 28: which pushes a window sends


def test_given_a_window_with_two_pushes_when_redeploy_then_only_the_newest_in_its_own_window(
    world: World,
) -> None:
    now = time.time()
    put_push(world, DIGEST_A)
    record_push(world, DIGEST_A, COMMIT_A, now - 30, "a00007", eventTime=now - 31)
    record_push(world, DIGEST_B, COMMIT_B, now - 10, "b00007", eventTime=now - 11)
    result = world.cli("redeploy", "--since", "1h", "--at-least", "0s", "--yes", "-o", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [p["digest"] for p in out["pushes"]] == [DIGEST_B]
    moment = int(now - 11)
    assert (out["eventStartTime"], out["eventEndTime"]) == (iso(moment - 2), iso(moment + 2))
    assert "the window holds 2 pushes: only the newest" in result.stderr
    replay = world.client("events").describe_replay(ReplayName=out["replayName"])
    assert replay["EventStartTime"].timestamp() == moment - 2
    assert replay["EventEndTime"].timestamp() == moment + 2


def test_given_a_window_with_one_push_when_redeploy_then_no_newest_only_note(
    world: World,
) -> None:
    now = time.time()
    record_push(world, DIGEST_A, COMMIT_A, now - 30, "a00008", eventTime=now - 31)
    result = world.cli("redeploy", "--since", "1h", "--at-least", "0s", "--yes")
    assert result.exit_code == 0, result.output
    assert "only the newest" not in result.stdout


@pytest.mark.parametrize(
    ("apart", "named"),
    [
        pytest.param(1, True, id="given_a_push_1s_after_the_digest's_then_it_is_named"),
        pytest.param(10, False, id="given_a_push_10s_after_the_digest's_then_none_named"),
    ],
)
def test_given_a_digest_when_redeploy_then_a_neighbour_in_its_seconds_is_named(
    world: World, apart: int, named: bool
) -> None:
    now = time.time()
    record_push(world, DIGEST_A, COMMIT_A, now - 30, "a00009", eventTime=now - 31)
    record_push(world, DIGEST_B, COMMIT_B, now - 30 + apart, "b00009", eventTime=now - 31 + apart)
    result = world.cli("redeploy", "--digest", DIGEST_A, "--at-least", "0s", "--yes")
    assert result.exit_code == 0, result.output
    assert (f"the window also holds the push(es) of {DIGEST_B[7:19]}" in result.stdout) is named


# ------------------------------------------------- row 29: old windows, eventTime


def test_given_an_old_push_behind_1000_newer_rows_when_redeploy_from_to_then_it_is_found(
    world: World,
) -> None:
    from turnout.adapters.store import encode_item

    old = time.time() - 30 * 86400
    record_push(world, DIGEST_A, COMMIT_A, old, "a00011", eventTime=old - 1)
    ddb, table = world.client("dynamodb"), world.outputs["LedgerTableName"]
    newer = time.time() - 3600
    items = [
        {
            "pk": f"SERVICE#{SERVICE}",
            "sk": f"ATTEMPT#{attempt_id(newer + i / 100, f'{i:06x}')}",
            "attemptId": attempt_id(newer + i / 100, f"{i:06x}"),
            "kind": "build",
            "result": "succeeded",
            "startedAt": newer + i / 100,
        }
        for i in range(1010)
    ]
    for i in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": encode_item(x)}} for x in items[i : i + 25]]
        ddb.batch_write_item(RequestItems={table: batch})
    result = world.cli(
        "redeploy", "--from", iso(old - 60), "--to", iso(old + 60), "--yes", "-o", "json"
    )
    assert result.exit_code == 0, result.output
    assert [p["digest"] for p in json.loads(result.stdout)["pushes"]] == [DIGEST_A]


def test_given_a_push_received_inside_but_timed_before_the_window_then_not_listed(
    world: World,
) -> None:
    """The replay selects on the event's own time: a push timed before --from (received
    after it) is not in the window, whatever its startedAt."""
    start = time.time() - 7200
    record_push(world, DIGEST_A, COMMIT_A, start + 5, "a00012", eventTime=start - 5)
    result = world.cli("redeploy", "--from", iso(start), "--to", iso(start + 600), "--yes")
    assert result.exit_code == 2
    assert "no archived push between" in result.stderr
    record_push(world, DIGEST_B, COMMIT_B, start + 9, "b00012", eventTime=start + 8)
    result = world.cli("redeploy", "--from", iso(start), "--to", iso(start + 600), "--yes")
    assert result.exit_code == 0, result.output
    assert DIGEST_B[7:19] in result.stdout


def iso(epoch: float) -> str:
    from turnout_cli.parsing import iso as cli_iso

    return cli_iso(epoch)
