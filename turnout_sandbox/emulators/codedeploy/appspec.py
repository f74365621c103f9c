"""AppSpec parsing: the ECS AppSpec of a CreateDeployment revision, JSON or YAML.

Pure: reads the revision's content, returns an :class:`AppSpec` or raises
:class:`DeploymentFailure` (``INVALID_REVISION``) naming what is wrong. The rules follow the
CodeDeploy User Guide, "AppSpec 'resources' section (Amazon ECS deployments only)" and
"AppSpec 'hooks' section" (ECS lifecycle hooks).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import yaml  # type: ignore[import-untyped, unused-ignore]

from turnout_sandbox.emulators.codedeploy.exceptions import DeploymentFailure

__all__ = ["ECS_HOOK_EVENTS", "ECS_LIFECYCLE", "AppSpec", "parse_appspec"]

#: Lifecycle events of an ECS target, in the order CodeDeploy runs them.
ECS_LIFECYCLE: Final = (
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
)
#: The lifecycle events an AppSpec may hook a Lambda function to.
ECS_HOOK_EVENTS: Final = frozenset(
    {
        "BeforeInstall",
        "AfterInstall",
        "AfterAllowTestTraffic",
        "BeforeAllowTraffic",
        "AfterAllowTraffic",
    }
)


@dataclass
class AppSpec:
    task_definition: str
    container_name: str
    container_port: int
    platform_version: str | None
    network_configuration: dict[str, Any] | None
    capacity_provider_strategy: list[dict[str, Any]] | None
    hooks: dict[str, str]


def _appspec_text(revision: Mapping[str, Any]) -> str:
    kind = revision.get("revisionType")
    if kind == "AppSpecContent":
        content = (revision.get("appSpecContent") or {}).get("content")
    elif kind == "String":
        content = (revision.get("string") or {}).get("content")
    else:
        raise DeploymentFailure(
            "INVALID_REVISION",
            f"revision.revisionType {kind!r} is not supported by the sandbox CodeDeploy "
            "emulator; use AppSpecContent (revision.appSpecContent.content).",
        )
    if not isinstance(content, str) or not content.strip():
        raise DeploymentFailure(
            "INVALID_REVISION", "The AppSpec content (revision.appSpecContent.content) is empty."
        )
    return content


def parse_appspec(revision: Mapping[str, Any]) -> AppSpec:
    text = _appspec_text(revision)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DeploymentFailure(
            "INVALID_REVISION", f"The AppSpec content is not valid YAML or JSON: {exc}"
        ) from exc
    if not isinstance(document, dict):
        raise DeploymentFailure(
            "INVALID_REVISION", "The AppSpec content must be a mapping with Resources."
        )
    resources = document.get("Resources")
    if not isinstance(resources, list) or len(resources) != 1 or not isinstance(resources[0], dict):
        raise DeploymentFailure(
            "INVALID_REVISION",
            "AppSpec Resources must be a list with exactly one AWS::ECS::Service resource.",
        )
    (name, resource), *_ = resources[0].items()
    if not isinstance(resource, dict) or resource.get("Type") != "AWS::ECS::Service":
        raise DeploymentFailure(
            "INVALID_REVISION", f"AppSpec Resources[0].{name}.Type must be AWS::ECS::Service."
        )
    props = resource.get("Properties")
    where = f"AppSpec Resources[0].{name}.Properties"
    if not isinstance(props, dict):
        raise DeploymentFailure("INVALID_REVISION", f"{where} is missing.")
    task_definition = props.get("TaskDefinition")
    if not isinstance(task_definition, str) or not task_definition:
        raise DeploymentFailure("INVALID_REVISION", f"{where}.TaskDefinition is missing.")
    lb = props.get("LoadBalancerInfo")
    if not isinstance(lb, dict) or not isinstance(lb.get("ContainerName"), str):
        raise DeploymentFailure(
            "INVALID_REVISION", f"{where}.LoadBalancerInfo.ContainerName is missing."
        )
    try:
        port = int(lb.get("ContainerPort"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise DeploymentFailure(
            "INVALID_REVISION",
            f"{where}.LoadBalancerInfo.ContainerPort must be a port number, "
            f"got {lb.get('ContainerPort')!r}.",
        ) from exc
    hooks = _parse_hooks(document.get("Hooks"))
    network = props.get("NetworkConfiguration")
    return AppSpec(
        task_definition=task_definition,
        container_name=lb["ContainerName"],
        container_port=port,
        platform_version=props.get("PlatformVersion"),
        network_configuration=_network(network) if isinstance(network, dict) else None,
        capacity_provider_strategy=_capacity(props.get("CapacityProviderStrategy")),
        hooks=hooks,
    )


def _parse_hooks(raw: Any) -> dict[str, str]:
    hooks: dict[str, str] = {}
    raw_hooks = raw or []
    if not isinstance(raw_hooks, list):
        raise DeploymentFailure(
            "INVALID_REVISION", "AppSpec Hooks must be a list of 'Event: Function' entries."
        )
    for index, entry in enumerate(raw_hooks):
        if not isinstance(entry, dict):
            raise DeploymentFailure(
                "INVALID_REVISION", f"AppSpec Hooks[{index}] must be 'Event: Function'."
            )
        for event, function in entry.items():
            if event not in ECS_HOOK_EVENTS:
                raise DeploymentFailure(
                    "INVALID_REVISION",
                    f"AppSpec Hooks[{index}]: {event!r} is not an ECS lifecycle hook "
                    f"(expected one of {sorted(ECS_HOOK_EVENTS)}).",
                )
            if not isinstance(function, str) or not function:
                raise DeploymentFailure(
                    "INVALID_REVISION", f"AppSpec Hooks[{index}].{event} must name a function."
                )
            hooks[event] = function
    return hooks


def _network(network: Mapping[str, Any]) -> dict[str, Any] | None:
    awsvpc = network.get("AwsvpcConfiguration") or network.get("awsvpcConfiguration")
    if not isinstance(awsvpc, dict):
        return None
    converted: dict[str, Any] = {}
    for source, target in (
        ("Subnets", "subnets"),
        ("SecurityGroups", "securityGroups"),
        ("AssignPublicIp", "assignPublicIp"),
    ):
        value = awsvpc.get(source, awsvpc.get(target))
        if value is not None:
            converted[target] = value
    return {"awsvpcConfiguration": converted}


def _capacity(strategy: Any) -> list[dict[str, Any]] | None:
    if not isinstance(strategy, list):
        return None
    return [
        {
            "capacityProvider": item.get("CapacityProvider"),
            "weight": item.get("Weight", 0),
            "base": item.get("Base", 0),
        }
        for item in strategy
        if isinstance(item, dict)
    ]
