"""functions/gate_tick also deploys a successful build whose best-effort ECR push event never
started a deploy (turnout.reconcile; EventBridge User Guide, "Event delivery from AWS
services"), claiming the build first so the push's Admit and the tick never both deploy it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.integration.handlers.conftest import (
    ACCOUNT,
    COMMIT,
    DIGEST,
    NOW,
    REGION,
    SERVICE_KEY,
    World,
    attempt,
    client_error,
    digest_of,
    sample,
)
from turnout.deps import Deps
from turnout.errors import InvalidEvent
from turnout.reconcile import RECONCILE_GRACE_SECONDS

DEPLOY_MACHINE = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:turnout-deploy-abc"
LATER = NOW + RECONCILE_GRACE_SECONDS + 60


@dataclass
class StartingSfnClient:
    """StartExecution as AWS answers it: idempotent by name for the same input, else
    ExecutionAlreadyExists; ``throttle`` calls answer ThrottlingException first."""

    started: dict[str, dict[str, Any]] = field(default_factory=dict)
    throttle: int = 0

    def start_execution(self, *, stateMachineArn: str, name: str, input: str) -> dict[str, Any]:
        if self.throttle:
            self.throttle -= 1
            raise client_error("ThrottlingException", "Rate exceeded", "StartExecution")
        payload = json.loads(input)
        if name in self.started and self.started[name] != payload:
            raise client_error("ExecutionAlreadyExists", f"Execution Already Exists: {name}", "x")
        self.started[name] = payload
        return {
            "executionArn": f"{stateMachineArn.replace(':stateMachine:', ':execution:')}:{name}"
        }


def _deps(world: World, sfn: StartingSfnClient, **overrides: Any) -> Deps:
    return world.with_config(sfn_client=sfn, DEPLOY_STATE_MACHINE_ARN=DEPLOY_MACHINE, **overrides)


def _built(
    world: World,
    commit: str = COMMIT,
    digest: str = DIGEST,
    build_id: str = "p:1",
    at: float = NOW,
    trigger: str = "push",
) -> None:
    """A build as Finish leaves it: the BUILD# row with its digest, LATEST_BUILD on it."""
    world.deps.store.put_build(
        SERVICE_KEY,
        commit,
        {
            "attemptId": "b-1",
            "trigger": trigger,
            "buildId": build_id,
            "buildResult": "succeeded",
            "digest": digest,
            "builtAt": at,
        },
    )
    world.deps.store.put_latest_build(SERVICE_KEY, commit, build_id, at)


def _tick(world: World, deps: Deps) -> dict[str, Any]:
    return world.call("gate_tick", sample("scheduled-tick"), deps=deps)


def _build_row(world: World, commit: str = COMMIT) -> dict[str, Any]:
    row = world.deps.store.get_build(SERVICE_KEY, commit)
    assert row is not None
    return row


def test_given_a_build_whose_push_event_was_lost_when_ticking_later_then_it_is_deployed_once(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    sfn = StartingSfnClient()
    deps = _deps(world, sfn)
    _built(world)
    fixed_clock(LATER)

    result = _tick(world, deps)
    again = _tick(world, deps)

    deployed = result["reconciledBuild"]
    assert (deployed["commitId"], deployed["digest"]) == (COMMIT, DIGEST)
    assert sfn.started == {
        deployed["attemptId"]: {
            "reconcile": {"attemptId": deployed["attemptId"], "commitId": COMMIT}
        }
    }
    assert "reconciledBuild" not in again
    row = world.deps.store.get_attempt(SERVICE_KEY, deployed["attemptId"])
    assert row is not None
    assert (row["trigger"], row["digest"], row["buildId"], row["result"]) == (
        "reconcile",
        DIGEST,
        "p:1",
        "queued",
    )
    assert "no ECR push event started its deploy" in row["reconcileReason"]
    build = _build_row(world)
    assert (build["deployAttemptId"], build["deployTrigger"], build["deployStarted"]) == (
        deployed["attemptId"],
        "reconcile",
        True,
    )


def test_given_a_build_recorded_within_the_grace_when_ticking_then_its_event_is_waited_for(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    sfn = StartingSfnClient()
    _built(world)
    fixed_clock(NOW + RECONCILE_GRACE_SECONDS - 1)

    assert "reconciledBuild" not in _tick(world, _deps(world, sfn))
    assert sfn.started == {}


def test_given_the_push_admitted_when_ticking_later_then_nothing_is_reconciled(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    sfn = StartingSfnClient()
    _built(world)
    assert world.call("admit", {"attempt": attempt()})["decision"] == "run"
    fixed_clock(LATER)

    assert "reconciledBuild" not in _tick(world, _deps(world, sfn))
    assert sfn.started == {}
    assert _build_row(world)["deployTrigger"] == "push"


def test_given_a_reconciled_build_when_its_late_push_event_is_admitted_then_it_is_a_duplicate(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    sfn = StartingSfnClient()
    _built(world)
    fixed_clock(LATER)
    reconciled = _tick(world, _deps(world, sfn))["reconciledBuild"]["attemptId"]

    late = world.call("admit", {"attempt": attempt(attempt_id="20261126T070000000000Z-bbbbbb")})

    assert late["decision"] == "duplicate"
    assert f"already deployed by attempt {reconciled} (reconcile)" in late["reason"]
    assert world.state()["running"] is None  # the late push took no slot


def test_given_a_newer_build_deployed_when_an_older_builds_event_was_lost_then_it_stays(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    sfn = StartingSfnClient()
    old_commit = world.codecommit.add_commit({"n": "old"})
    _built(world, commit=old_commit, digest=digest_of(7), build_id="p:1", at=NOW)  # lost
    _built(world, build_id="p:2", at=NOW + 30)  # newer, and its push deployed:
    assert world.call("admit", {"attempt": attempt()})["decision"] == "run"
    fixed_clock(LATER)

    assert "reconciledBuild" not in _tick(world, _deps(world, sfn))
    assert sfn.started == {}
    assert "deployAttemptId" not in _build_row(world, old_commit)


def test_given_a_failed_build_when_ticking_later_then_nothing_is_deployed(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    sfn = StartingSfnClient()
    _built(world)
    world.deps.store.put_build(SERVICE_KEY, COMMIT, {"buildResult": "failed"})
    fixed_clock(LATER)

    assert "reconciledBuild" not in _tick(world, _deps(world, sfn))


def test_given_start_execution_throttled_when_ticking_again_then_the_same_attempt_starts(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    sfn = StartingSfnClient(throttle=1)  # throttled (after botocore's retries): deferred
    deps = _deps(world, sfn)
    _built(world)
    fixed_clock(LATER)

    first = _tick(world, deps)
    claimed = _build_row(world)["deployAttemptId"]
    sfn.throttle = 0
    second = _tick(world, deps)

    assert "reconciledBuild" not in first
    assert second["reconciledBuild"]["attemptId"] == claimed
    assert list(sfn.started) == [claimed]
    reconciled = [r for r in world.attempts() if r.get("trigger") == "reconcile"]
    assert [r["attemptId"] for r in reconciled] == [claimed]


def _reconcile_payload(attempt_id: str, commit: str = COMMIT) -> dict[str, Any]:
    return {
        "event": {"reconcile": {"attemptId": attempt_id, "commitId": commit}},
        "executionArn": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:deploy:{attempt_id}",
    }


@pytest.mark.parametrize("trigger", ["push", "manual"])
def test_given_a_reconciliation_when_resolving_then_the_builds_own_digest_deploys(
    world: World, fixed_clock: Callable[[float], None], trigger: str
) -> None:
    sfn = StartingSfnClient()
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    _built(world, trigger=trigger)
    fixed_clock(LATER)
    attempt_id = _tick(world, _deps(world, sfn, BUILD_TRIGGER=trigger))["reconciledBuild"][
        "attemptId"
    ]

    resolved = world.call(
        "resolve_image",
        _reconcile_payload(attempt_id),
        deps=world.with_config(BUILD_TRIGGER=trigger),
    )
    admitted = world.call("admit", resolved)

    slot = resolved["attempt"]
    assert (slot["attemptId"], slot["trigger"], slot["digest"]) == (attempt_id, "reconcile", DIGEST)
    assert slot["imageUri"].endswith(f"@{DIGEST}")
    assert admitted["decision"] == "run"
    row = world.deps.store.get_attempt(SERVICE_KEY, attempt_id)
    assert row is not None
    assert (row["trigger"], row["buildTrigger"]) == ("reconcile", trigger)


def test_given_a_forged_reconciliation_when_resolving_then_it_is_invalid(
    world: World,
) -> None:
    world.push_image(DIGEST, ["latest", COMMIT])
    _built(world)  # this stack's build, but no reconciliation claimed it

    with pytest.raises(InvalidEvent, match="holds no reconciliation claim"):
        world.call("resolve_image", _reconcile_payload("20261126T070000000000Z-cccccc"))
    with pytest.raises(InvalidEvent, match="not a 40-hex commit id"):
        world.call("resolve_image", _reconcile_payload("x", commit="main"))


def test_given_a_reconciled_deploy_when_it_finishes_then_the_notification_says_why(
    world: World, fixed_clock: Callable[[float], None]
) -> None:
    machine, deps = world.deploy_machine()
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    _built(world)
    fixed_clock(LATER)
    attempt_id = _tick(world, deps)["reconciledBuild"]["attemptId"]
    started = world.sfn.list_executions(stateMachineArn=machine)["executions"]
    resolved = world.call("resolve_image", _reconcile_payload(attempt_id), deps=deps)
    world.call("admit", resolved, deps=deps)
    world.notifications()  # only the outcome's notification matters here

    world.call(
        "finish",
        {"kind": "deploy", "outcome": "succeeded", "state": resolved, "executionArn": "x"},
        deps=deps,
    )

    assert [e["name"] for e in started] == [attempt_id]
    (message,) = world.notifications()
    detail = message["Message"]
    assert (detail["trigger"], detail["result"], detail["digest"]) == (
        "reconcile",
        "succeeded",
        DIGEST,
    )
    assert "no ECR push event started its deploy" in detail["reconcileReason"]


def test_given_a_build_that_succeeded_when_finishing_then_latest_build_points_at_it(
    world: World,
) -> None:
    world.push_image(DIGEST, [COMMIT, "latest"])

    world.call(
        "finish",
        {
            "kind": "build",
            "outcome": "succeeded",
            "executionArn": "x",
            "state": {
                "attempt": {"attemptId": "b-1", "commitId": COMMIT},
                "build": {"buildId": "build-hello-aws:7"},
            },
        },
    )

    latest = world.deps.store.latest_build(SERVICE_KEY)
    assert latest is not None
    assert (latest["commitId"], latest["buildId"], latest["builtAt"]) == (
        COMMIT,
        "build-hello-aws:7",
        NOW,
    )
    assert _build_row(world)["builtAt"] == NOW
