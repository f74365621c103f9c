"""The real SAM CLI deploys turnout into the sandbox as the README deploys it into AWS.

`turnout sandbox serve --no-stack` sets up the demo service only and prints the `sam deploy`
line; here the server runs in a thread (the same SandboxServer), and the SAM CLI of .venv-sam
runs as a subprocess in a copy of the project: `sam build`, then that exact line with
AWS_ENDPOINT_URL set. The stack it creates is live (a push deploys through it, `turnout
status` reads it), and a second `sam deploy` with BuildTrigger=manual updates it in place.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from server_world import REGION, ROOT, STACK, World, sam_env, start_world

from turnout_sandbox.server import ServerOptions

SAM = ROOT / ".venv-sam" / "bin" / "sam"
MANAGED = "aws-sam-cli-managed-default"
#: what `sam build` reads of the project (the template's CodeUri/ContentUri/DefinitionUri)
PROJECT = ("template.yaml", "samconfig.toml", "functions", "layers", "statemachines")

pytestmark = pytest.mark.skipif(not SAM.exists(), reason="no .venv-sam (scripts/setup.sh sam)")


def failures(cf: object) -> list[str]:
    """The stack's *_FAILED events (what a failed deploy names), newest first."""
    found = cf.describe_stack_events(StackName=STACK)["StackEvents"]  # type: ignore[attr-defined]
    return [
        f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}"
        for e in found
        if e["ResourceStatus"].endswith("_FAILED")
    ]


def change_sets(cf: Any) -> list[dict[str, Any]]:
    """The stack's change sets, oldest first (moto lists every stack's: filtered here)."""
    found: list[dict[str, Any]] = cf.list_change_sets(StackName=STACK)["Summaries"]
    return [c for c in found if c["StackName"] == STACK]


@dataclass
class Deployed:
    world: World
    project: Path
    env: dict[str, str]
    line: str
    build_seconds: float
    deploy: subprocess.CompletedProcess[str]
    deploy_seconds: float

    def sam(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SAM), *args],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            input="",
            timeout=timeout,
            check=False,
        )


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    project = tmp_path_factory.mktemp("project")
    for name in PROJECT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, project / name)
    for world in start_world(
        ServerOptions(port=0, speed=100, bake_minutes=1, timeout_minutes=30, with_stack=False)
    ):
        ready = world.server.ready()
        assert ready.sam_deploy is not None
        env = sam_env(ready.url, tmp_path_factory.mktemp("sam-home"))
        found = Deployed(world, project, env, ready.sam_deploy, 0.0, None, 0.0)  # type: ignore[arg-type]
        started = time.monotonic()
        build = found.sam("build")
        found.build_seconds = time.monotonic() - started
        assert build.returncode == 0, build.stdout + build.stderr
        words = shlex.split(ready.sam_deploy)
        assert words[:2] == ["sam", "deploy"]
        started = time.monotonic()
        found.deploy = found.sam(*words[1:])
        found.deploy_seconds = time.monotonic() - started
        print(f"sam build {found.build_seconds:.1f}s, sam deploy {found.deploy_seconds:.1f}s")
        yield found


def test_given_no_stack_when_served_then_the_line_deploys_turnout_for_the_demo_service(
    deployed: Deployed,
) -> None:
    line = deployed.line
    assert line.startswith(f"sam deploy --resolve-s3 --stack-name {STACK} --region {REGION} ")
    assert "--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND" in line
    for pair in ("RepositoryName=hello-aws", "ClusterName=cluster-hello-aws", "BuildTrigger=push"):
        assert f" {pair}" in line
    assert "\n" not in line


def test_given_the_line_when_sam_deploys_then_the_stack_is_created_with_its_outputs(
    deployed: Deployed,
) -> None:
    done = deployed.deploy
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Successfully created/updated stack - {STACK} in {REGION}" in done.stdout
    cf = deployed.world.client("cloudformation")
    stack = cf.describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"] for o in stack["Outputs"]}
    assert {"BuildStateMachineArn", "DeployStateMachineArn", "LedgerTableName"} <= outputs
    statuses = [
        e["ResourceStatus"] for e in cf.describe_stack_events(StackName=STACK)["StackEvents"]
    ]
    assert statuses[0] == "CREATE_COMPLETE"  # newest first, as CloudFormation lists them
    assert "REVIEW_IN_PROGRESS" in statuses
    events = cf.describe_stack_events(StackName=STACK)["StackEvents"]
    created = {
        (e["LogicalResourceId"], e["ResourceType"])
        for e in events
        if e["ResourceStatus"] == "CREATE_COMPLETE" and e["LogicalResourceId"] != STACK
    }
    # one per resource, moto's and the sandbox's own (the CodeBuild project)
    assert ("LedgerTable", "AWS::DynamoDB::Table") in created
    assert ("BuildProject", "AWS::CodeBuild::Project") in created


def test_given_resolve_s3_when_sam_deployed_then_its_managed_stack_has_tags_and_source_bucket(
    deployed: Deployed,
) -> None:
    stack = deployed.world.client("cloudformation").describe_stacks(StackName=MANAGED)["Stacks"][0]
    assert {"Key": "ManagedStackSource", "Value": "AwsSamCli"} in stack["Tags"]
    bucket = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["SourceBucket"]
    keys = deployed.world.client("s3").list_objects_v2(Bucket=bucket)["KeyCount"]
    assert keys > 0  # the code and the template sam uploaded


def test_given_the_sam_stack_when_a_push_lands_then_it_deploys_through_it(
    deployed: Deployed,
) -> None:
    assert deployed.deploy.returncode == 0
    world = deployed.world
    world.push_deployed("Version via sam")
    build = world.executions("build")
    assert [e["status"] for e in build] == ["SUCCEEDED"]


def test_given_the_sam_stack_when_turnout_status_then_it_operates_it(deployed: Deployed) -> None:
    assert deployed.deploy.returncode == 0
    snapshot = deployed.world.cli_json("--stack", STACK, "status")
    assert snapshot["stack"] == STACK
    assert snapshot["service"] == "cluster-hello-aws/service-hello-aws"


def test_given_build_trigger_manual_when_sam_deploys_again_then_the_push_rule_is_disabled(
    deployed: Deployed,
) -> None:
    assert deployed.deploy.returncode == 0
    cf = deployed.world.client("cloudformation")
    rule = cf.describe_stack_resource(StackName=STACK, LogicalResourceId="PushRule")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    events = deployed.world.client("events")
    assert events.describe_rule(Name=rule)["State"] == "ENABLED"
    words = shlex.split(deployed.line.replace("BuildTrigger=push", "BuildTrigger=manual"))
    started = time.monotonic()
    done = deployed.sam(*words[1:])
    print(f"sam deploy (update) {time.monotonic() - started:.1f}s")
    assert done.returncode == 0, failures(cf)
    assert cf.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    rule = cf.describe_stack_resource(StackName=STACK, LogicalResourceId="PushRule")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    assert events.describe_rule(Name=rule)["State"] == "DISABLED"
    # the change of a parameter alone modifies the rule its condition reads (Fn::If IsPush)
    update = cf.describe_stack_events(StackName=STACK)["StackEvents"]
    statuses = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in update]
    since = statuses[: statuses.index((STACK, "UPDATE_IN_PROGRESS"))]
    assert ("PushRule", "UPDATE_COMPLETE") in since
    parameters = {
        p["ParameterKey"]: p["ParameterValue"]
        for p in cf.describe_stacks(StackName=STACK)["Stacks"][0]["Parameters"]
    }
    assert parameters["BuildTrigger"] == "manual"


def test_given_nothing_changed_when_sam_deploys_again_then_there_is_no_change_to_deploy(
    deployed: Deployed,
) -> None:
    assert deployed.deploy.returncode == 0
    cf = deployed.world.client("cloudformation")
    parameters = cf.describe_stacks(StackName=STACK)["Stacks"][0]["Parameters"]
    trigger = {p["ParameterKey"]: p["ParameterValue"] for p in parameters}["BuildTrigger"]
    words = shlex.split(deployed.line.replace("BuildTrigger=push", f"BuildTrigger={trigger}"))
    done = deployed.sam(*words[1:])
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"No changes to deploy. Stack {STACK} is up to date" in done.stdout + done.stderr
    changes = change_sets(cf)
    assert changes[-1]["Status"] == "FAILED"
    assert changes[-1]["StatusReason"].startswith("The submitted information didn't contain")


def test_given_the_sam_stack_when_its_change_set_is_described_then_it_lists_processed_types(
    deployed: Deployed,
) -> None:
    cf = deployed.world.client("cloudformation")
    first = change_sets(cf)[0]
    described = cf.describe_change_set(ChangeSetName=first["ChangeSetId"], StackName=STACK)
    assert (described["Status"], described["ExecutionStatus"]) == (
        "CREATE_COMPLETE",
        "EXECUTE_COMPLETE",
    )
    types = {c["ResourceChange"]["ResourceType"] for c in described["Changes"]}
    assert {"AWS::Lambda::Function", "AWS::StepFunctions::StateMachine"} <= types
    assert not any(t.startswith("AWS::Serverless::") for t in types)
