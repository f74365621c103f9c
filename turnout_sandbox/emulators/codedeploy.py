"""CodeDeploy ECS blue/green deployments, emulated on top of moto 5.2.5.

moto stores applications, deployment groups and deployments, but a deployment stays
``Created`` forever. This module teaches moto's ``CodeDeployResponse`` the rest of the
ECS blue/green lifecycle with AWS's semantics, so it serves boto3 under ``mock_aws()``, the
moto server and Step Functions ``aws-sdk:codedeploy:*`` tasks alike:

* ``CreateDeployment`` (AppSpec content, JSON or YAML) starts the lifecycle on a background
  thread and rejects a second active deployment in the group
  (``DeploymentLimitExceededException``). Deployment ids look like AWS's (``d-XXXXXXXXX``).
* Lifecycle, in AWS's order: BeforeInstall, Install (green task set created on the
  ECS service behind the target group that is not serving production, fake targets
  registered), AfterInstall, AllowTestTraffic (test listener to green),
  AfterAllowTestTraffic, an optional READY wait (``deploymentReadyOption`` STOP_DEPLOYMENT),
  BeforeAllowTraffic, AllowTraffic (production listener shifted in the deployment config's
  canary/linear/all-at-once steps over virtual time; green becomes the PRIMARY task set),
  AfterAllowTraffic, the termination wait (``terminationWaitTimeInMinutes``; the deployment
  stays ``InProgress`` with ``instanceTerminationWaitTimeStarted``), then the blue task set is
  deleted and the deployment ``Succeeded``.
* Hooks: each AppSpec hook function is invoked asynchronously through
  ``get_runtime().invoke_lambda`` with ``{"DeploymentId", "LifecycleEventHookExecutionId"}``;
  the deployment waits up to one virtual hour for ``PutLifecycleEventHookExecutionStatus``.
* ``ContinueDeployment`` (READY_WAIT / TERMINATION_WAIT), ``StopDeployment``
  (``autoRollbackEnabled``), rollback on failure when ``DEPLOYMENT_FAILURE`` auto-rollback
  is on, ``ListDeploymentTargets`` / ``BatchGetDeploymentTargets`` / ``GetDeploymentTarget``
  (``ecsTarget`` with lifecycle events and task sets), ``GetDeploymentConfig`` for the
  predefined ECS configs, and ``errorInformation`` / ``rollbackInfo`` in ``GetDeployment``.
* State-change events (``CodeDeploy Deployment State-change Notification``: START, READY,
  SUCCESS, FAILURE, STOP) through ``get_runtime().put_event``.

Every duration is virtual (``get_runtime().clock``). Target health of the fake task targets
is answered by :mod:`turnout_sandbox.emulators.elb_health` (script it with
:func:`set_target_health_provider`).

Known simplifications (documented, not silent): listener *rules* other than the default
action are not rerouted; custom deployment configs (CreateDeploymentConfig) are not
emulated; S3 revisions are rejected with a clear error; a rollback reroutes traffic inside
the original deployment instead of creating a separate rollback deployment.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import yaml  # type: ignore[import-untyped, unused-ignore]
from moto.codedeploy.models import codedeploy_backends
from moto.codedeploy.responses import CodeDeployResponse, _deployment_info
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.ecs.models import ecs_backends
from moto.elbv2.models import elbv2_backends

from turnout_sandbox.emulators import elb_health
from turnout_sandbox.emulators.elb_health import TargetHealthProvider
from turnout_sandbox.runtime import LambdaFunctionError, get_runtime, has_runtime

__all__ = [
    "ECS_DEPLOYMENT_CONFIGS",
    "HOOK_TIMEOUT_SECONDS",
    "CodeDeployApiError",
    "TrafficRouting",
    "UnknownDeploymentError",
    "get_deployment_state",
    "install",
    "reset",
    "set_target_health_provider",
]

EVENT_SOURCE: Final = "aws.codedeploy"
EVENT_DETAIL_TYPE: Final = "CodeDeploy Deployment State-change Notification"
#: CodeDeploy waits this long (virtual seconds) for a hook's status callback.
HOOK_TIMEOUT_SECONDS: Final = 3600.0
DEFAULT_ECS_CONFIG: Final = "CodeDeployDefault.ECSAllAtOnce"

#: Lifecycle events of an ECS target, in the order CodeDeploy runs them.
ECS_LIFECYCLE: Final = (
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
)
ECS_HOOK_EVENTS: Final = frozenset(
    {
        "BeforeInstall",
        "AfterInstall",
        "AfterAllowTestTraffic",
        "BeforeAllowTraffic",
        "AfterAllowTraffic",
    }
)
ACTIVE_STATUSES: Final = frozenset({"Created", "Queued", "InProgress", "Baking", "Ready"})
TERMINAL_STATUSES: Final = frozenset({"Succeeded", "Failed", "Stopped"})


# --------------------------------------------------------------------------- errors
class CodeDeployApiError(JsonRESTError):
    """A CodeDeploy API error, serialized like AWS's (``__type`` + ``message``)."""

    code = 400

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(error_type, message)


class UnknownDeploymentError(KeyError):
    """:func:`get_deployment_state` was asked for a deployment the emulator never ran."""

    def __init__(self, deployment_id: str) -> None:
        super().__init__(deployment_id)
        self.deployment_id = deployment_id

    def __str__(self) -> str:
        return f"deployment {self.deployment_id!r} is not known to the CodeDeploy emulator"


class _Failure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Stopped(Exception):
    pass


class _Aborted(Exception):
    pass


# --------------------------------------------------------------------------- configs
@dataclass(frozen=True)
class TrafficRouting:
    """How production traffic moves to green.

    ``type`` is ``AllAtOnce``, ``TimeBasedCanary`` or ``TimeBasedLinear``.
    """

    type: str
    percentage: int = 100
    interval_minutes: int = 0

    def steps(self) -> list[tuple[int, float]]:
        """``(green weight %, virtual seconds to wait after setting it)`` in order."""
        wait = self.interval_minutes * 60.0
        if self.type == "TimeBasedCanary":
            return [(self.percentage, wait), (100, 0.0)]
        if self.type == "TimeBasedLinear":
            weights: list[int] = []
            weight = self.percentage
            while weight < 100:
                weights.append(weight)
                weight += self.percentage
            weights.append(100)
            return [(w, wait if w < 100 else 0.0) for w in weights]
        return [(100, 0.0)]

    def as_config(self) -> dict[str, Any]:
        if self.type == "TimeBasedCanary":
            return {
                "type": self.type,
                "timeBasedCanary": {
                    "canaryPercentage": self.percentage,
                    "canaryInterval": self.interval_minutes,
                },
            }
        if self.type == "TimeBasedLinear":
            return {
                "type": self.type,
                "timeBasedLinear": {
                    "linearPercentage": self.percentage,
                    "linearInterval": self.interval_minutes,
                },
            }
        return {"type": "AllAtOnce"}


#: The predefined ECS deployment configurations (CodeDeploy User Guide).
ECS_DEPLOYMENT_CONFIGS: Final[Mapping[str, TrafficRouting]] = {
    "CodeDeployDefault.ECSAllAtOnce": TrafficRouting("AllAtOnce"),
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": TrafficRouting("TimeBasedLinear", 10, 1),
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": TrafficRouting("TimeBasedLinear", 10, 3),
    "CodeDeployDefault.ECSCanary10Percent5Minutes": TrafficRouting("TimeBasedCanary", 10, 5),
    "CodeDeployDefault.ECSCanary10Percent15Minutes": TrafficRouting("TimeBasedCanary", 10, 15),
}


# --------------------------------------------------------------------------- state
@dataclass
class _Hook:
    execution_id: str
    event: str
    function: str
    status: str = "Pending"  # Pending | Succeeded | Failed
    closed: bool = False
    invoke_error: str | None = None


@dataclass
class _AppSpec:
    task_definition: str
    container_name: str
    container_port: int
    platform_version: str | None
    network_configuration: dict[str, Any] | None
    capacity_provider_strategy: list[dict[str, Any]] | None
    hooks: dict[str, str]


@dataclass
class _Deployment:
    deployment_id: str
    account: str
    region: str
    application: str
    group_name: str
    group_id: str
    application_arn: str
    group_arn: str
    config_name: str
    routing: TrafficRouting
    auto_rollback: dict[str, Any]
    blue_green: dict[str, Any]
    load_balancer_info: dict[str, Any]
    ecs_services: list[dict[str, Any]]
    revision: dict[str, Any]
    info: Any  # moto's DeploymentInfo (status/times kept in sync for ListDeployments)
    create_time: datetime
    status: str = "Created"
    start_time: datetime | None = None
    complete_time: datetime | None = None
    error: dict[str, str] | None = None
    rollback: dict[str, str] | None = None
    wait_state: str | None = None
    termination_wait_started: bool = False
    target_status: str = "Pending"
    target_updated: datetime | None = None
    lifecycle: dict[str, dict[str, Any]] = field(default_factory=dict)
    hooks: dict[str, _Hook] = field(default_factory=dict)
    continued: set[str] = field(default_factory=set)
    stop_rollback: bool | None = None
    aborted: bool = False
    changed: threading.Event = field(default_factory=threading.Event)
    traffic: list[dict[str, Any]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    cluster: str = ""
    service: str = ""
    service_arn: str = ""
    blue_task_set_arn: str | None = None
    green_task_set_arn: str | None = None
    blue_target_group_arn: str | None = None
    green_target_group_arn: str | None = None
    target_group_names: dict[str, str] = field(default_factory=dict)
    prod_listeners: list[str] = field(default_factory=list)
    test_listeners: list[str] = field(default_factory=list)
    task_definition_arn: str | None = None
    green_is_primary: bool = False
    blue_deleted: bool = False
    green_deleted: bool = False


_lock = threading.RLock()
_deployments: dict[str, _Deployment] = {}
_installed: set[str] = set()


def _now() -> datetime:
    return datetime.fromtimestamp(get_runtime().clock.now(), UTC)


def _new_deployment_id() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "d-" + "".join(secrets.choice(alphabet) for _ in range(9))


def _new_execution_id() -> str:
    blob = json.dumps({"encryptedData": uuid.uuid4().hex, "iv": secrets.token_hex(8)})
    return base64.b64encode(blob.encode()).decode()


def set_target_health_provider(provider: TargetHealthProvider | None) -> None:
    """Script ELB target health of task-set targets (see :mod:`.elb_health`)."""
    elb_health.set_target_health_provider(provider)


# --------------------------------------------------------------------------- public API
def get_deployment_state(deployment_id: str) -> dict[str, Any]:
    """A snapshot of the emulated deployment, for the sandbox timeline and tests."""
    with _lock:
        dep = _deployments.get(deployment_id)
        if dep is None:
            raise UnknownDeploymentError(deployment_id)
        return {
            "deploymentId": dep.deployment_id,
            "applicationName": dep.application,
            "deploymentGroupName": dep.group_name,
            "deploymentConfigName": dep.config_name,
            "status": dep.status,
            "waitState": dep.wait_state,
            "instanceTerminationWaitTimeStarted": dep.termination_wait_started,
            "targetStatus": dep.target_status,
            "errorInformation": dict(dep.error) if dep.error else None,
            "rollbackInfo": dict(dep.rollback) if dep.rollback else None,
            "lifecycleEvents": {name: event["status"] for name, event in dep.lifecycle.items()},
            "hookExecutions": [
                {
                    "lifecycleEventHookExecutionId": h.execution_id,
                    "lifecycleEventName": h.event,
                    "functionName": h.function,
                    "status": h.status,
                }
                for h in dep.hooks.values()
            ],
            "trafficShifts": [dict(step) for step in dep.traffic],
            "events": list(dep.events),
            "cluster": dep.cluster,
            "service": dep.service,
            "taskDefinitionArn": dep.task_definition_arn,
            "blueTaskSetArn": dep.blue_task_set_arn,
            "greenTaskSetArn": dep.green_task_set_arn,
            "blueTargetGroupArn": dep.blue_target_group_arn,
            "greenTargetGroupArn": dep.green_target_group_arn,
            "createTime": dep.create_time,
            "startTime": dep.start_time,
            "completeTime": dep.complete_time,
        }


# --------------------------------------------------------------------------- helpers
def _lookup(self: Any, deployment_id: str | None) -> _Deployment:
    if not deployment_id:
        raise CodeDeployApiError(
            "DeploymentIdRequiredException", "At least one deployment ID must be specified."
        )
    with _lock:
        dep = _deployments.get(deployment_id)
    if dep is None:
        backend = codedeploy_backends[self.current_account][self.region]
        backend.get_deployment(deployment_id)  # raises DeploymentDoesNotExistException
        raise CodeDeployApiError(
            "UnsupportedActionForDeploymentTypeException",
            f"Deployment {deployment_id} was not created through the sandbox's CodeDeploy "
            "emulator (install() it before creating deployments).",
        )
    return dep


def _set_status(dep: _Deployment, status: str) -> None:
    with _lock:
        dep.status = status
        dep.info.status = status


def _log(message: str) -> None:
    if has_runtime():
        get_runtime().log("codedeploy", message)


def _emit(dep: _Deployment, state: str) -> None:
    detail = {
        "region": dep.region,
        "deploymentId": dep.deployment_id,
        "instanceGroupId": dep.group_id,
        "deploymentGroup": dep.group_name,
        "application": dep.application,
        "state": state,
    }
    with _lock:
        dep.events.append(state)
    try:
        get_runtime().put_event(
            EVENT_SOURCE, EVENT_DETAIL_TYPE, detail, resources=[dep.application_arn, dep.group_arn]
        )
    except Exception as exc:  # delivery is best effort on AWS too; never break the lifecycle
        _log(f"{dep.deployment_id}: could not put the {state} event: {type(exc).__name__}: {exc}")


def _touch_target(dep: _Deployment, status: str | None = None) -> None:
    with _lock:
        if status is not None:
            dep.target_status = status
        dep.target_updated = _now()


def _begin_event(dep: _Deployment, name: str) -> None:
    with _lock:
        dep.lifecycle[name].update(status="InProgress", startTime=_now())
    _touch_target(dep)


def _end_event(
    dep: _Deployment, name: str, status: str, diagnostics: dict[str, str] | None = None
) -> None:
    with _lock:
        event = dep.lifecycle[name]
        event.update(status=status, endTime=_now())
        if diagnostics:
            event["diagnostics"] = diagnostics
    _touch_target(dep)


def _check(dep: _Deployment) -> None:
    if dep.aborted:
        raise _Aborted
    if dep.stop_rollback is not None:
        raise _Stopped


def _wait(dep: _Deployment, done: Callable[[], bool], timeout: float | None) -> bool:
    """Wait (virtual seconds) until ``done()``; False on timeout. Stops/aborts interrupt."""
    clock = get_runtime().clock
    deadline = None if timeout is None else clock.now() + timeout
    while True:
        dep.changed.clear()
        _check(dep)
        if done():
            return True
        remaining = 60.0 if deadline is None else deadline - clock.now()
        if remaining <= 0:
            return False
        clock.wait(dep.changed, min(remaining, 60.0))


def _rollback_enabled(dep: _Deployment, event: str) -> bool:
    config = dep.auto_rollback or {}
    return bool(config.get("enabled")) and event in (config.get("events") or [])


# --------------------------------------------------------------------------- AppSpec
def _appspec_text(revision: Mapping[str, Any]) -> str:
    kind = revision.get("revisionType")
    if kind == "AppSpecContent":
        content = (revision.get("appSpecContent") or {}).get("content")
    elif kind == "String":
        content = (revision.get("string") or {}).get("content")
    else:
        raise _Failure(
            "INVALID_REVISION",
            f"revision.revisionType {kind!r} is not supported by the sandbox CodeDeploy "
            "emulator; use AppSpecContent (revision.appSpecContent.content).",
        )
    if not isinstance(content, str) or not content.strip():
        raise _Failure(
            "INVALID_REVISION", "The AppSpec content (revision.appSpecContent.content) is empty."
        )
    return content


def _parse_appspec(revision: Mapping[str, Any]) -> _AppSpec:
    text = _appspec_text(revision)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _Failure(
            "INVALID_REVISION", f"The AppSpec content is not valid YAML or JSON: {exc}"
        ) from exc
    if not isinstance(document, dict):
        raise _Failure("INVALID_REVISION", "The AppSpec content must be a mapping with Resources.")
    resources = document.get("Resources")
    if not isinstance(resources, list) or len(resources) != 1 or not isinstance(resources[0], dict):
        raise _Failure(
            "INVALID_REVISION",
            "AppSpec Resources must be a list with exactly one AWS::ECS::Service resource.",
        )
    (name, resource), *_ = resources[0].items()
    if not isinstance(resource, dict) or resource.get("Type") != "AWS::ECS::Service":
        raise _Failure(
            "INVALID_REVISION", f"AppSpec Resources[0].{name}.Type must be AWS::ECS::Service."
        )
    props = resource.get("Properties")
    where = f"AppSpec Resources[0].{name}.Properties"
    if not isinstance(props, dict):
        raise _Failure("INVALID_REVISION", f"{where} is missing.")
    task_definition = props.get("TaskDefinition")
    if not isinstance(task_definition, str) or not task_definition:
        raise _Failure("INVALID_REVISION", f"{where}.TaskDefinition is missing.")
    lb = props.get("LoadBalancerInfo")
    if not isinstance(lb, dict) or not isinstance(lb.get("ContainerName"), str):
        raise _Failure("INVALID_REVISION", f"{where}.LoadBalancerInfo.ContainerName is missing.")
    try:
        port = int(lb.get("ContainerPort"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise _Failure(
            "INVALID_REVISION",
            f"{where}.LoadBalancerInfo.ContainerPort must be a port number, "
            f"got {lb.get('ContainerPort')!r}.",
        ) from exc
    hooks = _parse_hooks(document.get("Hooks"))
    network = props.get("NetworkConfiguration")
    return _AppSpec(
        task_definition=task_definition,
        container_name=lb["ContainerName"],
        container_port=port,
        platform_version=props.get("PlatformVersion"),
        network_configuration=_network(network) if isinstance(network, dict) else None,
        capacity_provider_strategy=_capacity(props.get("CapacityProviderStrategy")),
        hooks=hooks,
    )


def _parse_hooks(raw: Any) -> dict[str, str]:
    hooks: dict[str, str] = {}
    raw_hooks = raw or []
    if not isinstance(raw_hooks, list):
        raise _Failure(
            "INVALID_REVISION", "AppSpec Hooks must be a list of 'Event: Function' entries."
        )
    for index, entry in enumerate(raw_hooks):
        if not isinstance(entry, dict):
            raise _Failure("INVALID_REVISION", f"AppSpec Hooks[{index}] must be 'Event: Function'.")
        for event, function in entry.items():
            if event not in ECS_HOOK_EVENTS:
                raise _Failure(
                    "INVALID_REVISION",
                    f"AppSpec Hooks[{index}]: {event!r} is not an ECS lifecycle hook "
                    f"(expected one of {sorted(ECS_HOOK_EVENTS)}).",
                )
            if not isinstance(function, str) or not function:
                raise _Failure(
                    "INVALID_REVISION", f"AppSpec Hooks[{index}].{event} must name a function."
                )
            hooks[event] = function
    return hooks


def _network(network: Mapping[str, Any]) -> dict[str, Any] | None:
    awsvpc = network.get("AwsvpcConfiguration") or network.get("awsvpcConfiguration")
    if not isinstance(awsvpc, dict):
        return None
    converted: dict[str, Any] = {}
    for source, target in (
        ("Subnets", "subnets"),
        ("SecurityGroups", "securityGroups"),
        ("AssignPublicIp", "assignPublicIp"),
    ):
        value = awsvpc.get(source, awsvpc.get(target))
        if value is not None:
            converted[target] = value
    return {"awsvpcConfiguration": converted}


def _capacity(strategy: Any) -> list[dict[str, Any]] | None:
    if not isinstance(strategy, list):
        return None
    return [
        {
            "capacityProvider": item.get("CapacityProvider"),
            "weight": item.get("Weight", 0),
            "base": item.get("Base", 0),
        }
        for item in strategy
        if isinstance(item, dict)
    ]


# --------------------------------------------------------------------------- ELB / ECS
def _elb(dep: _Deployment) -> Any:
    return elbv2_backends[dep.account][dep.region]


def _ecs(dep: _Deployment) -> Any:
    return ecs_backends[dep.account][dep.region]


def _serving_target_group(listener: Any) -> str | None:
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


def _route(dep: _Deployment, listener_arns: list[str], green_weight: int) -> None:
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
    elb = _elb(dep)
    for arn in listener_arns:
        elb.modify_listener(arn, certificates=[], actions=[json.loads(json.dumps(action))])


def _resolve(dep: _Deployment, spec: _AppSpec) -> None:
    """Check the group's ECS service, load balancer and the AppSpec against moto's world."""
    if not dep.ecs_services:
        raise _Failure(
            "INVALID_ECS_SERVICE", f"Deployment group {dep.group_name} has no ecsServices."
        )
    target = dep.ecs_services[0]
    cluster, service_name = target.get("clusterName", ""), target.get("serviceName", "")
    ecs = _ecs(dep)
    service = ecs.services.get(f"{str(cluster).split('/')[-1]}:{service_name}")
    if service is None:
        raise _Failure(
            "INVALID_ECS_SERVICE",
            f"The ECS service {service_name} in cluster {cluster} (deployment group "
            f"{dep.group_name} ecsServices) does not exist.",
        )
    if (service.deployment_controller or {}).get("type") != "CODE_DEPLOY":
        raise _Failure(
            "INVALID_ECS_SERVICE",
            f"The ECS service {service_name} does not use the CODE_DEPLOY deployment controller.",
        )
    dep.cluster, dep.service, dep.service_arn = service.cluster_name, service.name, service.arn

    pairs = (dep.load_balancer_info or {}).get("targetGroupPairInfoList") or []
    if not pairs:
        raise _Failure(
            "MISSING_ELB_INFORMATION",
            f"Deployment group {dep.group_name} has no loadBalancerInfo.targetGroupPairInfoList.",
        )
    pair = pairs[0]
    names = [g.get("name") for g in pair.get("targetGroups") or []]
    elb = _elb(dep)
    by_name = {tg.name: tg.arn for tg in elb.target_groups.values()}
    if len(names) != 2 or any(n not in by_name for n in names):
        raise _Failure(
            "ELASTIC_LOAD_BALANCING_INVALID",
            f"loadBalancerInfo.targetGroupPairInfoList[0].targetGroups must name two existing "
            f"target groups, got {names}.",
        )
    dep.prod_listeners = list((pair.get("prodTrafficRoute") or {}).get("listenerArns") or [])
    dep.test_listeners = list((pair.get("testTrafficRoute") or {}).get("listenerArns") or [])
    if not dep.prod_listeners:
        raise _Failure(
            "ELASTIC_LOAD_BALANCING_INVALID",
            "loadBalancerInfo.targetGroupPairInfoList[0].prodTrafficRoute.listenerArns is empty.",
        )
    try:
        prod = elb.describe_listeners(load_balancer_arn=None, listener_arns=dep.prod_listeners[:1])[
            0
        ]
        if dep.test_listeners:
            elb.describe_listeners(load_balancer_arn=None, listener_arns=dep.test_listeners)
    except Exception as exc:
        raise _Failure(
            "ELASTIC_LOAD_BALANCING_INVALID",
            f"A listener of the deployment group's traffic routes does not exist: {exc}",
        ) from exc
    serving = _serving_target_group(prod)
    arns = [by_name[n] for n in names]
    if serving not in arns:
        raise _Failure(
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

    _check_task_definition(dep, spec)


def _check_task_definition(dep: _Deployment, spec: _AppSpec) -> None:
    ecs = _ecs(dep)
    try:
        task_def = ecs.describe_task_definition(spec.task_definition)
    except Exception as exc:
        raise _Failure(
            "ECS_UPDATE_ERROR",
            f"The task definition {spec.task_definition} (AppSpec TaskDefinition) does not exist.",
        ) from exc
    dep.task_definition_arn = task_def.arn
    containers = {c.get("name"): c for c in task_def.container_definitions}
    container = containers.get(spec.container_name)
    if container is None:
        raise _Failure(
            "ECS_UPDATE_ERROR",
            f"The container {spec.container_name} (AppSpec LoadBalancerInfo.ContainerName) does "
            f"not exist in the task definition {task_def.arn}; it has {sorted(containers)}.",
        )
    ports = [int(m.get("containerPort", -1)) for m in container.get("portMappings") or []]
    if spec.container_port not in ports:
        raise _Failure(
            "ECS_UPDATE_ERROR",
            f"The container {spec.container_name} in {task_def.arn} does not map port "
            f"{spec.container_port} (AppSpec LoadBalancerInfo.ContainerPort); it maps {ports}.",
        )


def _blue_task_set(dep: _Deployment) -> Any:
    service = _ecs(dep).services.get(f"{dep.cluster}:{dep.service}")
    if service is None or dep.blue_task_set_arn is None:
        return None
    return next((ts for ts in service.task_sets if ts.task_set_arn == dep.blue_task_set_arn), None)


def _install_green(dep: _Deployment, spec: _AppSpec) -> None:
    ecs = _ecs(dep)
    service = ecs.services[f"{dep.cluster}:{dep.service}"]
    blue = _blue_task_set(dep)
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
    try:
        task_set = ecs.create_task_set(dep.service, dep.cluster, dep.task_definition_arn, **kwargs)
    except Exception as exc:
        raise _Failure(
            "ECS_UPDATE_ERROR", f"ECS CreateTaskSet failed for service {dep.service}: {exc}"
        ) from exc
    with _lock:
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


def _delete_task_set(dep: _Deployment, task_set_arn: str) -> None:
    elb_health.deregister_task_set_targets(
        account_id=dep.account, region=dep.region, task_set_arn=task_set_arn
    )
    try:
        _ecs(dep).delete_task_set(dep.cluster, dep.service, task_set_arn)
    except Exception as exc:  # already gone: nothing left to clean
        _log(f"{dep.deployment_id}: DeleteTaskSet {task_set_arn}: {type(exc).__name__}: {exc}")


def _make_primary(dep: _Deployment, task_set_arn: str) -> None:
    _ecs(dep).update_service_primary_task_set(dep.cluster, dep.service, task_set_arn)


# --------------------------------------------------------------------------- lifecycle
def _record_traffic(dep: _Deployment, green_weight: int) -> None:
    with _lock:
        dep.traffic.append({"at": get_runtime().clock.now(), "greenWeight": green_weight})


def _run_hook(dep: _Deployment, event: str, function: str) -> None:
    hook = _Hook(_new_execution_id(), event, function)
    with _lock:
        dep.hooks[hook.execution_id] = hook
    runtime = get_runtime()

    def invoke() -> None:
        payload = {
            "DeploymentId": dep.deployment_id,
            "LifecycleEventHookExecutionId": hook.execution_id,
        }
        invoker = get_runtime().invoke_lambda
        if invoker is None:
            hook.invoke_error = (
                f"no Lambda invoker is configured to run the {event} hook {function}"
            )
        else:
            try:
                invoker(function, payload)
            except LambdaFunctionError as exc:
                # An asynchronous invoke succeeds even when the function errors: CodeDeploy
                # only learns of it when no status callback arrives within the hour.
                _log(f"{dep.deployment_id}: {event} hook {function} raised {exc}")
                return
            except Exception as exc:
                hook.invoke_error = f"the {event} hook {function} could not be invoked: {exc}"
        dep.changed.set()

    runtime.clock.call_later(0, invoke, name=f"codedeploy-hook-{dep.deployment_id}-{event}")
    try:
        answered = _wait(
            dep,
            lambda: hook.status != "Pending" or hook.invoke_error is not None,
            HOOK_TIMEOUT_SECONDS,
        )
    finally:
        with _lock:
            hook.closed = True
    if hook.invoke_error is not None:
        raise _Failure("HOOK_EXECUTION_FAILURE", hook.invoke_error)
    if not answered:
        raise _Failure(
            "HOOK_EXECUTION_FAILURE",
            f"The {event} hook {function} did not report a status (PutLifecycleEventHookExecution"
            f"Status) within {int(HOOK_TIMEOUT_SECONDS // 60)} minutes.",
        )
    if hook.status == "Failed":
        raise _Failure(
            "HOOK_EXECUTION_FAILURE",
            f"The {event} hook {function} reported Failed (lifecycleEventHookExecutionId "
            f"{hook.execution_id}).",
        )


def _lifecycle_event(dep: _Deployment, name: str, action: Callable[[], None]) -> None:
    _check(dep)
    _begin_event(dep, name)
    try:
        action()
    except _Failure as failure:
        timed_out = "did not report" in failure.message
        _end_event(
            dep,
            name,
            "Failed",
            {
                "errorCode": "ScriptTimedOut" if timed_out else "ScriptFailed",
                "scriptName": _hook_function(dep, name),
                "message": failure.message,
                "logTail": "",
            },
        )
        raise
    _end_event(dep, name, "Succeeded")


def _hook_function(dep: _Deployment, event: str) -> str:
    with _lock:
        for hook in dep.hooks.values():
            if hook.event == event:
                return hook.function
    return ""


def _hook_step(dep: _Deployment, spec: _AppSpec, event: str) -> None:
    function = spec.hooks.get(event)
    _lifecycle_event(
        dep, event, (lambda: _run_hook(dep, event, function)) if function else (lambda: None)
    )


def _allow_traffic(dep: _Deployment) -> None:
    for weight, wait_after in dep.routing.steps():
        _check(dep)
        _route(dep, dep.prod_listeners, weight)
        _record_traffic(dep, weight)
        _log(f"{dep.deployment_id}: production traffic {weight}% to the replacement task set")
        if wait_after > 0:
            _wait(dep, lambda: False, wait_after)
    assert dep.green_task_set_arn is not None
    _make_primary(dep, dep.green_task_set_arn)
    with _lock:
        dep.green_is_primary = True


def _ready_wait(dep: _Deployment) -> None:
    option = (dep.blue_green or {}).get("deploymentReadyOption") or {}
    if option.get("actionOnTimeout") != "STOP_DEPLOYMENT":
        return
    minutes = float(option.get("waitTimeInMinutes") or 0)
    with _lock:
        dep.wait_state = "READY_WAIT"
    _set_status(dep, "Ready")
    _touch_target(dep, "Ready")
    _emit(dep, "READY")
    continued = _wait(dep, lambda: "READY_WAIT" in dep.continued, minutes * 60.0)
    with _lock:
        dep.wait_state = None
    if not continued:
        raise _Failure(
            "TIMEOUT",
            f"Traffic was not rerouted (ContinueDeployment READY_WAIT) within the "
            f"{minutes:g} minute deploymentReadyOption wait; the deployment was stopped.",
        )
    _set_status(dep, "InProgress")
    _touch_target(dep, "InProgress")


def _termination_wait(dep: _Deployment) -> None:
    option = (dep.blue_green or {}).get("terminateBlueInstancesOnDeploymentSuccess") or {}
    minutes = float(option.get("terminationWaitTimeInMinutes") or 0)
    _touch_target(dep, "Succeeded")
    with _lock:
        dep.wait_state = "TERMINATION_WAIT"
        dep.termination_wait_started = True
    _wait(dep, lambda: "TERMINATION_WAIT" in dep.continued, minutes * 60.0)
    with _lock:
        dep.wait_state = None
    _check(dep)
    if dep.blue_task_set_arn is not None:
        _delete_task_set(dep, dep.blue_task_set_arn)
        with _lock:
            dep.blue_deleted = True


def _roll_back(dep: _Deployment, reason: str) -> None:
    """Reroute production and test traffic to blue, delete green, keep blue PRIMARY."""
    if dep.green_task_set_arn is None and not dep.traffic:
        with _lock:
            dep.rollback = {"rollbackMessage": f"Nothing to roll back: {reason}"}
        return
    if dep.blue_target_group_arn and dep.green_target_group_arn:
        _route(dep, dep.prod_listeners, 0)
        if dep.test_listeners:
            _route(dep, dep.test_listeners, 0)
        _record_traffic(dep, 0)
    if dep.blue_task_set_arn is not None and dep.green_is_primary:
        _make_primary(dep, dep.blue_task_set_arn)
        with _lock:
            dep.green_is_primary = False
    if dep.green_task_set_arn is not None and not dep.green_deleted:
        _delete_task_set(dep, dep.green_task_set_arn)
        with _lock:
            dep.green_deleted = True
    with _lock:
        dep.rollback = {
            "rollbackMessage": (
                f"{reason} Traffic was rerouted to the original task set and the replacement "
                "task set was deleted."
            )
        }
    _log(f"{dep.deployment_id}: rolled back ({reason})")


def _skip_pending_events(dep: _Deployment) -> None:
    with _lock:
        for event in dep.lifecycle.values():
            if event["status"] in ("Pending", "InProgress"):
                event["status"] = "Skipped"
        for hook in dep.hooks.values():
            hook.closed = True


def _finish(dep: _Deployment, status: str, state: str) -> None:
    with _lock:
        dep.complete_time = _now()
        dep.info.complete_time = dep.complete_time
        dep.wait_state = None
        overview_status = {"Succeeded": "Succeeded", "Failed": "Failed"}.get(status, "Skipped")
        dep.target_status = {"Succeeded": "Succeeded", "Failed": "Failed"}.get(status, "Failed")
        dep.info.deployment_overview = dict.fromkeys(dep.info.deployment_overview, 0)
        dep.info.deployment_overview[overview_status] = 1
    _set_status(dep, status)
    _emit(dep, state)


def _run(dep: _Deployment) -> None:
    try:
        _lifecycle(dep)
    except _Aborted:
        return
    except Exception as exc:  # an emulator bug must still end the deployment like AWS would
        if dep.aborted or not has_runtime():
            return
        _log(f"{dep.deployment_id}: internal error {type(exc).__name__}: {exc}")
        _fail(dep, _Failure("INTERNAL_ERROR", f"{type(exc).__name__}: {exc}"))


def _lifecycle(dep: _Deployment) -> None:
    with _lock:
        dep.start_time = _now()
        dep.info.start_time = dep.start_time
        dep.info.deployment_overview = dict.fromkeys(dep.info.deployment_overview, 0)
        dep.info.deployment_overview["InProgress"] = 1
    _set_status(dep, "InProgress")
    _touch_target(dep, "InProgress")
    _emit(dep, "START")
    try:
        spec = _parse_appspec(dep.revision)
        _resolve(dep, spec)
        _hook_step(dep, spec, "BeforeInstall")
        _lifecycle_event(dep, "Install", lambda: _install_green(dep, spec))
        _hook_step(dep, spec, "AfterInstall")
        _lifecycle_event(
            dep,
            "AllowTestTraffic",
            lambda: _route(dep, dep.test_listeners, 100) if dep.test_listeners else None,
        )
        _hook_step(dep, spec, "AfterAllowTestTraffic")
        _ready_wait(dep)
        _hook_step(dep, spec, "BeforeAllowTraffic")
        _lifecycle_event(dep, "AllowTraffic", lambda: _allow_traffic(dep))
        _hook_step(dep, spec, "AfterAllowTraffic")
        _termination_wait(dep)
    except _Failure as failure:
        _fail(dep, failure)
        return
    except _Stopped:
        _stop(dep)
        return
    _finish(dep, "Succeeded", "SUCCESS")


def _fail(dep: _Deployment, failure: _Failure) -> None:
    with _lock:
        dep.error = {"code": failure.code, "message": failure.message}
    _skip_pending_events(dep)
    if failure.code == "TIMEOUT":  # the READY wait ran out: AWS stops the deployment
        _roll_back(dep, "The deployment was stopped because the ready wait timed out.")
        _finish(dep, "Stopped", "STOP")
        return
    if _rollback_enabled(dep, "DEPLOYMENT_FAILURE"):
        try:
            _roll_back(dep, f"Deployment {dep.deployment_id} failed ({failure.code}).")
        except Exception as exc:
            _log(f"{dep.deployment_id}: rollback failed: {type(exc).__name__}: {exc}")
    _finish(dep, "Failed", "FAILURE")


def _stop(dep: _Deployment) -> None:
    rollback = bool(dep.stop_rollback)
    with _lock:
        dep.error = {"code": "MANUAL_STOP", "message": "The deployment was stopped by a user."}
    _skip_pending_events(dep)
    if rollback:
        _roll_back(dep, f"Deployment {dep.deployment_id} was stopped with autoRollbackEnabled.")
    _finish(dep, "Stopped", "STOP")


# --------------------------------------------------------------------------- rendering
def _info(dep: _Deployment) -> dict[str, Any]:
    info = _deployment_info(dep.info)
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


def _target_id(dep: _Deployment) -> str:
    return f"{dep.cluster}:{dep.service}"


def _task_sets_info(dep: _Deployment) -> list[dict[str, Any]]:
    service = _ecs(dep).services.get(f"{dep.cluster}:{dep.service}")
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


def _ecs_target(dep: _Deployment) -> dict[str, Any]:
    with _lock:
        events = [
            {k: v for k, v in {"lifecycleEventName": name, **event}.items() if v is not None}
            for name, event in dep.lifecycle.items()
        ]
        return {
            "deploymentTargetType": "ECSTarget",
            "ecsTarget": {
                "deploymentId": dep.deployment_id,
                "targetId": _target_id(dep),
                "targetArn": dep.service_arn,
                "lastUpdatedAt": dep.target_updated or dep.create_time,
                "lifecycleEvents": events,
                "status": dep.target_status,
                "taskSetsInfo": _task_sets_info(dep),
            },
        }


def _require_started(dep: _Deployment) -> None:
    if not dep.service:
        raise CodeDeployApiError(
            "DeploymentNotStartedException",
            f"The deployment {dep.deployment_id} has not started (no ECS target yet).",
        )


# --------------------------------------------------------------------------- API methods
def _create_deployment(self: Any) -> ActionResult:
    runtime = get_runtime()
    backend = codedeploy_backends[self.current_account][self.region]
    application_name = self._get_param("applicationName")
    group_name = self._get_param("deploymentGroupName")
    config_name = self._get_param("deploymentConfigName")
    revision = self._get_param("revision") or {}
    auto_rollback = self._get_param("autoRollbackConfiguration")
    group = backend.get_deployment_group(application_name, group_name)
    with _lock:
        for other in _deployments.values():
            if (
                other.account == self.current_account
                and other.region == self.region
                and other.application == application_name
                and other.group_name == group_name
                and other.status in ACTIVE_STATUSES
            ):
                raise CodeDeployApiError(
                    "DeploymentLimitExceededException",
                    f"The Deployment Group '{group_name}' already has an active Deployment "
                    f"'{other.deployment_id}'",
                )
        effective_config = config_name or group.deployment_config_name or DEFAULT_ECS_CONFIG
        routing = ECS_DEPLOYMENT_CONFIGS.get(effective_config)
        if routing is None:
            raise CodeDeployApiError(
                "DeploymentConfigDoesNotExistException",
                f"No deployment configuration found for name: {effective_config} "
                f"(known ECS configs: {sorted(ECS_DEPLOYMENT_CONFIGS)})",
            )
        if not revision:
            raise CodeDeployApiError(
                "RevisionRequiredException", "The revision ID was not specified."
            )
        moto_id = backend.create_deployment(
            application_name=application_name,
            deployment_group_name=group_name,
            revision=revision,
            deployment_config_name=effective_config,
            description=self._get_param("description"),
            auto_rollback_configuration=auto_rollback,
        )
        info = backend.deployments.pop(moto_id)
        deployment_id = _new_deployment_id()
        while deployment_id in backend.deployments:
            deployment_id = _new_deployment_id()
        info.deployment_id = deployment_id
        create_time = datetime.fromtimestamp(runtime.clock.now(), UTC)
        info.create_time = create_time
        backend.deployments[deployment_id] = info
        dep = _Deployment(
            deployment_id=deployment_id,
            account=self.current_account,
            region=self.region,
            application=application_name,
            group_name=group_name,
            group_id=group.deployment_group_id,
            application_arn=backend._application_arn(application_name),
            group_arn=backend._deployment_group_arn(application_name, group_name),
            config_name=effective_config,
            routing=routing,
            auto_rollback=dict(auto_rollback or group.auto_rollback_configuration or {}),
            blue_green=dict(group.blue_green_deployment_configuration or {}),
            load_balancer_info=dict(group.load_balancer_info or {}),
            ecs_services=list(group.ecs_services or []),
            revision=dict(revision),
            info=info,
            create_time=create_time,
            lifecycle={
                name: {"status": "Pending", "startTime": None, "endTime": None}
                for name in ECS_LIFECYCLE
            },
        )
        _deployments[deployment_id] = dep
    runtime.clock.call_later(0, lambda: _run(dep), name=f"codedeploy-{deployment_id}")
    return ActionResult({"deploymentId": deployment_id})


def _get_deployment(self: Any) -> ActionResult:
    deployment_id = self._get_param("deploymentId")
    with _lock:
        dep = _deployments.get(deployment_id)
    if dep is None:
        backend = codedeploy_backends[self.current_account][self.region]
        return ActionResult(
            {"deploymentInfo": _deployment_info(backend.get_deployment(deployment_id))}
        )
    return ActionResult({"deploymentInfo": _info(dep)})


def _batch_get_deployments(self: Any) -> ActionResult:
    backend = codedeploy_backends[self.current_account][self.region]
    infos: list[dict[str, Any]] = []
    for deployment_id in self._get_param("deploymentIds") or []:
        with _lock:
            dep = _deployments.get(deployment_id)
        if dep is not None:
            infos.append(_info(dep))
        elif deployment_id in backend.deployments:
            infos.append(_deployment_info(backend.deployments[deployment_id]))
    return ActionResult({"deploymentsInfo": infos})


def _continue_deployment(self: Any) -> ActionResult:
    dep = _lookup(self, self._get_param("deploymentId"))
    wait_type = self._get_param("deploymentWaitType") or "READY_WAIT"
    if wait_type not in ("READY_WAIT", "TERMINATION_WAIT"):
        raise CodeDeployApiError(
            "InvalidDeploymentWaitTypeException",
            f"The wait type {wait_type!r} is invalid; use READY_WAIT or TERMINATION_WAIT.",
        )
    with _lock:
        if dep.status in TERMINAL_STATUSES:
            raise CodeDeployApiError(
                "DeploymentAlreadyCompletedException",
                f"The deployment {dep.deployment_id} has already completed ({dep.status}).",
            )
        if dep.wait_state != wait_type or dep.stop_rollback is not None:
            raise CodeDeployApiError(
                "DeploymentIsNotInReadyStateException",
                f"The deployment {dep.deployment_id} is not waiting for {wait_type} "
                f"(status {dep.status}, wait state {dep.wait_state or 'none'}).",
            )
        dep.continued.add(wait_type)
    dep.changed.set()
    return ActionResult({})


def _stop_deployment(self: Any) -> ActionResult:
    dep = _lookup(self, self._get_param("deploymentId"))
    requested = self._get_bool_param("autoRollbackEnabled")
    with _lock:
        if dep.status in TERMINAL_STATUSES:
            raise CodeDeployApiError(
                "DeploymentAlreadyCompletedException",
                f"The deployment {dep.deployment_id} has already completed ({dep.status}).",
            )
        rollback = (
            bool(requested)
            if requested is not None
            else _rollback_enabled(dep, "DEPLOYMENT_STOP_ON_REQUEST")
        )
        if dep.stop_rollback is None:
            dep.stop_rollback = rollback
    dep.changed.set()
    message = (
        "Stopping Pending. Stopping to deploy the application revision and rolling back "
        "traffic to the original task set."
        if rollback
        else "Stopping Pending. Stopping to deploy the application revision."
    )
    return ActionResult({"status": "Pending", "statusMessage": message})


def _put_lifecycle_event_hook_execution_status(self: Any) -> ActionResult:
    dep = _lookup(self, self._get_param("deploymentId"))
    execution_id = self._get_param("lifecycleEventHookExecutionId")
    status = self._get_param("status")
    if status not in ("Succeeded", "Failed"):
        raise CodeDeployApiError(
            "InvalidLifecycleEventHookExecutionStatusException",
            f"The status {status!r} is invalid: a hook reports Succeeded or Failed.",
        )
    with _lock:
        hook = dep.hooks.get(execution_id or "")
        if hook is None:
            raise CodeDeployApiError(
                "InvalidLifecycleEventHookExecutionIdException",
                f"The lifecycle event hook execution ID {execution_id!r} is not valid for "
                f"deployment {dep.deployment_id}.",
            )
        if hook.status != "Pending" or hook.closed:
            raise CodeDeployApiError(
                "LifecycleEventAlreadyCompletedException",
                f"The {hook.event} lifecycle event of deployment {dep.deployment_id} has already "
                f"completed (execution {execution_id}).",
            )
        hook.status = status
    dep.changed.set()
    return ActionResult({"lifecycleEventHookExecutionId": execution_id})


def _list_deployment_targets(self: Any) -> ActionResult:
    dep = _lookup(self, self._get_param("deploymentId"))
    _require_started(dep)
    wanted: list[str] | None = None
    for name, values in (self._get_param("targetFilters") or {}).items():
        if name != "TargetStatus":
            if name == "ServerInstanceLabel":
                continue
            raise CodeDeployApiError(
                "InvalidTargetFilterNameException", f"The target filter name {name!r} is invalid."
            )
        wanted = list(values or [])
    ids = [] if wanted is not None and dep.target_status not in wanted else [_target_id(dep)]
    return ActionResult({"targetIds": ids})


def _target_or_error(dep: _Deployment, target_id: str | None) -> dict[str, Any]:
    if not target_id:
        raise CodeDeployApiError(
            "DeploymentTargetIdRequiredException", "A deployment target ID was not provided."
        )
    if target_id != _target_id(dep):
        raise CodeDeployApiError(
            "DeploymentTargetDoesNotExistException",
            f"The deployment target {target_id} does not exist in deployment {dep.deployment_id}.",
        )
    return _ecs_target(dep)


def _get_deployment_target(self: Any) -> ActionResult:
    dep = _lookup(self, self._get_param("deploymentId"))
    _require_started(dep)
    target = _target_or_error(dep, self._get_param("targetId"))
    return ActionResult({"deploymentTarget": target})


def _batch_get_deployment_targets(self: Any) -> ActionResult:
    dep = _lookup(self, self._get_param("deploymentId"))
    _require_started(dep)
    ids = self._get_param("targetIds") or []
    if not ids:
        raise CodeDeployApiError(
            "DeploymentTargetIdRequiredException", "A deployment target ID was not provided."
        )
    return ActionResult({"deploymentTargets": [_target_or_error(dep, i) for i in ids]})


def _get_deployment_config(self: Any) -> ActionResult:
    name = self._get_param("deploymentConfigName")
    routing = ECS_DEPLOYMENT_CONFIGS.get(name or "")
    if routing is None:
        raise CodeDeployApiError(
            "DeploymentConfigDoesNotExistException",
            f"No deployment configuration found for name: {name}",
        )
    return ActionResult(
        {
            "deploymentConfigInfo": {
                "deploymentConfigId": str(uuid.uuid5(uuid.NAMESPACE_URL, name or "")),
                "deploymentConfigName": name,
                "minimumHealthyHosts": {"type": "FLEET_PERCENT", "value": 0},
                "createTime": datetime(2018, 11, 27, tzinfo=UTC),
                "computePlatform": "ECS",
                "trafficRoutingConfig": routing.as_config(),
            }
        }
    )


_PATCHES: Final[dict[str, Callable[[Any], ActionResult]]] = {
    "create_deployment": _create_deployment,
    "get_deployment": _get_deployment,
    "batch_get_deployments": _batch_get_deployments,
    "continue_deployment": _continue_deployment,
    "stop_deployment": _stop_deployment,
    "put_lifecycle_event_hook_execution_status": _put_lifecycle_event_hook_execution_status,
    "list_deployment_targets": _list_deployment_targets,
    "get_deployment_target": _get_deployment_target,
    "batch_get_deployment_targets": _batch_get_deployment_targets,
    "get_deployment_config": _get_deployment_config,
}


def install() -> None:
    """Patch moto's CodeDeploy (and ELBv2 target health) responses; idempotent."""
    elb_health.install()
    with _lock:
        if "codedeploy" in _installed:
            return
        for name, method in _PATCHES.items():
            setattr(CodeDeployResponse, name, method)
        _installed.add("codedeploy")


def reset() -> None:
    """Abort running lifecycles and forget every emulated deployment and fake target."""
    with _lock:
        running = list(_deployments.values())
        _deployments.clear()
    for dep in running:
        dep.aborted = True
        dep.changed.set()
    elb_health.reset()
