"""Server mode with DeploymentEngine=ecs (`turnout sandbox serve --engine ecs`): the demo
service under ECS built-in blue/green, and `turnout promote` / `turnout rollback` answering
turnout's PAUSE hook through the deploy execution (ContinueServiceDeployment)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from server_world import World, start_world
from test_server_gate import at_gate

from turnout_sandbox.server import ServerOptions


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    # bake 30 virtual minutes at x100 = 18 s: time to act while the gate holds
    yield from start_world(
        ServerOptions(
            port=0, speed=100, trigger="manual", bake_minutes=30, timeout_minutes=60, engine="ecs"
        )
    )


def _pause_hook(world: World, row: dict[str, Any]) -> dict[str, Any]:
    """ECS's own record of the deployment (DescribeServiceDeployments) and its PAUSE hook."""
    found = world.client("ecs").describe_service_deployments(
        serviceDeploymentArns=[row["serviceDeploymentArn"]]
    )["serviceDeployments"][0]
    (hook,) = [h for h in found["lifecycleHookDetails"] if h["targetType"] == "PAUSE"]
    return {"status": found["status"], "hook": hook["status"]}


def _ended_by(world: World, verb: str, said: str) -> tuple[str, dict[str, Any]]:
    commit = world.push(f"A change to {verb} (ECS blue/green)")
    snap = at_gate(world, commit)
    running = next(r for r in snap["running"] if r["kind"] == "deploy")
    assert running["deploymentId"].startswith("arn:aws:ecs:")
    done = world.cli(verb, "--yes")
    assert done.returncode == 0, done.stderr
    assert said in done.stdout
    return commit, world.wait_deployed(commit, "manual", timeout=60)


def test_given_the_ecs_engine_when_served_then_the_stack_says_ecs_and_the_service_is_ecs_blue_green(
    world: World,
) -> None:
    assert world.outputs["DeploymentEngine"] == "ecs"
    service = world.client("ecs").describe_services(
        cluster=world.outputs["ClusterName"], services=[world.outputs["ServiceName"]]
    )["services"][0]
    assert service["deploymentController"]["type"] == "ECS"
    assert service["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"


def test_given_an_ecs_deployment_at_its_gate_when_promoted_then_the_pause_hook_is_continued(
    world: World,
) -> None:
    commit, row = _ended_by(world, "promote", "the old revision is being terminated")
    assert row["result"] == "succeeded"
    assert float(row["endedAt"]) - float(row["startedAt"]) < 30 * 60  # before the bake ended
    assert world.serving_commit() == commit
    assert _pause_hook(world, row) == {"status": "SUCCESSFUL", "hook": "SUCCEEDED"}


def test_given_an_ecs_deployment_at_its_gate_when_rolled_back_then_ecs_rolls_back_at_the_hook(
    world: World,
) -> None:
    before = world.serving_commit()
    _, row = _ended_by(world, "rollback", "rollback requested")
    assert row["result"] == "rolled_back"
    assert row["error"]["type"] == "RollbackRequested"
    assert world.serving_commit() == before
    assert _pause_hook(world, row) == {"status": "ROLLBACK_SUCCESSFUL", "hook": "FAILED"}
