"""The demo service's data plane (what its health URL answers) routes where the control
plane (DescribeListeners, DescribeServices) says production traffic goes."""

from __future__ import annotations

import json
import urllib.request

import pytest

from turnout_sandbox.scenarios import Run

pytestmark = pytest.mark.e2e


def _probed_commit(run: Run) -> str | None:
    with urllib.request.urlopen(run.demo.health_url, timeout=5) as response:
        commit = json.loads(response.read())["commit"]
    return str(commit) if commit is not None else None


def test_given_the_seed_serving_when_the_data_plane_is_read_then_it_agrees_with_the_api(
    run: Run,
) -> None:
    assert run.demo.routed_commit() == run.demo.serving()["commit"] == run.demo.initial_commit
    assert _probed_commit(run) == run.demo.initial_commit


def test_given_a_push_when_its_gate_and_its_end_are_read_then_both_planes_agree(
    run: Run,
) -> None:
    commit = run.demo.push("Change the greeting")

    run.wait(
        "the gate to start",
        lambda: any(g.get("gateStartedAt") for g in run.store().gates()),
    )
    during = (run.demo.routed_commit(), run.demo.serving()["commit"], _probed_commit(run))
    run.wait("the deployment to finish", lambda: run.deploys_done(1))

    assert during == (commit, commit, commit)  # the gate probes the new task set
    assert run.demo.routed_commit() == run.demo.serving()["commit"] == commit
    assert _probed_commit(run) == commit
