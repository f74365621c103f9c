"""Render taskdef.json and appspec.yaml (read at the commit that built the image).

Pure: no AWS, network or clock. :mod:`turnout.textfiles` reads the files (PyYAML lazily).

* :func:`render_task_definition` turns what the ECS console "JSON" tab or
  ``aws ecs describe-task-definition`` prints into ``ecs.register_task_definition`` keyword
  arguments, with the image placeholders (``<IMAGE>``, ``<IMAGE1_NAME>``, ...) filled in.
* :func:`turnout.appspec.render_appspec` renders the AppSpec (its own module).
* :func:`parse_extra_images` parses the ``NAME=image,...`` string of extra images.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from turnout.errors import (
    ConfigError,
    PlaceholderMissing,
    TaskDefinitionInvalid,
    UnknownContainer,
)
from turnout.textfiles import (
    MAX_TASKDEF_BYTES,
    TEMPLATE_TOKEN,
    bounded_messages,
    is_int,
    kind_of,
    load_json,
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
