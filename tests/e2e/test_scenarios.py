"""Every sandbox scenario, end to end on the real template.yaml and state machines."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from turnout_sandbox.scenarios import SCENARIOS, ScenarioResult, run_scenario

pytestmark = pytest.mark.e2e

#: The scaled clock's speed, where a test runs on it: lower than the demo's default, on a
#: loaded 2-core CI machine a slower clock keeps every ordering realistic. The others run on
#: the default discrete clock (no cap: it never outruns the work, load or not).
SPEED = 100.0


#: The paths through the real ASL (statemachines/*.asl.json), as GetExecutionHistory lists
#: the states each execution entered.
BUILT = ["ResolveCommit", "IsBuildable", "BuildImage", "RecordBuild", "Built"]
BUILD_FAILED = ["ResolveCommit", "IsBuildable", "BuildImage", "RecordBuildFailure", "BuildFailed"]
_ADMITTED = ["ResolveImage", "IsDeployable", "Admit", "AdmissionDecision"]
_DEPLOYING = [*_ADMITTED, "RenderTaskDefinition", "CreateDeployment", "WaitForHealthGate"]
DEPLOYED = [
    *_DEPLOYING,
    "IsHookHeld",
    "ReleaseHook",
    "TerminateOriginalTaskSet",
    "WaitForDeploymentSuccess",
    "RecordSuccess",
    "Deployed",
]
#: The deployment group's own termination wait holds the original task set (not the hook).
DEPLOYED_GROUP_HELD = [
    *_DEPLOYING,
    "IsHookHeld",
    "TerminateOriginalTaskSet",
    "WaitForDeploymentSuccess",
    "RecordSuccess",
    "Deployed",
]
ROLLED_BACK = [*_DEPLOYING, "RollBack", "WaitForRollback", "RecordRollback", "DeployFailed"]
NOT_DEPLOYED_NOW = [*_ADMITTED, "NotDeployedNow"]
#: DeploymentEngine=ecs (statemachines/deploy_ecs.asl.json): ECS built-in blue/green, the
#: gate at turnout's PAUSE hook.
_ECS_DEPLOYING = [*_ADMITTED, "RenderTaskDefinition", "StartDeployment", "WaitForHealthGate"]
ECS_DEPLOYED = [
    *_ECS_DEPLOYING,
    "ContinueDeployment",
    "MorePauses",
    "WaitForDeploymentSuccess",
    "RecordSuccess",
    "Deployed",
]
ECS_ROLLED_BACK = [*_ECS_DEPLOYING, "RollBack", "WaitForRollback", "RecordRollback", "DeployFailed"]
#: ApprovalBeforeProduction: the approval's wait, then the gate's.
ECS_APPROVED = [
    *_ECS_DEPLOYING,
    "ContinueDeployment",
    "MorePauses",
    "WaitForHealthGate",
    "ContinueDeployment",
    "MorePauses",
    "WaitForDeploymentSuccess",
    "RecordSuccess",
    "Deployed",
]
#: GateEveryTrafficStep: a verdict before the canary step passed, the next one failed.
ECS_CANARY_ROLLED_BACK = [
    *_ECS_DEPLOYING,
    "ContinueDeployment",
    "MorePauses",
    "WaitForHealthGate",
    "RollBack",
    "WaitForRollback",
    "RecordRollback",
    "DeployFailed",
]

#: Per scenario and state machine, the path of every execution (in any order of executions:
#: which redelivery is admitted first is a race, the path each one takes is not).
EXPECTED_PATHS: dict[str, dict[str, list[list[str]]]] = {
    "happy": {"build": [BUILT], "deploy": [DEPLOYED]},
    "unhealthy": {"build": [BUILT], "deploy": [ROLLED_BACK]},
    "stuck": {"build": [BUILT], "deploy": [ROLLED_BACK]},
    "build-fails": {"build": [BUILD_FAILED], "deploy": []},
    "gated": {"build": [BUILT], "deploy": [DEPLOYED]},
    "replay": {"build": [BUILT, BUILT], "deploy": [DEPLOYED, DEPLOYED, DEPLOYED]},
    "duplicate": {"build": [BUILT], "deploy": [DEPLOYED, NOT_DEPLOYED_NOW, NOT_DEPLOYED_NOW]},
    "short-tag": {"build": [BUILT], "deploy": [DEPLOYED]},
    # Faults are retried inside the states they hit: the paths are the happy path's.
    "throttled": {"build": [BUILT, BUILT], "deploy": [DEPLOYED, DEPLOYED]},
    "lambda-faults": {"build": [BUILT], "deploy": [DEPLOYED]},
    # No push: only the gate tick runs (and fails), and its events reach the ledger.
    "dead-letter": {"build": [], "deploy": []},
    # The push event is lost: the one deploy is the reconciliation's, on the same path.
    "lost-event": {"build": [BUILT], "deploy": [DEPLOYED]},
    "ecs-happy": {"build": [BUILT], "deploy": [ECS_DEPLOYED]},
    "ecs-unhealthy": {"build": [BUILT], "deploy": [ECS_ROLLED_BACK]},
    # the gate never answers: ECS's own rollback at the hook's timeout, recorded as one
    "ecs-gate-dies": {"build": [BUILT], "deploy": [ECS_ROLLED_BACK]},
    # every function down from the gate on: the tick's reconciliation ends the gate wait
    "ecs-orchestrator-dies": {"build": [BUILT], "deploy": [ECS_ROLLED_BACK]},
    # the gate times out within its budget and answers the PAUSE hook ROLLBACK
    "ecs-stuck": {"build": [BUILT], "deploy": [ECS_ROLLED_BACK]},
    "ecs-canary": {"build": [BUILT], "deploy": [ECS_CANARY_ROLLED_BACK]},
    "ecs-approve": {"build": [BUILT], "deploy": [ECS_APPROVED]},
    # nobody approves: ECS's own rollback at the approval hook's timeout, recorded as one
    "ecs-approval-expires": {"build": [BUILT], "deploy": [ECS_ROLLED_BACK]},
}


def _as_multiset(paths: list[list[str]]) -> Counter[tuple[str, ...]]:
    return Counter(tuple(path) for path in paths)


def _assert_paths(result: ScenarioResult) -> None:
    paths = result.paths
    if result.name == "burst":
        # Five pipelines at once: how many deploys the queue coalesces depends on timing,
        # yet every build builds, and every deploy either deploys or is not deployed now.
        assert paths["build"] == [BUILT] * 5, paths
        assert len(paths["deploy"]) >= 5, paths
        assert all(path in (DEPLOYED, NOT_DEPLOYED_NOW) for path in paths["deploy"]), paths
        assert DEPLOYED in paths["deploy"], paths
        return
    expected = EXPECTED_PATHS[result.name]
    assert set(paths) == set(expected), paths
    for machine, want in expected.items():
        assert _as_multiset(paths[machine]) == _as_multiset(want), (machine, paths[machine])


def test_given_the_scenarios_then_each_has_expected_paths() -> None:
    assert set(EXPECTED_PATHS) | {"burst"} == set(SCENARIOS)


def _explain(result: ScenarioResult) -> str:
    failed = [c for c, ok in result.checks if not ok]
    tail = "\n".join(f"  {s.at_real:7.2f}s {s.source:10} {s.text}" for s in result.steps[-25:])
    log = "\n".join(f"  {line}" for line in result.log[-30:])
    return f"{result.name}: failed checks {failed}\nsummary {result.summary}\nlast steps:\n{tail}\nlog:\n{log}"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_given_the_demo_service_when_the_scenario_runs_then_it_ends_as_expected(name: str) -> None:
    result = run_scenario(name)
    assert result.ok, _explain(result)
    assert result.checks, "a scenario without checks proves nothing"
    _assert_paths(result)


@pytest.mark.parametrize("name", ["happy", "unhealthy"])
def test_given_the_scaled_clock_when_the_scenario_runs_then_it_ends_as_expected(name: str) -> None:
    result = run_scenario(name, clock="scaled", speed=SPEED)
    assert result.ok, _explain(result)
    _assert_paths(result)


#: duplicate and burst with faults on (issue 9 item 3): throttling everywhere, the functions
#: that admit a push failing once after they did their work, EventBridge repeating
#: CodeCommit's, ECR's and CodeDeploy's events (the same id twice) and a competing writer
#: racing the queue state.
_FAULTS_ON = (
    "throttle=0.2,seed=2,lambda-crash:AdmitFunction=first,lambda-timeout:ResolveImageFunction=first,"
    "event-duplicate:aws.codecommit=0.5,event-duplicate:aws.ecr=0.5,"
    "event-duplicate:aws.codedeploy=0.5,ddb-conflict=0.5"
)
#: A repeated push event's execution builds nothing: ResolveCommit's delivery marker.
IGNORED = ["ResolveCommit", "IsBuildable", "Ignored"]


def _repeats(result: ScenarioResult, source: str) -> int:
    """How many events of ``source`` EventBridge delivered twice (the injected faults)."""
    return sum(1 for line in result.log if "injected event-duplicate" in line and source in line)


@pytest.mark.parametrize("name", ["duplicate", "burst"])
def test_given_faults_on_when_the_scenario_runs_then_it_still_ends_as_expected(name: str) -> None:
    result = run_scenario(name, faults=_FAULTS_ON)
    assert result.ok, _explain(result)
    assert result.summary["faultsInjected"] > 0
    assert result.summary["faults"] == _FAULTS_ON
    injected = " ".join(line for line in result.log if "injected " in line)
    assert "injected event-duplicate" in injected, "no event was repeated"
    assert "injected ddb-conflict" in injected, "no competing writer raced the queue state"
    paths = result.paths
    repeated_pushes = _repeats(result, "aws.codecommit CodeCommit")
    if name == "duplicate":
        # Each repeated ECR event is one more execution, admitted as a duplicate.
        assert paths["build"] == [BUILT], paths
        assert _as_multiset(paths["deploy"]) == _as_multiset(
            [DEPLOYED, NOT_DEPLOYED_NOW, NOT_DEPLOYED_NOW]
            + [NOT_DEPLOYED_NOW] * _repeats(result, "aws.ecr ECR")
        ), paths["deploy"]
        return
    assert repeated_pushes > 0, "no push event was repeated"
    assert _as_multiset(paths["build"]) == _as_multiset(
        [BUILT] * 5 + [IGNORED] * repeated_pushes
    ), paths["build"]
    _assert_paths(replace(result, paths={**paths, "build": [BUILT] * 5}))


def test_given_a_60_minute_bake_when_a_push_deploys_then_transitions_equal_the_5_minute_bake() -> (
    None
):
    # The same hold mode for both (the group's termination wait outlasts either gate), so
    # only the bake differs: the gate waits on a task token, never in a loop.
    five = run_scenario("happy", bake_minutes=5, termination_wait_minutes=90)
    sixty = run_scenario("happy", bake_minutes=60, termination_wait_minutes=90)
    assert five.ok, _explain(five)
    assert sixty.ok, _explain(sixty)
    assert five.summary["transitions"] == sixty.summary["transitions"] <= 40
    assert five.paths == sixty.paths == {"build": [BUILT], "deploy": [DEPLOYED_GROUP_HELD]}


def test_given_the_ecs_engine_when_a_push_deploys_then_transitions_stay_within_codedeploys() -> (
    None
):
    # issue 10, Performance: an ecs deploy within 20 % of the CodeDeploy engine's
    # transitions, for a 5- and a 60-minute bake alike (the gate waits on a task token).
    five = run_scenario("ecs-happy", bake_minutes=5, speed=SPEED)
    sixty = run_scenario("ecs-happy", bake_minutes=60, speed=SPEED)
    assert five.ok, _explain(five)
    assert sixty.ok, _explain(sixty)
    assert five.summary["transitions"] == sixty.summary["transitions"]
    assert five.paths == sixty.paths == {"build": [BUILT], "deploy": [ECS_DEPLOYED]}
    assert len(ECS_DEPLOYED) <= 1.2 * len(DEPLOYED)


def test_given_an_unknown_scenario_when_run_then_the_error_names_the_choices() -> None:
    with pytest.raises(ValueError, match="happy"):
        run_scenario("no-such-scenario")
