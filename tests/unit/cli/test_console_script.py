"""The ``turnout`` console script (turnout_cli.main:main): a verb's exit code and output
survive ending the process without the interpreter's teardown."""

from __future__ import annotations

import subprocess
import sys

TURNOUT = [sys.executable, "-m", "turnout_cli"]


def _run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # our own interpreter and module
        [*TURNOUT, *args], capture_output=True, text=True, timeout=60, check=False, **kwargs
    )


def test_given_help_when_run_then_it_prints_all_and_exits_0() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert "Usage" in result.stdout
    assert "sandbox" in result.stdout


def test_given_an_unknown_option_when_run_then_it_exits_2_naming_it() -> None:
    result = _run("--no-such-option")
    assert result.returncode == 2
    assert "--no-such-option" in result.stderr
    assert "Traceback" not in result.stderr


def test_given_a_verb_that_fails_when_run_then_its_exit_code_is_kept() -> None:
    result = _run("sandbox", "send", "/nonexistent/turnout/event.json")
    assert result.returncode == 2
    assert "event.json" in result.stderr
    assert "Traceback" not in result.stderr
