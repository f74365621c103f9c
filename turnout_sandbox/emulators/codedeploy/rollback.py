"""Rolling a failed or stopped deployment back: a separate rollback deployment, as AWS does.

For ECS, CodeDeploy implements a rollback as a new deployment with its own id (CodeDeploy User
Guide, deployment-steps-ecs, "Redeployments and deployment rollbacks": "CodeDeploy implements
rollbacks by rerouting traffic ... the new or rolled-back deployment is assigned its own
deployment ID"; deployments-rollback-and-redeploy: "rolled-back deployments are technically
new deployments, with new deployment IDs"). So :func:`end_with_rollback`:

* ends the original at once (``Stopped`` or ``Failed``, its STOP or FAILURE event), its
  ``rollbackInfo`` naming ``rollbackDeploymentId`` (API Reference, RollbackInfo);
* runs the rollback deployment on its own thread: ``creator`` ``codeDeployRollback``
  (API Reference, DeploymentInfo), ``rollbackInfo.rollbackTriggeringDeploymentId``, its own
  START then SUCCESS (traffic back on the original task set, the replacement deleted) or
  FAILURE.

Undocumented, so chosen here: the rollback deployment's lifecycle events show AllowTraffic
(the reroute) and every other event ``Skipped``; it runs ``Faults.rollback_seconds`` of
virtual time (30 by default) before traffic moves back.
"""

from __future__ import annotations

from turnout_sandbox.emulators.codedeploy.exceptions import DeploymentFailure
from turnout_sandbox.emulators.codedeploy.models import (
    LOCK,
    Deployment,
    begin_event,
    codedeploy_emulator_backends,
    end_event,
    log,
)
from turnout_sandbox.emulators.codedeploy.notify import begin, finish
from turnout_sandbox.emulators.codedeploy.taskset import (
    delete_task_set,
    make_primary,
    record_traffic,
    route,
)
from turnout_sandbox.runtime import get_runtime

__all__ = ["end_with_rollback"]


def end_with_rollback(dep: Deployment, reason: str, status: str, state: str) -> None:
    """End ``dep`` as ``status`` (its ``state`` event) and start its rollback deployment."""
    if dep.green_task_set_arn is None and not dep.traffic:
        with LOCK:
            dep.rollback = {"rollbackMessage": f"Nothing to roll back: {reason}"}
        finish(dep, status, state)
        return
    backend = codedeploy_emulator_backends[dep.account][dep.region]
    rollback = backend.create_rollback(dep)
    with LOCK:
        dep.rollback = {
            "rollbackDeploymentId": rollback.deployment_id,
            "rollbackMessage": f"{reason} Rollback deployment {rollback.deployment_id} started.",
        }
    finish(dep, status, state)
    log(f"{dep.deployment_id}: rolling back in {rollback.deployment_id} ({reason})")
    get_runtime().clock.call_later(
        0, lambda: _run(rollback, dep, reason), name=f"codedeploy-{rollback.deployment_id}"
    )


def _run(rollback: Deployment, original: Deployment, reason: str) -> None:
    begin(rollback)
    faults = codedeploy_emulator_backends[rollback.account][rollback.region].faults
    clock = get_runtime().clock
    deadline = clock.now() + faults.rollback_seconds
    while not rollback.aborted and clock.now() < deadline:
        clock.wait(rollback.changed, min(deadline - clock.now(), 60.0))
    if rollback.aborted:
        return
    try:
        if faults.take_failing_rollback():
            raise RuntimeError("the rollback deployment failed (sandbox fault)")
        begin_event(rollback, "AllowTraffic")
        _reroute(rollback)
        end_event(rollback, "AllowTraffic", "Succeeded")
    except Exception as exc:
        # A denial of the service role fails the rollback with its own code (.service_role).
        code = exc.code if isinstance(exc, DeploymentFailure) else "INTERNAL_ERROR"
        detail = (
            exc.message if isinstance(exc, DeploymentFailure) else f"{type(exc).__name__}: {exc}"
        )
        message = f"Rollback of {original.deployment_id} failed: {detail}"
        with LOCK:
            rollback.error = {"code": code, "message": message}
            original.rollback = {**(original.rollback or {}), "rollbackMessage": message}
        _skip_others(rollback)
        log(f"{rollback.deployment_id}: {message}")
        finish(rollback, "Failed", "FAILURE")
        return
    message = (
        f"{reason} Traffic was rerouted to the original task set and the replacement task set "
        f"was deleted by rollback deployment {rollback.deployment_id}."
    )
    with LOCK:
        original.rollback = {**(original.rollback or {}), "rollbackMessage": message}
        rollback.rollback = {**(rollback.rollback or {}), "rollbackMessage": message}
    _skip_others(rollback)
    log(f"{original.deployment_id}: rolled back by {rollback.deployment_id}")
    finish(rollback, "Succeeded", "SUCCESS")


def _skip_others(rollback: Deployment) -> None:
    with LOCK:
        for event in rollback.lifecycle.values():
            if event["status"] in ("Pending", "InProgress"):
                event["status"] = "Skipped"


def _reroute(dep: Deployment) -> None:
    """Reroute production and test traffic to blue, delete green, keep blue PRIMARY."""
    if dep.blue_target_group_arn and dep.green_target_group_arn:
        route(dep, dep.prod_listeners, 0)
        if dep.test_listeners:
            route(dep, dep.test_listeners, 0)
        record_traffic(dep, 0)
    if dep.blue_task_set_arn is not None and dep.green_is_primary:
        make_primary(dep, dep.blue_task_set_arn)
        with LOCK:
            dep.green_is_primary = False
    if dep.green_task_set_arn is not None and not dep.green_deleted:
        delete_task_set(dep, dep.green_task_set_arn)
        with LOCK:
            dep.green_deleted = True
