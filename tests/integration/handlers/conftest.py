"""Fixtures for the handler integration tests: each functions/<name>/app.py is loaded by path
and called as Lambda would, with ``deps=`` built from moto-backed boto3 clients.

moto 5.2.5 lacks CodeCommit get_commit/get_branch/get_file and CodeDeploy's lifecycle and
deployment-status operations, so those two seams get small hand-written fake *clients* that
answer (and fail) the way AWS does: the real adapters, with their error mapping, still run.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from turnout import clock
from turnout.adapters.codecommit import CodeCommit
from turnout.adapters.codedeploy import CodeDeploy
from turnout.adapters.ecr import Ecr
from turnout.adapters.ecs import Ecs
from turnout.adapters.health import Health
from turnout.adapters.notify import Notifier
from turnout.adapters.sfn import StepFunctions
from turnout.adapters.store import Store
from turnout.config import Config
from turnout.deps import Deps
from turnout_sandbox.ledger_table import create_ledger_table

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "events"
RENDER_FIXTURES = ROOT / "tests" / "fixtures" / "render"

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
TABLE = "turnout-test-table"
REPOSITORY = "hello-aws"
ECR_REPOSITORY = "ecr-hello-aws"
CLUSTER = "cluster-hello-aws"
SERVICE = "service-hello-aws"
SERVICE_KEY = f"{CLUSTER}/{SERVICE}"
APPLICATION = "app-hello-aws"
GROUP = "dg-hello-aws"
STACK = "hello-aws-turnout"
GREEN_TG = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/tg-green/0123456789abcdef"

#: The commit and digest the sample events in events/ talk about.
COMMIT = "705f74ba5bd5309ca9e6a3de50df9ea722fb280c"
DIGEST = "sha256:59c6945a2775b1189efbc6d956de4ce089717b3cdfcdb92153b96ca2b9354b27"
NOW = 1_790_000_000.0
# The deploy execution a handler is called from (Step Functions passes $$.Execution.Id).
DEPLOY_EXECUTION = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:deploy:run-1"

#: Every handler of the stack: the folders under functions/ with an app.py.
HANDLERS = tuple(sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py")))
_LOADED: dict[str, ModuleType] = {}


def load_handler(name: str) -> ModuleType:
    """functions/<name>/app.py as its own module (every handler is called `app` in Lambda)."""
    if name not in _LOADED:
        path = ROOT / "functions" / name / "app.py"
        spec = importlib.util.spec_from_file_location(f"turnout_handler_{name}", path)
        assert spec is not None, f"cannot load {path}"
        assert spec.loader is not None, f"cannot load {path}"
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _LOADED[name] = module
    return _LOADED[name]


def sample(name: str) -> dict[str, Any]:
    """A fresh copy of events/<name>.json."""
    data: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def fixture_text(name: str) -> str:
    return (RENDER_FIXTURES / name).read_text(encoding="utf-8")


@dataclass
class FakeLambdaContext:
    """The attributes Powertools' Logger reads from the Lambda context."""

    function_name: str = "turnout-handler-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:turnout-handler-test"
    aws_request_id: str = "11111111-2222-3333-4444-555555555555"
    log_group_name: str = "/aws/lambda/turnout-handler-test"
    log_stream_name: str = "2026/11/26/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def client_error(code: str, message: str, operation: str) -> ClientError:
    """A botocore ClientError shaped as AWS returns it."""
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


# --------------------------------------------------------------------------- CodeCommit fake


@dataclass
class FakeCodeCommitClient:
    """get_commit / get_branch / get_file of one repository, with AWS's error codes."""

    repository: str = REPOSITORY
    commits: dict[str, dict[str, str]] = field(default_factory=dict)
    parents: dict[str, list[str]] = field(default_factory=dict)
    dates: dict[str, int] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def add_commit(
        self,
        files: dict[str, str],
        branch: str = "master",
        commit_id: str | None = None,
        date: int | None = None,
    ) -> str:
        """A commit on top of ``branch`` (its committer date: ``date`` or one minute later)."""
        cid = (
            commit_id
            or hashlib.sha1(
                json.dumps([len(self.commits), files], sort_keys=True).encode()
            ).hexdigest()
        )
        parent = self.branches.get(branch)
        self.commits[cid] = dict(files)
        self.parents[cid] = [parent] if parent else []
        self.dates[cid] = date if date is not None else int(NOW) - 3600 + 60 * len(self.commits)
        self.branches[branch] = cid
        return cid

    def _check_repo(self, name: str, operation: str) -> None:
        if name != self.repository:
            raise client_error(
                "RepositoryDoesNotExistException", f"{name} does not exist", operation
            )

    def get_commit(self, *, repositoryName: str, commitId: str) -> dict[str, Any]:
        self.calls.append(("GetCommit", {"commitId": commitId}))
        self._check_repo(repositoryName, "GetCommit")
        if commitId not in self.commits:
            raise client_error(
                "CommitIdDoesNotExistException", f"Could not find commit {commitId}", "GetCommit"
            )
        person = {
            "name": "alice",
            "email": "alice@example.com",
            "date": f"{self.dates[commitId]} +0000",
        }
        return {
            "commit": {
                "commitId": commitId,
                "treeId": "0" * 40,
                "parents": list(self.parents[commitId]),
                "message": "change\n",
                "author": person,
                "committer": person,
            }
        }

    def get_branch(self, *, repositoryName: str, branchName: str) -> dict[str, Any]:
        self.calls.append(("GetBranch", {"branchName": branchName}))
        self._check_repo(repositoryName, "GetBranch")
        if branchName not in self.branches:
            raise client_error(
                "BranchDoesNotExistException", f"Could not find branch {branchName}", "GetBranch"
            )
        return {"branch": {"branchName": branchName, "commitId": self.branches[branchName]}}

    def get_file(
        self, *, repositoryName: str, commitSpecifier: str, filePath: str
    ) -> dict[str, Any]:
        self.calls.append(("GetFile", {"commitSpecifier": commitSpecifier, "filePath": filePath}))
        self._check_repo(repositoryName, "GetFile")
        commit = self.branches.get(commitSpecifier, commitSpecifier)
        if commit not in self.commits:
            raise client_error(
                "CommitDoesNotExistException", f"Could not find commit {commit}", "GetFile"
            )
        files = self.commits[commit]
        if filePath not in files:
            raise client_error(
                "FileDoesNotExistException", f"Could not find file {filePath}", "GetFile"
            )
        return {
            "commitId": commit,
            "filePath": filePath,
            "fileContent": files[filePath].encode("utf-8"),
            "fileMode": "NORMAL",
        }


# --------------------------------------------------------------------------- CodeDeploy fake


@dataclass
class FakeCodeDeployClient:
    """Deployment status, the group's blue/green termination wait, hook answers."""

    statuses: dict[str, str] = field(default_factory=dict)
    termination_action: str = "TERMINATE"
    termination_wait_minutes: int = 5
    #: deploymentReadyOption.actionOnTimeout, or None for a group without the option
    ready_action: str | None = None
    #: autoRollbackConfiguration.events (enabled when not empty), as the demo group has
    rollback_events: list[str] = field(default_factory=lambda: ["DEPLOYMENT_FAILURE"])
    hook_answers: list[dict[str, str]] = field(default_factory=list)
    #: deployment id -> its rollback deployment (rollbackInfo.rollbackDeploymentId)
    rollbacks: dict[str, str] = field(default_factory=dict)
    #: deployment id -> (application, group) when not this stack's
    groups: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: deployment id -> lifecycle event -> status (AfterAllowTraffic InProgress when unset)
    lifecycle: dict[str, dict[str, str]] = field(default_factory=dict)
    #: hook execution ids already answered (LifecycleEventAlreadyCompletedException)
    completed_hooks: set[str] = field(default_factory=set)

    def get_deployment(self, *, deploymentId: str) -> dict[str, Any]:
        if deploymentId not in self.statuses:
            raise client_error(
                "DeploymentDoesNotExistException",
                f"The deployment {deploymentId} could not be found",
                "GetDeployment",
            )
        application, group = self.groups.get(deploymentId, (APPLICATION, GROUP))
        info: dict[str, Any] = {
            "deploymentId": deploymentId,
            "status": self.statuses[deploymentId],
            "applicationName": application,
            "deploymentGroupName": group,
        }
        if deploymentId in self.rollbacks:
            info["rollbackInfo"] = {"rollbackDeploymentId": self.rollbacks[deploymentId]}
        return {"deploymentInfo": info}

    def list_deployment_targets(self, *, deploymentId: str) -> dict[str, Any]:
        return {"targetIds": [f"{CLUSTER}:{SERVICE}"]}

    def get_deployment_target(self, *, deploymentId: str, targetId: str) -> dict[str, Any]:
        events = self.lifecycle.get(deploymentId, {"AfterAllowTraffic": "InProgress"})
        lifecycle = [{"lifecycleEventName": k, "status": v} for k, v in events.items()]
        return {"deploymentTarget": {"ecsTarget": {"lifecycleEvents": lifecycle}}}

    def get_deployment_group(
        self, *, applicationName: str, deploymentGroupName: str
    ) -> dict[str, Any]:
        if (applicationName, deploymentGroupName) != (APPLICATION, GROUP):
            raise client_error(
                "DeploymentGroupDoesNotExistException",
                f"{applicationName}/{deploymentGroupName} does not exist",
                "GetDeploymentGroup",
            )
        blue_green: dict[str, Any] = {
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": self.termination_action,
                "terminationWaitTimeInMinutes": self.termination_wait_minutes,
            }
        }
        if self.ready_action is not None:
            blue_green["deploymentReadyOption"] = {
                "actionOnTimeout": self.ready_action,
                "waitTimeInMinutes": 10,
            }
        return {
            "deploymentGroupInfo": {
                "applicationName": applicationName,
                "deploymentGroupName": deploymentGroupName,
                "blueGreenDeploymentConfiguration": blue_green,
                "autoRollbackConfiguration": {
                    "enabled": bool(self.rollback_events),
                    "events": list(self.rollback_events),
                },
            }
        }

    def put_lifecycle_event_hook_execution_status(
        self, *, deploymentId: str, lifecycleEventHookExecutionId: str, status: str
    ) -> dict[str, Any]:
        if lifecycleEventHookExecutionId in self.completed_hooks:
            raise client_error(
                "LifecycleEventAlreadyCompletedException",
                f"The lifecycle event {lifecycleEventHookExecutionId} already completed",
                "PutLifecycleEventHookExecutionStatus",
            )
        self.completed_hooks.add(lifecycleEventHookExecutionId)
        self.hook_answers.append(
            {
                "deploymentId": deploymentId,
                "hookExecutionId": lifecycleEventHookExecutionId,
                "status": status,
            }
        )
        return {"lifecycleEventHookExecutionId": lifecycleEventHookExecutionId}


# --------------------------------------------------------------------------- Step Functions fake


@dataclass
class RecordingSfnClient:
    """send_task_success / send_task_failure recorded; tokens in ``gone`` answer as AWS does
    for a task that is no longer waiting (TaskTimedOut)."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)

    def _check(self, token: str, operation: str) -> None:
        if token in self.gone:
            raise client_error(
                "TaskTimedOut", "Task Timed Out: 'Provided task does not exist'", operation
            )

    def send_task_success(self, *, taskToken: str, output: str) -> dict[str, Any]:
        self._check(taskToken, "SendTaskSuccess")
        self.calls.append(("success", {"taskToken": taskToken, "output": json.loads(output)}))
        return {}

    def send_task_failure(self, *, taskToken: str, error: str, cause: str) -> dict[str, Any]:
        self._check(taskToken, "SendTaskFailure")
        self.calls.append(("failure", {"taskToken": taskToken, "error": error, "cause": cause}))
        return {}

    def describe_execution(self, *, executionArn: str) -> dict[str, Any]:
        """No execution is known here: answered as AWS answers an unknown ARN."""
        raise client_error(
            "ExecutionDoesNotExist",
            f"Execution Does Not Exist: '{executionArn}'",
            "DescribeExecution",
        )


@dataclass
class FakeElbv2Client:
    """describe_target_health answers per target group (moto cannot make targets unhealthy)."""

    states: dict[str, list[str]] = field(default_factory=dict)

    def describe_target_health(self, *, TargetGroupArn: str) -> dict[str, Any]:
        return {
            "TargetHealthDescriptions": [
                {"Target": {"Id": f"10.0.0.{i}", "Port": 8080}, "TargetHealth": {"State": s}}
                for i, s in enumerate(self.states.get(TargetGroupArn, []))
            ]
        }


# --------------------------------------------------------------------------- environment


def make_config(**overrides: Any) -> Config:
    env = {
        "STACK_NAME": STACK,
        "TABLE_NAME": TABLE,
        "TOPIC_ARN": f"arn:aws:sns:{REGION}:{ACCOUNT}:turnout-test",
        "AWS_REGION": REGION,
        "REPOSITORY_NAME": REPOSITORY,
        "BRANCH_NAME": "master",
        "ECR_REPOSITORY": ECR_REPOSITORY,
        "IMAGE_TAG": "latest",
        "CLUSTER_NAME": CLUSTER,
        "SERVICE_NAME": SERVICE,
        "APPLICATION_NAME": APPLICATION,
        "DEPLOYMENT_GROUP_NAME": GROUP,
        "GATE_BAKE_MINUTES": "5",
        "GATE_TIMEOUT_MINUTES": "30",
        "GATE_FAILURE_THRESHOLD": "2",
        "EVENT_SOURCE": "turnout",
    }
    env |= {k: str(v) for k, v in overrides.items()}
    return Config.from_env(env)


@dataclass
class World:
    """The moto account plus the fakes, and the Deps the handlers get."""

    deps: Deps
    ddb: Any
    ecr: Any
    ecs: Any
    sns: Any
    sqs: Any
    events: Any
    sfn: Any
    cloudwatch: Any
    codecommit: FakeCodeCommitClient
    codedeploy: FakeCodeDeployClient
    sfn_calls: RecordingSfnClient
    elbv2: FakeElbv2Client
    queue_url: str
    context: FakeLambdaContext = field(default_factory=FakeLambdaContext)

    def with_config(self, sfn_client: Any | None = None, **overrides: Any) -> Deps:
        """The same clients with a changed configuration (and optionally another sfn client)."""
        config = make_config(**overrides)
        return Deps(
            config=config,
            store=self.deps.store,
            codecommit=self.deps.codecommit,
            ecr=self.deps.ecr,
            ecs=self.deps.ecs,
            codedeploy=self.deps.codedeploy,
            health=self.deps.health,
            sfn=StepFunctions(sfn_client) if sfn_client is not None else self.deps.sfn,
            notifier=Notifier(config.topic_arn, config.event_source, self.sns, self.events),
        )

    def push_attempt(self, n: int) -> dict[str, Any]:
        """Commit number ``n`` on master (newer than n-1) and the attempt of its image."""
        commit = self.codecommit.add_commit({"n": str(n)})
        found = attempt(
            attempt_id=f"20261126T0648{n:02d}000000Z-{n:06x}",
            digest=digest_of(n),
            commit_id=commit,
            event_id=f"event-{n}",
        )
        found["commitTime"] = float(self.codecommit.dates[commit])
        return found

    def deploy_machine(self) -> tuple[str, Deps]:
        """A deploy state machine in moto (a single Pass state) and Deps that start it."""
        arn: str = self.sfn.create_state_machine(
            name="deploy",
            definition=json.dumps(
                {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
            ),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/turnout-deploy",
        )["stateMachineArn"]
        return arn, self.with_config(sfn_client=self.sfn, DEPLOY_STATE_MACHINE_ARN=arn)

    def call(self, name: str, event: Any, deps: Deps | None = None) -> dict[str, Any]:
        result: dict[str, Any] = load_handler(name).handler(
            copy.deepcopy(event), self.context, deps=deps or self.deps
        )
        return result

    # -- observations ---------------------------------------------------------------
    def item(self, pk: str, sk: str) -> dict[str, Any] | None:
        return self.deps.store.get(pk, sk)

    def attempts(self) -> list[dict[str, Any]]:
        return self.deps.store.attempts(SERVICE_KEY)

    def state(self) -> dict[str, Any]:
        return self.deps.store.load_state(SERVICE_KEY).to_dict()

    def task_definitions(self) -> list[str]:
        found: list[str] = self.ecs.list_task_definitions()["taskDefinitionArns"]
        return found

    def notifications(self) -> list[dict[str, Any]]:
        """SNS messages published to the topic (delivered to an SQS subscription)."""
        messages = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            batch = got.get("Messages", [])
            if not batch:
                return messages
            for m in batch:
                body = json.loads(m["Body"])
                messages.append(
                    {"Subject": body.get("Subject"), "Message": json.loads(body["Message"])}
                )
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])

    # -- set-up helpers ---------------------------------------------------------------
    def push_image(self, digest: str, tags: list[str]) -> None:
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {
                    "digest": digest,
                    "size": 1,
                    "mediaType": "application/vnd.docker.container.image.v1+json",
                },
                "layers": [],
            }
        )
        for tag in tags:
            self.ecr.put_image(
                repositoryName=ECR_REPOSITORY,
                imageManifest=manifest,
                imageTag=tag,
                imageDigest=digest,
            )

    def sources(self, taskdef: str | None = "", appspec: str | None = "") -> str:
        """Commit COMMIT with taskdef.json and appspec.yaml: "" = the fixture, None = absent."""
        files: dict[str, str] = {}
        for path, text, default in (
            ("taskdef.json", taskdef, "taskdef_console.json"),
            ("appspec.yaml", appspec, "appspec.yaml"),
        ):
            if text is not None:
                files[path] = text or fixture_text(default)
        return self.codecommit.add_commit(files, commit_id=COMMIT)


@pytest.fixture(autouse=True)
def _metrics_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    """The namespace template.yaml gives Powertools Metrics (POWERTOOLS_METRICS_NAMESPACE)."""
    from turnout.observability import metrics

    monkeypatch.setattr(metrics, "namespace", "Turnout")


@pytest.fixture
def fixed_clock() -> Iterator[Callable[[float], None]]:
    """turnout.clock at NOW; the fixture's function moves it."""
    current = [NOW]
    clock.set_clock(lambda: current[0])

    def move_to(ts: float) -> None:
        current[0] = ts

    try:
        yield move_to
    finally:
        clock.set_clock(None)


@pytest.fixture
def world(fixed_clock: Callable[[float], None]) -> Iterator[World]:
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        create_ledger_table(ddb, TABLE)
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=ECR_REPOSITORY)
        ecs = boto3.client("ecs", region_name=REGION)
        ecs.create_cluster(clusterName=CLUSTER)
        sns = boto3.client("sns", region_name=REGION)
        topic = sns.create_topic(Name="turnout-test")["TopicArn"]
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName="turnout-notifications")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        events = boto3.client("events", region_name=REGION)
        sfn = boto3.client("stepfunctions", region_name=REGION)
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        codecommit = FakeCodeCommitClient()
        codedeploy = FakeCodeDeployClient()
        sfn_calls = RecordingSfnClient()
        elbv2 = FakeElbv2Client()
        config = make_config(TOPIC_ARN=topic)
        assert config.topic_arn == topic
        deps = Deps(
            config=config,
            store=Store(TABLE, ddb),
            codecommit=CodeCommit(REPOSITORY, codecommit),
            ecr=Ecr(ECR_REPOSITORY, ecr),
            ecs=Ecs(CLUSTER, SERVICE, ecs),
            codedeploy=CodeDeploy(APPLICATION, GROUP, codedeploy),
            health=Health(elbv2=elbv2, cloudwatch=cloudwatch),
            sfn=StepFunctions(sfn_calls),
            notifier=Notifier(topic, "turnout", sns=sns, events=events),
        )
        yield World(
            deps=deps,
            ddb=ddb,
            ecr=ecr,
            ecs=ecs,
            sns=sns,
            sqs=sqs,
            events=events,
            sfn=sfn,
            cloudwatch=cloudwatch,
            codecommit=codecommit,
            codedeploy=codedeploy,
            sfn_calls=sfn_calls,
            elbv2=elbv2,
            queue_url=queue_url,
        )


def attempt(
    attempt_id: str = "20261126T064820000000Z-aaaaaa",
    digest: str = DIGEST,
    commit_id: str = COMMIT,
    trigger: str = "push",
    event_id: str = "5c520454-c634-4f82-a036-c82e82e33841",
    replay_name: str | None = None,
) -> dict[str, Any]:
    """The camelCase attempt object the deploy state machine carries."""
    return {
        "attemptId": attempt_id,
        "digest": digest,
        "commitId": commit_id,
        "imageUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{ECR_REPOSITORY}@{digest}",
        "trigger": trigger,
        "eventId": event_id,
        "replayName": replay_name,
        "receivedAt": NOW - 10,
        "executionArn": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:deploy:{attempt_id}",
    }


def digest_of(n: int) -> str:
    return "sha256:" + hashlib.sha256(str(n).encode()).hexdigest()


# --------------------------------------------------------------------- waits on one deployment
#: The deployment id in events/codedeploy-*.json and lifecycle-hook.json.
DEPLOYMENT = "d-7QJ6XUB2H"
HOOK_ID = sample("lifecycle-hook")["LifecycleEventHookExecutionId"]


def arm_wait(world: World, kind: str, token: str, **extra: Any) -> dict[str, Any]:
    """Invoke arm_wait for DEPLOYMENT the way the deploy state machine does."""
    payload = {"kind": kind, "taskToken": token, "deploymentId": DEPLOYMENT, "attempt": attempt()}
    return world.call("arm_wait", payload | extra)


def attempt_phase(world: World) -> str:
    row = world.deps.store.get_attempt(SERVICE_KEY, attempt()["attemptId"])
    assert row is not None
    return str(row["phase"])
