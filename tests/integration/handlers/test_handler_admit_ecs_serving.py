"""functions/admit: what serves comes from ECS, not only the ledger (issue 8 item 6): a push
of the digest the service's primary task set runs is a duplicate, on a fresh install too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.handlers.conftest import (
    ACCOUNT,
    CLUSTER,
    ECR_REPOSITORY,
    REGION,
    SERVICE,
    World,
    digest_of,
)
from turnout.logic.admit import ecs_serving


def _serve(world: World, digest: str, controller: str) -> str:
    """The ECS service running a task definition pinned to ``digest``; its ARN."""
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{ECR_REPOSITORY}@{digest}"
    arn: str = world.ecs.register_task_definition(
        family="hello-aws",
        containerDefinitions=[
            {"name": "web", "image": image, "memory": 128},
            {"name": "sidecar", "image": "public.ecr.aws/nginx/nginx:1.27", "memory": 64},
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    if controller == "ECS":
        world.ecs.create_service(
            cluster=CLUSTER, serviceName=SERVICE, taskDefinition=arn, desiredCount=1
        )
    else:
        world.ecs.create_service(
            cluster=CLUSTER,
            serviceName=SERVICE,
            desiredCount=1,
            deploymentController={"type": "CODE_DEPLOY"},
        )
        task_set = world.ecs.create_task_set(cluster=CLUSTER, service=SERVICE, taskDefinition=arn)
        world.ecs.update_service_primary_task_set(
            cluster=CLUSTER, service=SERVICE, primaryTaskSet=task_set["taskSet"]["taskSetArn"]
        )
    return arn


def _admit(world: World, found: dict[str, Any]) -> dict[str, Any]:
    return world.call("admit", {"attempt": found})


@pytest.mark.parametrize("controller", ["ECS", "CODE_DEPLOY"])
def test_given_a_fresh_install_when_the_digest_ecs_serves_is_pushed_then_it_is_a_duplicate(
    world: World, controller: str
) -> None:
    found = world.push_attempt(1)
    _serve(world, found["digest"], controller)
    assert world.attempts() == []  # nothing in the ledger

    result = _admit(world, found)

    assert result["decision"] == "duplicate"
    assert "ECS: the service's primary task set runs it" in result["reason"]
    assert world.state()["running"] is None


def test_given_ecs_serving_another_digest_when_a_push_arrives_then_it_runs(world: World) -> None:
    _serve(world, digest_of(99), "CODE_DEPLOY")

    result = _admit(world, world.push_attempt(1))

    assert result["decision"] == "run"


def test_given_a_replay_of_the_digest_ecs_serves_when_admitting_then_it_redeploys(
    world: World,
) -> None:
    found = world.push_attempt(1)
    _serve(world, found["digest"], "ECS")

    result = _admit(world, found | {"trigger": "replay", "replayName": "turnout-redeploy-1"})

    assert result["decision"] == "run"


def test_given_a_service_when_naming_what_ecs_serves_then_the_task_definition_and_images(
    world: World,
) -> None:
    assert ecs_serving(world.deps) is None  # no service yet
    arn = _serve(world, digest_of(7), "CODE_DEPLOY")

    serving = ecs_serving(world.deps)

    assert serving is not None
    assert serving.task_definition_arn == arn
    assert serving.digests == frozenset({digest_of(7)})
    assert serving.images[1] == "public.ecr.aws/nginx/nginx:1.27"
