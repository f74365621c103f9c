"""Printing: JSON for machines, rich tables for people (rich is imported when first used)."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")
    sys.stdout.flush()


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    found = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not found.is_terminal:  # piped or captured: do not squeeze tables into 80 columns
        found = Console(
            stderr=stderr, highlight=False, soft_wrap=False, width=max(found.width, 200)
        )
    return found


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Any:
    from rich import box
    from rich.table import Table

    grid = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*row)
    return grid


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    console().print(table(title, columns, rows))


def say(text: str) -> None:
    """A line for people on stdout (plain, no markup)."""
    console().print(text, markup=False)


def note(text: str) -> None:
    """A line on stderr (progress next to JSON on stdout, warnings)."""
    console(stderr=True).print(text, markup=False)


def error(text: str) -> None:
    sys.stderr.write(f"turnout: error: {text}\n")
    sys.stderr.flush()
