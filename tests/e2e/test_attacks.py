"""The security review's attacks (rows 1, 2, 4, 5, and 11's tag override) through the sandbox and
the real state machines: each crafted file is pushed, the deploy fails with the typed refusal
(recorded in the ledger and the Finished event), nothing is registered and no deployment is
created (so no hook is invoked), the serving task set is untouched, and the slot is released at
once: the next push is admitted to run, and deploys."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.executions import nth_ended_execution
from tests.unit.test_render_bounds import alias_bomb
from turnout_sandbox.scenarios import Run

pytestmark = pytest.mark.e2e

#: The gate hook's name derives from the stack id (template.yaml, aws-fidelity row 3): the
#: stack's GateHookFunctionName output replaces this placeholder.
GATE = "<gate-hook-function>"
EXEC_ROLE = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"
OTHER_SECRET = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:payments/db-AbCdEf"


class Notifications:
    """What the stack's topic sends (an SQS queue subscribed to it, as an operator would)."""

    def __init__(self, run: Run) -> None:
        self.sqs = run.sandbox.client("sqs")
        self.url = self.sqs.create_queue(QueueName="attack-notifications")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])
        run.sandbox.client("sns").subscribe(
            TopicArn=run.stack.outputs["NotificationTopicArn"],
            Protocol="sqs",
            Endpoint=arn["Attributes"]["QueueArn"],
        )
        self.seen: list[dict[str, Any]] = []

    def of(self, commit: str) -> list[dict[str, Any]]:
        while batch := self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in batch:
                self.seen.append(json.loads(json.loads(message["Body"])["Message"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return [m for m in self.seen if m.get("commitId") == commit and m.get("kind") == "deploy"]


@pytest.fixture(scope="module")
def notifications(run: Run) -> Notifications:
    return Notifications(run)


# --------------------------------------------------------------------------- crafted files

Files = Callable[[Run], dict[str, str]]


def taskdef(mutate: Callable[[dict[str, Any]], None]) -> Files:
    def files(run: Run) -> dict[str, str]:
        good = run.demo.files("attack")
        document = json.loads(good["taskdef.json"])
        mutate(document)
        return good | {"taskdef.json": json.dumps(document, indent=2)}

    return files


def appspec(extra: str) -> Files:
    def files(run: Run) -> dict[str, str]:
        good = run.demo.files("attack")
        own = extra.replace(GATE, run.stack.outputs["GateHookFunctionName"])
        return good | {"appspec.yaml": good["appspec.yaml"] + own}

    return files


def _host_and_sidecar(doc: dict[str, Any]) -> None:
    doc["pidMode"] = "host"
    doc["volumes"] = [
        {"name": "root", "host": {"sourcePath": "/"}},
        {"name": "sock", "host": {"sourcePath": "/var/run/docker.sock"}},
    ]
    doc["containerDefinitions"].append(
        {
            "name": "tool",
            "image": "docker.io/attacker/tool:latest",
            "essential": False,
            "memory": 128,
            "privileged": True,
            "linuxParameters": {"capabilities": {"add": ["SYS_ADMIN"]}},
        }
    )


def _foreign_secret(doc: dict[str, Any]) -> None:
    doc["containerDefinitions"][0]["secrets"] = [{"name": "DB", "valueFrom": OTHER_SECRET}]


def _exec_role_as_task_role(doc: dict[str, Any]) -> None:
    doc["taskRoleArn"] = doc["executionRoleArn"]


def _other_family(doc: dict[str, Any]) -> None:
    doc["family"] = "payments-prod"


def _turnout_tag(doc: dict[str, Any]) -> None:
    doc["tags"] = [{"key": "turnout:commit", "value": "0" * 40}]


def _oversized(doc: dict[str, Any]) -> None:
    doc["containerDefinitions"][0]["environment"].append({"name": "PAD", "value": "x" * 70_000})


HOOK = "Hooks:\n  - {event}: {function}\n"
NETWORK = """        NetworkConfiguration:
          AwsvpcConfiguration:
            Subnets: [subnet-attacker]
            SecurityGroups: [sg-db-admin]
            AssignPublicIp: ENABLED
"""
CAPACITY = """        CapacityProviderStrategy:
          - CapacityProvider: ec2-shared
            Weight: 1
"""


def _bomb(run: Run) -> dict[str, str]:
    bomb = alias_bomb().replace("ContainerName: web", f"ContainerName: {run.demo.n.container}")
    return run.demo.files("attack") | {"appspec.yaml": bomb}


#: (id, crafted files, error name, fragments of the cause)
ATTACKS: list[tuple[str, Files, str, tuple[str, ...]]] = [
    (
        "row2a-host-privileges-and-a-privileged-sidecar",
        taskdef(_host_and_sidecar),
        "PolicyViolation",
        (
            "taskdef.json: pidMode is 'host'",
            "volumes[1].host.sourcePath is '/var/run/docker.sock'",
            "containerDefinitions[1] ('tool').privileged is set",
            "'SYS_ADMIN', not in AllowedCapabilities (SYS_PTRACE) [rule: capabilities]",
            "'docker.io/attacker/tool:latest', not pinned by digest",
        ),
    ),
    (
        "row2b-another-services-secret",
        taskdef(_foreign_secret),
        "PolicyViolation",
        (f"secrets[0].valueFrom is '{OTHER_SECRET}', not under SecretArnPrefixes (none)",),
    ),
    (
        "row2c-execution-role-as-task-role",
        taskdef(_exec_role_as_task_role),
        "PolicyViolation",
        (f"taskRoleArn is '{EXEC_ROLE}', but the stack passes no role there",),
    ),
    (
        "row2e-another-services-family",
        taskdef(_other_family),
        "PolicyViolation",
        ("family is 'payments-prod', but this stack registers only",),
    ),
    (
        "row11-turnout-tag-override",
        taskdef(_turnout_tag),
        "PolicyViolation",
        ("tags[0].key is 'turnout:commit'", "[rule: tags]"),
    ),
    (
        "row1-any-function-as-a-hook",
        appspec(HOOK.format(event="BeforeInstall", function="CodeDeployHook_otherteam-gate")),
        "PolicyViolation",
        ("Hooks[0].BeforeInstall is 'CodeDeployHook_otherteam-gate', not in AllowedHookFunctions",),
    ),
    (
        "row1-another-accounts-function",
        appspec(
            HOOK.format(
                event="BeforeAllowTraffic",
                function="arn:aws:lambda:ap-northeast-2:999999999999:function:CodeDeployHook_x",
            )
        ),
        "PolicyViolation",
        ("a function of another account or region",),
    ),
    (
        "row1-own-gate-on-test-traffic",
        appspec(HOOK.format(event="AfterAllowTestTraffic", function=GATE)),
        "PolicyViolation",
        (f"is turnout's own gate ('{GATE}'), which runs only at AfterAllowTraffic",),
    ),
    (
        "row4-other-subnets-groups-public-ip",
        appspec(NETWORK),
        "PolicyViolation",
        (
            "asks for subnets ['subnet-attacker'], security groups ['sg-db-admin']",
            "[rule: network]",
        ),
    ),
    (
        "row4-ec2-capacity-provider",
        appspec(CAPACITY),
        "PolicyViolation",
        ("CapacityProviderStrategy is [('ec2-shared', 0, 1)]", "[rule: capacity-providers]"),
    ),
    (
        "row5-alias-bomb",
        _bomb,
        "AppSpecInvalid",
        ("appspec.yaml: the alias *s at line 13 column 23: turnout reads no YAML aliases",),
    ),
    (
        "row5-oversized-taskdef",
        taskdef(_oversized),
        "TaskDefinitionInvalid",
        ("taskdef.json: is ", "bytes; turnout reads at most 64 KiB"),
    ),
]


# --------------------------------------------------------------------------- observations


def _task_definitions(run: Run) -> list[str]:
    ecs = run.sandbox.client("ecs")
    arns: list[str] = []
    for status in ("ACTIVE", "INACTIVE"):
        arns += ecs.list_task_definitions(status=status)["taskDefinitionArns"]
    return sorted(arns)


def _deployments(run: Run) -> list[str]:
    found: list[str] = run.sandbox.client("codedeploy").list_deployments()["deployments"]
    return found


def _admission(run: Run, execution_arn: str) -> str:
    events = run.sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    exited = [
        e["stateExitedEventDetails"]
        for e in events
        if e["type"] == "TaskStateExited" and e["stateExitedEventDetails"]["name"] == "Admit"
    ]
    return str(json.loads(exited[0]["output"])["admission"]["decision"])


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize(
    ("files", "error", "fragments"),
    [pytest.param(files, error, fragments, id=name) for name, files, error, fragments in ATTACKS],
)
def test_given_a_crafted_file_when_pushed_then_refused_by_name_and_nothing_registered_or_invoked(
    run: Run, notifications: Notifications, files: Files, error: str, fragments: tuple[str, ...]
) -> None:
    count = len(run.executions("deploy")) + 1
    serving = run.demo.serving()
    registered, deployments = _task_definitions(run), _deployments(run)

    commit = run.demo.push("crafted", files(run))

    execution = nth_ended_execution(run, "deploy", count)
    assert execution["status"] == "FAILED"
    assert execution["error"] == error, execution.get("cause")
    for fragment in fragments:
        assert (
            fragment.replace(GATE, run.stack.outputs["GateHookFunctionName"]) in execution["cause"]
        )
    assert len(execution["cause"]) <= 2000
    assert _admission(run, execution["executionArn"]) == "run"
    assert [r["error"]["type"] for r in run.deploy_rows(commit)] == [error]
    notified = [(n["result"], n["error"]["type"]) for n in notifications.of(commit)]
    assert notified == [("failed", error)]
    assert _task_definitions(run) == registered
    assert _deployments(run) == deployments
    assert run.demo.serving() == serving


def test_given_the_refused_pushes_when_a_normal_push_follows_then_it_runs_at_once_and_deploys(
    run: Run,
) -> None:
    count = len(run.executions("deploy")) + 1
    registered = _task_definitions(run)

    commit = run.demo.push("a normal change", run.demo.files("v-normal"))

    execution = nth_ended_execution(run, "deploy", count)
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert _admission(run, execution["executionArn"]) == "run"
    assert run.demo.serving()["commit"] == commit
    assert len(_task_definitions(run)) == len(registered) + 1
