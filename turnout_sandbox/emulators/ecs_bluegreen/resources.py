"""What a blue/green deployment reads and changes in moto's other services, through their
public backend methods: ELBv2 listener rules (weights), ECR images (digests), CloudWatch alarms
(states) and the ECS service itself."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final

from moto.cloudwatch.models import cloudwatch_backends
from moto.ecr.models import ecr_backends
from moto.ecs.exceptions import ServiceNotFoundException
from moto.ecs.models import ecs_backends
from moto.elbv2.models import elbv2_backends

from turnout_sandbox.emulators.ecs_bluegreen.config import LoadBalancerConfig

__all__ = [
    "INVALID_NETWORKING",
    "alarms_in_alarm",
    "container_images",
    "ecs_service",
    "networking_problem",
    "route",
    "rule_weights",
]

#: ECS developer guide (migrate-codedeploy-to-ecs-bluegreen.html, troubleshooting): the status
#: reason of a deployment whose target groups are not both on the listener rules.
INVALID_NETWORKING: Final = (
    "Service deployment rolled back because of invalid networking configuration. Both "
    "targetGroup and alternateTargetGroup must be associated with the productionListenerRule "
    "or testListenerRule."
)
#: ``<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]``
_ECR_IMAGE: Final = re.compile(
    r"^(?P<registry>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


def ecs_service(account: str, region: str, cluster: str, service: str) -> Any:
    """moto's Service (ServiceNotFoundException / ClusterNotFoundException like ECS)."""
    services, _ = ecs_backends[account][region].describe_services(cluster, [service])
    if not services:
        raise ServiceNotFoundException
    return services[0]


# ---------------------------------------------------------------------------- ECR digests
def _ecr_digest(account: str, image: str) -> str | None:
    match = _ECR_IMAGE.match(image)
    if match is None:
        return None
    if match["digest"]:
        return match["digest"]
    try:
        images = ecr_backends[match["registry"] or account][match["region"]].describe_images(
            match["repository"],
            registry_id=match["registry"],
            image_ids=[{"imageTag": match["tag"] or "latest"}],
        )
    except Exception:  # unknown repository or tag: AWS would fail the tasks, not the revision
        return None
    for found in images:
        return str(found.get_image_digest())
    return None


def container_images(account: str, region: str, task_definition: str) -> list[dict[str, str]]:
    """DescribeServiceRevisions' containerImages: ECS resolves each container's image tag to a
    digest so that every task of a revision runs the same image (ECS developer guide,
    deployment-type-ecs "container image resolution"); images outside the sandbox's ECR keep
    no digest."""
    task_def = ecs_backends[account][region].describe_task_definition(task_definition)
    images: list[dict[str, str]] = []
    for container in task_def.container_definitions:
        image = str(container.get("image", ""))
        entry = {"containerName": str(container.get("name", "")), "image": image}
        digest = _ecr_digest(account, image)
        if digest is not None:
            entry["imageDigest"] = digest
        images.append(entry)
    return images


# ---------------------------------------------------------------------------- ELB rules
def _elb(account: str, region: str) -> Any:
    return elbv2_backends[account][region]


def _rule(account: str, region: str, rule_arn: str) -> Any | None:
    """The ALB listener rule, or (an NLB's ``productionListenerRule`` is its listener ARN,
    API_AdvancedConfiguration) the listener; None when neither exists."""
    elb = _elb(account, region)
    try:
        rules = elb.describe_rules(listener_arn=None, rule_arns=[rule_arn])
    except Exception:
        rules = []
    if rules:
        return rules[0]
    try:
        listeners = elb.describe_listeners(load_balancer_arn=None, listener_arns=[rule_arn])
    except Exception:
        return None
    return listeners[0] if listeners else None


def _actions(rule: Any) -> list[Any]:
    return list(getattr(rule, "actions", None) or getattr(rule, "default_actions", None) or [])


def _forwarded_groups(rule: Any) -> dict[str, int]:
    groups: dict[str, int] = {}
    for action in _actions(rule):
        data = getattr(action, "data", {}) or {}
        if data.get("Type") != "forward":
            continue
        if data.get("TargetGroupArn"):
            groups[str(data["TargetGroupArn"])] = 1
        for group in (data.get("ForwardConfig") or {}).get("TargetGroups") or []:
            groups[str(group["TargetGroupArn"])] = int(group.get("Weight", 1))
    return groups


def rule_weights(account: str, region: str, rule_arn: str) -> dict[str, int]:
    """The target groups a rule forwards to, with their weights (tests, the timeline)."""
    rule = _rule(account, region, rule_arn)
    return {} if rule is None else _forwarded_groups(rule)


def networking_problem(account: str, region: str, lbs: Iterable[LoadBalancerConfig]) -> bool:
    """True when a listener rule is missing or does not forward to both target groups of its
    pair (the INVALID_NETWORKING rollback)."""
    for lb in lbs:
        pair = {lb.target_group_arn, lb.alternate_target_group_arn}
        for rule_arn in filter(None, (lb.production_listener_rule, lb.test_listener_rule)):
            rule = _rule(account, region, rule_arn)
            if rule is None or not pair <= set(_forwarded_groups(rule)):
                return True
    return False


def _elb_weight(percent: Decimal) -> int:
    """ELB forward weights are integers 0..999 (ELBv2 API TargetGroupTuple.Weight): the
    percentage rounded, at least 1 while the group gets any traffic."""
    if percent <= 0:
        return 0
    return max(1, min(100, int(percent.to_integral_value())))


def route(
    account: str,
    region: str,
    rule_arn: str,
    *,
    blue: str,
    green: str,
    green_percent: Decimal,
) -> None:
    """Forward ``green_percent`` of the rule's traffic to ``green`` and the rest to ``blue``,
    both kept on the rule the way ECS does (a weighted forward action over the pair)."""
    green_weight = _elb_weight(green_percent)
    groups = [
        {"TargetGroupArn": blue, "Weight": 100 - green_weight},
        {"TargetGroupArn": green, "Weight": green_weight},
    ]
    action = {"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}
    elb = _elb(account, region)
    rule = _rule(account, region, rule_arn)
    if rule is None:
        return
    actions = [json.loads(json.dumps(action))]
    if hasattr(rule, "default_actions") and not hasattr(rule, "priority"):
        elb.modify_listener(rule_arn, certificates=[], actions=actions)
    elif getattr(rule, "is_default", False):
        elb.modify_listener(rule.listener_arn, certificates=[], actions=actions)
    else:
        elb.modify_rule(rule_arn, conditions=[], actions=actions)


# ---------------------------------------------------------------------------- alarms
def alarms_in_alarm(account: str, region: str, names: Iterable[str]) -> list[str]:
    """The named CloudWatch alarms whose state is ALARM (deployment-alarm-failure.html)."""
    wanted = list(names)
    if not wanted:
        return []
    alarms = cloudwatch_backends[account][region].get_alarms_by_alarm_names(wanted)
    return sorted(alarm.name for alarm in alarms if alarm.state_value == "ALARM")
