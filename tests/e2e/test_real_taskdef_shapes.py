"""What real users' task definitions carry, through the real state machines: the ECS console's
JSON nulls and a Windows byte-order mark deploy; a request botocore refuses fails the deploy as
TaskDefinitionInvalid naming the file and the field, and the serving task set is left alone."""

from __future__ import annotations

import json

import pytest

from tests.e2e.executions import nth_ended_execution
from turnout_sandbox.scenarios import Run

pytestmark = pytest.mark.e2e


def test_given_console_json_with_nulls_and_a_bom_when_pushed_then_it_deploys(run: Run) -> None:
    files = run.demo.files("v-console")
    taskdef = json.loads(files["taskdef.json"])
    taskdef.update(ipcMode=None, pidMode=None, taskDefinitionArn=None)
    taskdef["containerDefinitions"][0].update(memoryReservation=None, dnsSearchDomains=None)
    text = "\ufeff" + json.dumps(taskdef, indent=2)

    commit = run.demo.push("Console JSON tab copy", {"taskdef.json": text})

    execution = nth_ended_execution(run, "deploy", 1)
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert run.demo.serving()["commit"] == commit


def test_given_a_taskdef_botocore_refuses_when_pushed_then_taskdef_invalid_names_the_field(
    run: Run,
) -> None:
    serving = run.demo.serving()["commit"]
    taskdef = json.loads(run.demo.files("v-int-cpu")["taskdef.json"])
    taskdef["cpu"] = 256  # RegisterTaskDefinition's cpu is a string

    commit = run.demo.push("cpu as a number", {"taskdef.json": json.dumps(taskdef)})

    execution = nth_ended_execution(run, "deploy", 2)
    assert execution["status"] == "FAILED"
    assert execution["error"] == "TaskDefinitionInvalid"
    assert (
        "taskdef.json: botocore refuses the RegisterTaskDefinition request (cpu)"
        in (execution["cause"])
    )
    rows = [r for r in run.ledger() if r.get("commitId") == commit and r.get("kind") == "deploy"]
    assert [r["error"]["type"] for r in rows] == ["TaskDefinitionInvalid"]
    assert run.demo.serving()["commit"] == serving
