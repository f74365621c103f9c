"""turnout.reconcile: which successful build, whose ECR push event never came, the tick
deploys (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from turnout.reconcile import RECONCILE_GRACE_SECONDS, LostBuild, claim_holder, lost_build

COMMIT = "705f74ba5bd5309ca9e6a3de50df9ea722fb280c"
DIGEST = "sha256:" + "ab" * 32
AT = 1_790_000_000.0
LATER = AT + RECONCILE_GRACE_SECONDS


def _latest(build_id: str = "p:2") -> dict[str, Any]:
    return {"commitId": COMMIT, "buildId": build_id, "builtAt": AT}


def _build(**fields: Any) -> dict[str, Any]:
    return {
        "buildId": "p:2",
        "buildResult": "succeeded",
        "digest": DIGEST,
        "builtAt": AT,
        "trigger": "manual",
    } | fields


def test_given_an_unclaimed_build_past_the_grace_when_checked_then_it_is_lost() -> None:
    found = lost_build(_latest(), _build(), LATER)

    assert found == LostBuild(COMMIT, "p:2", DIGEST, AT, "manual")
    assert found.reason(LATER).startswith(f"build p:2 of commit {COMMIT[:12]} pushed digest abab")
    assert f"{RECONCILE_GRACE_SECONDS:.0f} s ago" in found.reason(LATER)


@pytest.mark.parametrize(
    ("latest", "build", "why"),
    [
        (None, _build(), "no successful build yet"),
        (_latest(), None, "no build row"),
        (_latest("p:3"), _build(), "a newer run of the commit is under way"),
        (_latest(), _build(buildResult="failed"), "the build failed"),
        (_latest(), _build(digest=""), "no digest recorded"),
        (_latest(), _build(builtAt=None), "recorded before reconciliation existed"),
        (_latest(), _build(builtAt=LATER - 1), "within the grace"),
        (
            _latest(),
            _build(deployBuildId="p:2", deployAttemptId="a-1", deployTrigger="push"),
            "the push claimed it",
        ),
        (
            _latest(),
            _build(
                deployBuildId="p:2",
                deployAttemptId="a-1",
                deployTrigger="reconcile",
                deployStarted=True,
            ),
            "a reconciliation started it",
        ),
    ],
)
def test_given_a_build_not_to_reconcile_when_checked_then_none(
    latest: dict[str, Any] | None, build: dict[str, Any] | None, why: str
) -> None:
    assert lost_build(latest, build, LATER) is None, why


def test_given_a_claim_of_an_earlier_run_when_checked_then_this_run_is_unclaimed() -> None:
    build = _build(deployBuildId="p:1", deployAttemptId="a-1", deployTrigger="push")

    assert claim_holder(build) is None
    assert lost_build(_latest(), build, LATER) is not None


def test_given_a_reconciliation_claim_never_started_when_checked_then_its_attempt_restarts() -> (
    None
):
    build = _build(deployBuildId="p:2", deployAttemptId="a-9", deployTrigger="reconcile")

    found = lost_build(_latest(), build, LATER)

    assert found is not None
    assert found.pending_attempt == "a-9"
    assert claim_holder(build) == ("a-9", "reconcile")
