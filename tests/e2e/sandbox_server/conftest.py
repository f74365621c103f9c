"""The server-mode e2e tests import their helpers from server_world.py (next to them)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
