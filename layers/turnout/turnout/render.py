"""Render taskdef.json and appspec.yaml (read at the commit that built the image).

Pure: no AWS, network or clock. :mod:`turnout.textfiles` reads the files (PyYAML lazily).

* :func:`render_task_definition` turns what the ECS console "JSON" tab or
  ``aws ecs describe-task-definition`` prints into ``ecs.register_task_definition`` keyword
  arguments, with the image placeholders (``<IMAGE>``, ``<IMAGE1_NAME>``, ...) filled in.
* :func:`render_appspec` turns an ECS AppSpec (YAML or JSON) into the JSON string for
  CodeDeploy ``revision.appSpecContent.content``, with the registered task definition ARN and
  turnout's ``AfterAllowTraffic`` health-gate hook.
* :func:`parse_extra_images` parses the ``NAME=image,...`` string of extra images.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from turnout.errors import (
    AppSpecInvalid,
    ConfigError,
    PlaceholderMissing,
    TaskDefinitionInvalid,
    UnknownContainer,
)
from turnout.hooks import GATE_HOOK_EVENT
from turnout.textfiles import (
    MAX_APPSPEC_BYTES,
    MAX_RENDERED_APPSPEC_BYTES,
    MAX_TASKDEF_BYTES,
    TEMPLATE_TOKEN,
    bounded_json,
    bounded_messages,
    is_int,
    is_version_zero,
    kind_of,
    load_json,
    load_yaml,
    short,
    template_note,
    within,
    without_nulls,
)

#: Placeholders whose value is the image that was just built (the lead passes both).
BUILT_IMAGE_KEYS: tuple[str, ...] = ("IMAGE", "IMAGE1_NAME")

#: Fields of a described task definition that RegisterTaskDefinition does not accept.
READ_ONLY_FIELDS: tuple[str, ...] = (
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
    "deleteRequestedAt",
)

#: Fields RegisterTaskDefinition accepts (botocore ecs model of boto3 1.44, which the tests
#: run with). In Lambda the function runs with the runtime's boto3, which may lack the newest
#: of them: the render takes only what the client's own model accepts (``accepted``) and
#: names a newer field instead of failing in botocore's parameter validation (aws-fidelity
#: row 18).
REGISTER_FIELDS: tuple[str, ...] = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "tags",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
    "enableFaultInjection",
    "trustedExecutionConfiguration",
)

#: Keys allowed beside ``taskDefinition`` in describe-task-definition output.
_WRAPPER_KEYS: frozenset[str] = frozenset({"taskDefinition", "tags", "ResponseMetadata"})

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

_PLACEHOLDER = re.compile(r"^<([^<>\s]+)>$")
#: Container fields that users put at the top of the task definition by mistake.
_CONTAINER_FIELDS: frozenset[str] = frozenset(
    {
        "command",
        "dependsOn",
        "entryPoint",
        "environment",
        "environmentFiles",
        "essential",
        "healthCheck",
        "image",
        "logConfiguration",
        "mountPoints",
        "portMappings",
        "secrets",
        "ulimits",
    }
)
#: ECS RegisterTaskDefinition, ``family`` and ``ContainerDefinition.name``: "Up to 255 letters
#: (uppercase and lowercase), numbers, underscores, and hyphens are allowed."
_ECS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
#: Characters Docker's image reference grammar has no place for (distribution/reference).
_NOT_IN_REFERENCE = re.compile(r"[\s<>{}\[\]]")
_EXTRA_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


# --------------------------------------------------------------------------- task definition


@dataclass(frozen=True)
class RenderedTaskDefinition:
    """A task definition ready to register."""

    #: ``ecs.register_task_definition(**register_kwargs)`` (boto3 camelCase keys).
    register_kwargs: dict[str, Any]
    #: Read-only fields that were removed (for a logged note).
    dropped_fields: tuple[str, ...]
    #: Container name -> its ``portMappings[].containerPort`` values, in file order.
    container_ports: dict[str, tuple[int, ...]]
    #: Container name -> the image that was put in.
    replaced: dict[str, str]
    #: Paths of the JSON ``null`` values that were removed (``containerDefinitions[0].memory``).
    dropped_nulls: tuple[str, ...] = ()


@bounded_messages
def render_task_definition(
    text: str,
    images: Mapping[str, str],
    *,
    path: str = "taskdef.json",
    accepted: Collection[str] | None = None,
) -> RenderedTaskDefinition:
    """Render ``taskdef.json`` with ``images`` put in.

    ``images`` maps a placeholder or a container name to an image URI. A key ``K`` whose
    ``<K>`` is some container's image fills every such container; otherwise a key equal to a
    container name pins that container's image. ``IMAGE`` and ``IMAGE1_NAME`` (the built
    image) may go unused one at a time, but one of them must be put in somewhere.

    A UTF-8 byte-order mark at the start is ignored. JSON ``null`` values (the ECS console's
    "JSON" tab writes one for every unset field; botocore refuses them) are removed at any
    depth, and their paths listed in ``dropped_nulls``.

    Raises:
        TaskDefinitionInvalid: over 64 KiB, not JSON, not a task definition, or a field that
            RegisterTaskDefinition does not accept (read-only fields are dropped, not refused).
        UnknownContainer: a key is neither a placeholder in the file nor a container.
        PlaceholderMissing: a ``<PLACEHOLDER>`` image has no value, a value is empty, or the
            built image goes nowhere.
        ConfigError: a container name key pins a container already filled by a placeholder.
    """
    text = within(text, path, MAX_TASKDEF_BYTES, TaskDefinitionInvalid)
    document = load_json(text, path, TaskDefinitionInvalid)
    if not isinstance(document, dict):
        raise TaskDefinitionInvalid(
            f"{path}: the top level must be a JSON object (a task definition), "
            f"not {kind_of(document)}"
        )
    taskdef, wrapper_tags, dropped = _unwrap(document, path)

    kwargs: dict[str, Any] = {}
    nulls: list[str] = []
    for key, value in taskdef.items():
        if key in READ_ONLY_FIELDS:
            dropped.append(key)
        elif value is None:
            nulls.append(key)
        elif key in REGISTER_FIELDS and (accepted is None or key in accepted):
            kwargs[key] = without_nulls(value, key, nulls)
        elif key in REGISTER_FIELDS:
            raise TaskDefinitionInvalid(
                f"{path}: task definition field {key!r} is newer than the botocore this "
                "function runs with (the Lambda runtime's): its RegisterTaskDefinition takes "
                f"{', '.join(sorted(set(REGISTER_FIELDS) & set(accepted or ())))}; drop the "
                "field, or ship a newer boto3 in the layer"
            )
        else:
            hint = (
                " (a container field: move it into each containerDefinitions[] entry that needs it)"
                if key in _CONTAINER_FIELDS
                else ""
            )
            raise TaskDefinitionInvalid(
                f"{path}: unknown task definition field {key!r}{hint}; RegisterTaskDefinition "
                f"accepts {', '.join(sorted(REGISTER_FIELDS))}"
            )
    if wrapper_tags:
        kwargs["tags"] = without_nulls(wrapper_tags, "tags", nulls)

    family = kwargs.get("family")
    if not isinstance(family, str) or not family.strip():
        raise TaskDefinitionInvalid(f"{path}: 'family' must be a non-empty string, got {family!r}")
    if not _ECS_NAME.match(family):
        raise TaskDefinitionInvalid(
            f"{path}: 'family' is {family!r}; ECS allows up to 255 letters, numbers, "
            f"underscores and hyphens{template_note(family)}"
        )
    containers = _containers(kwargs.get("containerDefinitions"), path)

    replaced = _put_images(containers, images, path)
    ports = {str(c["name"]): _ports(c, index, path) for index, c in enumerate(containers)}
    return RenderedTaskDefinition(
        register_kwargs=kwargs,
        dropped_fields=tuple(dropped),
        container_ports=ports,
        replaced=replaced,
        dropped_nulls=tuple(nulls),
    )


def _unwrap(document: dict[str, Any], path: str) -> tuple[dict[str, Any], list[Any], list[str]]:
    """Return (task definition, tags from the wrapper, dropped wrapper keys)."""
    if "taskDefinition" not in document:
        return document, [], []
    unexpected = sorted(set(document) - _WRAPPER_KEYS)
    if unexpected:
        raise TaskDefinitionInvalid(
            f"{path}: has 'taskDefinition' (describe-task-definition output) beside unexpected "
            f"keys {unexpected}; only 'tags' may be next to it"
        )
    inner = document["taskDefinition"]
    if not isinstance(inner, dict):
        raise TaskDefinitionInvalid(
            f"{path}: 'taskDefinition' must be an object, not {kind_of(inner)}"
        )
    tags = document.get("tags", [])
    if not isinstance(tags, list) or not all(
        isinstance(t, dict) and isinstance(t.get("key"), str) for t in tags
    ):
        raise TaskDefinitionInvalid(
            f'{path}: \'tags\' must be a list of {{"key": ..., "value": ...}} objects, got {tags!r}'
        )
    if tags and "tags" in inner:
        raise TaskDefinitionInvalid(
            f"{path}: 'tags' appears both inside and beside 'taskDefinition'; keep one"
        )
    dropped = ["ResponseMetadata"] if "ResponseMetadata" in document else []
    return inner, copy.deepcopy(tags), dropped


def _containers(value: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise TaskDefinitionInvalid(
            f"{path}: 'containerDefinitions' must be a non-empty list, got {short(value)}"
        )
    seen: set[str] = set()
    for index, container in enumerate(value):
        where = f"{path}: containerDefinitions[{index}]"
        if not isinstance(container, dict):
            raise TaskDefinitionInvalid(f"{where} must be an object, not {kind_of(container)}")
        name = container.get("name")
        if name is None:
            raise TaskDefinitionInvalid(f"{where} has no 'name'")
        if not isinstance(name, str) or not name.strip():
            raise TaskDefinitionInvalid(f"{where} 'name' must be a non-empty string, got {name!r}")
        if not _ECS_NAME.match(name):
            raise TaskDefinitionInvalid(
                f"{where} 'name' is {name!r}; ECS allows up to 255 letters, numbers, "
                f"underscores and hyphens{template_note(name)}"
            )
        if name in seen:
            raise TaskDefinitionInvalid(f"{where}: container name {name!r} is used twice")
        seen.add(name)
        image = container.get("image")
        if image is None:
            raise TaskDefinitionInvalid(f"{where} ({name!r}) has no 'image'")
        if not isinstance(image, str) or not image.strip():
            hint = "; write '<IMAGE>' where turnout puts the image it built" if image == "" else ""
            raise TaskDefinitionInvalid(
                f"{where} ({name!r}) 'image' must be a non-empty string, got {image!r}{hint}"
            )
    return value


def _put_images(
    containers: list[dict[str, Any]], images: Mapping[str, str], path: str
) -> dict[str, str]:
    names = [str(c["name"]) for c in containers]
    placeholders = {
        c["name"]: m.group(1) for c in containers if (m := _PLACEHOLDER.match(c["image"]))
    }
    used_placeholders = set(placeholders.values())
    _check_image_values(images, path)

    replaced: dict[str, str] = {}
    pins: dict[str, str] = {}
    for key, value in images.items():
        if key in used_placeholders:
            for container in containers:
                if placeholders.get(container["name"]) == key:
                    container["image"] = value
                    replaced[container["name"]] = value
        elif key in names:
            pins[key] = value
        elif key not in BUILT_IMAGE_KEYS:
            raise UnknownContainer(
                f"{path}: {key!r} is neither a placeholder '<{key}>' in the file nor a "
                f"container; the containers are {names}"
            )
    for name, value in pins.items():
        if name in replaced:
            raise ConfigError(
                f"{path}: container {name!r} gets {replaced[name]!r} from its placeholder "
                f"<{placeholders[name]}>, so it cannot also be pinned to {value!r}"
            )
        container = containers[names.index(name)]
        container["image"] = value
        replaced[name] = value

    _check_all_filled(containers, placeholders, replaced, path)
    _check_references(containers, path)
    return replaced


def _check_references(containers: list[dict[str, Any]], path: str) -> None:
    """No image may keep another tool's template value: no image reference holds a blank or
    any of ``<>{}[]`` (Docker's reference grammar), so ECS could never pull it."""
    for index, container in enumerate(containers):
        image = container["image"]
        if _NOT_IN_REFERENCE.search(image):
            name = container["name"]
            raise TaskDefinitionInvalid(
                f"{path}: containerDefinitions[{index}] ({name!r}) image {image!r} is not an "
                f"image reference{template_note(image)}: write the image itself, or give it in "
                f"the ExtraImages parameter ({name}=<image URI>)"
            )


def _check_image_values(images: Mapping[str, str], path: str) -> None:
    for key, value in images.items():
        if not isinstance(value, str) or not value.strip() or _PLACEHOLDER.match(value):
            raise PlaceholderMissing(
                f"{path}: the image given for {key!r} is {value!r}, not an image URI"
            )


def _check_all_filled(
    containers: list[dict[str, Any]],
    placeholders: Mapping[str, str],
    replaced: Mapping[str, str],
    path: str,
) -> None:
    unfilled = [
        (str(c["name"]), match.group(1))
        for c in containers
        if (match := _PLACEHOLDER.match(c["image"]))
    ]
    if unfilled:
        raise PlaceholderMissing(_unfilled_message(unfilled, set(placeholders.values()), path))

    if not any(placeholders.get(name) in BUILT_IMAGE_KEYS for name in replaced):
        images = ", ".join(f"{c['name']!r}: {c['image']!r}" for c in containers)
        tokens = sorted({t for c in containers for t in TEMPLATE_TOKEN.findall(c["image"])})
        templated = (
            f"; the images hold another tool's template values ({', '.join(tokens)}), which "
            f"turnout does not fill"
            if tokens
            else ""
        )
        raise PlaceholderMissing(
            f"{path}: no container image is '<IMAGE>' or '<IMAGE1_NAME>'; put one of them "
            f"where the built image goes (the images are {images}{templated})"
        )


def _unfilled_message(unfilled: list[tuple[str, str]], in_file: set[str], path: str) -> str:
    """One message listing every placeholder without a value, and how to mend the file."""
    names = list(dict.fromkeys(key for _, key in unfilled))
    where = ", ".join(f"container {name!r} has image '<{key}>'" for name, key in unfilled)
    unknown = [key for key in names if key not in BUILT_IMAGE_KEYS]
    listed = ", ".join(repr(key) for key in names)
    message = f"{path}: no value was given for placeholder {listed} ({where})"
    if not unknown:
        return message
    example = ",".join(f"{key}=<image URI>" for key in unknown)
    if in_file & set(BUILT_IMAGE_KEYS):
        return (
            f"{message}; turnout fills only '<IMAGE>' and '<IMAGE1_NAME>' with the image it "
            f"built: map the others in the ExtraImages parameter ({example})"
        )
    return (
        f"{message}; turnout fills only '<IMAGE>' and '<IMAGE1_NAME>' with the image it built: "
        f"write '<IMAGE>' (or '<IMAGE1_NAME>') for the built image instead, and map any other "
        f"placeholder in the ExtraImages parameter ({example})"
    )


def _ports(container: dict[str, Any], index: int, path: str) -> tuple[int, ...]:
    where = f"{path}: containerDefinitions[{index}] ({container['name']!r})"
    mappings = container.get("portMappings", [])
    if not isinstance(mappings, list):
        raise TaskDefinitionInvalid(
            f"{where} 'portMappings' must be a list, not {kind_of(mappings)}"
        )
    ports: list[int] = []
    for number, mapping in enumerate(mappings):
        if not isinstance(mapping, dict):
            raise TaskDefinitionInvalid(
                f"{where} portMappings[{number}] must be an object, not {kind_of(mapping)}"
            )
        port = mapping.get("containerPort")
        if port is None:  # e.g. only a containerPortRange
            continue
        if not is_int(port):
            raise TaskDefinitionInvalid(
                f"{where} portMappings[{number}].containerPort must be an integer, got {port!r}"
            )
        if port not in ports:
            ports.append(port)
    return tuple(ports)


# --------------------------------------------------------------------------- extra images


def parse_extra_images(value: str, *, source: str = "EXTRA_IMAGES") -> dict[str, str]:
    """Parse ``"IMAGE2_NAME=repo@sha256:...,envoy=public.ecr.aws/x:1"``.

    Items are separated by commas or newlines; blanks around items are ignored and an empty
    string gives ``{}``. Keys are placeholders (without ``<>``) or container names.

    Raises:
        ConfigError: an item without ``=``, an empty key or image, a key used twice, or one of
            the built-image keys (``IMAGE``, ``IMAGE1_NAME``). ``source`` names the setting.
    """
    result: dict[str, str] = {}
    for raw in re.split(r"[,\n]", value):
        item = raw.strip()
        if not item:
            continue
        key, sep, image = (part.strip() for part in item.partition("="))
        if not sep:
            raise ConfigError(f"{source}: item {item!r} is not NAME=IMAGE")
        if not key or not _EXTRA_KEY.match(key):
            raise ConfigError(
                f"{source}: item {item!r} has no usable name before '=' (a placeholder without "
                f"<>, or a container name)"
            )
        if not image or any(ch.isspace() for ch in image) or _PLACEHOLDER.match(image):
            raise ConfigError(f"{source}: item {item!r} has no image URI after '='")
        if key in BUILT_IMAGE_KEYS:
            raise ConfigError(
                f"{source}: {key!r} is reserved for the image that was just built; "
                f"use IMAGE2_NAME, IMAGE3_NAME, ... or a container name"
            )
        if key in result:
            raise ConfigError(f"{source}: {key!r} is given twice")
        result[key] = image
    return result


# --------------------------------------------------------------------------- appspec


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
