"""CodeDeploy ECS blue/green deployments, emulated on top of moto 5.2.5.

moto stores applications, deployment groups and deployments, but a deployment stays
``Created`` forever. This package teaches moto's ``CodeDeployResponse`` the rest of the
ECS blue/green lifecycle with AWS's semantics, so it serves boto3 under ``mock_aws()``, the
moto server and Step Functions ``aws-sdk:codedeploy:*`` tasks alike:

* ``CreateDeployment`` (AppSpec content, JSON or YAML) starts the lifecycle on a background
  thread and rejects a second active deployment in the group
  (``DeploymentLimitExceededException``). Deployment ids look like AWS's (``d-XXXXXXXXX``).
* Lifecycle, in AWS's order: BeforeInstall, Install (green task set created on the
  ECS service behind the target group that is not serving production, fake targets
  registered), AfterInstall, AllowTestTraffic (test listener to green),
  AfterAllowTestTraffic, an optional READY wait (``deploymentReadyOption`` STOP_DEPLOYMENT),
  BeforeAllowTraffic, AllowTraffic (production listener shifted in the deployment config's
  canary/linear/all-at-once steps over virtual time; green becomes the PRIMARY task set),
  AfterAllowTraffic, the termination wait (``terminationWaitTimeInMinutes``; the deployment
  stays ``InProgress`` with ``instanceTerminationWaitTimeStarted``), then the blue task set is
  deleted and the deployment ``Succeeded``.
* Hooks: each AppSpec hook function is invoked asynchronously through
  ``get_runtime().invoke_lambda`` with ``{"DeploymentId", "LifecycleEventHookExecutionId"}``;
  the deployment waits up to one virtual hour for ``PutLifecycleEventHookExecutionStatus``.
* ``ContinueDeployment`` (READY_WAIT / TERMINATION_WAIT), ``StopDeployment``
  (``autoRollbackEnabled``), rollback on failure when ``DEPLOYMENT_FAILURE`` auto-rollback
  is on, ``ListDeploymentTargets`` / ``BatchGetDeploymentTargets`` / ``GetDeploymentTarget``
  (``ecsTarget`` with lifecycle events and task sets), ``GetDeploymentConfig`` for the
  predefined ECS configs, and ``errorInformation`` / ``rollbackInfo`` in ``GetDeployment``.
* State-change events (``CodeDeploy Deployment State-change Notification``: START, READY,
  SUCCESS, FAILURE, STOP) through ``get_runtime().put_event``.

Every duration is virtual (``get_runtime().clock``). Target health of the fake task targets
is answered by :mod:`.elb_health` (script it with :func:`set_target_health_provider`).

Layout, after moto's per-service packages (the emulator contract of
:mod:`turnout_sandbox.emulators`):

* :mod:`.exceptions`: the API error and the lifecycle's failure / stop / abort signals;
* :mod:`.traffic`: deployment configs and their traffic-routing steps;
* :mod:`.appspec`: the AppSpec parser (pure);
* :mod:`.models`: the deployments, in a ``BackendDict`` per account and region that moto's
  reset clears, and the API rules that are not rendering;
* :mod:`.taskset`: green/blue task sets on moto's ECS, listener routing on moto's ELBv2;
* :mod:`.lifecycle`: the lifecycle runner; :mod:`.rollback`: the separate rollback
  deployment; :mod:`.notify`: the final status and the (best effort) state-change events;
* :mod:`.render`: DeploymentInfo / DeploymentTarget as the API answers them;
* :mod:`.responses`: the API actions (read parameters, ask the backend, render);
* :mod:`.elb_health`: ELBv2 target health of the fake task targets.

Nothing is patched at import: :data:`PATCHES` lists every change to moto (applied by the
sandbox's patch registry, or by :func:`install`), :data:`INTERNALS` the private moto names
still relied upon.

Known simplifications (documented, not silent): listener *rules* other than the default
action are not rerouted; custom deployment configs (CreateDeploymentConfig) are not
emulated; S3 revisions are rejected with a clear error. A rollback is a separate rollback
deployment, as on AWS (:mod:`.rollback`).
"""

from __future__ import annotations

from typing import Final

from moto.core.models import DEFAULT_ACCOUNT_ID

from turnout_sandbox.emulators.codedeploy import elb_health, responses
from turnout_sandbox.emulators.codedeploy.appspec import ECS_LIFECYCLE
from turnout_sandbox.emulators.codedeploy.elb_health import TargetHealthProvider
from turnout_sandbox.emulators.codedeploy.exceptions import (
    CodeDeployApiError,
    UnknownDeploymentError,
)
from turnout_sandbox.emulators.codedeploy.lifecycle import HOOK_TIMEOUT_SECONDS
from turnout_sandbox.emulators.codedeploy.models import (
    Faults,
    all_backends,
    codedeploy_emulator_backends,
    get_deployment_state,
)
from turnout_sandbox.emulators.codedeploy.traffic import ECS_DEPLOYMENT_CONFIGS, TrafficRouting
from turnout_sandbox.emulators.patchset import apply_all
from turnout_sandbox.patches import AttributePatch, Internal, PatchError, resolve

__all__ = [
    "ECS_DEPLOYMENT_CONFIGS",
    "ECS_LIFECYCLE",
    "HOOK_TIMEOUT_SECONDS",
    "INTERNALS",
    "PATCHES",
    "CodeDeployApiError",
    "Faults",
    "TrafficRouting",
    "UnknownDeploymentError",
    "faults",
    "get_deployment_state",
    "install",
    "reset",
    "set_target_health_provider",
]

_RESPONSE: Final = "moto.codedeploy.responses:CodeDeployResponse"


def _action(attribute: str, why: str, *, moto_has_it: bool) -> AttributePatch:
    return AttributePatch(
        name=f"codedeploy.{attribute}",
        owner=_RESPONSE,
        attribute=attribute,
        new=getattr(responses, attribute),
        why=why,
        must_exist=moto_has_it,
    )


#: Every change this emulator makes to moto: one per CodeDeploy action it serves, and ELBv2's
#: DescribeTargetHealth for the fake task targets.
PATCHES: Final = (
    _action(
        "create_deployment",
        "start the ECS blue/green lifecycle with an AWS-shaped id (moto's stays Created)",
        moto_has_it=True,
    ),
    _action(
        "get_deployment",
        "answer the emulated status, times, errorInformation and rollbackInfo",
        moto_has_it=True,
    ),
    _action(
        "batch_get_deployments",
        "answer the emulated deployments like GetDeployment does",
        moto_has_it=True,
    ),
    _action(
        "continue_deployment",
        "end the READY or TERMINATION wait (moto lacks the action)",
        moto_has_it=False,
    ),
    _action(
        "stop_deployment",
        "stop a running lifecycle, with or without rollback (moto lacks the action)",
        moto_has_it=False,
    ),
    _action(
        "put_lifecycle_event_hook_execution_status",
        "let a hook Lambda answer its lifecycle event (moto lacks the action)",
        moto_has_it=False,
    ),
    _action(
        "list_deployment_targets",
        "list the deployment's ECS target (moto lacks the action)",
        moto_has_it=False,
    ),
    _action(
        "get_deployment_target",
        "describe the ECS target: lifecycle events and task sets (moto lacks the action)",
        moto_has_it=False,
    ),
    _action(
        "batch_get_deployment_targets",
        "describe ECS targets like GetDeploymentTarget (moto lacks the action)",
        moto_has_it=False,
    ),
    _action(
        "get_deployment_config",
        "describe the predefined ECS deployment configs (moto lacks the action)",
        moto_has_it=False,
    ),
    AttributePatch(
        name="elbv2.describe_target_health",
        owner="moto.elbv2.responses:ELBV2Response",
        attribute="describe_target_health",
        new=elb_health.describe_target_health,
        why="answer the scripted health of the fake task-set targets CodeDeploy registers",
    ),
)


class _BackendAttribute(Internal):
    """An Internal naming an instance attribute of a moto backend (set in ``__init__``, so
    :func:`resolve` cannot see it on the class): checked on a fresh, unregistered backend."""

    def check_target(self) -> str | None:
        owner_path, _, attribute = self.path.rpartition(".")
        try:
            backend = resolve(owner_path)("us-east-1", DEFAULT_ACCOUNT_ID)
        except PatchError as exc:
            return str(exc)
        if not isinstance(getattr(backend, attribute, None), dict):
            return f"{self.path} is no longer a dict on a new backend"
        return None


#: The private moto names this emulator still relies on, each with the reason.
INTERNALS: Final = (
    _BackendAttribute(
        "moto.codedeploy.models:CodeDeployBackend.deployments",
        "CreateDeployment re-keys moto's DeploymentInfo from its uuid to an AWS-shaped "
        "d-XXXXXXXXX id, so ListDeployments agrees with the returned id; moto offers no public "
        "way to choose a deployment's id",
    ),
    Internal(
        "moto.core.responses:BaseResponse._get_param",
        "the replaced/added CodeDeployResponse and ELBV2Response methods read request "
        "parameters the way moto's own response methods do",
    ),
    Internal(
        "moto.core.responses:BaseResponse._get_bool_param",
        "StopDeployment reads autoRollbackEnabled the way moto's own response methods do",
    ),
)


def set_target_health_provider(provider: TargetHealthProvider | None) -> None:
    """Script ELB target health of task-set targets (see :mod:`.elb_health`)."""
    elb_health.set_target_health_provider(provider)


def faults(region: str, account_id: str = DEFAULT_ACCOUNT_ID) -> Faults:
    """The faults to inject in this account and region (dropped events, failing rollbacks);
    moto's reset clears them with the rest of the backend."""
    faults_: Faults = codedeploy_emulator_backends[account_id][region].faults
    return faults_


def install() -> None:
    """Apply :data:`PATCHES` (idempotent). The sandbox's patch registry applies the same
    patch objects, so either path leaves one set applied."""
    apply_all(PATCHES)


def reset() -> None:
    """Abort running lifecycles and forget every emulated deployment and fake target."""
    for backend in all_backends():
        backend.reset()
    elb_health.reset()
