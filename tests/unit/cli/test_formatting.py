from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from turnout_cli.errors import CliError
from turnout_cli.ledger import HISTORY_COLUMNS, history_rows, is_push, record, records
from turnout_cli.ops.replay import digest_window, pushes_between
from turnout_cli.status import (
    GateView,
    Running,
    SlotView,
    Snapshot,
    last_state_entered,
    phase_of_state,
    status_rows,
    traffic_phase,
    watch,
)

T0 = 1_795_000_000.0  # 2026-11-18T...
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64


def deploy_row(
    attempt: str, started: float, digest: str = DIGEST_A, **extra: Any
) -> dict[str, Any]:
    return {
        "attemptId": attempt,
        "kind": "deploy",
        "trigger": "push",
        "commitId": "c" * 40,
        "digest": digest,
        "eventId": f"ev-{attempt}",
        "startedAt": started,
        "result": "succeeded",
    } | extra


def test_given_a_finished_ledger_row_when_recorded_then_every_history_field_is_there() -> None:
    row = deploy_row(
        "20261126T000000000000Z-aaaaaa",
        T0,
        endedAt=T0 + 312.5,
        durationSeconds=312.5,
        taskDefinitionArn="arn:aws:ecs:ap-northeast-2:123456789012:task-definition/task-hello-aws:7",
        taskDefinitionRevision=7,
        deploymentId="d-ABC123",
        phase="succeeded",
    )
    item = record(row, now=T0 + 1000)
    assert item["commitId"] == "c" * 40
    assert item["digest"] == DIGEST_A
    assert item["taskDefinitionArn"].endswith(":7")
    assert item["taskDefinitionRevision"] == 7
    assert item["deploymentId"] == "d-ABC123"
    assert item["trigger"] == "push"
    assert item["result"] == "succeeded"
    assert item["durationSeconds"] == 312.5
    assert item["startedAt"].endswith("Z")
    assert item["endedAt"].endswith("Z")
    json.dumps(item)  # JSON-safe


def test_given_a_running_row_without_duration_when_recorded_then_duration_is_time_so_far() -> None:
    item = record(deploy_row("a", T0, result="running"), now=T0 + 42)
    assert item["durationSeconds"] == 42
    assert item["endedAt"] == ""


def test_given_rows_in_any_order_when_listed_then_newest_first() -> None:
    rows = [
        deploy_row("20261126T000001000000Z-aaaaaa", T0),
        deploy_row("20261126T000003000000Z-bbbbbb", T0 + 2),
        deploy_row("20261126T000002000000Z-cccccc", T0 + 1),
    ]
    assert [r["attemptId"][-6:] for r in records(rows, T0)] == ["bbbbbb", "cccccc", "aaaaaa"]


def test_given_history_records_when_tabled_then_cells_are_short_and_aligned_to_columns() -> None:
    item = record(
        deploy_row(
            "a",
            T0,
            taskDefinitionRevision=7,
            deploymentId="d-1",
            durationSeconds=65,
            result="rolled_back",
            error={"type": "GateFailed", "message": "2 of 2 unhealthy"},
        ),
        T0,
    )
    (cells,) = history_rows([item])
    assert len(cells) == len(HISTORY_COLUMNS)
    assert cells[3] == "c" * 12
    assert cells[4] == "a" * 12
    assert cells[5] == "rev 7"
    assert cells[7] == "rolled back (GateFailed)"
    assert cells[8] == "1m 05s"


def test_given_rows_when_filtered_for_pushes_then_replays_and_builds_are_not_pushes() -> None:
    assert is_push(deploy_row("a", T0))
    assert not is_push(deploy_row("a", T0, trigger="replay"))
    assert not is_push({"kind": "build", "startedAt": T0, "eventId": "x"})
    assert not is_push(deploy_row("a", T0, eventId=""))


def test_given_a_digest_between_other_pushes_when_windowed_then_neighbours_stay_outside() -> None:
    rows = [
        deploy_row("1", T0 - 30, DIGEST_B),
        deploy_row("2", T0 + 0.4, DIGEST_A),
        deploy_row("3", T0 + 5, DIGEST_B),
    ]
    now = datetime.fromtimestamp(T0 + 3600, tz=UTC)
    start, end, notes = digest_window(rows, DIGEST_A, now)
    assert start.timestamp() == T0 - 29
    assert end.timestamp() == T0 + 1
    assert "narrow window" in notes[0]
    inside = pushes_between(rows, start, end, T0)
    assert DIGEST_A in [p["digest"] for p in inside]


def test_given_a_digest_the_ledger_never_saw_when_windowed_then_usage_error_names_it() -> None:
    with pytest.raises(CliError, match=f"--digest {DIGEST_B}: no push of it is recorded"):
        digest_window([deploy_row("1", T0)], DIGEST_B, datetime.fromtimestamp(T0, tz=UTC))


@pytest.mark.parametrize(
    ("kind", "state", "phase"),
    [
        ("deploy", "ResolveImage", "admitting"),
        ("deploy", "RenderTaskDefinition", "rendering"),
        ("deploy", "CreateDeployment", "deploying"),
        ("deploy", "WaitForHealthGate", "traffic shifting"),
        ("deploy", "TerminateOriginalTaskSet", "terminating"),
        ("deploy", "WaitForDeploymentSuccess", "terminating"),
        ("deploy", "RollBack", "rolling back"),
        ("deploy", "WaitForRollback", "rolling back"),
        ("build", "BuildImage", "building"),
        ("deploy", "Mystery", "running (Mystery)"),
        ("build", "", "starting"),
    ],
)
def test_given_the_last_entered_state_when_mapped_then_the_phase(
    kind: str, state: str, phase: str
) -> None:
    assert phase_of_state(kind, state) == phase


def test_given_an_execution_history_when_read_then_the_last_entered_state_wins() -> None:
    events = [
        {
            "id": 5,
            "type": "TaskStateEntered",
            "stateEnteredEventDetails": {"name": "WaitForHealthGate"},
        },
        {"id": 6, "type": "TaskScheduled"},
        {"id": 2, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "Admit"}},
    ]
    assert last_state_entered(events) == "WaitForHealthGate"
    assert last_state_entered([]) == ""


def test_given_ecs_lifecycle_events_when_mapped_then_test_then_production_traffic() -> None:
    done = {"status": "Succeeded"}
    events = [
        {"lifecycleEventName": "Install"} | done,
        {"lifecycleEventName": "AllowTestTraffic"} | done,
        {"lifecycleEventName": "AllowTraffic", "status": "InProgress"},
    ]
    assert traffic_phase(events) == "production traffic"
    assert traffic_phase(events[:2]) == "test traffic"
    assert traffic_phase([]) is None


def test_given_a_gate_healthy_for_a_while_when_described_then_bake_time_left_and_timeout() -> None:
    item = {"gateStartedAt": T0, "gateState": {"healthy_since": repr(T0 + 60), "checks": 3}}
    gate = GateView.from_item(item, bake_seconds=300, timeout_seconds=1800)
    assert gate is not None
    assert gate.describe(T0 + 120) == "4m 00s left of the 5m 00s bake; times out in 28m 00s"
    assert gate.to_dict(T0 + 120)["bakeLeftSeconds"] == 240


def test_given_a_gate_without_policy_when_described_then_elapsed_only() -> None:
    gate = GateView.from_item({"gateStartedAt": T0}, None, None)
    assert gate is not None
    assert gate.describe(T0 + 75) == "gate open for 1m 15s"
    assert GateView.from_item({"taskToken": "t"}, 300, 1800) is None


def snapshot(running: tuple[Running, ...] = (), queued: SlotView | None = None) -> Snapshot:
    return Snapshot(
        stack="s",
        service="c/s",
        now=T0 + 100,
        serving=SlotView("a1", "c" * 40, DIGEST_A, "push", 6, "d-OLD", T0),
        running=running,
        queued=queued,
    )


def test_given_a_gate_deployment_and_a_queue_when_tabled_then_rows_show_phase_and_time_left() -> (
    None
):
    gate = GateView(started_at=T0, healthy_since=T0, bake_seconds=300)
    snap = snapshot(
        (
            Running(
                "deploy",
                "gate",
                deployment_id="d-NEW",
                commit_id="e" * 40,
                digest=DIGEST_B,
                started_at=T0,
                gate=gate,
            ),
        ),
        SlotView("a3", "f" * 40, DIGEST_A, "push"),
    )
    rows = status_rows(snap)
    assert [r[0] for r in rows] == ["serving", "deploying", "queued"]
    assert rows[0][4] == "rev 6"
    assert rows[1][1] == "gate"
    assert rows[1][5] == "d-NEW"
    assert rows[1][8] == "3m 20s left of the 5m 00s bake"
    data = snap.to_dict()
    assert data["running"][0]["gate"]["bakeLeftSeconds"] == 200
    assert data["queued"]["commitId"] == "f" * 40


def test_given_nothing_running_when_tabled_then_it_says_so() -> None:
    rows = status_rows(Snapshot(stack="s", service="c/s", now=T0))
    assert rows[0][1] == "nothing deployed by turnout yet"
    assert rows[1][1] == "nothing running"
    assert rows[2][1] == "queue empty"


def test_given_a_deployment_that_ends_when_watched_then_it_stops_after_the_idle_snapshot() -> None:
    busy = snapshot((Running("deploy", "gate"),))
    idle = snapshot()
    feed = [busy, busy, idle, busy]
    shown: list[Snapshot] = []
    slept: list[float] = []
    last = watch(lambda: feed.pop(0), shown.append, slept.append, 0.5)
    assert last is idle
    assert shown == [busy, busy, idle]
    assert slept == [0.5, 0.5]
