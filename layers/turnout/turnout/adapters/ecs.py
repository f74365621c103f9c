"""ECS: register task definitions, find the new task set's target group."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from turnout.adapters.aws import ServiceAdapter, error_code

if TYPE_CHECKING:
    from mypy_boto3_ecs import ECSClient


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
