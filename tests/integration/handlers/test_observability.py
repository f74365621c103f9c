"""turnout.observability: the lazy tracer every handler is wrapped with. Creating a real
Powertools Tracer imports the X-Ray SDK (half a second of INIT), so it happens on the first
invocation, and only when tracing is on and the SDK is installed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from turnout.observability import LazyTracer, tracing_wanted


@dataclass
class FakeTracer:
    """Records what it wraps and every traced call."""

    wrapped: list[str] = field(default_factory=list)
    traced: list[Any] = field(default_factory=list)

    def capture_lambda_handler(self, handler: Any) -> Any:
        self.wrapped.append(handler.__name__)

        def traced(event: Any, context: Any, **kwargs: Any) -> Any:
            self.traced.append(event)
            return handler(event, context, **kwargs)

        return traced


def _echo(event: Any, context: Any, **kwargs: Any) -> dict[str, Any]:
    return {"event": event, "kwargs": kwargs}


def test_given_tracing_off_when_a_handler_runs_then_no_tracer_is_created() -> None:
    made: list[FakeTracer] = []
    lazy = LazyTracer(
        wanted=lambda: False,
        sdk_available=lambda: True,
        factory=lambda: made.append(FakeTracer()) or made[-1],
    )  # type: ignore[func-returns-value]

    handler = lazy.capture_lambda_handler(_echo)

    assert handler(1, None, deps="d") == {"event": 1, "kwargs": {"deps": "d"}}
    assert made == []
    assert lazy.real is None
    assert handler.__name__ == "_echo"


def test_given_tracing_on_and_the_sdk_installed_when_handlers_run_then_one_tracer_wraps_once() -> (
    None
):
    tracer = FakeTracer()
    made: list[int] = []

    def factory() -> Any:
        made.append(1)
        return tracer

    lazy = LazyTracer(wanted=lambda: True, sdk_available=lambda: True, factory=factory)
    handler = lazy.capture_lambda_handler(_echo)

    assert made == []  # nothing at decoration (import) time
    first = handler("a", None, deps="d")
    handler("b", None)

    assert first == {"event": "a", "kwargs": {"deps": "d"}}
    assert made == [1]
    assert tracer.wrapped == ["_echo"]
    assert tracer.traced == ["a", "b"]


def test_given_tracing_on_without_the_sdk_when_handlers_run_then_they_run_untraced_and_it_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lazy = LazyTracer(wanted=lambda: True, sdk_available=lambda: False, factory=FakeTracer)
    handler = lazy.capture_lambda_handler(_echo)

    handler(1, None)
    handler(2, None)

    warnings = [r for r in caplog.records if "aws_xray_sdk is not installed" in r.getMessage()]
    assert len(warnings) == 1
    assert lazy.real is None


@pytest.mark.parametrize(
    ("env", "wanted"),
    [
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "0"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
        ({}, False),
    ],
)
def test_given_an_environment_when_asking_whether_to_trace_then_powertools_rules_apply(
    env: dict[str, str], wanted: bool
) -> None:
    assert tracing_wanted(env) is wanted


def test_given_a_handler_module_when_loaded_then_the_xray_sdk_is_not_imported() -> None:
    import subprocess
    import sys

    from tests.integration.handlers.conftest import HANDLERS, ROOT

    code = (
        "import importlib.util, sys\n"
        f"for name in {list(HANDLERS)!r}:\n"
        f"    spec = importlib.util.spec_from_file_location('h_' + name, {str(ROOT)!r} + '/functions/' + name + '/app.py')\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "heavy = sorted(m for m in ('aws_xray_sdk', 'pydantic', 'boto3') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    env = {
        "PYTHONPATH": f"{ROOT}/layers/turnout:{ROOT}",
        "LAMBDA_TASK_ROOT": "/var/task",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert out.stdout.strip() == ""
