"""The CodeDeploy ECS blue/green emulator, driven through boto3 under mock_aws()."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.integration.ecs_services import create_code_deploy_service
from tests.integration.sandbox.conftest import MotoClients, emulated
from tests.integration.sandbox.conftest import wait_for as conftest_wait_for
from turnout_sandbox.emulators import codedeploy
from turnout_sandbox.runtime import DEFAULT_REGION, Runtime

REGION = DEFAULT_REGION
CLUSTER = "cluster-hello-aws"
SERVICE = "service-hello-aws"
FAMILY = "task-hello-aws"
CONTAINER = "hello-aws"
PORT = 8080
APP = "app-hello-aws"
SPEED = 1000.0
REAL_DEADLINE = 20.0  # real seconds any wait in these tests may take


# --------------------------------------------------------------------------- fakes
@dataclass
class FakeHooks:
    """Lambda invoker: answers hooks through PutLifecycleEventHookExecutionStatus."""

    answers: dict[str, str] = field(default_factory=dict)  # event -> Succeeded|Failed|hold
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    invoked: threading.Event = field(default_factory=threading.Event)

    def __call__(self, function: str, payload: Any) -> None:
        self.calls.append((function, dict(payload)))
        self.invoked.set()
        event = function.rsplit("-", 1)[-1]
        answer = self.answers.get(event, "Succeeded")
        if answer == "hold":
            return
        boto3.client("codedeploy", region_name=REGION).put_lifecycle_event_hook_execution_status(
            deploymentId=payload["DeploymentId"],
            lifecycleEventHookExecutionId=payload["LifecycleEventHookExecutionId"],
            status=answer,
        )


@dataclass
class World(MotoClients):
    runtime: Runtime
    events: list[dict[str, Any]]
    hooks: FakeHooks
    blue_tg: str
    green_tg: str
    prod_listener: str
    test_listener: str
    blue_task_set: str
    taskdef_v2: str
    network: dict[str, Any]

    @cached_property
    def cd(self) -> Any:
        return boto3.client("codedeploy", region_name=REGION)

    def now(self) -> float:
        return self.runtime.clock.now()


@pytest.fixture
def world(aws_env: None) -> Iterator[World]:
    with emulated(codedeploy, SPEED, lambda _: FakeHooks(), codedeploy.reset) as (
        runtime,
        events,
        hooks,
    ):
        yield _build_world(runtime, events, hooks)


def _build_world(runtime: Runtime, events: list[dict[str, Any]], hooks: FakeHooks) -> World:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{REGION}{az}")["Subnet"][
            "SubnetId"
        ]
        for cidr, az in (("10.0.1.0/24", "a"), ("10.0.2.0/24", "b"))
    ]
    sg = ec2.create_security_group(GroupName="hello", Description="hello", VpcId=vpc)["GroupId"]
    elb = boto3.client("elbv2", region_name=REGION)
    lb = elb.create_load_balancer(Name="alb-hello", Subnets=subnets, SecurityGroups=[sg])[
        "LoadBalancers"
    ][0]["LoadBalancerArn"]
    tgs = [
        elb.create_target_group(Name=name, Protocol="HTTP", Port=PORT, VpcId=vpc, TargetType="ip")[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        for name in ("tg-hello-1", "tg-hello-2")
    ]
    listeners = [
        elb.create_listener(
            LoadBalancerArn=lb,
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[0]}],
        )["Listeners"][0]["ListenerArn"]
        for port in (80, 8080)
    ]
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName=CLUSTER)
    network = {
        "awsvpcConfiguration": {
            "subnets": subnets,
            "securityGroups": [sg],
            "assignPublicIp": "DISABLED",
        }
    }
    v1, v2 = (_register_taskdef(ecs, f"hello:{n}") for n in (1, 2))
    create_code_deploy_service(
        ecs,
        CLUSTER,
        SERVICE,
        v1,
        2,
        network,
        loadBalancers=[
            {"targetGroupArn": tgs[0], "containerName": CONTAINER, "containerPort": PORT}
        ],
    )
    blue = ecs.create_task_set(
        cluster=CLUSTER,
        service=SERVICE,
        taskDefinition=v1,
        launchType="FARGATE",
        networkConfiguration=network,
        loadBalancers=[
            {"targetGroupArn": tgs[0], "containerName": CONTAINER, "containerPort": PORT}
        ],
        scale={"value": 100.0, "unit": "PERCENT"},
    )["taskSet"]["taskSetArn"]
    ecs.update_service_primary_task_set(cluster=CLUSTER, service=SERVICE, primaryTaskSet=blue)
    boto3.client("codedeploy", region_name=REGION).create_application(
        applicationName=APP, computePlatform="ECS"
    )
    return World(
        runtime, events, hooks, tgs[0], tgs[1], listeners[0], listeners[1], blue, v2, network
    )


def _register_taskdef(ecs: Any, image: str) -> str:
    arn: str = ecs.register_task_definition(
        family=FAMILY,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": CONTAINER,
                "image": image,
                "memory": 512,
                "portMappings": [{"containerPort": PORT, "protocol": "tcp"}],
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    return arn


def make_group(
    world: World,
    name: str,
    *,
    config: str = "CodeDeployDefault.ECSAllAtOnce",
    termination_minutes: int = 0,
    rollback: bool = True,
) -> str:
    world.cd.create_deployment_group(
        applicationName=APP,
        deploymentGroupName=name,
        serviceRoleArn="arn:aws:iam::123456789012:role/AWSCodeDeployRoleForECS",
        deploymentConfigName=config,
        deploymentStyle={
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        blueGreenDeploymentConfiguration={
            "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "TERMINATE",
                "terminationWaitTimeInMinutes": termination_minutes,
            },
        },
        autoRollbackConfiguration={
            "enabled": rollback,
            "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"],
        },
        ecsServices=[{"serviceName": SERVICE, "clusterName": CLUSTER}],
        loadBalancerInfo={
            "targetGroupPairInfoList": [
                {
                    "targetGroups": [{"name": "tg-hello-1"}, {"name": "tg-hello-2"}],
                    "prodTrafficRoute": {"listenerArns": [world.prod_listener]},
                    "testTrafficRoute": {"listenerArns": [world.test_listener]},
                }
            ]
        },
    )
    return name


def appspec(
    world: World, *, hooks: dict[str, str] | None = None, container: str = CONTAINER
) -> str:
    document = {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": world.taskdef_v2,
                        "LoadBalancerInfo": {"ContainerName": container, "ContainerPort": PORT},
                    },
                }
            }
        ],
        "Hooks": [{event: function} for event, function in (hooks or {}).items()],
    }
    return json.dumps(document)


def deploy(world: World, group: str, content: str) -> str:
    deployment_id: str = world.cd.create_deployment(
        applicationName=APP,
        deploymentGroupName=group,
        revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": content}},
    )["deploymentId"]
    return deployment_id


def wait_for(what: str, predicate: Callable[[], Any]) -> Any:
    return conftest_wait_for(predicate, timeout=REAL_DEADLINE, what=what)


def info(world: World, deployment_id: str) -> dict[str, Any]:
    result: dict[str, Any] = world.cd.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    return result


def wait_status(world: World, deployment_id: str, status: str) -> dict[str, Any]:
    result: dict[str, Any] = wait_for(
        f"{deployment_id} to be {status}",
        lambda: (i := info(world, deployment_id))["status"] == status and i,
    )
    return result


def prod_action(world: World, listener: str | None = None) -> dict[str, Any]:
    described = world.elb.describe_listeners(ListenerArns=[listener or world.prod_listener])
    action: dict[str, Any] = described["Listeners"][0]["DefaultActions"][0]
    return action


def task_sets(world: World) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = world.ecs.describe_task_sets(cluster=CLUSTER, service=SERVICE)[
        "taskSets"
    ]
    return result


def states(world: World, until: str) -> list[str]:
    """The CodeDeploy event states emitted, once ``until`` arrived (events trail the status)."""

    def emitted() -> list[str]:
        return [e["detail"]["state"] for e in world.events if e["source"] == "aws.codedeploy"]

    wait_for(f"the {until} event", lambda: until in emitted())
    return emitted()


def states_of(world: World, deployment_id: str) -> list[str]:
    """The CodeDeploy event states emitted for one deployment."""
    return [
        e["detail"]["state"]
        for e in world.events
        if e["source"] == "aws.codedeploy" and e["detail"]["deploymentId"] == deployment_id
    ]


def answer_held_hook(world: World, deployment_id: str, status: str) -> None:
    """Answer the one held hook the way a hook Lambda does."""
    execution_id = world.hooks.calls[-1][1]["LifecycleEventHookExecutionId"]
    world.cd.put_lifecycle_event_hook_execution_status(
        deploymentId=deployment_id, lifecycleEventHookExecutionId=execution_id, status=status
    )


def hook_functions(**events: str) -> dict[str, str]:
    return {event: f"CodeDeployHook_hello-{event}" for event in events}


def deploy_holding(world: World, group: str, event: str) -> str:
    """Deploy with one hook on ``event`` that never answers; return once it was invoked."""
    world.hooks.answers[event] = "hold"
    deployment_id = deploy(world, group, appspec(world, hooks=hook_functions(**{event: "x"})))
    wait_for(f"the {event} hook", world.hooks.invoked.is_set)
    return deployment_id


# --------------------------------------------------------------------------- tests
def test_given_all_at_once_group_with_hook_when_deploying_then_green_serves_and_blue_is_gone(
    world: World,
) -> None:
    group = make_group(world, "dg-happy")
    deployment_id = deploy(
        world, group, appspec(world, hooks=hook_functions(AfterAllowTraffic="x"))
    )

    final = wait_status(world, deployment_id, "Succeeded")

    assert deployment_id.startswith("d-")
    assert len(deployment_id) == 11
    assert [payload for _, payload in world.hooks.calls] == [
        {
            "DeploymentId": deployment_id,
            "LifecycleEventHookExecutionId": world.hooks.calls[0][1][
                "LifecycleEventHookExecutionId"
            ],
        }
    ]
    assert world.hooks.calls[0][0] == "CodeDeployHook_hello-AfterAllowTraffic"
    remaining = task_sets(world)
    assert len(remaining) == 1
    assert remaining[0]["status"] == "PRIMARY"
    assert remaining[0]["taskDefinition"] == world.taskdef_v2
    assert remaining[0]["taskSetArn"] != world.blue_task_set
    assert prod_action(world)["TargetGroupArn"] == world.green_tg
    assert prod_action(world, world.test_listener)["TargetGroupArn"] == world.green_tg
    assert states(world, "SUCCESS") == ["START", "SUCCESS"]
    success = world.events[-1]
    assert success["detail-type"] == "CodeDeploy Deployment State-change Notification"
    assert success["detail"]["deploymentId"] == deployment_id
    assert success["detail"]["deploymentGroup"] == group
    assert success["detail"]["application"] == APP
    assert final["deploymentOverview"]["Succeeded"] == 1
    assert "errorInformation" not in final
    target = world.cd.get_deployment_target(
        deploymentId=deployment_id, targetId=f"{CLUSTER}:{SERVICE}"
    )["deploymentTarget"]["ecsTarget"]
    assert [e["lifecycleEventName"] for e in target["lifecycleEvents"]] == list(
        codedeploy.ECS_LIFECYCLE
    )
    assert {e["status"] for e in target["lifecycleEvents"]} == {"Succeeded"}
    assert target["status"] == "Succeeded"


def test_given_green_task_set_when_describing_target_health_then_initial_then_healthy(
    world: World,
) -> None:
    group = make_group(world, "dg-health", termination_minutes=60)
    deployment_id = deploy(world, group, appspec(world))
    wait_for(
        "termination wait", lambda: info(world, deployment_id)["instanceTerminationWaitTimeStarted"]
    )
    registered_at = world.now()

    first = world.elb.describe_target_health(TargetGroupArn=world.green_tg)[
        "TargetHealthDescriptions"
    ]
    wait_for("30 virtual seconds", lambda: world.now() - registered_at > 31)
    later = world.elb.describe_target_health(TargetGroupArn=world.green_tg)[
        "TargetHealthDescriptions"
    ]

    assert len(later) == 2  # one fake task IP per desired task
    assert {d["Target"]["Port"] for d in later} == {PORT}
    assert {d["TargetHealth"]["State"] for d in later} == {"healthy"}
    assert {d["TargetHealth"]["State"] for d in first} <= {"initial", "healthy"}

    codedeploy.set_target_health_provider(
        lambda tg, taskdef: "unhealthy" if taskdef == world.taskdef_v2 else "healthy"
    )
    scripted = world.elb.describe_target_health(TargetGroupArn=world.green_tg)[
        "TargetHealthDescriptions"
    ]
    assert {d["TargetHealth"]["State"] for d in scripted} == {"unhealthy"}
    assert {d["TargetHealth"]["Reason"] for d in scripted} == {"Target.FailedHealthChecks"}


def test_given_sixty_minute_termination_wait_when_continuing_then_blue_terminates_at_once(
    world: World,
) -> None:
    group = make_group(world, "dg-wait", termination_minutes=60)
    deployment_id = deploy(world, group, appspec(world))
    waiting = wait_for(
        "termination wait",
        lambda: (i := info(world, deployment_id))["instanceTerminationWaitTimeStarted"] and i,
    )
    assert waiting["status"] == "InProgress"
    assert len(task_sets(world)) == 2
    continued_at = world.now()

    world.cd.continue_deployment(deploymentId=deployment_id, deploymentWaitType="TERMINATION_WAIT")
    final = wait_status(world, deployment_id, "Succeeded")

    # completed within virtual seconds of the call, not after the 60-minute wait
    assert final["completeTime"].timestamp() - continued_at < 5 * 60
    assert [ts["taskDefinition"] for ts in task_sets(world)] == [world.taskdef_v2]
    assert states(world, "SUCCESS") == ["START", "SUCCESS"]


def test_given_deployment_not_waiting_when_continuing_then_not_in_ready_state_error(
    world: World,
) -> None:
    world.hooks.answers["BeforeInstall"] = "hold"
    group = make_group(world, "dg-early")
    deployment_id = deploy(world, group, appspec(world, hooks=hook_functions(BeforeInstall="x")))
    wait_for("hook invocation", world.hooks.invoked.is_set)

    with pytest.raises(ClientError) as raised:
        world.cd.continue_deployment(
            deploymentId=deployment_id, deploymentWaitType="TERMINATION_WAIT"
        )

    assert raised.value.response["Error"]["Code"] == "DeploymentIsNotInReadyStateException"
    assert deployment_id in raised.value.response["Error"]["Message"]


def test_given_failing_after_allow_traffic_hook_when_deploying_then_rolled_back_to_blue(
    world: World,
) -> None:
    world.hooks.answers["AfterAllowTraffic"] = "Failed"
    group = make_group(world, "dg-fail")
    deployment_id = deploy(
        world, group, appspec(world, hooks=hook_functions(AfterAllowTraffic="x"))
    )

    final = wait_status(world, deployment_id, "Failed")

    assert final["errorInformation"]["code"] == "HOOK_EXECUTION_FAILURE"
    assert "AfterAllowTraffic" in final["errorInformation"]["message"]
    rollback_id = final["rollbackInfo"]["rollbackDeploymentId"]
    wait_status(world, rollback_id, "Succeeded")
    assert prod_action(world)["TargetGroupArn"] == world.blue_tg
    assert prod_action(world, world.test_listener)["TargetGroupArn"] == world.blue_tg
    remaining = task_sets(world)
    assert [(ts["taskSetArn"], ts["status"]) for ts in remaining] == [
        (world.blue_task_set, "PRIMARY")
    ]
    assert states_of(world, deployment_id) == ["START", "FAILURE"]
    assert (
        world.elb.describe_target_health(TargetGroupArn=world.green_tg)["TargetHealthDescriptions"]
        == []
    )


def test_given_hook_held_when_stopping_with_rollback_then_listener_back_on_blue_and_green_deleted(
    world: World,
) -> None:
    deployment_id = deploy_holding(world, make_group(world, "dg-stop"), "AfterAllowTraffic")
    assert prod_action(world)["TargetGroupArn"] == world.green_tg

    stopped = world.cd.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
    answer_held_hook(world, deployment_id, "Failed")
    final = wait_status(world, deployment_id, "Stopped")

    assert stopped["status"] == "Pending"
    assert final["errorInformation"]["code"] == "MANUAL_STOP"
    wait_status(world, final["rollbackInfo"]["rollbackDeploymentId"], "Succeeded")
    assert prod_action(world)["TargetGroupArn"] == world.blue_tg
    assert prod_action(world, world.test_listener)["TargetGroupArn"] == world.blue_tg
    assert [(ts["taskSetArn"], ts["status"]) for ts in task_sets(world)] == [
        (world.blue_task_set, "PRIMARY")
    ]
    assert states_of(world, deployment_id) == ["START", "STOP"]
    late_id = world.hooks.calls[0][1]["LifecycleEventHookExecutionId"]
    with pytest.raises(ClientError) as raised:
        world.cd.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment_id, lifecycleEventHookExecutionId=late_id, status="Succeeded"
        )
    assert raised.value.response["Error"]["Code"] == "LifecycleEventAlreadyCompletedException"


def test_given_active_deployment_when_creating_another_then_deployment_limit_exceeded(
    world: World,
) -> None:
    group = make_group(world, "dg-limit", termination_minutes=60)
    first = deploy(world, group, appspec(world))

    with pytest.raises(ClientError) as raised:
        deploy(world, group, appspec(world))

    error = raised.value.response["Error"]
    assert error["Code"] == "DeploymentLimitExceededException"
    assert error["Message"] == (
        f"The Deployment Group '{group}' already has an active Deployment '{first}'"
    )


def test_given_canary_config_when_shifting_traffic_then_ten_percent_then_all_after_interval(
    world: World,
) -> None:
    group = make_group(world, "dg-canary", config="CodeDeployDefault.ECSCanary10Percent15Minutes")
    deployment_id = deploy(world, group, appspec(world))

    wait_for("canary step", lambda: codedeploy.get_deployment_state(deployment_id)["trafficShifts"])
    weighted = prod_action(world)
    wait_status(world, deployment_id, "Succeeded")

    shifts = codedeploy.get_deployment_state(deployment_id)["trafficShifts"]
    assert [s["greenWeight"] for s in shifts] == [10, 100]
    assert shifts[1]["at"] - shifts[0]["at"] >= 15 * 60
    weights = {g["TargetGroupArn"]: g["Weight"] for g in weighted["ForwardConfig"]["TargetGroups"]}
    assert weights == {world.blue_tg: 90, world.green_tg: 10}
    assert prod_action(world)["TargetGroupArn"] == world.green_tg


def test_given_linear_config_when_listing_steps_then_ten_steps_one_interval_apart() -> None:
    routing = codedeploy.ECS_DEPLOYMENT_CONFIGS["CodeDeployDefault.ECSLinear10PercentEvery3Minutes"]

    steps = routing.steps()

    assert [weight for weight, _ in steps] == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert [wait for _, wait in steps] == [180.0] * 9 + [0.0]


def test_given_unknown_container_when_deploying_then_fails_naming_the_container(
    world: World,
) -> None:
    group = make_group(world, "dg-badcontainer")
    deployment_id = deploy(world, group, appspec(world, container="nope"))

    final = wait_status(world, deployment_id, "Failed")

    assert final["errorInformation"]["code"] == "ECS_UPDATE_ERROR"
    assert "nope" in final["errorInformation"]["message"]
    assert [ts["taskSetArn"] for ts in task_sets(world)] == [world.blue_task_set]
    assert states(world, "FAILURE") == ["START", "FAILURE"]


def test_given_hook_answered_twice_or_unknown_when_reporting_then_aws_errors(world: World) -> None:
    deployment_id = deploy_holding(world, make_group(world, "dg-twice"), "BeforeAllowTraffic")
    execution_id = world.hooks.calls[0][1]["LifecycleEventHookExecutionId"]

    answered = world.cd.put_lifecycle_event_hook_execution_status(
        deploymentId=deployment_id, lifecycleEventHookExecutionId=execution_id, status="Succeeded"
    )
    with pytest.raises(ClientError) as twice:
        world.cd.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment_id, lifecycleEventHookExecutionId=execution_id, status="Failed"
        )
    with pytest.raises(ClientError) as unknown:
        world.cd.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment_id, lifecycleEventHookExecutionId="bogus", status="Succeeded"
        )

    assert answered["lifecycleEventHookExecutionId"] == execution_id
    assert twice.value.response["Error"]["Code"] == "LifecycleEventAlreadyCompletedException"
    assert (
        unknown.value.response["Error"]["Code"] == "InvalidLifecycleEventHookExecutionIdException"
    )
    wait_status(world, deployment_id, "Succeeded")


# --------------------------------------------------------------------------- package contract
def test_given_pinned_moto_when_checking_patches_and_internals_then_every_target_is_there() -> None:
    problems = [p.check_target() for p in codedeploy.PATCHES]
    problems += [i.check_target() for i in codedeploy.INTERNALS]

    assert [p for p in problems if p] == []
    assert {p.target for p in codedeploy.PATCHES} >= {
        "moto.codedeploy.responses:CodeDeployResponse.create_deployment",
        "moto.elbv2.responses:ELBV2Response.describe_target_health",
    }
    assert [p.name for p in codedeploy.PATCHES if not p.must_exist] == [
        "codedeploy.continue_deployment",
        "codedeploy.stop_deployment",
        "codedeploy.put_lifecycle_event_hook_execution_status",
        "codedeploy.list_deployment_targets",
        "codedeploy.get_deployment_target",
        "codedeploy.batch_get_deployment_targets",
        "codedeploy.get_deployment_config",
    ]


def test_given_a_moved_backend_attribute_when_checking_the_internal_then_it_names_the_path() -> (
    None
):
    (deployments, *_) = codedeploy.INTERNALS
    moved = type(deployments)("moto.codedeploy.models:CodeDeployBackend.gone", "why")
    missing = type(deployments)("moto.codedeploy.nowhere:CodeDeployBackend.deployments", "why")

    assert deployments.check_target() is None
    assert moved.check_target() == (
        "moto.codedeploy.models:CodeDeployBackend.gone is no longer a dict on a new backend"
    )
    assert "moto.codedeploy.nowhere" in (missing.check_target() or "")


def test_given_installed_twice_when_undoing_then_moto_has_its_own_methods_back() -> None:
    from moto.codedeploy.responses import CodeDeployResponse
    from moto.elbv2.responses import ELBV2Response

    codedeploy.install()
    codedeploy.install()
    applied = [p.is_applied() for p in codedeploy.PATCHES]
    try:
        for patch in reversed(codedeploy.PATCHES):
            patch.undo()
        assert not hasattr(CodeDeployResponse, "continue_deployment")
        assert CodeDeployResponse.get_deployment.__module__ == "moto.codedeploy.responses"
        assert ELBV2Response.describe_target_health.__module__ == "moto.elbv2.responses"
    finally:
        codedeploy.install()

    assert applied == [True] * len(codedeploy.PATCHES)
    assert CodeDeployResponse.continue_deployment is codedeploy.responses.continue_deployment


def test_given_a_deployment_when_created_then_it_lives_in_its_account_and_region_backend(
    world: World,
) -> None:
    from turnout_sandbox.emulators.codedeploy.models import codedeploy_emulator_backends

    group = make_group(world, "dg-backend", termination_minutes=60)
    deployment_id = deploy(world, group, appspec(world))
    states(world, "START")

    here = codedeploy_emulator_backends["123456789012"][REGION].deployments
    elsewhere = codedeploy_emulator_backends["123456789012"]["eu-west-1"].deployments
    listed = world.cd.list_deployments(applicationName=APP, deploymentGroupName=group)
    assert list(here) == [deployment_id]
    assert elsewhere == {}
    assert listed["deployments"] == [deployment_id]
    assert (here[deployment_id].application_arn, here[deployment_id].group_arn) == (
        f"arn:aws:codedeploy:{REGION}:123456789012:application:{APP}",
        f"arn:aws:codedeploy:{REGION}:123456789012:deploymentgroup:{APP}/{group}",
    )


def test_given_a_running_lifecycle_when_moto_resets_then_it_is_aborted_and_forgotten(
    world: World,
) -> None:
    from moto.core.base_backend import BackendDict

    from turnout_sandbox.emulators.codedeploy.models import find_deployment

    deployment_id = deploy_holding(world, make_group(world, "dg-reset"), "BeforeAllowTraffic")
    running = find_deployment(deployment_id)

    BackendDict.reset()  # what mock_aws start/stop and /moto-api/reset do

    assert running is not None
    assert running.aborted
    with pytest.raises(codedeploy.UnknownDeploymentError):
        codedeploy.get_deployment_state(deployment_id)
    lifecycle_thread = f"timer-codedeploy-{deployment_id}"
    # well before the hook's one-hour timeout (3.6 real seconds at this clock speed)
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and any(
        t.name == lifecycle_thread for t in threading.enumerate()
    ):
        time.sleep(0.01)
    assert not any(t.name == lifecycle_thread for t in threading.enumerate())
    assert states(world, "START") == ["START"]


def test_given_a_deployment_moto_made_when_getting_it_then_the_answer_equals_moto_own(
    world: World,
) -> None:
    from moto.codedeploy.models import codedeploy_backends

    group = make_group(world, "dg-moto")
    moto_id = codedeploy_backends["123456789012"][REGION].create_deployment(
        application_name=APP, deployment_group_name=group, revision={"revisionType": "String"}
    )
    served = world.cd.get_deployment(deploymentId=moto_id)["deploymentInfo"]
    batch = world.cd.batch_get_deployments(deploymentIds=[moto_id, "d-NOSUCH000"])
    get = next(p for p in codedeploy.PATCHES if p.name == "codedeploy.get_deployment")
    get.undo()
    try:
        moto_own = world.cd.get_deployment(deploymentId=moto_id)["deploymentInfo"]
    finally:
        get.apply()

    assert served == moto_own
    assert batch["deploymentsInfo"] == [moto_own]


# --------------------------------------------------------------------------- rollback deployments
def test_given_hook_held_when_stopping_with_rollback_then_original_ends_at_once_and_a_separate_rollback_deployment_runs(
    world: World,
) -> None:
    # CodeDeploy UG deployment-steps-ecs, "Redeployments and deployment rollbacks": the
    # rolled-back deployment is assigned its own deployment ID.
    deployment_id = deploy_holding(world, make_group(world, "dg-rb"), "AfterAllowTraffic")

    world.cd.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
    answer_held_hook(world, deployment_id, "Failed")
    original = wait_status(world, deployment_id, "Stopped")

    rollback_id = original["rollbackInfo"]["rollbackDeploymentId"]
    assert rollback_id != deployment_id
    assert rollback_id.startswith("d-")
    rollback = wait_status(world, rollback_id, "Succeeded")
    # the original ended before traffic came back, in the rollback deployment
    back_on_blue = codedeploy.get_deployment_state(rollback_id)["trafficShifts"][-1]
    assert back_on_blue["greenWeight"] == 0
    assert back_on_blue["at"] >= original["completeTime"].timestamp() + 29
    assert rollback["startTime"] >= original["completeTime"]
    assert rollback["creator"] == "codeDeployRollback"
    assert rollback["rollbackInfo"]["rollbackTriggeringDeploymentId"] == deployment_id
    assert prod_action(world)["TargetGroupArn"] == world.blue_tg
    assert [(ts["taskSetArn"], ts["status"]) for ts in task_sets(world)] == [
        (world.blue_task_set, "PRIMARY")
    ]
    wait_for("the rollback's SUCCESS", lambda: "SUCCESS" in states_of(world, rollback_id))
    assert states_of(world, deployment_id) == ["START", "STOP"]
    assert states_of(world, rollback_id) == ["START", "SUCCESS"]
    assert info(world, deployment_id)["creator"] == "user"
    assert (
        rollback_id
        in world.cd.list_deployments(applicationName=APP, deploymentGroupName="dg-rb")[
            "deployments"
        ]
    )


def test_given_a_running_rollback_deployment_when_creating_a_deployment_then_the_group_is_busy(
    world: World,
) -> None:
    codedeploy.faults(REGION).rollback_seconds = 3600.0
    group = make_group(world, "dg-rb-busy")
    deployment_id = deploy_holding(world, group, "AfterAllowTraffic")
    world.cd.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
    answer_held_hook(world, deployment_id, "Failed")
    rollback_id = wait_status(world, deployment_id, "Stopped")["rollbackInfo"][
        "rollbackDeploymentId"
    ]

    with pytest.raises(ClientError) as raised:
        deploy(world, group, appspec(world))

    assert raised.value.response["Error"]["Code"] == "DeploymentLimitExceededException"
    assert rollback_id in raised.value.response["Error"]["Message"]


def test_given_a_failing_rollback_fault_when_rolling_back_then_the_rollback_deployment_fails(
    world: World,
) -> None:
    codedeploy.faults(REGION).failing_rollbacks = 1
    world.hooks.answers["AfterAllowTraffic"] = "Failed"
    deployment_id = deploy(
        world,
        make_group(world, "dg-rb-fail"),
        appspec(world, hooks=hook_functions(AfterAllowTraffic="x")),
    )

    original = wait_status(world, deployment_id, "Failed")
    rollback_id = original["rollbackInfo"]["rollbackDeploymentId"]
    failed = wait_status(world, rollback_id, "Failed")

    assert "failed" in failed["errorInformation"]["message"]
    wait_for("the rollback's FAILURE", lambda: "FAILURE" in states_of(world, rollback_id))
    assert states_of(world, rollback_id) == ["START", "FAILURE"]
    assert "failed" in info(world, deployment_id)["rollbackInfo"]["rollbackMessage"]


def test_given_a_dropped_success_fault_when_deploying_then_no_success_event_but_status_succeeded(
    world: World,
) -> None:
    # EventBridge events reference, "AWS CodeDeploy events": delivery is best effort.
    codedeploy.faults(REGION).dropped_events.append("SUCCESS")
    deployment_id = deploy(world, make_group(world, "dg-drop"), appspec(world))

    wait_status(world, deployment_id, "Succeeded")

    assert states_of(world, deployment_id) == ["START"]
    second = deploy(world, "dg-drop", appspec(world))
    wait_status(world, second, "Succeeded")
    wait_for("the next SUCCESS", lambda: "SUCCESS" in states_of(world, second))


# ----------------------------------------- StopDeployment while a hook is pending (row 10)
def test_given_a_held_hook_when_stopping_without_answering_it_then_the_stop_waits_for_the_hook(
    world: World,
) -> None:
    # Undocumented on AWS (UG deployment-steps-ecs: a stop may answer Pending while lifecycle
    # events run): the emulator keeps the safer path, the stop waits for the hook.
    deployment_id = deploy_holding(world, make_group(world, "dg-stop-wait"), "AfterAllowTraffic")
    stopped_at = world.now()

    world.cd.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
    wait_for("ten virtual minutes", lambda: world.now() > stopped_at + 600)

    assert info(world, deployment_id)["status"] == "InProgress"
    assert prod_action(world)["TargetGroupArn"] == world.green_tg
    answer_held_hook(world, deployment_id, "Failed")
    final = wait_status(world, deployment_id, "Stopped")
    assert final["errorInformation"]["code"] == "MANUAL_STOP"
    wait_status(world, final["rollbackInfo"]["rollbackDeploymentId"], "Succeeded")
    assert prod_action(world)["TargetGroupArn"] == world.blue_tg


def test_given_a_held_hook_answered_failed_when_stopping_then_it_has_already_failed_and_rolls_back(
    world: World,
) -> None:
    deployment_id = deploy_holding(world, make_group(world, "dg-answer"), "AfterAllowTraffic")

    answer_held_hook(world, deployment_id, "Failed")
    final = wait_status(world, deployment_id, "Failed")
    with pytest.raises(ClientError) as raised:
        world.cd.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)

    assert raised.value.response["Error"]["Code"] == "DeploymentAlreadyCompletedException"
    assert final["errorInformation"]["code"] == "HOOK_EXECUTION_FAILURE"
    wait_status(world, final["rollbackInfo"]["rollbackDeploymentId"], "Succeeded")
    assert prod_action(world)["TargetGroupArn"] == world.blue_tg
