"""SendTaskFailure keeps its ``cause``, as AWS does.

AWS Step Functions API reference, SendTaskFailure: ``error`` and ``cause`` ("A more detailed
explanation of the cause of the failure") both reach the task's failure, so a Catch's
``ResultPath`` holds ``{"Error", "Cause"}`` and the execution's ``cause`` is the sender's.
moto's handler passed only ``error``: the deploy machine recorded a failed CodeDeploy
deployment's cause as ``None``.
"""

from __future__ import annotations

from typing import Any, Final

from moto.core.responses import EmptyResult

from turnout_sandbox.patches import AttributePatch, replaces

__all__ = ["PATCHES"]


@replaces(
    "moto.stepfunctions.responses:StepFunctionResponse",
    "send_task_failure",
    name="stepfunctions.send-task-failure-cause",
    why="SendTaskFailure's cause reaches the task's failure (moto passed only the error)",
)
def send_task_failure(self: Any) -> Any:
    self.stepfunction_backend.send_task_failure(
        self._get_param("taskToken"),
        error=self._get_param("error"),
        cause=self._get_param("cause"),
    )
    return EmptyResult()


PATCHES: Final[tuple[AttributePatch, ...]] = (send_task_failure,)
