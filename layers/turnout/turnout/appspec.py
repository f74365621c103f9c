"""Render an ECS appspec.yaml (read at the commit that built the image) for CodeDeploy.

Pure: no AWS, network or clock. :func:`render_appspec` turns an ECS AppSpec (YAML or JSON)
into the JSON string for CodeDeploy ``revision.appSpecContent.content``, with the registered
task definition ARN and turnout's ``AfterAllowTraffic`` health-gate hook.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from turnout.errors import (
    AppSpecInvalid,
    ConfigError,
)
from turnout.hooks import GATE_HOOK_EVENT
from turnout.render import RenderedTaskDefinition
from turnout.textfiles import (
    MAX_APPSPEC_BYTES,
    MAX_RENDERED_APPSPEC_BYTES,
    bounded_json,
    bounded_messages,
    is_int,
    is_version_zero,
    kind_of,
    load_json,
    load_yaml,
    short,
    within,
)

#: Lifecycle events an ECS AppSpec may hook, in the order CodeDeploy runs them.
ECS_HOOK_EVENTS: tuple[str, ...] = (
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
)


_APPSPEC_TOP_KEYS: tuple[str, ...] = ("version", "Resources", "Hooks")
_APPSPEC_PROPERTIES: tuple[str, ...] = (
    "TaskDefinition",
    "LoadBalancerInfo",
    "PlatformVersion",
    "NetworkConfiguration",
    "CapacityProviderStrategy",
)
_ASSIGN_PUBLIC_IP: tuple[str, ...] = ("ENABLED", "DISABLED")


@dataclass(frozen=True)
class RenderedAppSpec:
    """An AppSpec ready for CodeDeploy CreateDeployment."""

    #: JSON for ``revision.appSpecContent.content``.
    content: str
    container_name: str
    container_port: int
    #: (event name, function) in order, turnout's gate hook included.
    hooks: tuple[tuple[str, str], ...]
    resource_name: str = "TargetService"
    properties: Mapping[str, Any] = field(default_factory=dict)


@bounded_messages
def render_appspec(
    text: str,
    *,
    task_definition_arn: str,
    taskdef: RenderedTaskDefinition,
    gate_hook_function: str,
    path: str = "appspec.yaml",
) -> RenderedAppSpec:
    """Render an ECS AppSpec: set the task definition ARN and add turnout's gate hook.

    Raises:
        AppSpecInvalid: over 16 KiB (32 KiB rendered), YAML aliases, not YAML/JSON, not an
            ECS AppSpec, a LoadBalancerInfo that does not match the task definition, or an
            AfterAllowTraffic hook of another function.
        ConfigError: an empty task definition ARN or gate function.
    """
    if not task_definition_arn.strip():
        raise ConfigError(f"{path}: the task definition ARN to put in is empty")
    if not gate_hook_function.strip():
        raise ConfigError(f"{path}: the gate hook function (for {GATE_HOOK_EVENT}) is empty")

    document = _load_appspec(within(text, path, MAX_APPSPEC_BYTES, AppSpecInvalid), path)
    _check_keys(document, _APPSPEC_TOP_KEYS, path, "the top level")
    version = _require(document, "version", path, "the top level")
    if not is_version_zero(version):
        raise AppSpecInvalid(f"{path}: 'version' must be 0.0, got {version!r}")

    resources = _require(document, "Resources", path, "the top level")
    if not isinstance(resources, list) or len(resources) != 1:
        raise AppSpecInvalid(
            f"{path}: 'Resources' must be a list of exactly one AWS::ECS::Service, "
            f"got {short(resources)}"
        )
    resource = resources[0]
    if not isinstance(resource, dict) or len(resource) != 1:
        raise AppSpecInvalid(
            f"{path}: Resources[0] must be one 'Name: {{Type, Properties}}' entry "
            f"(e.g. TargetService), got {short(resource)}"
        )
    ((resource_name, body),) = resource.items()
    where = f"Resources[0].{resource_name}"
    if not isinstance(body, dict):
        raise AppSpecInvalid(f"{path}: {where} must be a mapping, not {kind_of(body)}")
    _check_keys(body, ("Type", "Properties"), path, where)
    kind = _require(body, "Type", path, where)
    if kind != "AWS::ECS::Service":
        raise AppSpecInvalid(f"{path}: {where}.Type must be 'AWS::ECS::Service', got {kind!r}")
    properties = _require(body, "Properties", path, where)
    where = f"{where}.Properties"
    if not isinstance(properties, dict):
        raise AppSpecInvalid(f"{path}: {where} must be a mapping, not {kind_of(properties)}")
    _check_keys(properties, _APPSPEC_PROPERTIES, path, where)

    container_name, container_port = _load_balancer_info(properties, taskdef, path, where)
    _check_optional_properties(properties, path, where)
    hooks = _hooks(document.get("Hooks"), gate_hook_function, path)

    rendered_properties = {
        **copy.deepcopy(properties),
        "TaskDefinition": task_definition_arn,
    }
    rendered = {
        "version": 0.0,
        "Resources": [
            {
                resource_name: {
                    "Type": "AWS::ECS::Service",
                    "Properties": rendered_properties,
                }
            }
        ],
        "Hooks": [{event: function} for event, function in hooks],
    }
    return RenderedAppSpec(
        content=bounded_json(rendered, path, MAX_RENDERED_APPSPEC_BYTES, AppSpecInvalid),
        container_name=container_name,
        container_port=container_port,
        hooks=hooks,
        resource_name=str(resource_name),
        properties=rendered_properties,
    )


def _load_balancer_info(
    properties: dict[str, Any], taskdef: RenderedTaskDefinition, path: str, where: str
) -> tuple[str, int]:
    info = _require(properties, "LoadBalancerInfo", path, where)
    where = f"{where}.LoadBalancerInfo"
    if not isinstance(info, dict):
        raise AppSpecInvalid(f"{path}: {where} must be a mapping, not {kind_of(info)}")
    _check_keys(info, ("ContainerName", "ContainerPort"), path, where)
    name = _require(info, "ContainerName", path, where)
    containers = list(taskdef.container_ports)
    if not isinstance(name, str) or name not in taskdef.container_ports:
        raise AppSpecInvalid(
            f"{path}: {where}.ContainerName is {name!r}, which is not a container of the task "
            f"definition; the containers are {containers}"
        )
    port = _require(info, "ContainerPort", path, where)
    ports = taskdef.container_ports[name]
    if isinstance(port, str):
        # The ECS AppSpec "resources" reference: "Each property is specified with a string
        # except for ContainerPort, which is a number."
        number = port.strip()
        suggestion = f" such as {ports[0]}" if ports else ""
        if number.isdigit():
            suggestion = f": write ContainerPort: {number} (no quotes)"
        raise AppSpecInvalid(
            f"{path}: {where}.ContainerPort is the string {port!r}, but it must be a "
            f"number{suggestion}"
        )
    if not is_int(port) or port not in ports:
        mapped = f"maps containerPorts {list(ports)}" if ports else "has no portMappings"
        raise AppSpecInvalid(
            f"{path}: {where}.ContainerPort is {port!r}, but container {name!r} {mapped} "
            f"in the task definition"
        )
    return name, port


def _check_optional_properties(properties: dict[str, Any], path: str, where: str) -> None:
    platform = properties.get("PlatformVersion")
    if platform is not None and (not isinstance(platform, str) or not platform.strip()):
        raise AppSpecInvalid(
            f"{path}: {where}.PlatformVersion must be a string such as 'LATEST' or '1.4.0', "
            f"got {platform!r}"
        )
    if "NetworkConfiguration" in properties:
        _check_network(properties["NetworkConfiguration"], path, f"{where}.NetworkConfiguration")
    if "CapacityProviderStrategy" in properties:
        _check_capacity(
            properties["CapacityProviderStrategy"],
            path,
            f"{where}.CapacityProviderStrategy",
        )


def _check_network(network: Any, path: str, where: str) -> None:
    if not isinstance(network, dict):
        raise AppSpecInvalid(f"{path}: {where} must be a mapping, not {kind_of(network)}")
    _check_keys(network, ("AwsvpcConfiguration",), path, where)
    vpc = _require(network, "AwsvpcConfiguration", path, where)
    where = f"{where}.AwsvpcConfiguration"
    if not isinstance(vpc, dict):
        raise AppSpecInvalid(f"{path}: {where} must be a mapping, not {kind_of(vpc)}")
    _check_keys(vpc, ("Subnets", "SecurityGroups", "AssignPublicIp"), path, where)
    for key in ("Subnets", "SecurityGroups"):
        value = vpc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise AppSpecInvalid(f"{path}: {where}.{key} must be a list of ids, got {value!r}")
    if not vpc.get("Subnets"):
        raise AppSpecInvalid(f"{path}: {where}.Subnets must list at least one subnet id")
    assign = vpc.get("AssignPublicIp", "DISABLED")
    if assign not in _ASSIGN_PUBLIC_IP:
        raise AppSpecInvalid(
            f"{path}: {where}.AssignPublicIp must be ENABLED or DISABLED, got {assign!r}"
        )


def _check_capacity(strategy: Any, path: str, where: str) -> None:
    if not isinstance(strategy, list) or not strategy:
        raise AppSpecInvalid(f"{path}: {where} must be a non-empty list, got {short(strategy)}")
    for index, item in enumerate(strategy):
        at = f"{where}[{index}]"
        if not isinstance(item, dict):
            raise AppSpecInvalid(f"{path}: {at} must be a mapping, not {kind_of(item)}")
        _check_keys(item, ("CapacityProvider", "Base", "Weight"), path, at)
        provider = _require(item, "CapacityProvider", path, at)
        if not isinstance(provider, str) or not provider:
            raise AppSpecInvalid(f"{path}: {at}.CapacityProvider must be a name, got {provider!r}")
        for key in ("Base", "Weight"):
            if key in item and (not is_int(item[key]) or item[key] < 0):
                raise AppSpecInvalid(
                    f"{path}: {at}.{key} must be a non-negative integer, got {item[key]!r}"
                )


def _hooks(value: Any, gate_function: str, path: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        value = []
    if not isinstance(value, list):
        raise AppSpecInvalid(
            f"{path}: 'Hooks' must be a list of 'EventName: FunctionName' entries, "
            f"not {kind_of(value)}"
        )
    hooks: list[tuple[str, str]] = []
    for index, entry in enumerate(value):
        where = f"Hooks[{index}]"
        if not isinstance(entry, dict) or len(entry) != 1:
            raise AppSpecInvalid(
                f"{path}: {where} must be one 'EventName: FunctionName' entry, got {short(entry)}"
            )
        ((event, function),) = entry.items()
        if event not in ECS_HOOK_EVENTS:
            raise AppSpecInvalid(
                f"{path}: {where} has event {event!r}; an ECS deployment's hook events are "
                f"{list(ECS_HOOK_EVENTS)}"
            )
        if not isinstance(function, str) or not function.strip():
            raise AppSpecInvalid(
                f"{path}: {where}.{event} must be a Lambda function name or ARN, got {function!r}"
            )
        if any(event == seen for seen, _ in hooks):
            raise AppSpecInvalid(f"{path}: {where}: event {event!r} is hooked twice")
        hooks.append((event, function))

    existing = dict(hooks).get(GATE_HOOK_EVENT)
    if existing is None:
        hooks.append((GATE_HOOK_EVENT, gate_function))
    elif existing != gate_function:
        raise AppSpecInvalid(
            f"{path}: Hooks has {GATE_HOOK_EVENT}: {existing!r}, but turnout runs its health "
            f"gate on {GATE_HOOK_EVENT} ({gate_function!r}); move that hook to another event "
            f"(e.g. BeforeAllowTraffic or AfterAllowTestTraffic)"
        )
    return tuple(hooks)


# --------------------------------------------------------------------------- appspec helpers


def _load_appspec(text: str, path: str) -> dict[str, Any]:
    if path.lower().endswith(".json") or text.lstrip().startswith("{"):
        document = load_json(text, path, AppSpecInvalid)
    else:
        document = load_yaml(text, path, AppSpecInvalid)
    if document is None:
        raise AppSpecInvalid(f"{path}: is empty")
    if not isinstance(document, dict):
        raise AppSpecInvalid(
            f"{path}: the top level must be a mapping (version, Resources, Hooks), "
            f"not {kind_of(document)}"
        )
    return document


def _check_keys(mapping: dict[Any, Any], allowed: tuple[str, ...], path: str, where: str) -> None:
    for key in mapping:
        if key in allowed:
            continue
        hint = next(
            (a for a in allowed if isinstance(key, str) and a.lower() == key.lower()),
            None,
        )
        if hint is not None:
            raise AppSpecInvalid(f"{path}: {where} has {key!r}; the ECS AppSpec spells it {hint!r}")
        raise AppSpecInvalid(
            f"{path}: {where} has unknown key {key!r}; expected {', '.join(allowed)}"
        )


def _require(mapping: dict[Any, Any], key: str, path: str, where: str) -> Any:
    if key not in mapping:
        raise AppSpecInvalid(f"{path}: {where} has no {key!r}")
    return mapping[key]
