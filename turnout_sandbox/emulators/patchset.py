"""Apply and undo an emulator's ``PATCHES`` in order: the one place each emulator's
``install()`` / ``uninstall()`` goes through (the sandbox applies the same patch objects
through :data:`turnout_sandbox.patches.REGISTRY`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from turnout_sandbox.patches import Patch

__all__ = ["Installer", "apply_all", "undo_all"]


def apply_all(patches: Sequence[Patch]) -> None:
    """Apply every patch, first to last (each patch's ``apply`` is idempotent)."""
    for patch in patches:
        patch.apply()


def undo_all(patches: Sequence[Patch]) -> None:
    """Undo every patch, last to first."""
    for patch in reversed(patches):
        patch.undo()


@dataclass(frozen=True)
class Installer:
    """``install`` / ``uninstall`` of an emulator that runs background work: ``install``
    applies its patches (idempotent); ``uninstall`` first stops the work (``stop``), then
    undoes them, leaving moto's own behaviour."""

    patches: Sequence[Patch]
    stop: Callable[[], None]

    def install(self) -> None:
        apply_all(self.patches)

    def uninstall(self) -> None:
        self.stop()
        undo_all(self.patches)
