"""functions/render with the ecs deploy state machine's input (DeploymentEngine=ecs): the
digest-pinned task definition as for CodeDeploy, no AppSpec, the service checked before
anything is registered, the deployment configuration with turnout's PAUSE hook."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.handlers.conftest import CLUSTER, SERVICE, SERVICE_KEY, World, attempt
from tests.integration.handlers.render_service import FIXTURE_POLICY, create_service
from turnout.adapters.ecs import Ecs
from turnout.deps import Deps
from turnout.ecs_engine import GATE_STAGE
from turnout.errors import ConfigError, InvalidEvent

pytestmark = pytest.mark.integration

RULE = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:listener-rule/app/a/1/2/3"
TG = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup"
ROLE = "arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers"


def _render(world: World, engine: str = "ecs", **overrides: Any) -> dict[str, Any]:
    deps = world.with_config(**(FIXTURE_POLICY | {"GATE_TARGET_HEALTH": "false"} | overrides))
    return world.call("render", {"engine": engine, "attempt": attempt()}, deps=deps)


@dataclass
class BlueGreenDescribed:
    """moto's ECS client, but DescribeServices answers the service as ECS does under ECS
    built-in blue/green (botocore model, Service: deploymentController, deploymentConfiguration
    .strategy, loadBalancers[].advancedConfiguration): moto 5.2.5 drops the strategy and the
    advanced configuration (the sandbox's ecs_bluegreen emulator adds them)."""

    moto: Any
    service: dict[str, Any]

    def describe_services(self, **_: Any) -> dict[str, Any]:
        return {"services": [self.service], "failures": []}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.moto, name)


def _blue_green_deps(world: World) -> Deps:
    create_service(world)
    described = world.ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    described |= {
        "deploymentController": {"type": "ECS"},
        "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 10},
        "loadBalancers": [
            {
                "targetGroupArn": f"{TG}/blue/1",
                "containerName": "hello-aws",
                "containerPort": 8080,
                "advancedConfiguration": {
                    "alternateTargetGroupArn": f"{TG}/green/2",
                    "productionListenerRule": RULE,
                    "roleArn": ROLE,
                },
            }
        ],
    }
    deps = world.with_config(**(FIXTURE_POLICY | {"GATE_TARGET_HEALTH": "false"}))
    client = BlueGreenDescribed(world.ecs, described)
    return dataclasses.replace(deps, ecs=Ecs(CLUSTER, SERVICE, client))  # type: ignore[arg-type]


def test_given_a_code_deploy_service_when_rendering_for_ecs_then_nothing_is_registered(
    world: World,
) -> None:
    create_service(world)
    world.sources()

    with pytest.raises(ConfigError, match="deploymentController CODE_DEPLOY"):
        _render(world)
    assert world.task_definitions() == []


def test_given_gate_target_health_when_rendering_for_ecs_then_config_error_says_what_to_set(
    world: World,
) -> None:
    create_service(world)
    world.sources()

    with pytest.raises(ConfigError, match="GateTargetHealth=true is not supported"):
        _render(world, GATE_TARGET_HEALTH="true")
    assert world.task_definitions() == []


def test_given_an_unknown_engine_when_rendering_then_the_error_names_it(world: World) -> None:
    create_service(world)
    world.sources()

    with pytest.raises(InvalidEvent, match="engine 'lambda'"):
        _render(world, engine="lambda")
    assert world.task_definitions() == []


def test_given_a_blue_green_service_when_rendering_for_ecs_then_the_pause_hook_configuration_is_built(
    world: World,
) -> None:
    deps = _blue_green_deps(world)
    world.sources(appspec=None)  # ECS needs no AppSpec

    result = world.call("render", {"engine": "ecs", "attempt": attempt()}, deps=deps)

    assert world.task_definitions() == [result["taskDefinitionArn"]]
    registered = world.ecs.describe_task_definition(taskDefinition=result["taskDefinitionArn"])
    image = registered["taskDefinition"]["containerDefinitions"][0]["image"]
    assert image == attempt()["imageUri"]
    config = result["deploymentConfiguration"]
    assert config["strategy"] == "BLUE_GREEN"
    assert config["bakeTimeInMinutes"] == 0
    # the gate's budget (30 + 5 minutes) plus one check interval, then ECS rolls back
    assert config["lifecycleHooks"] == [
        {
            "targetType": "PAUSE",
            "lifecycleStages": [GATE_STAGE],
            "timeoutConfiguration": {"timeoutInMinutes": 36, "action": "ROLLBACK"},
        }
    ]
    assert result["engine"] == "ecs"
    assert "appSpecContent" not in result
    row = world.deps.store.get_attempt(SERVICE_KEY, attempt()["attemptId"])
    assert row is not None
    assert (row["engine"], row["phase"]) == ("ecs", "deploying")


def _stepped_deps(world: World, configuration: dict[str, Any]) -> Deps:
    deps = _blue_green_deps(world)
    client = deps.ecs.api
    client.service["deploymentConfiguration"] = configuration  # type: ignore[attr-defined]
    return deps


def test_given_a_canary_service_gated_every_step_when_rendered_then_it_pauses_before_each_step(
    world: World,
) -> None:
    canary = {
        "strategy": "CANARY",
        "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 20},
    }
    deps = _stepped_deps(world, canary)
    world.sources(appspec=None)

    result = world.call(
        "render",
        {"engine": "ecs", "pauses": {"everyTrafficStep": "true"}, "attempt": attempt()},
        deps=deps,
    )

    config = result["deploymentConfiguration"]
    assert [h["lifecycleStages"] for h in config["lifecycleHooks"]] == [
        ["PRE_PRODUCTION_TRAFFIC_SHIFT"],
        [GATE_STAGE],
    ]
    assert {h["timeoutConfiguration"]["timeoutInMinutes"] for h in config["lifecycleHooks"]} == {36}
    assert config["canaryConfiguration"] == canary["canaryConfiguration"]
    # each gate wait: the hook's 36 minutes, the canary's 20-minute bake, the allowance
    assert result["gateWaitTimeoutSeconds"] == (36 + 20) * 60 + 3600


def test_given_bad_pauses_in_the_state_when_rendering_then_nothing_is_registered(
    world: World,
) -> None:
    deps = _blue_green_deps(world)
    world.sources(appspec=None)

    with pytest.raises(InvalidEvent, match="everyTrafficStep"):
        world.call(
            "render",
            {"engine": "ecs", "pauses": {"everyTrafficStep": "sometimes"}, "attempt": attempt()},
            deps=deps,
        )
    assert world.task_definitions() == []


def test_given_an_approval_when_rendered_then_the_gate_wait_outlasts_the_approval_hook(
    world: World,
) -> None:
    deps = _blue_green_deps(world)
    world.sources(appspec=None)
    pauses = {"everyTrafficStep": "false", "approval": "true", "approvalTimeoutMinutes": "120"}

    result = world.call(
        "render", {"engine": "ecs", "pauses": pauses, "attempt": attempt()}, deps=deps
    )

    hooks = result["deploymentConfiguration"]["lifecycleHooks"]
    assert [
        (h["lifecycleStages"], h["timeoutConfiguration"]["timeoutInMinutes"]) for h in hooks
    ] == [
        (["POST_TEST_TRAFFIC_SHIFT"], 120),
        ([GATE_STAGE], 36),
    ]
    # past the approval's 120 minutes ECS rolls back and its event ends the wait first
    assert result["gateWaitTimeoutSeconds"] == 120 * 60 + 3600
