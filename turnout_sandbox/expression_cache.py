"""moto's DynamoDB expression parsing, done once per expression text.

Each UpdateItem made moto tokenize and parse its ``UpdateExpression`` twice (the response
handler, for the names and values it uses, then the backend) and lex its
``ConditionExpression`` character by character with regular expressions compiled per token:
together a quarter of an UpdateItem in moto (py-spy, 2026-12-03), and the gate tick makes
two UpdateItems a minute for each gate. The stack's expressions are a handful of fixed texts
(``turnout.adapters.store`` builds them from attribute placeholders, the values travel
apart), so the same few texts are parsed again and again.

Both results depend on the text alone, and moto never changes them in place:

* ``UpdateExpressionParser.make(text)`` gives the update's AST. The response handler only
  reads it (``find_clauses``); the backend's ``UpdateExpressionValidator`` deep-copies it
  before its processors rewrite anything (``Validator.__init__``: ``deepcopy(expression)``).
  :func:`shared_update_ast` keeps the AST per text; a text that does not parse raises each
  time, as before (nothing is kept).
* ``ConditionExpressionParser._lex_condition_expression()`` gives the text's tokens
  (immutable ``Node`` tuples) in a deque that the parser then consumes. :func:`shared_lex`
  keeps the tokens per text and hands each parse a fresh deque of them; the names and
  values are bound later, per call, exactly as before.

``tests/integration/sandbox/test_expression_cache.py`` runs updates and conditions (met,
failed, invalid) with and without the cache and compares the items and errors.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Final

from turnout_sandbox.patches import AttributePatch, replaces

__all__ = ["PATCHES", "clear", "shared_lex", "shared_update_ast", "size"]

#: Texts kept at most per cache (a bound for a long ``sandbox serve`` with ad hoc queries).
_LIMIT: Final = 4096
_ASTS: dict[tuple[type, str], Any] = {}
_TOKENS: dict[str, tuple[Any, ...]] = {}


def _keep(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _LIMIT:
        cache.clear()
    cache[key] = value


@replaces(
    "moto.dynamodb.parsing.expressions:UpdateExpressionParser",
    "make",
    name="dynamodb.update-expression-parsed-once",
    why="an UpdateExpression text is tokenized and parsed once, not twice per UpdateItem",
    as_classmethod=True,
)
def shared_update_ast(cls: type, expression_str: str) -> Any:
    """``UpdateExpressionParser.make``: the AST of ``expression_str``, parsed once."""
    key = (cls, expression_str)
    found = _ASTS.get(key)
    if found is None:
        found = shared_update_ast.original.__func__(cls, expression_str)
        _keep(_ASTS, key, found)
    return found


@replaces(
    "moto.dynamodb.comparisons:ConditionExpressionParser",
    "_lex_condition_expression",
    name="dynamodb.condition-expression-lexed-once",
    why="a ConditionExpression text is lexed once, not token by token on every request",
)
def shared_lex(self: Any) -> deque[Any]:
    """``_lex_condition_expression``: a fresh deque of the text's tokens, lexed once."""
    text = self.condition_expression
    tokens = _TOKENS.get(text)
    if tokens is None:
        tokens = tuple(shared_lex.original(self))
        _keep(_TOKENS, text, tokens)
    return deque(tokens)


def size() -> int:
    """How many texts the caches hold."""
    return len(_ASTS) + len(_TOKENS)


def clear() -> None:
    """Forget every parsed text."""
    _ASTS.clear()
    _TOKENS.clear()


PATCHES: Final[tuple[AttributePatch, ...]] = (shared_update_ast, shared_lex)
