"""Green and blue task sets on moto's ECS, and listener routing on moto's ELBv2.

What an ECS blue/green deployment does to the world (CodeDeploy User Guide, "What happens
during an Amazon ECS deployment"): check the group's service, target group pair and
listeners; create the replacement (green) task set behind the target group that is not
serving production, with one fake target per desired task (:mod:`.elb_health`); reroute a
listener's default action by weight; make a task set PRIMARY; delete a task set.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from moto.ecs.models import ecs_backends
from moto.elbv2.models import elbv2_backends

from turnout_sandbox.emulators.codedeploy import elb_health
from turnout_sandbox.emulators.codedeploy.appspec import AppSpec
from turnout_sandbox.emulators.codedeploy.exceptions import DeploymentFailure
from turnout_sandbox.emulators.codedeploy.models import LOCK, Deployment, log
from turnout_sandbox.emulators.codedeploy.service_role import authorize
from turnout_sandbox.runtime import get_runtime

__all__ = [
    "blue_task_set",
    "delete_task_set",
    "ecs_backend",
    "elb_backend",
    "install_green",
    "make_primary",
    "record_traffic",
    "resolve_targets",
    "route",
    "serving_target_group",
    "task_sets_info",
]


def elb_backend(dep: Deployment) -> Any:
    return elbv2_backends[dep.account][dep.region]


def ecs_backend(dep: Deployment) -> Any:
    return ecs_backends[dep.account][dep.region]


def serving_target_group(listener: Any) -> str | None:
    for action in listener.default_actions:
        data = getattr(action, "data", {}) or {}
        if data.get("Type") != "forward":
            continue
        groups = (data.get("ForwardConfig") or {}).get("TargetGroups") or []
        if groups:
            best = max(groups, key=lambda g: int(g.get("Weight", 1)))
            return str(best.get("TargetGroupArn"))
        if data.get("TargetGroupArn"):
            return str(data["TargetGroupArn"])
    return None


def route(dep: Deployment, listener_arns: list[str], green_weight: int) -> None:
    blue, green = dep.blue_target_group_arn, dep.green_target_group_arn
    assert blue is not None
    assert green is not None
    if green_weight >= 100:
        action: dict[str, Any] = {"Type": "forward", "TargetGroupArn": green}
    elif green_weight <= 0:
        action = {"Type": "forward", "TargetGroupArn": blue}
    else:
        action = {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": blue, "Weight": 100 - green_weight},
                    {"TargetGroupArn": green, "Weight": green_weight},
                ]
            },
        }
    elb = elb_backend(dep)
    for arn in listener_arns:
        authorize(dep, "elbv2", "ModifyListener", {"ListenerArn": arn})
        elb.modify_listener(arn, certificates=[], actions=[json.loads(json.dumps(action))])


def resolve_targets(dep: Deployment, spec: AppSpec) -> None:
    """Check the group's ECS service, load balancer and the AppSpec against moto's world."""
    if not dep.ecs_services:
        raise DeploymentFailure(
            "INVALID_ECS_SERVICE", f"Deployment group {dep.group_name} has no ecsServices."
        )
    target = dep.ecs_services[0]
    cluster, service_name = target.get("clusterName", ""), target.get("serviceName", "")
    ecs = ecs_backend(dep)
    service = ecs.services.get(f"{str(cluster).split('/')[-1]}:{service_name}")
    if service is None:
        raise DeploymentFailure(
            "INVALID_ECS_SERVICE",
            f"The ECS service {service_name} in cluster {cluster} (deployment group "
            f"{dep.group_name} ecsServices) does not exist.",
        )
    if (service.deployment_controller or {}).get("type") != "CODE_DEPLOY":
        raise DeploymentFailure(
            "INVALID_ECS_SERVICE",
            f"The ECS service {service_name} does not use the CODE_DEPLOY deployment controller.",
        )
    authorize(dep, "ecs", "DescribeServices", {"cluster": cluster, "services": [service_name]})
    dep.cluster, dep.service, dep.service_arn = service.cluster_name, service.name, service.arn

    pairs = (dep.load_balancer_info or {}).get("targetGroupPairInfoList") or []
    if not pairs:
        raise DeploymentFailure(
            "MISSING_ELB_INFORMATION",
            f"Deployment group {dep.group_name} has no loadBalancerInfo.targetGroupPairInfoList.",
        )
    pair = pairs[0]
    names = [g.get("name") for g in pair.get("targetGroups") or []]
    authorize(dep, "elbv2", "DescribeTargetGroups", {"Names": names})
    elb = elb_backend(dep)
    by_name = {tg.name: tg.arn for tg in elb.target_groups.values()}
    if len(names) != 2 or any(n not in by_name for n in names):
        raise DeploymentFailure(
            "ELASTIC_LOAD_BALANCING_INVALID",
            f"loadBalancerInfo.targetGroupPairInfoList[0].targetGroups must name two existing "
            f"target groups, got {names}.",
        )
    dep.prod_listeners = list((pair.get("prodTrafficRoute") or {}).get("listenerArns") or [])
    dep.test_listeners = list((pair.get("testTrafficRoute") or {}).get("listenerArns") or [])
    if not dep.prod_listeners:
        raise DeploymentFailure(
            "ELASTIC_LOAD_BALANCING_INVALID",
            "loadBalancerInfo.targetGroupPairInfoList[0].prodTrafficRoute.listenerArns is empty.",
        )
    authorize(dep, "elbv2", "DescribeListeners", {"ListenerArns": dep.prod_listeners})
    try:
        prod = elb.describe_listeners(load_balancer_arn=None, listener_arns=dep.prod_listeners[:1])[
            0
        ]
        if dep.test_listeners:
            elb.describe_listeners(load_balancer_arn=None, listener_arns=dep.test_listeners)
    except Exception as exc:
        raise DeploymentFailure(
            "ELASTIC_LOAD_BALANCING_INVALID",
            f"A listener of the deployment group's traffic routes does not exist: {exc}",
        ) from exc
    serving = serving_target_group(prod)
    arns = [by_name[n] for n in names]
    if serving not in arns:
        raise DeploymentFailure(
            "ELASTIC_LOAD_BALANCING_INVALID",
            f"The production listener {dep.prod_listeners[0]} does not forward to either target "
            f"group of the pair {names}.",
        )
    dep.blue_target_group_arn = serving
    dep.green_target_group_arn = next(a for a in arns if a != serving)
    dep.target_group_names = {by_name[n]: n for n in names}

    primary = [ts for ts in service.task_sets if ts.status == "PRIMARY"]
    blue = (
        primary[0] if primary else (service.task_sets[0] if len(service.task_sets) == 1 else None)
    )
    dep.blue_task_set_arn = blue.task_set_arn if blue is not None else None

    check_task_definition(dep, spec)


def check_task_definition(dep: Deployment, spec: AppSpec) -> None:
    ecs = ecs_backend(dep)
    try:
        task_def = ecs.describe_task_definition(spec.task_definition)
    except Exception as exc:
        raise DeploymentFailure(
            "ECS_UPDATE_ERROR",
            f"The task definition {spec.task_definition} (AppSpec TaskDefinition) does not exist.",
        ) from exc
    dep.task_definition_arn = task_def.arn
    containers = {c.get("name"): c for c in task_def.container_definitions}
    container = containers.get(spec.container_name)
    if container is None:
        raise DeploymentFailure(
            "ECS_UPDATE_ERROR",
            f"The container {spec.container_name} (AppSpec LoadBalancerInfo.ContainerName) does "
            f"not exist in the task definition {task_def.arn}; it has {sorted(containers)}.",
        )
    ports = [int(m.get("containerPort", -1)) for m in container.get("portMappings") or []]
    if spec.container_port not in ports:
        raise DeploymentFailure(
            "ECS_UPDATE_ERROR",
            f"The container {spec.container_name} in {task_def.arn} does not map port "
            f"{spec.container_port} (AppSpec LoadBalancerInfo.ContainerPort); it maps {ports}.",
        )


def blue_task_set(dep: Deployment) -> Any:
    service = ecs_backend(dep).services.get(f"{dep.cluster}:{dep.service}")
    if service is None or dep.blue_task_set_arn is None:
        return None
    return next((ts for ts in service.task_sets if ts.task_set_arn == dep.blue_task_set_arn), None)


def install_green(dep: Deployment, spec: AppSpec) -> None:
    ecs = ecs_backend(dep)
    service = ecs.services[f"{dep.cluster}:{dep.service}"]
    blue = blue_task_set(dep)
    network = (
        spec.network_configuration
        or (blue.network_configuration if blue is not None else None)
        or (service.network_configuration or None)
    )
    launch_type = (blue.launch_type if blue is not None else None) or service.launch_type
    kwargs: dict[str, Any] = {
        "external_id": dep.deployment_id,
        "network_configuration": network,
        "load_balancers": [
            {
                "targetGroupArn": dep.green_target_group_arn,
                "containerName": spec.container_name,
                "containerPort": spec.container_port,
            }
        ],
        "platform_version": spec.platform_version,
        "capacity_provider_strategy": spec.capacity_provider_strategy,
        "scale": {"value": 100.0, "unit": "PERCENT"},
    }
    if launch_type is not None:
        kwargs["launch_type"] = launch_type
    _authorize_on_service(
        dep, "CreateTaskSet", _task_roles(ecs, dep), taskDefinition=dep.task_definition_arn
    )
    try:
        task_set = ecs.create_task_set(dep.service, dep.cluster, dep.task_definition_arn, **kwargs)
    except Exception as exc:
        raise DeploymentFailure(
            "ECS_UPDATE_ERROR", f"ECS CreateTaskSet failed for service {dep.service}: {exc}"
        ) from exc
    with LOCK:
        dep.green_task_set_arn = task_set.task_set_arn
    assert dep.green_target_group_arn is not None
    assert dep.task_definition_arn is not None
    elb_health.register_task_set_targets(
        account_id=dep.account,
        region=dep.region,
        target_group_arn=dep.green_target_group_arn,
        task_set_arn=task_set.task_set_arn,
        task_definition_arn=dep.task_definition_arn,
        count=int(service.desired_count),
        port=spec.container_port,
    )


def _task_roles(ecs: Any, dep: Deployment) -> dict[str, str]:
    """The task definition's roles, which creating its task set passes to ECS tasks (facts
    of CreateTaskSet's iam:PassRole, :mod:`.service_role`)."""
    task_def = ecs.describe_task_definition(dep.task_definition_arn)
    roles = {
        "TaskRoleArn": getattr(task_def, "task_role_arn", None),
        "ExecutionRoleArn": getattr(task_def, "execution_role_arn", None),
    }
    return {name: str(arn) for name, arn in roles.items() if arn}


def _authorize_on_service(
    dep: Deployment, operation: str, facts: Mapping[str, str] | None = None, **params: Any
) -> None:
    """CodeDeploy's ECS call ``operation`` on the deployment's service, as its service role."""
    authorize(
        dep, "ecs", operation, {"cluster": dep.cluster, "service": dep.service, **params}, facts
    )


def delete_task_set(dep: Deployment, task_set_arn: str) -> None:
    _authorize_on_service(dep, "DeleteTaskSet", taskSet=task_set_arn)
    elb_health.deregister_task_set_targets(
        account_id=dep.account, region=dep.region, task_set_arn=task_set_arn
    )
    try:
        ecs_backend(dep).delete_task_set(dep.cluster, dep.service, task_set_arn)
    except Exception as exc:  # already gone: nothing left to clean
        log(f"{dep.deployment_id}: DeleteTaskSet {task_set_arn}: {type(exc).__name__}: {exc}")


def make_primary(dep: Deployment, task_set_arn: str) -> None:
    _authorize_on_service(dep, "UpdateServicePrimaryTaskSet", primaryTaskSet=task_set_arn)
    ecs_backend(dep).update_service_primary_task_set(dep.cluster, dep.service, task_set_arn)


def task_sets_info(dep: Deployment) -> list[dict[str, Any]]:
    service = ecs_backend(dep).services.get(f"{dep.cluster}:{dep.service}")
    if service is None:
        return []
    green_weight = dep.traffic[-1]["greenWeight"] if dep.traffic else 0
    result: list[dict[str, Any]] = []
    for ts in service.task_sets:
        if ts.task_set_arn == dep.green_task_set_arn:
            label, weight, group = "Green", float(green_weight), dep.green_target_group_arn
        elif ts.task_set_arn == dep.blue_task_set_arn:
            label, weight, group = "Blue", float(100 - green_weight), dep.blue_target_group_arn
        else:
            continue
        desired = int(service.desired_count * float(ts.scale.get("value", 100)) / 100)
        result.append(
            {
                "identifer": ts.id,
                "desiredCount": desired,
                "pendingCount": 0,
                "runningCount": desired,
                "status": ts.status,
                "trafficWeight": weight,
                "targetGroup": {"name": dep.target_group_names.get(group or "", "")},
                "taskSetLabel": label,
            }
        )
    return result


def record_traffic(dep: Deployment, green_weight: int) -> None:
    with LOCK:
        dep.traffic.append({"at": get_runtime().clock.now(), "greenWeight": green_weight})
