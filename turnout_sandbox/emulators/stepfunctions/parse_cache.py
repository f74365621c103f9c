"""A definition's ANTLR parse tree kept per text; each execution still builds its own program.

moto's interpreter (LocalStack's) parses the whole Amazon States Language document with the
pure-Python ANTLR runtime on CreateStateMachine (``_validate_definition``) and again on
every StartExecution (``ExecutionWorker._get_evaluation_entrypoint``), then turns the tree
into evaluation components (``Preprocessor().visit(tree)``). The lexing and parsing was a
quarter of the CPU of ``bench/sandbox_burst.py`` (100 pushes over 20 services: about 200
executions of a handful of definitions; py-spy, 2026-12-03) and most of a deploy's stack
creation in ``turnout demo``.

The tree depends on the text alone and nothing changes it: the preprocessor and the static
analysers only visit it. So :func:`kept_tree_parse` lexes and parses a text once and keeps
the tree; every call, the first included, builds a **fresh** program from it with a new
``Preprocessor``, as moto does: no evaluation component is shared between executions (some
hold per-evaluation state). A text with syntax errors raises ``ASLParserException`` each time,
with moto's messages, and is not kept. A few hundred texts are kept at most.

Applies to ``AmazonStateLanguageParser`` only (the test-state parser subclass has its own
``parse``). ``tests/integration/sandbox/test_sfn_parse_cache.py`` runs executions of one
definition with and without the cache and compares their histories.
"""

from __future__ import annotations

import threading
from typing import Any, Final

from turnout_sandbox.patches import AttributePatch

__all__ = ["PATCHES", "clear", "kept_tree_parse", "size"]

_LIMIT: Final = 256
_TREES: dict[str, Any] = {}
_LOCK: Final = threading.Lock()


def kept_tree_parse(definition: str) -> tuple[Any, Any]:
    """``AmazonStateLanguageParser.parse``: (a fresh program, the kept parse tree)."""
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    with _LOCK:
        tree = _TREES.get(definition)
    if tree is None:
        program, tree = PARSE.original.__func__(definition)  # raises on a syntax error
        with _LOCK:
            if len(_TREES) >= _LIMIT:
                _TREES.clear()
            _TREES[definition] = tree
        return program, tree
    return Preprocessor().visit(tree), tree


PARSE: Final = AttributePatch(
    name="stepfunctions.parse-tree-kept",
    owner="moto.stepfunctions.parser.asl.parse.asl_parser:AmazonStateLanguageParser",
    attribute="parse",
    new=staticmethod(kept_tree_parse),
    why="an ASL text is lexed and parsed once; each execution still builds its own "
    "evaluation components from the tree",
)


def size() -> int:
    """How many definitions' trees are kept."""
    with _LOCK:
        return len(_TREES)


def clear() -> None:
    """Forget every kept tree."""
    with _LOCK:
        _TREES.clear()


PATCHES: Final[tuple[AttributePatch, ...]] = (PARSE,)
