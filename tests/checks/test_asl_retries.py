"""Every Lambda task of the state machines retries what a Lambda does when it fails for no
reason of its own (an unhandled error, a timeout, a crash: States.TaskFailed), and never a
typed error turnout raises on purpose, nor the verdict a wait is answered with.

Found by the sandbox's fault injection (``lambda-faults``): a ResolveCommit that failed its
first call lost the push, because its Retry listed only Lambda's service errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from turnout.errors import ALL_ERRORS, PolicyViolation

STATEMACHINES = Path(__file__).resolve().parents[2] / "statemachines"
#: What turnout raises (or answers a wait with) on purpose and must not be retried.
PERMANENT = {c.__name__ for c in (*ALL_ERRORS, PolicyViolation) if c.permanent}


def _lambda_tasks() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path in sorted(STATEMACHINES.glob("*.asl.json")):
        for name, state in json.loads(path.read_text())["States"].items():
            if state.get("Type") == "Task" and state["Resource"].startswith(
                "arn:aws:states:::lambda:invoke"
            ):
                found.append((path.name, name, state))
    return found


def _first_retrier(state: dict[str, Any], error: str) -> dict[str, Any] | None:
    """The retrier Step Functions applies to ``error`` (the first that matches)."""
    for retrier in state.get("Retry", []):
        names = retrier["ErrorEquals"]
        if error in names or "States.ALL" in names or "States.TaskFailed" in names:
            return dict(retrier)
    return None


@pytest.mark.parametrize(("machine", "name", "state"), _lambda_tasks())
def test_given_a_lambda_task_when_the_function_fails_then_it_is_retried(
    machine: str, name: str, state: dict[str, Any]
) -> None:
    for error in ("RuntimeError", "Sandbox.Timedout", "Runtime.ExitError", "Lambda.Unknown"):
        retrier = _first_retrier(state, error)
        assert retrier is not None, f"{machine} {name}: {error} is not retried"
        assert retrier.get("MaxAttempts", 3) > 0, f"{machine} {name}: {error} is not retried"


#: The Record* states retry every error (States.ALL): they record, and raise nothing on purpose.
_DECIDING = [
    t
    for t in _lambda_tasks()
    if not any("States.ALL" in r["ErrorEquals"] for r in t[2].get("Retry", []))
]


@pytest.mark.parametrize(("machine", "name", "state"), _DECIDING)
def test_given_a_lambda_task_when_turnout_raises_on_purpose_then_it_is_not_retried(
    machine: str, name: str, state: dict[str, Any]
) -> None:
    for error in sorted(PERMANENT):
        retrier = _first_retrier(state, error)
        assert retrier is not None, f"{machine} {name}: {error} would be retried"
        assert retrier.get("MaxAttempts") == 0, f"{machine} {name}: {error} would be retried"
