"""The health gate policy: one evaluate call per tick, continuous health for the bake."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from decimal import Decimal
from typing import Any

import pytest

from turnout.errors import ConfigError, InvalidEvent
from turnout.gate import (
    HOOK_LIMIT_MINUTES,
    Evaluation,
    GateConfig,
    GateState,
    HoldMode,
    Observation,
    Verdict,
    evaluate,
    format_duration,
    hold_mode,
    start,
    verdict_lateness_minutes,
)

T0 = 1_750_000_000.0
URL = "http://green.hello-aws.internal:8080/health"
HEALTHY2 = ("healthy", "healthy")
TG = "in green target group"


def config(**overrides: Any) -> GateConfig:
    values: dict[str, Any] = {"bake_seconds": 300, "timeout_seconds": 900}
    values.update(overrides)
    return GateConfig(**values)


def obs(
    after: float,
    targets: tuple[str, ...] | None = HEALTHY2,
    alarms: tuple[str, ...] = (),
    status: int | None = None,
    error: str | None = None,
) -> Observation:
    return Observation(
        at=T0 + after,
        target_states=targets,
        alarms_in_alarm=alarms,
        http_status=status,
        http_error=error,
    )


def run(cfg: GateConfig, *observations: Observation) -> list[Evaluation]:
    state = start(T0)
    results = []
    for observation in observations:
        result = evaluate(cfg, state, observation)
        results.append(result)
        state = result.state
    return results


def last(cfg: GateConfig, *observations: Observation) -> Evaluation:
    return run(cfg, *observations)[-1]


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"bake_seconds": -1}, "gate bake_seconds must be >= 0, got -1"),
        ({"timeout_seconds": 300}, "timeout_seconds (300) must be greater than bake_seconds (300)"),
        ({"timeout_seconds": 60}, "timeout_seconds (60) must be greater than bake_seconds (300)"),
        ({"failure_threshold": 0}, "gate failure_threshold must be >= 1, got 0"),
        (
            {"http_expected_status": 99},
            "http_expected_status must be an HTTP status (100-599), got 99",
        ),
        ({"http_expected_status": 600}, "got 600"),
        ({"http_url": ""}, "gate http_url is empty"),
    ],
)
def test_given_invalid_gate_setting_when_config_built_then_config_error_names_it(
    overrides: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        config(**overrides)

    assert expected in caught.value.message


def test_given_alarm_names_as_list_when_config_built_then_they_are_stored_as_tuple() -> None:
    cfg = config(alarm_names=["hello-aws-5xx"])

    assert cfg.alarm_names == ("hello-aws-5xx",)
    assert cfg.failure_threshold == 2
    assert cfg.check_targets


def test_given_start_time_when_gate_started_then_state_is_fresh() -> None:
    assert start(T0) == GateState(started_at=T0)
    assert start(T0).checks == 0


# --------------------------------------------------------------------------- healthy


def test_given_first_healthy_check_when_evaluated_then_bake_starts_and_gate_waits() -> None:
    result = last(config(), obs(30))

    assert result.verdict is Verdict.WAIT
    assert result.state.healthy_since == T0 + 30
    assert result.reason == f"healthy for 0s of 5m 0s bake (2 of 2 targets healthy {TG})"
    assert result.state.last_reason == result.reason
    assert result.state.checks == 1


def test_given_healthy_for_four_minutes_when_evaluated_then_reason_shows_bake_progress() -> None:
    result = last(config(), obs(0), obs(240))

    assert result.verdict is Verdict.WAIT
    assert result.reason.startswith("healthy for 4m 0s of 5m 0s bake")
    assert result.state.healthy_since == T0


def test_given_healthy_for_exactly_the_bake_when_evaluated_then_gate_passes() -> None:
    results = run(config(), obs(0), obs(150), obs(299.5), obs(300))

    assert [r.verdict for r in results] == [Verdict.WAIT] * 3 + [Verdict.PASS]
    assert results[-1].reason == f"healthy for 5m 0s of 5m 0s bake (2 of 2 targets healthy {TG})"


def test_given_zero_bake_when_first_check_is_healthy_then_gate_passes_at_once() -> None:
    result = last(config(bake_seconds=0), obs(10))

    assert result.verdict is Verdict.PASS
    assert result.reason.startswith("healthy for 0s of 0s bake")


def test_given_nothing_to_check_when_evaluated_then_gate_is_a_bake_timer() -> None:
    cfg = config(check_targets=False)

    results = run(cfg, obs(0, targets=None), obs(300, targets=None))

    assert results[0].reason == "healthy for 0s of 5m 0s bake"
    assert results[1].verdict is Verdict.PASS


def test_given_targets_not_checked_when_targets_unhealthy_then_they_are_ignored() -> None:
    result = last(config(check_targets=False), obs(0, targets=("unhealthy",)))

    assert result.verdict is Verdict.WAIT
    assert result.state.healthy_since == T0


def test_given_http_probe_answering_expected_status_when_evaluated_then_check_is_healthy() -> None:
    cfg = config(http_url=URL, http_expected_status=204)

    result = last(cfg, obs(0, status=204))

    assert result.verdict is Verdict.WAIT
    assert result.state.healthy_since == T0
    assert result.reason.endswith(f"(2 of 2 targets healthy {TG}, {URL} answered 204)")


def test_given_probe_fields_without_probe_configured_when_evaluated_then_they_are_ignored() -> None:
    result = last(config(), obs(0, status=500, error="refused"))

    assert result.state.healthy_since == T0


# --------------------------------------------------------------------------- pending


@pytest.mark.parametrize("state", ["initial", "draining", "unused", "unavailable", "weird"])
def test_given_target_in_transitional_state_when_evaluated_then_check_is_pending(
    state: str,
) -> None:
    result = last(config(), obs(0, targets=("healthy", state)))

    assert result.verdict is Verdict.WAIT
    assert result.state.healthy_since is None
    assert result.state.consecutive_failures == 0
    assert result.reason == f"1 of 2 targets {state} {TG}"


def test_given_no_registered_targets_when_evaluated_then_check_is_pending() -> None:
    result = last(config(), obs(0, targets=()))

    assert result.verdict is Verdict.WAIT
    assert result.reason == f"no targets registered {TG}"


def test_given_target_health_not_read_when_targets_are_checked_then_check_is_pending() -> None:
    result = last(config(), obs(0, targets=None))

    assert result.verdict is Verdict.WAIT
    assert result.reason == "target health of the green target group was not read"


@pytest.mark.parametrize(
    ("error", "expected"),
    [("connection refused", "connection refused"), (None, "no answer")],
)
def test_given_probe_without_answer_when_evaluated_then_check_is_pending(
    error: str | None, expected: str
) -> None:
    result = last(config(http_url=URL), obs(0, error=error))

    assert result.verdict is Verdict.WAIT
    assert result.state.healthy_since is None
    assert result.state.consecutive_failures == 0
    assert result.reason == f"{URL} did not answer: {expected}"


def test_given_healthy_streak_when_a_pending_check_comes_then_bake_restarts() -> None:
    results = run(
        config(),
        obs(0),
        obs(240),
        obs(270, targets=("healthy", "draining")),
        obs(300),
        obs(540),
        obs(600),
    )

    assert [r.verdict for r in results] == [Verdict.WAIT] * 5 + [Verdict.PASS]
    assert results[2].state.healthy_since is None
    assert results[3].state.healthy_since == T0 + 300
    assert results[4].reason.startswith("healthy for 4m 0s of 5m 0s bake")


def test_given_failed_then_pending_then_failed_when_evaluated_then_streak_survives_pending() -> (
    None
):
    # A crash loop: unhealthy task replaced (new target initial), then unhealthy again.
    results = run(
        config(),
        obs(0, targets=("unhealthy",)),
        obs(30, targets=("initial",)),
        obs(60, targets=("unhealthy",)),
    )

    assert [r.verdict for r in results] == [Verdict.WAIT, Verdict.WAIT, Verdict.FAIL]
    assert results[1].state.consecutive_failures == 1
    assert results[2].reason == f"1 of 1 targets unhealthy {TG} (failed check 2 of 2)"


# --------------------------------------------------------------------------- failed


def test_given_unhealthy_targets_when_first_seen_then_gate_waits_and_counts_the_failure() -> None:
    result = last(config(), obs(0, targets=("healthy", "unhealthy", "unhealthy")))

    assert result.verdict is Verdict.WAIT
    assert result.state.consecutive_failures == 1
    assert result.state.healthy_since is None
    assert result.reason == f"2 of 3 targets unhealthy {TG} (failed check 1 of 2)"


def test_given_unhealthy_targets_twice_in_a_row_when_evaluated_then_gate_fails() -> None:
    bad = ("healthy", "unhealthy", "unhealthy")

    result = last(config(), obs(0, targets=bad), obs(30, targets=bad))

    assert result.verdict is Verdict.FAIL
    assert result.reason == f"2 of 3 targets unhealthy {TG} (failed check 2 of 2)"


def test_given_threshold_of_one_when_a_target_is_unhealthy_then_gate_fails_at_once() -> None:
    result = last(config(failure_threshold=1), obs(0, targets=("unhealthy.draining", "healthy")))

    assert result.verdict is Verdict.FAIL
    assert result.reason == f"1 of 2 targets unhealthy.draining {TG} (failed check 1 of 1)"


def test_given_failure_then_healthy_then_failure_when_evaluated_then_streak_was_reset() -> None:
    bad = ("unhealthy",)

    results = run(config(), obs(0, targets=bad), obs(30), obs(60, targets=bad))

    assert [r.verdict for r in results] == [Verdict.WAIT] * 3
    assert [r.state.consecutive_failures for r in results] == [1, 0, 1]


def test_given_mixed_target_states_when_evaluated_then_each_bad_state_is_counted() -> None:
    result = last(config(), obs(0, targets=("healthy", "unhealthy", "initial")))

    assert result.verdict is Verdict.WAIT
    assert result.state.consecutive_failures == 1
    assert result.reason == (
        f"1 of 3 targets initial, 1 of 3 targets unhealthy {TG} (failed check 1 of 2)"
    )


def test_given_probe_answering_wrong_status_when_evaluated_then_check_failed() -> None:
    results = run(config(http_url=URL), obs(0, status=503), obs(30, status=503))

    assert results[0].reason == f"{URL} answered 503, expected 200 (failed check 1 of 2)"
    assert results[1].verdict is Verdict.FAIL


def test_given_failure_and_pending_signals_when_evaluated_then_reason_names_both() -> None:
    result = last(config(http_url=URL), obs(0, targets=("unhealthy",), error="timed out"))

    assert result.state.consecutive_failures == 1
    assert result.reason == (
        f"1 of 1 targets unhealthy {TG}; {URL} did not answer: timed out (failed check 1 of 2)"
    )


# --------------------------------------------------------------------------- alarms


def test_given_alarm_in_alarm_when_evaluated_then_gate_fails_regardless_of_threshold() -> None:
    cfg = config(failure_threshold=5, alarm_names=("hello-aws-5xx",))

    result = last(cfg, obs(0), obs(30, alarms=("hello-aws-5xx",)))

    assert result.verdict is Verdict.FAIL
    assert result.reason == "alarm hello-aws-5xx is in ALARM"
    assert result.state.healthy_since is None


def test_given_two_alarms_and_unhealthy_targets_when_evaluated_then_all_are_named() -> None:
    result = last(config(), obs(0, targets=("unhealthy",), alarms=("a-5xx", "a-latency")))

    assert result.verdict is Verdict.FAIL
    assert result.reason == f"1 of 1 targets unhealthy {TG}; alarms a-5xx, a-latency are in ALARM"


# --------------------------------------------------------------------------- timeout


def test_given_never_healthy_when_timeout_reached_then_gate_times_out() -> None:
    results = run(config(), obs(899, targets=("initial",)), obs(900, targets=("initial",)))

    assert results[0].verdict is Verdict.WAIT
    assert results[1].verdict is Verdict.TIMEOUT
    assert (
        results[1].reason
        == f"not healthy for the 5m 0s bake within 15m 0s: 1 of 1 targets initial {TG}"
    )


def test_given_healthy_but_bake_unfinished_when_timeout_reached_then_gate_times_out() -> None:
    result = last(config(), obs(0, targets=()), obs(780), obs(900))

    assert result.verdict is Verdict.TIMEOUT
    assert result.reason.startswith("timed out after 15m 0s (limit 15m 0s): healthy for 2m 0s of")


def test_given_bake_completes_on_the_timeout_tick_when_evaluated_then_pass_wins() -> None:
    result = last(config(), obs(0, targets=()), obs(600), obs(900))

    assert result.verdict is Verdict.PASS


def test_given_failure_threshold_reached_on_the_timeout_tick_when_evaluated_then_fail_wins() -> (
    None
):
    bad = ("unhealthy",)

    result = last(config(), obs(870, targets=bad), obs(900, targets=bad))

    assert result.verdict is Verdict.FAIL


def test_given_failure_below_threshold_on_the_timeout_tick_when_evaluated_then_times_out() -> None:
    result = last(config(), obs(900, targets=("unhealthy",)))

    assert result.verdict is Verdict.TIMEOUT
    assert result.reason.endswith(f"1 of 1 targets unhealthy {TG} (failed check 1 of 2)")


# --------------------------------------------------------------------------- per tick


@pytest.mark.parametrize("bake_minutes", [5, 60])
def test_given_any_bake_when_ticks_arrive_then_each_interval_needs_exactly_one_evaluate_call(
    bake_minutes: int,
) -> None:
    interval = 30
    bake = bake_minutes * 60
    cfg = config(bake_seconds=bake, timeout_seconds=bake + 600)
    calls: list[int] = []

    def counted(tick: int) -> Callable[[GateState], Evaluation]:
        def call(state: GateState) -> Evaluation:
            calls.append(tick)
            return evaluate(cfg, state, obs(tick * interval))

        return call

    state = start(T0)
    verdict = Verdict.WAIT
    tick = 0
    max_ticks = (bake + 600) // interval + 1
    while verdict is Verdict.WAIT and tick < max_ticks:
        result = counted(tick)(state)
        state, verdict = result.state, result.verdict
        tick += 1

    assert verdict is Verdict.PASS
    assert calls == list(range(tick))  # one call per tick, in order
    assert tick == bake // interval + 1  # ticks at 0, 30, ..., bake
    assert state.checks == tick


def test_given_same_inputs_when_evaluated_twice_then_results_are_identical() -> None:
    cfg = config(http_url=URL)
    state = start(T0)
    observation = obs(10, status=200)

    assert evaluate(cfg, state, observation) == evaluate(cfg, state, observation)
    assert state == start(T0)


def test_given_state_when_mutated_then_it_is_immutable() -> None:
    state = start(T0)

    with pytest.raises(FrozenInstanceError):
        state.checks = 3  # type: ignore[misc]


# --------------------------------------------------------------------------- storage


@pytest.mark.parametrize(
    "state",
    [
        GateState(started_at=T0),
        GateState(
            started_at=0.1 + 0.2,
            healthy_since=1_718_067_600.123456789,
            consecutive_failures=1,
            checks=17,
            last_reason="2 of 3 targets unhealthy in green target group",
        ),
        GateState(started_at=1e-7, healthy_since=0.0, last_reason="é ✓"),
    ],
)
def test_given_state_when_stored_as_json_and_read_back_then_it_round_trips_exactly(
    state: GateState,
) -> None:
    stored = json.loads(json.dumps(state.to_dict()))

    assert GateState.from_dict(stored) == state
    assert not any(isinstance(value, float) for value in stored.values())


def test_given_dynamodb_decimals_when_read_then_state_is_rebuilt() -> None:
    stored = {
        "started_at": Decimal("1750000000.5"),
        "healthy_since": Decimal(1750000100),
        "consecutive_failures": Decimal(1),
        "checks": Decimal(4),
        "last_reason": "x",
    }

    state = GateState.from_dict(stored)

    assert state == GateState(1750000000.5, 1750000100.0, 1, 4, "x")
    assert isinstance(state.checks, int)


def test_given_minimal_stored_state_when_read_then_defaults_fill_the_rest() -> None:
    assert GateState.from_dict({"started_at": 5}) == GateState(started_at=5.0)


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({}, "started_at is missing"),
        ({"started_at": "soon"}, "started_at must be a finite number or number string, got 'soon'"),
        ({"started_at": True}, "started_at must be a finite number"),
        ({"started_at": "nan"}, "got 'nan'"),
        ({"started_at": [1]}, "got [1]"),
        ({"started_at": 1, "healthy_since": "x"}, "healthy_since must be a finite number"),
        ({"started_at": 1, "checks": -1}, "checks must be a whole number >= 0, got -1"),
        ({"started_at": 1, "checks": 1.5}, "got 1.5"),
        ({"started_at": 1, "checks": "3"}, "checks must be a whole number"),
        ({"started_at": 1, "consecutive_failures": float("inf")}, "consecutive_failures must"),
        ({"started_at": 1, "last_reason": 3}, "last_reason must be a string, got 3"),
    ],
)
def test_given_corrupt_stored_state_when_read_then_invalid_event_names_the_field(
    stored: dict[str, Any], expected: str
) -> None:
    with pytest.raises(InvalidEvent) as caught:
        GateState.from_dict(stored)

    assert expected in caught.value.message
    assert caught.value.message.startswith("stored gate state")


def test_given_stored_state_that_is_not_an_object_when_read_then_invalid_event() -> None:
    with pytest.raises(InvalidEvent, match="stored gate state must be an object"):
        GateState.from_dict(["started_at"])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (59.9, "59s"),
        (60, "1m 0s"),
        (240, "4m 0s"),
        (3599, "59m 59s"),
        (3600, "1h 0m 0s"),
        (3725, "1h 2m 5s"),
        (-5, "0s"),
    ],
)
def test_given_seconds_when_formatted_then_text_is_human(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_given_verdict_when_compared_with_its_value_then_it_is_a_string() -> None:
    assert isinstance(Verdict.PASS, str)
    assert Verdict.PASS.value == "pass"
    assert f"{Verdict.WAIT}" == "wait"
    assert Verdict("timeout") is Verdict.TIMEOUT
    assert json.dumps({"verdict": Verdict.FAIL}) == '{"verdict": "fail"}'


# --------------------------------------------------------------------------- hold mode


def test_given_a_gate_the_hook_can_hold_when_deciding_then_the_hook_holds_it() -> None:
    assert hold_mode(35, None, "dg", check_interval_minutes=1) is HoldMode.HOOK
    # the last verdict may come one interval plus a minute after the budget: still in time
    assert hold_mode(HOOK_LIMIT_MINUTES - 2, 10, "dg", check_interval_minutes=1) is HoldMode.HOOK
    assert hold_mode(HOOK_LIMIT_MINUTES - 6, 10, "dg", check_interval_minutes=5) is HoldMode.HOOK


@pytest.mark.parametrize("interval", [1, 5, 6])
def test_given_a_verdict_that_would_come_after_the_hook_limit_when_deciding_then_config_error(
    interval: int,
) -> None:
    """aws-fidelity row 5: a verdict exists only on a tick, up to one interval (plus
    delivery) after the budget; CodeDeploy fails a hook left unanswered for an hour."""
    gate = HOOK_LIMIT_MINUTES - verdict_lateness_minutes(interval) + 1

    with pytest.raises(ConfigError, match=rf"GateCheckIntervalMinutes = {interval}\b"):
        hold_mode(gate, None, "dg", check_interval_minutes=interval)


def test_given_a_termination_wait_outlasting_the_gate_when_deciding_then_it_holds_the_tasks() -> (
    None
):
    assert hold_mode(35, 42, "dg", check_interval_minutes=1) is HoldMode.TERMINATION_WAIT
    assert hold_mode(120, 127, "dg", check_interval_minutes=1) is HoldMode.TERMINATION_WAIT
    assert hold_mode(120, 131, "dg", check_interval_minutes=5) is HoldMode.TERMINATION_WAIT


@pytest.mark.parametrize(("interval", "wait"), [(1, 41), (1, 40), (5, 45), (5, 39)])
def test_given_a_termination_wait_shorter_than_gate_lateness_and_margin_then_the_hook_holds(
    interval: int, wait: int
) -> None:
    """The original task set must outlive the last tick's verdict by the margin, or the
    rollback finds it deleted (StopDeployment: DeploymentAlreadyCompleted)."""
    assert hold_mode(35, wait, "dg", check_interval_minutes=interval) is HoldMode.HOOK


def test_given_a_gate_longer_than_a_hook_and_the_wait_when_deciding_then_config_error() -> None:
    with pytest.raises(
        ConfigError, match=r"= 120 min, .* group dg terminates .* after 60 min: .* 127"
    ):
        hold_mode(120, 60, "dg", check_interval_minutes=1)
