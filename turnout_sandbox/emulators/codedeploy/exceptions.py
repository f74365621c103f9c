"""Errors of the CodeDeploy emulator: API errors as AWS serializes them, and the signals the
lifecycle runner raises inside itself (failure, stop, abort)."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError

__all__ = [
    "CodeDeployApiError",
    "DeploymentAborted",
    "DeploymentFailure",
    "DeploymentStopped",
    "UnknownDeploymentError",
]


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


class DeploymentFailure(Exception):
    """The deployment fails with ``errorInformation`` ``{code, message}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class DeploymentStopped(Exception):
    """StopDeployment was called: the lifecycle ends as ``Stopped``."""


class DeploymentAborted(Exception):
    """The emulator was reset: the lifecycle thread ends without touching anything."""
