"""Reading users' JSON and YAML files for the renderer.

Pure: no AWS, no network, no clock. PyYAML is imported lazily by :func:`load_yaml` only.
Errors are raised as the class the caller names (TaskDefinitionInvalid, AppSpecInvalid), with
the file's path and the line and column at fault.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

#: What other pipelines' templates use for values they fill in (turnout fills none of them).
TEMPLATE_TOKEN = re.compile(r"<[^<>\s]+>|\{\{[^{}]*\}\}|__[A-Z][A-Z0-9_]*__|\[[a-z_]+\]")
#: The UTF-8 byte-order mark, as Windows editors (and some AWS console copies) write it.
BOM = "\ufeff"


def without_bom(text: str) -> str:
    """``text`` without a leading UTF-8 byte-order mark (JSON may not start with one)."""
    return text[len(BOM) :] if text.startswith(BOM) else text


def load_json(text: str, path: str, error: type[Exception]) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise error(f"{path}: key {key!r} appears twice in the same object")
            result[key] = value
        return result

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        token = TEMPLATE_TOKEN.match(text, exc.pos)
        hint = (
            f"; {token.group(0)} is a template value another tool fills in: turnout fills "
            f'only quoted image placeholders ("<IMAGE>"), so write the value itself'
            if token
            else ""
        )
        raise error(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}{hint}"
        ) from exc


def load_yaml(text: str, path: str, error: type[Exception]) -> Any:
    yaml = importlib.import_module("yaml")
    loader: Any = None
    try:
        loader = _strict_yaml_loader()(text)  # the reader checks characters right away
        return loader.get_single_data()
    except _DuplicateKey as exc:
        raise error(f"{path}: {exc.args[0]}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        at = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise error(f"{path}: invalid YAML{at}: {problem}") from exc
    finally:
        if loader is not None:
            loader.dispose()


class _DuplicateKey(Exception):
    pass


@cache
def _strict_yaml_loader() -> type[Any]:
    """A SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""
    yaml = importlib.import_module("yaml")

    def construct_mapping(loader: Any, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:  # unhashable: SafeLoader reports it below
                continue
            if duplicate:
                mark = key_node.start_mark
                raise _DuplicateKey(
                    f"key {key!r} appears twice in the same mapping "
                    f"(line {mark.line + 1} column {mark.column + 1})"
                )
            seen.add(key)
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    loader: type[Any] = type("_StrictSafeLoader", (yaml.SafeLoader,), {})
    constructor: Callable[..., Any] = construct_mapping
    loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, constructor)
    return loader


def without_nulls(value: Any, where: str, dropped: list[str]) -> Any:
    """A deep copy of ``value`` without its JSON nulls; their paths are added to ``dropped``.

    botocore refuses ``None`` for every member of RegisterTaskDefinition ("Invalid type for
    parameter ..., value: None"; aws/aws-cli#3622), and an absent member means "not set",
    which is what the console's ``null`` says (aws-actions/amazon-ecs-deploy-task-definition
    PR #63 strips them the same way)."""
    if isinstance(value, dict):
        kept: dict[str, Any] = {}
        for key, item in value.items():
            if item is None:
                dropped.append(f"{where}.{key}")
            else:
                kept[key] = without_nulls(item, f"{where}.{key}", dropped)
        return kept
    if isinstance(value, list):
        items: list[Any] = []
        for index, item in enumerate(value):
            if item is None:
                dropped.append(f"{where}[{index}]")
            else:
                items.append(without_nulls(item, f"{where}[{index}]", dropped))
        return items
    return value


def template_note(value: str) -> str:
    tokens = sorted(set(TEMPLATE_TOKEN.findall(value)))
    if not tokens:
        return ""
    return f" (it holds another tool's template values: {', '.join(tokens)}; turnout fills none)"


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def kind_of(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), f"a {type(value).__name__}")


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
