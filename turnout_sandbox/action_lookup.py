"""moto's check that a response class implements the requested action, without listing it.

``BaseResponse.call_action`` answers every request by asking
``action in method_names_from_class(self.__class__)``, and ``method_names_from_class`` runs
``inspect.getmembers(clazz, inspect.isfunction)``: it walks every attribute of the response
class and its bases (several hundred on EC2's or IAM's) to build a list that is then searched
once. That was a tenth of a plain moto GetItem (py-spy, 2026-12-03).

:func:`function_names` answers the same question directly: a name is in the list exactly when
the class has an attribute of that name (``getmembers`` reads them with ``getattr`` over
``dir(clazz)``) whose value is a plain function (``inspect.isfunction``). So a classmethod or
property is not an action, an action added to the class by another patch of the registry is
one the moment it is set, and one it removes is gone, with nothing to invalidate.
:class:`FunctionNames` also iterates (the names, as moto's list did) for any other reader.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any, Final

from turnout_sandbox.patches import AttributePatch, replaces

__all__ = ["PATCHES", "FunctionNames", "function_names"]


class FunctionNames:
    """The names of ``clazz``'s plain functions (methods), looked up per name asked."""

    __slots__ = ("_clazz",)

    def __init__(self, clazz: Any) -> None:
        self._clazz = clazz

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and inspect.isfunction(getattr(self._clazz, name, None))

    def __iter__(self) -> Iterator[str]:
        return iter([name for name, _ in inspect.getmembers(self._clazz, inspect.isfunction)])


@replaces(
    "moto.core.responses",
    "method_names_from_class",
    name="moto.action-lookup",
    why="whether a response class implements an action is looked up by name, not by listing "
    "every member of the class on each request",
)
def function_names(clazz: Any) -> FunctionNames:
    """What ``BaseResponse.call_action`` tests the action's name against."""
    return FunctionNames(clazz)


PATCHES: Final[tuple[AttributePatch, ...]] = (function_names,)
