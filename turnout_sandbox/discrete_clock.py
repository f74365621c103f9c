"""A discrete-event virtual clock: time moves only when every actor of the sandbox is idle.

An *actor* is a thread doing the sandbox's work: a timer's callback (``call_later``), a
thread started with :meth:`DiscreteClock.spawn` or as an :class:`ActorThread` (moto's Step
Functions interpreter runs on those, see ``iam_enforcement``), or any thread inside
``with clock.busy():`` (a request of the ``sandbox serve`` server, a scenario's driver).
An actor is idle only while it waits on the clock (:meth:`DiscreteClock.sleep`,
:meth:`DiscreteClock.wait`, :meth:`ActorThread.join`); blocked on anything else it counts
as busy, so time stalls rather than outruns the work.

When no actor is busy, ``now`` jumps straight to the earliest due timer or sleeper, which
then runs (equal due times: in the order they were scheduled). Work due at or before
``now`` starts at once, whether or not others are busy: it takes no virtual time.

``speed`` caps the rate (virtual seconds per wall second) while everything is idle, for
people who watch; ``math.inf`` (the default) jumps. With a cap, idle time flows at that
rate even with nothing due (a served sandbox's clock moves while its user types).
"""

from __future__ import annotations

import heapq
import itertools
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["ActorThread", "DiscreteClock", "set_clock_source"]

#: An event an idle actor waits on wakes the clock when it is set (DiscreteClock._notify_on_set);
#: the clock also looks at them this often, a backstop that only costs time if a set slipped
#: past that hook. (It used to be the only way: a scan every 2 ms that, on 2 cores, took the
#: GIL from the busy actors about 500 times a wall second.)
_EVENT_SCAN_SECONDS: Final = 2.0
#: Virtual seconds each read of ``now`` adds (see DiscreteClock.now).
_READ_TICK: Final = 1e-3


@dataclass(eq=False)
class _Waiter:
    due: float | None
    event: threading.Event | None
    actor: bool
    wake: threading.Event = field(default_factory=threading.Event)
    woken: bool = False


class DiscreteClock:
    """Virtual epoch seconds that advance only when no actor is busy (see the module doc)."""

    kind = "discrete"

    def __init__(
        self,
        speed: float = math.inf,
        start: float | None = None,
        *,
        log: Callable[[str], None] | None = None,
    ) -> None:
        if not speed > 0:
            raise ValueError(f"clock speed must be positive, got {speed}")
        self.speed = float(speed)
        self._now = time.time() if start is None else float(start)
        self._anchor = time.monotonic()  # wall time of the last advance (the cap)
        self._busy = 0
        self._timers: list[tuple[float, int, Callable[[], None] | _Waiter, str]] = []
        self._waiters: list[_Waiter] = []  # idle waiters on an event
        self._seq = itertools.count()
        self._reads = itertools.count()  # atomic in CPython: the reads' order
        self._cv = threading.Condition(threading.Lock())
        self._local = threading.local()
        self._stopped = False
        self._log = log
        self._worker = threading.Thread(target=self._run, name="sandbox-clock", daemon=True)
        self._worker.start()

    # -- reading -----------------------------------------------------------------------
    def now(self) -> float:
        """Virtual now, plus a millisecond per read before it: work takes no other virtual
        time here, yet no two moments read share a millisecond, the precision of AWS's
        timestamps (GetExecutionHistory's), so stamps order things as they happened."""
        tick = next(self._reads) * _READ_TICK
        if math.isinf(self.speed):
            # no lock: time moves only while no actor runs, so an actor reads a settled value
            return self._now + tick
        with self._cv:
            self._flow()
            return self._now + tick

    def real_seconds(self, virtual_seconds: float) -> float:
        """Wall seconds ``virtual_seconds`` take at the cap (0 when uncapped)."""
        return max(0.0, virtual_seconds) / self.speed

    @property
    def busy_actors(self) -> int:
        with self._cv:
            return self._busy

    # -- actors ------------------------------------------------------------------------
    def _depth(self) -> int:
        return int(getattr(self._local, "depth", 0))

    @contextmanager
    def busy(self) -> Iterator[None]:
        """The calling thread is an actor (busy) inside the block; nesting is fine."""
        depth = self._depth()
        if depth == 0:
            self._hold()
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0:
                self._release()

    @contextmanager
    def idle(self) -> Iterator[None]:
        """The calling actor is idle inside the block (it waits for the sandbox; time may
        move). For a wait the clock cannot see, e.g. a scenario polling on the wall clock."""
        depth = self._depth()
        if depth:
            self._release()
        try:
            yield
        finally:
            if depth:
                self._hold()

    def _hold(self) -> None:
        with self._cv:
            self._flow()
            self._busy += 1

    def _release(self) -> None:
        with self._cv:
            self._busy -= 1
            self._anchor = time.monotonic()
            self._cv.notify_all()

    def spawn(self, fn: Callable[[], None], name: str = "") -> threading.Thread:
        """Run ``fn`` on a new thread that is an actor from the moment it is started."""
        self._hold()  # busy before the caller may go idle: no gap for time to jump into
        run = self._as_actor(fn, name or repr(fn))
        thread = threading.Thread(target=run, name=name or "sandbox-actor", daemon=True)
        thread.start()
        return thread

    # -- waiting -----------------------------------------------------------------------
    def sleep(self, virtual_seconds: float) -> None:
        self._block(None, virtual_seconds)

    def wait(self, event: threading.Event, virtual_seconds: float | None) -> bool:
        """``event.wait`` with a virtual timeout; returns True when the event was set."""
        if event.is_set():
            return True
        self._block(event, virtual_seconds)
        return event.is_set()

    def _block(self, event: threading.Event | None, virtual_seconds: float | None) -> None:
        actor = self._depth() > 0
        with self._cv:
            if self._stopped:  # nothing will ever wake it: return, as a stopped wait does
                return
            self._flow()
            due = None if virtual_seconds is None else self._now + max(0.0, virtual_seconds)
            waiter = _Waiter(due, event, actor)
            if actor:  # idle from here on; a wake makes it busy again (_wake adds it back)
                self._busy -= 1
                self._anchor = time.monotonic()
            if due is not None:
                heapq.heappush(self._timers, (due, next(self._seq), waiter, "sleep"))
            if event is not None:
                self._notify_on_set(event)
                self._waiters.append(waiter)
                if event.is_set():  # set between the caller's check and now
                    # woken at once: busy again, so the count is what it was (it leaked one
                    # here, and a leaked busy actor stops the clock for good)
                    self._wake(waiter)
            self._cv.notify_all()
        waiter.wake.wait()

    def _notify_on_set(self, event: threading.Event) -> None:
        """Under the lock: make ``event.set()`` also wake the worker, which then wakes the
        waiters of the events set (a plain threading.Event tells no one but its own
        waiters). The event's own class's ``set`` runs first, then the notify, so a worker
        between its scan and its wait (it holds the lock) cannot miss it. Never called for
        the waiters' own ``wake`` events, which the clock sets under its lock."""
        if getattr(event, "_turnout_clock", None) is self:
            return
        cls_set = type(event).set.__get__(event)
        cv = self._cv

        def set_and_notify() -> None:
            cls_set()
            with cv:
                cv.notify_all()

        event.set = set_and_notify  # type: ignore[method-assign]
        event._turnout_clock = self  # type: ignore[attr-defined]

    def _wake(self, waiter: _Waiter) -> None:
        """Under the lock: ``waiter`` runs again (busy again at once, if an actor)."""
        if waiter.woken:
            return
        waiter.woken = True
        if waiter.event is not None:
            self._waiters.remove(waiter)
        if waiter.due is not None:
            self._timers = [t for t in self._timers if t[2] is not waiter]
            heapq.heapify(self._timers)
        if waiter.actor:
            self._busy += 1
        waiter.wake.set()

    # -- timers ------------------------------------------------------------------------
    def call_later(self, virtual_seconds: float, fn: Callable[[], None], name: str = "") -> None:
        """Run ``fn`` on an actor thread of its own once ``virtual_seconds`` passed."""
        with self._cv:
            self._flow()
            due = self._now + max(0.0, virtual_seconds)
            heapq.heappush(self._timers, (due, next(self._seq), fn, name))
            self._cv.notify_all()

    def stop(self) -> None:
        with self._cv:
            self._stopped = True
            self._timers.clear()
            for waiter in list(self._waiters):
                waiter.wake.set()
            self._cv.notify_all()

    # -- the worker ----------------------------------------------------------------------
    def _flow(self) -> None:
        """Under the lock: with a cap and nobody busy, idle time flows at the cap's rate up
        to the next due time."""
        if self._busy or math.isinf(self.speed):
            return
        wall = time.monotonic()
        target = self._now + (wall - self._anchor) * self.speed
        if self._timers:
            target = min(target, self._timers[0][0])
        self._now = max(self._now, target)
        self._anchor = wall

    def _run(self) -> None:
        while True:
            starting: list[threading.Thread] = []
            with self._cv:
                if self._stopped:
                    return
                self._step(starting)
            for thread in starting:  # started outside the lock (a start waits for the GIL)
                thread.start()

    def _step(self, starting: list[threading.Thread]) -> None:
        """Under the lock: wake what is due or set, else jump, else wait for a change."""
        for waiter in [w for w in self._waiters if w.event and w.event.is_set()]:
            self._wake(waiter)
        self._flow()
        if self._timers and self._timers[0][0] <= self._now:
            while self._timers and self._timers[0][0] <= self._now:
                thread = self._fire(heapq.heappop(self._timers))
                if thread is not None:
                    starting.append(thread)
            return
        if self._timers and self._busy == 0:
            due = self._timers[0][0]
            if math.isinf(self.speed):
                self._now = due
                return
            self._cv.wait(min((due - self._now) / self.speed, 0.05))
            return
        self._cv.wait(_EVENT_SCAN_SECONDS if self._waiters else None)

    def _fire(self, timer: tuple[float, int, Any, str]) -> threading.Thread | None:
        _, _, what, name = timer
        if isinstance(what, _Waiter):
            self._wake(what)
            return None
        self._busy += 1  # handed to the timer's thread: it is an actor from now on
        run = self._as_actor(what, f"timer {name or what!r}")
        return threading.Thread(target=run, name=f"timer-{name}", daemon=True)

    def _as_actor(self, fn: Callable[[], None], label: str) -> Callable[[], None]:
        """``fn`` as the body of a thread whose busy count was taken for it."""

        def run() -> None:
            self._local.depth = 1
            try:
                fn()
            except Exception as exc:  # a timer or task must never kill the clock
                if self._log is not None:
                    self._log(f"{label} failed: {type(exc).__name__}: {exc}")
            finally:
                self._local.depth = 0
                self._release()

        return run


#: Where an ActorThread finds the active clock. turnout_sandbox.runtime sets it when imported
#: (it imports this module; this module does not import it: no import circle).
_CLOCK_SOURCE: list[Callable[[], Any]] = []


def set_clock_source(source: Callable[[], Any]) -> None:
    """Name the function that answers the active clock (the runtime's), or None."""
    _CLOCK_SOURCE[:] = [source]


def _active_clock() -> Any:
    return _CLOCK_SOURCE[0]() if _CLOCK_SOURCE else None


class ActorThread(threading.Thread):
    """A thread that is an actor of the active discrete clock from ``start()`` to its end,
    and whose ``join(timeout)`` is an idle wait with a virtual timeout. Without a discrete
    clock, a plain thread."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock: DiscreteClock | None = None
        self._ended = threading.Event()

    def start(self) -> None:
        clock = _active_clock()
        if isinstance(clock, DiscreteClock):
            self._clock = clock
            clock._hold()  # busy from the starter's side: no gap before run()
        try:
            super().start()
        except BaseException:
            if self._clock is not None:
                self._clock._release()
            raise

    def run(self) -> None:
        clock = self._clock
        if clock is None:
            super().run()
            return
        clock._local.depth = 1
        try:
            super().run()
        finally:
            self._ended.set()
            clock._local.depth = 0
            clock._release()

    def join(self, timeout: float | None = None) -> None:
        clock = self._clock
        ended = clock is None or self._ended.is_set() or clock.wait(self._ended, timeout)
        if not ended:
            return  # the virtual timeout passed; the thread still runs
        super().join(None if clock is not None else timeout)
