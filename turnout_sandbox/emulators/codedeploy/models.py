"""The CodeDeploy emulator's state: emulated deployments in a backend per account and region.

:class:`CodeDeployEmulatorBackend` sits beside moto's own ``CodeDeployBackend`` (which keeps
applications, deployment groups and the ``DeploymentInfo`` ListDeployments reads) and holds
what moto lacks: each deployment's lifecycle, hooks, task sets and traffic. It lives in a
``BackendDict`` (:data:`codedeploy_emulator_backends`), so moto's own reset clears it; its
:meth:`~CodeDeployEmulatorBackend.reset` first aborts the running lifecycle threads.

The backend also carries the API's rules that are not rendering (the one-active-deployment
limit, ContinueDeployment's wait states, StopDeployment's rollback choice, hook status
callbacks), so that :mod:`.responses` only reads parameters and renders.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final

from moto.codedeploy.models import CodeDeployBackend, DeploymentInfo, codedeploy_backends
from moto.core.base_backend import BackendDict, BaseBackend

from turnout_sandbox.emulators.codedeploy.appspec import ECS_LIFECYCLE
from turnout_sandbox.emulators.codedeploy.exceptions import (
    CodeDeployApiError,
    UnknownDeploymentError,
)
from turnout_sandbox.emulators.codedeploy.traffic import (
    DEFAULT_ECS_CONFIG,
    ECS_DEPLOYMENT_CONFIGS,
    TrafficRouting,
)
from turnout_sandbox.runtime import get_runtime, has_runtime

__all__ = [
    "ACTIVE_STATUSES",
    "LOCK",
    "TERMINAL_STATUSES",
    "CodeDeployEmulatorBackend",
    "Deployment",
    "Faults",
    "Hook",
    "codedeploy_emulator_backends",
    "find_deployment",
    "get_deployment_state",
]

ACTIVE_STATUSES: Final = frozenset({"Created", "Queued", "InProgress", "Baking", "Ready"})
TERMINAL_STATUSES: Final = frozenset({"Succeeded", "Failed", "Stopped"})

#: Guards every deployment's fields: the API threads and the lifecycle threads share them.
LOCK: Final = threading.RLock()


# --------------------------------------------------------------------------- state
@dataclass
class Faults:
    """What a test asks the sandbox to get wrong, the way AWS may: per account and region.

    ``dropped_events``: CodeDeploy state-change events (``"SUCCESS"``, ``"STOP"``, ...) to lose,
    each entry once (CodeDeploy's events are best effort: EventBridge events reference, "AWS
    CodeDeploy events"). ``failing_rollbacks``: how many of the next rollback deployments end
    ``Failed`` instead of rerouting traffic (a rollback deployment can fail: RollbackInfo's
    ``rollbackMessage`` "whether the deployment ... failed, or succeeded", API Reference).
    ``rollback_seconds``: how long a rollback deployment runs (a sandbox choice).
    """

    dropped_events: list[str] = field(default_factory=list)
    failing_rollbacks: int = 0
    #: Virtual seconds a rollback deployment runs before traffic moves back (how long AWS
    #: takes is not stated; a test may stretch it to act while a rollback runs).
    rollback_seconds: float = 30.0

    def take_dropped_event(self, state: str) -> bool:
        with LOCK:
            if state in self.dropped_events:
                self.dropped_events.remove(state)
                return True
            return False

    def take_failing_rollback(self) -> bool:
        with LOCK:
            if self.failing_rollbacks > 0:
                self.failing_rollbacks -= 1
                return True
            return False


@dataclass
class Hook:
    execution_id: str
    event: str
    function: str
    status: str = "Pending"  # Pending | Succeeded | Failed
    closed: bool = False
    invoke_error: str | None = None


@dataclass
class Deployment:
    deployment_id: str
    account: str
    region: str
    application: str
    group_name: str
    group_id: str
    application_arn: str
    group_arn: str
    config_name: str
    routing: TrafficRouting
    auto_rollback: dict[str, Any]
    blue_green: dict[str, Any]
    load_balancer_info: dict[str, Any]
    ecs_services: list[dict[str, Any]]
    revision: dict[str, Any]
    info: DeploymentInfo  # moto's (status/times kept in sync for ListDeployments)
    create_time: datetime
    status: str = "Created"
    start_time: datetime | None = None
    complete_time: datetime | None = None
    error: dict[str, str] | None = None
    rollback: dict[str, str] | None = None
    wait_state: str | None = None
    termination_wait_started: bool = False
    target_status: str = "Pending"
    target_updated: datetime | None = None
    lifecycle: dict[str, dict[str, Any]] = field(default_factory=dict)
    hooks: dict[str, Hook] = field(default_factory=dict)
    continued: set[str] = field(default_factory=set)
    stop_rollback: bool | None = None
    aborted: bool = False
    changed: threading.Event = field(default_factory=threading.Event)
    traffic: list[dict[str, Any]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    cluster: str = ""
    service: str = ""
    service_arn: str = ""
    blue_task_set_arn: str | None = None
    green_task_set_arn: str | None = None
    blue_target_group_arn: str | None = None
    green_target_group_arn: str | None = None
    target_group_names: dict[str, str] = field(default_factory=dict)
    prod_listeners: list[str] = field(default_factory=list)
    test_listeners: list[str] = field(default_factory=list)
    task_definition_arn: str | None = None
    green_is_primary: bool = False
    blue_deleted: bool = False
    green_deleted: bool = False
    #: DeploymentInfo.creator: ``user``, or ``codeDeployRollback`` for "a rollback process
    #: created the deployment" (API Reference, DeploymentInfo).
    creator: str = "user"
    #: The deployment group's serviceRoleArn: CodeDeploy acts as it (:mod:`.service_role`).
    service_role: str | None = None


def now() -> datetime:
    return datetime.fromtimestamp(get_runtime().clock.now(), UTC)


def new_deployment_id() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "d-" + "".join(secrets.choice(alphabet) for _ in range(9))


def new_execution_id() -> str:
    blob = json.dumps({"encryptedData": uuid.uuid4().hex, "iv": secrets.token_hex(8)})
    return base64.b64encode(blob.encode()).decode()


def fresh_lifecycle() -> dict[str, dict[str, Any]]:
    """Every ECS lifecycle event, Pending."""
    return {
        name: {"status": "Pending", "startTime": None, "endTime": None} for name in ECS_LIFECYCLE
    }


def log(message: str) -> None:
    if has_runtime():
        get_runtime().log("codedeploy", message)


# --------------------------------------------------------------------------- transitions
def set_status(dep: Deployment, status: str) -> None:
    with LOCK:
        dep.status = status
        dep.info.status = status


def touch_target(dep: Deployment, status: str | None = None) -> None:
    with LOCK:
        if status is not None:
            dep.target_status = status
        dep.target_updated = now()


def begin_event(dep: Deployment, name: str) -> None:
    with LOCK:
        dep.lifecycle[name].update(status="InProgress", startTime=now())
    touch_target(dep)


def end_event(
    dep: Deployment, name: str, status: str, diagnostics: dict[str, str] | None = None
) -> None:
    with LOCK:
        event = dep.lifecycle[name]
        event.update(status=status, endTime=now())
        if diagnostics:
            event["diagnostics"] = diagnostics
    touch_target(dep)


def rollback_enabled(dep: Deployment, event: str) -> bool:
    config = dep.auto_rollback or {}
    return bool(config.get("enabled")) and event in (config.get("events") or [])


def target_id(dep: Deployment) -> str:
    return f"{dep.cluster}:{dep.service}"


def _require_not_completed(dep: Deployment) -> None:
    if dep.status in TERMINAL_STATUSES:
        raise CodeDeployApiError(
            "DeploymentAlreadyCompletedException",
            f"The deployment {dep.deployment_id} has already completed ({dep.status}).",
        )


def require_started(dep: Deployment) -> None:
    if not dep.service:
        raise CodeDeployApiError(
            "DeploymentNotStartedException",
            f"The deployment {dep.deployment_id} has not started (no ECS target yet).",
        )


# --------------------------------------------------------------------------- backend
class CodeDeployEmulatorBackend(BaseBackend):
    """The emulated deployments of one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.deployments: dict[str, Deployment] = {}
        self.faults = Faults()

    def reset(self) -> None:
        """Abort the running lifecycles, then forget every deployment (moto's reset)."""
        with LOCK:
            running = list(self.deployments.values())
        for dep in running:
            dep.aborted = True
            dep.changed.set()
        super().reset()

    @property
    def moto(self) -> CodeDeployBackend:
        """moto's CodeDeploy backend of the same account and region."""
        return codedeploy_backends[self.account_id][self.region_name]

    def _arn(self, resource: str) -> str:
        # CodeDeploy resource ARNs (Service Authorization Reference, "Resource types defined
        # by AWS CodeDeploy"): arn:${Partition}:codedeploy:${Region}:${Account}:${Resource}
        return f"arn:{self.partition}:codedeploy:{self.region_name}:{self.account_id}:{resource}"

    # -- deployments -------------------------------------------------------------------
    def create_deployment(
        self,
        *,
        application_name: str,
        group_name: str,
        config_name: str | None,
        revision: dict[str, Any],
        description: str | None,
        auto_rollback: dict[str, Any] | None,
    ) -> Deployment:
        """Validate, record moto's DeploymentInfo under an AWS-shaped id, and return the new
        deployment (its lifecycle not yet started)."""
        moto = self.moto
        group = moto.get_deployment_group(application_name, group_name)
        with LOCK:
            for other in self.deployments.values():
                if (
                    other.application == application_name
                    and other.group_name == group_name
                    and other.status in ACTIVE_STATUSES
                ):
                    raise CodeDeployApiError(
                        "DeploymentLimitExceededException",
                        f"The Deployment Group '{group_name}' already has an active Deployment "
                        f"'{other.deployment_id}'",
                    )
            effective_config = config_name or group.deployment_config_name or DEFAULT_ECS_CONFIG
            routing = ECS_DEPLOYMENT_CONFIGS.get(effective_config)
            if routing is None:
                raise CodeDeployApiError(
                    "DeploymentConfigDoesNotExistException",
                    f"No deployment configuration found for name: {effective_config} "
                    f"(known ECS configs: {sorted(ECS_DEPLOYMENT_CONFIGS)})",
                )
            if not revision:
                raise CodeDeployApiError(
                    "RevisionRequiredException", "The revision ID was not specified."
                )
            deployment_id, info, create_time = self._record(
                application_name,
                group_name,
                revision=revision,
                config=effective_config,
                description=description,
                auto_rollback=auto_rollback,
            )
            dep = Deployment(
                deployment_id=deployment_id,
                account=self.account_id,
                region=self.region_name,
                application=application_name,
                group_name=group_name,
                group_id=group.deployment_group_id,
                application_arn=self._arn(f"application:{application_name}"),
                group_arn=self._arn(f"deploymentgroup:{application_name}/{group_name}"),
                config_name=effective_config,
                routing=routing,
                auto_rollback=dict(auto_rollback or group.auto_rollback_configuration or {}),
                blue_green=dict(group.blue_green_deployment_configuration or {}),
                load_balancer_info=dict(group.load_balancer_info or {}),
                ecs_services=list(group.ecs_services or []),
                revision=dict(revision),
                info=info,
                create_time=create_time,
                lifecycle=fresh_lifecycle(),
                service_role=group.service_role_arn,
            )
            self.deployments[deployment_id] = dep
        return dep

    def create_rollback(self, original: Deployment) -> Deployment:
        """The separate rollback deployment of ``original`` (its own id, ``creator``
        ``codeDeployRollback``, ``rollbackInfo.rollbackTriggeringDeploymentId``).

        CodeDeploy User Guide, "Redeployments and deployment rollbacks" (deployment-steps-ecs):
        "the new or rolled-back deployment is assigned its own deployment ID", and "Redeploy
        and roll back a deployment": "rolled-back deployments are technically new deployments,
        with new deployment IDs". It is created while ``original`` still counts as active, so
        the one-active-deployment limit is not checked: the group passes from one to the other.
        Its revision is the original's (which revision AWS records on it is not stated).
        """
        with LOCK:
            deployment_id, info, create_time = self._record(
                original.application,
                original.group_name,
                revision=original.revision,
                config=original.config_name,
                description=f"Rollback of {original.deployment_id}",
                auto_rollback=original.auto_rollback,
            )
            info.creator = "codeDeployRollback"
            # The same group, service, task sets and routes; a lifecycle of its own.
            rollback = replace(
                original,
                deployment_id=deployment_id,
                info=info,
                create_time=create_time,
                status="Created",
                start_time=None,
                complete_time=None,
                error=None,
                rollback={"rollbackTriggeringDeploymentId": original.deployment_id},
                wait_state=None,
                termination_wait_started=False,
                target_status="Pending",
                target_updated=None,
                lifecycle=fresh_lifecycle(),
                hooks={},
                continued=set(),
                stop_rollback=None,
                aborted=False,
                changed=threading.Event(),
                traffic=list(original.traffic[-1:]),
                events=[],
                creator="codeDeployRollback",
            )
            self.deployments[deployment_id] = rollback
        return rollback

    def _record(
        self,
        application: str,
        group: str,
        *,
        revision: dict[str, Any],
        config: str,
        description: str | None,
        auto_rollback: dict[str, Any] | None,
    ) -> tuple[str, DeploymentInfo, datetime]:
        """Record the deployment in moto (ListDeployments) under an AWS-shaped id."""
        moto_id = self.moto.create_deployment(
            application_name=application,
            deployment_group_name=group,
            revision=revision,
            deployment_config_name=config,
            description=description,
            auto_rollback_configuration=auto_rollback,
        )
        info = self.moto.get_deployment(moto_id)
        deployment_id, create_time = self._rekey(info, moto_id), now()
        info.create_time = create_time
        return deployment_id, info, create_time

    def _rekey(self, info: DeploymentInfo, moto_id: str) -> str:
        """File moto's DeploymentInfo under an AWS-shaped id (``d-XXXXXXXXX``), so that
        ListDeployments and GetDeployment agree with the id CreateDeployment returned.

        moto gives a deployment a uuid and offers no public way to choose it: this writes
        ``CodeDeployBackend.deployments`` (declared in the package's ``INTERNALS``).
        """
        stored = self.moto.deployments
        stored.pop(moto_id)
        deployment_id = new_deployment_id()
        while deployment_id in stored:
            deployment_id = new_deployment_id()
        info.deployment_id = deployment_id
        stored[deployment_id] = info
        return deployment_id

    def get(self, deployment_id: str | None) -> Deployment | None:
        with LOCK:
            return self.deployments.get(deployment_id or "")

    def lookup(self, deployment_id: str | None) -> Deployment:
        """The emulated deployment, or the error AWS answers for a missing one."""
        if not deployment_id:
            raise CodeDeployApiError(
                "DeploymentIdRequiredException", "At least one deployment ID must be specified."
            )
        dep = self.get(deployment_id)
        if dep is None:
            self.moto.get_deployment(deployment_id)  # raises DeploymentDoesNotExistException
            raise CodeDeployApiError(
                "UnsupportedActionForDeploymentTypeException",
                f"Deployment {deployment_id} was not created through the sandbox's CodeDeploy "
                "emulator (install() it before creating deployments).",
            )
        return dep

    def continue_deployment(self, deployment_id: str | None, wait_type: str) -> None:
        dep = self.lookup(deployment_id)
        if wait_type not in ("READY_WAIT", "TERMINATION_WAIT"):
            raise CodeDeployApiError(
                "InvalidDeploymentWaitTypeException",
                f"The wait type {wait_type!r} is invalid; use READY_WAIT or TERMINATION_WAIT.",
            )
        with LOCK:
            _require_not_completed(dep)
            if dep.wait_state != wait_type or dep.stop_rollback is not None:
                raise CodeDeployApiError(
                    "DeploymentIsNotInReadyStateException",
                    f"The deployment {dep.deployment_id} is not waiting for {wait_type} "
                    f"(status {dep.status}, wait state {dep.wait_state or 'none'}).",
                )
            dep.continued.add(wait_type)
        dep.changed.set()

    def stop_deployment(self, deployment_id: str | None, requested: bool | None) -> bool:
        """Ask the lifecycle to stop; whether it rolls back (the request, else the group's
        DEPLOYMENT_STOP_ON_REQUEST auto-rollback)."""
        dep = self.lookup(deployment_id)
        with LOCK:
            _require_not_completed(dep)
            rollback = (
                bool(requested)
                if requested is not None
                else rollback_enabled(dep, "DEPLOYMENT_STOP_ON_REQUEST")
            )
            if dep.stop_rollback is None:
                dep.stop_rollback = rollback
        dep.changed.set()
        return rollback

    def put_hook_status(
        self, deployment_id: str | None, execution_id: str | None, status: str | None
    ) -> None:
        dep = self.lookup(deployment_id)
        if status not in ("Succeeded", "Failed"):
            raise CodeDeployApiError(
                "InvalidLifecycleEventHookExecutionStatusException",
                f"The status {status!r} is invalid: a hook reports Succeeded or Failed.",
            )
        with LOCK:
            hook = dep.hooks.get(execution_id or "")
            if hook is None:
                raise CodeDeployApiError(
                    "InvalidLifecycleEventHookExecutionIdException",
                    f"The lifecycle event hook execution ID {execution_id!r} is not valid for "
                    f"deployment {dep.deployment_id}.",
                )
            if hook.status != "Pending" or hook.closed:
                raise CodeDeployApiError(
                    "LifecycleEventAlreadyCompletedException",
                    f"The {hook.event} lifecycle event of deployment {dep.deployment_id} has "
                    f"already completed (execution {execution_id}).",
                )
            hook.status = status
        dep.changed.set()

    def list_deployment_targets(
        self, deployment_id: str | None, filters: dict[str, Any]
    ) -> list[str]:
        dep = self.lookup(deployment_id)
        require_started(dep)
        wanted: list[str] | None = None
        for name, values in filters.items():
            if name != "TargetStatus":
                if name == "ServerInstanceLabel":
                    continue
                raise CodeDeployApiError(
                    "InvalidTargetFilterNameException",
                    f"The target filter name {name!r} is invalid.",
                )
            wanted = list(values or [])
        return [] if wanted is not None and dep.target_status not in wanted else [target_id(dep)]


#: Emulated deployments per account and region; moto's reset clears it.
codedeploy_emulator_backends: Final = BackendDict(CodeDeployEmulatorBackend, "codedeploy")


def all_backends() -> Iterator[CodeDeployEmulatorBackend]:
    for account in list(codedeploy_emulator_backends.values()):
        yield from list(account.values())


def find_deployment(deployment_id: str) -> Deployment | None:
    """The emulated deployment with this id, in whichever account and region it runs."""
    for backend in all_backends():
        dep = backend.get(deployment_id)
        if dep is not None:
            return dep
    return None


# --------------------------------------------------------------------------- public API
def get_deployment_state(deployment_id: str) -> dict[str, Any]:
    """A snapshot of the emulated deployment, for the sandbox timeline and tests."""
    with LOCK:
        dep = find_deployment(deployment_id)
        if dep is None:
            raise UnknownDeploymentError(deployment_id)
        return {
            "deploymentId": dep.deployment_id,
            "applicationName": dep.application,
            "deploymentGroupName": dep.group_name,
            "deploymentConfigName": dep.config_name,
            "status": dep.status,
            "waitState": dep.wait_state,
            "instanceTerminationWaitTimeStarted": dep.termination_wait_started,
            "targetStatus": dep.target_status,
            "errorInformation": dict(dep.error) if dep.error else None,
            "rollbackInfo": dict(dep.rollback) if dep.rollback else None,
            "creator": dep.creator,
            "lifecycleEvents": {name: event["status"] for name, event in dep.lifecycle.items()},
            "hookExecutions": [
                {
                    "lifecycleEventHookExecutionId": h.execution_id,
                    "lifecycleEventName": h.event,
                    "functionName": h.function,
                    "status": h.status,
                }
                for h in dep.hooks.values()
            ],
            "trafficShifts": [dict(step) for step in dep.traffic],
            "events": list(dep.events),
            "cluster": dep.cluster,
            "service": dep.service,
            "taskDefinitionArn": dep.task_definition_arn,
            "blueTaskSetArn": dep.blue_task_set_arn,
            "greenTaskSetArn": dep.green_task_set_arn,
            "blueTargetGroupArn": dep.blue_target_group_arn,
            "greenTargetGroupArn": dep.green_target_group_arn,
            "createTime": dep.create_time,
            "startTime": dep.start_time,
            "completeTime": dep.complete_time,
        }
