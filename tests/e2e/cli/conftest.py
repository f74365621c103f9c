"""Fixtures of the CLI e2e tests (defined in cli_world.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_world import clean_env, codecommit, endpoint, world

__all__ = ["clean_env", "codecommit", "endpoint", "world"]
