"""What a target receives for an event: the event itself, ``Input``, ``InputPath`` or the
``InputTransformer`` result, rendered like EventBridge (no moto, no clock).

AWS's rules: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from turnout_sandbox.emulators.events.common import iso
from turnout_sandbox.emulators.events.errors import TargetInputError

__all__ = ["TargetInput", "render_target_input"]

_RESERVED_VARIABLES: Final = frozenset(
    {
        "aws.events.rule-arn",
        "aws.events.rule-name",
        "aws.events.event",
        "aws.events.event.json",
        "aws.events.event.ingestion-time",
    }
)


@dataclass(frozen=True)
class TargetInput:
    """What a target receives: ``text`` on the wire, ``value`` when the text is JSON."""

    text: str
    value: Any
    is_json: bool

    @classmethod
    def of_json(cls, value: Any) -> TargetInput:
        return cls(json.dumps(value, separators=(",", ":")), value, True)


_PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\[\*\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


def _json_path(document: Any, path: str, where: str) -> tuple[bool, Any]:
    """EventBridge's JSON path subset: ``$``, ``.key``, ``['key']``, ``[n]``, ``*``."""
    if not path.startswith("$"):
        raise TargetInputError(f"{where}: JSON path {path!r} must start with '$'")
    nodes: list[Any] = [document]
    wildcard = False
    pos = 1
    while pos < len(path):
        step = _PATH_STEP.match(path, pos)
        if step is None:
            raise TargetInputError(f"{where}: unsupported JSON path {path!r} at {path[pos:]!r}")
        pos = step.end()
        key = next(
            (g for g in (step.group(1), step.group(3), step.group(4)) if g is not None), None
        )
        found: list[Any] = []
        if step.group(0) == "[*]" or key == "*":
            wildcard = True
            for node in nodes:
                if isinstance(node, dict):
                    found.extend(node.values())
                elif isinstance(node, list):
                    found.extend(node)
        elif step.group(2) is not None:
            index = int(step.group(2))
            found = [n[index] for n in nodes if isinstance(n, list) and index < len(n)]
        else:
            found = [n[key] for n in nodes if isinstance(n, dict) and key in n]
        nodes = found
    if wildcard:
        return (True, nodes) if nodes else (False, None)
    return (True, nodes[0]) if nodes else (False, None)


def _placeholder_text(found: bool, value: Any, *, in_string: bool, json_mode: bool) -> str:
    """AWS's insertion: raw text inside a JSON string (or a text template), JSON outside."""
    if in_string or not json_mode:
        if not found:
            return ""
        return value if isinstance(value, str) else json.dumps(value)
    return json.dumps(value) if found else "null"


def _render_template(
    template: str, variables: Mapping[str, tuple[bool, Any]], where: str
) -> TargetInput:
    json_mode = template.lstrip()[:1] in ("{", "[", '"')
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(template):
        char = template[i]
        if char == "\\" and in_string:
            out.append(template[i : i + 2])
            i += 2
            continue
        if char == '"':
            in_string = not in_string
        elif char == "<":
            placeholder = _PLACEHOLDER.match(template, i)
            if placeholder is not None and placeholder.group(1) in variables:
                found, value = variables[placeholder.group(1)]
                out.append(
                    _placeholder_text(found, value, in_string=in_string, json_mode=json_mode)
                )
                i = placeholder.end()
                continue
        out.append(char)
        i += 1
    rendered = "".join(out)
    if not json_mode:
        return TargetInput(rendered, None, False)
    try:
        value = json.loads(rendered)
    except ValueError as exc:
        raise TargetInputError(
            f"{where}: InputTemplate {template!r} rendered to invalid JSON {rendered!r}: {exc}"
        ) from exc
    return TargetInput.of_json(value)


def render_target_input(
    target: Mapping[str, Any],
    event: Mapping[str, Any],
    *,
    rule_arn: str,
    rule_name: str,
    ingestion_time: float,
) -> TargetInput:
    """The input EventBridge sends to ``target`` for ``event`` (Input, InputPath,
    InputTransformer, or the event itself)."""
    where = f"target {target.get('Id')!r} of rule {rule_arn}"
    if target.get("Input") is not None:
        try:
            return TargetInput.of_json(json.loads(str(target["Input"])))
        except ValueError as exc:
            raise TargetInputError(
                f"{where}: Input {target['Input']!r} is not JSON: {exc}"
            ) from exc
    if target.get("InputPath") is not None:
        _, value = _json_path(event, str(target["InputPath"]), f"{where} InputPath")
        return TargetInput.of_json(value)
    transformer = target.get("InputTransformer")
    if transformer is not None:
        template = transformer.get("InputTemplate")
        if not isinstance(template, str) or not template:
            raise TargetInputError(f"{where}: InputTransformer.InputTemplate is required")
        paths = transformer.get("InputPathsMap") or {}
        variables: dict[str, tuple[bool, Any]] = {}
        for name, path in paths.items():
            if name in _RESERVED_VARIABLES:
                raise TargetInputError(
                    f"{where}: InputPathsMap key {name!r} is a reserved variable name"
                )
            variables[name] = _json_path(event, str(path), f"{where} InputPathsMap.{name}")
        without_detail = {k: v for k, v in event.items() if k != "detail"}
        variables.update(
            {
                "aws.events.rule-arn": (True, rule_arn),
                "aws.events.rule-name": (True, rule_name),
                "aws.events.event": (True, without_detail),
                "aws.events.event.json": (True, dict(event)),
                "aws.events.event.ingestion-time": (True, iso(ingestion_time)),
            }
        )
        return _render_template(template, variables, f"{where} InputTransformer")
    return TargetInput.of_json(dict(event))
