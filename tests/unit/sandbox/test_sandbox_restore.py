"""Sandbox.stop() restores the process, so one pytest process can start sandbox after sandbox."""

from __future__ import annotations

import io
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import botocore.handlers
import pytest
from moto.core.models import botocore_stubber
from moto.stepfunctions.parser.asl.utils import boto_client

from tests.ddb_table import create_key_table
from turnout import clock as core_clock
from turnout_sandbox import clients
from turnout_sandbox.cfn import SandboxError
from turnout_sandbox.lambdas import FunctionSpec
from turnout_sandbox.patches import REGISTRY
from turnout_sandbox.runtime import has_runtime
from turnout_sandbox.sandbox import Sandbox, active


@pytest.fixture
def outside_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment the sandbox must change (and then give back): a profile it drops, a
    region and credentials it replaces, an endpoint it removes."""
    monkeypatch.setenv("AWS_PROFILE", "someone")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4566")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("POWERTOOLS_TRACE_DISABLED", raising=False)


def _use(sandbox: Sandbox) -> dict[str, Any]:
    """Exercise the sandbox through patched and mocked paths; answer what was seen."""
    ddb = sandbox.client("dynamodb")
    create_key_table(ddb)
    ddb.put_item(TableName="t", Item={"k": {"S": "one"}})
    return {
        "item": ddb.get_item(TableName="t", Key={"k": {"S": "one"}})["Item"],
        "account": sandbox.client("sts").get_caller_identity()["Account"],
        "region": os.environ["AWS_DEFAULT_REGION"],
        "profile": os.environ.get("AWS_PROFILE"),
    }


def test_given_a_started_sandbox_when_stopped_then_the_process_is_as_before(
    outside_environment: None,
) -> None:
    environ_before = dict(os.environ)
    environ_type = type(os.environ)
    handlers_before = list(botocore.handlers.BUILTIN_HANDLERS)
    client_for_before = boto_client.boto_client_for

    sandbox = Sandbox(speed=100).start()
    try:
        assert REGISTRY.applied() == [p.name for p in REGISTRY.patches]
        assert REGISTRY.verify(expect_applied=True) == []
        assert type(os.environ) is not environ_type
        assert len(botocore.handlers.BUILTIN_HANDLERS) == len(handlers_before) + 1
        seen = _use(sandbox)
    finally:
        sandbox.stop()

    assert seen == {
        "item": {"k": {"S": "one"}},
        "account": "123456789012",
        "region": sandbox.region,
        "profile": None,
    }
    assert REGISTRY.applied() == []
    assert REGISTRY.verify(expect_applied=False) == []
    assert type(os.environ) is environ_type
    assert dict(os.environ) == environ_before
    assert list(botocore.handlers.BUILTIN_HANDLERS) == handlers_before
    assert boto_client.boto_client_for is client_for_before
    assert abs(core_clock.now() - time.time()) < 5
    assert not has_runtime()
    assert active() is None
    assert clients.cached_count() == 0
    assert not botocore_stubber.enabled


def test_given_a_stopped_sandbox_when_a_second_one_starts_then_it_works_from_scratch(
    outside_environment: None,
) -> None:
    environ_before = dict(os.environ)
    handlers_before = list(botocore.handlers.BUILTIN_HANDLERS)
    with Sandbox(speed=100) as first:
        _use(first)

    with Sandbox(speed=100) as second:
        seen = _use(second)  # the table is new again: moto's backends were reset

    assert seen["item"] == {"k": {"S": "one"}}
    assert REGISTRY.applied() == []
    assert dict(os.environ) == environ_before
    assert list(botocore.handlers.BUILTIN_HANDLERS) == handlers_before


def test_given_a_running_sandbox_when_another_starts_then_it_is_refused_and_nothing_changes(
    outside_environment: None,
) -> None:
    environ_before = dict(os.environ)
    with Sandbox(speed=100) as running:
        applied = REGISTRY.applied()
        with pytest.raises(SandboxError, match="already running"):
            Sandbox(speed=100).start()
        assert REGISTRY.applied() == applied
        assert active() is running
    assert dict(os.environ) == environ_before


def test_given_a_log_handler_left_on_a_closed_stream_when_a_lambda_runs_then_it_logs_to_the_runtime(
    tmp_path: Path,
) -> None:
    """A test before (typer's CliRunner) may leave the core's logger writing to a stream it
    has closed: the sandbox routes the handler to its log all the same, and gives the closed
    stream back on stop."""
    (tmp_path / "app.py").write_text(
        "import logging\n\n\n"
        "def handler(event, context):\n"
        "    logging.getLogger('turnout').warning('hello from the lambda')\n"
        "    return {'ok': True}\n"
    )
    closed = io.TextIOWrapper(io.BytesIO())  # what CliRunner gives sys.stdout, then closes
    closed.close()
    left = logging.StreamHandler(closed)
    turnout_logger = logging.getLogger("turnout")
    turnout_logger.addHandler(left)
    try:
        with Sandbox(speed=100) as sandbox:
            sandbox.runner.add(
                FunctionSpec(
                    name="fn",
                    arn="arn:aws:lambda:ap-northeast-2:123456789012:function:fn",
                    code_dir=str(tmp_path),
                    handler="app.handler",
                    env={},
                    timeout=3,
                    memory=128,
                )
            )
            answer = sandbox.runner.invoke("fn", {})
            logged = [line.message for line in sandbox.runtime.logs]
        assert left.stream is closed
    finally:
        turnout_logger.removeHandler(left)

    assert answer == {"ok": True}
    assert "hello from the lambda" in logged


def test_given_a_running_execution_when_the_sandbox_stops_then_its_thread_ends() -> None:
    """moto runs each execution on a thread of its own: one still running must not outlive
    the sandbox, or its next state calls whatever runs next (another sandbox's services, or
    a moto server on MOTO_PORT once the mock is off)."""
    definition = {
        "StartAt": "Hold",
        "States": {"Hold": {"Type": "Wait", "Seconds": 360000, "End": True}},
    }
    with Sandbox(speed=100) as sandbox:
        sfn = sandbox.client("stepfunctions")
        machine = sfn.create_state_machine(
            name="holds",
            roleArn="arn:aws:iam::123456789012:role/holds",
            definition=json.dumps(definition),
        )["stateMachineArn"]
        before = set(threading.enumerate())
        sfn.start_execution(stateMachineArn=machine)
        started = set(threading.enumerate()) - before
        assert started  # the execution's worker (its Wait lasts an hour of real time)

    for thread in started:
        thread.join(timeout=10)
    assert [t.name for t in started if t.is_alive()] == []
