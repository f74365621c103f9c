"""``States.ALL`` does not match the terminal errors, as on AWS.

AWS Step Functions Developer Guide, "Handling errors in Step Functions workflows": "The
``States.ALL`` error type ... can't catch the ``States.DataLimitExceeded`` terminal error or
``Runtime`` error types". moto's interpreter matched every error with ``States.ALL``, so a
state whose result passed the 256 KiB payload quota was caught by the deploy machine's
``Catch: [States.ALL]`` in the sandbox, while in AWS the execution fails there and then
(aws-fidelity row 42). The same rule holds for Retry (one ErrorEquals evaluation serves both).
"""

from __future__ import annotations

from typing import Any, Final

from turnout_sandbox.emulators.stepfunctions.wrapping import wraps_upstream
from turnout_sandbox.patches import AttributePatch

__all__ = ["PATCHES", "TERMINAL_ERRORS"]

#: The error names ``States.ALL`` leaves alone.
TERMINAL_ERRORS: Final = frozenset({"States.DataLimitExceeded", "States.Runtime"})


@wraps_upstream(
    "moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl:ErrorEqualsDecl",
    "_eval_body",
    name="stepfunctions.states-all-spares-terminal-errors",
    why="States.ALL does not catch or retry States.DataLimitExceeded or States.Runtime "
    "(AWS: terminal errors); moto's States.ALL matched every error",
)
def _eval_body(self: Any, env: Any) -> None:
    # ErrorEquals ["States.ALL"] (moto refuses States.ALL beside other names, as AWS does).
    error_name = env.stack[-1] if env.stack else None
    catches_all = any(name.error_name == "States.ALL" for name in self.error_names)
    if catches_all and getattr(error_name, "error_name", None) in TERMINAL_ERRORS:
        env.stack.pop()
        env.stack.append(False)
        return
    _eval_body.call_upstream(self, env)


PATCHES: Final[tuple[AttributePatch, ...]] = (_eval_body,)
