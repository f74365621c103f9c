"""The demo service under ECS built-in blue/green (``DemoService(engine="ecs")``): the same
ALB, target groups and task definition as the seed's, but an ECS-controlled service with
strategy BLUE_GREEN whose ``advancedConfiguration`` names the alternate target group and the
production / test listener rules ECS shifts traffic on (ECS developer guide,
blue-green-deployment-implementation.html; API_AdvancedConfiguration). No CodeDeploy."""

from __future__ import annotations

from typing import Any, Protocol

from turnout_sandbox.clients import cached_client
from turnout_sandbox.runtime import get_runtime


class _Names(Protocol):
    @property
    def cluster(self) -> str: ...

    @property
    def service(self) -> str: ...

    @property
    def container(self) -> str: ...


class DemoService(Protocol):
    """What this module needs of :class:`turnout_sandbox.demo.DemoService` (which imports
    this module: a Protocol keeps the two apart)."""

    @property
    def n(self) -> _Names: ...

    @property
    def arns(self) -> dict[str, str]: ...

    @property
    def ecs_deployment_configuration(self) -> dict[str, Any] | None: ...

    def commit_of_task_definition(self, td_arn: str) -> str | None: ...


def weighted_rule(elb: Any, listener: str, blue: str, green: str) -> str:
    """A listener rule forwarding to both target groups of the pair, blue at 100 (ECS keeps
    both on the rule and moves the weights: blue-green-deployment-implementation.html)."""
    return str(
        elb.create_rule(
            ListenerArn=listener,
            Priority=1,
            Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
            Actions=[
                {
                    "Type": "forward",
                    "ForwardConfig": {
                        "TargetGroups": [
                            {"TargetGroupArn": blue, "Weight": 100},
                            {"TargetGroupArn": green, "Weight": 0},
                        ]
                    },
                }
            ],
        )["Rules"][0]["RuleArn"]
    )


def create_ecs_service(  # noqa: PLR0917
    demo: DemoService,
    ecs: Any,
    elb: Any,
    infrastructure_role: str,
    task_definition_arn: str,
    network: dict[str, Any],
) -> None:
    blue, green = demo.arns["blue"], demo.arns["green"]
    demo.arns["prodRule"] = weighted_rule(elb, demo.arns["prodListener"], blue, green)
    demo.arns["testRule"] = weighted_rule(elb, demo.arns["testListener"], blue, green)
    n = demo.n
    ecs.create_service(
        cluster=n.cluster,
        serviceName=n.service,
        taskDefinition=task_definition_arn,
        desiredCount=2,
        launchType="FARGATE",
        deploymentController={"type": "ECS"},
        # botocore model, DeploymentConfiguration.bakeTimeInMinutes: required for BLUE_GREEN.
        deploymentConfiguration={"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0},
        networkConfiguration=network,
        loadBalancers=[
            {
                "targetGroupArn": blue,
                "containerName": n.container,
                "containerPort": 8080,
                "advancedConfiguration": {
                    "alternateTargetGroupArn": green,
                    "productionListenerRule": demo.arns["prodRule"],
                    "testListenerRule": demo.arns["testRule"],
                    "roleArn": infrastructure_role,
                },
            }
        ],
    )

    if demo.ecs_deployment_configuration:
        # The first revision goes live at once; later deployments use the service's own
        # strategy (a change of deploymentConfiguration alone starts no deployment:
        # service-deployment.html lists what does).
        ecs.update_service(
            cluster=n.cluster,
            service=n.service,
            deploymentConfiguration=demo.ecs_deployment_configuration,
        )


def _heaviest(weights: dict[str, int]) -> str | None:
    return max(weights, key=lambda group: weights[group]) if weights else None


def _revisions(demo: DemoService) -> list[dict[str, Any]]:
    """The service's revisions (of its newest 20 deployments), the newest first."""
    ecs = cached_client("ecs", get_runtime().region)
    n = demo.n
    briefs = ecs.list_service_deployments(cluster=n.cluster, service=n.service)[
        "serviceDeployments"
    ]
    revisions = [str(b["targetServiceRevisionArn"]) for b in briefs][:20]
    described = (
        ecs.describe_service_revisions(serviceRevisionArns=revisions)["serviceRevisions"]
        if revisions
        else []
    )
    described.sort(key=lambda r: r["createdAt"], reverse=True)
    return list(described)


def _task_definition_on(group: str | None, revisions: list[dict[str, Any]]) -> str | None:
    """The task definition of the newest revision whose resolved target group is ``group``
    (DescribeServiceRevisions, resolvedConfiguration.loadBalancers)."""
    return next(
        (
            str(r["taskDefinition"])
            for r in revisions
            if any(
                lb.get("targetGroupArn") == group
                for lb in r.get("resolvedConfiguration", {}).get("loadBalancers", [])
            )
        ),
        None,
    )


def _production_weights(demo: DemoService) -> dict[str, int]:
    from turnout_sandbox.emulators.ecs_bluegreen import rule_weights

    rt = get_runtime()
    return rule_weights(rt.account, rt.region, demo.arns["prodRule"])


def serving_ecs(demo: DemoService) -> dict[str, Any]:
    """Which revision (and commit) the production listener rule sends most traffic to: the
    service revision whose resolved target group is that one, the newest first."""
    weights = _production_weights(demo)
    group = _heaviest(weights)
    td = _task_definition_on(group, _revisions(demo))
    return {
        "targetGroup": "green" if group == demo.arns["green"] else "blue",
        "taskDefinitionArn": td,
        "commit": demo.commit_of_task_definition(td) if td else None,
        "weights": weights,
        "taskSets": [],
    }


def commits_in_production(demo: DemoService) -> list[str | None]:
    """The commit of every revision the production listener rule sends any traffic to (a
    LINEAR or CANARY step splits it): what the demo's 5xx alarm sees."""
    revisions = _revisions(demo)
    tds = [
        _task_definition_on(group, revisions)
        for group, weight in _production_weights(demo).items()
        if weight > 0
    ]
    return [demo.commit_of_task_definition(td) if td else None for td in tds]
