"""functions/finish: ledger, SNS and EventBridge; release the service and start the next push."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.handlers.conftest import (
    COMMIT,
    DEPLOY_EXECUTION,
    DIGEST,
    NOW,
    SERVICE_KEY,
    World,
    digest_of,
)
from turnout.deps import Deps
from turnout.errors import InvalidEvent


def _deploy_machine(world: World) -> tuple[str, Deps]:
    return world.deploy_machine()


def _first_admitted(world: World) -> tuple[str, Deps, dict[str, Any]]:
    """The deploy machine, its Deps, and push 1 admitted: it holds the running slot."""
    machine, deps = _deploy_machine(world)
    first = world.push_attempt(1)
    world.call("admit", {"attempt": first})
    return machine, deps, first


def _finish(world: World, deps: Deps, **payload: Any) -> dict[str, Any]:
    return world.call("finish", {"executionArn": DEPLOY_EXECUTION, **payload}, deps=deps)


def _row(world: World, attempt_id: str) -> dict[str, Any]:
    row = world.deps.store.get_attempt(SERVICE_KEY, attempt_id)
    assert row is not None
    return row


def test_given_a_queued_push_when_the_running_deploy_succeeds_then_the_next_execution_starts(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    machine, deps = _deploy_machine(world)
    first, second = world.push_attempt(1), world.push_attempt(2)
    world.call("admit", {"attempt": first})
    world.call("admit", {"attempt": second})
    state = {
        "attempt": first,
        "render": {"value": {"taskDefinitionArn": "arn:td:task-hello-aws:3", "revision": 3}},
        "deployment": {"deploymentId": "d-1"},
        "gate": {"verdict": "pass", "reason": "healthy for 5m 0s of 5m 0s bake"},
    }

    result = _finish(world, deps, kind="deploy", outcome="succeeded", state=state)

    assert result["released"] is True
    assert result["next"] == second["attemptId"]
    assert (result["errorName"], result["cause"]) == ("DeploymentFailed", "deploy succeeded")
    queue = world.state()
    assert queue["serving"]["attemptId"] == first["attemptId"]
    assert queue["running"]["attemptId"] == second["attemptId"]
    assert queue["queued"] is None
    done = _row(world, first["attemptId"])
    assert (done["result"], done["deploymentId"], done["taskDefinitionRevision"]) == (
        "succeeded",
        "d-1",
        3,
    )
    assert done["gateVerdict"] == "pass"
    assert done["durationSeconds"] == 10
    assert _row(world, second["attemptId"])["result"] == "running"
    executions = world.sfn.list_executions(stateMachineArn=machine)["executions"]
    assert [e["name"] for e in executions] == [second["attemptId"]]
    started = world.sfn.describe_execution(executionArn=executions[0]["executionArn"])
    # Only the attempt id: the deploy machine re-reads the slot (aws-fidelity row 33).
    assert json.loads(started["input"]) == {"handoff": {"attemptId": second["attemptId"]}}
    slot = world.state()["running"]
    assert slot["executionArn"] == executions[0]["executionArn"]
    notes = world.notifications()
    assert [n["Subject"] for n in notes] == [
        f"turnout: service-hello-aws deploy succeeded (commit {first['commitId'][:12]})"
    ]
    assert notes[0]["Message"]["attemptId"] == first["attemptId"]
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [m.get("deploy_succeeded") for m in emf] == [[1.0]]


def test_given_a_failed_deploy_with_nothing_queued_when_finishing_then_the_slot_is_free_and_nothing_starts(
    world: World,
) -> None:
    machine, deps, first = _first_admitted(world)
    error = {
        "Error": "GateFailed",
        "Cause": json.dumps(
            {"errorType": "GateFailed", "errorMessage": "alarm hello-aws-5xx is in ALARM"}
        ),
    }

    result = _finish(
        world, deps, kind="deploy", outcome="rolled_back", state={"attempt": first, "error": error}
    )

    assert (result["released"], result["next"]) == (True, None)
    assert (result["errorName"], result["cause"]) == (
        "GateFailed",
        "alarm hello-aws-5xx is in ALARM",
    )
    queue = world.state()
    assert (queue["serving"], queue["running"]) == (None, None)
    row = _row(world, first["attemptId"])
    assert row["result"] == "rolled_back"
    assert row["error"] == {"type": "GateFailed", "message": "alarm hello-aws-5xx is in ALARM"}
    assert world.sfn.list_executions(stateMachineArn=machine)["executions"] == []


def test_given_an_image_that_was_rejected_when_finishing_then_a_rejected_row_is_recorded(
    world: World,
) -> None:
    _, deps = _deploy_machine(world)
    event = {"id": "ev-9", "detail": {"image-digest": "sha256:" + "a" * 64}}
    error = {
        "Error": "ImageCommitUnknown",
        "Cause": json.dumps(
            {"errorType": "ImageCommitUnknown", "errorMessage": "image has tags ['latest']"}
        ),
    }

    result = _finish(world, deps, kind="deploy", outcome="rejected", state=event | {"error": error})

    assert result["result"] == "rejected"
    assert (result["errorName"], result["cause"]) == (
        "ImageCommitUnknown",
        "image has tags ['latest']",
    )
    row = _row(world, result["attemptId"])
    assert (row["result"], row["eventId"], row["digest"]) == (
        "rejected",
        "ev-9",
        "sha256:" + "a" * 64,
    )
    assert world.state()["running"] is None


def test_given_a_build_that_succeeded_when_finishing_then_the_ledger_and_build_pointer_are_updated(
    world: World,
) -> None:
    _, deps = _deploy_machine(world)
    world.deps.store.put_attempt(
        SERVICE_KEY, "b-1", {"kind": "build", "trigger": "push", "startedAt": NOW - 90}
    )

    result = _finish(
        world,
        deps,
        kind="build",
        outcome="succeeded",
        state={
            "attempt": {"attemptId": "b-1", "commitId": COMMIT},
            "build": {"buildId": "build-hello-aws:1"},
        },
    )

    assert result["result"] == "succeeded"
    row = _row(world, "b-1")
    assert (row["result"], row["phase"], row["buildId"], row["durationSeconds"]) == (
        "succeeded",
        "built",
        "build-hello-aws:1",
        90,
    )
    build = world.item(f"SERVICE#{SERVICE_KEY}", f"BUILD#{COMMIT}")
    assert build is not None
    assert build["buildResult"] == "succeeded"
    assert build["digest"] == ""  # the build pushed nothing under the commit tag here
    assert world.notifications()[0]["Subject"].startswith(
        "turnout: service-hello-aws build succeeded"
    )


def _recorded_build(world: World, deps: Deps, outcome: str) -> dict[str, Any]:
    """Finish a build of COMMIT with ``outcome``; the BUILD#<commit> row it leaves."""
    _finish(
        world,
        deps,
        kind="build",
        outcome=outcome,
        state={
            "attempt": {"attemptId": "b-1", "commitId": COMMIT},
            "build": {"buildId": "build-hello-aws:1"},
        },
    )
    build = world.item(f"SERVICE#{SERVICE_KEY}", f"BUILD#{COMMIT}")
    assert build is not None
    return build


def test_given_a_build_that_pushed_its_commit_tag_when_finishing_then_the_digest_is_recorded(
    world: World,
) -> None:
    _, deps = _deploy_machine(world)
    world.push_image(DIGEST, [COMMIT, "latest"])
    world.push_image(digest_of(3), ["latest"])  # the deploy tag moved on: not the build's

    build = _recorded_build(world, deps, "succeeded")

    assert (build["buildResult"], build["digest"]) == ("succeeded", DIGEST)


def test_given_a_build_that_pushed_a_short_commit_tag_when_finishing_then_the_digest_is_recorded(
    world: World,
) -> None:
    _, deps = _deploy_machine(world)
    world.push_image(DIGEST, [COMMIT[:8], "latest"])  # ${CODEBUILD_RESOLVED_SOURCE_VERSION:0:8}
    world.push_image(digest_of(3), [COMMIT[:6]])  # six characters are no commit id

    build = _recorded_build(world, deps, "succeeded")

    assert (build["buildResult"], build["digest"]) == ("succeeded", DIGEST)


def test_given_a_build_that_pushed_no_commit_tag_when_finishing_then_no_digest_is_recorded(
    world: World,
) -> None:
    _, deps = _deploy_machine(world)
    world.push_image(DIGEST, [COMMIT[:6], "latest"])

    build = _recorded_build(world, deps, "succeeded")

    assert (build["buildResult"], build["digest"]) == ("succeeded", "")


def test_given_a_failed_build_when_finishing_then_no_digest_is_recorded(world: World) -> None:
    _, deps = _deploy_machine(world)
    world.push_image(DIGEST, [COMMIT])

    build = _recorded_build(world, deps, "failed")

    assert build["buildResult"] == "failed"
    assert "digest" not in build


def test_given_a_wait_that_timed_out_when_finishing_then_the_error_name_is_not_a_states_name(
    world: World,
) -> None:
    _, deps, first = _first_admitted(world)

    result = _finish(
        world,
        deps,
        kind="deploy",
        outcome="failed",
        state={"attempt": first, "error": {"Error": "States.Timeout", "Cause": "timed out"}},
    )

    assert (result["errorName"], result["cause"]) == ("WaitTimedOut", "timed out")


@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "release", "outcome": "succeeded", "state": {}},
        {"kind": "deploy", "outcome": "done", "state": {}},
        {"kind": "deploy", "outcome": "succeeded", "state": "oops"},
    ],
)
def test_given_a_bad_finish_input_when_finishing_then_invalid_event_names_kind_and_outcome(
    world: World, payload: dict[str, Any]
) -> None:
    _, deps = _deploy_machine(world)

    with pytest.raises(
        InvalidEvent, match=f"finish input: kind={payload['kind']!r} outcome={payload['outcome']!r}"
    ):
        _finish(world, deps, **payload)
    assert world.attempts() == []
    assert world.notifications() == []
