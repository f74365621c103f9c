"""The moto ECS handler methods the emulator replaces or adds, thin: they read the request,
check it like AWS and hand the work to :mod:`.control`; and :data:`PATCHES` /
:data:`INTERNALS`.

They patch moto's ``EC2ContainerServiceResponse`` (the handler), so boto3 under ``mock_aws``,
the moto server and Step Functions ``aws-sdk:ecs:*`` tasks all see the same behaviour. A
service whose ``deploymentConfiguration.strategy`` is not BLUE_GREEN, LINEAR or CANARY (a
ROLLING or a CODE_DEPLOY service) is left to moto untouched.
"""

from __future__ import annotations

from typing import Any, Final

from moto.core.responses import ActionResult
from moto.ecs.responses import EC2ContainerServiceResponse

from turnout_sandbox.emulators.ecs_bluegreen import control, resources
from turnout_sandbox.emulators.ecs_bluegreen.config import (
    BLUE_GREEN_STRATEGIES,
    BlueGreenConfig,
    ConfigError,
    parse_config,
)
from turnout_sandbox.emulators.ecs_bluegreen.models import LOCK, emulator_backend
from turnout_sandbox.patches import AttributePatch, Internal

__all__ = ["INTERNALS", "PATCHES"]

#: moto's own handlers, captured before any patch: the emulated ones call them.
_MOTO_CREATE_SERVICE: Final = EC2ContainerServiceResponse.create_service
_MOTO_UPDATE_SERVICE: Final = EC2ContainerServiceResponse.update_service


def _config(deployment_configuration: Any, lbs: Any, controller: str) -> BlueGreenConfig:
    try:
        return parse_config(deployment_configuration, list(lbs or []), controller)
    except ConfigError as exc:
        raise control.EcsApiError("InvalidParameterException", str(exc)) from exc


def _backend(self: EC2ContainerServiceResponse) -> Any:
    return emulator_backend(self.current_account, self.region)


# ---------------------------------------------------------------------------- services
def _create_service(self: EC2ContainerServiceResponse) -> ActionResult:
    """CreateService: a blue/green-family service is validated, created by moto, and its
    first service deployment starts (service-deployment.html: creating a service creates a
    service deployment)."""
    deployment_configuration = self._get_param("deploymentConfiguration") or {}
    if deployment_configuration.get("strategy") not in BLUE_GREEN_STRATEGIES:
        return _MOTO_CREATE_SERVICE(self)
    controller = (self._get_param("deploymentController") or {}).get("type") or "ECS"
    config = _config(deployment_configuration, self._get_param("loadBalancers"), controller)
    result = _MOTO_CREATE_SERVICE(self)
    service = resources.ecs_service(
        self.current_account,
        self.region,
        self._get_param("cluster", "default"),
        self._get_param("serviceName"),
    )
    with LOCK:
        service.deployment_configuration = dict(deployment_configuration)
    _current(service, control.start_deployment(_backend(self), service, config).arn)
    return result


def _current(service: Any, deployment_arn: str) -> None:
    """botocore model, Service.currentServiceDeployment: "The ARN of the current service
    deployment" (DescribeServices, CreateService and UpdateService answer it)."""
    with LOCK:
        service.current_service_deployment = deployment_arn


def _update_service(self: EC2ContainerServiceResponse) -> ActionResult:
    """UpdateService: on a blue/green-family service, a new task definition, a forced new
    deployment or new load balancers / network configuration start a service deployment
    with the (new) configuration (service-deployment.html)."""
    cluster = self._get_param("cluster", "default")
    service = resources.ecs_service(
        self.current_account, self.region, cluster, str(self._get_param("service"))
    )
    backend = _backend(self)
    with LOCK:
        tracked = backend.services.get(service.arn)
    requested = self._get_param("deploymentConfiguration")
    if requested is not None and requested.get("strategy") not in BLUE_GREEN_STRATEGIES:
        with LOCK:  # back to ROLLING (or never blue/green): moto's own behaviour
            backend.services.pop(service.arn, None)
        return _MOTO_UPDATE_SERVICE(self)
    if tracked is None and requested is None:
        return _MOTO_UPDATE_SERVICE(self)
    deployment_configuration = requested if requested is not None else dict(tracked.config.raw)
    lbs = self._get_param("loadBalancers")
    controller = str((service.deployment_controller or {}).get("type") or "ECS")
    config = _config(
        deployment_configuration,
        lbs if lbs is not None else service.load_balancers,
        controller,
    )
    before = str(service.task_definition)
    result = _MOTO_UPDATE_SERVICE(self)
    task_definition = self._get_param("taskDefinition")
    with LOCK:
        if task_definition:  # moto keeps the request's string; ECS answers the full ARN
            service.task_definition = self.ecs_backend.describe_task_definition(task_definition).arn
        service.deployment_configuration = dict(deployment_configuration)
        if tracked is not None:
            tracked.config = config
    new_deployment = (
        tracked is None
        or str(service.task_definition) != before
        or bool(self._get_param("forceNewDeployment"))
        or lbs is not None
        or self._get_param("networkConfiguration") is not None
    )
    if new_deployment:
        _current(service, control.start_deployment(backend, service, config).arn)
    return result


# ---------------------------------------------------------------------------- deployments
def _list_service_deployments(self: EC2ContainerServiceResponse) -> ActionResult:
    service = resources.ecs_service(
        self.current_account,
        self.region,
        self._get_param("cluster", "default"),
        str(self._get_param("service")),
    )
    briefs, token = control.list_deployments(
        _backend(self),
        service.arn,
        statuses=self._get_param("status") or [],
        created_at=self._get_param("createdAt"),
        max_results=self._get_param("maxResults"),
        next_token=self._get_param("nextToken"),
    )
    body: dict[str, Any] = {"serviceDeployments": briefs}
    if token:
        body["nextToken"] = token
    return ActionResult(body)


def _describe_service_deployments(self: EC2ContainerServiceResponse) -> ActionResult:
    found, failures = control.describe_deployments(self._get_param("serviceDeploymentArns") or [])
    return ActionResult({"serviceDeployments": found, "failures": failures})


def _describe_service_revisions(self: EC2ContainerServiceResponse) -> ActionResult:
    found, failures = control.describe_revisions(self._get_param("serviceRevisionArns") or [])
    return ActionResult({"serviceRevisions": found, "failures": failures})


def _continue_service_deployment(self: EC2ContainerServiceResponse) -> ActionResult:
    arn = control.continue_deployment(
        self._get_param("serviceDeploymentArn"),
        self._get_param("hookId"),
        self._get_param("action"),
    )
    return ActionResult({"serviceDeploymentArn": arn})


def _stop_service_deployment(self: EC2ContainerServiceResponse) -> ActionResult:
    arn = control.stop_deployment(
        self._get_param("serviceDeploymentArn"), self._get_param("stopType")
    )
    return ActionResult({"serviceDeploymentArn": arn})


# ---------------------------------------------------------------------------- the patches
_HANDLER: Final = "moto.ecs.responses:EC2ContainerServiceResponse"

#: Every moto handler the emulator replaces (must_exist) or adds (moto 5.2.5 lacks them).
PATCHES: Final[tuple[AttributePatch, ...]] = (
    AttributePatch(
        "ecs_bluegreen.handler.create_service",
        _HANDLER,
        "create_service",
        _create_service,
        "BLUE_GREEN / LINEAR / CANARY services: AWS's validation, a service revision and the "
        "first service deployment (moto ignores deploymentConfiguration)",
    ),
    AttributePatch(
        "ecs_bluegreen.handler.update_service",
        _HANDLER,
        "update_service",
        _update_service,
        "a new task definition on a blue/green-family service starts a service deployment "
        "(hooks, traffic steps on the listener rules, bake, cleanup or rollback)",
    ),
    AttributePatch(
        "ecs_bluegreen.handler.list_service_deployments",
        _HANDLER,
        "list_service_deployments",
        _list_service_deployments,
        "moto 5.2.5 has no ListServiceDeployments",
        must_exist=False,
    ),
    AttributePatch(
        "ecs_bluegreen.handler.describe_service_deployments",
        _HANDLER,
        "describe_service_deployments",
        _describe_service_deployments,
        "moto 5.2.5 has no DescribeServiceDeployments",
        must_exist=False,
    ),
    AttributePatch(
        "ecs_bluegreen.handler.describe_service_revisions",
        _HANDLER,
        "describe_service_revisions",
        _describe_service_revisions,
        "moto 5.2.5 has no DescribeServiceRevisions",
        must_exist=False,
    ),
    AttributePatch(
        "ecs_bluegreen.handler.continue_service_deployment",
        _HANDLER,
        "continue_service_deployment",
        _continue_service_deployment,
        "moto 5.2.5 has no ContinueServiceDeployment (PAUSE hooks)",
        must_exist=False,
    ),
    AttributePatch(
        "ecs_bluegreen.handler.stop_service_deployment",
        _HANDLER,
        "stop_service_deployment",
        _stop_service_deployment,
        "moto 5.2.5 has no StopServiceDeployment",
        must_exist=False,
    ),
)

#: The private moto names the emulator still reads.
INTERNALS: Final[tuple[Internal, ...]] = (
    Internal(
        "moto.core.responses:BaseResponse._get_param",
        "the ECS handlers read their request parameters like every moto handler: "
        "BaseResponse offers no public accessor",
    ),
)
