"""The ECS service the integration tests create in moto: one CodeDeploy deploys on Fargate."""

from __future__ import annotations

from typing import Any

from mypy_boto3_ecs import ECSClient


def create_code_deploy_service(
    ecs: ECSClient,
    cluster: str,
    service: str,
    task_definition: str,
    desired_count: int,
    network: Any,
    **extra: Any,
) -> None:
    """``service`` on Fargate with the CODE_DEPLOY deployment controller (blue/green)."""
    ecs.create_service(
        cluster=cluster,
        serviceName=service,
        taskDefinition=task_definition,
        desiredCount=desired_count,
        launchType="FARGATE",
        deploymentController={"type": "CODE_DEPLOY"},
        networkConfiguration=network,
        **extra,
    )
