"""Teach moto 5.2.5's Amazon States Language interpreter what AWS Step Functions does.

The sandbox runs the product's real ASL files on moto's interpreter (ported from LocalStack,
``moto/stepfunctions/parser``). Where that interpreter deviates from AWS, this package
patches it (:data:`PATCHES`; ``install()`` applies them, idempotently; ``uninstall()``
restores moto; ``reset()`` clears our configuration). The ASL files are never bent to the
emulator. What is patched, and the AWS rule each patch implements, one module each:

1. :mod:`.virtual_time`: **time runs on the sandbox's virtual clock**, never on real sleeps
   (Wait, Retry intervals, task timeouts and heartbeats, ``$$.State.EnteredTime``; the
   CodeBuild ``.sync`` polling of :mod:`.tasks`).
2. :mod:`.context_object`: ``$$.Execution.StartTime`` is ISO-8601 UTC with milliseconds.
3. :mod:`.jsonpath`: **JSONPath** follows AWS (Jayway): a definite path yields the value.
4. :mod:`.shapes`: PascalCase parameters and results by botocore shape, and the
   **optimized integrations'** normalisers moto 5.2.5 ships as no-ops.
5. :mod:`.tasks`: the **aws-sdk integration** (service and member names and error names by
   :mod:`.sdk_names`) and the **optimized CodeBuild integration** with ``.sync``.
6. :mod:`.terminal_errors`: ``States.ALL`` never catches nor retries
   ``States.DataLimitExceeded`` or ``States.Runtime``.
7. :mod:`.callbacks`: SendTaskFailure keeps its ``cause``.
8. :mod:`.history`: GetExecutionHistory pages (``maxResults``, ``nextToken``), orders
   (``reverseOrder``) and trims (``includeExecutionData``) as AWS does.
9. :mod:`.parse_cache`: a definition is lexed and parsed once (its ANTLR tree kept per
   text); each execution still builds its own evaluation components from it.

Lambda ``FunctionError`` envelopes (``{"errorType", "errorMessage"}``) reach Retry/Catch by
``errorType`` in moto as on AWS; nothing to patch (tests prove it).

moto's interpreter is imported lazily (when a patch applies or runs), never at import time.
The emulator keeps no per-execution state (moto's backend holds the executions); its
settings are process-wide (:mod:`.models`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from turnout_sandbox.emulators.stepfunctions import (
    callbacks,
    context_object,
    history,
    jsonpath,
    parse_cache,
    shapes,
    tasks,
    terminal_errors,
    virtual_time,
)
from turnout_sandbox.emulators.stepfunctions.models import (
    DEFAULT_CODEBUILD_POLL_SECONDS,
    AwsSdkIntegrationError,
    ClientFactory,
    configure,
    reset,
)
from turnout_sandbox.emulators.stepfunctions.sdk_names import (
    sdk_error_service_name,
    sdk_member_name,
    sdk_service_to_boto,
)
from turnout_sandbox.emulators.stepfunctions.virtual_time import (
    _VirtualTimeoutEvent,
    iso_timestamp,
)
from turnout_sandbox.patches import AttributePatch, Internal

__all__ = [
    "DEFAULT_CODEBUILD_POLL_SECONDS",
    "INTERNALS",
    "PATCHES",
    "AwsSdkIntegrationError",
    "ClientFactory",
    "_VirtualTimeoutEvent",
    "configure",
    "install",
    "installed",
    "is_installed",
    "iso_timestamp",
    "reset",
    "sdk_error_service_name",
    "sdk_member_name",
    "sdk_service_to_boto",
    "uninstall",
]

#: Everything the emulator changes in moto's interpreter, in the order it applies.
PATCHES: Final[tuple[AttributePatch, ...]] = (
    *virtual_time.PATCHES,
    *context_object.PATCHES,
    *jsonpath.PATCHES,
    *shapes.PATCHES,
    *tasks.PATCHES,
    *terminal_errors.PATCHES,
    *callbacks.PATCHES,
    *history.PATCHES,
    *parse_cache.PATCHES,
)

_ASL: Final = "moto.stepfunctions.parser.asl"
_CALLBACK: Final = f"{_ASL}.eval.callback.callback"
_SERVICES: Final = f"{_ASL}.component.state.exec.state_task.service"

#: The private names of moto's interpreter the patches and Task classes read or override
#: (moto has no public extension point for any of them).
INTERNALS: Final[tuple[Internal, ...]] = (
    Internal(
        f"{_ASL}.component.state.wait.wait_function.timestamp:Timestamp._from_timestamp_string",
        "the Timestamp wait parses its timestamp as moto does",
    ),
    Internal(
        f"{_ASL}.component.state.wait.wait_function.timestamp:Timestamp._create_failure_event",
        "a bad Timestamp fails the state as moto does",
    ),
    Internal(
        f"{_CALLBACK}:HeartbeatEndpoint.__init__",
        "the virtual heartbeat wait reads what it sets: _mutex, _next_heartbeat_event, "
        "_heartbeat_seconds",
    ),
    Internal(
        f"{_CALLBACK}:CallbackEndpoint.__init__",
        "the virtual callback wait reads what it sets: _notify_event, _outcome",
    ),
    Internal(
        f"{_SERVICES}.state_task_service:StateTaskService._get_boto_service_name",
        "the optimized normalisers find the botocore service of a task",
    ),
    Internal(
        f"{_SERVICES}.state_task_service:StateTaskService._get_sfn_resource_type",
        "the CodeBuild .sync failure event names the task's resource type",
    ),
    Internal(
        f"{_SERVICES}.state_task_service:StateTaskService._eval_service_task",
        "AwsSdkTask and CodeBuildTask call the API themselves (names mapped by shape)",
    ),
    Internal(
        f"{_SERVICES}.state_task_service_aws_sdk:StateTaskServiceAwsSdk._from_error",
        "AwsSdkTask names ClientErrors <Service>.<Code>Exception and defers the rest",
    ),
    Internal(
        f"{_SERVICES}.state_task_service_aws_sdk:StateTaskServiceAwsSdk._get_task_failure_event",
        "AwsSdkTask builds its failure event as moto does",
    ),
    Internal(
        f"{_SERVICES}.state_task_service_callback:StateTaskServiceCallback._build_sync_resolver",
        "CodeBuildTask polls the build it started (.sync)",
    ),
    Internal(
        f"{_SERVICES}.state_task_service_callback:StateTaskServiceCallback._eval_sync",
        "CodeBuildTask waits for .sync on the virtual clock and stops the build when cut off",
    ),
    Internal(
        f"{_SERVICES}.state_task_service_callback:StateTaskServiceCallback._get_sfn_resource",
        "the CodeBuild .sync failure event names the task's resource",
    ),
    Internal(
        f"{_ASL}.component.state.exec.state_task.state_task:StateTask._get_supported_parameters",
        "CodeBuildTask accepts the PascalCase members of the CodeBuild API action",
    ),
)

_INSTALL_LOCK: Final = threading.Lock()


def is_installed() -> bool:
    """Whether any of :data:`PATCHES` is in force."""
    return any(patch.is_applied() for patch in PATCHES)


def install() -> None:
    """Apply :data:`PATCHES` to moto's ASL interpreter (idempotent)."""
    with _INSTALL_LOCK:
        for patch in PATCHES:
            patch.apply()


def uninstall() -> None:
    """Undo :data:`PATCHES`, newest first (the canary tests compare both behaviours)."""
    with _INSTALL_LOCK:
        for patch in reversed(PATCHES):
            patch.undo()


@contextmanager
def installed() -> Iterator[None]:
    """``install()`` for a block, then restore what was there before."""
    was = is_installed()
    install()
    try:
        yield
    finally:
        if not was:
            uninstall()
