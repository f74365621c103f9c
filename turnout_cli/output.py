"""Printing: JSON for machines, rich tables for people (rich is imported when first used)."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import Any

#: C0 controls, DEL and C1 controls (ESC starts terminal escape sequences, and C1's CSI/OSC
#: do alone on some terminals); rich strips only BEL, BS, VT, FF and CR
#: (``rich/control.py`` ``STRIP_CONTROL_CODES``). Tab and newline are kept in lines.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_IN_CELL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def clean(text: str, *, one_line: bool = False) -> str:
    """``text`` with every C0/C1 control character shown as ``\\xNN`` (security-review row
    15: repository-provided strings, an AppSpec resource name, a commit message, reach the
    terminal through error messages and tables). ``one_line`` escapes newlines and tabs too.
    JSON output is not cleaned: ``json.dumps`` escapes controls itself."""
    return (_CONTROL_IN_CELL if one_line else _CONTROL).sub(_escape, str(text))


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


def text(value: str, *, one_line: bool = True) -> Any:
    """A rich Text of ``value``, controls escaped and no markup read (``[red]`` stays)."""
    from rich.text import Text

    return Text(clean(value, one_line=one_line))


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Any:
    from rich import box
    from rich.table import Table

    grid = Table(
        title=text(title) if title is not None else None,
        box=box.SIMPLE_HEAD,
        title_justify="left",
        pad_edge=False,
    )
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*(text(cell) for cell in row))
    return grid


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    console().print(table(title, columns, rows))


def say(line: str, *, unwrapped: bool = False) -> None:
    """A line for people on stdout (plain, no markup, controls escaped); ``unwrapped``: never
    broken into several lines (a command to copy)."""
    console().print(clean(line), markup=False, soft_wrap=unwrapped)


def report(as_json: bool, value: Any, line: str) -> None:
    """What a verb did: ``value`` as JSON (``--json``), else ``line`` for people."""
    if as_json:
        print_json(value)
    else:
        say(line)


def note(line: str) -> None:
    """A line on stderr (progress next to JSON on stdout, warnings); controls escaped."""
    console(stderr=True).print(clean(line), markup=False)


def error(message: str) -> None:
    """``turnout: error: ...``: always one line, controls and newlines escaped."""
    sys.stderr.write(f"turnout: error: {clean(message, one_line=True)}\n")
    sys.stderr.flush()
