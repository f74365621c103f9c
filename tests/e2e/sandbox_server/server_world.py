"""What the server-mode e2e tests share: a served sandbox, the `turnout` CLI as a subprocess,
boto3 clients on the endpoint, and waits with deadlines."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from tests.checks.cfn_template import sam_environment
from turnout_sandbox.server import SandboxServer, ServerOptions

ROOT = Path(__file__).resolve().parents[3]
STACK = "turnout-hello-aws"
REGION = "ap-northeast-2"
REPO = "hello-aws"
BRANCH = "master"
_SCRIPT = ROOT / ".venv" / "bin" / "turnout"
TURNOUT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "turnout_cli"]


def cli_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "TURNOUT_STACK",
            "AWS_ENDPOINT_URL",
            "AWS_PROFILE",
            "TURNOUT_DEBUG",
            "TURNOUT_SANDBOX_ACCESS_KEY",
        }
    }
    env["COLUMNS"] = "200"  # tables are not wrapped
    return env


def sam_env(url: str, tmp_home: Path) -> dict[str, str]:
    """What a user deploying into the sandbox at ``url`` has set: the SAM CLI's environment
    (python3.13 first on PATH, no telemetry, sam's own files under ``tmp_home``), the endpoint
    and dummy keys (never their own), no region (the command names it), nothing of turnout's
    or of a profile."""
    drop = {"TURNOUT_STACK", "TURNOUT_DEBUG", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"}
    drop.add("AWS_DEFAULT_REGION")
    env = {k: v for k, v in sam_environment(tmp_home).items() if k not in drop}
    env.update(
        {
            "AWS_ENDPOINT_URL": url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    return env


@contextmanager
def serving(*args: str, timeout: float = 90.0) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`turnout sandbox serve ARGS` as a user starts it: the process and the first line it
    prints once it serves (empty when it ended or the deadline passed); killed on exit."""
    proc = subprocess.Popen(
        [*TURNOUT, "sandbox", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=cli_env(),
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        first = ""
        while time.monotonic() < deadline and not first and proc.poll() is None:
            first = proc.stdout.readline()
        yield proc, first
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def turnout(
    *args: str,
    input: str | None = None,
    timeout: float = 120.0,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the installed `turnout` command; a hang fails the test after ``timeout`` seconds
    (``env``: variables set on top of :func:`cli_env`)."""
    return subprocess.run(
        [*TURNOUT, *args],
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**cli_env(), **(env or {})},
        cwd=ROOT,
        check=False,
    )


def wait_for[T](what: str, probe: Callable[[], T | None], timeout: float = 60.0) -> T:
    """Poll ``probe`` until it returns a truthy value; AssertionError at the deadline."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


@dataclass
class World:
    server: SandboxServer
    clients: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def key(self) -> str:
        """The access key the server takes (any when it was served without one)."""
        return self.server.access_key or "testing"

    @property
    def outputs(self) -> dict[str, str]:
        if self.server.stack is not None:
            return self.server.stack.outputs
        # a stack the user deployed (sam deploy): its outputs as CloudFormation answers them
        found = self.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = boto3.client(  # type: ignore[call-overload]
                service,
                endpoint_url=self.url,
                region_name=REGION,
                aws_access_key_id=self.key,
                aws_secret_access_key="testing",
            )
        return self.clients[service]

    # -- the CLI against this server ----------------------------------------------------
    def cli(
        self, *args: str, input: str | None = None, timeout: float = 120.0
    ) -> subprocess.CompletedProcess[str]:
        env = {"TURNOUT_SANDBOX_ACCESS_KEY": self.server.access_key or ""}
        return turnout("--endpoint-url", self.url, *args, input=input, timeout=timeout, env=env)

    def cli_json(self, *args: str) -> Any:
        done = self.cli(*args, "--output", "json")
        assert done.returncode == 0, f"turnout {' '.join(args)}: {done.stderr}"
        return json.loads(done.stdout)

    def history(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.cli_json("history", "--limit", "100")
        return found

    # -- driving the demo service through the endpoint ------------------------------------
    def push(self, message: str) -> str:
        """A git push: CodeCommit PutFile on master through the endpoint; the new commit id."""
        cc = self.client("codecommit")
        head = cc.get_branch(repositoryName=REPO, branchName=BRANCH)["branch"]["commitId"]
        put = cc.put_file(
            repositoryName=REPO,
            branchName=BRANCH,
            parentCommitId=head,
            filePath="src/main/resources/version.txt",
            fileContent=f"{message} {uuid.uuid4().hex}\n".encode(),
            commitMessage=message,
        )
        return str(put["commitId"])

    def executions(self, which: str) -> list[dict[str, Any]]:
        key = "BuildStateMachineArn" if which == "build" else "DeployStateMachineArn"
        found: list[dict[str, Any]] = self.client("stepfunctions").list_executions(
            stateMachineArn=self.outputs[key]
        )["executions"]
        return found

    def ledger(self) -> list[dict[str, Any]]:
        from turnout.adapters.store import Store

        store = Store(self.outputs["LedgerTableName"], client=self.client("dynamodb"))
        return list(store.attempts(self.outputs["ServiceKey"], limit=200))

    def settled(self) -> bool:
        from turnout.adapters.store import Store

        store = Store(self.outputs["LedgerTableName"], client=self.client("dynamodb"))
        state = store.load_state(self.outputs["ServiceKey"])
        running = [
            e
            for e in self.executions("build") + self.executions("deploy")
            if e["status"] == "RUNNING"
        ]
        return not running and state.running is None and state.queued is None

    def deploy_row(
        self, commit: str, trigger: str, results: tuple[str, ...] = ("succeeded",)
    ) -> dict[str, Any] | None:
        for row in self.ledger():
            if (
                row.get("kind") == "deploy"
                and row.get("commitId") == commit
                and row.get("trigger") == trigger
                and row.get("result") in results
            ):
                return row
        return None

    def wait_deployed(
        self, commit: str, trigger: str = "push", timeout: float = 90.0
    ) -> dict[str, Any]:
        row = wait_for(
            f"the deployment of {commit[:12]} ({trigger})",
            lambda: self.deploy_row(commit, trigger, ("succeeded", "rolled_back", "failed")),
            timeout,
        )
        wait_for("the service to settle", self.settled, timeout)
        return row

    def push_deployed(self, message: str) -> str:
        """A push that must deploy: its commit, once it succeeded and serves."""
        commit = self.push(message)
        row = self.wait_deployed(commit)
        assert row["result"] == "succeeded", row
        assert self.serving_commit() == commit
        return commit

    def virtual_now(self) -> float:
        """The sandbox's clock (virtual epoch seconds, ahead of the wall clock)."""
        assert self.server.sandbox is not None
        return self.server.sandbox.runtime.clock.now()

    def wait_archived(self, commit: str) -> None:
        """Wait until the push of ``commit`` is old enough on the sandbox's clock for
        `turnout redeploy` to replay its narrow window without --wait (the window's end plus
        ARCHIVE_DELAY): a condition on the virtual clock, not a number of real seconds that
        happened to pass since the push."""
        from turnout_cli.ops.replay import ARCHIVE_DELAY, EVENT_MARGIN_SECONDS, event_time

        row = self.deploy_row(commit, "push")
        assert row is not None, f"no push of {commit[:12]} in the ledger"
        at = event_time(row)
        moment = math.floor(at if at is not None else float(row["startedAt"]))
        ready = moment + EVENT_MARGIN_SECONDS + ARCHIVE_DELAY.total_seconds()
        wait_for(
            f"the push of {commit[:12]} to be {ARCHIVE_DELAY} old on the sandbox clock",
            lambda: self.virtual_now() >= ready,
            60,
        )

    def serving_commit(self) -> str | None:
        assert self.server.demo is not None
        commit = self.server.demo.serving()["commit"]
        return str(commit) if commit else None

    def task_sets(self) -> list[dict[str, Any]]:
        assert self.server.demo is not None
        found: list[dict[str, Any]] = self.server.demo.serving()["taskSets"]
        return found


def start_world(options: ServerOptions) -> Iterator[World]:
    """One sandbox lifecycle (moto's backends are process-global): start, yield, stop."""
    server = SandboxServer(options).start()
    try:
        yield World(server)
    finally:
        server.stop()
