"""Image provenance and a queue that cannot wedge, through the real state machines.

security-review row 3: anyone who can push to the ECR repository could deploy their own
image by tagging it with a commit id. Only a digest this stack's build pushed deploys; the
attacker's push is recorded and notified as rejected (ImageProvenanceUnknown), nothing is
registered or deployed, and the serving task set is untouched; a normal push still deploys.
security-review row 5: a slot whose execution ended without Finish is released at admission.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from turnout.queue import ServiceState, Slot
from turnout_sandbox.scenarios import Run

pytestmark = pytest.mark.e2e


def _deployments(run: Run) -> list[str]:
    found: list[str] = run.sandbox.client("codedeploy").list_deployments(
        applicationName="app-hello-aws", deploymentGroupName="dg-hello-aws"
    )["deployments"]
    return found


def _task_definitions(run: Run) -> list[str]:
    found: list[str] = run.sandbox.client("ecs").list_task_definitions()["taskDefinitionArns"]
    return found


def _ended(run: Run, count: int) -> list[dict[str, Any]]:
    run.wait(
        f"{count} deploy executions to end",
        lambda: len([e for e in run.executions("deploy") if e["status"] != "RUNNING"]) >= count,
    )
    run.wait("the service to settle", run.settled)
    return sorted(run.executions("deploy"), key=lambda e: e["startDate"])


def test_given_someone_elses_image_tagged_with_a_commit_when_pushed_then_it_is_refused(
    run: Run,
) -> None:
    from turnout_sandbox.emulators import ecr

    serving = run.demo.serving()
    deployments, definitions = _deployments(run), _task_definitions(run)
    # A principal with ecr:PutImage (not this stack's build) pushes its own image under a
    # real commit's id and the deploy tag.
    manifest = json.dumps({"schemaVersion": 2, "config": {"digest": "attacker"}, "layers": []})
    digest = ecr.push_image("ecr-hello-aws", manifest, [run.demo.initial_commit, "latest"])

    executions = _ended(run, 1)

    execution = run.sfn.describe_execution(executionArn=executions[-1]["executionArn"])
    assert execution["status"] == "FAILED"
    assert execution["error"] == "ImageProvenanceUnknown"
    rows = [r for r in run.ledger() if r.get("digest") == digest]
    assert [r["result"] for r in rows] == ["rejected"]
    assert rows[0]["error"]["type"] == "ImageProvenanceUnknown"
    assert _deployments(run) == deployments  # nothing deployed
    assert _task_definitions(run) == definitions  # nothing registered
    assert run.demo.serving() == serving  # the serving task set untouched


def test_given_a_refused_push_when_a_normal_push_follows_then_it_deploys(run: Run) -> None:
    before = len(run.executions("deploy"))
    commit = run.demo.push("A normal change after the refused push")

    _ended(run, before + 1)

    assert run.demo.serving()["commit"] == commit
    assert [r["result"] for r in run.deploy_rows(commit)] == ["succeeded"]


def test_given_a_slot_wedged_by_an_ended_execution_when_a_push_follows_then_it_deploys(
    run: Run,
) -> None:
    # An execution that ended outside every Catch (States.DataLimitExceeded, StopExecution)
    # leaves its slot taken: staged here with an execution that has ended without Finish
    # releasing the slot it names.
    service = run.stack.outputs["ServiceKey"]
    ended = sorted(run.executions("deploy"), key=lambda e: e["startDate"])[-1]
    wedged = Slot(
        attempt_id="20261201T000000000000Z-wedged",
        digest="sha256:" + "e" * 64,
        commit_id="e" * 40,
        image_uri="wedged",
        trigger="push",
        execution_arn=ended["executionArn"],
    )
    run.store().change_state(
        service,
        lambda s: (ServiceState(s.serving, wedged, None, s.version + 1), None),
    )
    before = len(run.executions("deploy"))

    commit = run.demo.push("A push behind a wedged slot")
    _ended(run, before + 1)

    assert run.demo.serving()["commit"] == commit
    assert [r["result"] for r in run.deploy_rows(commit)] == ["succeeded"]
    stale = run.store().get_attempt(service, wedged.attempt_id)
    assert stale is not None
    assert stale["result"] == "failed"
    assert "ended (SUCCEEDED) without recording an outcome" in stale["reason"]
