"""What a service deployment does as the roles the service names, authorized as AWS does.

- The infrastructure role of each load balancer (``loadBalancers[].advancedConfiguration
  .roleArn``): ECS "assumes this role to take actions on your behalf" on Elastic Load
  Balancing, with the role session ``ECSNetworkingWithELB`` (ECS Developer Guide, "Amazon ECS
  infrastructure IAM role for load balancers"; the managed policy for it,
  AmazonECSInfrastructureRolePolicyForLoadBalancers, grants DescribeListeners, DescribeRules,
  DescribeTargetGroups, DescribeTargetHealth, Register/DeregisterTargets, ModifyListener on
  ``listener/app|net/*`` and ModifyRule on ``listener-rule/app/*``). The emulator checks the
  reads before the deployment starts shifting and ModifyRule (an ALB's listener rule) or
  ModifyListener (an NLB's listener) before each traffic shift, rollbacks included.
- The role of an ``AWS_LAMBDA`` lifecycle hook (``lifecycleHooks[].roleArn``): ECS invokes the
  hook's function with it, which needs ``lambda:InvokeFunction`` ("Permissions required for
  Lambda functions in Amazon ECS blue/green deployments").

A denial is not an API error: ECS reports what goes wrong after UpdateService answered in the
deployment's ``statusReason`` and rolls it back (ECS Developer Guide, "Troubleshooting Amazon
ECS blue/green deployments": the asynchronous path). AWS publishes no wording for a denied
infrastructure role; the sandbox's reason names the role, the action and IAM's denial.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from turnout_sandbox.emulators.ecs_bluegreen.config import Hook, LoadBalancerConfig
from turnout_sandbox.emulators.ecs_bluegreen.models import ServiceDeployment
from turnout_sandbox.iam.actions import ApiCall
from turnout_sandbox.iam.errors import AccessDeniedError
from turnout_sandbox.iam_enforcement import authorize_as

__all__ = [
    "INFRASTRUCTURE_SESSION",
    "RoleDenied",
    "authorize_hook",
    "authorize_reads",
    "authorize_shift",
]

#: The CloudTrail roleSessionName of ECS's load balancer actions (the guide above).
INFRASTRUCTURE_SESSION: Final = "ECSNetworkingWithELB"


class RoleDenied(Exception):
    """A role the service names may not do what the deployment needs (the reason says which)."""


def _check(dep: ServiceDeployment, role: str | None, call: ApiCall, session: str) -> None:
    try:
        authorize_as(role, session, call)
    except AccessDeniedError as denied:
        raise RoleDenied(
            f"The role {role} of service {dep.service_name} is not authorized to perform "
            f"{denied.action}: {denied.message}"
        ) from None


def _elbv2(dep: ServiceDeployment, operation: str, params: Mapping[str, Any]) -> ApiCall:
    return ApiCall("elbv2", operation, dict(params), dep.region, dep.account)


def authorize_reads(dep: ServiceDeployment) -> None:
    """What ECS reads of each load balancer before it routes: its listener rules and target
    groups, as that load balancer's infrastructure role."""
    for lb in dep.config.load_balancers:
        rules = [r for r in (lb.production_listener_rule, lb.test_listener_rule) if r]
        groups = [lb.target_group_arn, lb.alternate_target_group_arn]
        for operation, params in (
            ("DescribeRules", {"RuleArns": rules}),
            ("DescribeTargetGroups", {"TargetGroupArns": groups}),
        ):
            _check(dep, lb.role_arn, _elbv2(dep, operation, params), INFRASTRUCTURE_SESSION)


def authorize_shift(dep: ServiceDeployment, lb: LoadBalancerConfig, rule: str) -> None:
    """The weight change on ``rule``: ModifyRule of an ALB listener rule, ModifyListener of an
    NLB listener (API_AdvancedConfiguration: "RuleArn for ALB or ListenerArn for NLB")."""
    if ":listener-rule/" in rule:
        call = _elbv2(dep, "ModifyRule", {"RuleArn": rule})
    else:
        call = _elbv2(dep, "ModifyListener", {"ListenerArn": rule})
    _check(dep, lb.role_arn, call, INFRASTRUCTURE_SESSION)


def authorize_hook(dep: ServiceDeployment, hook: Hook) -> None:
    """ECS's invocation of an AWS_LAMBDA hook's function, as the hook's role."""
    call = ApiCall(
        "lambda", "Invoke", {"FunctionName": str(hook.target_arn)}, dep.region, dep.account
    )
    _check(dep, hook.role_arn, call, dep.deployment_id)
