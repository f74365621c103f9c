"""The CLI package lives at the repository root; the core under layers/turnout."""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[3]
for path in (_ROOT, _ROOT / "layers" / "turnout"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
