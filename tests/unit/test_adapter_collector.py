"""adapters/aws.py: the client factory pauses Python's cyclic collector while it imports
boto3 and builds a client (a cold start's cost, bench/cold_init.py), and gives back the
collector's state as it found it, also when building fails."""

from __future__ import annotations

import gc

import pytest

from turnout.adapters.aws import _collector_paused


def test_given_the_collector_on_when_a_client_is_built_then_it_is_off_meanwhile() -> None:
    assert gc.isenabled()
    with _collector_paused():
        inside = gc.isenabled()
    assert inside is False
    assert gc.isenabled()


def test_given_the_collector_paused_elsewhere_when_a_client_is_built_then_it_stays_off() -> None:
    gc.disable()
    try:
        with _collector_paused():
            pass
        assert not gc.isenabled()  # the thread that paused it first turns it back on
    finally:
        gc.enable()


def test_given_a_failure_inside_when_a_client_is_built_then_the_collector_is_on_again() -> None:
    with pytest.raises(RuntimeError), _collector_paused():
        raise RuntimeError("client creation failed")
    assert gc.isenabled()
