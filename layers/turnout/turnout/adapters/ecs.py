"""ECS: register task definitions, find the new task set's target group."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from turnout.adapters.aws import ServiceAdapter

if TYPE_CHECKING:
    from mypy_boto3_ecs import ECSClient


class Ecs(ServiceAdapter["ECSClient"]):
    aws_service = "ecs"

    def __init__(self, cluster: str, service: str, client: ECSClient | None = None) -> None:
        self.cluster = cluster
        self.service = service
        super().__init__(client)

    def register(self, kwargs: dict[str, Any]) -> tuple[str, int]:
        td = self.api.register_task_definition(**kwargs)["taskDefinition"]
        return str(td["taskDefinitionArn"]), int(td["revision"])

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
