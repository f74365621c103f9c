"""Step Functions: resume waiting executions, start the next deploy."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from turnout.adapters.aws import ServiceAdapter, error_code

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient  # noqa: F401 (used in the quoted base class)

_GONE = ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken")

#: DescribeExecution ``status`` values of an execution that has ended (Step Functions API
#: Reference, DescribeExecution: RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED |
#: PENDING_REDRIVE; a redrive in progress is not an end).
ENDED = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN of the execution ``name`` of a standard state machine
    (``arn:<partition>:states:<region>:<account>:execution:<machine>:<name>``)."""
    head, sep, machine = state_machine_arn.rpartition(":stateMachine:")
    return f"{head}:execution:{machine}:{name}" if sep else ""


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

    def status(self, arn: str) -> str | None:
        """The execution's status; None when Step Functions does not know it (yet)."""
        try:
            return str(self.api.describe_execution(executionArn=arn)["status"])
        except Exception as exc:
            if error_code(exc) in ("ExecutionDoesNotExist", "InvalidArn"):
                return None
            raise

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
