"""A patch whose replacement calls what it replaces (moto's own method, then a correction)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from turnout_sandbox.patches import AttributePatch, PatchError, resolve

__all__ = ["WrapperPatch", "wraps_upstream"]


@dataclass(eq=False)
class WrapperPatch(AttributePatch):
    """An :class:`AttributePatch` whose ``new`` wraps the attribute it replaces.

    ``upstream`` is that attribute, read when the patch is applied (just before it is
    replaced), so that the wrapper can call it: :meth:`call_upstream`.
    """

    upstream: Any = field(default=None, init=False, repr=False)

    def apply(self) -> None:
        owner = resolve(self.owner) if isinstance(self.owner, str) else self.owner
        current = getattr(owner, self.attribute)
        if current is not self.new:
            self.upstream = current
        super().apply()

    def call_upstream(self, *args: Any, **kwargs: Any) -> Any:
        if self.upstream is None:
            raise PatchError(f"{self.name}: {self.target} was called before the patch applied")
        return self.upstream(*args, **kwargs)


def wraps_upstream(
    owner: str | Any, attribute: str, *, name: str, why: str, must_exist: bool = True
) -> Callable[[Callable[..., Any]], WrapperPatch]:
    """Declare the decorated function as a :class:`WrapperPatch` of ``owner.attribute`` (as
    :func:`turnout_sandbox.patches.replaces` does for an AttributePatch): the decorated name
    is bound to the patch, and the function reaches what it wraps with
    ``<its name>.call_upstream(...)``."""

    def declare(new: Callable[..., Any]) -> WrapperPatch:
        return WrapperPatch(
            name=name, owner=owner, attribute=attribute, new=new, why=why, must_exist=must_exist
        )

    return declare
