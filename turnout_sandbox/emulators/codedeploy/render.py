"""Rendering emulated deployments the way the CodeDeploy API answers: ``DeploymentInfo``
(GetDeployment, BatchGetDeployments) and ``DeploymentTarget`` (the ECS target of
Get/BatchGet/ListDeploymentTargets), per the CodeDeploy API Reference's data types."""

from __future__ import annotations

from typing import Any

from moto.codedeploy.models import DeploymentInfo

from turnout_sandbox.emulators.codedeploy.exceptions import CodeDeployApiError
from turnout_sandbox.emulators.codedeploy.models import LOCK, Deployment, target_id
from turnout_sandbox.emulators.codedeploy.taskset import task_sets_info

__all__ = ["deployment_info", "ecs_target", "ecs_target_named", "moto_deployment_info"]


def moto_deployment_info(deployment: DeploymentInfo) -> dict[str, Any]:
    """``DeploymentInfo`` of a deployment as moto stores it, read from the model's public
    attributes (the same shape moto's GetDeployment answers)."""
    group = deployment.deployment_group
    return {
        "applicationName": deployment.application_name,
        "deploymentGroupName": deployment.deployment_group_name,
        "deploymentConfigName": str(deployment.deployment_config_name),
        "deploymentId": deployment.deployment_id,
        "previousRevision": {},
        "revision": deployment.revision,
        "status": deployment.status,
        "errorInformation": {},
        "createTime": deployment.create_time,
        "startTime": deployment.start_time,
        "completeTime": deployment.complete_time,
        "deploymentOverview": deployment.deployment_overview,
        "description": deployment.description,
        "creator": deployment.creator,
        "ignoreApplicationStopFailures": deployment.ignore_application_stop_failures,
        "autoRollbackConfiguration": deployment.auto_rollback_configuration,
        "updateOutdatedInstancesOnly": deployment.update_outdated_instances_only,
        "rollbackInfo": {},
        "deploymentStyle": group.deployment_style,
        "targetInstances": deployment.target_instances,
        "instanceTerminationWaitTimeStarted": deployment.instance_termination_wait_time_started,
        "blueGreenDeploymentConfiguration": group.blue_green_deployment_configuration,
        "loadBalancerInfo": group.load_balancer_info,
        "additionalDeploymentStatusInfo": deployment.additional_deployment_status_info,
        "fileExistsBehavior": deployment.file_exists_behavior,
        "deploymentStatusMessages": deployment.deployment_status_messages,
        "computePlatform": deployment.application.compute_platform,
        "externalId": deployment.external_id,
        "relatedDeployments": deployment.related_deployments,
        "overrideAlarmConfiguration": deployment.override_alarm_configuration,
    }


def deployment_info(dep: Deployment) -> dict[str, Any]:
    """GetDeployment's ``deploymentInfo`` of an emulated deployment."""
    info = moto_deployment_info(dep.info)
    info.update(
        deploymentId=dep.deployment_id,
        status=dep.status,
        deploymentConfigName=dep.config_name,
        createTime=dep.create_time,
        computePlatform="ECS",
        instanceTerminationWaitTimeStarted=dep.termination_wait_started,
        deploymentOverview=dict(dep.info.deployment_overview),
        autoRollbackConfiguration=dep.auto_rollback or {"enabled": False},
        overrideAlarmConfiguration=None,
    )
    times = {"startTime": dep.start_time, "completeTime": dep.complete_time}
    details = {"errorInformation": dep.error, "rollbackInfo": dep.rollback}
    info.update(times)
    info.update({key: dict(value) if value else None for key, value in details.items()})
    for key in (
        "previousRevision",
        "relatedDeployments",
        "overrideAlarmConfiguration",
        "targetInstances",
    ):
        if not info.get(key):
            info.pop(key, None)
    return {k: v for k, v in info.items() if v is not None}


def ecs_target(dep: Deployment) -> dict[str, Any]:
    """The deployment's ``DeploymentTarget`` (``ECSTarget``, with lifecycle events and task
    sets)."""
    with LOCK:
        events = [
            {k: v for k, v in {"lifecycleEventName": name, **event}.items() if v is not None}
            for name, event in dep.lifecycle.items()
        ]
        return {
            "deploymentTargetType": "ECSTarget",
            "ecsTarget": {
                "deploymentId": dep.deployment_id,
                "targetId": target_id(dep),
                "targetArn": dep.service_arn,
                "lastUpdatedAt": dep.target_updated or dep.create_time,
                "lifecycleEvents": events,
                "status": dep.target_status,
                "taskSetsInfo": task_sets_info(dep),
            },
        }


def ecs_target_named(dep: Deployment, wanted: str | None) -> dict[str, Any]:
    """The ECS target ``wanted`` names (a deployment has one: ``cluster:service``)."""
    if not wanted:
        raise CodeDeployApiError(
            "DeploymentTargetIdRequiredException", "A deployment target ID was not provided."
        )
    if wanted != target_id(dep):
        raise CodeDeployApiError(
            "DeploymentTargetDoesNotExistException",
            f"The deployment target {wanted} does not exist in deployment {dep.deployment_id}.",
        )
    return ecs_target(dep)
