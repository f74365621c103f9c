"""Step Functions: resume waiting executions, start the next deploy."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from turnout.adapters.aws import ServiceAdapter, error_code

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient  # noqa: F401 (used in the quoted base class)

_GONE = ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken")


class StepFunctions(ServiceAdapter["SFNClient"]):
    aws_service = "stepfunctions"

    def succeed(self, token: str, output: dict[str, Any]) -> bool:
        """Resume the waiting task; False when it is no longer waiting."""
        try:
            self.api.send_task_success(taskToken=token, output=json.dumps(output))
        except Exception as exc:
            if error_code(exc) in _GONE:
                return False
            raise
        return True

    def fail(self, token: str, error: str, cause: str) -> bool:
        try:
            self.api.send_task_failure(taskToken=token, error=error[:256], cause=cause[:32768])
        except Exception as exc:
            if error_code(exc) in _GONE:
                return False
            raise
        return True

    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> str | None:
        """Start an execution (idempotent by name); None if it already exists."""
        try:
            arn: str = self.api.start_execution(
                stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload)
            )["executionArn"]
        except Exception as exc:
            if error_code(exc) == "ExecutionAlreadyExists":
                return None
            raise
        return arn
