"""Rolling a failed or stopped deployment back to the original (blue) task set.

AWS rolls back by creating a *separate* rollback deployment (``creator`` ``codeDeployRollback``,
``rollbackInfo.rollbackDeploymentId`` on the failed one; CodeDeploy User Guide, "Redeploy and
roll back a deployment with CodeDeploy"). The emulator simplifies, documented: it reroutes
traffic inside the original deployment. :func:`roll_back` is the one place a lifecycle ends in
a rollback, so a separate rollback deployment replaces only this module.
"""

from __future__ import annotations

from turnout_sandbox.emulators.codedeploy.models import LOCK, Deployment, log
from turnout_sandbox.emulators.codedeploy.taskset import (
    delete_task_set,
    make_primary,
    record_traffic,
    route,
)

__all__ = ["roll_back"]


def roll_back(dep: Deployment, reason: str) -> None:
    """Reroute production and test traffic to blue, delete green, keep blue PRIMARY."""
    if dep.green_task_set_arn is None and not dep.traffic:
        with LOCK:
            dep.rollback = {"rollbackMessage": f"Nothing to roll back: {reason}"}
        return
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
    with LOCK:
        dep.rollback = {
            "rollbackMessage": (
                f"{reason} Traffic was rerouted to the original task set and the replacement "
                "task set was deleted."
            )
        }
    log(f"{dep.deployment_id}: rolled back ({reason})")
