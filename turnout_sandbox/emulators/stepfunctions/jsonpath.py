"""JSONPath as AWS evaluates it (Jayway): a *definite* path yields the value itself.

A definite path (no ``[*]``, ``..``, ``[?(``, slice or union) yields the value (``$.a[0].b``
-> ``1``; moto gave ``[1]``); an indefinite path yields a list (``[]`` when nothing
matches), per https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html.
"""

from __future__ import annotations

import re
from typing import Any, Final

from turnout_sandbox.patches import AttributePatch

__all__ = ["PATCHES"]

_INDEFINITE = re.compile(r"\[\s*\*\s*\]|\.\.|\[\s*\?|\[[^\]]*[:,][^\]]*\]|\.\*")
_ASL: Final = "moto.stepfunctions.parser.asl"
_OPERATORS: Final = f"{_ASL}.component.state.choice.comparison.operator.implementations"


def _extract_json(path: str, data: Any) -> Any:
    from jsonpath_ng.ext.parser import parse
    from moto.stepfunctions.parser.asl.utils.json_path import NoSuchJsonPathError

    matches = parse(path).find(data)
    definite = _INDEFINITE.search(path) is None
    if definite:
        if not matches:
            raise NoSuchJsonPathError(json_path=path, data=data)
        return matches[0].value
    return [match.value for match in matches]


#: Every module of moto's interpreter that imported ``extract_json`` by name.
_USERS: Final = (
    f"{_ASL}.utils.json_path",
    f"{_ASL}.component.common.string.string_expression",
    f"{_ASL}.component.intrinsic.argument.argument",
    f"{_OPERATORS}.boolean_equals",
    f"{_OPERATORS}.numeric",
    f"{_OPERATORS}.string_operators",
    f"{_OPERATORS}.timestamp_operators",
    f"{_ASL}.eval.states",
)

PATCHES: Final[tuple[AttributePatch, ...]] = tuple(
    AttributePatch(
        name=f"stepfunctions.jsonpath.{module.rsplit('.', 1)[1]}",
        owner=module,
        attribute="extract_json",
        new=_extract_json,
        why="a definite JSONPath yields the value itself, an indefinite one a list (Jayway, "
        "as AWS); moto always gave a list",
    )
    for module in _USERS
)
