"""What an ECS blue/green deployment does as the deployment group's service role, authorized as
AWS authorizes it, and how a denial ends the deployment.

CodeDeploy acts on ECS, Elastic Load Balancing and Lambda with the group's ``serviceRoleArn``
(ECS Developer Guide, "Amazon ECS CodeDeploy IAM Role": "the CodeDeploy service needs
permissions to update your Amazon ECS service on your behalf"; the AWS managed policy for it,
AWSCodeDeployRoleForECS, grants exactly the calls below). The calls, in lifecycle order:
``ecs:DescribeServices``, ``elasticloadbalancing:DescribeTargetGroups`` and
``DescribeListeners`` (the group's service and routes), ``ecs:CreateTaskSet`` with
``iam:PassRole`` of the task definition's task and execution roles to
``ecs-tasks.amazonaws.com`` (ECS Developer Guide, "Required IAM permissions" of blue/green:
"If the tasks ... require the use of the task execution role or a task role override, then
you must add the iam:PassRole permission"), ``elasticloadbalancing:ModifyListener`` for each
traffic shift, ``lambda:InvokeFunction`` of each hook, ``ecs:UpdateServicePrimaryTaskSet``,
``ecs:DeleteTaskSet``.

A denied call fails the deployment with ``IAM_ROLE_PERMISSIONS`` ("The service role does not
have the correct permissions", API Reference, ErrorInformation) and CodeDeploy's message:
"The IAM role <arn> does not give you permission to perform operations in the following AWS
service: <service>. Contact your AWS administrator if you need help. If you are an AWS
administrator, you can grant permissions to your users or groups by creating IAM policies."
(as deployments report it, e.g. for AmazonElasticLoadBalancingV2, AmazonAutoScaling,
AmazonEC2); the sandbox adds IAM's denial, naming the action and resource. The service names
for ECS, Lambda and IAM follow the same form (not published). The role session's name is not
published either: the sandbox names it after the deployment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from turnout_sandbox.emulators.codedeploy.exceptions import DeploymentFailure
from turnout_sandbox.emulators.codedeploy.models import Deployment
from turnout_sandbox.iam.actions import ApiCall
from turnout_sandbox.iam.errors import AccessDeniedError
from turnout_sandbox.iam_enforcement import authorize_as

__all__ = ["authorize"]

#: How CodeDeploy names the service a denied call belongs to (see the module doc).
_SERVICE_NAMES: Final = {
    "ecs": "AmazonECS",
    "elbv2": "AmazonElasticLoadBalancingV2",
    "lambda": "AWSLambda",
    "iam": "AWSIdentityAndAccessManagement",
}


def authorize(
    dep: Deployment,
    service: str,
    operation: str,
    params: Mapping[str, Any],
    facts: Mapping[str, str] | None = None,
) -> None:
    """Authorize one call of the deployment as its group's service role; a denial raises the
    :class:`DeploymentFailure` that fails it (``IAM_ROLE_PERMISSIONS``)."""
    call = ApiCall(service, operation, dict(params), dep.region, dep.account, facts=facts or {})
    try:
        authorize_as(dep.service_role, dep.deployment_id, call)
    except AccessDeniedError as denied:
        named = "iam" if denied.action.startswith("iam:") else service
        raise DeploymentFailure(
            "IAM_ROLE_PERMISSIONS",
            f"The IAM role {dep.service_role} does not give you permission to perform "
            f"operations in the following AWS service: {_SERVICE_NAMES.get(named, named)}. "
            "Contact your AWS administrator if you need help. If you are an AWS "
            "administrator, you can grant permissions to your users or groups by creating "
            f"IAM policies. ({denied.message})",
        ) from None
