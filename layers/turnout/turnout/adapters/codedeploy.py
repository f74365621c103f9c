"""CodeDeploy: deployments (status, group, rollback), the group's termination wait, the ECS
target's lifecycle events, hook answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from turnout.adapters.aws import ServiceAdapter, error_code
from turnout.errors import ConfigError, DeploymentFailed

if TYPE_CHECKING:
    from mypy_boto3_codedeploy import CodeDeployClient


@dataclass(frozen=True)
class GroupSettings:
    """What a deployment group's DeploymentGroupInfo says about a blue/green deployment (API
    Reference, GetDeploymentGroup)."""

    #: terminateBlueInstancesOnDeploymentSuccess: its wait, or None when KEEP_ALIVE.
    termination_wait_minutes: int | None
    #: deploymentReadyOption.actionOnTimeout (CONTINUE_DEPLOYMENT when unset).
    ready_action_on_timeout: str
    #: autoRollbackConfiguration enabled with DEPLOYMENT_FAILURE among its events.
    rolls_back_on_failure: bool

    @classmethod
    def of(cls, info: Mapping[str, Any]) -> GroupSettings:
        blue_green = info.get("blueGreenDeploymentConfiguration", {})
        terminate = blue_green.get("terminateBlueInstancesOnDeploymentSuccess", {})
        keeps = terminate.get("action", "TERMINATE") != "TERMINATE"
        rollback = info.get("autoRollbackConfiguration", {})
        return cls(
            termination_wait_minutes=None
            if keeps
            else int(terminate.get("terminationWaitTimeInMinutes", 0)),
            ready_action_on_timeout=str(
                blue_green.get("deploymentReadyOption", {}).get(
                    "actionOnTimeout", "CONTINUE_DEPLOYMENT"
                )
            ),
            rolls_back_on_failure=bool(rollback.get("enabled"))
            and "DEPLOYMENT_FAILURE" in rollback.get("events", []),
        )


_UNKNOWN_DEPLOYMENT = ("DeploymentDoesNotExistException", "InvalidDeploymentIdException")
#: PutLifecycleEventHookExecutionStatus on a hook already answered (or timed out): API
#: Reference, PutLifecycleEventHookExecutionStatus, Errors.
_ALREADY_COMPLETED = "LifecycleEventAlreadyCompletedException"


@dataclass(frozen=True)
class Deployment:
    """What GetDeployment says about a deployment (API Reference, DeploymentInfo)."""

    deployment_id: str
    status: str
    application: str
    group: str
    #: RollbackInfo.rollbackDeploymentId: the separate deployment that rolls this one back.
    rollback_deployment_id: str | None = None


class CodeDeploy(ServiceAdapter["CodeDeployClient"]):
    aws_service = "codedeploy"

    def __init__(
        self, application: str, group: str, client: CodeDeployClient | None = None
    ) -> None:
        self.application = application
        self.group = group
        super().__init__(client)

    def deployment(self, deployment_id: str) -> Deployment:
        try:
            info = self.api.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        except Exception as exc:
            if error_code(exc) in _UNKNOWN_DEPLOYMENT:
                message = f"deployment {deployment_id} does not exist in CodeDeploy"
                raise DeploymentFailed(message) from None
            raise
        rollback = info.get("rollbackInfo") or {}
        return Deployment(
            deployment_id=deployment_id,
            status=str(info.get("status", "")),
            application=str(info.get("applicationName", "")),
            group=str(info.get("deploymentGroupName", "")),
            rollback_deployment_id=rollback.get("rollbackDeploymentId") or None,
        )

    def status(self, deployment_id: str) -> str:
        return self.deployment(deployment_id).status

    def _names(self) -> tuple[str, str]:
        """The application and group (empty only under DeploymentEngine=ecs, which never
        calls CodeDeploy: a ConfigError names the parameters otherwise)."""
        if not self.application or not self.group:
            raise ConfigError(
                "CodeDeployApplication and DeploymentGroupName are empty: DeploymentEngine "
                "codedeploy needs both (the CodeDeploy application and deployment group)"
            )
        return self.application, self.group

    def is_ours(self, deployment: Deployment) -> bool:
        """True when the deployment belongs to this stack's application and group."""
        return (deployment.application, deployment.group) == self._names()

    def lifecycle_event_status(self, deployment_id: str, event: str) -> str | None:
        """The status of lifecycle event ``event`` on the deployment's ECS target (an ECS
        deployment has one target: ListDeploymentTargets, then GetDeploymentTarget), or None
        when the target does not list it."""
        target_ids = self.api.list_deployment_targets(deploymentId=deployment_id).get(
            "targetIds", []
        )
        for target_id in target_ids:
            target = self.api.get_deployment_target(deploymentId=deployment_id, targetId=target_id)[
                "deploymentTarget"
            ]
            for lifecycle in target.get("ecsTarget", {}).get("lifecycleEvents", []):
                if lifecycle.get("lifecycleEventName") == event:
                    return str(lifecycle.get("status", ""))
        return None

    def group_settings(self) -> GroupSettings:
        """The group's settings a deployment depends on, from one GetDeploymentGroup."""
        application, group = self._names()
        info = self.api.get_deployment_group(
            applicationName=application, deploymentGroupName=group
        )["deploymentGroupInfo"]
        return GroupSettings.of(info)

    def termination_wait_minutes(self) -> int | None:
        """The group's blue/green termination wait, or None when the original is kept."""
        return self.group_settings().termination_wait_minutes

    def rolls_back_on_failure(self) -> bool:
        """Whether the group's autoRollbackConfiguration rolls a failed deployment back."""
        return self.group_settings().rolls_back_on_failure

    def answer_hook(self, deployment_id: str, hook_execution_id: str, succeeded: bool) -> bool:
        """Answer the hook; False when it was already answered (a duplicate delivery)."""
        try:
            self.api.put_lifecycle_event_hook_execution_status(
                deploymentId=deployment_id,
                lifecycleEventHookExecutionId=hook_execution_id,
                status="Succeeded" if succeeded else "Failed",
            )
        except Exception as exc:
            if error_code(exc) == _ALREADY_COMPLETED:
                return False
            raise
        return True
