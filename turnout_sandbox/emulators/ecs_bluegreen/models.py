"""The ECS blue/green emulator's state, per account and region, next to moto's ``ecs_backends``:
the blue/green configuration of each service, its service revisions and service deployments
(with their lifecycle hook executions and traffic history).

It is a :class:`moto.core.base_backend.BaseBackend` in a ``BackendDict``, so moto's own reset
(``mock_aws`` start/stop, ``/moto-api/reset``) forgets it like moto's own state;
:meth:`EcsBlueGreenBackend.reset` first aborts the running deployment lifecycles.
"""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from moto.core.base_backend import BackendDict, BaseBackend

from turnout_sandbox.emulators.ecs_bluegreen.config import BlueGreenConfig, Hook

__all__ = [
    "ACTIVE_STATUSES",
    "LOCK",
    "EcsBlueGreenBackend",
    "HookExecution",
    "ServiceDeployment",
    "ServiceRevision",
    "TrackedService",
    "all_backends",
    "ecs_bluegreen_backends",
    "emulator_backend",
    "forget_all",
]

#: One lock for every backend: a lifecycle thread and an API call never see half an update.
LOCK: Final = threading.RLock()
#: service-deployment.html, "Ongoing" states (and PENDING, not started yet).
ACTIVE_STATUSES: Final = frozenset(
    {"PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"}
)
_ID_ALPHABET: Final = string.ascii_letters + string.digits


def new_deployment_id() -> str:
    """Like AWS's service deployment ids (e.g. ``ejGvqq2ilnbKT9qj0vLJe``, 21 characters)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(21))


def new_revision_id() -> str:
    """Like AWS's service revision ids (a 19-digit number)."""
    return str(secrets.randbelow(9 * 10**18) + 10**18)


def new_hook_id(target_type: str) -> str:
    """pause-lifecycle-hooks.html shows ``ecs-pause-`` and 43 URL-safe characters; the
    Lambda prefix is the emulator's own (AWS documents no Lambda hook id)."""
    prefix = "ecs-pause-" if target_type == "PAUSE" else "ecs-lambda-"
    return prefix + secrets.token_urlsafe(32)[:43]


@dataclass
class ServiceRevision:
    """DescribeServiceRevisions' ServiceRevision (botocore model shape ServiceRevision)."""

    arn: str
    service_arn: str
    cluster_arn: str
    task_definition: str
    launch_type: str | None
    platform_version: str | None
    load_balancers: list[dict[str, Any]]
    network_configuration: dict[str, Any] | None
    container_images: list[dict[str, str]]
    target_group_arns: dict[str, str]  # production listener rule -> serving target group
    created_at: datetime

    def describe(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "serviceRevisionArn": self.arn,
            "serviceArn": self.service_arn,
            "clusterArn": self.cluster_arn,
            "taskDefinition": self.task_definition,
            "loadBalancers": [dict(lb) for lb in self.load_balancers],
            "containerImages": [dict(image) for image in self.container_images],
            "createdAt": self.created_at,
            # ECS developer guide, service-revision: resolvedConfiguration.loadBalancers says
            # which target group serves this revision behind which production listener rule.
            "resolvedConfiguration": {
                "loadBalancers": [
                    {"targetGroupArn": tg, "productionListenerRule": rule}
                    for rule, tg in self.target_group_arns.items()
                ]
            },
        }
        if self.launch_type:
            body["launchType"] = self.launch_type
        if self.platform_version:
            body["platformVersion"] = self.platform_version
        if self.network_configuration:
            body["networkConfiguration"] = self.network_configuration
        return body


@dataclass
class HookExecution:
    """One run of a lifecycle hook (botocore model shape DeploymentLifecycleHookDetail)."""

    hook_id: str
    hook: Hook
    stage: str
    status: str  # AWAITING_ACTION | IN_PROGRESS | SUCCEEDED | FAILED | TIMED_OUT
    expires_at: float
    action: str | None = None  # ContinueServiceDeployment's action, once called

    def describe(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "hookId": self.hook_id,
            "targetType": self.hook.target_type,
            "status": self.status,
            "expiresAt": datetime.fromtimestamp(self.expires_at, UTC),
            "timeoutAction": self.hook.timeout_action,
        }
        if self.hook.target_arn:
            body["targetArn"] = self.hook.target_arn
        return body


@dataclass
class ServiceDeployment:
    """One service deployment and what its lifecycle thread needs."""

    arn: str
    deployment_id: str  # the ``ecs-svc/...`` id of DescribeServices' deployments[]
    account: str
    region: str
    cluster_name: str
    cluster_arn: str
    service_name: str
    service_arn: str
    config: BlueGreenConfig
    target: ServiceRevision
    source: ServiceRevision | None
    created_at: datetime
    source_deployment_id: str = ""  # the ``ecs-svc/...`` id the source revision came with
    status: str = "PENDING"
    status_reason: str | None = None
    lifecycle_stage: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    stopped_at: datetime | None = None
    updated_at: datetime | None = None
    rollback: dict[str, Any] | None = None
    alarms_status: str = "DISABLED"
    triggered_alarms: list[str] = field(default_factory=list)
    hooks: list[HookExecution] = field(default_factory=list)
    production_weight: Decimal = Decimal(0)  # green's share of production traffic
    test_weight: Decimal = Decimal(0)
    traffic: list[dict[str, Any]] = field(default_factory=list)
    stop_requested: str | None = None  # why a rollback was asked for from outside
    superseded: bool = False  # stopped because a newer deployment of the service started
    hook_failure: Exception | None = None  # the first failed hook of a stage running several
    aborted: bool = False
    changed: threading.Event = field(default_factory=threading.Event)

    def summary(self, revision: ServiceRevision, desired: int, green: bool) -> dict[str, Any]:
        """botocore model shape ServiceRevisionSummary."""
        production = self.production_weight if green else 100 - self.production_weight
        test = self.test_weight if green else 100 - self.test_weight
        return {
            "arn": revision.arn,
            "requestedTaskCount": desired,
            "runningTaskCount": desired,
            "pendingTaskCount": 0,
            "requestedProductionTrafficWeight": float(production),
            "requestedTestTrafficWeight": float(test),
        }

    def brief(self) -> dict[str, Any]:
        """botocore model shape ServiceDeploymentBrief."""
        body: dict[str, Any] = {
            "serviceDeploymentArn": self.arn,
            "serviceArn": self.service_arn,
            "clusterArn": self.cluster_arn,
            "createdAt": self.created_at,
            "targetServiceRevisionArn": self.target.arn,
            "status": self.status,
        }
        for key, value in (
            ("startedAt", self.started_at),
            ("finishedAt", self.finished_at),
            ("statusReason", self.status_reason),
        ):
            if value is not None:
                body[key] = value
        return body

    def describe(self, desired: int) -> dict[str, Any]:
        """botocore model shape ServiceDeployment."""
        body = self.brief()
        del body["targetServiceRevisionArn"]
        body["targetServiceRevision"] = self.summary(self.target, desired, green=True)
        body["sourceServiceRevisions"] = (
            [self.summary(self.source, desired, green=False)] if self.source else []
        )
        body["deploymentConfiguration"] = dict(self.config.raw)
        body["lifecycleHookDetails"] = [execution.describe() for execution in self.hooks]
        body["alarms"] = {"status": self.alarms_status}
        if self.config.alarm_names:
            body["alarms"]["alarmNames"] = list(self.config.alarm_names)
        if self.triggered_alarms:
            body["alarms"]["triggeredAlarmNames"] = list(self.triggered_alarms)
        for key, value in (
            ("lifecycleStage", self.lifecycle_stage),
            ("stoppedAt", self.stopped_at),
            ("updatedAt", self.updated_at),
            ("rollback", dict(self.rollback) if self.rollback else None),
        ):
            if value is not None:
                body[key] = value
        return body


@dataclass
class TrackedService:
    """A service the emulator deploys: its configuration and the revision serving now."""

    service_arn: str
    config: BlueGreenConfig
    current: ServiceRevision | None = None


class EcsBlueGreenBackend(BaseBackend):
    """What the emulator adds to moto's ECS backend of the same account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.services: dict[str, TrackedService] = {}
        self.revisions: dict[str, ServiceRevision] = {}
        self.deployments: dict[str, ServiceDeployment] = {}

    def deployments_of(self, service_arn: str) -> list[ServiceDeployment]:
        with LOCK:
            return [d for d in self.deployments.values() if d.service_arn == service_arn]

    def abort_all(self) -> None:
        with LOCK:
            running = list(self.deployments.values())
        for deployment in running:
            deployment.aborted = True
            deployment.changed.set()

    def reset(self) -> None:
        self.abort_all()  # no lifecycle thread keeps running against a forgotten deployment
        with LOCK:
            super().reset()


ecs_bluegreen_backends: Final = BackendDict(EcsBlueGreenBackend, "ecs")


def emulator_backend(account_id: str, region_name: str) -> EcsBlueGreenBackend:
    return ecs_bluegreen_backends[account_id][region_name]


def all_backends() -> list[EcsBlueGreenBackend]:
    """Every backend made so far (a snapshot: other threads may add backends meanwhile)."""
    return [
        backend
        for per_region in list(ecs_bluegreen_backends.values())
        for backend in list(per_region.values())
    ]


def forget_all() -> None:
    """Reset every account/region's backend (aborts their deployment lifecycles)."""
    for backend in all_backends():
        backend.reset()
