"""The sandbox runtime: the virtual clock and the hooks emulators use to reach each other.

One runtime is active per process (moto's backends are process-global anyway). Emulators
get it with :func:`get_runtime` at call time, never at import time.

Two clocks keep virtual time: :class:`VirtualClock` (``scaled``) runs ``speed`` times
faster than real time, so bake times, Wait states, retries and termination waits pass
quickly but in the order they would on AWS, as long as the CPU keeps up;
:class:`~turnout_sandbox.discrete_clock.DiscreteClock` (``discrete``) moves only when every
actor is idle and then jumps to the next due time, so it never outruns the work.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from turnout_sandbox.clients import cached_client
from turnout_sandbox.discrete_clock import DiscreteClock, set_clock_source
from turnout_sandbox.faults import FaultInjector

DEFAULT_REGION = "ap-northeast-2"
DEFAULT_ACCOUNT = "123456789012"


#: The clocks a sandbox can run on (``Sandbox(clock=...)``, ``turnout demo --clock``).
CLOCKS = ("discrete", "scaled")


class VirtualClock:
    """Virtual epoch seconds that advance ``speed`` times faster than the wall clock."""

    kind = "scaled"

    def __init__(self, speed: float = 600.0, start: float | None = None) -> None:
        if speed <= 0:
            raise ValueError(f"clock speed must be positive, got {speed}")
        self.speed = float(speed)
        self._origin_virtual = time.time() if start is None else start
        self._origin_real = time.monotonic()
        self._timers: list[tuple[float, int, Callable[[], None], str]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._stopped = False
        self._worker: threading.Thread | None = None

    # -- reading and waiting -------------------------------------------------------
    def now(self) -> float:
        return self._origin_virtual + (time.monotonic() - self._origin_real) * self.speed

    def real_seconds(self, virtual_seconds: float) -> float:
        return max(0.0, virtual_seconds) / self.speed

    def sleep(self, virtual_seconds: float) -> None:
        time.sleep(self.real_seconds(virtual_seconds))

    def wait(self, event: threading.Event, virtual_seconds: float | None) -> bool:
        """``event.wait`` with a virtual timeout; returns True when the event was set."""
        if virtual_seconds is None:
            return event.wait()
        return event.wait(self.real_seconds(virtual_seconds))

    # -- actors (the discrete clock's; time here runs regardless) ---------------------
    @contextmanager
    def busy(self) -> Iterator[None]:
        yield

    @contextmanager
    def idle(self) -> Iterator[None]:
        yield

    def spawn(self, fn: Callable[[], None], name: str = "") -> threading.Thread:
        thread = threading.Thread(target=_guarded(fn, name), name=name or "sandbox-actor")
        thread.daemon = True
        thread.start()
        return thread

    # -- timers ----------------------------------------------------------------------
    def call_later(self, virtual_seconds: float, fn: Callable[[], None], name: str = "") -> None:
        """Run ``fn`` on its own thread once ``virtual_seconds`` of virtual time passed."""
        due = self.now() + max(0.0, virtual_seconds)
        with self._cv:
            heapq.heappush(self._timers, (due, next(self._seq), fn, name))
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="sandbox-clock", daemon=True)
                self._worker.start()
            self._cv.notify()

    def _run(self) -> None:
        while True:
            with self._cv:
                if self._stopped:
                    return
                if not self._timers:
                    self._cv.wait(0.5)
                    continue
                due, _, fn, name = self._timers[0]
                delay = self.real_seconds(due - self.now())
                if delay > 0:
                    self._cv.wait(delay)
                    continue
                heapq.heappop(self._timers)
            threading.Thread(target=_guarded(fn, name), name=f"timer-{name}", daemon=True).start()

    def stop(self) -> None:
        with self._cv:
            self._stopped = True
            self._timers.clear()
            self._cv.notify_all()


Clock = VirtualClock | DiscreteClock


def make_clock(kind: str, speed: float, log: Callable[[str], None] | None = None) -> Clock:
    """The clock named ``kind`` (one of :data:`CLOCKS`); for ``discrete``, ``speed`` is the
    cap (``math.inf``: none)."""
    if kind == "discrete":
        return DiscreteClock(speed, log=log)
    if kind == "scaled":
        return VirtualClock(speed)
    raise ValueError(f"clock {kind!r}: choose one of {', '.join(CLOCKS)}")


def _guarded(fn: Callable[[], None], name: str) -> Callable[[], None]:
    def run() -> None:
        try:
            fn()
        except Exception as exc:  # a timer must never kill the clock
            rt = _RUNTIME
            if rt is not None:
                rt.log("clock", f"timer {name or fn!r} failed: {type(exc).__name__}: {exc}")

    return run


class LambdaInvoker(Protocol):
    def __call__(self, function: str, payload: Mapping[str, Any]) -> Any:
        """Invoke a deployed function (name or ARN) in-process; return its result.

        Raises :class:`LambdaFunctionError` when the handler raised.
        """


class LambdaFunctionError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message


@dataclass
class LogLine:
    at: float
    source: str
    message: str


class Prepared(Protocol):
    """A template made ready for moto's CloudFormation by a :class:`TemplateDeployer`."""

    @property
    def body(self) -> str: ...

    @property
    def extra_resources(self) -> Mapping[str, tuple[str, str]]: ...


class TemplateDeployer(Protocol):
    """The sandbox's deploy path for a change set's template: ``expand`` (the Serverless
    transform alone, at CreateChangeSet), ``prepare`` (the Serverless
    transform, the code fetched from S3; raises ``cfn.ResourceFailed``; None: moto alone
    creates this template) before moto creates or updates the stack from ``body``, ``finish``
    (what moto skips, the Lambdas run in process) after."""

    def expand(
        self, stack_name: str, template: str, parameters: Mapping[str, str]
    ) -> dict[str, Any] | None: ...

    def prepare(
        self, stack_name: str, template: str, parameters: Mapping[str, str], kind: str
    ) -> Prepared | None: ...

    def finish(self, prepared: Prepared) -> None: ...


@dataclass
class Runtime:
    """What emulators share. Created by the sandbox; emulators read it via get_runtime()."""

    clock: Clock
    region: str = DEFAULT_REGION
    account: str = DEFAULT_ACCOUNT
    invoke_lambda: LambdaInvoker | None = None
    #: ExecuteChangeSet deploys through it (the sandbox sets it; None: moto's stack only)
    template_deployer: TemplateDeployer | None = None
    #: Invoke asynchronously, with Lambda's retries (function, payload); None: not offered
    invoke_lambda_async: Callable[[str, Mapping[str, Any]], None] | None = None
    #: Fault injection (set by the sandbox): what an emulated service's own call gets
    faults: FaultInjector | None = None
    #: Observers of emitted events (the timeline, tests). Called with the entry dict.
    event_listeners: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)
    logs: list[LogLine] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def put_event(
        self,
        source: str,
        detail_type: str,
        detail: Mapping[str, Any],
        resources: Sequence[str] = (),
    ) -> None:
        """Put an AWS-shaped event on the default bus (delivered like EventBridge does)."""
        entry: Any = {
            "Source": source,
            "DetailType": detail_type,
            "Detail": _json(detail),
            "Resources": list(resources),
            "EventBusName": "default",
        }
        client = cached_client("events", self.region)
        client.put_events(Entries=[entry])
        for listener in list(self.event_listeners):
            listener({"source": source, "detail-type": detail_type, "detail": dict(detail)})

    def log(self, source: str, message: str) -> None:
        with self._lock:
            self.logs.append(LogLine(self.clock.now(), source, message))


def _json(value: Mapping[str, Any]) -> str:
    import json

    return json.dumps(value, default=str)


_RUNTIME: Runtime | None = None


def set_runtime(runtime: Runtime | None) -> None:
    global _RUNTIME
    _RUNTIME = runtime


def get_runtime() -> Runtime:
    if _RUNTIME is None:
        raise RuntimeError("no sandbox runtime is active; start a turnout_sandbox.Sandbox first")
    return _RUNTIME


def has_runtime() -> bool:
    return _RUNTIME is not None


set_clock_source(lambda: _RUNTIME.clock if _RUNTIME is not None else None)
