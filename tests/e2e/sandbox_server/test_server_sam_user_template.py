"""`sam deploy` of a user's own small template into the sandbox (no `sam build`: sam deploy
packages a local CodeUri itself), with an explicit `--s3-bucket`: a template the sandbox can
create succeeds; one with a resource type it cannot create fails as CloudFormation fails a
stack (the resource's CREATE_FAILED naming it, then ROLLBACK_COMPLETE), never a silent skip."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server_world import REGION, ROOT, World, sam_env, start_world

from turnout_sandbox.server import ServerOptions

SAM = ROOT / ".venv-sam" / "bin" / "sam"
BUCKET = "my-deploy-artifacts"

pytestmark = pytest.mark.skipif(not SAM.exists(), reason="no .venv-sam (scripts/setup.sh sam)")

FUNCTION = """
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
"""
TRACKER = """
  Tracker:
    Type: AWS::Location::Tracker
    Properties:
      TrackerName: deliveries
"""


def template(resources: str) -> str:
    return (
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:" + resources + "Outputs:\n  HelloName:\n    Value: !Ref Hello\n"
    )


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    yield from start_world(ServerOptions(port=0, speed=100, with_stack=False))


def sam_deploy(
    world: World, project: Path, stack: str, capabilities: tuple[str, ...] = ("CAPABILITY_IAM",)
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(SAM),
            "deploy",
            "--template-file",
            "template.yaml",
            "--s3-bucket",
            BUCKET,
            "--stack-name",
            stack,
            "--region",
            REGION,
            *(("--capabilities", *capabilities) if capabilities else ()),
            "--no-confirm-changeset",
        ],
        cwd=project,
        env=sam_env(world.url, project / ".sam-home"),
        capture_output=True,
        text=True,
        input="",
        timeout=300,
        check=False,
    )


def project_with(tmp_path: Path, resources: str) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 'hi'\n")
    (tmp_path / "template.yaml").write_text(template(resources))
    return tmp_path


def stack_of(world: World, name: str) -> dict[str, Any]:
    found: dict[str, Any] = world.client("cloudformation").describe_stacks(StackName=name)[
        "Stacks"
    ][0]
    return found


@pytest.fixture(scope="module")
def bucket(world: World) -> str:
    world.client("s3").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return BUCKET


def test_given_an_own_bucket_when_sam_deploys_a_function_then_the_stack_is_created(
    world: World, bucket: str, tmp_path: Path
) -> None:
    done = sam_deploy(world, project_with(tmp_path, FUNCTION), "hello")
    assert done.returncode == 0, done.stdout + done.stderr
    stack = stack_of(world, "hello")
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    name = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["HelloName"]
    function = world.client("lambda").get_function_configuration(FunctionName=name)
    assert function["Handler"] == "app.handler"
    # the template sam uploaded was read from that bucket (TemplateURL, path-style)
    keys = [o["Key"] for o in world.client("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    assert any(k.endswith(".template") for k in keys)


def test_given_a_type_the_sandbox_cannot_create_when_sam_deploys_then_the_stack_rolls_back(
    world: World, bucket: str, tmp_path: Path
) -> None:
    done = sam_deploy(world, project_with(tmp_path, FUNCTION + TRACKER), "tracked")
    assert done.returncode != 0
    assert "ROLLBACK_COMPLETE" in done.stdout + done.stderr
    stack = stack_of(world, "tracked")
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    reason = "The following resource(s) failed to create: [Tracker]. Rollback requested by user."
    assert stack["StackStatusReason"] == reason
    events = world.client("cloudformation").describe_stack_events(StackName="tracked")
    failed = [e for e in events["StackEvents"] if e["ResourceStatus"] == "CREATE_FAILED"]
    assert [(e["LogicalResourceId"], e["ResourceType"]) for e in failed] == [
        ("Tracker", "AWS::Location::Tracker")
    ]
    assert "AWS::Location::Tracker" in failed[0]["ResourceStatusReason"]
    assert [e["ResourceStatus"] for e in events["StackEvents"][:2]] == [
        "ROLLBACK_COMPLETE",
        "ROLLBACK_IN_PROGRESS",
    ]


def test_given_a_parameter_without_a_value_when_sam_deploys_then_create_change_set_refuses(
    world: World, bucket: str, tmp_path: Path
) -> None:
    project = project_with(tmp_path, FUNCTION)
    text = (project / "template.yaml").read_text()
    (project / "template.yaml").write_text(
        text.replace("Resources:", "Parameters:\n  Greeting:\n    Type: String\nResources:", 1)
    )
    done = sam_deploy(world, project, "unset")
    assert done.returncode != 0
    assert "Parameters: [Greeting] must have values" in done.stdout + done.stderr
    stacks = world.client("cloudformation").list_stacks()["StackSummaries"]
    assert "unset" not in {s["StackName"] for s in stacks}  # refused before any stack exists


def test_given_an_invalid_serverless_resource_when_sam_deploys_then_the_change_set_fails(
    world: World, bucket: str, tmp_path: Path
) -> None:
    bad = FUNCTION + "      Events:\n        Nightly:\n          Type: NotAnEventSource\n"
    done = sam_deploy(world, project_with(tmp_path, bad), "invalid")
    assert done.returncode != 0
    assert "Transform AWS::Serverless-2016-10-31 failed with:" in done.stdout + done.stderr
    summaries = world.client("cloudformation").list_change_sets(StackName="invalid")["Summaries"]
    failed = [c for c in summaries if c["StackName"] == "invalid"]
    assert [(c["Status"], c["ExecutionStatus"]) for c in failed] == [("FAILED", "UNAVAILABLE")]
    assert "Nightly" in failed[0]["StatusReason"]


def test_given_no_capabilities_when_sam_deploys_a_function_then_create_change_set_refuses(
    world: World, bucket: str, tmp_path: Path
) -> None:
    done = sam_deploy(world, project_with(tmp_path, FUNCTION), "uncapable", capabilities=())
    assert done.returncode != 0
    assert "Requires capabilities : [CAPABILITY_IAM]" in done.stdout + done.stderr
    stacks = world.client("cloudformation").list_stacks()["StackSummaries"]
    assert "uncapable" not in {s["StackName"] for s in stacks}


TOPIC = """
  Alerts:
    Type: AWS::SNS::Topic
"""


def test_given_a_deployed_stack_when_sam_deploys_an_added_resource_then_its_events_are_listed(
    world: World, bucket: str, tmp_path: Path
) -> None:
    """An update lists each changed resource's events between the stack's UPDATE_IN_PROGRESS
    and UPDATE_COMPLETE (DescribeStackEvents: one event per resource status change)."""
    project = project_with(tmp_path, FUNCTION)
    first = sam_deploy(world, project, "grown")
    assert first.returncode == 0, first.stdout + first.stderr
    (project / "template.yaml").write_text(template(FUNCTION + TOPIC))

    done = sam_deploy(world, project, "grown")

    assert done.returncode == 0, done.stdout + done.stderr
    events = world.client("cloudformation").describe_stack_events(StackName="grown")
    newest = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in events["StackEvents"]]
    update = newest[: newest.index(("grown", "UPDATE_IN_PROGRESS")) + 1]
    assert update[0] == ("grown", "UPDATE_COMPLETE")
    assert ("Alerts", "CREATE_COMPLETE") in update
    assert update.index(("Alerts", "CREATE_COMPLETE")) < update.index(
        ("Alerts", "CREATE_IN_PROGRESS")
    )
    alerts = [e for e in events["StackEvents"] if e["LogicalResourceId"] == "Alerts"]
    assert alerts[0]["ResourceType"] == "AWS::SNS::Topic"
    assert alerts[0]["PhysicalResourceId"].startswith("arn:aws:sns:")
