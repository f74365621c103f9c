"""CodeDeploy's deployment state changes and the payload of a lifecycle hook: the shapes of
the DeploymentEvents and GateHook functions."""

from __future__ import annotations

from dataclasses import dataclass

from turnout.models import NAME, TEXT, EventBridgeEnvelope
from turnout.shapes import Shape, key, nested, text

__all__ = ["CodeDeployStateChangeDetail", "CodeDeployStateChangeEvent", "LifecycleHookEvent"]


@dataclass(frozen=True, kw_only=True)
class CodeDeployStateChangeDetail(Shape):
    """``detail`` of ``CodeDeploy Deployment State-change Notification``."""

    # Optional (aws-fidelity row 31): both are in the documented sample, but no capture of an
    # ECS deployment's event shows them, and nothing here reads them; a missing one must not
    # make every event InvalidEvent (and every wait time out).
    region: str | None = key("region", TEXT, default=None)
    deployment_id: str = key("deploymentId", NAME)
    instance_group_id: str | None = key("instanceGroupId", TEXT, default=None)
    deployment_group: str = key("deploymentGroup", NAME)
    application: str = key("application", NAME)
    state: str = key("state", TEXT)  # START, SUCCESS, FAILURE, STOP, READY


@dataclass(frozen=True, kw_only=True)
class CodeDeployStateChangeEvent(EventBridgeEnvelope):
    source: str = key("source", text(literal="aws.codedeploy"))
    detail_type: str = key(
        "detail-type", text(literal="CodeDeploy Deployment State-change Notification")
    )
    detail: CodeDeployStateChangeDetail = key("detail", nested(CodeDeployStateChangeDetail))


@dataclass(frozen=True, kw_only=True)
class LifecycleHookEvent(Shape):
    """The payload CodeDeploy invokes a lifecycle hook Lambda with."""

    deployment_id: str = key("DeploymentId", NAME)
    lifecycle_event_hook_execution_id: str = key("LifecycleEventHookExecutionId", NAME)
