"""The ECS service the render handler's policy reads (DescribeServices), made in moto, and the
policy parameters of an operator whose stack fits the fixture files."""

from __future__ import annotations

from typing import Any

import boto3

from tests.integration.ecs_services import create_code_deploy_service
from tests.integration.handlers.conftest import CLUSTER, REGION, SERVICE, World

FAMILY = "task-hello-aws"
TASK_ROLE = "arn:aws:iam::123456789012:role/task-hello-aws-role"
EXECUTION_ROLE = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"
SECRET_PREFIXES = (
    "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:hello-aws/,"
    "arn:aws:ssm:ap-northeast-2:123456789012:parameter/hello-aws/"
)

#: What the fixture taskdef.json and appspec.yaml ask for, allowed (the fixture AppSpec's
#: subnets and capacity providers are not moto's, so those two rules are relaxed here and
#: tested on their own).
FIXTURE_POLICY: dict[str, str] = {
    "TASK_ROLE_ARN": TASK_ROLE,
    "EXECUTION_ROLE_ARN": EXECUTION_ROLE,
    "SECRET_ARN_PREFIXES": SECRET_PREFIXES,
    "ALLOWED_HOOK_FUNCTIONS": "hello-aws-before-install,hello-aws-smoke-test",
    "ALLOW_NETWORK_CHANGE": "true",
    "ALLOW_CAPACITY_PROVIDER_CHANGE": "true",
}


def create_service(world: World, family: str = FAMILY) -> dict[str, Any]:
    """The service (awsvpc, Fargate, CODE_DEPLOY) running revision 1 of ``family``, which is
    then deregistered so that ``world.task_definitions()`` lists only what render registers.
    Returns the service's awsvpcConfiguration."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="svc", Description="service", VpcId=vpc)
    awsvpc = {
        "subnets": [subnet],
        "securityGroups": [group["GroupId"]],
        "assignPublicIp": "DISABLED",
    }
    first = world.ecs.register_task_definition(
        family=family,
        networkMode="awsvpc",
        containerDefinitions=[{"name": "hello-aws", "image": "hello:1", "memory": 512}],
    )["taskDefinition"]["taskDefinitionArn"]
    create_code_deploy_service(
        world.ecs, CLUSTER, SERVICE, first, 1, {"awsvpcConfiguration": awsvpc}
    )
    world.ecs.deregister_task_definition(taskDefinition=first)
    return awsvpc
