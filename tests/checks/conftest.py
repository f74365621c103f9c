"""Fixtures for the template / ASL / build checks.

The SAM CLI lives in its own venv (.venv-sam, made by `make setup-sam`); set TURNOUT_SAM to
use another `sam`. These checks fail (they do not skip) when it is missing: a check that
silently does not run would hide a broken template.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfn_template import TEMPLATE, load_template, run_sam


@pytest.fixture(scope="session")
def template_path() -> Path:
    if not TEMPLATE.is_file():
        pytest.fail(f"{TEMPLATE} is missing")
    return TEMPLATE


@pytest.fixture(scope="session")
def template(template_path: Path) -> dict[str, Any]:
    return load_template(template_path)


@pytest.fixture(scope="session")
def sam_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sam-home")


@pytest.fixture(scope="session")
def sam_build_dir(
    tmp_path_factory: pytest.TempPathFactory, template_path: Path, sam_home: Path
) -> Iterator[Path]:
    """`sam build` once per session (python3.13, arm64, no Docker) into a temporary folder."""
    work = tmp_path_factory.mktemp("sam-build")
    build_dir = work / "build"
    result = run_sam(
        [
            "build",
            "--template-file",
            str(template_path),
            "--build-dir",
            str(build_dir),
            "--cache-dir",
            str(work / "cache"),
            "--parallel",
        ],
        sam_home,
    )
    if result.returncode != 0:
        pytest.fail(
            f"sam build of {template_path} failed (exit {result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    yield build_dir
    shutil.rmtree(work, ignore_errors=True)
