"""ECS built-in blue/green under IAM enforcement: ECS moves the listener rules' weights as the
load balancer's infrastructure role and invokes a Lambda hook as the hook's role. With the
policy AWS's guide attaches, the deployment succeeds; without it, it rolls back and says why.
"""

from __future__ import annotations

import json

import boto3

from tests.integration.sandbox.test_emu_ecs_bluegreen import (
    HOOK_FN,
    ROLE,
    World,
    _lambda_hook,
    blue_green,
    world,
)
from tests.integration.sandbox.test_service_roles import TRUST, enforced
from turnout_sandbox import iam_enforcement
from turnout_sandbox.iam.managed import managed_policy
from turnout_sandbox.runtime import DEFAULT_REGION

__all__ = ["enforced", "world"]  # fixtures of the emulators' own tests, reused here

FOR_LOAD_BALANCERS = "AmazonECSInfrastructureRolePolicyForLoadBalancers"
ROLE_NAME = ROLE.rsplit("/", 1)[-1]


def _infrastructure_role(*, managed: bool = True, inline: list[str] | None = None) -> None:
    iam = boto3.client("iam", region_name=DEFAULT_REGION)
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=TRUST)
    if managed:  # the AWS managed policy's document (moto's copy), as an inline policy
        document = json.dumps(managed_policy(FOR_LOAD_BALANCERS).document)
        iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="lb", PolicyDocument=document)
    if inline:
        statement = {"Effect": "Allow", "Action": inline, "Resource": "*"}
        document = {"Version": "2012-10-17", "Statement": [statement]}
        iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="p", PolicyDocument=json.dumps(document))


def test_given_the_guides_infrastructure_role_when_deploying_then_ecs_shifts_and_succeeds(
    world: World, enforced: iam_enforcement.Enforcement
) -> None:
    _infrastructure_role()

    arn = world.update(blue_green())

    done = world.wait_status(arn, "SUCCESSFUL")
    assert done["lifecycleStage"] == "CLEAN_UP"
    assert world.weights(world.prod_rule) == {world.blue_tg: 0, world.green_tg: 100}


def test_given_an_infrastructure_role_without_modify_rule_when_deploying_then_rolled_back(
    world: World, enforced: iam_enforcement.Enforcement
) -> None:
    _infrastructure_role(
        managed=False,
        inline=["elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups"],
    )

    arn = world.update(blue_green())

    done = world.wait_status(arn, "ROLLBACK_SUCCESSFUL")
    assert "elasticloadbalancing:ModifyRule" in done["statusReason"]
    assert ROLE in done["statusReason"]
    assert world.weights(world.prod_rule) == {world.blue_tg: 100, world.green_tg: 0}
    assert world.weights(world.test_rule) == {world.blue_tg: 100, world.green_tg: 0}


def test_given_an_infrastructure_role_that_cannot_read_rules_when_deploying_then_rolled_back(
    world: World, enforced: iam_enforcement.Enforcement
) -> None:
    _infrastructure_role(managed=False, inline=["elasticloadbalancing:ModifyRule"])

    arn = world.update(blue_green())

    done = world.wait_status(arn, "ROLLBACK_SUCCESSFUL")
    assert "elasticloadbalancing:DescribeRules" in done["statusReason"]
    assert world.weights(world.prod_rule) == {world.blue_tg: 100, world.green_tg: 0}


def test_given_a_hook_role_without_invoke_when_the_hook_runs_then_it_fails_uncalled(
    world: World, enforced: iam_enforcement.Enforcement
) -> None:
    _infrastructure_role()  # the hook's role is the same one: no lambda:InvokeFunction
    world.hooks.answers = [{"hookStatus": "SUCCEEDED"}]

    arn = world.update(blue_green(lifecycleHooks=[_lambda_hook()]))

    done = world.wait_status(arn, "ROLLBACK_SUCCESSFUL")
    assert [h["status"] for h in done["lifecycleHookDetails"]] == ["FAILED"]
    assert world.hooks.calls == []


def test_given_a_hook_role_with_invoke_when_the_hook_runs_then_it_is_called_and_succeeds(
    world: World, enforced: iam_enforcement.Enforcement
) -> None:
    _infrastructure_role(inline=["lambda:InvokeFunction"])
    world.hooks.answers = [{"hookStatus": "SUCCEEDED"}]

    arn = world.update(blue_green(lifecycleHooks=[_lambda_hook()]))

    done = world.wait_status(arn, "SUCCESSFUL")
    assert [h["status"] for h in done["lifecycleHookDetails"]] == ["SUCCEEDED"]
    assert [function for _, function, _ in world.hooks.calls] == [HOOK_FN]
