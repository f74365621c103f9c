"""CodeDeploy: deployment status, the group's termination wait, hook answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from turnout.adapters.aws import ServiceAdapter, error_code
from turnout.errors import DeploymentFailed

if TYPE_CHECKING:
    from mypy_boto3_codedeploy import CodeDeployClient

_UNKNOWN_DEPLOYMENT = ("DeploymentDoesNotExistException", "InvalidDeploymentIdException")


class CodeDeploy(ServiceAdapter["CodeDeployClient"]):
    aws_service = "codedeploy"

    def __init__(
        self, application: str, group: str, client: CodeDeployClient | None = None
    ) -> None:
        self.application = application
        self.group = group
        super().__init__(client)

    def status(self, deployment_id: str) -> str:
        try:
            info = self.api.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        except Exception as exc:
            if error_code(exc) in _UNKNOWN_DEPLOYMENT:
                message = f"deployment {deployment_id} does not exist in CodeDeploy"
                raise DeploymentFailed(message) from None
            raise
        return str(info.get("status", ""))

    def termination_wait_minutes(self) -> int | None:
        """The group's blue/green termination wait, or None when the original is kept."""
        info = self.api.get_deployment_group(
            applicationName=self.application, deploymentGroupName=self.group
        )["deploymentGroupInfo"]
        terminate = info.get("blueGreenDeploymentConfiguration", {}).get(
            "terminateBlueInstancesOnDeploymentSuccess", {}
        )
        if terminate.get("action", "TERMINATE") != "TERMINATE":
            return None
        return int(terminate.get("terminationWaitTimeInMinutes", 0))

    def ready_action_on_timeout(self) -> str:
        """The group's ``deploymentReadyOption.actionOnTimeout`` (CONTINUE_DEPLOYMENT if unset)."""
        info = self.api.get_deployment_group(
            applicationName=self.application, deploymentGroupName=self.group
        )["deploymentGroupInfo"]
        ready = info.get("blueGreenDeploymentConfiguration", {}).get("deploymentReadyOption", {})
        return str(ready.get("actionOnTimeout", "CONTINUE_DEPLOYMENT"))

    def rolls_back_on_failure(self) -> bool:
        """Whether the group's autoRollbackConfiguration rolls a failed deployment back."""
        info = self.api.get_deployment_group(
            applicationName=self.application, deploymentGroupName=self.group
        )["deploymentGroupInfo"]
        config = info.get("autoRollbackConfiguration", {})
        return bool(config.get("enabled")) and "DEPLOYMENT_FAILURE" in config.get("events", [])

    def answer_hook(self, deployment_id: str, hook_execution_id: str, succeeded: bool) -> None:
        self.api.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment_id,
            lifecycleEventHookExecutionId=hook_execution_id,
            status="Succeeded" if succeeded else "Failed",
        )
