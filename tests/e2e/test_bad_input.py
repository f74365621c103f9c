"""Bad input through the real state machines: a typed error naming what is wrong, recorded
in the ledger, and the serving task set left alone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.executions import nth_ended_execution
from turnout_sandbox.scenarios import Run

pytestmark = pytest.mark.e2e


def _push_event(run: Run, digest: str, tag: str) -> None:
    """An ECR push event put on the bus, as `turnout sandbox send` would."""
    detail = {
        "result": "SUCCESS",
        "repository-name": "ecr-hello-aws",
        "image-digest": digest,
        "action-type": "PUSH",
        "image-tag": tag,
    }
    run.sandbox.client("events").put_events(
        Entries=[
            {"Source": "aws.ecr", "DetailType": "ECR Image Action", "Detail": json.dumps(detail)}
        ]
    )


def _row(run: Run, commit: str) -> dict[str, Any]:
    rows = [r for r in run.ledger() if r.get("commitId") == commit and r.get("kind") == "deploy"]
    assert rows, f"no ledger row for {commit}"
    return rows[0]


def test_given_an_invalid_taskdef_when_pushed_then_the_deploy_fails_naming_the_file(
    run: Run,
) -> None:
    serving = run.demo.serving()["commit"]
    commit = run.demo.push(
        "Broken task definition", {"taskdef.json": '{"family": "task-hello-aws",'}
    )
    execution = nth_ended_execution(run, "deploy", 1)
    assert execution["status"] == "FAILED"
    assert execution["error"] == "TaskDefinitionInvalid"
    assert "taskdef.json" in execution["cause"]
    row = _row(run, commit)
    assert row["result"] == "failed"
    assert row["error"]["type"] == "TaskDefinitionInvalid"
    assert run.demo.serving()["commit"] == serving


def test_given_an_appspec_port_not_in_the_taskdef_when_pushed_then_appspec_invalid(
    run: Run,
) -> None:
    serving = run.demo.serving()["commit"]
    files = run.demo.files("bad-port")
    commit = run.demo.push(
        "Wrong port",
        {
            "taskdef.json": files["taskdef.json"],
            "appspec.yaml": files["appspec.yaml"].replace("8080", "9090"),
        },
    )
    execution = nth_ended_execution(run, "deploy", 2)
    assert execution["error"] == "AppSpecInvalid"
    assert "9090" in execution["cause"]
    assert _row(run, commit)["error"]["type"] == "AppSpecInvalid"
    assert run.demo.serving()["commit"] == serving


def test_given_a_commit_that_does_not_exist_when_built_by_hand_then_commit_not_found(
    run: Run,
) -> None:
    missing = "0" * 40
    run.sfn.start_execution(
        stateMachineArn=run.stack.outputs["BuildStateMachineArn"],
        name="missing-commit",
        input=json.dumps({"commitId": missing}),
    )
    run.wait(
        "the build to fail",
        lambda: any(
            e["name"] == "missing-commit" and e["status"] == "FAILED"
            for e in run.executions("build")
        ),
    )
    arn = next(e["executionArn"] for e in run.executions("build") if e["name"] == "missing-commit")
    execution = run.sfn.describe_execution(executionArn=arn)
    assert execution["error"] == "CommitNotFound"
    assert missing in execution["cause"]


def test_given_a_push_event_for_an_unknown_digest_when_delivered_then_image_not_found(
    run: Run,
) -> None:
    digest = "sha256:" + "f" * 64
    before = len(run.executions("deploy"))
    _push_event(run, digest, "latest")
    execution = nth_ended_execution(run, "deploy", before + 1)
    assert execution["error"] == "ImageNotFound"
    assert digest in execution["cause"]
    rejected = [r for r in run.ledger() if r.get("digest") == digest]
    assert rejected
    assert rejected[0]["result"] == "rejected"


def test_given_a_push_event_for_another_tag_when_delivered_then_nothing_runs(run: Run) -> None:
    before = len(run.executions("deploy"))
    _push_event(run, "sha256:" + "e" * 64, "v2")
    run.wait("the event to be delivered", lambda: True)
    assert len(run.executions("deploy")) == before  # the rule's pattern filters the tag out
