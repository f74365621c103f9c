"""Fixtures for the sandbox emulator integration tests (moto in-process, virtual clock)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from turnout_sandbox.emulators import catalog, codebuild, codecommit, ecr
from turnout_sandbox.patches import PatchRegistry
from turnout_sandbox.runtime import (
    DEFAULT_REGION,
    LambdaInvoker,
    Runtime,
    VirtualClock,
    set_runtime,
)

_EMULATORS = (codecommit, codebuild, ecr)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and the sandbox region, so no real AWS account is ever used."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", DEFAULT_REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert os.environ["AWS_DEFAULT_REGION"] == DEFAULT_REGION


class MotoClients:
    """The ECS and ELBv2 clients a test world talks to moto with, made on first use."""

    @cached_property
    def ecs(self) -> Any:
        return boto3.client("ecs", region_name=DEFAULT_REGION)

    @cached_property
    def elb(self) -> Any:
        return boto3.client("elbv2", region_name=DEFAULT_REGION)


@contextmanager
def emulated[H: LambdaInvoker](
    emulator: ModuleType,
    speed: float,
    make_hooks: Callable[[Runtime], H],
    teardown: Callable[[], None],
) -> Iterator[tuple[Runtime, list[dict[str, Any]], H]]:
    """One emulator installed and reset on a fresh runtime, inside ``mock_aws()``.

    Yields the runtime, the events it emits, and the hooks it invokes as Lambdas; after the
    body, the emulator is reset, the clock stopped and ``teardown`` run."""
    runtime = Runtime(VirtualClock(speed=speed))
    events: list[dict[str, Any]] = []
    runtime.event_listeners.append(events.append)
    hooks = make_hooks(runtime)
    runtime.invoke_lambda = hooks
    set_runtime(runtime)
    emulator.install()
    emulator.reset()
    try:
        with mock_aws():
            yield runtime, events, hooks
            emulator.reset()
    finally:
        runtime.clock.stop()
        teardown()
        set_runtime(None)


@pytest.fixture
def emulator_patches() -> Iterator[PatchRegistry]:
    """The emulators' patches applied for one test (undone after it)."""
    registry = PatchRegistry()
    catalog.register_all(registry, _EMULATORS)
    registry.apply()
    try:
        yield registry
    finally:
        registry.undo()


@pytest.fixture
def runtime(aws_env: None, emulator_patches: PatchRegistry) -> Iterator[Runtime]:
    """A fresh sandbox runtime (virtual clock at 1000x) with the emulators installed."""
    rt = Runtime(VirtualClock(speed=1000))
    set_runtime(rt)
    catalog.reset_all(_EMULATORS)
    try:
        yield rt
    finally:
        rt.clock.stop()
        catalog.reset_all(_EMULATORS)
        set_runtime(None)


@pytest.fixture
def aws(runtime: Runtime) -> Iterator[Runtime]:
    """``runtime`` inside ``mock_aws()``: every boto3 call is answered in-process by moto."""
    with mock_aws():
        yield runtime


@pytest.fixture
def events(runtime: Runtime) -> list[dict[str, Any]]:
    """Every event the emulators put, in order (via ``runtime.event_listeners``)."""
    seen: list[dict[str, Any]] = []
    runtime.event_listeners.append(seen.append)
    return seen


def wait_for[T](probe: Callable[[], T | None], timeout: float = 10.0, what: str = "") -> T:
    """Poll ``probe`` until it returns a truthy value, failing after ``timeout`` real seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what or probe}")
        time.sleep(0.01)


@pytest.fixture
def wait() -> Callable[..., Any]:
    """The :func:`wait_for` helper (deadline-bounded polling), as a fixture."""
    return wait_for
