"""The sandbox scenarios: each runs the real stack end to end and checks the outcome."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from turnout_sandbox.demo import REPO, DemoService
from turnout_sandbox.fault_scenarios import FAULT_BODIES, SCENARIO_FAULTS
from turnout_sandbox.sandbox import Sandbox, Stack
from turnout_sandbox.scenarios_ecs import ECS_BODIES, ECS_FAULTS, ECS_OPTIONS, ECS_SCENARIOS
from turnout_sandbox.timeline import Step, Timeline, gate_check

STACK = "turnout-hello-aws"
DEFAULT_SPEED = 200.0
#: History events per page the demo's watcher asks for (it pages back while all are new).
_WATCH_PAGE = 10

SCENARIOS: dict[str, str] = {
    "happy": "a push builds, deploys blue/green, passes the gate; the old task set is terminated at once",  # noqa: E501
    "unhealthy": "the new task set's targets turn unhealthy: the gate fails and traffic rolls back",
    "build-fails": "CodeBuild fails: nothing deploys; recorded and notified",
    "gated": "BuildTrigger=manual: a push builds nothing; a manual build of that commit deploys it",
    "replay": "deploy A, then B; replaying A's archived push redeploys A",
    "duplicate": "the same ECR push event delivered three times deploys once",
    "burst": "five pushes in quick succession: the last commit serves, none is lost",
    "stuck": "the new task set never gets healthy: the gate times out and rolls back",
    "short-tag": "the buildspec tags the image with a 7-character commit id: it deploys",
    "throttled": "20 % of every AWS call the stack makes is throttled: every push still deploys",
    "dead-letter": "the gate tick fails on every call: Lambda gives its events up to the "
    "dead-letter queue, and the stack records each one",
    "lambda-faults": "each function fails once (error, timeout or crash) on its first call: "
    "the push still deploys, nothing runs twice that must not",
    "lost-event": "the ECR push event of a built image is lost: the gate tick's reconciliation "
    "notices the build that never deployed and deploys it, recording why",
    **ECS_SCENARIOS,
}


@dataclass
class ScenarioResult:
    name: str
    ok: bool
    expected: str
    checks: list[tuple[str, bool]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    #: the sandbox's own log: Lambda errors, emulator notes (not the Lambdas' INFO lines)
    log: list[str] = field(default_factory=list)
    #: per state machine ("build", "deploy"): the states each execution entered, in order
    #: (from GetExecutionHistory), executions in the order they started
    paths: dict[str, list[list[str]]] = field(default_factory=dict)
    #: every call IAM evaluated, with its principal (not in to_dict: the least-privilege
    #: analysis replays them without each granted action)
    iam_calls: list[Any] = field(default_factory=list, repr=False, compare=False)
    iam_documents: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.ok,
            "expected": self.expected,
            "checks": [{"check": c, "ok": ok} for c, ok in self.checks],
            "summary": self.summary,
            "steps": [asdict(s) for s in self.steps],
            "paths": self.paths,
        }


class ScenarioError(Exception):
    """A scenario could not reach the state it waits for in time."""


class Run:
    """One scenario's sandbox, demo service and stack, plus helpers to drive and watch them."""

    def __init__(  # noqa: PLR0917
        self,
        on_step: Callable[[Step], None] | None,
        speed: float | None,
        trigger: str = "push",
        bake_minutes: int = 5,
        timeout_minutes: int = 10,
        termination_wait_minutes: int = 5,
        *,
        iam: str = "enforce",
        template: Path | None = None,
        stack_name: str = STACK,
        faults: str | None = None,
        clock: str = "discrete",
        engine: str = "codedeploy",
        ecs_configuration: dict[str, Any] | None = None,
        parameters: dict[str, str] | None = None,
    ) -> None:
        self.t0 = time.monotonic()
        self.on_step = on_step
        self.sandbox = Sandbox(speed=speed, clock=clock, iam=iam, faults=faults).start()
        # the driver (this thread) is an actor: the discrete clock moves only while it waits
        self._driving = contextlib.ExitStack()
        self._driving.enter_context(self.sandbox.runtime.clock.busy())
        self.sandbox.iam.record_calls = True  # a scenario's calls feed the least-privilege check
        self.v0 = self.sandbox.runtime.clock.now()
        self.timeline = Timeline(self.v0, self.t0, on_step)
        self.demo = DemoService(
            termination_wait_minutes=termination_wait_minutes,
            engine=engine,
            ecs_deployment_configuration=ecs_configuration,
        ).create()
        self.stack_name = stack_name
        self.stack: Stack = self.sandbox.deploy_stack(
            stack_name,
            self.demo.stack_parameters(
                trigger=trigger, bake_minutes=bake_minutes, timeout_minutes=timeout_minutes
            )
            | (parameters or {}),
            template=template,
        )
        from turnout_sandbox.emulators import events

        events.start_schedules()
        self.sfn = self.sandbox.client("stepfunctions")
        self._seen: dict[str, int] = {}  # execution -> the id of the last event a poll read
        self._finished: set[str] = set()  # executions whose whole history was read
        self._logs_seen = 0
        self._stop = threading.Event()
        self.sandbox.runtime.event_listeners.append(self._on_event)
        took = time.monotonic() - self.t0
        self.step("sandbox", f"ready: stack {stack_name} deployed in {took:.1f}s")
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    # -- timeline -------------------------------------------------------------------
    @property
    def steps(self) -> list[Step]:
        return self.timeline.steps

    def step(self, source: str, text: str, at: float | None = None) -> None:
        """A step that happened at virtual time ``at`` (now when None), in true order."""
        self.timeline.add(self.sandbox.runtime.clock.now() if at is None else at, source, text)

    def _on_event(self, event: dict[str, Any]) -> None:
        d = event.get("detail", {})
        kind = event.get("detail-type", "")
        if kind == "CodeCommit Repository State Change":
            self.step("codecommit", f"push {d.get('referenceName')} {str(d.get('commitId'))[:12]}")
        elif kind == "CodeBuild Build State Change":
            self.step("codebuild", f"build {d.get('build-status')}")
        elif kind == "ECR Image Action":
            self.step(
                "ecr",
                f"{d.get('action-type')} {d.get('repository-name')}:{d.get('image-tag')} {str(d.get('image-digest'))[:19]}",  # noqa: E501
            )
        elif kind == "CodeDeploy Deployment State-change Notification":
            self.step("codedeploy", f"{d.get('deploymentId')} {d.get('state')}")

    def _watch(self) -> None:
        """Poll the histories and the gate's log; emit what nothing earlier can precede."""
        watermark: float | None = None
        while not self._stop.is_set():
            began = self.sandbox.runtime.clock.now()
            try:
                self._poll()
            except Exception:  # noqa: S110 (a poll racing the sandbox's stop)
                pass
            else:
                if watermark is not None:
                    self.timeline.flush(watermark)
                watermark = began
            self._stop.wait(0.2)

    def _poll(self) -> None:
        # the gate's log first: in one ms, a check comes before the states it starts
        logs = self.sandbox.runtime.logs
        for line in logs[self._logs_seen :]:
            text = gate_check(line.message) if line.source == "lambda" else None
            if text:
                self.step("gate", text, at=line.at)
        self._logs_seen = len(logs)
        for label, arn in (
            ("build", self.stack.outputs["BuildStateMachineArn"]),
            ("deploy", self.stack.outputs["DeployStateMachineArn"]),
        ):
            for ex in self.sfn.list_executions(stateMachineArn=arn)["executions"]:
                if ex["executionArn"] in self._finished:
                    continue  # ended before an earlier poll read its history: nothing new
                for e in self._new_events(ex["executionArn"]):
                    if e["type"].endswith("StateEntered"):
                        name = e["stateEnteredEventDetails"]["name"]
                        at = e["timestamp"].timestamp()
                        self.step(label, f"{ex['name'][:14]} {name}", at=at)
                if ex["status"] != "RUNNING":
                    self._finished.add(ex["executionArn"])

    def _new_events(self, execution_arn: str) -> list[dict[str, Any]]:
        """The history events of ``execution_arn`` after the last one a poll read, oldest
        first: the newest pages only (reverseOrder), without the states' data. A poll
        mostly finds a few events or none, so pages are short: with 100 a page, serializing
        the events already read was a tenth of ``turnout demo``'s CPU."""
        last = self._seen.get(execution_arn, 0)
        fresh: dict[int, dict[str, Any]] = {}  # by id: a page may repeat one the history grew by
        token: dict[str, str] = {}
        while True:
            page = self.sfn.get_execution_history(
                executionArn=execution_arn,
                reverseOrder=True,
                maxResults=_WATCH_PAGE,
                includeExecutionData=False,
                **token,
            )
            newer = [e for e in page["events"] if e["id"] > last]
            fresh.update((e["id"], e) for e in newer)
            if len(newer) < len(page["events"]) or "nextToken" not in page:
                break
            token = {"nextToken": page["nextToken"]}
        if fresh:
            self._seen[execution_arn] = max(fresh)
        return [fresh[i] for i in sorted(fresh)]

    def stop_watching(self) -> None:
        """Stop the watcher after one last poll, and emit every step left, in order."""
        if not self._stop.is_set():
            self._stop.set()
            self._watcher.join(timeout=5)
            with contextlib.suppress(Exception):  # the sandbox may be gone
                self._poll()
        self.timeline.close()

    # -- driving and waiting --------------------------------------------------------
    def wait(self, what: str, predicate: Callable[[], bool], timeout: float = 90.0) -> None:
        """Wait idle (the sandbox's time may move) until ``predicate``, ``timeout`` wall s."""
        deadline = time.monotonic() + timeout
        clock = self.sandbox.runtime.clock
        # While the driver sleeps it is idle, and virtual time may pass through every timer
        # then due, so a scenario acting at a moment counts from the stack's own record of
        # it (an approval's approvalRequestedAt), not from when it noticed; each look is a
        # few AWS calls competing with the sandbox for the CPU. On the discrete clock: every
        # 20 ms at first, then every 0.1 s at most.
        interval = 0.02 if clock.kind == "discrete" else 0.1
        while time.monotonic() < deadline:
            if predicate():
                return
            with clock.idle():
                time.sleep(interval)
            interval = min(interval * 1.5, 0.1)
        raise ScenarioError(f"timed out after {timeout:.0f}s waiting for {what}")

    def pause(self, virtual_seconds: float, at_least: float = 0.0) -> None:
        """Let ``virtual_seconds`` pass, idle (scaled clock: ``at_least`` wall s or more)."""
        clock = self.sandbox.runtime.clock
        scaled = clock.kind == "scaled"
        clock.sleep(max(virtual_seconds, at_least * clock.speed) if scaled else virtual_seconds)

    def executions(self, which: str) -> list[dict[str, Any]]:
        key = "BuildStateMachineArn" if which == "build" else "DeployStateMachineArn"
        return list(self.sfn.list_executions(stateMachineArn=self.stack.outputs[key])["executions"])

    def deploy_errors(self) -> list[str | None]:
        """The error of each FAILED deploy execution, in listing order (newest first)."""
        return [
            self.sfn.describe_execution(executionArn=e["executionArn"]).get("error")
            for e in self.executions("deploy")
            if e["status"] == "FAILED"
        ]

    def settled(self, deploys: list[dict[str, Any]] | None = None) -> bool:
        builds = self.executions("build")
        deploys = self.executions("deploy") if deploys is None else deploys
        state = self.store().load_state(self.stack.outputs["ServiceKey"])
        return (
            all(e["status"] != "RUNNING" for e in builds + deploys)
            and state.running is None
            and state.queued is None
        )

    def deploys_done(self, count: int) -> bool:
        deploys = self.executions("deploy")
        done = [e for e in deploys if e["status"] != "RUNNING"]
        return len(done) >= count and self.settled(deploys)

    def store(self) -> Any:
        from turnout.adapters.store import Store

        return Store(self.stack.outputs["LedgerTableName"], self.sandbox.client("dynamodb"))

    def ledger(self) -> list[dict[str, Any]]:
        return list(self.store().attempts(self.stack.outputs["ServiceKey"]))

    def deploy_rows(self, commit: str) -> list[dict[str, Any]]:
        return [
            r for r in self.ledger() if r.get("kind") == "deploy" and r.get("commitId") == commit
        ]

    def entered(self, execution_arn: str) -> list[str]:
        """The states the execution entered, in order (its GetExecutionHistory)."""
        events = self.sfn.get_execution_history(
            executionArn=execution_arn, maxResults=1000, includeExecutionData=False
        )["events"]
        return [
            e["stateEnteredEventDetails"]["name"]
            for e in events
            if e["type"].endswith("StateEntered")
        ]

    def transitions(self, execution_arn: str) -> int:
        return len(self.entered(execution_arn))

    def paths(self) -> dict[str, list[list[str]]]:
        """Per state machine, the states each execution entered, oldest execution first."""
        return {
            which: [
                self.entered(e["executionArn"])
                for e in sorted(self.executions(which), key=lambda e: e["startDate"])
            ]
            for which in ("build", "deploy")
        }

    def close(self) -> None:
        self.stop_watching()
        self.demo.stop()
        self.sandbox.stop()
        self._driving.close()  # last: a stopping sandbox must not race through its timers


def _summary(run: Run, row: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {}
    arn = str(row.get("executionArn", ""))
    return {
        "commit": row.get("commitId"),
        "digest": row.get("digest"),
        "taskDefinitionArn": row.get("taskDefinitionArn"),
        "taskDefinitionRevision": row.get("taskDefinitionRevision"),
        "deploymentId": row.get("deploymentId"),
        "buildId": row.get("buildId"),
        "trigger": row.get("trigger"),
        "result": row.get("result"),
        "error": (row.get("error") or {}).get("type")
        if isinstance(row.get("error"), dict)
        else None,
        "transitions": run.transitions(arn) if arn.startswith("arn:") else None,
        "virtualSeconds": round(run.sandbox.runtime.clock.now() - run.v0, 1),
        "wallSeconds": round(time.monotonic() - run.t0, 2),
        "serving": run.demo.serving().get("commit"),
    }


def _latest_row(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


def _run_options(
    name: str, bake_minutes: int | None, termination_wait_minutes: int | None
) -> dict[str, Any]:
    """The Run options of scenario ``name``: bake, timeout, the group's wait, trigger, engine."""
    bake = 5 if bake_minutes is None else bake_minutes
    options: dict[str, Any] = {"bake_minutes": bake, "timeout_minutes": 10}
    if termination_wait_minutes is not None:
        options["termination_wait_minutes"] = termination_wait_minutes
    elif bake + 10 > 55:  # the hook cannot hold that long: the group's wait must
        options["termination_wait_minutes"] = bake + 20
    if name in ("gated", "duplicate"):
        options["trigger"] = "manual"
    if name in ECS_SCENARIOS:
        options["engine"] = "ecs"
        options |= ECS_OPTIONS.get(name, {})
    return options


def run_scenario(
    name: str,
    *,
    on_step: Callable[[Step], None] | None = None,
    bake_minutes: int | None = None,
    speed: float | None = None,
    termination_wait_minutes: int | None = None,
    iam: str = "enforce",
    stack_name: str = STACK,
    faults: str | None = None,
    clock: str = "discrete",
) -> ScenarioResult:
    """Run one scenario in a fresh sandbox (IAM ``enforce``, ``warn`` or ``off``), its stack
    named ``stack_name``, with ``faults`` injected (a spec, :mod:`turnout_sandbox.faults`;
    the fault scenarios add their own).

    ``termination_wait_minutes`` is the demo deployment group's own wait: shorter than the
    gate needs (the default, 5), the AfterAllowTraffic hook holds the deployment; longer,
    the group's wait keeps the original task set while the gate runs. ``clock``: ``discrete``
    (default; ``speed`` caps it, default no cap) or ``scaled`` (``speed``, default 200)."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}")
    options = _run_options(name, bake_minutes, termination_wait_minutes)
    if clock == "scaled":
        speed = DEFAULT_SPEED if speed is None else speed
        if name == "burst":  # five pipelines at once: slower virtual time keeps them in order
            speed = min(speed, 60.0)
    spec = ",".join(
        f for f in ({**SCENARIO_FAULTS, **ECS_FAULTS}.get(name, lambda: "")(), faults) if f
    )
    options["clock"] = clock
    run = Run(on_step, speed, iam=iam, stack_name=stack_name, faults=spec or None, **options)
    result = ScenarioResult(name, False, SCENARIOS[name])
    checks = result.checks
    try:
        body = _BODIES[name]
        row = body(run, checks)
        result.summary = _summary(run, row)
        result.summary["iam"] = run.sandbox.iam.mode.value
        result.summary["iamCallsEvaluated"] = run.sandbox.iam.evaluated
        result.summary["iamDenied"] = len(run.sandbox.iam.denials)
        result.summary["faultsInjected"] = len(run.sandbox.faults.injected)
        if run.sandbox.faults.spec:
            result.summary["faults"] = run.sandbox.faults.spec.text
        result.iam_calls = list(run.sandbox.iam.calls)
        result.iam_documents = dict(run.sandbox.iam.documents)
        result.paths = run.paths()
        result.ok = all(ok for _, ok in checks)
    except ScenarioError as exc:
        checks.append((str(exc), False))
        result.ok = False
    finally:
        run.stop_watching()
        result.steps = run.steps
        rt = run.sandbox.runtime
        result.log = [
            f"{line.at - run.v0:8.1f} {line.source}: {line.message[:300]}"
            for line in rt.logs
            if not (line.source == "lambda" and '"level":"INFO"' in line.message)
            and "delivery of event" not in line.message
        ]
        try:
            result.ledger = run.ledger()
        except Exception:
            result.ledger = []
        run.close()
    return result


# ---------------------------------------------------------------------------- bodies
Checks = list[tuple[str, bool]]


def _happy(run: Run, checks: Checks) -> dict[str, Any] | None:
    commit = run.demo.push("Change the greeting")
    run.wait("the deployment to finish", lambda: run.deploys_done(1))
    row = _latest_row(run.deploy_rows(commit))
    serving = run.demo.serving()
    checks.append(
        (
            "the deploy execution succeeded",
            all(e["status"] == "SUCCEEDED" for e in run.executions("deploy")),
        )
    )
    checks.append(("production traffic goes to the new commit", serving["commit"] == commit))
    checks.append(("the original task set is gone", len(serving["taskSets"]) == 1))
    checks.append(
        (
            "the ledger holds commit, build, digest, task definition and deployment",
            bool(
                row
                and row.get("result") == "succeeded"
                and row.get("buildId")
                and row.get("digest")
                and row.get("taskDefinitionArn")
                and row.get("deploymentId")
            ),
        )
    )
    return row


def _failing(health: str, error: str) -> Callable[[Run, Checks], dict[str, Any] | None]:
    def body(run: Run, checks: Checks) -> dict[str, Any] | None:
        commit = run.demo.push(f"A change that is {health}")
        run.demo.script(commit, health)
        run.wait("the deployment to end", lambda: run.deploys_done(1), timeout=120)
        row = _latest_row(run.deploy_rows(commit))
        serving = run.demo.serving()
        cause = next(iter(run.deploy_errors()), None)
        checks.append((f"the execution failed with {error}", cause == error))
        checks.append(
            (
                "production traffic is back on the original task set",
                serving["commit"] == run.demo.initial_commit,
            )
        )
        checks.append(("the new task set is removed", len(serving["taskSets"]) == 1))
        checks.append(
            ("the ledger records the rollback", bool(row and row.get("result") == "rolled_back"))
        )
        return row

    return body


def _build_fails(run: Run, checks: Checks) -> dict[str, Any] | None:
    from turnout_sandbox.emulators import codebuild

    commit = run.demo.push("A change that does not compile")
    codebuild.script_build(
        commit, "FAILED", phase="BUILD", message="Compilation failed: HelloController.kt:12"
    )
    run.wait(
        "the build to end", lambda: any(e["status"] != "RUNNING" for e in run.executions("build"))
    )
    run.pause(50, at_least=0.5)  # the ledger's last write
    rows = [r for r in run.ledger() if r.get("kind") == "build" and r.get("commitId") == commit]
    checks.append(
        (
            "the build execution failed",
            all(e["status"] == "FAILED" for e in run.executions("build")),
        )
    )
    checks.append(("nothing deployed", not run.executions("deploy")))
    checks.append(
        (
            "the original task set still serves",
            run.demo.serving()["commit"] == run.demo.initial_commit,
        )
    )
    checks.append(
        ("the ledger records the failed build", bool(rows and rows[0].get("result") == "failed"))
    )
    return rows[0] if rows else None


def _gated(run: Run, checks: Checks) -> dict[str, Any] | None:
    commit = run.demo.push("A change for the gated pipeline")
    run.pause(120, at_least=0.5)
    checks.append(("a push builds nothing", not run.executions("build")))
    run.sfn.start_execution(
        stateMachineArn=run.stack.outputs["BuildStateMachineArn"],
        name=f"manual-{commit[:12]}",
        input=json.dumps({"commitId": commit}),
    )
    run.wait("the deployment to finish", lambda: run.deploys_done(1))
    row = _latest_row(run.deploy_rows(commit))
    checks.append(("the manual build deployed the commit", run.demo.serving()["commit"] == commit))
    checks.append(
        (
            "the ledger says trigger manual",
            bool(row and row.get("trigger") == "manual" and row.get("result") == "succeeded"),
        )
    )
    return row


def _replay(run: Run, checks: Checks) -> dict[str, Any] | None:
    a = run.demo.push("Version A")
    run.wait("A to deploy", lambda: run.deploys_done(1))
    b = run.demo.push("Version B")
    run.wait("B to deploy", lambda: run.deploys_done(2))
    checks.append(("B serves before the replay", run.demo.serving()["commit"] == b))
    row_a = _latest_row(run.deploy_rows(a))
    row_b = _latest_row(run.deploy_rows(b))
    assert row_a and row_b  # noqa: PT018
    from datetime import UTC, datetime

    events = run.sandbox.client("events")
    # The archived event keeps its own time; the ledger recorded it: a one-second window.
    start = datetime.fromtimestamp(float(row_a["eventTime"]), UTC)
    end = datetime.fromtimestamp(float(row_a["eventTime"]) + 1, UTC)
    events.start_replay(
        ReplayName="redeploy-a",
        EventSourceArn=run.stack.outputs["ImagePushArchiveArn"],
        EventStartTime=start,
        EventEndTime=end,
        Destination={
            "Arn": f"arn:aws:events:{run.sandbox.region}:{run.sandbox.account}:event-bus/default",
            "FilterArns": [run.stack.outputs["ImagePushRuleArn"]],
        },
    )
    run.wait("the replay to redeploy A", lambda: run.deploys_done(3))
    replayed = [r for r in run.deploy_rows(a) if r.get("trigger") == "replay"]
    checks.append(("A serves again", run.demo.serving()["commit"] == a))
    checks.append(
        (
            "the ledger records trigger replay",
            bool(replayed and replayed[0].get("result") == "succeeded"),
        )
    )
    return replayed[0] if replayed else None


def _duplicate(run: Run, checks: Checks) -> dict[str, Any] | None:
    from turnout_sandbox.emulators import codebuild, codecommit, ecr

    commit = run.demo.push("One image, delivered three times")
    captured: list[dict[str, Any]] = []
    run.sandbox.runtime.event_listeners.append(
        lambda e: captured.append(e) if e.get("detail-type") == "ECR Image Action" else None
    )
    manifest = codebuild.build_manifest(commit, codecommit.get_commit(REPO, commit).tree_id)
    digest = ecr.manifest_digest(manifest)
    # The image comes from this stack's own build (only such digests deploy: image
    # provenance); its one ECR push event is then delivered three times.
    run.sfn.start_execution(
        stateMachineArn=run.stack.outputs["BuildStateMachineArn"],
        name=f"manual-{commit[:12]}",
        input=json.dumps({"commitId": commit}),
    )
    run.wait("the first delivery to start", lambda: bool(run.executions("deploy")))
    first = run.executions("deploy")[0]
    original = json.loads(run.sfn.describe_execution(executionArn=first["executionArn"])["input"])
    for i in (2, 3):  # EventBridge delivers at least once: the same event again
        run.sfn.start_execution(
            stateMachineArn=run.stack.outputs["DeployStateMachineArn"],
            name=f"redelivery-{i}",
            input=json.dumps(original),
        )

    # With faults on, EventBridge may repeat the push event itself (event-duplicate): each
    # repeat is one more delivery, and one more duplicate.
    def deliveries() -> int:
        repeats = [f for f in run.sandbox.faults.injected if f.kind == "event-duplicate"]
        return 3 + sum(1 for f in repeats if "aws.ecr ECR Image Action" in f.where)

    run.wait("all deliveries to settle", lambda: run.deploys_done(deliveries()))
    rows = run.deploy_rows(commit)
    deployments = run.sandbox.client("codedeploy").list_deployments(
        applicationName="app-hello-aws", deploymentGroupName="dg-hello-aws"
    )["deployments"]
    checks.append(("one deployment in CodeDeploy", len(deployments) == 1))
    checks.append(("the commit serves", run.demo.serving()["commit"] == commit))
    checks.append(
        (
            f"the ledger: one succeeded, {deliveries() - 1} duplicates",
            sorted(str(r.get("result")) for r in rows)
            == ["duplicate"] * (deliveries() - 1) + ["succeeded"],
        )
    )
    checks.append(
        (
            "the digest is the pushed image's",
            bool(rows) and all(r.get("digest") == digest for r in rows),
        )
    )
    return next((r for r in rows if r.get("result") == "succeeded"), None)


def _burst(run: Run, checks: Checks) -> dict[str, Any] | None:
    commits = []
    for i in range(5):
        commits.append(run.demo.push(f"Burst change {i + 1}"))
        run.pause(2)

    def builds() -> int:  # one more for each push event EventBridge repeated (faults on)
        repeats = [f for f in run.sandbox.faults.injected if f.kind == "event-duplicate"]
        return 5 + sum(1 for f in repeats if "aws.codecommit" in f.where)

    run.wait(
        "the burst to settle",
        lambda: (
            len(run.executions("build")) == builds()
            and run.settled()
            and all(e["status"] != "RUNNING" for e in run.executions("build"))
        ),
        timeout=180,
    )
    run.pause(30, at_least=0.3)
    rows = [r for r in run.ledger() if r.get("kind") == "deploy"]
    by_commit = {c: [r for r in rows if r.get("commitId") == c] for c in commits}
    failures = run.deploy_errors()
    checks.append(("the last commit serves", run.demo.serving()["commit"] == commits[-1]))
    checks.append(
        (
            "every push is recorded as deployed or superseded",
            all(
                any(r.get("result") in ("succeeded", "superseded") for r in by_commit[c])
                for c in commits
            ),
        )
    )
    checks.append(("no deployment failed (no DeploymentLimitExceededException)", not failures))
    return _latest_row(by_commit[commits[-1]])


def _short_tag(run: Run, checks: Checks) -> dict[str, Any] | None:
    from turnout_sandbox.demo import SHORT_TAG_BUILDSPEC

    commit = run.demo.push(
        "Tag images with the short commit id", {"buildspec.yml": SHORT_TAG_BUILDSPEC}
    )
    run.wait("the deployment to finish", lambda: run.deploys_done(1))
    row = _latest_row(run.deploy_rows(commit))
    ecr = run.sandbox.client("ecr")
    tags = {
        tag
        for image in ecr.describe_images(repositoryName=run.demo.n.ecr)["imageDetails"]
        if row and image["imageDigest"] == row.get("digest")
        for tag in image.get("imageTags", [])
    }
    checks.append(("the image's commit tag is the short id", tags == {commit[:7], "latest"}))
    serving = run.demo.serving()["commit"]
    checks.append(("production traffic goes to the new commit", serving == commit))
    checks.append(
        (
            "the ledger holds the full commit and the digest the build pushed",
            bool(row and row.get("result") == "succeeded" and row.get("digest")),
        )
    )
    return row


_BODIES: dict[str, Callable[[Run, Checks], dict[str, Any] | None]] = {
    "happy": _happy,
    "unhealthy": _failing("unhealthy", "GateFailed"),
    "build-fails": _build_fails,
    "gated": _gated,
    "replay": _replay,
    "duplicate": _duplicate,
    "burst": _burst,
    "stuck": _failing("stuck", "GateTimedOut"),
    "short-tag": _short_tag,
    **FAULT_BODIES,
    **ECS_BODIES,
}
