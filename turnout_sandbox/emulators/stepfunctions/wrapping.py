"""A patch whose replacement calls what it replaces (moto's own method, then a correction)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from turnout_sandbox.patches import AttributePatch, PatchError, resolve

__all__ = ["WrapperPatch"]


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
