"""ECS: register task definitions, find the new task set's target group; for
DeploymentEngine=ecs, UpdateService and the service deployments of ECS built-in blue/green.

API facts from the botocore ECS model (service-2.json, 1.44): UpdateService answers the
``service`` with ``currentServiceDeployment`` (the ARN of its current service deployment);
DescribeServiceDeployments gives ``status``, ``lifecycleStage`` and
``lifecycleHookDetails[{hookId, targetType, status}]``; ContinueServiceDeployment takes
``serviceDeploymentArn``, ``hookId`` and ``action`` (CONTINUE | ROLLBACK) and works only on a
PAUSE hook in AWAITING_ACTION; StopServiceDeployment takes ``stopType`` ROLLBACK."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from turnout.adapters.aws import ServiceAdapter, error_code
from turnout.errors import ConfigError

if TYPE_CHECKING:
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_ecs.type_defs import DeploymentConfigurationTypeDef


_PINNED = re.compile(r"@(sha256:[0-9a-f]{64})$")


@dataclass(frozen=True)
class Serving:
    """What the ECS service serves: its primary task set's task definition and images."""

    task_definition_arn: str
    images: tuple[str, ...]

    @property
    def digests(self) -> frozenset[str]:
        """The digests of the images pinned by digest (``...@sha256:<64 hex>``)."""
        return frozenset(m.group(1) for i in self.images if (m := _PINNED.search(i)))


@dataclass(frozen=True)
class ServiceDeployment:
    """What DescribeServiceDeployments says of one service deployment."""

    arn: str
    service_arn: str
    status: str
    stage: str
    #: (hookId, targetType, status) of each lifecycle hook execution so far
    hooks: tuple[tuple[str, str, str], ...]
    #: ECS's own words for a rollback (``rollback.reason``) or an end (``statusReason``)
    reason: str = ""
    #: the stages of the PAUSE hooks the deployment was started with (its
    #: deploymentConfiguration.lifecycleHooks)
    pause_stages: frozenset[str] = frozenset()

    @classmethod
    def of(cls, raw: dict[str, Any]) -> ServiceDeployment:
        hooks = tuple(
            (str(h.get("hookId", "")), str(h.get("targetType", "")), str(h.get("status", "")))
            for h in raw.get("lifecycleHookDetails") or []
        )
        configured = (raw.get("deploymentConfiguration") or {}).get("lifecycleHooks") or []
        pause_stages = frozenset(
            str(stage)
            for hook in configured
            if hook.get("targetType") == "PAUSE"
            for stage in hook.get("lifecycleStages") or []
        )
        return cls(
            arn=str(raw.get("serviceDeploymentArn", "")),
            service_arn=str(raw.get("serviceArn", "")),
            status=str(raw.get("status", "")),
            stage=str(raw.get("lifecycleStage", "")),
            hooks=hooks,
            reason=str((raw.get("rollback") or {}).get("reason") or raw.get("statusReason") or ""),
            pause_stages=pause_stages,
        )

    def awaiting_pause_hook(self) -> str | None:
        """The hookId of a PAUSE hook waiting for ContinueServiceDeployment, or None."""
        return next(
            (
                hid
                for hid, kind, status in self.hooks
                if kind == "PAUSE" and status == "AWAITING_ACTION"
            ),
            None,
        )


#: The operations this engine calls that an older boto3 may not know (the Lambda runtime's
#: own boto3 lags the API: aws-fidelity row 18; ContinueServiceDeployment came in 2026-05).
_NEEDED = ("describe_service_deployments", "continue_service_deployment", "stop_service_deployment")


class Ecs(ServiceAdapter["ECSClient"]):
    aws_service = "ecs"

    def __init__(self, cluster: str, service: str, client: ECSClient | None = None) -> None:
        self.cluster = cluster
        self.service = service
        super().__init__(client)

    def register_fields(self) -> frozenset[str] | None:
        """The members RegisterTaskDefinition takes in the botocore model this client was
        made with: in Lambda, the runtime's boto3, which may be older than the one turnout
        was tested with (aws-fidelity row 18); None when the client carries no model (a
        fake)."""
        model = getattr(getattr(self.api, "meta", None), "service_model", None)
        if model is None:
            return None
        shape = model.operation_model("RegisterTaskDefinition").input_shape
        return frozenset(shape.members) if shape is not None else None

    def register(self, kwargs: dict[str, Any]) -> tuple[str, int]:
        td = self.api.register_task_definition(**kwargs)["taskDefinition"]
        return str(td["taskDefinitionArn"]), int(td["revision"])

    def service_description(self) -> dict[str, Any] | None:
        """DescribeServices' entry for the service (None when ECS does not know it)."""
        services = self.api.describe_services(cluster=self.cluster, services=[self.service])
        found = services.get("services", [])
        return dict(found[0]) if found else None

    def target_groups_of(self, task_definition_arn: str) -> list[str]:
        """Target groups of the task set running ``task_definition_arn`` ([] if none yet)."""
        services = self.api.describe_services(cluster=self.cluster, services=[self.service]).get(
            "services", []
        )
        groups: list[str] = []
        for svc in services:
            for task_set in svc.get("taskSets", []):
                if (
                    task_set.get("taskDefinition") == task_definition_arn
                    and task_set.get("status") != "DRAINING"
                ):
                    groups.extend(
                        lb["targetGroupArn"]
                        for lb in task_set.get("loadBalancers", [])
                        if lb.get("targetGroupArn")
                    )
        return groups

    def serving(self) -> Serving | None:
        """The task definition and images the service serves; None if it has none yet.

        ECS API Reference, DescribeServices: a service under the CODE_DEPLOY (or EXTERNAL)
        deployment controller lists ``taskSets``, the one serving production traffic with
        ``status`` PRIMARY; under the ECS controller the PRIMARY entry of ``deployments``
        is the newest. DescribeTaskDefinition then gives the containers' images."""
        try:
            services = self.api.describe_services(
                cluster=self.cluster, services=[self.service]
            ).get("services", [])
        except Exception as exc:
            if error_code(exc) in ("ClusterNotFoundException", "ServiceNotFoundException"):
                return None
            raise
        arn = ""
        for svc in services:
            if svc.get("status") == "INACTIVE":
                continue
            found = [
                t.get("taskDefinition")
                for t in svc.get("taskSets", [])
                if t.get("status") == "PRIMARY"
            ]
            found += [
                d.get("taskDefinition")
                for d in svc.get("deployments", [])
                if d.get("status") == "PRIMARY"
            ]
            arn = str((found or [svc.get("taskDefinition")])[0] or "")
            if arn:
                break
        if not arn:
            return None
        definition = self.api.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        images = tuple(str(c.get("image", "")) for c in definition.get("containerDefinitions", []))
        return Serving(str(definition.get("taskDefinitionArn") or arn), images)

    def _require(self, operation: str) -> None:
        if operation in _NEEDED and not hasattr(self.api, operation):
            raise ConfigError(
                f"the boto3 this function runs with has no ECS {operation}: DeploymentEngine=ecs "
                "needs a boto3 that knows ECS built-in blue/green (the function's EcsSdkLayer, "
                "layers/turnout/requirements-ecs-sdk.in, provides one)"
            )

    def update_service(self, task_definition_arn: str, configuration: dict[str, Any]) -> str:
        """UpdateService with the new task definition and ``deploymentConfiguration``; the
        ARN of the service deployment it started ("" when ECS did not name one)."""
        answer = self.api.update_service(
            cluster=self.cluster,
            service=self.service,
            taskDefinition=task_definition_arn,
            deploymentConfiguration=cast("DeploymentConfigurationTypeDef", configuration),
        )
        return str(answer.get("service", {}).get("currentServiceDeployment") or "")

    def deployment(self, arn: str) -> ServiceDeployment | None:
        """DescribeServiceDeployments of ``arn`` (None when ECS does not know it)."""
        self._require("describe_service_deployments")
        found = self.api.describe_service_deployments(serviceDeploymentArns=[arn]).get(
            "serviceDeployments", []
        )
        return ServiceDeployment.of(dict(found[0])) if found else None

    def continue_deployment(self, arn: str, hook_id: str, action: str) -> None:
        self._require("continue_service_deployment")
        self.api.continue_service_deployment(
            serviceDeploymentArn=arn,
            hookId=hook_id,
            action=action,  # type: ignore[arg-type]
        )

    def stop_deployment(self, arn: str) -> None:
        self._require("stop_service_deployment")
        self.api.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
