"""Fixtures shared by the sandbox e2e tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from turnout_sandbox.scenarios import Run


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    """One sandbox for the module, the real template deployed, on the discrete clock (at
    most 100x the wall clock)."""
    r = Run(None, speed=100.0)
    yield r
    r.close()
