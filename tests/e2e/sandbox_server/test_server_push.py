"""Server mode, BuildTrigger=push: git pushes through the endpoint, history, redeploys, send.

One sandbox for the module (starting one costs seconds); the fixtures say what each test
builds on: two pushes A then B deployed, then A redeployed by digest.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from following import followed
from server_world import ROOT, World, start_world

from turnout_sandbox.server import ServerOptions

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    yield from start_world(
        ServerOptions(
            # the gate's bake (1 min) is short; its timeout (30 min) is generous so that
            # real latency times the clock speed never times a healthy gate out
            port=0,
            speed=100,
            trigger="push",
            bake_minutes=1,
            timeout_minutes=30,
        )
    )


@pytest.fixture(scope="module")
def two_pushes(world: World) -> tuple[str, str]:
    """A then B pushed through the endpoint (CodeCommit PutFile) and deployed."""
    a = world.push("Version A")
    row_a = world.wait_deployed(a)
    assert row_a["result"] == "succeeded", row_a
    b = world.push("Version B")
    row_b = world.wait_deployed(b)
    assert row_b["result"] == "succeeded", row_b
    return a, b


@pytest.fixture(scope="module")
def a_redeployed(world: World, two_pushes: tuple[str, str]) -> subprocess.CompletedProcess[str]:
    """`turnout redeploy --digest <A's digest> --yes --wait` after A then B."""
    a, _ = two_pushes
    digest = world.deploy_row(a, "push")["digest"]  # type: ignore[index]
    return followed(world, "redeploy", "--digest", digest)


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_given_the_server_when_aws_style_calls_go_through_the_endpoint_then_the_sandbox_answers(
    world: World,
) -> None:
    stack = world.client("cloudformation").describe_stacks(StackName="turnout-hello-aws")
    found = stack["Stacks"][0]
    assert found["StackStatus"] == "CREATE_COMPLETE"
    assert {"LedgerTableName", "DeployStateMachineArn"} <= {
        o["OutputKey"] for o in found["Outputs"]
    }
    service = world.client("ecs").describe_services(
        cluster="cluster-hello-aws", services=["service-hello-aws"]
    )["services"][0]
    assert service["deploymentController"]["type"] == "CODE_DEPLOY"
    # the Date header is the sandbox's virtual time: it runs ahead of the wall clock
    date = stack["ResponseMetadata"]["HTTPHeaders"]["date"]
    from email.utils import parsedate_to_datetime

    assert parsedate_to_datetime(date).timestamp() > time.time() + 60


def test_given_put_file_through_the_endpoint_when_pushed_then_the_whole_pipeline_deploys_it(
    world: World, two_pushes: tuple[str, str]
) -> None:
    _, b = two_pushes
    assert world.serving_commit() == b
    assert len(world.task_sets()) == 1
    assert world.server.demo is not None
    with urllib.request.urlopen(world.server.demo.health_url, timeout=10) as answer:
        assert json.loads(answer.read())["commit"] == b
    status = world.cli_json("status")
    assert status["serving"]["commitId"] == b
    assert status["running"] == []


def test_given_several_deploys_when_history_json_then_one_object_per_attempt_with_its_facts(
    world: World, two_pushes: tuple[str, str]
) -> None:
    a, b = two_pushes
    items = world.history()
    deploys = [i for i in items if i["kind"] == "deploy" and i["trigger"] == "push"]
    builds = [i for i in items if i["kind"] == "build"]
    assert [d["commitId"] for d in deploys][:2] == [b, a]  # newest first
    assert {x["commitId"] for x in builds} >= {a, b}
    for item in deploys[:2]:
        assert item["result"] == "succeeded"
        assert DIGEST.match(item["digest"])
        assert item["taskDefinitionArn"].startswith(
            "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/task-hello-aws:"
        )
        assert item["taskDefinitionRevision"] == int(item["taskDefinitionArn"].rsplit(":", 1)[1])
        assert item["deploymentId"].startswith("d-")
        assert item["eventId"]
        assert item["startedAt"]
        assert item["endedAt"]
        assert item["startedAt"] <= item["endedAt"]
        assert item["durationSeconds"] > 0
    assert deploys[0]["digest"] != deploys[1]["digest"]
    for item in builds:
        assert item["trigger"] == "push"
        assert item["result"] == "succeeded"
        assert item["buildId"]
    table = world.cli("history", "--limit", "5")
    assert table.returncode == 0
    assert a[:12] in table.stdout
    assert b[:12] in table.stdout


def test_given_a_then_b_when_redeploy_by_digest_of_a_then_a_serves_again_with_trigger_replay(
    world: World, two_pushes: tuple[str, str], a_redeployed: subprocess.CompletedProcess[str]
) -> None:
    a, _ = two_pushes
    assert a_redeployed.returncode == 0, a_redeployed.stderr
    assert f"succeeded: commit {a[:12]}" in a_redeployed.stdout
    assert "narrow window" in a_redeployed.stdout
    assert world.serving_commit() == a
    replayed = world.deploy_row(a, "replay")
    assert replayed is not None
    assert str(replayed["replayName"]).startswith("turnout-redeploy-")
    assert replayed["digest"] == world.deploy_row(a, "push")["digest"]  # type: ignore[index]


def test_given_pushes_when_redeploy_since_a_day_and_answered_no_then_preview_lists_them_and_nothing_replays(
    world: World, two_pushes: tuple[str, str]
) -> None:
    a, b = two_pushes
    # B's push is the newest: the window the CLI narrows to must be old enough to replay,
    # else it refuses (exit 2) before asking; wait for that on the sandbox's clock
    world.wait_archived(b)
    replays_before = world.client("events").list_replays()["Replays"]
    done = world.cli("redeploy", "--since", "1d", input="n\n")
    assert done.returncode == 1, done.stderr
    assert "not confirmed" in done.stderr
    # the window is on the sandbox's clock (virtual time, ahead of the wall clock)
    assert a[:12] in done.stdout
    assert b[:12] in done.stdout
    assert world.client("events").list_replays()["Replays"] == replays_before


def test_given_a_redeployed_when_redeploy_from_to_around_bs_push_then_b_serves_again(
    world: World, two_pushes: tuple[str, str], a_redeployed: subprocess.CompletedProcess[str]
) -> None:
    _, b = two_pushes
    assert world.serving_commit() != b
    a = two_pushes[0]
    after = float(world.deploy_row(a, "push")["startedAt"])  # type: ignore[index]
    pushed = float(world.deploy_row(b, "push")["startedAt"])  # type: ignore[index]
    done = followed(
        world,
        "redeploy",
        "--from",
        iso(math.floor(after) + 1),
        "--to",
        iso(math.floor(pushed) + 1),
        "--output",
        "json",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [p["commitId"] for p in result["pushes"]] == [b]
    assert [(d["commitId"], d["trigger"], d["result"]) for d in result["deployments"]] == [
        (b, "replay", "succeeded")
    ]
    assert world.serving_commit() == b


def test_given_an_empty_window_when_redeploy_then_refused_with_exit_2(
    world: World, two_pushes: tuple[str, str]
) -> None:
    done = world.cli("redeploy", "--since", "1s", "--yes")
    assert done.returncode == 2
    assert done.stderr.startswith("turnout: error: no archived push between ")
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ('{"source": "aws.ecr", "detail": {}}', "'detail-type'"),
        ('{"source": "aws.ecr", "detail-type": "ECR Image Action", "detail": []}', "'detail'"),
        ("{not json", "is not JSON"),
    ],
    ids=["missing-detail-type", "detail-not-object", "not-json"],
)
def test_given_a_bad_event_file_when_sandbox_send_then_exit_2_naming_the_file_and_field(
    world: World, tmp_path: Path, content: str, named: str
) -> None:
    path = tmp_path / "bad-event.json"
    path.write_text(content)
    done = world.cli("sandbox", "send", str(path))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(path) in lines[0]
    assert named in lines[0]


def test_given_an_ecr_push_of_a_commit_tag_when_sandbox_send_then_accepted_and_ignored(
    world: World,
) -> None:
    from turnout_sandbox.emulators import events

    deploys = len(world.executions("deploy"))
    done = world.cli(
        "sandbox", "send", str(ROOT / "events" / "ecr-push-commit-tag.json"), "-o", "json"
    )
    assert done.returncode == 0, done.stderr
    sent: dict[str, Any] = json.loads(done.stdout)
    assert sent["detailType"] == "ECR Image Action"
    # the bus accepted it (PutEvents gave it an id: printed above) ...
    # ... but no rule matched it (the stack's rules want the tag `latest`): nothing deploys
    assert not [d for d in events.delivered_log() if d["event_id"] == sent["eventId"]]
    assert len(world.executions("deploy")) == deploys
    table = world.cli("sandbox", "send", str(ROOT / "events" / "ecr-push-commit-tag.json"))
    assert table.returncode == 0
    assert re.match(
        r"^sent ECR Image Action \(aws\.ecr\): event id [0-9a-f-]{36}$", table.stdout.strip()
    )
