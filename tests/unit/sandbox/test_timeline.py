"""The scenario timeline: steps emitted in the order they happened, up to the watermark."""

from __future__ import annotations

import json

from turnout_sandbox.timeline import Step, Timeline, gate_check


def _texts(steps: list[Step]) -> list[str]:
    return [s.text for s in steps]


def test_given_steps_added_out_of_order_when_flushed_then_they_come_in_virtual_time_order() -> None:
    emitted: list[Step] = []
    timeline = Timeline(origin_virtual=1000.0, origin_real=0.0, emit=emitted.append)
    timeline.add(1030.0, "codedeploy", "SUCCESS")  # the event, seen first
    timeline.add(1020.0, "deploy", "TerminateOriginalTaskSet")  # the state, polled later

    timeline.close()

    assert _texts(emitted) == ["TerminateOriginalTaskSet", "SUCCESS"]
    assert [s.at_virtual for s in emitted] == [20.0, 30.0]
    assert timeline.steps == emitted


def test_given_a_watermark_when_flushed_then_later_steps_wait_for_what_may_precede_them() -> None:
    emitted: list[Step] = []
    timeline = Timeline(0.0, 0.0, emitted.append)
    timeline.add(5.0, "a", "first")
    timeline.add(9.0, "a", "after the watermark")

    timeline.flush(upto=6.0)
    assert _texts(emitted) == ["first"]

    timeline.add(7.0, "b", "found by a later poll")
    timeline.flush(upto=10.0)
    assert _texts(emitted) == ["first", "found by a later poll", "after the watermark"]


def test_given_steps_at_the_same_moment_when_flushed_then_they_keep_the_order_added() -> None:
    timeline = Timeline(0.0, 0.0)
    for text in ("one", "two", "three"):
        timeline.add(3.0, "x", text)
    timeline.close()
    assert _texts(timeline.steps) == ["one", "two", "three"]


def test_given_gate_ticks_log_line_when_read_then_its_verdict_and_reason_are_the_text() -> None:
    line = json.dumps(
        {"level": "INFO", "message": "gate check", "verdict": "wait", "reason": "2 of 2 healthy"}
    )
    assert gate_check(line) == "check: wait, 2 of 2 healthy"


def test_given_other_log_lines_when_read_then_they_are_not_gate_checks() -> None:
    assert gate_check('{"level": "INFO", "message": "outcome recorded"}') is None
    assert gate_check('not json but mentions "gate check"') is None
    assert gate_check('{"message": "something else", "note": "gate check"}') is None


def test_given_a_state_and_a_gate_check_in_one_millisecond_when_flushed_then_the_check_first() -> (
    None
):
    # the discrete clock: the state's history timestamp is truncated to the ms, the log
    # line caused before it is stamped to the microsecond
    timeline = Timeline(1000.0, 0.0)
    timeline.add(1420.0, "deploy", "ReleaseHook")
    timeline.add(1420.000412, "gate", "check: pass")
    timeline.add(1420.0, "deploy", "TerminateOriginalTaskSet")

    timeline.close()

    assert _texts(timeline.steps) == ["check: pass", "ReleaseHook", "TerminateOriginalTaskSet"]
