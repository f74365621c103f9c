"""Unit tests import the core package from the layer source."""

from __future__ import annotations

import sys
from pathlib import Path

_LAYER = Path(__file__).resolve().parents[2] / "layers" / "turnout"
if str(_LAYER) not in sys.path:
    sys.path.insert(0, str(_LAYER))
