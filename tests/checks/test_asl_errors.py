"""statemachines/*.asl.json: Retry and Catch name errors the way Step Functions matches them.

Step Functions matches error names as exact, case-sensitive strings (Step Functions Developer
Guide, "Handling errors in Step Functions workflows"), and a Python Lambda's errorType is the
concrete class name of the exception it raised: listing a base class does not cover its
subclasses. These checks keep every name a retrier means to cover reachable (aws-fidelity
row 8).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cfn_template import STATEMACHINES

import turnout.adapters.store  # noqa: F401  (defines ConcurrentUpdate)
from turnout import errors

pytestmark = pytest.mark.checks

# Step Functions DG, "Handle Lambda service exceptions" (bp-lambda-serviceexception): the
# transient Lambda service errors to retry; plus Lambda.TooManyRequestsException (throttled
# invocations) and Lambda.Unknown (function timeouts and out-of-memory, same page).
LAMBDA_TRANSIENT = {
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.Unknown",
}


def _all_subclasses(klass: type[BaseException]) -> set[type[BaseException]]:
    found: set[type[BaseException]] = set()
    for sub in klass.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


TURNOUT_ERRORS = {
    k.__name__: k for k in {errors.TurnoutError, *_all_subclasses(errors.TurnoutError)}
}


def _states(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in definition.get("States", {}).items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from _states(branch)
        if "Iterator" in state:
            yield from _states(state["Iterator"])


def _handlers(kind: str) -> Iterator[tuple[str, list[str]]]:
    for path in sorted(STATEMACHINES.glob("*.asl.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        for name, state in _states(definition):
            for index, rule in enumerate(state.get(kind, [])):
                yield f"{path.name}:{name}.{kind}[{index}]", list(rule["ErrorEquals"])


def _lambda_tasks() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(STATEMACHINES.glob("*.asl.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        for name, state in _states(definition):
            if state.get("Type") == "Task" and ":lambda:invoke" in str(state.get("Resource", "")):
                yield f"{path.name}:{name}", state


def test_given_lambda_tasks_when_reading_retries_then_each_retries_the_transient_lambda_errors() -> (
    None
):
    tasks = list(_lambda_tasks())
    assert len(tasks) >= 5, "no lambda:invoke tasks found: the check would pass on nothing"
    wrong = []
    for where, state in tasks:
        retried = {name for rule in state.get("Retry", []) for name in rule["ErrorEquals"]}
        missing = LAMBDA_TRANSIENT - retried
        if missing and "States.ALL" not in retried:
            wrong.append(f"{where}: does not retry {sorted(missing)}")
    assert not wrong, "\n".join(wrong)


def test_given_retry_and_catch_names_when_they_name_turnout_errors_then_each_exists() -> None:
    wrong = [
        f"{where}: {name!r} is no exception class of the core (typo, or renamed?)"
        for kind in ("Retry", "Catch")
        for where, names in _handlers(kind)
        for name in names
        if "." not in name and name not in TURNOUT_ERRORS
    ]
    assert not wrong, "\n".join(wrong)


def test_given_a_retried_base_class_when_reading_retries_then_its_subclasses_are_listed_too() -> (
    None
):
    wrong = []
    for where, names in _handlers("Retry"):
        for name in names:
            klass = TURNOUT_ERRORS.get(name)
            if klass is None:
                continue
            unlisted = sorted(s.__name__ for s in _all_subclasses(klass) if s.__name__ not in names)
            if unlisted:
                wrong.append(
                    f"{where}: retries {name} but not its subclasses {unlisted} (a Lambda "
                    "reports the concrete class name, and Step Functions matches exactly)"
                )
    assert not wrong, "\n".join(wrong)


def test_given_the_subclass_rule_when_a_base_class_is_listed_alone_then_it_is_caught() -> None:
    # The checker itself: TransientError has a subclass (the store's ConcurrentUpdate).
    subclasses = {s.__name__ for s in _all_subclasses(errors.TransientError)}
    assert "ConcurrentUpdate" in subclasses
