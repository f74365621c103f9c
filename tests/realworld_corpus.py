"""The real users' corpus (shared/corpus/realworld): task definitions, AppSpecs and buildspecs
from public repositories, bytes untouched. They are other people's files, so they are not
copied into this repository: CI has ``shared/`` beside the clone; elsewhere the tests that
read them skip, saying where they looked.

``SOURCES.md`` names each file's repository and its path there; the tests hand that path to
the renderer, as turnout would see it (``codedeploy/taskdef.json``, ...).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Set to a ``realworld`` directory to read the corpus from elsewhere.
ENV = "TURNOUT_REALWORLD_CORPUS"


@dataclass(frozen=True)
class CorpusFile:
    #: Path under ``realworld/`` (``taskdef/<owner>__<repo>__<path>``).
    name: str
    repository: str
    #: The file's path in its repository.
    path: str
    location: Path

    @property
    def kind(self) -> str:
        return self.name.split("/", 1)[0]

    def text(self) -> str:
        """The file as turnout's CodeCommit adapter hands it over (UTF-8, BOM kept)."""
        return self.location.read_bytes().decode("utf-8")


def _clone_root() -> Path:
    """The clone this checkout belongs to: ROOT, or the main worktree of a linked one."""
    marker = ROOT / ".git"
    if marker.is_file():  # a linked worktree: "gitdir: <clone>/.git/worktrees/<name>"
        gitdir = Path(marker.read_text(encoding="utf-8").split(":", 1)[1].strip())
        if gitdir.parent.name == "worktrees":
            return gitdir.parent.parent.parent
    return ROOT


def candidates() -> list[Path]:
    found = [Path(os.environ[ENV])] if os.environ.get(ENV) else []
    for clone in dict.fromkeys((ROOT, _clone_root())):
        found.append(clone.parent / "shared" / "corpus" / "realworld")
    return found


@cache
def corpus_dir() -> Path | None:
    return next((c for c in candidates() if (c / "SOURCES.md").is_file()), None)


def require_corpus() -> Path:
    """The corpus directory, or skip the test saying where it was looked for."""
    found = corpus_dir()
    if found is None:
        where = ", ".join(str(c) for c in candidates())
        pytest.skip(f"the real-world corpus is not here (looked in {where}; or set {ENV})")
    return found


@cache
def corpus_files() -> dict[str, CorpusFile]:
    """Every file SOURCES.md lists, by its name under ``realworld/`` ({} without the corpus)."""
    base = corpus_dir()
    if base is None:
        return {}
    files: dict[str, CorpusFile] = {}
    for line in (base / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 4 or "__" not in cells[0] or "/" not in cells[0]:
            continue
        name, repository, path = cells[0], cells[1], cells[2]
        files[name] = CorpusFile(name, repository, path, base / name)
    return files
