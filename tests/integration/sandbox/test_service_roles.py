"""Service roles under IAM enforcement: a CodeBuild build acts as its project's service role, a
CodeDeploy deployment as its group's, an EventBridge target as its RoleArn. A role missing one
permission ends the build, the deployment, the delivery as AWS ends it; with it, they succeed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.integration.sandbox.test_emu_codebuild import PROJECT, _run
from tests.integration.sandbox.test_emu_codebuild import _world as codebuild_world
from tests.integration.sandbox.test_emu_codedeploy import (
    World,
    appspec,
    deploy,
    make_group,
    wait_status,
    world,
)
from tests.integration.sandbox.test_emu_events import PASS_MACHINE, put, rule, sandbox
from turnout_sandbox import iam_enforcement
from turnout_sandbox.emulators import events as events_emulator
from turnout_sandbox.iam.managed import managed_policy
from turnout_sandbox.iam.principals import Mode, documents_of
from turnout_sandbox.patches import PatchRegistry
from turnout_sandbox.runtime import DEFAULT_ACCOUNT, DEFAULT_REGION, Runtime

__all__ = ["sandbox", "world"]  # fixtures of the emulators' own tests, reused here

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
TRUST = json.dumps({"Version": "2012-10-17", "Statement": []})
CODEDEPLOY_FOR_ECS = "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"
DENIAL = "because no identity-based policy allows the {action} action"


@pytest.fixture
def enforced() -> Iterator[iam_enforcement.Enforcement]:
    """IAM enforced for the service roles, read from moto's IAM as the sandbox reads them."""
    lines: list[str] = []
    enforcement = iam_enforcement.Enforcement(
        Mode.ENFORCE,
        log=lines.append,
        role_documents=lambda arn: documents_of(boto3.client("iam", region_name=R), arn),
    )
    iam_enforcement.activate(enforcement)
    try:
        yield enforcement
    finally:
        iam_enforcement.deactivate()


def _role(name: str, actions: list[str]) -> str:
    """A role whose one inline policy allows ``actions`` on every resource."""
    iam = boto3.client("iam", region_name=R)
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    statement = {"Effect": "Allow", "Action": actions, "Resource": "*"}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(document))
    return arn


# ------------------------------------------------------------------------------ CodeBuild
#: BuildRole's actions in template.yaml.
BUILD_ACTIONS = [
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "codecommit:GitPull",
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]


def _failed_phase(build: dict[str, Any]) -> tuple[str, str, str]:
    phase = next(p for p in build["phases"] if p.get("phaseStatus") == "FAILED")
    context = phase["contexts"][0]
    return phase["phaseType"], context["statusCode"], context["message"]


def test_given_the_build_roles_actions_when_a_build_runs_then_it_succeeds_as_that_role(
    aws: Runtime,
    events: list[dict[str, Any]],
    wait: Any,
    enforced: iam_enforcement.Enforcement,
) -> None:
    _role("codebuild", BUILD_ACTIONS)
    enforced.record_calls = True
    world = codebuild_world(aws.region)

    done = _run(world, events, wait, sourceVersion="master")

    assert done["buildStatus"] == "SUCCEEDED"
    assert enforced.denials == []
    sessions = {p.session_arn for p, _ in enforced.calls}
    uuid = done["id"].split(":", 1)[1]
    assert sessions == {f"arn:aws:sts::{A}:assumed-role/codebuild/AWSCodeBuild-{uuid}"}
    assert {c.operation for _, c in enforced.calls} == {a.split(":")[1] for a in BUILD_ACTIONS}


@pytest.mark.parametrize(
    ("missing", "phase", "code", "says"),
    [
        ("ecr:InitiateLayerUpload", "POST_BUILD", "COMMAND_EXECUTION_ERROR", "docker push "),
        ("ecr:PutImage", "POST_BUILD", "COMMAND_EXECUTION_ERROR", "docker push "),
        ("ecr:GetAuthorizationToken", "PRE_BUILD", "COMMAND_EXECUTION_ERROR", "get-login-password"),
        ("codecommit:GitPull", "DOWNLOAD_SOURCE", "CLIENT_ERROR", "returned error: 403"),
        ("logs:CreateLogStream", "PROVISIONING", "ACCESS_DENIED", "log streams for build arn:"),
    ],
)
def test_given_a_build_role_missing_one_action_when_a_build_runs_then_its_phase_fails_naming_it(
    aws: Runtime,
    events: list[dict[str, Any]],
    wait: Any,
    enforced: iam_enforcement.Enforcement,
    missing: str,
    phase: str,
    code: str,
    says: str,
) -> None:
    _role("codebuild", [a for a in BUILD_ACTIONS if a != missing])
    world = codebuild_world(aws.region)

    done = _run(world, events, wait, sourceVersion="master")

    assert done["buildStatus"] == "FAILED"
    failed_phase, status, message = _failed_phase(done)
    assert (failed_phase, status) == (phase, code)
    assert says in message
    assert f"assumed-role/codebuild/AWSCodeBuild-{done['id'].split(':', 1)[1]}" in message
    assert f"is not authorized to perform: {missing} on resource: " in message
    assert DENIAL.format(action=missing) in message
    tags = world["ecr"].describe_images(repositoryName="ecr-hello-aws")["imageDetails"]
    assert tags == []  # no image was pushed


def test_given_a_build_role_without_log_writes_when_a_build_runs_then_it_succeeds_and_is_recorded(
    aws: Runtime,
    events: list[dict[str, Any]],
    wait: Any,
    enforced: iam_enforcement.Enforcement,
) -> None:
    _role("codebuild", [a for a in BUILD_ACTIONS if a != "logs:PutLogEvents"])
    world = codebuild_world(aws.region)

    done = _run(world, events, wait, sourceVersion="master")

    assert done["buildStatus"] == "SUCCEEDED"
    assert [d for d in enforced.denials if "logs:PutLogEvents" in d]
    assert done["logs"]["groupName"] == f"/aws/codebuild/{PROJECT}"


@pytest.mark.parametrize(("mode", "denied"), [(Mode.WARN, True), (Mode.OFF, False)])
def test_given_warn_or_off_when_a_build_role_cannot_push_then_the_build_succeeds(
    aws: Runtime,
    events: list[dict[str, Any]],
    wait: Any,
    enforced: iam_enforcement.Enforcement,
    mode: Mode,
    denied: bool,
) -> None:
    enforced.mode = mode
    _role("codebuild", [a for a in BUILD_ACTIONS if a != "ecr:PutImage"])
    world = codebuild_world(aws.region)

    done = _run(world, events, wait, sourceVersion="master")

    assert done["buildStatus"] == "SUCCEEDED"
    assert bool([d for d in enforced.denials if "ecr:PutImage" in d]) is denied
    assert (enforced.evaluated > 0) is (mode is Mode.WARN)


def test_given_a_service_role_iam_does_not_hold_when_a_build_runs_then_it_is_named_not_evaluated(
    aws: Runtime,
    events: list[dict[str, Any]],
    wait: Any,
    enforced: iam_enforcement.Enforcement,
) -> None:
    lines: list[str] = []
    enforced.log = lines.append
    world = codebuild_world(aws.region)  # its project's role "codebuild" was never created

    done = _run(world, events, wait, sourceVersion="master")

    assert done["buildStatus"] == "SUCCEEDED"
    assert enforced.evaluated == 0
    named = [m for m in lines if f"the role arn:aws:iam::{A}:role/codebuild is not evaluated" in m]
    assert len(named) == 1  # once, though the build made nine calls as the role


# ------------------------------------------------------------------------------ CodeDeploy
def test_given_an_aws_managed_policy_when_attached_then_the_role_session_holds_its_document(
    aws: Runtime,
) -> None:
    registry = PatchRegistry()
    registry.extend(iam_enforcement.PATCHES, iam_enforcement.INTERNALS)
    assert registry.canary() == []
    iam = boto3.client("iam", region_name=R)
    iam.create_role(RoleName="cd", AssumeRolePolicyDocument=TRUST)
    registry.apply()
    try:
        iam.attach_role_policy(RoleName="cd", PolicyArn=CODEDEPLOY_FOR_ECS)
        with pytest.raises(iam.exceptions.NoSuchEntityException):
            iam.attach_role_policy(RoleName="cd", PolicyArn="arn:aws:iam::aws:policy/NoSuch")
    finally:
        registry.undo()

    documents = documents_of(iam, f"arn:aws:iam::{A}:role/cd")

    assert documents.managed == (CODEDEPLOY_FOR_ECS,)
    session = documents.principal(f"arn:aws:iam::{A}:role/cd", "d-1")
    assert [p.name for p in session.policies] == [CODEDEPLOY_FOR_ECS]


def _deployment_role(name: str, without: str | None = None) -> str:
    """A role with AWSCodeDeployRoleForECS's statements (moto's copy), less one action."""
    document = json.loads(json.dumps(managed_policy("AWSCodeDeployRoleForECS").document))
    for statement in document["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != without]
    iam = boto3.client("iam", region_name=R)
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="ecs", PolicyDocument=json.dumps(document))
    return arn


def test_given_the_ecs_role_policy_when_deploying_then_it_succeeds_as_the_groups_role(
    world: World, enforced: iam_enforcement.Enforcement
) -> None:
    role = _deployment_role("AWSCodeDeployRoleForECS")  # the ARN make_group gives the group
    enforced.record_calls = True
    group = make_group(world, "dg-allowed")

    found = wait_status(world, deploy(world, group, appspec(world)), "Succeeded")

    assert found["status"] == "Succeeded"
    assert enforced.denials == []
    assert {p.role_arn for p, _ in enforced.calls} == {role}
    assert {f"{c.service}.{c.operation}" for _, c in enforced.calls} >= {
        "ecs.CreateTaskSet",
        "elbv2.ModifyListener",
        "ecs.UpdateServicePrimaryTaskSet",
        "ecs.DeleteTaskSet",
    }


@pytest.mark.parametrize(
    ("missing", "service"),
    [
        ("ecs:CreateTaskSet", "AmazonECS"),
        ("elasticloadbalancing:ModifyListener", "AmazonElasticLoadBalancingV2"),
    ],
)
def test_given_a_deployment_role_missing_one_action_when_deploying_then_it_fails_iam_role_permissions(
    world: World, enforced: iam_enforcement.Enforcement, missing: str, service: str
) -> None:
    _deployment_role("AWSCodeDeployRoleForECS", without=missing)
    group = make_group(world, "dg-denied", rollback=False)

    found = wait_status(world, deploy(world, group, appspec(world)), "Failed")

    error = found["errorInformation"]
    assert error["code"] == "IAM_ROLE_PERMISSIONS"
    role = f"arn:aws:iam::{A}:role/AWSCodeDeployRoleForECS"
    assert error["message"].startswith(
        f"The IAM role {role} does not give you permission to perform operations in the "
        f"following AWS service: {service}."
    )
    assert f"is not authorized to perform: {missing} on resource: " in error["message"]
    assert DENIAL.format(action=missing) in error["message"]


# ------------------------------------------------------------------------------ EventBridge
def _state_machine_rule(eb: Any, role: str) -> str:
    sfn = boto3.client("stepfunctions", region_name=R)
    machine: str = sfn.create_state_machine(
        name="pass", definition=json.dumps(PASS_MACHINE), roleArn=f"arn:aws:iam::{A}:role/sfn"
    )["stateMachineArn"]
    rule(eb, "to-sfn", [{"Id": "sfn", "Arn": machine, "RoleArn": role}])
    return machine


def test_given_a_target_role_without_start_execution_when_delivered_then_no_permissions_unretried(
    sandbox: Runtime, enforced: iam_enforcement.Enforcement
) -> None:
    eb = boto3.client("events", region_name=R)
    role = _role("events-target", ["states:DescribeExecution"])
    machine = _state_machine_rule(eb, role)

    put(eb, {"repository-name": "hello-aws"})

    (entry,) = [e for e in events_emulator.delivered_log() if e["target_id"] == "sfn"]
    assert entry["status"] == "failed"
    assert entry["error"].startswith("NO_PERMISSIONS: User: ")
    assert "assumed-role/events-target/to-sfn is not authorized to perform: " in entry["error"]
    assert f"states:StartExecution on resource: {machine} " in entry["error"]
    sfn = boto3.client("stepfunctions", region_name=R)
    assert sfn.list_executions(stateMachineArn=machine)["executions"] == []


def test_given_a_target_role_with_start_execution_when_delivered_then_the_execution_starts(
    sandbox: Runtime, enforced: iam_enforcement.Enforcement
) -> None:
    eb = boto3.client("events", region_name=R)
    machine = _state_machine_rule(eb, _role("events-target", ["states:StartExecution"]))

    put(eb, {"repository-name": "hello-aws"})

    (entry,) = [e for e in events_emulator.delivered_log() if e["target_id"] == "sfn"]
    assert entry["status"] == "delivered"
    assert enforced.denials == []
    sfn = boto3.client("stepfunctions", region_name=R)
    assert len(sfn.list_executions(stateMachineArn=machine)["executions"]) == 1
