"""The local AWS endpoint of bench/cold_init.py, and the state each handler's first call meets.

Run as a process of its own (``python bench/cold_world.py CONFIG_JSON``): it starts the
sandbox's AWS (moto 5.2.5 plus turnout's emulators, e.g. CodeCommit's files and commits, which
moto lacks) in this process with :class:`turnout_sandbox.sandbox.Sandbox`, serves it over HTTP
with moto's ``ThreadedMotoServer`` on 127.0.0.1 (a free port), and creates what the stack's
functions talk to, named after the functions' environment (CONFIG_JSON ``{"env": {...}}``):
the ledger table, the notification topic, the CodeCommit repository with a commit holding the
task definition and AppSpec, the ECR repository with the image of that commit, the ECS cluster
and service with its two target groups, the CodeDeploy application and blue/green group.

Then it answers one JSON command per stdin line, each with one ``COLDWORLD <json>`` line on
stdout (handlers' logs may share stdout):

* ``{"prepare": "<function>"}``: empty the ledger table, then run the real handlers that come
  before ``<function>`` in the state machines (in-process, against the same backends, with the
  payloads the state machines send: ResolveCommit, the build's RecordBuild, ResolveImage,
  Admit, Render, CreateDeployment, the gate's wait, the AfterAllowTraffic hook, a gate tick,
  the completion wait), and answer ``{"event": <what <function> receives next>}``. So each
  measured first call meets the state it meets in a deployment, and every run the same one.
* ``{"prepare": "baseline"}``: empty the ledger table; ``{"event": null}``.

Task tokens are made up (no execution waits on them): Step Functions answers SendTask* with
``InvalidToken``, which the adapter treats as "no longer waiting", as for a timed-out task.
The deployment is created in moto's CodeDeploy backend and stays ``Created`` (AWS's status
right after CreateDeployment), so no lifecycle thread runs while the benchmark measures.

The first line is ``COLDWORLD {"url": ..., "env": {...}}`` (the environment overrides, such
as the topic's ARN), or ``COLDWORLD {"error": ...}`` when the world cannot be built.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import socket
import sys
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
FIXTURES = ROOT / "tests" / "fixtures" / "render"
MARK = "COLDWORLD "
BASELINE = "baseline"
#: The functions, in the order a push reaches them (build, then deploy state machine).
PIPELINE = (
    "resolve_commit",
    "resolve_image",
    "admit",
    "render",
    "arm_wait",
    "gate_hook",
    "gate_tick",
    "deployment_events",
    "finish",
    "undelivered",
)
CONTAINER = "hello-aws"
PORT = 8080

Call = Callable[[str, dict[str, Any]], dict[str, Any]]


class WorldError(Exception):
    """The world cannot be built or a command is not understood."""


def reply(payload: dict[str, Any]) -> None:
    sys.stdout.write(MARK + json.dumps(payload, default=str) + "\n")
    sys.stdout.flush()


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Static:
    """What every run finds in place (created once)."""

    commit_id: str
    digest: str
    topic_arn: str
    blue_tg: str
    green_tg: str


class World:
    def __init__(self, env: dict[str, str]) -> None:
        from turnout_sandbox.sandbox import Sandbox

        self.env = env
        self.region = env.get("AWS_REGION", "ap-northeast-2")
        # speed 1: the core's clock (the sandbox's virtual one here) keeps the wall time
        self.sandbox = Sandbox(speed=1.0, region=self.region).start()
        self.account = self.sandbox.account
        self.static = self._create_static()
        self._handlers: dict[str, ModuleType] = {}

    def client(self, service: str) -> Any:
        return self.sandbox.client(service)

    def stop(self) -> None:
        self.sandbox.stop()

    # -- once ---------------------------------------------------------------------------
    def _create_static(self) -> Static:
        from turnout_sandbox.demo import blue_green_style

        env = self.env
        topic = self.client("sns").create_topic(Name=f"{env['STACK_NAME']}-notifications")
        commit_id = self._create_source()
        digest = self._push_image(commit_id)
        blue, green = self._create_service()
        codedeploy = self.client("codedeploy")
        codedeploy.create_application(
            applicationName=env["APPLICATION_NAME"], computePlatform="ECS"
        )
        codedeploy.create_deployment_group(
            applicationName=env["APPLICATION_NAME"],
            deploymentGroupName=env["DEPLOYMENT_GROUP_NAME"],
            serviceRoleArn=f"arn:aws:iam::{self.account}:role/codedeploy",
            deploymentConfigName="CodeDeployDefault.ECSAllAtOnce",
            **blue_green_style(termination_wait_minutes=5),
            ecsServices=[{"clusterName": env["CLUSTER_NAME"], "serviceName": env["SERVICE_NAME"]}],
            loadBalancerInfo={
                "targetGroupPairInfoList": [
                    {"targetGroups": [{"name": "bench-blue"}, {"name": "bench-green"}]}
                ]
            },
        )
        return Static(commit_id, digest, str(topic["TopicArn"]), blue, green)

    def _create_source(self) -> str:
        env = self.env
        codecommit = self.client("codecommit")
        codecommit.create_repository(repositoryName=env["REPOSITORY_NAME"])
        parent: dict[str, str] = {}
        commit_id = ""
        for path, fixture in (
            (env.get("TASKDEF_PATH") or "taskdef.json", "taskdef_console.json"),
            (env.get("APPSPEC_PATH") or "appspec.yaml", "appspec.yaml"),
        ):
            commit_id = str(
                codecommit.put_file(
                    repositoryName=env["REPOSITORY_NAME"],
                    branchName=env.get("BRANCH_NAME") or "master",
                    fileContent=(FIXTURES / fixture).read_bytes(),
                    filePath=path,
                    commitMessage=f"add {path}",
                    **parent,
                )["commitId"]
            )
            parent = {"parentCommitId": commit_id}
        return commit_id

    def _push_image(self, commit_id: str) -> str:
        env = self.env
        ecr = self.client("ecr")
        ecr.create_repository(repositoryName=env["ECR_REPOSITORY"])
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {
                    "digest": "sha256:" + "0" * 64,
                    "size": 1,
                    "mediaType": "application/vnd.docker.container.image.v1+json",
                },
                "layers": [],
            }
        )
        pushed = ecr.put_image(
            repositoryName=env["ECR_REPOSITORY"], imageManifest=manifest, imageTag=commit_id
        )
        digest = str(pushed["image"]["imageId"]["imageDigest"])
        ecr.put_image(
            repositoryName=env["ECR_REPOSITORY"],
            imageManifest=manifest,
            imageTag=env.get("IMAGE_TAG") or "latest",
            imageDigest=digest,
        )
        return digest

    def _create_service(self) -> tuple[str, str]:
        env = self.env
        vpc = self.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        elbv2 = self.client("elbv2")
        groups = []
        for name in ("bench-blue", "bench-green"):
            created = elbv2.create_target_group(
                Name=name, Protocol="HTTP", Port=PORT, VpcId=vpc, TargetType="ip"
            )
            groups.append(str(created["TargetGroups"][0]["TargetGroupArn"]))
        elbv2.register_targets(
            TargetGroupArn=groups[1], Targets=[{"Id": "10.0.0.10", "Port": PORT}]
        )
        ecs = self.client("ecs")
        ecs.create_cluster(clusterName=env["CLUSTER_NAME"])
        base = ecs.register_task_definition(
            family="bench-base",
            containerDefinitions=[{"name": CONTAINER, "image": "busybox", "memory": 128}],
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(
            cluster=env["CLUSTER_NAME"],
            serviceName=env["SERVICE_NAME"],
            taskDefinition=base,
            desiredCount=1,
            deploymentController={"type": "CODE_DEPLOY"},
        )
        return groups[0], groups[1]

    # -- every run ----------------------------------------------------------------------
    def reset_table(self) -> None:
        from turnout_sandbox.ledger_table import create_ledger_table

        ddb = self.client("dynamodb")
        table = self.env["TABLE_NAME"]
        if table in ddb.list_tables()["TableNames"]:
            ddb.delete_table(TableName=table)
        create_ledger_table(ddb, table)

    def create_deployment(self, render: dict[str, Any]) -> str:
        """What CreateDeployment leaves: a deployment (``Created``) and its green task set."""
        from moto.codedeploy.models import codedeploy_backends

        env = self.env
        deployment_id = str(
            codedeploy_backends[self.account][self.region].create_deployment(
                application_name=env["APPLICATION_NAME"],
                deployment_group_name=env["DEPLOYMENT_GROUP_NAME"],
                revision={
                    "revisionType": "AppSpecContent",
                    "appSpecContent": {"content": render["appSpecContent"]},
                },
                deployment_config_name="CodeDeployDefault.ECSAllAtOnce",
                description="turnout cold-start bench",
                auto_rollback_configuration=None,
            )
        )
        self.client("ecs").create_task_set(
            cluster=env["CLUSTER_NAME"],
            service=env["SERVICE_NAME"],
            taskDefinition=render["taskDefinitionArn"],
            externalId=deployment_id,
            loadBalancers=[
                {
                    "targetGroupArn": self.static.green_tg,
                    "containerName": render.get("containerName") or CONTAINER,
                    "containerPort": int(render.get("containerPort") or PORT),
                }
            ],
        )
        return deployment_id

    def handler(self, name: str) -> ModuleType:
        if name not in self._handlers:
            path = ROOT / "functions" / name / "app.py"
            spec = importlib.util.spec_from_file_location(f"coldworld_{name}", path)
            if spec is None or spec.loader is None:
                raise WorldError(f"cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self._handlers[name] = module
        return self._handlers[name]

    def call(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.handler(name).handler(copy.deepcopy(payload), Context(name))
        return result

    def prepare(self, target: str) -> dict[str, Any] | None:
        self.reset_table()
        if target == BASELINE:
            return None
        if target not in PIPELINE:
            raise WorldError(
                f"no representative event for functions/{target} (known: {', '.join(PIPELINE)})"
            )
        return events_until(target, self, self.call)


@dataclass
class Context:
    """The attributes Powertools' Logger reads from the Lambda context."""

    function_name: str
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    log_group_name: str = "/aws/lambda/cold-world"
    log_stream_name: str = "2026/12/01/[$LATEST]0"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:ap-northeast-2:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _execution(world: World, machine: str) -> str:
    return (
        f"arn:aws:states:{world.region}:{world.account}:execution:"
        f"{world.env['STACK_NAME']}-{machine}:{uuid.uuid4()}"
    )


def push_event(world: World) -> dict[str, Any]:
    """events/codecommit-push.json about the world's repository, branch and commit."""
    env, event = world.env, sample("codecommit-push")
    repository = env["REPOSITORY_NAME"]
    event["id"] = str(uuid.uuid4())
    event["account"], event["region"] = world.account, world.region
    event["resources"] = [f"arn:aws:codecommit:{world.region}:{world.account}:{repository}"]
    event["detail"] |= {
        "commitId": world.static.commit_id,
        "repositoryName": repository,
        "referenceName": env.get("BRANCH_NAME") or "master",
        "referenceFullName": f"refs/heads/{env.get('BRANCH_NAME') or 'master'}",
    }
    return event


def image_event(world: World) -> dict[str, Any]:
    """events/ecr-push.json about the world's image (its deploy tag)."""
    event = sample("ecr-push")
    event["id"] = str(uuid.uuid4())
    event["account"], event["region"] = world.account, world.region
    event["detail"] |= {
        "repository-name": world.env["ECR_REPOSITORY"],
        "image-digest": world.static.digest,
        "image-tag": world.env.get("IMAGE_TAG") or "latest",
    }
    return event


def events_until(target: str, world: World, call: Call) -> dict[str, Any]:  # noqa: PLR0911 (a return per step)
    """Run the handlers before ``target`` as the state machines do; return its input."""
    env = world.env
    if target == "undelivered":  # AsyncFailureQueue's SQS event: a tick Lambda gave up on
        tick = sample("scheduled-tick") | {"id": str(uuid.uuid4()), "account": world.account}
        attribute: dict[str, Any] = {"stringListValues": [], "binaryListValues": []}
        return {
            "Records": [
                {
                    "messageId": str(uuid.uuid4()),
                    "receiptHandle": "handle",
                    "body": json.dumps(tick),
                    "attributes": {"ApproximateReceiveCount": "1"},
                    "messageAttributes": {
                        "RequestID": attribute | {"stringValue": "r-1", "dataType": "String"},
                        "ErrorCode": attribute | {"stringValue": "200", "dataType": "Number"},
                        "ErrorMessage": attribute | {"stringValue": "boom", "dataType": "String"},
                    },
                    "eventSource": "aws:sqs",
                    "awsRegion": world.region,
                }
            ]
        }
    # -- build state machine: ResolveCommit, BuildImage, RecordBuild
    payload: dict[str, Any] = {
        "input": push_event(world),
        "executionArn": _execution(world, "build"),
    }
    if target == "resolve_commit":
        return payload
    build = call("resolve_commit", payload)  # OutputPath $.value
    build["build"] = {
        "buildId": f"{env['STACK_NAME']}-build:{uuid.uuid4()}",
        "buildStatus": "SUCCEEDED",
    }
    call(
        "finish",
        {
            "kind": "build",
            "outcome": "succeeded",
            "state": build,
            "executionArn": payload["executionArn"],
        },
    )
    # -- deploy state machine
    execution = _execution(world, "deploy")
    payload = {"event": image_event(world), "executionArn": execution}
    if target == "resolve_image":
        return payload
    state = call("resolve_image", payload)  # OutputPath $.value
    if target == "admit":
        return state
    admission = call("admit", state)
    state["admission"] = {"decision": admission["decision"], "reason": admission["reason"]}
    if target == "render":
        return state
    render = call("render", state)
    state["render"] = {"value": render}
    deployment_id = world.create_deployment(render)
    state["deployment"] = {"deploymentId": deployment_id}
    arm = {
        "kind": "gate",
        "taskToken": uuid.uuid4().hex * 4,
        "deploymentId": deployment_id,
        "attempt": state["attempt"],
        "holdMode": render["holdMode"],
        "taskDefinitionArn": render["taskDefinitionArn"],
    }
    if target == "arm_wait":
        return arm
    call("arm_wait", arm)
    hook = sample("lifecycle-hook") | {"DeploymentId": deployment_id}
    if target == "gate_hook":
        return hook
    call("gate_hook", hook)
    tick = sample("scheduled-tick") | {"id": str(uuid.uuid4()), "account": world.account}
    if target == "gate_tick":
        return tick
    call("gate_tick", tick)
    # the gate passed (WaitForHealthGate's output), the hook released, termination wait over
    state["gate"] = {
        "verdict": "pass",
        "reason": "healthy for the bake time",
        "hookHeld": True,
        "hookExecutionId": hook["LifecycleEventHookExecutionId"],
    }
    completion = {
        "kind": "completion",
        "taskToken": uuid.uuid4().hex * 4,
        "deploymentId": deployment_id,
        "attempt": state["attempt"],
    }
    call("arm_wait", completion)
    success = sample("codedeploy-success")
    success["id"] = str(uuid.uuid4())
    success["detail"] |= {
        "deploymentId": deployment_id,
        "application": env["APPLICATION_NAME"],
        "deploymentGroup": env["DEPLOYMENT_GROUP_NAME"],
    }
    if target == "deployment_events":
        return success
    call("deployment_events", success)
    state["completion"] = {"deploymentId": deployment_id, "state": "SUCCESS"}
    return {"kind": "deploy", "outcome": "succeeded", "state": state, "executionArn": execution}


def serve(config: dict[str, Any]) -> int:
    env = {str(k): str(v) for k, v in dict(config.get("env") or {}).items()}
    try:
        port = free_port()
        os.environ.update(env)
        # the handlers run here too (to set the state up): quiet, and against this process's
        # in-process backends (the sandbox's mock), not over HTTP
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
        world = World(env)
        os.environ["TOPIC_ARN"] = world.static.topic_arn
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
    except Exception as exc:
        traceback.print_exc()
        reply({"error": f"{type(exc).__name__}: {exc}"})
        return 1
    reply({"url": f"http://127.0.0.1:{port}", "env": {"TOPIC_ARN": world.static.topic_arn}})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                command = json.loads(line)
                reply({"event": world.prepare(str(command["prepare"]))})
            except Exception as exc:
                traceback.print_exc()
                reply({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        server.stop()
        world.stop()
    return 0


if __name__ == "__main__":
    sys.exit(serve(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}))
