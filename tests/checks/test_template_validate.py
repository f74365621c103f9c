"""template.yaml passes `sam validate --lint` (SAM transform + cfn-lint, offline)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfn_template import run_sam

pytestmark = [pytest.mark.checks, pytest.mark.slow]


def test_given_template_when_sam_validate_lint_then_it_passes(
    template_path: Path, sam_home: Path
) -> None:
    result = run_sam(["validate", "--lint", "--template-file", str(template_path)], sam_home)
    assert result.returncode == 0, (
        f"sam validate --lint {template_path.name} failed (exit {result.returncode}):\n"
        f"{result.stdout}\n{result.stderr}"
    )
