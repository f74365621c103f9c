"""A patch of the sandbox's registry put in a state for one test, then back as it was."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from turnout_sandbox.patches import Patch


@contextmanager
def patch_state(patch: Patch, *, applied: bool) -> Iterator[None]:
    """``patch`` applied (or undone) inside the block; afterwards as it was before (a CLI
    test of the same process may have applied it, a sandbox may apply it later)."""
    was_applied = patch.is_applied()
    if applied:
        patch.apply()
    else:
        patch.undo()
    try:
        yield
    finally:
        if was_applied:
            patch.apply()
        else:
            patch.undo()
