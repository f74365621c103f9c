"""What every emulator's patch test checks: its patches round-trip through a PatchRegistry."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

from turnout_sandbox.patches import PatchRegistry


def assert_patches_round_trip(
    emulator: ModuleType, prefix: str, originals: Mapping[tuple[type, str], object]
) -> None:
    """``emulator``'s PATCHES, named ``prefix``..., replace each of ``originals`` (moto's own
    ``owner.name`` before any patch) when applied and restore it when undone; the emulator is
    left installed as it was found."""
    was_applied = any(p.is_applied() for p in emulator.PATCHES)
    emulator.uninstall()
    registry = PatchRegistry()
    registry.extend(emulator.PATCHES, emulator.INTERNALS)
    names = [p.name for p in emulator.PATCHES]
    try:
        assert registry.canary() == []
        assert len(set(names)) == len(names)
        assert all(name.startswith(prefix) for name in names)

        registry.apply()
        emulator.install()  # idempotent: the same patch objects

        assert registry.verify(expect_applied=True) == []
        assert all(
            owner.__dict__.get(name) is not original
            for (owner, name), original in originals.items()
        )

        registry.undo()

        assert registry.verify(expect_applied=False) == []
        assert all(
            owner.__dict__.get(name) is original for (owner, name), original in originals.items()
        )
    finally:
        registry.undo()
        if was_applied:
            emulator.install()
