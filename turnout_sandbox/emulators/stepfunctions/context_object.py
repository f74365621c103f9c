"""The context object: ``$$.Execution.StartTime`` as AWS gives it.

AWS shows the execution's start as ISO-8601 UTC with milliseconds
(``2019-03-26T20:14:13.192Z``,
https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html); moto
put a ``datetime`` object there that crashed ``describe_execution``. It is read from the
virtual clock when the execution's evaluation environment is built.
"""

from __future__ import annotations

from typing import Any, Final

from turnout_sandbox.emulators.stepfunctions.virtual_time import _now, iso_timestamp
from turnout_sandbox.emulators.stepfunctions.wrapping import wraps_upstream
from turnout_sandbox.patches import AttributePatch

__all__ = ["PATCHES"]


@wraps_upstream(
    "moto.stepfunctions.parser.backend.execution_worker:ExecutionWorker",
    "_get_evaluation_environment",
    name="stepfunctions.context_start_time",
    why="$$.Execution.StartTime is an ISO-8601 UTC string with milliseconds, on the virtual "
    "clock (moto put a datetime there that crashed describe_execution)",
)
def _get_evaluation_environment(self: Any) -> Any:
    env = _get_evaluation_environment.call_upstream(self)
    execution = env.states.context_object.context_object_data["Execution"]
    execution["StartTime"] = iso_timestamp(_now())
    return env


PATCHES: Final[tuple[AttributePatch, ...]] = (_get_evaluation_environment,)
