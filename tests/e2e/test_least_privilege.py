"""Least privilege proven both ways through the real state machines (issue 8 item 2).

The scenarios run with IAM enforced; every call each principal of the stack made is recorded.
Then each action the template grants is taken away and the calls are evaluated again: an
action is *needed* when some call is then AccessDenied naming it. What no scenario needs must
be named below with the reason, so a grant cannot be added (or stop being needed) silently.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from turnout_sandbox.iam.least_privilege import Verdict, analyse
from turnout_sandbox.scenarios import run_scenario

pytestmark = pytest.mark.e2e

SCENARIOS = (
    "happy",
    "unhealthy",
    "build-fails",
    "gated",
    "short-tag",
    "dead-letter",
    "ecs-happy",
    "ecs-unhealthy",
    "ecs-orchestrator-dies",
)

#: (logical role, action) -> why no scenario above needs it, yet the stack keeps it.
NOT_EXERCISED: dict[tuple[str, str], str] = {
    **{
        (role, action): "Step Functions' own log delivery (set up when the machine is created)"
        for role in ("BuildStateMachineRole", "DeployStateMachineRole", "EcsDeployStateMachineRole")
        for action in (
            "logs:CreateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:DescribeLogGroups",
            "logs:DescribeResourcePolicies",
            "logs:GetLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:UpdateLogDelivery",
        )
    },
    **{
        ("BuildStateMachineRole", action): "the codebuild .sync integration's managed rule, "
        "which Step Functions itself creates (the sandbox's .sync emulation does not)"
        for action in ("events:DescribeRule", "events:PutRule", "events:PutTargets")
    },
    ("BuildStateMachineRole", "codebuild:StopBuild"): "a .sync build stopped when its "
    "execution is stopped or times out",
    ("DeployStateMachineRole", "codedeploy:GetDeployment"): "granted with CreateDeployment "
    "(the CodeDeploy User Guide's permissions for it)",
    **{
        ("UndeliveredFunctionRole", action): "SNS uses the topic's key on the publisher's "
        "behalf (not evaluated offline)"
        for action in ("kms:Decrypt", "kms:GenerateDataKey*")
    },
    ("FinishFunctionRole", "kms:Decrypt"): "SNS uses the topic's key on the publisher's "
    "behalf (not evaluated offline)",
    ("FinishFunctionRole", "kms:GenerateDataKey*"): "SNS uses the topic's key on the "
    "publisher's behalf (not evaluated offline)",
    ("FinishFunctionRole", "states:StartExecution"): "the next queued push (burst)",
    ("AdmitFunctionRole", "states:StartExecution"): "a wedged slot released at admission",
    ("AdmitFunctionRole", "states:DescribeExecution"): "checking a slot whose execution ended",
    ("AdmitFunctionRole", "codecommit:GetCommit"): "ordering two pushes by commit (burst)",
    ("ArmWaitFunctionRole", "states:SendTaskFailure"): "a wait armed after its deployment failed",
    ("DeploymentEventsFunctionRole", "states:SendTaskFailure"): "a FAILURE event during a wait",
    ("GateHookFunctionRole", "codedeploy:PutLifecycleEventHookExecutionStatus"): "termination-"
    "wait mode (a bake longer than the hook may hold: the 60-minute scenario)",
    ("GateTickFunctionRole", "codedeploy:GetDeployment"): "reconciling a wait whose event was lost",
    ("ResolveCommitFunctionRole", "codecommit:GetBranch"): "a manual build by branch",
    **{
        (role, "sqs:SendMessage"): "Lambda's delivery of an asynchronous event that still "
        "failed after its retries to the dead-letter queue (no scenario fails one)"
        for role in ("GateHookFunctionRole", "DeploymentEventsFunctionRole")
    },
    ("EcsDeploymentFunctionRole", "ecs:StopServiceDeployment"): "a rollback asked for before "
    "turnout's PAUSE hook waits (the gate wait ended before POST_PRODUCTION_TRAFFIC_SHIFT)",
    ("EcsDeploymentFunctionRole", "states:SendTaskFailure"): "a deployment ECS ended otherwise "
    "during a wait (rolled back by itself at the hook's timeout)",
}

#: Needed in some runs and not others: which comes first (the event or the arming of its
#: wait) is a race the scenarios do not pin, so neither list may claim them.
EITHER_WAY: dict[tuple[str, str], str] = {
    ("ArmWaitFunctionRole", "states:SendTaskSuccess"): "a wait armed after its deployment "
    "already succeeded",
    ("GateTickFunctionRole", "states:StartExecution"): "deploying a build whose ECR push "
    "event was lost (lost-event); here only when the CPU delays a push's execution past the "
    "reconciliation's grace (virtual time runs at a fixed multiple of the wall clock), and "
    "then the claim makes that push a duplicate",
    ("DeploymentEventsFunctionRole", "dynamodb:UpdateItem"): "the original deployment's STOP "
    "arriving after the rollback wait was armed (the wait moves to the rollback deployment); "
    "before, ArmWait finds the rollback itself",
}

#: Each function's ledger actions: what its code calls (turnout.adapters.store through its
#: logic module), nothing more.
LEDGER_ACTIONS: dict[str, set[str]] = {
    "ResolveCommitFunctionRole": {"UpdateItem"},
    "ResolveImageFunctionRole": {"GetItem", "Query"},
    "AdmitFunctionRole": {"GetItem", "PutItem", "UpdateItem"},
    "RenderFunctionRole": {"UpdateItem"},
    "ArmWaitFunctionRole": {"GetItem", "UpdateItem", "DeleteItem"},
    "GateHookFunctionRole": {"UpdateItem"},
    "GateTickFunctionRole": {"GetItem", "Query", "UpdateItem", "DeleteItem"},
    "DeploymentEventsFunctionRole": {"GetItem", "UpdateItem", "DeleteItem"},
    "FinishFunctionRole": {"GetItem", "PutItem", "UpdateItem"},
    "UndeliveredFunctionRole": {"PutItem"},
    "EcsDeploymentFunctionRole": {"GetItem", "Query", "UpdateItem", "DeleteItem"},
}

#: BuildRole's grants in template.yaml, each needed by every build (BatchGetImage and
#: GetDownloadUrlForLayer, pulls no push makes, left the template).
BUILD_ROLE_ACTIONS = (
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "codecommit:GitPull",
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
)

#: Each of these must be shown needed: the calls the audit found missing or easy to lose.
MUST_BE_NEEDED = {
    ("RenderFunctionRole", "ecs:RegisterTaskDefinition"),
    ("RenderFunctionRole", "ecs:TagResource"),
    ("RenderFunctionRole", "iam:PassRole"),
    ("DeployStateMachineRole", "codedeploy:CreateDeployment"),
    ("DeployStateMachineRole", "codedeploy:StopDeployment"),
    ("DeployStateMachineRole", "lambda:InvokeFunction"),
    ("BuildStateMachineRole", "codebuild:StartBuild"),
    ("FinishFunctionRole", "sns:Publish"),
    ("GateTickFunctionRole", "cloudwatch:DescribeAlarms"),
    # DeploymentEngine=ecs (ecs-happy, ecs-unhealthy)
    ("EcsDeploymentFunctionRole", "ecs:UpdateService"),
    ("EcsDeploymentFunctionRole", "ecs:DescribeServiceDeployments"),
    ("EcsDeploymentFunctionRole", "ecs:ContinueServiceDeployment"),
    ("EcsDeployStateMachineRole", "lambda:InvokeFunction"),
    # ecs-orchestrator-dies: ECS's events given up to the dead-letter queue, the tick's
    # reconciliation of the gate wait they would have ended
    ("EcsDeploymentFunctionRole", "sqs:SendMessage"),
    ("GateTickFunctionRole", "ecs:DescribeServiceDeployments"),
    # the build of a short commit tag (aws-fidelity row 17's buildspecs; short-tag)
    ("ResolveImageFunctionRole", "dynamodb:Query"),
    # EventBridge starts both machines as the targets' role (a push; an image push)
    ("EventsRole", "states:StartExecution"),
    # every action of the CodeBuild project's service role: the build's log, its clone, the
    # ECR login and the calls docker push makes (emulators/codebuild/service_role.py)
    *(("BuildRole", action) for action in BUILD_ROLE_ACTIONS),
}


def _logical(role: str) -> str:
    return re.sub(r"-[A-Z0-9]{8,}$", "", re.sub(r"^turnout-hello-aws-", "", role))


@pytest.fixture(scope="module")
def needed() -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name in SCENARIOS:
        result = run_scenario(name)
        assert result.ok, (name, result.checks)
        calls = [(name, principal, call) for principal, call in result.iam_calls]
        verdict: Verdict
        for verdict in analyse(result.iam_documents, calls):
            key = (_logical(verdict.grant.role), verdict.grant.action)
            found[key].update(verdict.needed_by)
    return found


def test_given_the_scenarios_when_each_grant_is_taken_away_then_the_audit_calls_are_denied(
    needed: dict[tuple[str, str], set[str]],
) -> None:
    missing = sorted(key for key in MUST_BE_NEEDED if not needed.get(key))
    assert not missing, f"no scenario call is denied without: {missing}"


def test_given_the_scenarios_when_a_grant_is_needed_by_none_then_it_is_named_with_a_reason(
    needed: dict[tuple[str, str], set[str]],
) -> None:
    unused = {key for key, calls in needed.items() if not calls and key not in EITHER_WAY}
    unexplained = sorted(unused - set(NOT_EXERCISED))
    assert not unexplained, f"granted, needed by no scenario, no reason given: {unexplained}"
    stale = sorted(key for key in NOT_EXERCISED if needed.get(key))
    assert not stale, f"listed as not exercised, but a scenario needs them: {stale}"


def test_given_the_build_role_when_listed_then_it_grants_exactly_what_the_builds_need(
    needed: dict[tuple[str, str], set[str]],
) -> None:
    granted = {action for role, action in needed if role == "BuildRole"}
    assert granted == set(BUILD_ROLE_ACTIONS)


def test_given_the_ledger_grants_when_listed_then_each_function_has_its_codes_actions_only(
    needed: dict[tuple[str, str], set[str]],
) -> None:
    # template.yaml's Ledger statements (issue 12 item 5): no Scan, BatchWriteItem, ...
    granted: dict[str, set[str]] = defaultdict(set)
    for role, action in needed:
        if action.startswith("dynamodb:"):
            granted[role].add(action.removeprefix("dynamodb:"))
    assert dict(granted) == LEDGER_ACTIONS
