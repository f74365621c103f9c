"""The aws CLI (v1, .venv-aws) against the served sandbox, as a user runs it: a push with
`codecommit put-file` deploys, `stepfunctions start-execution` runs the build machine,
`events start-replay` redeploys, and the describe-* of every resource the README names
answer."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from server_world import BRANCH, REGION, REPO, ROOT, STACK, World, cli_env, start_world, wait_for

from turnout_sandbox.server import ServerOptions

AWS = ROOT / ".venv-aws" / "bin" / "aws"

pytestmark = pytest.mark.skipif(not AWS.exists(), reason="no .venv-aws (scripts/setup.sh aws)")


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    yield from start_world(ServerOptions(port=0, speed=100, bake_minutes=1, timeout_minutes=30))


def aws(world: World, *args: str) -> Any:
    """`aws --endpoint-url URL --region R ... --output json`, with dummy keys; its JSON."""
    env = {
        **cli_env(),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    done = subprocess.run(
        [str(AWS), "--endpoint-url", world.url, "--region", REGION, *args, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr}"
    return json.loads(done.stdout) if done.stdout.strip() else {}


@pytest.fixture(scope="module")
def pushed(world: World) -> str:
    """A push as `aws codecommit put-file` makes it, deployed."""
    head = aws(
        world, "codecommit", "get-branch", "--repository-name", REPO, "--branch-name", BRANCH
    )
    put = aws(
        world,
        "codecommit",
        "put-file",
        "--repository-name",
        REPO,
        "--branch-name",
        BRANCH,
        "--parent-commit-id",
        head["branch"]["commitId"],
        "--file-path",
        "src/main/resources/version.txt",
        "--file-content",
        f"pushed with the aws CLI {time.time()}\n",
        "--commit-message",
        "aws cli push",
    )
    commit = str(put["commitId"])
    row = world.wait_deployed(commit)
    assert row["result"] == "succeeded", row
    return commit


def test_given_codecommit_put_file_when_pushed_then_the_commit_is_built_and_deployed(
    world: World, pushed: str
) -> None:
    assert world.serving_commit() == pushed
    assert [e["status"] for e in world.executions("build")] == ["SUCCEEDED"]


def test_given_start_execution_of_the_build_machine_when_run_then_it_builds_the_branch(
    world: World, pushed: str
) -> None:
    machine = world.outputs["BuildStateMachineArn"]
    started = aws(
        world,
        "stepfunctions",
        "start-execution",
        "--state-machine-arn",
        machine,
        "--input",
        json.dumps({"branch": BRANCH}),
    )
    arn = started["executionArn"]

    def ended() -> dict[str, Any] | None:
        found: dict[str, Any] = aws(
            world, "stepfunctions", "describe-execution", "--execution-arn", arn
        )
        return found if found["status"] != "RUNNING" else None

    execution = wait_for("the build execution", ended, timeout=120)
    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["input"]) == {"branch": BRANCH}
    builds = [r for r in world.ledger() if r.get("kind") == "build" and r.get("commitId") == pushed]
    assert {r.get("trigger") for r in builds} >= {"push", "manual"}


def test_given_the_archived_push_when_start_replay_then_it_redeploys(
    world: World, pushed: str
) -> None:
    out = world.outputs
    archive = out["ImagePushArchiveName"]
    wait_for(
        "the push to be archived",
        lambda: aws(world, "events", "describe-archive", "--archive-name", archive)["EventCount"],
        timeout=120,
    )
    assert world.server.sandbox is not None
    now = world.server.sandbox.runtime.clock.now()  # the sandbox's (virtual) time
    bus = f"arn:aws:events:{REGION}:123456789012:event-bus/default"
    replay = aws(
        world,
        "events",
        "start-replay",
        "--replay-name",
        f"aws-cli-replay-{int(time.time())}",
        "--event-source-arn",
        out["ImagePushArchiveArn"],
        "--event-start-time",
        datetime.fromtimestamp(now - 86400, UTC).isoformat(),
        "--event-end-time",
        datetime.fromtimestamp(now, UTC).isoformat(),
        "--destination",
        json.dumps({"Arn": bus, "FilterArns": [out["ImagePushRuleArn"]]}),
    )
    assert replay["State"] in {"STARTING", "RUNNING", "COMPLETED"}
    row = world.wait_deployed(pushed, trigger="replay", timeout=120)
    assert row["result"] == "succeeded", row


def test_given_the_readme_resources_when_described_then_each_answers(
    world: World, pushed: str
) -> None:
    out = world.outputs
    stack = aws(world, "cloudformation", "describe-stacks", "--stack-name", STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    repo = aws(world, "codecommit", "get-repository", "--repository-name", REPO)
    assert repo["repositoryMetadata"]["repositoryName"] == REPO
    ecr = aws(world, "ecr", "describe-repositories", "--repository-names", out["EcrRepositoryName"])
    assert ecr["repositories"][0]["repositoryName"] == out["EcrRepositoryName"]
    images = aws(world, "ecr", "describe-images", "--repository-name", out["EcrRepositoryName"])
    assert images["imageDetails"]
    services = aws(
        world,
        "ecs",
        "describe-services",
        "--cluster",
        out["ClusterName"],
        "--services",
        out["ServiceName"],
    )
    assert services["services"][0]["serviceName"] == out["ServiceName"]
    group = aws(
        world,
        "deploy",
        "get-deployment-group",
        "--application-name",
        out["CodeDeployApplication"],
        "--deployment-group-name",
        out["DeploymentGroupName"],
    )
    assert group["deploymentGroupInfo"]["deploymentGroupName"] == out["DeploymentGroupName"]
    for key in ("BuildStateMachineArn", "DeployStateMachineArn"):
        machine = aws(
            world, "stepfunctions", "describe-state-machine", "--state-machine-arn", out[key]
        )
        assert machine["stateMachineArn"] == out[key]
    table = aws(world, "dynamodb", "describe-table", "--table-name", out["LedgerTableName"])
    assert table["Table"]["TableStatus"] == "ACTIVE"
    for key in ("PushRuleName", "ImagePushRuleName"):
        assert aws(world, "events", "describe-rule", "--name", out[key])["Name"] == out[key]
    archive = aws(
        world, "events", "describe-archive", "--archive-name", out["ImagePushArchiveName"]
    )
    assert archive["ArchiveArn"] == out["ImagePushArchiveArn"]
    project = aws(world, "codebuild", "batch-get-projects", "--names", out["BuildProjectName"])
    assert project["projects"][0]["name"] == out["BuildProjectName"]
    topic = aws(world, "sns", "get-topic-attributes", "--topic-arn", out["NotificationTopicArn"])
    assert topic["Attributes"]["TopicArn"] == out["NotificationTopicArn"]
    hook = aws(world, "lambda", "get-function", "--function-name", out["GateHookFunctionName"])
    assert hook["Configuration"]["FunctionName"] == out["GateHookFunctionName"]
    role = out["BuildRoleArn"].rsplit("/", 1)[-1]
    assert aws(world, "iam", "get-role", "--role-name", role)["Role"]["Arn"] == out["BuildRoleArn"]
