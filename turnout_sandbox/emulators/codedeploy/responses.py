"""The CodeDeploy API actions the emulator serves, as methods of moto's ``CodeDeployResponse``.

Each reads its request parameters, asks the account/region's
:class:`~.models.CodeDeployEmulatorBackend` and renders the answer; the package's
``PATCHES`` put them on ``moto.codedeploy.responses.CodeDeployResponse``, so they serve boto3
under ``mock_aws()``, the moto server and Step Functions ``aws-sdk:codedeploy:*`` tasks alike.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult

from turnout_sandbox.emulators.codedeploy import lifecycle, render
from turnout_sandbox.emulators.codedeploy.exceptions import CodeDeployApiError
from turnout_sandbox.emulators.codedeploy.models import (
    CodeDeployEmulatorBackend,
    codedeploy_emulator_backends,
    require_started,
)
from turnout_sandbox.emulators.codedeploy.traffic import deployment_config_info
from turnout_sandbox.runtime import get_runtime


def _backend(self: Any) -> CodeDeployEmulatorBackend:
    return codedeploy_emulator_backends[self.current_account][self.region]


def create_deployment(self: Any) -> ActionResult:
    get_runtime()  # the lifecycle needs the sandbox's clock: fail before recording anything
    dep = _backend(self).create_deployment(
        application_name=self._get_param("applicationName"),
        group_name=self._get_param("deploymentGroupName"),
        config_name=self._get_param("deploymentConfigName"),
        revision=self._get_param("revision") or {},
        description=self._get_param("description"),
        auto_rollback=self._get_param("autoRollbackConfiguration"),
    )
    lifecycle.start(dep)
    return ActionResult({"deploymentId": dep.deployment_id})


def get_deployment(self: Any) -> ActionResult:
    deployment_id = self._get_param("deploymentId")
    backend = _backend(self)
    dep = backend.get(deployment_id)
    if dep is None:
        info = render.moto_deployment_info(backend.moto.get_deployment(deployment_id))
        return ActionResult({"deploymentInfo": info})
    return ActionResult({"deploymentInfo": render.deployment_info(dep)})


def batch_get_deployments(self: Any) -> ActionResult:
    backend = _backend(self)
    infos: list[dict[str, Any]] = []
    for deployment_id in self._get_param("deploymentIds") or []:
        dep = backend.get(deployment_id)
        if dep is not None:
            infos.append(render.deployment_info(dep))
        else:
            infos += map(
                render.moto_deployment_info, backend.moto.batch_get_deployments([deployment_id])
            )
    return ActionResult({"deploymentsInfo": infos})


def continue_deployment(self: Any) -> ActionResult:
    _backend(self).continue_deployment(
        self._get_param("deploymentId"), self._get_param("deploymentWaitType") or "READY_WAIT"
    )
    return ActionResult({})


def stop_deployment(self: Any) -> ActionResult:
    rollback = _backend(self).stop_deployment(
        self._get_param("deploymentId"), self._get_bool_param("autoRollbackEnabled")
    )
    message = (
        "Stopping Pending. Stopping to deploy the application revision and rolling back "
        "traffic to the original task set."
        if rollback
        else "Stopping Pending. Stopping to deploy the application revision."
    )
    return ActionResult({"status": "Pending", "statusMessage": message})


def put_lifecycle_event_hook_execution_status(self: Any) -> ActionResult:
    execution_id = self._get_param("lifecycleEventHookExecutionId")
    _backend(self).put_hook_status(
        self._get_param("deploymentId"), execution_id, self._get_param("status")
    )
    return ActionResult({"lifecycleEventHookExecutionId": execution_id})


def list_deployment_targets(self: Any) -> ActionResult:
    ids = _backend(self).list_deployment_targets(
        self._get_param("deploymentId"), self._get_param("targetFilters") or {}
    )
    return ActionResult({"targetIds": ids})


def get_deployment_target(self: Any) -> ActionResult:
    dep = _backend(self).lookup(self._get_param("deploymentId"))
    require_started(dep)
    target = render.ecs_target_named(dep, self._get_param("targetId"))
    return ActionResult({"deploymentTarget": target})


def batch_get_deployment_targets(self: Any) -> ActionResult:
    dep = _backend(self).lookup(self._get_param("deploymentId"))
    require_started(dep)
    ids = self._get_param("targetIds") or []
    if not ids:
        raise CodeDeployApiError(
            "DeploymentTargetIdRequiredException", "A deployment target ID was not provided."
        )
    return ActionResult({"deploymentTargets": [render.ecs_target_named(dep, i) for i in ids]})


def get_deployment_config(self: Any) -> ActionResult:
    info = deployment_config_info(self._get_param("deploymentConfigName"))
    return ActionResult({"deploymentConfigInfo": info})
