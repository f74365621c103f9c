"""Helpers of the CLI e2e tests: a real HTTP endpoint (moto server on 127.0.0.1), a tiny stack.

The stack has the outputs the CLI reads; its resources are the ledger table, an SNS topic, the
image push rule and archive, and two small state machines. The deploy state machine's
WaitForHealthGate state is an SQS ``.waitForTaskToken`` task, so a real task token exists for
promote/rollback to answer. moto's CloudFormation cannot create state machines that execute
(they land in another backend), so those are created through the API and named in the outputs.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

_ROOT = Path(__file__).resolve().parents[3]
for _path in (_ROOT, _ROOT / "layers" / "turnout"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import boto3  # noqa: E402
import requests  # noqa: E402
from moto.core.exceptions import JsonRESTError  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402
from typer.testing import CliRunner, Result  # noqa: E402

from tests.cli_env import clear_aws_env  # noqa: E402
from turnout.adapters.store import Store  # noqa: E402
from turnout_cli.main import app  # noqa: E402

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
SERVICE = "cluster-hello-aws/service-hello-aws"
REPOSITORY = "hello-aws"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A plain moto server for this module's tests. Module-scoped, not session-scoped: it sets
    MOTO_PORT, which later sandboxes' state machine tasks would otherwise call into when the
    whole suite runs in one process."""
    port = free_port()
    previous = os.environ.get("MOTO_PORT")
    os.environ["MOTO_PORT"] = str(port)  # state machine tasks call back into this server
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    requests.post(
        f"{url}/moto-api/config",
        json={"stepfunctions": {"execute_state_machine": True}},
        timeout=10,
    )
    yield url
    server.stop()
    if previous is None:
        os.environ.pop("MOTO_PORT", None)
    else:
        os.environ["MOTO_PORT"] = previous


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real credentials or region: the CLI must fall back to the sandbox defaults."""
    clear_aws_env(monkeypatch)


# -- a tiny CodeCommit answer for GetCommit/GetBranch (moto 5.2.5 has neither) ------------

COMMITS: dict[str, set[str]] = {}
BRANCHES: dict[str, dict[str, str]] = {}
PARENTS: dict[str, list[str]] = {}


def _get_commit(self: Any) -> str:
    repo, commit = self._get_param("repositoryName"), self._get_param("commitId")
    if repo not in COMMITS:
        raise JsonRESTError("RepositoryDoesNotExistException", f"{repo} does not exist")
    if commit not in COMMITS[repo]:
        raise JsonRESTError(
            "CommitDoesNotExistException", f"Could not find commit {commit} in {repo}"
        )
    return json.dumps(
        {"commit": {"commitId": commit, "message": "test", "parents": PARENTS.get(commit, [])}}
    )


def _get_branch(self: Any) -> str:
    repo, branch = self._get_param("repositoryName"), self._get_param("branchName")
    if repo not in BRANCHES:
        raise JsonRESTError("RepositoryDoesNotExistException", f"{repo} does not exist")
    if branch not in BRANCHES[repo]:
        raise JsonRESTError("BranchDoesNotExistException", f"Branch {branch} does not exist")
    return json.dumps({"branch": {"branchName": branch, "commitId": BRANCHES[repo][branch]}})


@pytest.fixture
def codecommit(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    from moto.codecommit.responses import CodeCommitResponse

    monkeypatch.setattr(CodeCommitResponse, "get_commit", _get_commit, raising=False)
    monkeypatch.setattr(CodeCommitResponse, "get_branch", _get_branch, raising=False)
    old, head, feature = (uuid.uuid4().hex + uuid.uuid4().hex[:8] for _ in range(3))
    # master: old <- head; feature: old <- feature (not reachable from master's head)
    COMMITS[REPOSITORY] = {old, head, feature}
    PARENTS.update({head: [old], feature: [old], old: []})
    BRANCHES[REPOSITORY] = {"master": head, "feature": feature}
    return {"master": head, "old": old, "feature": feature}


# -- ledger rows and archived pushes -----------------------------------------------------------


def attempt_id(at: float, tag: str) -> str:
    return datetime.fromtimestamp(at, tz=UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + tag


def put_push(world: World, digest: str) -> str:
    detail = {
        "action-type": "PUSH",
        "result": "SUCCESS",
        "repository-name": "ecr-hello-aws",
        "image-digest": digest,
        "image-tag": "latest",
    }
    sent = world.client("events").put_events(
        Entries=[
            {"Source": "aws.ecr", "DetailType": "ECR Image Action", "Detail": json.dumps(detail)}
        ]
    )
    return str(sent["Entries"][0]["EventId"])


def backdate_archive(world: World, seconds: float) -> None:
    """Make the stack's archive ``seconds`` older (moto's server runs in this process): a
    window before an archive's creation is refused, as AWS has nothing there."""
    from moto.events.models import events_backends

    archive = events_backends[ACCOUNT][REGION].archives[world.outputs["ImagePushArchiveName"]]
    archive.creation_time -= seconds


# -- the stack ---------------------------------------------------------------------------------

GATE_DEFINITION = {
    "StartAt": "WaitForHealthGate",
    "States": {
        "WaitForHealthGate": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "QUEUE_URL", "MessageBody": {"token.$": "$$.Task.Token"}},
            "End": True,
        }
    },
}
BUILD_DEFINITION = {
    "StartAt": "BuildImage",
    "States": {"BuildImage": {"Type": "Wait", "Seconds": 3600, "End": True}},
}


@dataclass
class World:
    endpoint: str
    stack: str
    outputs: dict[str, str]
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = boto3.client(
                service,
                endpoint_url=self.endpoint,
                region_name=REGION,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        return self.clients[service]

    @property
    def store(self) -> Store:
        return Store(self.outputs["LedgerTableName"], client=self.client("dynamodb"))

    def cli(self, *args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(
            app, ["--endpoint-url", self.endpoint, "--stack", self.stack, *args], input=input
        )

    def start_gate_execution(self, name: str) -> tuple[str, str]:
        """A deploy execution waiting at WaitForHealthGate; returns (executionArn, task token)."""
        sfn, sqs = self.client("stepfunctions"), self.client("sqs")
        arn = sfn.start_execution(
            stateMachineArn=self.outputs["DeployStateMachineArn"], name=name, input="{}"
        )["executionArn"]
        for _ in range(100):
            got = sqs.receive_message(QueueUrl=self.outputs["QueueUrl"], WaitTimeSeconds=1)
            if got.get("Messages"):
                return arn, json.loads(got["Messages"][0]["Body"])["token"]
        raise AssertionError("the deploy execution never reached WaitForHealthGate")

    def wait_status(self, arn: str, wanted: str) -> dict[str, Any]:
        sfn = self.client("stepfunctions")
        for _ in range(200):
            found: dict[str, Any] = sfn.describe_execution(executionArn=arn)
            if found["status"] == wanted:
                return found
            sfn.get_execution_history(executionArn=arn)  # a real round trip instead of a sleep
        raise AssertionError(f"{arn} did not reach {wanted}: {found['status']}")


def make_stack(
    endpoint: str, *, outputs: bool = True, trigger: str | None = None, engine: str | None = None
) -> World:
    suffix = uuid.uuid4().hex[:8]
    name = f"turnout-test-{suffix}"
    world = World(endpoint=endpoint, stack=name, outputs={})
    build_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}-build"
    deploy_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}-deploy"
    resources = {
        "LedgerTable": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
            },
        },
        "NotificationTopic": {"Type": "AWS::SNS::Topic"},
        "GateQueue": {"Type": "AWS::SQS::Queue"},
        "ImagePushRule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "State": "ENABLED",
                "EventPattern": {"source": ["aws.ecr"], "detail-type": ["ECR Image Action"]},
            },
        },
        "ImagePushArchive": {
            "Type": "AWS::Events::Archive",
            "Properties": {
                "ArchiveName": f"{name}-pushes",
                "SourceArn": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default",
                # moto's CloudFormation only takes the archive pattern as a JSON string
                "EventPattern": json.dumps(
                    {"source": ["aws.ecr"], "detail-type": ["ECR Image Action"]}
                ),
            },
        },
    }
    template_outputs = (
        {
            "LedgerTableName": {"Value": {"Ref": "LedgerTable"}},
            "ServiceKey": {"Value": SERVICE},
            "NotificationTopicArn": {"Value": {"Ref": "NotificationTopic"}},
            "ImagePushRuleArn": {"Value": {"Fn::GetAtt": ["ImagePushRule", "Arn"]}},
            "ImagePushRuleName": {"Value": {"Ref": "ImagePushRule"}},
            "ImagePushArchiveName": {"Value": f"{name}-pushes"},
            "ImagePushArchiveArn": {"Value": {"Fn::GetAtt": ["ImagePushArchive", "Arn"]}},
            "BuildStateMachineArn": {"Value": build_arn},
            "DeployStateMachineArn": {"Value": deploy_arn},
            "RepositoryName": {"Value": REPOSITORY},
            "BranchName": {"Value": "master"},
            "QueueUrl": {"Value": {"Ref": "GateQueue"}},
        }
        | ({"BuildTrigger": {"Value": trigger}} if trigger else {})
        | ({"DeploymentEngine": {"Value": engine}} if engine else {})
        if outputs
        else {"Unrelated": {"Value": {"Ref": "NotificationTopic"}}}
    )
    cfn = world.client("cloudformation")
    cfn.create_stack(
        StackName=name,
        TemplateBody=json.dumps({"Resources": resources, "Outputs": template_outputs}),
    )
    found = cfn.describe_stacks(StackName=name)["Stacks"][0]
    world.outputs = {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}
    if outputs:
        sfn = world.client("stepfunctions")
        role = f"arn:aws:iam::{ACCOUNT}:role/turnout-test"
        definition = json.dumps(GATE_DEFINITION).replace("QUEUE_URL", world.outputs["QueueUrl"])
        sfn.create_state_machine(name=f"{name}-deploy", roleArn=role, definition=definition)
        sfn.create_state_machine(
            name=f"{name}-build", roleArn=role, definition=json.dumps(BUILD_DEFINITION)
        )
    return world


@pytest.fixture
def world(endpoint: str) -> World:
    return make_stack(endpoint)
