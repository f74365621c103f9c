"""The ECS built-in blue/green emulator, driven through boto3 under mock_aws()."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.server import ThreadedMotoServer

from tests.integration.alarms import put_5xx_alarm
from tests.integration.sandbox.conftest import MotoClients, emulated
from tests.integration.sandbox.conftest import wait_for as conftest_wait_for
from tests.integration.sandbox.patch_checks import assert_patches_round_trip
from turnout_sandbox.demo_ecs import weighted_rule
from turnout_sandbox.emulators import ecs_bluegreen
from turnout_sandbox.runtime import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    LambdaFunctionError,
    Runtime,
    VirtualClock,
    set_runtime,
)

pytestmark = pytest.mark.integration

REGION = DEFAULT_REGION
CLUSTER = "cluster-hello"
SERVICE = "service-hello"
CONTAINER = "hello"
PORT = 8080
SPEED = 1000.0
REAL_DEADLINE = 20.0
ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/ecsInfrastructureRoleForLoadBalancers"
HOOK_FN = f"arn:aws:lambda:{REGION}:{DEFAULT_ACCOUNT}:function:hook"
REPO = "hello"
IMAGE = f"{DEFAULT_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{REPO}"
#: moto's handlers before any patch (nothing is patched at import).
MOTO_HANDLERS = {
    name: EC2ContainerServiceResponse.__dict__.get(name)
    for name in ("create_service", "update_service", "describe_service_deployments")
}


# --------------------------------------------------------------------------- fakes
@dataclass
class FakeHookFunction:
    """Lambda invoker: answers each invocation with the next scripted hook response."""

    answers: list[Any] = field(default_factory=list)
    calls: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    clock: VirtualClock | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, function: str, payload: Mapping[str, Any]) -> Any:
        assert self.clock is not None
        with self.lock:
            self.calls.append((self.clock.now(), function, dict(payload)))
            answer = self.answers.pop(0) if self.answers else {"hookStatus": "SUCCEEDED"}
        if isinstance(answer, Exception):
            raise answer
        return answer


@dataclass
class World(MotoClients):
    runtime: Runtime
    events: list[dict[str, Any]]
    hooks: FakeHookFunction
    blue_tg: str
    green_tg: str
    prod_rule: str
    test_rule: str
    taskdef_v1: str
    taskdef_v2: str
    digest_v2: str

    def lb(self, **advanced: Any) -> list[dict[str, Any]]:
        config = {
            "alternateTargetGroupArn": self.green_tg,
            "productionListenerRule": self.prod_rule,
            "testListenerRule": self.test_rule,
            "roleArn": ROLE,
        } | advanced
        return [
            {
                "targetGroupArn": self.blue_tg,
                "containerName": CONTAINER,
                "containerPort": PORT,
                "advancedConfiguration": {k: v for k, v in config.items() if v is not None},
            }
        ]

    def weights(self, rule: str) -> dict[str, int]:
        return ecs_bluegreen.rule_weights(DEFAULT_ACCOUNT, REGION, rule)

    def deployments(self) -> list[dict[str, Any]]:
        briefs = self.ecs.list_service_deployments(cluster=CLUSTER, service=SERVICE)
        arns = [b["serviceDeploymentArn"] for b in briefs["serviceDeployments"]]
        return list(
            self.ecs.describe_service_deployments(serviceDeploymentArns=arns)["serviceDeployments"]
        )

    def describe(self, arn: str) -> dict[str, Any]:
        found = self.ecs.describe_service_deployments(serviceDeploymentArns=[arn])
        return dict(found["serviceDeployments"][0])

    def update(self, config: dict[str, Any], **extra: Any) -> str:
        """UpdateService to v2 with ``config``; the new service deployment's ARN."""
        before = {d["serviceDeploymentArn"] for d in self.deployments()}
        self.ecs.update_service(
            cluster=CLUSTER,
            service=SERVICE,
            taskDefinition=self.taskdef_v2,
            deploymentConfiguration=config,
            **extra,
        )
        after = [d for d in self.deployments() if d["serviceDeploymentArn"] not in before]
        assert len(after) == 1
        return str(after[0]["serviceDeploymentArn"])

    def wait_status(self, arn: str, *statuses: str) -> dict[str, Any]:
        return wait_for(
            lambda: (d := self.describe(arn))["status"] in statuses and d,
            what=f"{arn} in {statuses}",
        )

    def wait_hook(self, arn: str, stage: str | None = None) -> dict[str, Any]:
        def paused() -> dict[str, Any] | None:
            dep = self.describe(arn)
            for hook in dep.get("lifecycleHookDetails", []):
                if hook["status"] == "AWAITING_ACTION" and (
                    stage is None or dep.get("lifecycleStage") == stage
                ):
                    return dict(hook)
            return None

        return wait_for(paused, what=f"a PAUSE hook of {arn} awaiting action")

    def wait_event(self, name: str, count: int = 1) -> None:
        """Events follow the status change (as on AWS): wait until ``count`` ``name``s came."""
        wait_for(
            lambda: [e["detail"].get("eventName") for e in list(self.events)].count(name) >= count,
            what=f"{count} {name} event(s)",
        )

    def emitted(self, detail_type: str) -> list[dict[str, Any]]:
        return [e["detail"] for e in list(self.events) if e["detail-type"] == detail_type]


def wait_for[T](probe: Callable[[], T | None], what: str = "") -> T:
    return conftest_wait_for(probe, timeout=REAL_DEADLINE, what=what)


def blue_green(**extra: Any) -> dict[str, Any]:
    return {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0} | extra


def pause(stage: str, minutes: int = 30, action: str = "ROLLBACK") -> dict[str, Any]:
    return {
        "targetType": "PAUSE",
        "lifecycleStages": [stage],
        "timeoutConfiguration": {"timeoutInMinutes": minutes, "action": action},
    }


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def world(aws_env: None) -> Iterator[World]:
    with emulated(
        ecs_bluegreen, SPEED, lambda rt: FakeHookFunction(clock=rt.clock), ecs_bluegreen.uninstall
    ) as (runtime, events, hooks):
        yield _build_world(runtime, events, hooks)


def _build_world(runtime: Runtime, events: list[dict[str, Any]], hooks: FakeHookFunction) -> World:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{REGION}{az}")["Subnet"][
            "SubnetId"
        ]
        for cidr, az in (("10.0.1.0/24", "a"), ("10.0.2.0/24", "b"))
    ]
    elb = boto3.client("elbv2", region_name=REGION)
    lb = elb.create_load_balancer(Name="alb-hello", Subnets=subnets)["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    blue, green = (
        elb.create_target_group(Name=name, Protocol="HTTP", Port=PORT, VpcId=vpc, TargetType="ip")[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        for name in ("tg-hello-1", "tg-hello-2")
    )
    rules = []
    for port in (80, 9000):
        listener = elb.create_listener(
            LoadBalancerArn=lb,
            Protocol="HTTP",
            Port=port,
            DefaultActions=[
                {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}
            ],
        )["Listeners"][0]["ListenerArn"]
        rules.append(weighted_rule(elb, listener, blue, green))
    ecr = boto3.client("ecr", region_name=REGION)
    ecr.create_repository(repositoryName=REPO)
    digests = {}
    for tag in ("v1", "v2"):
        pushed = ecr.put_image(
            repositoryName=REPO,
            imageTag=tag,
            imageManifest=f'{{"schemaVersion": 2, "t": "{tag}"}}',
            imageManifestMediaType="application/vnd.docker.distribution.manifest.v2+json",
        )
        digests[tag] = pushed["image"]["imageId"]["imageDigest"]
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName=CLUSTER)
    taskdefs = [
        ecs.register_task_definition(
            family="hello",
            containerDefinitions=[
                {"name": CONTAINER, "image": f"{IMAGE}:{tag}", "memory": 256, "essential": True}
            ],
        )["taskDefinition"]["taskDefinitionArn"]
        for tag in ("v1", "v2")
    ]
    world = World(runtime, events, hooks, blue, green, rules[0], rules[1], *taskdefs, digests["v2"])
    ecs.create_service(
        cluster=CLUSTER,
        serviceName=SERVICE,
        taskDefinition=taskdefs[0],
        desiredCount=2,
        deploymentController={"type": "ECS"},
        deploymentConfiguration=blue_green(),
        loadBalancers=world.lb(),
    )
    first = world.deployments()
    assert len(first) == 1
    world.wait_status(first[0]["serviceDeploymentArn"], "SUCCESSFUL")
    wait_for(
        lambda: any(
            e["detail"].get("eventName") == "SERVICE_DEPLOYMENT_COMPLETED" for e in list(events)
        ),
        what="the first deployment's COMPLETED event",
    )
    events.clear()
    return world


# --------------------------------------------------------------------------- the first deployment
def test_given_a_new_blue_green_service_when_created_then_its_first_revision_serves_on_blue(
    world: World,
) -> None:
    (first,) = world.deployments()
    revision_arn = first["targetServiceRevision"]["arn"]

    (revision,) = world.ecs.describe_service_revisions(serviceRevisionArns=[revision_arn])[
        "serviceRevisions"
    ]

    assert first["status"] == "SUCCESSFUL"
    assert first["sourceServiceRevisions"] == []
    assert revision["taskDefinition"] == world.taskdef_v1
    assert revision["resolvedConfiguration"]["loadBalancers"] == [
        {"targetGroupArn": world.blue_tg, "productionListenerRule": world.prod_rule}
    ]
    assert world.weights(world.prod_rule) == {world.blue_tg: 100, world.green_tg: 0}


def test_given_a_blue_green_service_when_only_its_desired_count_changes_then_no_deployment_starts(
    world: World,
) -> None:
    world.ecs.update_service(cluster=CLUSTER, service=SERVICE, desiredCount=3)

    assert len(world.deployments()) == 1
    service = world.ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert service["desiredCount"] == 3
    assert world.weights(world.prod_rule) == {world.blue_tg: 100, world.green_tg: 0}


# --------------------------------------------------------------------------- BLUE_GREEN + PAUSE
def test_given_a_pause_hook_after_production_shift_when_continued_then_green_serves_and_blue_goes(
    world: World,
) -> None:
    arn = world.update(blue_green(lifecycleHooks=[pause("POST_PRODUCTION_TRAFFIC_SHIFT")]))

    hook = world.wait_hook(arn, "POST_PRODUCTION_TRAFFIC_SHIFT")
    paused = world.describe(arn)
    assert paused["status"] == "IN_PROGRESS"
    assert world.weights(world.prod_rule) == {world.blue_tg: 0, world.green_tg: 100}
    assert world.weights(world.test_rule) == {world.blue_tg: 0, world.green_tg: 100}
    assert hook["targetType"] == "PAUSE"
    assert hook["timeoutAction"] == "ROLLBACK"
    assert hook["hookId"].startswith("ecs-pause-")
    assert paused["sourceServiceRevisions"][0]["requestedProductionTrafficWeight"] == 0.0
    assert paused["targetServiceRevision"]["requestedProductionTrafficWeight"] == 100.0

    answer = world.ecs.continue_service_deployment(
        serviceDeploymentArn=arn, hookId=hook["hookId"], action="CONTINUE"
    )

    assert answer["serviceDeploymentArn"] == arn
    done = world.wait_status(arn, "SUCCESSFUL")
    assert done["lifecycleStage"] == "CLEAN_UP"
    assert [h["status"] for h in done["lifecycleHookDetails"]] == ["SUCCEEDED"]
    revision = world.ecs.describe_service_revisions(
        serviceRevisionArns=[done["targetServiceRevision"]["arn"]]
    )["serviceRevisions"][0]
    assert revision["containerImages"] == [
        {"containerName": CONTAINER, "image": f"{IMAGE}:v2", "imageDigest": world.digest_v2}
    ]
    assert revision["resolvedConfiguration"]["loadBalancers"] == [
        {"targetGroupArn": world.green_tg, "productionListenerRule": world.prod_rule}
    ]
    service = world.ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert service["taskDefinition"] == world.taskdef_v2
    assert service["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"


def test_given_a_successful_deployment_when_events_read_then_aws_detail_shapes_were_emitted(
    world: World,
) -> None:
    arn = world.update(blue_green(lifecycleHooks=[pause("POST_TEST_TRAFFIC_SHIFT")]))
    hook = world.wait_hook(arn)
    world.ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=hook["hookId"])
    world.wait_status(arn, "SUCCESSFUL")
    world.wait_event("SERVICE_DEPLOYMENT_COMPLETED")

    deployment = world.emitted(ecs_bluegreen.DEPLOYMENT_DETAIL_TYPE)
    hooks = world.emitted(ecs_bluegreen.HOOK_DETAIL_TYPE)

    assert {e["source"] for e in world.events} == {"aws.ecs"}
    assert [d["eventName"] for d in deployment] == [
        "SERVICE_DEPLOYMENT_IN_PROGRESS",
        "SERVICE_DEPLOYMENT_COMPLETED",
    ]
    assert all(d["eventType"] == "INFO" for d in deployment)
    assert deployment[0]["deploymentId"].startswith("ecs-svc/")
    assert deployment[0]["reason"] == f"ECS deployment {deployment[0]['deploymentId']} in progress."
    assert deployment[1]["reason"] == f"ECS deployment {deployment[0]['deploymentId']} completed."
    assert set(deployment[0]) == {"eventType", "eventName", "deploymentId", "updatedAt", "reason"}
    assert hooks[0] == hooks[0] | {
        "eventType": "INFO",
        "eventName": "HOOK_AWAITING_ACTION",
        "hookId": hook["hookId"],
        "hookType": "PAUSE",
        "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
        "serviceDeploymentArn": arn,
        "clusterArn": f"arn:aws:ecs:{REGION}:{DEFAULT_ACCOUNT}:cluster/{CLUSTER}",
    }
    assert hooks[0]["serviceArn"].endswith(f"service/{CLUSTER}/{SERVICE}")
    assert [h["eventName"] for h in hooks] == ["HOOK_AWAITING_ACTION", "HOOK_SUCCEEDED"]


# --------------------------------------------------------------------------- PAUSE expiry
@pytest.mark.parametrize(
    ("action", "final", "serving"),
    [("ROLLBACK", "ROLLBACK_SUCCESSFUL", "blue"), ("CONTINUE", "SUCCESSFUL", "green")],
)
def test_given_a_pause_hook_nobody_answers_when_it_expires_then_its_timeout_action_is_taken(
    world: World, action: str, final: str, serving: str
) -> None:
    started = world.runtime.clock.now()
    arn = world.update(blue_green(lifecycleHooks=[pause("POST_TEST_TRAFFIC_SHIFT", 5, action)]))
    hook = world.wait_hook(arn)
    assert (
        5 * 60 - 10 <= hook["expiresAt"].timestamp() - started <= 5 * 60 + 120
    )  # the calls above take some virtual time

    done = world.wait_status(arn, final)

    assert world.runtime.clock.now() >= hook["expiresAt"].timestamp()
    assert [h["status"] for h in done["lifecycleHookDetails"]] == ["TIMED_OUT"]
    serving_tg = world.blue_tg if serving == "blue" else world.green_tg
    assert world.weights(world.prod_rule)[serving_tg] == 100
    assert world.weights(world.test_rule)[serving_tg] == 100
    service = world.ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    expected = world.taskdef_v1 if serving == "blue" else world.taskdef_v2
    assert service["taskDefinition"] == expected
    if final == "ROLLBACK_SUCCESSFUL":
        world.wait_event("SERVICE_DEPLOYMENT_COMPLETED")
        assert "timed out" in done["rollback"]["reason"]
        assert done["rollback"]["serviceRevisionArn"] == done["sourceServiceRevisions"][0]["arn"]
        names = [d["eventName"] for d in world.emitted(ecs_bluegreen.DEPLOYMENT_DETAIL_TYPE)]
        assert names == [
            "SERVICE_DEPLOYMENT_IN_PROGRESS",
            "SERVICE_DEPLOYMENT_FAILED",
            "SERVICE_DEPLOYMENT_IN_PROGRESS",
            "SERVICE_DEPLOYMENT_COMPLETED",
        ]
        failed = world.emitted(ecs_bluegreen.DEPLOYMENT_DETAIL_TYPE)[1]
        assert failed["eventType"] == "ERROR"
        assert (
            "rolling back to deploymentId"
            in world.emitted(ecs_bluegreen.DEPLOYMENT_DETAIL_TYPE)[2]["reason"]
        )
    else:
        assert "rollback" not in done


def test_given_a_paused_deployment_when_continued_with_rollback_then_traffic_returns_to_blue(
    world: World,
) -> None:
    arn = world.update(blue_green(lifecycleHooks=[pause("POST_PRODUCTION_TRAFFIC_SHIFT")]))
    hook = world.wait_hook(arn)

    world.ecs.continue_service_deployment(
        serviceDeploymentArn=arn, hookId=hook["hookId"], action="ROLLBACK"
    )

    done = world.wait_status(arn, "ROLLBACK_SUCCESSFUL")
    assert [h["status"] for h in done["lifecycleHookDetails"]] == ["FAILED"]
    assert world.weights(world.prod_rule) == {world.blue_tg: 100, world.green_tg: 0}
    with pytest.raises(ClientError) as again:
        world.ecs.continue_service_deployment(
            serviceDeploymentArn=arn, hookId=hook["hookId"], action="CONTINUE"
        )
    assert again.value.response["Error"]["Code"] == "InvalidParameterException"


def test_given_an_unknown_deployment_when_continued_then_service_deployment_not_found(
    world: World,
) -> None:
    arn = f"arn:aws:ecs:{REGION}:{DEFAULT_ACCOUNT}:service-deployment/{CLUSTER}/{SERVICE}/nope"

    with pytest.raises(ClientError) as error:
        world.ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId="ecs-pause-x")

    assert error.value.response["Error"]["Code"] == "ServiceDeploymentNotFoundException"
    missing = world.ecs.describe_service_deployments(serviceDeploymentArns=[arn])
    assert missing["failures"] == [{"arn": arn, "reason": "MISSING"}]


# --------------------------------------------------------------------------- StopServiceDeployment
def test_given_a_deployment_in_progress_when_stopped_with_rollback_then_it_rolls_back(
    world: World,
) -> None:
    arn = world.update(blue_green(lifecycleHooks=[pause("POST_PRODUCTION_TRAFFIC_SHIFT")]))
    world.wait_hook(arn)
    assert world.weights(world.prod_rule)[world.green_tg] == 100

    world.ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")

    done = world.wait_status(arn, "ROLLBACK_SUCCESSFUL")
    assert "StopServiceDeployment" in done["rollback"]["reason"]
    assert world.weights(world.prod_rule) == {world.blue_tg: 100, world.green_tg: 0}
    with pytest.raises(ClientError) as finished:
        world.ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
    assert finished.value.response["Error"]["Code"] == "ConflictException"


def test_given_a_deployment_when_stopped_with_abort_then_refused_and_it_goes_on(
    world: World,
) -> None:
    arn = world.update(blue_green(lifecycleHooks=[pause("POST_TEST_TRAFFIC_SHIFT")]))
    hook = world.wait_hook(arn)

    with pytest.raises(ClientError) as error:
        world.ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ABORT")

    assert error.value.response["Error"]["Code"] == "InvalidParameterException"
    world.ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=hook["hookId"])
    world.wait_status(arn, "SUCCESSFUL")


# --------------------------------------------------------------------------- LINEAR / CANARY
def _step_through(world: World, arn: str) -> list[tuple[float, int]]:
    """Continue every PRE_PRODUCTION_TRAFFIC_SHIFT pause; (virtual time, green weight) at each."""
    seen: list[tuple[float, int]] = []
    answered: set[str] = set()
    while True:
        dep = world.describe(arn)
        # A deployment starts PENDING (the emulator's models.py): under load the first look can
        # come before it moves on, and returning then would see no step at all.
        if dep["status"] not in ("PENDING", "IN_PROGRESS"):
            return seen
        waiting = [
            h
            for h in dep.get("lifecycleHookDetails", [])
            if h["status"] == "AWAITING_ACTION" and h["hookId"] not in answered
        ]
        if waiting:
            seen.append((world.runtime.clock.now(), world.weights(world.prod_rule)[world.green_tg]))
            answered.add(waiting[0]["hookId"])
            world.ecs.continue_service_deployment(
                serviceDeploymentArn=arn, hookId=waiting[0]["hookId"], action="CONTINUE"
            )
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("config", "before_each_step", "bake_minutes"),
    [
        (
            {
                "strategy": "LINEAR",
                "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 10},
            },
            [0, 25, 50, 75],
            10,
        ),
        (
            {
                "strategy": "CANARY",
                "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 5},
            },
            [0, 10],
            5,
        ),
    ],
)
def test_given_a_stepped_strategy_when_deployed_then_weights_move_step_by_step_after_each_bake(
    world: World, config: dict[str, Any], before_each_step: list[int], bake_minutes: int
) -> None:
    arn = world.update(
        config | {"bakeTimeInMinutes": 0, "lifecycleHooks": [pause("PRE_PRODUCTION_TRAFFIC_SHIFT")]}
    )

    seen = _step_through(world, arn)

    assert [weight for _, weight in seen] == before_each_step
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(seen)]
    assert all(gap >= bake_minutes * 60 for gap in gaps)
    done = world.wait_status(arn, "SUCCESSFUL")
    assert world.weights(world.prod_rule) == {world.blue_tg: 0, world.green_tg: 100}
    assert len(done["lifecycleHookDetails"]) == len(before_each_step)


def test_given_a_linear_strategy_with_a_lambda_hook_when_shifting_then_it_sees_each_steps_weights(
    world: World,
) -> None:
    arn = world.update(
        {
            "strategy": "LINEAR",
            "bakeTimeInMinutes": 0,
            "linearConfiguration": {"stepPercent": 50.0, "stepBakeTimeInMinutes": 0},
            "lifecycleHooks": [
                {
                    "hookTargetArn": HOOK_FN,
                    "roleArn": ROLE,
                    "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"],
                    "hookDetails": {"gate": "health"},
                }
            ],
        }
    )

    done = world.wait_status(arn, "SUCCESSFUL")

    payloads = [payload for _, _, payload in world.hooks.calls]
    assert [p["lifecycleStage"] for p in payloads] == ["PRODUCTION_TRAFFIC_SHIFT"] * 2
    target = done["targetServiceRevision"]["arn"]
    source = done["sourceServiceRevisions"][0]["arn"]
    assert [p["executionDetails"]["productionTrafficWeights"] for p in payloads] == [
        {target: 50.0, source: 50.0},
        {target: 100.0, source: 0.0},
    ]
    assert payloads[0]["resourceArn"] == arn
    assert payloads[0]["hookDetails"] == {"gate": "health"}
    assert payloads[0]["executionDetails"]["targetServiceRevisionArn"] == target
    assert {fn for _, fn, _ in world.hooks.calls} == {HOOK_FN}


def _production_history(arn: str) -> list[float]:
    """The new revision's production weight after each change (the emulator's record)."""
    return [
        c["greenWeight"]
        for c in ecs_bluegreen.traffic_history(arn)
        if c["listener"] == "production"
    ]


def _stepped(strategy: str, hooks: list[dict[str, Any]], **settings: Any) -> dict[str, Any]:
    """A LINEAR / CANARY deploymentConfiguration (its linear/canaryConfiguration ``settings``)."""
    member = "linearConfiguration" if strategy == "LINEAR" else "canaryConfiguration"
    return {"strategy": strategy, "bakeTimeInMinutes": 0, member: settings} | (
        {"lifecycleHooks": hooks} if hooks else {}
    )


def _pause_at_each_step(world: World, arn: str, answers: list[str]) -> list[dict[str, Any]]:
    """Answer the PRE_PRODUCTION_TRAFFIC_SHIFT pause of each step with the next of
    ``answers``; what DescribeServiceDeployments said at each pause."""
    seen: list[dict[str, Any]] = []
    answered: set[str] = set()
    for action in answers:
        hook = wait_for(
            lambda: next(
                (
                    h
                    for h in world.describe(arn).get("lifecycleHookDetails", [])
                    if h["status"] == "AWAITING_ACTION" and h["hookId"] not in answered
                ),
                None,
            ),
            what=f"pause #{len(seen) + 1} of {arn}",
        )
        dep = world.describe(arn)
        seen.append(dep | {"greenWeight": world.weights(world.prod_rule)[world.green_tg]})
        answered.add(hook["hookId"])
        world.ecs.continue_service_deployment(
            serviceDeploymentArn=arn, hookId=hook["hookId"], action=action
        )
    return seen


def test_given_a_linear_pause_before_every_step_when_continued_then_each_step_has_its_own_hook(
    world: World,
) -> None:
    step_pause = [pause("PRE_PRODUCTION_TRAFFIC_SHIFT")]
    arn = world.update(_stepped("LINEAR", step_pause, stepPercent=50.0, stepBakeTimeInMinutes=1))

    seen = _pause_at_each_step(world, arn, ["CONTINUE", "CONTINUE"])

    done = world.wait_status(arn, "SUCCESSFUL")
    world.wait_event("SERVICE_DEPLOYMENT_COMPLETED")
    assert [d["lifecycleStage"] for d in seen] == ["PRE_PRODUCTION_TRAFFIC_SHIFT"] * 2
    assert [d["greenWeight"] for d in seen] == [0, 50]
    assert [d["targetServiceRevision"]["requestedProductionTrafficWeight"] for d in seen] == [
        0.0,
        50.0,
    ]
    assert [d["sourceServiceRevisions"][0]["requestedProductionTrafficWeight"] for d in seen] == [
        100.0,
        50.0,
    ]
    hook_ids = [h["hookId"] for h in done["lifecycleHookDetails"]]
    assert len(set(hook_ids)) == 2
    assert [h["status"] for h in done["lifecycleHookDetails"]] == ["SUCCEEDED"] * 2
    awaiting = [
        e
        for e in world.emitted(ecs_bluegreen.HOOK_DETAIL_TYPE)
        if e["eventName"] == "HOOK_AWAITING_ACTION"
    ]
    assert [(e["hookId"], e["lifecycleStage"]) for e in awaiting] == [
        (hook_id, "PRE_PRODUCTION_TRAFFIC_SHIFT") for hook_id in hook_ids
    ]
    production = _production_history(arn)
    assert production == [50.0, 100.0]


def test_given_a_canary_paused_before_its_second_step_when_rolled_back_then_it_never_reached_100(
    world: World,
) -> None:
    step_pause = [pause("PRE_PRODUCTION_TRAFFIC_SHIFT")]
    arn = world.update(
        _stepped("CANARY", step_pause, canaryPercent=10.0, canaryBakeTimeInMinutes=3)
    )

    seen = _pause_at_each_step(world, arn, ["CONTINUE", "ROLLBACK"])

    done = world.wait_status(arn, "ROLLBACK_SUCCESSFUL")
    assert [d["greenWeight"] for d in seen] == [0, 10]
    assert world.weights(world.prod_rule) == {world.blue_tg: 100, world.green_tg: 0}
    assert [h["status"] for h in done["lifecycleHookDetails"]] == ["SUCCEEDED", "FAILED"]
    history = ecs_bluegreen.traffic_history(arn)
    production = _production_history(arn)
    assert production == [10.0, 0.0]
    (canary_at,) = [c["at"] for c in history if c["greenWeight"] == 10.0]
    _, second_pause = [
        e
        for e in world.emitted(ecs_bluegreen.HOOK_DETAIL_TYPE)
        if e["eventName"] == "HOOK_AWAITING_ACTION"
    ]
    # botocore model, CanaryConfiguration.canaryBakeTimeInMinutes: the canary bakes before
    # the next step's PRE_PRODUCTION_TRAFFIC_SHIFT
    assert _epoch(second_pause["updatedAt"]) - canary_at >= 3 * 60


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_given_a_linear_deployment_when_an_alarm_fires_during_a_step_bake_then_it_rolls_back(
    world: World,
) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    put_5xx_alarm(cloudwatch, "hello-5xx")
    arn = world.update(
        {
            "strategy": "LINEAR",
            "bakeTimeInMinutes": 0,
            "linearConfiguration": {"stepPercent": 20.0, "stepBakeTimeInMinutes": 30},
            "alarms": {"alarmNames": ["hello-5xx"], "enable": True, "rollback": True},
        }
    )
    wait_for(
        lambda: world.weights(world.prod_rule)[world.green_tg] == 20 or None,
        what="the first 20 % step",
    )

    cloudwatch.set_alarm_state(AlarmName="hello-5xx", StateValue="ALARM", StateReason="test")

    done = world.wait_status(arn, "ROLLBACK_SUCCESSFUL")
    assert done["alarms"]["triggeredAlarmNames"] == ["hello-5xx"]
    production = _production_history(arn)
    assert production == [20.0, 0.0]
    assert world.weights(world.prod_rule) == {world.blue_tg: 100, world.green_tg: 0}


def test_given_an_unknown_deployment_when_its_traffic_history_is_read_then_not_found(
    world: World,
) -> None:
    with pytest.raises(ecs_bluegreen.EcsApiError, match="does not exist"):
        ecs_bluegreen.traffic_history("arn:aws:ecs:us-east-1:123456789012:service-deployment/x/y/z")


# --------------------------------------------------------------------------- Lambda hooks
def _lambda_hook(stage: str = "POST_TEST_TRAFFIC_SHIFT") -> dict[str, Any]:
    return {
        "targetType": "AWS_LAMBDA",
        "hookTargetArn": HOOK_FN,
        "roleArn": ROLE,
        "lifecycleStages": [stage],
    }


@pytest.mark.parametrize(
    "answer",
    [
        {"hookStatus": "FAILED"},
        {"hookStatus": "MAYBE"},
        LambdaFunctionError("RuntimeError", "boom"),
    ],
    ids=["failed", "no-valid-status", "error"],
)
def test_given_a_lambda_hook_that_fails_when_it_answers_then_the_deployment_rolls_back(
    world: World, answer: Any
) -> None:
    world.hooks.answers = [answer]

    arn = world.update(blue_green(lifecycleHooks=[_lambda_hook()]))

    done = world.wait_status(arn, "ROLLBACK_SUCCESSFUL")
    assert [h["status"] for h in done["lifecycleHookDetails"]] == ["FAILED"]
    assert done["lifecycleHookDetails"][0]["targetArn"] == HOOK_FN
    assert world.weights(world.test_rule) == {world.blue_tg: 100, world.green_tg: 0}
    assert world.weights(world.prod_rule) == {world.blue_tg: 100, world.green_tg: 0}
    assert len(world.hooks.calls) == 1


def test_given_a_lambda_hook_in_progress_when_called_back_then_it_is_reinvoked_after_the_delay(
    world: World,
) -> None:
    world.hooks.answers = [
        {"hookStatus": "IN_PROGRESS", "callBackDelay": 120, "hookDetails": {"try": 1}},
        {"hookStatus": "SUCCEEDED"},
    ]

    arn = world.update(blue_green(lifecycleHooks=[_lambda_hook()]))

    done = world.wait_status(arn, "SUCCESSFUL")
    (first_at, _, first), (second_at, _, second) = world.hooks.calls
    assert second_at - first_at >= 120
    assert "hookDetails" not in first
    assert second["hookDetails"] == {"try": 1}
    assert second["executionId"] == first["executionId"]
    assert [h["status"] for h in done["lifecycleHookDetails"]] == ["SUCCEEDED"]
    world.wait_event("SERVICE_DEPLOYMENT_COMPLETED")
    hook_events = world.emitted(ecs_bluegreen.HOOK_DETAIL_TYPE)
    assert [e["eventName"] for e in hook_events] == ["HOOK_IN_PROGRESS", "HOOK_SUCCEEDED"]
    assert {e["hookType"] for e in hook_events} == {"AWS_LAMBDA"}


@pytest.mark.parametrize("lambda_status", ["FAILED", "SUCCEEDED"])
def test_given_a_lambda_and_a_pause_hook_at_one_stage_when_run_then_both_must_succeed(
    world: World, lambda_status: str
) -> None:
    world.hooks.answers = [{"hookStatus": lambda_status}]
    started = world.runtime.clock.now()

    arn = world.update(
        blue_green(lifecycleHooks=[_lambda_hook(), pause("POST_TEST_TRAFFIC_SHIFT", minutes=30)])
    )

    if lambda_status == "FAILED":  # the pause does not hold the rollback up
        done = world.wait_status(arn, "ROLLBACK_SUCCESSFUL")
        assert world.runtime.clock.now() - started < 30 * 60
        assert "FAILED" in [h["status"] for h in done["lifecycleHookDetails"]]
    else:  # the Lambda hook passed, the pause still holds the deployment
        hook = world.wait_hook(arn)
        wait_for(lambda: len(world.hooks.calls) == 1, what="the Lambda hook")
        assert world.describe(arn)["status"] == "IN_PROGRESS"
        world.ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=hook["hookId"])
        done = world.wait_status(arn, "SUCCESSFUL")
        assert sorted(h["status"] for h in done["lifecycleHookDetails"]) == ["SUCCEEDED"] * 2


# --------------------------------------------------------------------------- alarms
@pytest.mark.parametrize("state", ["ALARM", "OK"])
def test_given_deployment_alarms_when_one_fires_mid_deployment_then_it_rolls_back_else_completes(
    world: World, state: str
) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    put_5xx_alarm(cloudwatch, "hello-5xx")
    alarms = {"alarmNames": ["hello-5xx"], "enable": True, "rollback": True}
    arn = world.update(
        blue_green(alarms=alarms, lifecycleHooks=[pause("POST_PRODUCTION_TRAFFIC_SHIFT")])
    )
    hook = world.wait_hook(arn)
    assert world.describe(arn)["alarms"]["status"] == "MONITORING"

    cloudwatch.set_alarm_state(AlarmName="hello-5xx", StateValue=state, StateReason="test")
    if state == "OK":
        world.ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=hook["hookId"])

    if state == "ALARM":
        done = world.wait_status(arn, "ROLLBACK_SUCCESSFUL")
        assert done["alarms"]["status"] == "TRIGGERED"
        assert done["alarms"]["triggeredAlarmNames"] == ["hello-5xx"]
        assert "hello-5xx" in done["rollback"]["reason"]
        assert world.weights(world.prod_rule)[world.blue_tg] == 100
    else:
        done = world.wait_status(arn, "SUCCESSFUL")
        assert done["alarms"]["status"] == "MONITORING_COMPLETE"
        assert world.weights(world.prod_rule)[world.green_tg] == 100


# --------------------------------------------------------------------------- refused configs
REFUSED = {
    "no-alternate-target-group": ({}, {"alternateTargetGroupArn": None}, "alternateTargetGroupArn"),
    "no-production-rule": ({}, {"productionListenerRule": None}, "productionListenerRule"),
    "pause-at-production-shift": (
        {"lifecycleHooks": [pause("PRODUCTION_TRAFFIC_SHIFT")]},
        {},
        "PRODUCTION_TRAFFIC_SHIFT",
    ),
    "pause-at-test-shift": (
        {"lifecycleHooks": [pause("TEST_TRAFFIC_SHIFT")]},
        {},
        "TEST_TRAFFIC_SHIFT",
    ),
    "lambda-without-target": (
        {"lifecycleHooks": [{"lifecycleStages": ["PRE_SCALE_UP"]}]},
        {},
        "hookTargetArn",
    ),
    "hook-timeout-over-14-days": (
        {"lifecycleHooks": [pause("POST_SCALE_UP", minutes=20161)]},
        {},
        "timeoutInMinutes",
    ),
    "bake-over-a-day": ({"bakeTimeInMinutes": 1441}, {}, "bakeTimeInMinutes"),
    "blue-green-without-bake": ({"bakeTimeInMinutes": None}, {}, "bakeTimeInMinutes"),
    "linear-step-under-3": (
        {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 2.9}},
        {},
        "stepPercent",
    ),
    "linear-step-not-a-tenth": (
        {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 10.05}},
        {},
        "stepPercent",
    ),
    "canary-over-100": (
        {"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 100.1}},
        {},
        "canaryPercent",
    ),
    "canary-bake-over-a-day": (
        {"strategy": "CANARY", "canaryConfiguration": {"canaryBakeTimeInMinutes": 1441}},
        {},
        "canaryBakeTimeInMinutes",
    ),
}


@pytest.mark.parametrize(("config", "advanced", "named"), REFUSED.values(), ids=REFUSED.keys())
def test_given_a_configuration_aws_refuses_when_updating_then_invalid_parameter_and_nothing_starts(
    world: World, config: dict[str, Any], advanced: dict[str, Any], named: str
) -> None:
    requested = {k: v for k, v in (blue_green() | config).items() if v is not None}

    with pytest.raises(ClientError) as error:
        world.ecs.update_service(
            cluster=CLUSTER,
            service=SERVICE,
            taskDefinition=world.taskdef_v2,
            deploymentConfiguration=requested,
            loadBalancers=world.lb(**advanced),
        )

    assert error.value.response["Error"]["Code"] == "InvalidParameterException"
    assert named in error.value.response["Error"]["Message"]
    assert len(world.deployments()) == 1
    service = world.ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert service["taskDefinition"] == world.taskdef_v1


@pytest.mark.parametrize(
    ("config", "stages"),
    [
        ({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 3.0}}, None),
        ({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0.1}}, None),
        (blue_green(bakeTimeInMinutes=1440), ["POST_TEST_TRAFFIC_SHIFT"]),
    ],
    ids=["linear-3", "canary-0.1", "bake-1440-pause-post-test"],
)
def test_given_the_bounds_aws_accepts_when_updating_then_a_deployment_starts(
    world: World, config: dict[str, Any], stages: list[str] | None
) -> None:
    hooks = [pause(stages[0])] if stages else []

    arn = world.update(config | {"lifecycleHooks": hooks})

    assert world.describe(arn)["status"] in {"PENDING", "IN_PROGRESS", "SUCCESSFUL"}
    world.ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
    world.wait_status(arn, "ROLLBACK_SUCCESSFUL")


def test_given_a_code_deploy_controller_when_created_with_blue_green_then_refused(
    world: World,
) -> None:
    with pytest.raises(ClientError) as error:
        world.ecs.create_service(
            cluster=CLUSTER,
            serviceName="other",
            taskDefinition=world.taskdef_v1,
            desiredCount=1,
            deploymentController={"type": "CODE_DEPLOY"},
            deploymentConfiguration=blue_green(),
            loadBalancers=world.lb(),
        )

    assert error.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "deploymentController" in error.value.response["Error"]["Message"]


def test_given_a_rolling_service_when_created_then_moto_handles_it_and_no_deployment_is_tracked(
    world: World,
) -> None:
    world.ecs.create_service(
        cluster=CLUSTER, serviceName="rolling", taskDefinition=world.taskdef_v1, desiredCount=1
    )

    briefs = world.ecs.list_service_deployments(cluster=CLUSTER, service="rolling")

    assert briefs["serviceDeployments"] == []


# --------------------------------------------------------------------------- networking
def test_given_an_alternate_target_group_off_the_rules_when_deploying_then_rolled_back_as_aws_says(
    world: World,
) -> None:
    vpc = world.elb.describe_target_groups(TargetGroupArns=[world.blue_tg])["TargetGroups"][0][
        "VpcId"
    ]
    stray = world.elb.create_target_group(
        Name="tg-stray", Protocol="HTTP", Port=PORT, VpcId=vpc, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]

    arn = world.update(blue_green(), loadBalancers=world.lb(alternateTargetGroupArn=stray))

    done = world.wait_status(arn, "ROLLBACK_SUCCESSFUL")
    assert done["statusReason"] == ecs_bluegreen.INVALID_NETWORKING
    assert world.weights(world.prod_rule) == {world.blue_tg: 100, world.green_tg: 0}


# --------------------------------------------------------------------------- one at a time
def test_given_a_deployment_in_progress_when_another_starts_then_the_first_stops_and_the_second_runs(
    world: World,
) -> None:
    config = blue_green(lifecycleHooks=[pause("POST_PRODUCTION_TRAFFIC_SHIFT")])
    first = world.update(config)
    world.wait_hook(first)

    second = world.update(config, forceNewDeployment=True)

    world.wait_status(first, "STOPPED")
    hook = world.wait_hook(second)
    assert world.weights(world.prod_rule) == {world.blue_tg: 0, world.green_tg: 100}
    world.ecs.continue_service_deployment(serviceDeploymentArn=second, hookId=hook["hookId"])
    done = world.wait_status(second, "SUCCESSFUL")
    assert (
        done["sourceServiceRevisions"][0]["arn"]
        == world.describe(first)["sourceServiceRevisions"][0]["arn"]
    )
    listed = world.ecs.list_service_deployments(
        cluster=CLUSTER, service=SERVICE, status=["STOPPED"]
    )["serviceDeployments"]
    assert [b["serviceDeploymentArn"] for b in listed] == [first]


# --------------------------------------------------------------------------- the patches
def test_given_patches_when_applied_and_undone_through_a_registry_then_moto_is_restored() -> None:
    assert_patches_round_trip(
        ecs_bluegreen,
        "ecs_bluegreen.",
        {(EC2ContainerServiceResponse, name): original for name, original in MOTO_HANDLERS.items()},
    )


# --------------------------------------------------------------------------- over HTTP
def test_given_the_moto_server_when_a_headless_service_deploys_then_the_api_answers_over_http(
    aws_env: None,
) -> None:
    runtime = Runtime(VirtualClock(speed=SPEED))
    set_runtime(runtime)
    ecs_bluegreen.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        ecs = boto3.client("ecs", region_name=REGION, endpoint_url=f"http://{host}:{port}")
        ecs.create_cluster(clusterName=CLUSTER)
        taskdef = ecs.register_task_definition(
            family="headless",
            containerDefinitions=[{"name": CONTAINER, "image": "nginx:1", "memory": 128}],
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(
            cluster=CLUSTER,
            serviceName=SERVICE,
            taskDefinition=taskdef,
            desiredCount=1,
            deploymentConfiguration=blue_green(lifecycleHooks=[pause("POST_SCALE_UP")]),
        )
        (brief,) = ecs.list_service_deployments(cluster=CLUSTER, service=SERVICE)[
            "serviceDeployments"
        ]
        arn = brief["serviceDeploymentArn"]

        def awaiting() -> str | None:
            (dep,) = ecs.describe_service_deployments(serviceDeploymentArns=[arn])[
                "serviceDeployments"
            ]
            hooks = [
                h for h in dep.get("lifecycleHookDetails", []) if h["status"] == "AWAITING_ACTION"
            ]
            return str(hooks[0]["hookId"]) if hooks else None

        hook_id = wait_for(awaiting, what="the pause over HTTP")
        ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=hook_id, action="CONTINUE")

        def finished() -> dict[str, Any] | None:
            (dep,) = ecs.describe_service_deployments(serviceDeploymentArns=[arn])[
                "serviceDeployments"
            ]
            return dict(dep) if dep["status"] == "SUCCESSFUL" else None

        done = wait_for(finished, what="SUCCESSFUL over HTTP")
        (revision,) = ecs.describe_service_revisions(
            serviceRevisionArns=[done["targetServiceRevision"]["arn"]]
        )["serviceRevisions"]
        assert revision["containerImages"] == [{"containerName": CONTAINER, "image": "nginx:1"}]
        assert revision["resolvedConfiguration"] == {"loadBalancers": []}
        with pytest.raises(ClientError) as error:
            ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
        assert error.value.response["Error"]["Code"] == "ConflictException"
    finally:
        server.stop()
        runtime.clock.stop()
        ecs_bluegreen.uninstall()
        set_runtime(None)
