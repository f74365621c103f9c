"""The turnout CLI against a real HTTP endpoint (moto's server) holding a minimal stack."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from cli_world import SERVICE, World, attempt_id, free_port, make_stack, put_push
from pushes import record_push
from typer.testing import CliRunner

from turnout.queue import ServiceState, Slot
from turnout_cli.main import app

pytestmark = pytest.mark.e2e

DIGEST_OLD = "sha256:" + "1" * 64
DIGEST_NEW = "sha256:" + "2" * 64
COMMIT_OLD = "a" * 40
COMMIT_NEW = "b" * 40
TASKDEF_ARN = "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/task-hello-aws:6"


def seed_ledger(world: World, now: float) -> tuple[str, str]:
    store = world.store
    old = attempt_id(now - 3600, "aaaaaa")
    new = attempt_id(now - 60, "bbbbbb")
    store.put_attempt(
        SERVICE,
        old,
        {
            "kind": "deploy",
            "trigger": "push",
            "commitId": COMMIT_OLD,
            "digest": DIGEST_OLD,
            "eventId": "ev-old",
            "startedAt": now - 3600,
            "endedAt": now - 3300,
            "durationSeconds": 300.0,
            "result": "succeeded",
            "phase": "succeeded",
            "deploymentId": "d-OLD00001",
            "taskDefinitionRevision": 6,
            "taskDefinitionArn": TASKDEF_ARN,
        },
    )
    store.put_attempt(
        SERVICE,
        new,
        {
            "kind": "deploy",
            "trigger": "push",
            "commitId": COMMIT_NEW,
            "digest": DIGEST_NEW,
            "eventId": "ev-new",
            "startedAt": now - 60,
            "result": "running",
            "phase": "gate",
            "deploymentId": "d-NEW00002",
        },
    )
    return old, new


def set_state(
    world: World, serving: Slot | None, running: Slot | None, queued: Slot | None = None
) -> None:
    world.store.change_state(
        SERVICE, lambda cur: (ServiceState(serving, running, queued, cur.version + 1), None)
    )


def slot(attempt: str, commit: str, digest: str, execution_arn: str = "", at: float = 0.0) -> Slot:
    return Slot(
        attempt_id=attempt,
        digest=digest,
        commit_id=commit,
        image_uri=f"repo@{digest}",
        trigger="push",
        event_id="ev",
        received_at=at,
        execution_arn=execution_arn,
    )


# ----------------------------------------------------------------------------- history


def test_given_ledger_rows_when_history_json_then_newest_first_with_every_field(
    world: World,
) -> None:
    old, new = seed_ledger(world, time.time())
    result = world.cli("history", "--output", "json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert [i["attemptId"] for i in items] == [new, old]
    first = items[1]
    assert first["commitId"] == COMMIT_OLD
    assert first["digest"] == DIGEST_OLD
    assert first["taskDefinitionArn"].endswith(":6")
    assert first["taskDefinitionRevision"] == 6
    assert first["deploymentId"] == "d-OLD00001"
    assert first["trigger"] == "push"
    assert first["result"] == "succeeded"
    assert first["durationSeconds"] == 300


def test_given_ledger_rows_when_history_table_with_limit_then_only_the_newest(world: World) -> None:
    seed_ledger(world, time.time())
    result = world.cli("history", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert "d-NEW00002" in result.stdout
    assert "bbbbbbbbbbbb" in result.stdout
    assert "d-OLD00001" not in result.stdout


def test_given_an_empty_ledger_when_history_then_it_says_so(world: World) -> None:
    result = world.cli("history")
    assert result.exit_code == 0
    assert f"no attempts recorded yet for {SERVICE}" in result.stdout


# ----------------------------------------------------------------------------- status


def test_given_a_deployment_at_its_gate_when_status_then_phase_gate_serving_and_queue(
    world: World,
) -> None:
    now = time.time()
    old, new = seed_ledger(world, now)
    execution, _token = world.start_gate_execution(new)
    world.store.put_attempt(SERVICE, new, {"executionArn": execution})
    world.store.update_gate(
        "d-NEW00002",
        {
            "taskToken": "t",
            "attemptId": new,
            "gateStartedAt": now - 30,
            "gateState": {"started_at": repr(now - 30), "healthy_since": None},
        },
    )
    queued = attempt_id(now, "cccccc")
    set_state(
        world,
        slot(old, COMMIT_OLD, DIGEST_OLD),
        slot(new, COMMIT_NEW, DIGEST_NEW, execution),
        slot(queued, "c" * 40, "sha256:" + "3" * 64),
    )
    result = world.cli("status", "-o", "json")
    assert result.exit_code == 0, result.output
    snap = json.loads(result.stdout)
    assert snap["serving"]["commitId"] == COMMIT_OLD
    assert snap["serving"]["taskDefinitionRevision"] == 6
    (running,) = [r for r in snap["running"] if r["kind"] == "deploy"]
    assert running["phase"] == "gate"
    assert running["state"] == "WaitForHealthGate"
    assert running["deploymentId"] == "d-NEW00002"
    assert running["digest"] == DIGEST_NEW
    assert running["gate"]["text"].startswith("gate open for")
    assert snap["queued"]["attemptId"] == queued
    table = world.cli("status")
    assert table.exit_code == 0
    assert "gate" in table.stdout
    assert "d-NEW00002" in table.stdout


def test_given_nothing_running_when_status_watch_then_one_view_and_exit_0(world: World) -> None:
    result = world.cli("status", "--watch", "-o", "json")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["running"] == []


# ----------------------------------------------------------------------------- build


def test_given_a_branch_when_build_then_the_build_state_machine_runs_with_that_input(
    world: World, codecommit: dict[str, str]
) -> None:
    result = world.cli("build", "--branch", "master", "-o", "json")
    assert result.exit_code == 0, result.output
    started = json.loads(result.stdout)
    assert started["input"] == {"branch": "master"}
    assert started["commitId"] == codecommit["master"]
    found = world.client("stepfunctions").describe_execution(executionArn=started["executionArn"])
    assert found["stateMachineArn"] == world.outputs["BuildStateMachineArn"]
    assert json.loads(found["input"]) == {"branch": "master"}
    status = json.loads(world.cli("status", "-o", "json").stdout)
    assert [r["phase"] for r in status["running"] if r["kind"] == "build"] == ["building"]


def test_given_an_existing_commit_when_build_then_input_pins_it(
    world: World, codecommit: dict[str, str]
) -> None:
    result = world.cli("build", "--commit", codecommit["master"])
    assert result.exit_code == 0, result.output
    assert "started build manual-" in result.stdout
    assert "execution: arn:aws:states" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--commit", "f" * 40], "no such commit in CodeCommit repository 'hello-aws'"),
        (
            ["--branch", "nope"],
            "--branch nope: no such branch in CodeCommit repository 'hello-aws'",
        ),
    ],
)
def test_given_a_commit_or_branch_that_does_not_exist_when_build_then_exit_2(
    world: World, codecommit: dict[str, str], args: list[str], message: str
) -> None:
    result = world.cli("build", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    executions = world.client("stepfunctions").list_executions(
        stateMachineArn=world.outputs["BuildStateMachineArn"]
    )
    assert executions["executions"] == []


# ----------------------------------------------------------------------------- redeploy


def test_given_an_archived_push_when_redeploy_since_then_replay_targets_only_the_deploy_rule(
    world: World,
) -> None:
    event_id = put_push(world, DIGEST_NEW)
    now = time.time()  # received just after it was archived
    record_push(world, DIGEST_NEW, COMMIT_NEW, now, "dddddd", eventId=event_id)
    result = world.cli("redeploy", "--since", "1h", "--at-least", "0s", "--yes", "-o", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["filterArns"] == [world.outputs["ImagePushRuleArn"]]
    assert [p["digest"] for p in out["pushes"]] == [DIGEST_NEW]
    replay = world.client("events").describe_replay(ReplayName=out["replayName"])
    assert replay["EventSourceArn"] == world.outputs["ImagePushArchiveArn"]
    assert replay["Destination"] == {
        "Arn": out["eventBusArn"],
        "FilterArns": [world.outputs["ImagePushRuleArn"]],
    }


def test_given_a_digest_when_redeploy_then_a_narrow_window_around_its_push_is_announced(
    world: World,
) -> None:
    event_id = put_push(world, DIGEST_NEW)
    received = time.time()  # the deploy execution received the push just after it was archived
    record_push(world, DIGEST_NEW, COMMIT_NEW, received, "eeeeee", eventId=event_id)
    result = world.cli("redeploy", "--digest", DIGEST_NEW, "--at-least", "0s", "--yes")
    assert result.exit_code == 0, result.output
    assert "replaying the narrow window" in result.stdout
    assert "started replay turnout-redeploy-" in result.stdout


def test_given_a_redeploy_when_not_confirmed_then_nothing_is_replayed_and_exit_1(
    world: World,
) -> None:
    event_id = put_push(world, DIGEST_NEW)
    now = time.time()
    record_push(world, DIGEST_NEW, COMMIT_NEW, now, "ffffff", eventId=event_id)
    result = world.cli("redeploy", "--since", "1h", "--at-least", "0s", input="n\n")
    assert result.exit_code == 1
    assert "not confirmed: nothing was done" in result.stderr
    replays = world.client("events").list_replays(
        EventSourceArn=world.outputs["ImagePushArchiveArn"]
    )["Replays"]
    assert replays == []


def test_given_a_window_with_no_pushes_when_redeploy_then_exit_2(world: World) -> None:
    put_push(world, DIGEST_NEW)
    result = world.cli("redeploy", "--from", "2020-01-01", "--to", "2020-01-02", "--yes")
    assert result.exit_code == 2
    assert "no archived push between 2020-01-01T00:00:00Z and 2020-01-02T00:00:00Z" in result.stderr


def test_given_a_digest_not_in_the_archive_when_redeploy_then_exit_2(world: World) -> None:
    result = world.cli("redeploy", "--digest", DIGEST_OLD, "--yes")
    assert result.exit_code == 2
    assert f"--digest {DIGEST_OLD}: no push of it is recorded" in result.stderr


# ----------------------------------------------------------------------------- promote / rollback


@pytest.mark.parametrize("verb", ["promote", "rollback"])
def test_given_nothing_running_when_promote_or_rollback_then_refused_with_exit_2(
    world: World, verb: str
) -> None:
    result = world.cli(verb, "--yes")
    assert result.exit_code == 2
    assert f"no deployment of {SERVICE} is running" in result.stderr


def gate_world(world: World) -> tuple[str, str]:
    now = time.time()
    old, new = seed_ledger(world, now)
    execution, token = world.start_gate_execution(new)
    world.store.update_gate(
        "d-NEW00002",
        {
            "taskToken": token,
            "attemptId": new,
            "gateStartedAt": now - 30,
            "hookHeld": True,
            "hookExecutionId": "hook-1",
        },
    )
    set_state(
        world, slot(old, COMMIT_OLD, DIGEST_OLD), slot(new, COMMIT_NEW, DIGEST_NEW, execution)
    )
    return execution, new


def gate_ended_by(world: World, verb: str, status: str) -> tuple[str, dict[str, Any]]:
    """The gate world, then `turnout <verb> --yes`: what it printed, and the gate's execution
    once it reached ``status``."""
    execution, _ = gate_world(world)
    result = world.cli(verb, "--yes")
    assert result.exit_code == 0, result.output
    return result.stdout, world.wait_status(execution, status)


def test_given_a_deployment_at_its_gate_when_promoted_then_the_gate_passes_with_the_operator(
    world: World,
) -> None:
    said, done = gate_ended_by(world, "promote", "SUCCEEDED")
    assert "promoted deployment d-NEW00002" in said
    output: dict[str, Any] = json.loads(done["output"])
    assert output["verdict"] == "promoted"
    assert output["reason"].startswith("promoted by ")
    assert output["hookHeld"] is True
    assert output["hookExecutionId"] == "hook-1"
    assert world.store.gate("d-NEW00002") is None


def test_given_a_deployment_at_its_gate_when_rolled_back_then_the_gate_fails_rollback_requested(
    world: World,
) -> None:
    _, done = gate_ended_by(world, "rollback", "FAILED")
    assert done["error"] == "RollbackRequested"
    assert world.store.gate("d-NEW00002") is None


def test_given_a_gate_not_started_when_promoted_then_refused_with_exit_2(world: World) -> None:
    now = time.time()
    old, new = seed_ledger(world, now)
    world.store.update_gate("d-NEW00002", {"taskToken": "t", "attemptId": new})
    set_state(world, slot(old, COMMIT_OLD, DIGEST_OLD), slot(new, COMMIT_NEW, DIGEST_NEW))
    result = world.cli("promote", "--yes")
    assert result.exit_code == 2
    assert "production traffic is not on the new task set" in result.stderr


# ----------------------------------------------------------------------------- bad input


def test_given_a_stack_that_does_not_exist_when_run_then_exit_2_names_it(endpoint: str) -> None:
    result = CliRunner().invoke(
        app, ["--endpoint-url", endpoint, "--stack", "no-such-stack", "history"]
    )
    assert result.exit_code == 2
    assert "stack 'no-such-stack' does not exist in ap-northeast-2 at " + endpoint in result.stderr


def test_given_a_stack_without_turnout_outputs_when_run_then_exit_2_lists_them(
    endpoint: str,
) -> None:
    other = make_stack(endpoint, outputs=False)
    result = other.cli("status")
    assert result.exit_code == 2
    assert (
        f"stack {other.stack!r} lacks turnout's outputs LedgerTableName, ServiceKey"
        in result.stderr
    )


def test_given_an_unreachable_endpoint_when_run_then_one_line_and_exit_2() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, ["--endpoint-url", url, "history"])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"turnout: error: cannot reach {url}: is `turnout sandbox serve` running?"
    )


def test_given_an_event_file_when_sandbox_send_then_put_on_the_bus_and_event_id_printed(
    endpoint: str, tmp_path: Any
) -> None:
    path = tmp_path / "push.json"
    path.write_text(
        json.dumps(
            {
                "source": "turnout.test",
                "detail-type": "Ping",
                "detail": {"n": 1},
                "time": "2026-11-26T00:00:00Z",
            }
        )
    )
    result = CliRunner().invoke(
        app, ["sandbox", "send", str(path), "--endpoint-url", endpoint, "-o", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["eventId"]


def test_given_no_sandbox_running_when_sandbox_send_then_exit_2_suggests_serve(
    tmp_path: Any,
) -> None:
    path = tmp_path / "push.json"
    path.write_text(json.dumps({"source": "s", "detail-type": "d", "detail": {}}))
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, ["--endpoint-url", url, "sandbox", "send", str(path)])
    assert result.exit_code == 2
    assert f"cannot reach {url}: is `turnout sandbox serve` running?" in result.stderr


# ----------------------------------------------- aws-fidelity row 34: a slot's own execution


def test_given_a_slot_whose_execution_runs_but_is_not_listed_when_status_then_no_stuck_note(
    world: World,
) -> None:
    """ListExecutions is eventually consistent; moto's is not, so the slot's execution runs
    on the other state machine here: the deploy listing misses it, DescribeExecution finds
    it RUNNING."""
    now = time.time()
    old, new = seed_ledger(world, now)
    arn = world.client("stepfunctions").start_execution(
        stateMachineArn=world.outputs["BuildStateMachineArn"], name=f"x-{new}"[:80], input="{}"
    )["executionArn"]
    set_state(world, slot(old, COMMIT_OLD, DIGEST_OLD), slot(new, COMMIT_NEW, DIGEST_NEW, arn))
    result = world.cli("status", "-o", "json")
    assert result.exit_code == 0, result.output
    snap = json.loads(result.stdout)
    assert new in [r["attemptId"] for r in snap["running"]]
    assert snap["notes"] == []


def test_given_a_slot_whose_execution_stopped_when_status_then_the_stuck_note(
    world: World,
) -> None:
    now = time.time()
    old, new = seed_ledger(world, now)
    sfn = world.client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=world.outputs["BuildStateMachineArn"], name=f"y-{new}"[:80], input="{}"
    )["executionArn"]
    sfn.stop_execution(executionArn=arn)
    set_state(world, slot(old, COMMIT_OLD, DIGEST_OLD), slot(new, COMMIT_NEW, DIGEST_NEW, arn))
    result = world.cli("status", "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["notes"] == [
        f"attempt {new} holds the deployment slot but its execution is not running"
    ]


def test_given_undelivered_events_recorded_when_status_then_a_note_names_the_newest(
    world: World,
) -> None:
    # UndeliveredFunction's rows (AsyncFailureQueue read back): status says so.
    now = time.time()
    for n, what in enumerate(("Scheduled Event", "ECR Image Action latest")):
        world.store.put(
            {
                "pk": f"SERVICE#{SERVICE}",
                "sk": f"UNDELIVERED#m-{n}",
                "kind": "undelivered",
                "origin": "eventbridge",
                "what": what,
                "error": "ThrottlingException: Rate exceeded",
                "receivedAt": now - 100 + n,
            }
        )
    result = world.cli("status", "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["notes"] == [
        "2 event(s) AWS gave up delivering were recorded; newest: ECR Image Action latest "
        "(eventbridge: ThrottlingException: Rate exceeded)"
    ]


# ----------------------------------------------- security-review row 16: the manual deploy


@pytest.fixture
def manual(endpoint: str) -> World:
    return make_stack(endpoint, trigger="manual")


def builds(world: World) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = world.client("stepfunctions").list_executions(
        stateMachineArn=world.outputs["BuildStateMachineArn"]
    )["executions"]
    return found


def test_given_manual_mode_when_build_not_confirmed_then_nothing_starts(
    manual: World, codecommit: dict[str, str]
) -> None:
    result = manual.cli("build", input="n\n")
    assert result.exit_code == 1
    assert "to production (BuildTrigger=manual: this build is the deploy)?" in result.stderr
    assert "not confirmed: nothing was done" in result.stderr
    assert builds(manual) == []


@pytest.mark.parametrize("commit", ["master", "old"])
def test_given_manual_mode_when_a_commit_of_the_branch_is_built_with_yes_then_it_starts(
    manual: World, codecommit: dict[str, str], commit: str
) -> None:
    result = manual.cli("build", "--commit", codecommit[commit], "--yes", "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["input"] == {"commitId": codecommit[commit]}
    assert len(builds(manual)) == 1


def test_given_manual_mode_when_another_branch_is_built_then_refused_unless_any_branch(
    manual: World, codecommit: dict[str, str]
) -> None:
    result = manual.cli("build", "--branch", "feature", "--yes")
    assert result.exit_code == 2
    assert "builds only the stack's branch 'master' (pass --any-branch" in result.stderr
    assert builds(manual) == []
    result = manual.cli("build", "--branch", "feature", "--yes", "--any-branch")
    assert result.exit_code == 0, result.output
    assert len(builds(manual)) == 1


def test_given_manual_mode_when_a_commit_off_the_branch_is_built_then_refused_unless_any_branch(
    manual: World, codecommit: dict[str, str]
) -> None:
    result = manual.cli("build", "--commit", codecommit["feature"], "--yes")
    assert result.exit_code == 2
    assert "is not reachable from its head" in result.stderr
    assert builds(manual) == []
    result = manual.cli("build", "--commit", codecommit["feature"], "--yes", "--any-branch")
    assert result.exit_code == 0, result.output


def test_given_push_mode_when_another_branch_is_built_then_it_starts_without_asking(
    world: World, codecommit: dict[str, str]
) -> None:
    result = world.cli("build", "--branch", "feature")
    assert result.exit_code == 0, result.output
    assert len(builds(world)) == 1


# ----------------------------------------------- issue 11 item 1: where the stack was looked for


def test_given_a_missing_stack_when_run_then_the_region_and_endpoint_are_named(
    endpoint: str,
) -> None:
    result = CliRunner().invoke(
        app,
        ["--endpoint-url", endpoint, "--region", "eu-west-3", "--stack", "nope-x", "history"],
    )
    assert result.exit_code == 2
    assert f"stack 'nope-x' does not exist in eu-west-3 at {endpoint}" in result.stderr
    default = CliRunner().invoke(app, ["--endpoint-url", endpoint, "--stack", "nope-x", "status"])
    assert f"does not exist in ap-northeast-2 at {endpoint}" in default.stderr
