"""The lifecycle runner: one background thread per deployment, in AWS's order.

BeforeInstall, Install (green task set), AfterInstall, AllowTestTraffic, AfterAllowTestTraffic,
the optional READY wait, BeforeAllowTraffic, AllowTraffic (the deployment config's steps),
AfterAllowTraffic, the termination wait, then blue is deleted (CodeDeploy User Guide,
"AppSpec 'hooks' section for an Amazon ECS deployment" and "Deployment configurations on an
Amazon ECS compute platform"). Hooks are invoked asynchronously through
``get_runtime().invoke_lambda`` and answered by PutLifecycleEventHookExecutionStatus; every
wait is virtual (``get_runtime().clock``). A failure or a stop ends the deployment through
:func:`.rollback.end_with_rollback` (a separate rollback deployment) when rollback applies;
state changes are put as EventBridge events (:mod:`.notify`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from turnout_sandbox.emulators.codedeploy.appspec import AppSpec, parse_appspec
from turnout_sandbox.emulators.codedeploy.exceptions import (
    DeploymentAborted,
    DeploymentFailure,
    DeploymentStopped,
)
from turnout_sandbox.emulators.codedeploy.models import (
    LOCK,
    Deployment,
    Hook,
    begin_event,
    end_event,
    log,
    new_execution_id,
    rollback_enabled,
    set_status,
    touch_target,
)
from turnout_sandbox.emulators.codedeploy.notify import (
    EVENT_DETAIL_TYPE,
    EVENT_SOURCE,
    begin,
    emit,
    finish,
)
from turnout_sandbox.emulators.codedeploy.rollback import end_with_rollback
from turnout_sandbox.emulators.codedeploy.service_role import authorize
from turnout_sandbox.emulators.codedeploy.taskset import (
    delete_task_set,
    install_green,
    make_primary,
    record_traffic,
    resolve_targets,
    route,
)
from turnout_sandbox.runtime import LambdaFunctionError, get_runtime, has_runtime

__all__ = ["EVENT_DETAIL_TYPE", "EVENT_SOURCE", "HOOK_TIMEOUT_SECONDS", "start"]

#: CodeDeploy waits this long (virtual seconds) for a hook's status callback.
HOOK_TIMEOUT_SECONDS: Final = 3600.0


def start(dep: Deployment) -> None:
    """Run the deployment's lifecycle on a background thread of the virtual clock."""
    get_runtime().clock.call_later(0, lambda: _run(dep), name=f"codedeploy-{dep.deployment_id}")


def _check(dep: Deployment, *, stoppable: bool = True) -> None:
    if dep.aborted:
        raise DeploymentAborted
    if stoppable and dep.stop_rollback is not None:
        raise DeploymentStopped


def _wait(
    dep: Deployment, done: Callable[[], bool], timeout: float | None, *, stoppable: bool = True
) -> bool:
    """Wait (virtual seconds) until ``done()``; False on timeout. Aborts interrupt, and so
    do stops unless ``stoppable`` is False (a pending hook: see :func:`_run_hook`)."""
    clock = get_runtime().clock
    deadline = None if timeout is None else clock.now() + timeout
    while True:
        dep.changed.clear()
        _check(dep, stoppable=stoppable)
        if done():
            return True
        remaining = 60.0 if deadline is None else deadline - clock.now()
        if remaining <= 0:
            return False
        clock.wait(dep.changed, min(remaining, 60.0))


def _run_hook(dep: Deployment, event: str, function: str) -> None:
    authorize(dep, "lambda", "Invoke", {"FunctionName": function})  # as the service role
    hook = Hook(new_execution_id(), event, function)
    with LOCK:
        dep.hooks[hook.execution_id] = hook
    runtime = get_runtime()

    def invoke() -> None:
        payload = {
            "DeploymentId": dep.deployment_id,
            "LifecycleEventHookExecutionId": hook.execution_id,
        }
        invoker = get_runtime().invoke_lambda
        queue = get_runtime().invoke_lambda_async
        if queue is not None:
            # CodeDeploy invokes a hook asynchronously: Lambda retries a failing function
            # (Lambda DG, "How Lambda handles errors and retries with asynchronous invocation").
            try:
                queue(function, payload)
            except LambdaFunctionError as exc:
                hook.invoke_error = f"the {event} hook {function} could not be invoked: {exc}"
                dep.changed.set()
            return
        if invoker is None:
            hook.invoke_error = (
                f"no Lambda invoker is configured to run the {event} hook {function}"
            )
        else:
            try:
                invoker(function, payload)
            except LambdaFunctionError as exc:
                # An asynchronous invoke succeeds even when the function errors: CodeDeploy
                # only learns of it when no status callback arrives within the hour.
                log(f"{dep.deployment_id}: {event} hook {function} raised {exc}")
                return
            except Exception as exc:
                hook.invoke_error = f"the {event} hook {function} could not be invoked: {exc}"
        dep.changed.set()

    runtime.clock.call_later(0, invoke, name=f"codedeploy-hook-{dep.deployment_id}-{event}")
    # StopDeployment while a hook is pending: the UG says only that a stop may answer
    # "Pending" while lifecycle events still run (deployment-steps-ecs, "Stopped and failed
    # deployments"); whether it preempts a pending Lambda hook is undocumented. The emulator
    # keeps the safer path (aws-fidelity row 10): the stop waits for the hook's answer or its
    # one-hour timeout, then takes effect, so a caller must answer a held hook first.
    try:
        answered = _wait(
            dep,
            lambda: hook.status != "Pending" or hook.invoke_error is not None,
            HOOK_TIMEOUT_SECONDS,
            stoppable=False,
        )
    finally:
        with LOCK:
            hook.closed = True
    _check(dep)  # a stop requested while the hook was pending takes effect now
    if hook.invoke_error is not None:
        raise DeploymentFailure("HOOK_EXECUTION_FAILURE", hook.invoke_error)
    if not answered:
        raise DeploymentFailure(
            "HOOK_EXECUTION_FAILURE",
            f"The {event} hook {function} did not report a status (PutLifecycleEventHookExecution"
            f"Status) within {int(HOOK_TIMEOUT_SECONDS // 60)} minutes.",
        )
    if hook.status == "Failed":
        raise DeploymentFailure(
            "HOOK_EXECUTION_FAILURE",
            f"The {event} hook {function} reported Failed (lifecycleEventHookExecutionId "
            f"{hook.execution_id}).",
        )


def _lifecycle_event(dep: Deployment, name: str, action: Callable[[], None]) -> None:
    _check(dep)
    begin_event(dep, name)
    try:
        action()
    except DeploymentFailure as failure:
        timed_out = "did not report" in failure.message
        end_event(
            dep,
            name,
            "Failed",
            {
                "errorCode": "ScriptTimedOut" if timed_out else "ScriptFailed",
                "scriptName": _hook_function(dep, name),
                "message": failure.message,
                "logTail": "",
            },
        )
        raise
    end_event(dep, name, "Succeeded")


def _hook_function(dep: Deployment, event: str) -> str:
    with LOCK:
        for hook in dep.hooks.values():
            if hook.event == event:
                return hook.function
    return ""


def _hook_step(dep: Deployment, spec: AppSpec, event: str) -> None:
    function = spec.hooks.get(event)
    _lifecycle_event(
        dep, event, (lambda: _run_hook(dep, event, function)) if function else (lambda: None)
    )


def _allow_traffic(dep: Deployment) -> None:
    for weight, wait_after in dep.routing.steps():
        _check(dep)
        route(dep, dep.prod_listeners, weight)
        record_traffic(dep, weight)
        log(f"{dep.deployment_id}: production traffic {weight}% to the replacement task set")
        if wait_after > 0:
            _wait(dep, lambda: False, wait_after)
    assert dep.green_task_set_arn is not None
    make_primary(dep, dep.green_task_set_arn)
    with LOCK:
        dep.green_is_primary = True


def _ready_wait(dep: Deployment) -> None:
    option = (dep.blue_green or {}).get("deploymentReadyOption") or {}
    if option.get("actionOnTimeout") != "STOP_DEPLOYMENT":
        return
    minutes = float(option.get("waitTimeInMinutes") or 0)
    with LOCK:
        dep.wait_state = "READY_WAIT"
    set_status(dep, "Ready")
    touch_target(dep, "Ready")
    emit(dep, "READY")
    continued = _wait(dep, lambda: "READY_WAIT" in dep.continued, minutes * 60.0)
    with LOCK:
        dep.wait_state = None
    if not continued:
        raise DeploymentFailure(
            "TIMEOUT",
            f"Traffic was not rerouted (ContinueDeployment READY_WAIT) within the "
            f"{minutes:g} minute deploymentReadyOption wait; the deployment was stopped.",
        )
    set_status(dep, "InProgress")
    touch_target(dep, "InProgress")


def _termination_wait(dep: Deployment) -> None:
    option = (dep.blue_green or {}).get("terminateBlueInstancesOnDeploymentSuccess") or {}
    minutes = float(option.get("terminationWaitTimeInMinutes") or 0)
    touch_target(dep, "Succeeded")
    with LOCK:
        dep.wait_state = "TERMINATION_WAIT"
        dep.termination_wait_started = True
    _wait(dep, lambda: "TERMINATION_WAIT" in dep.continued, minutes * 60.0)
    with LOCK:
        dep.wait_state = None
    _check(dep)
    if dep.blue_task_set_arn is not None:
        delete_task_set(dep, dep.blue_task_set_arn)
        with LOCK:
            dep.blue_deleted = True


def _skip_pending_events(dep: Deployment) -> None:
    with LOCK:
        for event in dep.lifecycle.values():
            if event["status"] in ("Pending", "InProgress"):
                event["status"] = "Skipped"
        for hook in dep.hooks.values():
            hook.closed = True


def _run(dep: Deployment) -> None:
    try:
        _lifecycle(dep)
    except DeploymentAborted:
        return
    except Exception as exc:  # an emulator bug must still end the deployment like AWS would
        if dep.aborted or not has_runtime():
            return
        log(f"{dep.deployment_id}: internal error {type(exc).__name__}: {exc}")
        _fail(dep, DeploymentFailure("INTERNAL_ERROR", f"{type(exc).__name__}: {exc}"))


def _lifecycle(dep: Deployment) -> None:
    begin(dep)
    try:
        spec = parse_appspec(dep.revision)
        resolve_targets(dep, spec)
        _hook_step(dep, spec, "BeforeInstall")
        _lifecycle_event(dep, "Install", lambda: install_green(dep, spec))
        _hook_step(dep, spec, "AfterInstall")
        _lifecycle_event(
            dep,
            "AllowTestTraffic",
            lambda: route(dep, dep.test_listeners, 100) if dep.test_listeners else None,
        )
        _hook_step(dep, spec, "AfterAllowTestTraffic")
        _ready_wait(dep)
        _hook_step(dep, spec, "BeforeAllowTraffic")
        _lifecycle_event(dep, "AllowTraffic", lambda: _allow_traffic(dep))
        _hook_step(dep, spec, "AfterAllowTraffic")
        _termination_wait(dep)
    except DeploymentFailure as failure:
        _fail(dep, failure)
        return
    except DeploymentStopped:
        _stop(dep)
        return
    finish(dep, "Succeeded", "SUCCESS")


def _fail(dep: Deployment, failure: DeploymentFailure) -> None:
    with LOCK:
        dep.error = {"code": failure.code, "message": failure.message}
    _skip_pending_events(dep)
    if failure.code == "TIMEOUT":  # the READY wait ran out: AWS stops the deployment
        end_with_rollback(
            dep, "The deployment was stopped because the ready wait timed out.", "Stopped", "STOP"
        )
        return
    if rollback_enabled(dep, "DEPLOYMENT_FAILURE"):
        end_with_rollback(
            dep, f"Deployment {dep.deployment_id} failed ({failure.code}).", "Failed", "FAILURE"
        )
        return
    finish(dep, "Failed", "FAILURE")


def _stop(dep: Deployment) -> None:
    rollback = bool(dep.stop_rollback)
    with LOCK:
        dep.error = {"code": "MANUAL_STOP", "message": "The deployment was stopped by a user."}
    _skip_pending_events(dep)
    if rollback:
        end_with_rollback(
            dep,
            f"Deployment {dep.deployment_id} was stopped with autoRollbackEnabled.",
            "Stopped",
            "STOP",
        )
        return
    finish(dep, "Stopped", "STOP")
