"""Starting, continuing, stopping and reading service deployments: the work behind the API
methods in :mod:`.responses`, with AWS's rules and errors.

One deployment runs at a time per service; a newer one waits PENDING while the older one is
stopped (it rolls its traffic back and ends STOPPED), then starts from the revision serving
production. ECS developer guide, service-deployment.html: "Amazon ECS creates a new service
deployment automatically when ... a user creates a service ... updates the service and uses
the force new deployment option ... updates one or more service properties that require a
new deployment".
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from moto.ecs.exceptions import ECSException

from turnout_sandbox.emulators.ecs_bluegreen import lifecycle, resources
from turnout_sandbox.emulators.ecs_bluegreen.config import BlueGreenConfig
from turnout_sandbox.emulators.ecs_bluegreen.models import (
    ACTIVE_STATUSES,
    LOCK,
    EcsBlueGreenBackend,
    ServiceDeployment,
    ServiceRevision,
    TrackedService,
    all_backends,
    new_deployment_id,
    new_revision_id,
)
from turnout_sandbox.runtime import get_runtime

__all__ = [
    "EcsApiError",
    "continue_deployment",
    "describe_deployments",
    "describe_revisions",
    "list_deployments",
    "start_deployment",
    "stop_deployment",
    "traffic_history",
]

#: botocore model: DescribeServiceDeployments / DescribeServiceRevisions take at most 20 ARNs.
MAX_DESCRIBE: Final = 20
#: botocore model, ListServiceDeploymentsRequest.maxResults: 1..100, 20 when not given.
DEFAULT_PAGE: Final = 20
MAX_PAGE: Final = 100


class EcsApiError(ECSException):
    """An ECS error with its model shape name as code (``InvalidParameterException``,
    ``ServiceDeploymentNotFoundException``, ``ConflictException``...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


def _invalid(message: str) -> EcsApiError:
    return EcsApiError("InvalidParameterException", message)


def _now() -> datetime:
    return datetime.fromtimestamp(get_runtime().clock.now(), UTC)


# ---------------------------------------------------------------------------- starting
def _service_deployments(service: Any) -> list[dict[str, Any]]:
    entries = getattr(service, "deployments", None)
    if not isinstance(entries, list):
        entries = []
        service.deployments = entries
    return entries


def start_deployment(
    backend: EcsBlueGreenBackend, service: Any, config: BlueGreenConfig
) -> ServiceDeployment:
    """Create the service revision and deployment of ``service``'s current settings; it runs
    now, or after the service's running deployment has stopped."""
    account, region = backend.account_id, backend.region_name
    cluster, name = service.cluster_name, service.name
    created = _now()
    revision = ServiceRevision(
        arn=f"arn:aws:ecs:{region}:{account}:service-revision/{cluster}/{name}/{new_revision_id()}",
        service_arn=service.arn,
        cluster_arn=service.cluster_arn,
        task_definition=str(service.task_definition),
        launch_type=getattr(service, "launch_type", None),
        platform_version=getattr(service, "platform_version", None),
        load_balancers=[dict(lb) for lb in service.load_balancers or []],
        network_configuration=getattr(service, "network_configuration", None) or None,
        container_images=resources.container_images(account, region, str(service.task_definition)),
        target_group_arns={},
        created_at=created,
    )
    deployment_id = f"ecs-svc/{secrets.randbelow(9 * 10**18) + 10**18}"
    dep = ServiceDeployment(
        arn=f"arn:aws:ecs:{region}:{account}:service-deployment/{cluster}/{name}/"
        f"{new_deployment_id()}",
        deployment_id=deployment_id,
        account=account,
        region=region,
        cluster_name=cluster,
        cluster_arn=service.cluster_arn,
        service_name=name,
        service_arn=service.arn,
        config=config,
        target=revision,
        source=None,
        created_at=created,
    )
    with LOCK:
        tracked = backend.services.setdefault(service.arn, TrackedService(service.arn, config))
        tracked.config = config
        entries = _service_deployments(service)
        dep.source_deployment_id = str(entries[0]["id"]) if entries else ""
        entry: dict[str, Any] = dict(entries[0]) if entries else {"status": "PRIMARY"}
        entry["id"] = deployment_id
        entry["taskDefinition"] = revision.task_definition
        entry["rolloutState"] = "IN_PROGRESS"
        entry["rolloutStateReason"] = f"ECS deployment {deployment_id} in progress."
        entry["createdAt"] = created
        entry["updatedAt"] = created
        entries[:] = [entry]
        backend.revisions[revision.arn] = revision
        backend.deployments[dep.arn] = dep
        running = [
            other
            for other in backend.deployments_of(service.arn)
            if other is not dep and other.status in ACTIVE_STATUSES
        ]
        for other in running:
            if other.stop_requested is None:
                other.superseded = True
                other.stop_requested = f"Service deployment {dep.arn} superseded it."
                other.changed.set()
        idle = not running
    if idle:
        _launch(backend, dep)
    return dep


def _prepare(backend: EcsBlueGreenBackend, dep: ServiceDeployment) -> None:
    """At start: the source is the revision serving now; the target takes the other target
    group of each pair (the first deployment takes ``targetGroupArn``)."""
    with LOCK:
        tracked = backend.services[dep.service_arn]
        dep.source = tracked.current
        for lb in dep.config.load_balancers:
            rule = lb.production_listener_rule
            serving = dep.source.target_group_arns.get(rule) if dep.source else None
            dep.target.target_group_arns[rule] = (
                lb.other(serving) if serving else lb.target_group_arn
            )


def _launch(backend: EcsBlueGreenBackend, dep: ServiceDeployment) -> None:
    _prepare(backend, dep)

    def go() -> None:
        lifecycle.run(dep, lambda done, ok: _finished(backend, done, ok))

    get_runtime().clock.call_later(0, go, name=f"ecs-deployment-{dep.arn.rsplit('/', 1)[-1]}")


def _finished(backend: EcsBlueGreenBackend, dep: ServiceDeployment, succeeded: bool) -> None:
    if dep.aborted:
        return
    with LOCK:
        tracked = backend.services.get(dep.service_arn)
        if tracked is None:
            return
        if succeeded:
            tracked.current = dep.target
        waiting = [
            other
            for other in backend.deployments_of(dep.service_arn)
            if other.status == "PENDING" and other is not dep
        ]
    if waiting:
        _launch(backend, min(waiting, key=lambda other: other.created_at))


# ---------------------------------------------------------------------------- lookups
def _find(arn: str | None) -> ServiceDeployment:
    if arn:
        for backend in all_backends():
            with LOCK:
                dep = backend.deployments.get(arn)
            if dep is not None:
                return dep
    # botocore model, ServiceDeploymentNotFoundException: "The service deploy ARN that you
    # specified in the ContinueServiceDeployment doesn't exist."
    raise EcsApiError(
        "ServiceDeploymentNotFoundException",
        f"The service deployment {arn} does not exist.",
    )


def _desired(dep: ServiceDeployment) -> int:
    try:
        service = resources.ecs_service(dep.account, dep.region, dep.cluster_name, dep.service_name)
    except Exception:
        return 0
    return int(getattr(service, "desired_count", 0) or 0)


# ---------------------------------------------------------------------------- control
def continue_deployment(arn: str | None, hook_id: str | None, action: str | None) -> str:
    """continue-service-deployment.html: only a PAUSE hook in AWAITING_ACTION of an
    IN_PROGRESS deployment can be continued or rolled back."""
    dep = _find(arn)
    action = action or "CONTINUE"
    if action not in ("CONTINUE", "ROLLBACK"):
        raise _invalid(f"action must be CONTINUE or ROLLBACK, got {action!r}.")
    with LOCK:
        execution = next((h for h in dep.hooks if h.hook_id == hook_id), None)
        if execution is None:
            raise _invalid(f"The hook {hook_id} is not part of the service deployment {dep.arn}.")
        if execution.hook.target_type != "PAUSE" or execution.status != "AWAITING_ACTION":
            raise _invalid(
                f"The hook {hook_id} is not a PAUSE hook in AWAITING_ACTION status "
                f"(it is {execution.hook.target_type}, {execution.status})."
            )
        if dep.status != "IN_PROGRESS":
            raise _invalid(
                f"The service deployment {dep.arn} is {dep.status}: only an IN_PROGRESS "
                "deployment can be continued."
            )
        execution.action = action
    dep.changed.set()
    return dep.arn


def stop_deployment(arn: str | None, stop_type: str | None) -> str:
    """StopServiceDeployment (botocore model): ROLLBACK "rolls back the service deployment to
    the previous service revision. You can use this option even if you didn't configure the
    service deployment for the rollback option"; the docs list no other valid stop type."""
    dep = _find(arn)
    stop_type = stop_type or "ROLLBACK"
    if stop_type != "ROLLBACK":
        raise _invalid(f"stopType {stop_type} is not supported: use ROLLBACK.")
    with LOCK:
        if dep.status not in ("PENDING", "IN_PROGRESS"):
            raise EcsApiError(
                "ConflictException",
                f"The service deployment {dep.arn} is {dep.status} and cannot be stopped.",
            )
        dep.status = "ROLLBACK_REQUESTED"
        dep.stop_requested = "Service deployment rolled back by StopServiceDeployment (ROLLBACK)."
    dep.changed.set()
    return dep.arn


# ---------------------------------------------------------------------------- reading
def list_deployments(
    backend: EcsBlueGreenBackend,
    service_arn: str,
    *,
    statuses: Sequence[str],
    created_at: Mapping[str, Any] | None,
    max_results: int | None,
    next_token: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """ListServiceDeployments: newest first, filtered by status and createdAt."""
    page = DEFAULT_PAGE if max_results is None else max_results
    if not 1 <= page <= MAX_PAGE:
        raise _invalid(f"maxResults must be from 1 to {MAX_PAGE}, got {max_results}.")
    created_at = created_at or {}
    after, before = created_at.get("after"), created_at.get("before")
    with LOCK:
        found = [
            dep
            for dep in backend.deployments_of(service_arn)
            if (not statuses or dep.status in statuses)
            and (after is None or dep.created_at >= _as_dt(after))
            and (before is None or dep.created_at <= _as_dt(before))
        ]
        found.sort(key=lambda dep: dep.created_at, reverse=True)
        start = int(next_token) if next_token and next_token.isdigit() else 0
        briefs = [dep.brief() for dep in found[start : start + page]]
    token = str(start + page) if start + page < len(found) else None
    return briefs, token


def _as_dt(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _check_count(arns: Sequence[str], member: str) -> None:
    if not arns:
        raise _invalid(f"{member} must name at least one ARN.")
    if len(arns) > MAX_DESCRIBE:
        raise _invalid(f"{member} can name at most {MAX_DESCRIBE} ARNs, got {len(arns)}.")


def describe_deployments(arns: Sequence[str]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    _check_count(arns, "serviceDeploymentArns")
    found: list[dict[str, Any]] = []
    failures: list[dict[str, str]] = []
    for arn in arns:
        try:
            dep = _find(arn)
        except EcsApiError:
            failures.append({"arn": arn, "reason": "MISSING"})
            continue
        desired = _desired(dep)
        with LOCK:
            found.append(dep.describe(desired))
    return found, failures


def describe_revisions(arns: Sequence[str]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    _check_count(arns, "serviceRevisionArns")
    found: list[dict[str, Any]] = []
    failures: list[dict[str, str]] = []
    for arn in arns:
        revision = None
        for backend in all_backends():
            with LOCK:
                revision = backend.revisions.get(arn)
            if revision is not None:
                break
        if revision is None:
            failures.append({"arn": arn, "reason": "MISSING"})
        else:
            with LOCK:
                found.append(revision.describe())
    return found, failures


def traffic_history(arn: str) -> list[dict[str, Any]]:
    """Every weight change of one deployment, in order: ``{"at", "listener"
    (production | test), "greenWeight"}`` (the new revision's %). Not an AWS API: ECS keeps
    no such history; the sandbox's checks read it (a weight seen between two polls can be
    missed, this list misses none). ServiceDeploymentNotFoundException for an unknown ARN."""
    dep = _find(arn)
    with LOCK:
        return [dict(change) for change in dep.traffic]
