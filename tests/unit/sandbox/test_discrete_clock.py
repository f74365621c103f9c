"""The discrete-event clock on its own: actors, jumps, never outrunning a busy actor, the
order of equal due times, the cap. No sandbox, no moto: threads and the clock alone."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from turnout_sandbox.discrete_clock import DiscreteClock
from turnout_sandbox.runtime import Runtime, set_runtime

START = 1_000_000.0
#: Wall seconds any of these tests may take to see what it waits for (they take ms).
PATIENCE = 5.0


@pytest.fixture
def clock() -> Iterator[DiscreteClock]:
    c = DiscreteClock(start=START)
    yield c
    c.stop()


def _t(clock: DiscreteClock) -> float:
    """Virtual seconds since START, to 0.1 s (each read adds a millisecond)."""
    return round(clock.now() - START, 1)


def _until(predicate: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_given_a_timer_due_in_an_hour_when_nothing_is_busy_then_time_jumps_to_it_at_once(
    clock: DiscreteClock,
) -> None:
    fired: list[float] = []
    began = time.monotonic()

    clock.call_later(3600, lambda: fired.append(_t(clock)))

    _until(lambda: bool(fired))
    assert fired == [3600]
    assert time.monotonic() - began < 1.0


def test_given_no_timer_when_idle_then_uncapped_time_stands_still(clock: DiscreteClock) -> None:
    time.sleep(0.05)

    assert _t(clock) == 0


def test_given_a_busy_actor_when_a_timer_is_due_later_then_time_waits_for_the_actor(
    clock: DiscreteClock,
) -> None:
    fired = threading.Event()
    clock.call_later(60, fired.set)

    with clock.busy():
        time.sleep(0.1)  # real work: virtual time must not move meanwhile
        assert _t(clock) == 0
        assert not fired.is_set()

    _until(fired.is_set)
    assert _t(clock) == 60


def test_given_work_due_now_when_an_actor_is_busy_then_it_starts_without_time_moving(
    clock: DiscreteClock,
) -> None:
    ran = threading.Event()

    with clock.busy():
        clock.call_later(0, ran.set)
        _until(ran.is_set)
        assert _t(clock) == 0


def test_given_equal_due_timers_when_they_fire_then_in_the_order_they_were_scheduled(
    clock: DiscreteClock,
) -> None:
    order: list[str] = []
    lock = threading.Lock()

    def note(name: str) -> Callable[[], None]:
        def run() -> None:
            with lock:
                order.append(name)

        return run

    with clock.busy():  # scheduled together, nothing may fire before the last is in
        for name in ("a", "b", "c", "d"):
            clock.call_later(30, note(name))
        clock.call_later(10, note("first"))

    _until(lambda: len(order) == 5)
    assert order == ["first", "a", "b", "c", "d"]


def test_given_a_sleeping_actor_and_a_timer_when_idle_then_each_wakes_at_its_due_time(
    clock: DiscreteClock,
) -> None:
    seen: list[tuple[str, float]] = []

    def sleeper() -> None:
        clock.sleep(90)
        seen.append(("sleeper", _t(clock)))

    with clock.busy():
        clock.spawn(sleeper, "sleeper")
        clock.call_later(30, lambda: seen.append(("timer", _t(clock))))

    _until(lambda: len(seen) == 2)
    assert seen == [("timer", 30), ("sleeper", 90)]


def test_given_an_actor_working_after_a_wake_when_a_later_timer_waits_then_it_fires_only_after(
    clock: DiscreteClock,
) -> None:
    log: list[tuple[str, float]] = []

    def worker() -> None:
        clock.sleep(10)
        time.sleep(0.1)  # busy, on the wall clock: time stands still
        log.append(("worker done", _t(clock)))

    with clock.busy():  # the test's own thread is an actor while it sets up
        clock.spawn(worker, "worker")
        clock.call_later(11, lambda: log.append(("timer", _t(clock))))

    _until(lambda: len(log) == 2)
    assert log == [("worker done", 10), ("timer", 11)]


def test_given_an_actor_waiting_on_an_event_when_another_sets_it_then_it_wakes_before_time_moves(
    clock: DiscreteClock,
) -> None:
    event = threading.Event()
    woke: list[tuple[bool, float]] = []

    def waiter() -> None:
        woke.append((clock.wait(event, 600), _t(clock)))

    with clock.busy():
        clock.spawn(waiter, "waiter")
        clock.call_later(5, event.set)
        clock.call_later(100, lambda: None)  # a later timer must not be jumped to first

    _until(lambda: bool(woke))
    assert woke == [(True, 5)]


def test_given_a_setter_that_stays_busy_when_it_sets_the_event_then_the_waiter_wakes_at_once(
    clock: DiscreteClock,
) -> None:
    # The set itself wakes the clock (no scan needed): the waiter runs while its setter is
    # still busy, long before the clock's backstop look (_EVENT_SCAN_SECONDS, 2 s).
    event = threading.Event()
    woke = threading.Event()
    release = threading.Event()

    def waiter() -> None:
        clock.wait(event, 600)
        woke.set()

    def setter() -> None:
        event.set()
        release.wait(PATIENCE)  # busy: blocked on something the clock does not see

    with clock.busy():
        clock.spawn(waiter, "waiter")
    _until(lambda: clock.busy_actors == 0)  # the waiter is idle on the event
    clock.spawn(setter, "setter")
    try:
        assert woke.wait(1.0), "the waiter was not woken while its setter stayed busy"
        assert _t(clock) == 0  # and no virtual time passed
    finally:
        release.set()


class _SetWhileLooking(threading.Event):
    """Set, but the first look says not yet: set between ``wait``'s check and its block."""

    def __init__(self) -> None:
        super().__init__()
        self.set()
        self._looks = 0

    def is_set(self) -> bool:
        self._looks += 1
        return self._looks > 1


def test_given_an_event_set_as_an_actor_starts_waiting_when_it_goes_on_then_time_still_moves(
    clock: DiscreteClock,
) -> None:
    fired: list[float] = []
    with clock.busy():
        assert clock.wait(_SetWhileLooking(), 600)  # woken at once: no virtual time passed
    clock.call_later(100, lambda: fired.append(_t(clock)))

    _until(lambda: bool(fired))  # a busy count leaked by the race would stop the clock
    assert fired == [100]


def test_given_an_event_never_set_when_waited_on_then_the_virtual_timeout_passes(
    clock: DiscreteClock,
) -> None:
    woke: list[tuple[bool, float]] = []
    clock.spawn(lambda: woke.append((clock.wait(threading.Event(), 45), _t(clock))), "waiter")

    _until(lambda: bool(woke))
    assert woke == [(False, 45)]


def test_given_a_cap_when_idle_then_time_flows_no_faster_than_speed_times_the_wall_clock() -> None:
    clock = DiscreteClock(speed=100, start=START)
    try:
        fired = threading.Event()
        began = time.monotonic()
        clock.call_later(20, fired.set)  # 0.2 s of wall time at the cap

        _until(fired.is_set)
        took = time.monotonic() - began
        assert took >= 0.19
        time.sleep(0.05)
        assert START + 20 < clock.now() <= START + 20 + (time.monotonic() - began) * 100
    finally:
        clock.stop()


def test_given_a_bad_speed_when_made_then_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        DiscreteClock(speed=0)
    assert math.isinf(DiscreteClock().speed)


def test_given_an_actor_thread_when_joined_with_a_virtual_timeout_then_it_is_an_idle_wait(
    clock: DiscreteClock,
) -> None:
    from turnout_sandbox.discrete_clock import ActorThread

    set_runtime(Runtime(clock=clock))
    try:
        results: list[tuple[str, float]] = []

        def child() -> None:
            clock.sleep(300)
            results.append(("child", _t(clock)))

        def parent() -> None:
            thread = ActorThread(target=child, daemon=True)
            thread.start()
            thread.join(timeout=100)  # the program's TimeoutSeconds: virtual
            results.append(("parent timed out" if thread.is_alive() else "joined", _t(clock)))
            thread.join()
            results.append(("joined", _t(clock)))

        clock.spawn(parent, "parent")

        _until(lambda: len(results) == 3)
        assert results == [
            ("parent timed out", 100),
            ("child", 300),
            ("joined", 300),
        ]
    finally:
        set_runtime(None)


def test_given_a_stopped_clock_when_slept_on_then_it_returns_at_once() -> None:
    clock = DiscreteClock(start=START)
    clock.stop()
    began = time.monotonic()

    clock.sleep(3600)

    assert clock.wait(threading.Event(), None) is False
    assert time.monotonic() - began < 1.0


def test_given_reads_at_one_virtual_instant_when_compared_then_each_is_a_ms_after_the_last(
    clock: DiscreteClock,
) -> None:
    with clock.busy():  # nothing may move time: yet no two reads are equal
        reads = [clock.now() for _ in range(1000)]

    assert reads == sorted(reads)
    assert len({round(r, 3) for r in reads}) == len(reads)  # distinct to the ms
    assert reads[-1] - reads[0] == pytest.approx(0.999)
