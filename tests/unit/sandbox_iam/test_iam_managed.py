"""AWS managed policies from moto's copy: the ones turnout's principals use are the versions
AWS publishes (compared with iann0036/iam-dataset's aws/managedpolicies/*.json; a moto upgrade
that changes one fails here, so the sandbox's principals are re-checked)."""

from __future__ import annotations

import pytest

from turnout_sandbox.iam import dataset
from turnout_sandbox.iam.managed import UnknownManagedPolicyError, is_aws_managed, managed_policy
from turnout_sandbox.iam.policy import Request, evaluate

PUBLISHED = {
    "AWSCodeDeployRoleForECS": (
        "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS",
        "v3",
        "2019-09-23T22:37:46+00:00",
    ),
    "AWSCodeDeployRoleForECSLimited": (
        "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited",
        "v3",
        "2019-09-23T22:10:29+00:00",
    ),
    "AWSLambdaBasicExecutionRole": (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "v1",
        "2015-04-09T15:03:43+00:00",
    ),
    "AWSXrayWriteOnlyAccess": (
        "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
        "v2",
        "2018-08-28T23:03:04+00:00",
    ),
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_given_a_policy_the_stack_uses_when_loaded_then_it_is_the_published_version(
    name: str,
) -> None:
    found = managed_policy(name)
    assert (found.arn, found.version, found.updated) == PUBLISHED[name]
    assert managed_policy(found.arn) == found


def test_given_codedeploy_role_for_ecs_when_evaluated_then_it_invokes_any_function() -> None:
    # aws-fidelity.md row 21: the full policy grants lambda:InvokeFunction on "*".
    policy = managed_policy("AWSCodeDeployRoleForECS").policy()
    fn = "arn:aws:lambda:ap-northeast-2:123456789012:function:turnout-hello-gate"
    assert evaluate([policy], Request.of("lambda:InvokeFunction", fn)).allowed
    passed = Request.of(
        "iam:PassRole", "arn:aws:iam::1:role/x", {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    )
    assert evaluate([policy], passed).allowed
    assert not evaluate([policy], Request.of("iam:PassRole", "arn:aws:iam::1:role/x")).allowed


def test_given_the_limited_policy_when_evaluated_then_hooks_need_the_codedeployhook_prefix() -> (
    None
):
    policy = managed_policy("AWSCodeDeployRoleForECSLimited").policy()
    base = "arn:aws:lambda:ap-northeast-2:123456789012:function:"
    assert evaluate(
        [policy], Request.of("lambda:InvokeFunction", base + "CodeDeployHook_x-gate")
    ).allowed
    assert not evaluate([policy], Request.of("lambda:InvokeFunction", base + "x-gate")).allowed


def test_given_lambda_basic_execution_when_evaluated_then_logs_are_allowed_anywhere() -> None:
    policy = managed_policy(
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ).policy()
    stream = "arn:aws:logs:ap-northeast-2:1:log-group:/aws/lambda/f:log-stream:s"
    assert evaluate([policy], Request.of("logs:PutLogEvents", stream)).allowed
    assert not evaluate([policy], Request.of("dynamodb:GetItem", "*")).allowed


def test_given_unknown_or_misnamed_policies_when_loaded_then_refused() -> None:
    with pytest.raises(UnknownManagedPolicyError):
        managed_policy("NoSuchPolicyAtAll")
    with pytest.raises(UnknownManagedPolicyError, match="service-role"):
        managed_policy("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole")  # path missing
    with pytest.raises(UnknownManagedPolicyError):
        managed_policy("arn:aws:iam::123456789012:role/AWSLambdaBasicExecutionRole")


def test_given_arns_when_classified_then_only_the_aws_account_s_policies_are_aws_managed() -> None:
    assert is_aws_managed("arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS")
    assert not is_aws_managed("arn:aws:iam::123456789012:policy/mine")
    assert not is_aws_managed("arn:aws:iam::aws:role/x")


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_given_a_used_managed_policy_when_its_actions_are_looked_up_then_the_sar_has_each(
    name: str,
) -> None:
    # The SAR dataset carries no managed policies; it can still vouch for every action in
    # moto's copy (a renamed or retired action would show here).
    statements = managed_policy(name).document["Statement"]
    actions = [
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert actions
    for action in actions:
        assert dataset.action_info(action).action.lower() == action.lower()
