"""How a deployment ends and tells EventBridge: the state-change events and the final status.

CodeDeploy puts a ``CodeDeploy Deployment State-change Notification`` for START, READY,
SUCCESS, FAILURE and STOP (EventBridge events reference, "AWS CodeDeploy events"), with
"Delivery type: Best effort" ("Delivery level for AWS service events"): the backend's
:class:`~.models.Faults` can drop one, so a test shows what a lost event does.
"""

from __future__ import annotations

from typing import Final

from turnout_sandbox.emulators.codedeploy.models import (
    LOCK,
    Deployment,
    codedeploy_emulator_backends,
    log,
    now,
    set_status,
    touch_target,
)
from turnout_sandbox.runtime import get_runtime

__all__ = ["EVENT_DETAIL_TYPE", "EVENT_SOURCE", "begin", "emit", "finish"]

EVENT_SOURCE: Final = "aws.codedeploy"
EVENT_DETAIL_TYPE: Final = "CodeDeploy Deployment State-change Notification"


def emit(dep: Deployment, state: str) -> None:
    detail = {
        "region": dep.region,
        "deploymentId": dep.deployment_id,
        "instanceGroupId": dep.group_id,
        "deploymentGroup": dep.group_name,
        "application": dep.application,
        "state": state,
    }
    with LOCK:
        dep.events.append(state)
    faults = codedeploy_emulator_backends[dep.account][dep.region].faults
    if faults.take_dropped_event(state):
        # Best effort delivery (EventBridge events reference, "AWS CodeDeploy events"):
        # "in some rare cases an event might not be delivered".
        log(f"{dep.deployment_id}: the {state} event was dropped (sandbox fault)")
        return
    try:
        get_runtime().put_event(
            EVENT_SOURCE, EVENT_DETAIL_TYPE, detail, resources=[dep.application_arn, dep.group_arn]
        )
    except Exception as exc:  # delivery is best effort on AWS too; never break the lifecycle
        log(f"{dep.deployment_id}: could not put the {state} event: {type(exc).__name__}: {exc}")


def begin(dep: Deployment) -> None:
    """The deployment starts: InProgress, its start time, the START event."""
    with LOCK:
        dep.start_time = now()
        dep.info.start_time = dep.start_time
        dep.info.deployment_overview = dict.fromkeys(dep.info.deployment_overview, 0)
        dep.info.deployment_overview["InProgress"] = 1
    set_status(dep, "InProgress")
    touch_target(dep, "InProgress")
    emit(dep, "START")


def finish(dep: Deployment, status: str, state: str) -> None:
    """Record the final status and times, then put the event that says so."""
    with LOCK:
        dep.complete_time = now()
        dep.info.complete_time = dep.complete_time
        dep.wait_state = None
        overview_status = {"Succeeded": "Succeeded", "Failed": "Failed"}.get(status, "Skipped")
        dep.target_status = {"Succeeded": "Succeeded", "Failed": "Failed"}.get(status, "Failed")
        dep.info.deployment_overview = dict.fromkeys(dep.info.deployment_overview, 0)
        dep.info.deployment_overview[overview_status] = 1
    set_status(dep, status)
    emit(dep, state)
