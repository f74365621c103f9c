"""Server mode, BuildTrigger=manual and a long bake: gated builds, status, promote, rollback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from following import followed
from server_world import World, start_world, wait_for

from turnout_sandbox.server import ServerOptions


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    # bake 30 virtual minutes at x100 = 18 s: time to act while the gate holds
    yield from start_world(
        ServerOptions(port=0, speed=100, trigger="manual", bake_minutes=30, timeout_minutes=60)
    )


def at_gate(world: World, commit: str) -> dict[str, Any]:
    """Build ``commit`` by hand and wait until `turnout status` shows its deployment at the gate."""
    wait_for("the service to settle", world.settled, 90)
    started = world.cli("build", "--commit", commit, "--yes")
    assert started.returncode == 0, started.stderr

    def gated() -> dict[str, Any] | None:
        snap: dict[str, Any] = world.cli_json("status")
        hit = [r for r in snap["running"] if r["kind"] == "deploy" and r["phase"] == "gate"]
        return snap if hit and hit[0]["commitId"] == commit else None

    return wait_for(f"the deployment of {commit[:12]} to reach its gate", gated, 90)


def test_given_manual_trigger_when_pushed_then_nothing_builds_and_build_commit_wait_deploys_it(
    world: World,
) -> None:
    builds = len(world.executions("build"))
    commit = world.push("A gated change")
    assert len(world.executions("build")) == builds  # the push event was delivered: no build
    done = followed(world, "build", "--commit", commit, timeout=180)
    assert done.returncode == 0, done.stderr
    assert f"succeeded: commit {commit[:12]}" in done.stdout
    assert world.serving_commit() == commit
    rows = [r for r in world.history() if r["commitId"] == commit]
    assert {(r["kind"], r["trigger"], r["result"]) for r in rows} == {
        ("build", "manual", "succeeded"),
        ("deploy", "manual", "succeeded"),
    }


def test_given_a_deployment_at_its_gate_when_status_then_phase_gate_and_serving_commit(
    world: World,
) -> None:
    before = world.serving_commit()
    commit = world.push("A change to watch")
    snap = at_gate(world, commit)
    running = next(r for r in snap["running"] if r["kind"] == "deploy")
    assert running["deploymentId"].startswith("d-")
    assert running["gate"] is not None
    assert snap["serving"]["commitId"] == before
    table = world.cli("status")
    assert table.returncode == 0
    assert "gate" in table.stdout
    assert commit[:12] in table.stdout
    assert world.cli("promote", "--yes").returncode == 0  # leave the service settled
    world.wait_deployed(commit, "manual")


def gate_ended_by(world: World, verb: str, said: str, timeout: float) -> tuple[str, dict[str, Any]]:
    """A pushed change built by hand, held at its gate, then `turnout <verb> --yes` (which
    says ``said``): the commit and its deploy row once the deployment ended."""
    commit = world.push(f"A change to {verb}")
    at_gate(world, commit)
    done = world.cli(verb, "--yes")
    assert done.returncode == 0, done.stderr
    assert said in done.stdout
    return commit, world.wait_deployed(commit, "manual", timeout=timeout)


def test_given_a_deployment_at_its_gate_when_promote_yes_then_it_succeeds_early_and_old_tasks_go(
    world: World,
) -> None:
    commit, row = gate_ended_by(world, "promote", "promoted deployment d-", timeout=30)
    assert row["result"] == "succeeded"
    assert float(row["endedAt"]) - float(row["startedAt"]) < 30 * 60  # before the bake ended
    assert world.serving_commit() == commit
    assert len(world.task_sets()) == 1


def test_given_a_deployment_at_its_gate_when_rollback_yes_then_rolled_back_and_original_serves(
    world: World,
) -> None:
    before = world.serving_commit()
    _, row = gate_ended_by(world, "rollback", "rollback requested", timeout=60)
    assert row["result"] == "rolled_back"
    assert world.serving_commit() == before
    assert len(world.task_sets()) == 1


@pytest.mark.parametrize("verb", ["promote", "rollback"])
def test_given_nothing_running_when_promote_or_rollback_then_exit_2_one_line(
    world: World, verb: str
) -> None:
    wait_for("the service to settle", world.settled, 90)
    done = world.cli(verb, "--yes")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"turnout: error: nothing to {verb.replace('rollback', 'roll back')}: no deployment of "
        "cluster-hello-aws/service-hello-aws is running"
    ]
