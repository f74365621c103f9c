"""The operations behind the verbs, on AWS (or the sandbox) through :class:`Aws`.

Pure decisions (phases, windows, records) live in status.py, parsing.py and ledger.py;
this module reads and writes AWS and raises :class:`CliError` with one clear line.
"""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

import contextlib
import json
import math
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from turnout_cli.errors import CliError, NothingRunning, OperationFailed
from turnout_cli.ledger import TERMINAL_RESULTS, is_push, record
from turnout_cli.parsing import iso, short_commit, short_digest
from turnout_cli.session import Aws, error_code, error_message
from turnout_cli.stack import Stack
from turnout_cli.status import (
    GATE_STATE,
    LEDGER_PHASES,
    GateView,
    Running,
    SlotView,
    Snapshot,
    last_state_entered,
    phase_of_state,
    traffic_phase,
)

if TYPE_CHECKING:
    from turnout.adapters.store import Store
    from turnout.logic.gate_tick import TaskAnswers

Sleep = Callable[[float], None]
Clock = Callable[[], float]
Report = Callable[[str], None]


def store_of(aws: Aws, stack: Stack) -> Store:
    from turnout.adapters.store import Store

    return Store(stack.table, client=aws.client("dynamodb"))


def new_name(prefix: str, now: float) -> str:
    stamp = datetime.fromtimestamp(now, tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{prefix}-{stamp}-{secrets.token_hex(3)}"


# --------------------------------------------------------------------------- history


def history(aws: Aws, stack: Stack, limit: int, now: float) -> list[dict[str, Any]]:
    rows = store_of(aws, stack).attempts(stack.service, limit=limit)
    return [record(r, now) for r in rows]


# --------------------------------------------------------------------------- status


def _running_executions(aws: Aws, arn: str) -> list[dict[str, Any]]:
    sfn = aws.client("stepfunctions")
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"stateMachineArn": arn, "statusFilter": "RUNNING", "maxResults": 50}
    while True:
        page = sfn.list_executions(**kwargs)
        found.extend(page.get("executions", []))
        token = page.get("nextToken")
        if not token or len(found) >= 200:
            return found
        kwargs["nextToken"] = token


def _current_state(aws: Aws, execution_arn: str) -> str:
    page = aws.client("stepfunctions").get_execution_history(
        executionArn=execution_arn, reverseOrder=True, maxResults=100
    )
    return last_state_entered(page.get("events", []))


def _epoch(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


@dataclass
class GatePolicy:
    """The stack's gate bake/timeout, read once from the gate function's environment."""

    bake_seconds: float | None = None
    timeout_seconds: float | None = None
    loaded: bool = False

    def load(self, aws: Aws, stack: Stack) -> GatePolicy:
        if self.loaded:
            return self
        self.loaded = True
        name = stack.get("GateHookFunctionName")
        if not name:
            return self
        try:
            env = (
                aws.client("lambda")
                .get_function_configuration(FunctionName=name)
                .get("Environment", {})
            )
        except Exception as exc:
            if error_code(exc):
                return self  # best effort: without it the gate shows its elapsed time
            raise
        variables = env.get("Variables", {}) if isinstance(env, dict) else {}
        for key, attr in (
            ("GATE_BAKE_MINUTES", "bake_seconds"),
            ("GATE_TIMEOUT_MINUTES", "timeout_seconds"),
        ):
            with contextlib.suppress(KeyError, ValueError):
                setattr(self, attr, float(variables[key]) * 60)
        return self


def _traffic(aws: Aws, deployment_id: str) -> str | None:
    """test/production traffic from CodeDeploy's ECS target lifecycle (best effort)."""
    try:
        cd = aws.client("codedeploy")
        targets = cd.list_deployment_targets(deploymentId=deployment_id).get("targetIds", [])
        if not targets:
            return None
        target = cd.get_deployment_target(deploymentId=deployment_id, targetId=targets[0]).get(
            "deploymentTarget", {}
        )
        events = (target.get("ecsTarget") or {}).get("lifecycleEvents", [])
        return traffic_phase(events)
    except Exception as exc:
        if error_code(exc):
            return None
        raise


def _slot_view(slot: Any, rows: Mapping[str, Mapping[str, Any]]) -> SlotView:
    row = rows.get(slot.attempt_id, {})
    revision = row.get("taskDefinitionRevision")
    return SlotView(
        attempt_id=slot.attempt_id,
        commit_id=slot.commit_id,
        digest=slot.digest,
        trigger=slot.trigger,
        task_definition_revision=int(revision)
        if isinstance(revision, int | float) and not isinstance(revision, bool)
        else None,
        deployment_id=str(row.get("deploymentId", "")),
        since=_epoch(row.get("endedAt")) or (slot.received_at or None),
    )


def snapshot(aws: Aws, stack: Stack, now: float, policy: GatePolicy | None = None) -> Snapshot:
    store = store_of(aws, stack)
    service = stack.service
    state = store.load_state(service)
    rows_list = store.attempts(service, limit=100)
    rows = {str(r.get("attemptId", "")): r for r in rows_list}
    by_execution = {str(r.get("executionArn")): r for r in rows_list if r.get("executionArn")}
    policy = policy or GatePolicy()
    running: list[Running] = []
    notes: list[str] = []
    seen_attempts: set[str] = set()
    for kind, output in (("deploy", "DeployStateMachineArn"), ("build", "BuildStateMachineArn")):
        arn = stack.get(output)
        if not arn:
            notes.append(f"stack output {output} is missing: {kind} executions are not shown")
            continue
        for execution in _running_executions(aws, arn):
            execution_arn = str(execution["executionArn"])
            state_name = _current_state(aws, execution_arn)
            row = by_execution.get(execution_arn)
            if row is None and kind == "deploy":
                # a queued push handed over: its execution is named after the attempt id
                row = rows.get(execution_arn.rsplit(":", 1)[-1])
            row = row or {}
            seen_attempts.add(str(row.get("attemptId", "")))
            running.append(
                _running_of(
                    aws,
                    stack,
                    store,
                    kind=kind,
                    state_name=state_name,
                    execution=execution,
                    row=row,
                    policy=policy,
                )
            )
    if state.running and state.running.attempt_id not in seen_attempts:
        row = rows.get(state.running.attempt_id, {})
        phase = LEDGER_PHASES.get(str(row.get("phase", "")), str(row.get("phase") or "deploying"))
        running.append(
            Running(
                kind="deploy",
                phase=phase,
                attempt_id=state.running.attempt_id,
                commit_id=state.running.commit_id,
                digest=state.running.digest,
                trigger=state.running.trigger,
                deployment_id=str(row.get("deploymentId", "")),
                execution_arn=state.running.execution_arn,
                started_at=state.running.received_at or None,
            )
        )
        notes.append(
            f"attempt {state.running.attempt_id} holds the deployment slot but its execution "
            "is not running"
        )
    return Snapshot(
        stack=stack.name,
        service=service,
        now=now,
        serving=_slot_view(state.serving, rows) if state.serving else None,
        running=tuple(running),
        queued=_slot_view(state.queued, rows) if state.queued else None,
        notes=tuple(notes),
    )


def _running_of(
    aws: Aws,
    stack: Stack,
    store: Store,
    *,
    kind: str,
    state_name: str,
    execution: Mapping[str, Any],
    row: Mapping[str, Any],
    policy: GatePolicy,
) -> Running:
    phase = phase_of_state(kind, state_name)
    deployment_id = str(row.get("deploymentId", ""))
    gate: GateView | None = None
    if kind == "deploy" and state_name == GATE_STATE and deployment_id:
        item = store.gate(deployment_id)
        if item and item.get("gateStartedAt"):
            policy.load(aws, stack)
            gate = GateView.from_item(item, policy.bake_seconds, policy.timeout_seconds)
            phase = "gate"
        else:
            phase = _traffic(aws, deployment_id) or phase
    commit = str(row.get("commitId", ""))
    if kind == "build" and not commit:
        try:
            commit = str(json.loads(execution.get("input") or "{}").get("commitId", ""))
        except ValueError:
            commit = ""
    return Running(
        kind=kind,
        phase=phase,
        state=state_name,
        execution_arn=str(execution["executionArn"]),
        attempt_id=str(row.get("attemptId", "")),
        commit_id=commit,
        digest=str(row.get("digest", "")),
        trigger=str(row.get("trigger", "")) or ("manual" if kind == "build" else ""),
        deployment_id=deployment_id,
        started_at=_epoch(execution.get("startDate")),
        gate=gate,
    )


# --------------------------------------------------------------------------- build


@dataclass(frozen=True)
class BuildStarted:
    execution_arn: str
    name: str
    input: dict[str, str]
    started_at: float
    commit_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "executionArn": self.execution_arn,
            "name": self.name,
            "input": self.input,
            "startedAt": iso(self.started_at),
            "commitId": self.commit_id,
        }


def check_source(aws: Aws, stack: Stack, commit: str | None, branch: str | None) -> str:
    """The commit that will be built; CliError when the commit or branch does not exist."""
    repository = stack["RepositoryName"]
    cc = aws.client("codecommit")
    try:
        if commit:
            cc.get_commit(repositoryName=repository, commitId=commit)
            return commit
        assert branch is not None
        found = cc.get_branch(repositoryName=repository, branchName=branch)
        return str((found.get("branch") or {}).get("commitId", ""))
    except Exception as exc:
        code = error_code(exc)
        if code in (
            "CommitDoesNotExistException",
            "CommitIdDoesNotExistException",
            "InvalidCommitIdException",
        ):
            raise CliError(
                f"--commit {commit}: no such commit in CodeCommit repository {repository!r}"
            ) from None
        if code in ("BranchDoesNotExistException", "InvalidBranchNameException"):
            raise CliError(
                f"--branch {branch}: no such branch in CodeCommit repository {repository!r}"
            ) from None
        if code == "RepositoryDoesNotExistException":
            raise CliError(
                f"CodeCommit repository {repository!r} (stack output RepositoryName) does not "
                "exist "
                f"{aws.where()}"
            ) from None
        raise


def start_build(
    aws: Aws, stack: Stack, commit: str | None, branch: str | None, now: float
) -> BuildStarted:
    arn = stack["BuildStateMachineArn"]
    resolved = check_source(aws, stack, commit, branch)
    payload = {"commitId": commit} if commit else {"branch": str(branch)}
    name = new_name("manual", now)
    started = aws.client("stepfunctions").start_execution(
        stateMachineArn=arn, name=name, input=json.dumps(payload)
    )
    return BuildStarted(
        execution_arn=str(started["executionArn"]),
        name=name,
        input=payload,
        started_at=_epoch(started.get("startDate")) or now,
        commit_id=resolved,
    )


@dataclass
class Follower:
    """Polls until something ends, reporting each change once; bounded by a deadline."""

    clock: Clock
    sleep: Sleep
    report: Report
    interval: float
    deadline: float
    _last: str = field(default="", init=False)

    def tell(self, text: str) -> None:
        if text != self._last:
            self._last = text
            self.report(text)

    def pause(self, waiting_for: str) -> None:
        if self.clock() >= self.deadline:
            raise OperationFailed(
                f"gave up waiting for {waiting_for}: --timeout reached (it may still be running; "
                "see `turnout status`)"
            )
        self.sleep(self.interval)


def follow_execution(aws: Aws, execution_arn: str, follower: Follower) -> dict[str, Any]:
    sfn = aws.client("stepfunctions")
    while True:
        found: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        status = str(found.get("status", ""))
        if status != "RUNNING":
            if status != "SUCCEEDED":
                cause = found.get("cause") or found.get("error") or "no cause given"
                raise OperationFailed(
                    f"build execution {execution_arn.rsplit(':', 1)[-1]} {status.lower()}: "
                    f"{found.get('error', '')} {cause}".strip()
                )
            return found
        follower.tell(f"build: {phase_of_state('build', _current_state(aws, execution_arn))}")
        follower.pause("the build")


def follow_attempts(
    aws: Aws,
    stack: Stack,
    select: Callable[[Mapping[str, Any]], bool],
    what: str,
    follower: Follower,
) -> list[dict[str, Any]]:
    """Wait until the ledger has attempts matching ``select`` and all of them ended."""
    store = store_of(aws, stack)
    while True:
        rows = [r for r in store.attempts(stack.service, limit=200) if select(r)]
        for row in rows:
            phase = str(row.get("phase") or row.get("result") or "")
            follower.tell(
                f"{what} {short_commit(str(row.get('commitId', '')))}: "
                f"{LEDGER_PHASES.get(phase, phase.replace('_', ' '))}"
                + (f" ({row['deploymentId']})" if row.get("deploymentId") else "")
            )
        if rows and all(str(r.get("result", "")) in TERMINAL_RESULTS for r in rows):
            return rows
        follower.pause(what)


def commit_of_build(aws: Aws, stack: Stack, finished: Mapping[str, Any]) -> str:
    try:
        output = json.loads(finished.get("output") or "{}")
    except ValueError:
        output = {}
    commit = (
        str((output.get("attempt") or {}).get("commitId", "")) if isinstance(output, dict) else ""
    )
    if commit:
        return commit
    arn = str(finished.get("executionArn", ""))
    for row in store_of(aws, stack).attempts(stack.service, limit=100):
        if row.get("executionArn") == arn and row.get("commitId"):
            return str(row["commitId"])
    return ""


# --------------------------------------------------------------------------- redeploy


@dataclass(frozen=True)
class ReplayPlan:
    archive_name: str
    archive_arn: str
    bus_arn: str
    rule_arn: str
    start: datetime
    end: datetime
    pushes: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = ()
    digest: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "archiveName": self.archive_name,
            "archiveArn": self.archive_arn,
            "eventBusArn": self.bus_arn,
            "filterArns": [self.rule_arn],
            "eventStartTime": iso(self.start),
            "eventEndTime": iso(self.end),
            "digest": self.digest or None,
            "pushes": list(self.pushes),
            "notes": list(self.notes),
        }


#: How long before the ledger's ``startedAt`` a push's archived event may be timed.
DIGEST_LEAD_SECONDS = 15 * 60


def digest_window(
    rows: Sequence[Mapping[str, Any]], digest: str, now: datetime
) -> tuple[datetime, datetime, list[str]]:
    """A narrow window around the newest archived push of ``digest`` (pure).

    The ledger has when each push was received (``startedAt``); the archived event's own
    time is earlier by the delivery latency (seconds, more when EventBridge retried; on the
    sandbox's fast virtual clock, minutes), so the window opens ``DIGEST_LEAD_SECONDS``
    before. Neighbouring pushes are kept out of the window when their times differ.
    """
    pushes = [r for r in rows if is_push(r)]
    own = [r for r in pushes if r.get("digest") == digest]
    if not own:
        raise CliError(
            f"--digest {digest}: no push of it is recorded in the ledger, so none is in the "
            "archive "
            "(`turnout history` lists the recorded pushes)"
        )
    target = max(own, key=lambda r: float(r["startedAt"]))
    if target.get("eventTime"):  # the ledger kept the archived event's own time: exact
        exact = math.floor(float(target["eventTime"]))
        notes = [
            f"the push of {short_digest(digest)} (commit "
            f"{short_commit(str(target.get('commitId', '')))}) happened at {iso(float(exact))}; "
            f"replaying the narrow window {iso(float(exact))} .. {iso(float(exact + 1))} "
            "(the push event's own time, from the ledger)"
        ]
        return (
            datetime.fromtimestamp(exact, tz=UTC),
            datetime.fromtimestamp(exact + 1, tz=UTC),
            notes,
        )
    at = math.floor(float(target["startedAt"]))
    start, end = float(at - DIGEST_LEAD_SECONDS), float(at + 1)
    notes = [
        f"the push of {short_digest(digest)} (commit "
        f"{short_commit(str(target.get('commitId', '')))}) "
        f"was received at {iso(float(target['startedAt']))}; replaying the narrow window "
        f"{iso(start)} .. {iso(end)} "
        "around it"
    ]
    for other in pushes:
        if other.get("eventId") == target.get("eventId"):
            continue
        t = float(other["startedAt"])
        if start <= t < at:
            start = float(math.floor(t) + 1)
        elif at < t <= end and math.floor(t) > at:
            end = float(math.floor(t))
    end = min(end, now.timestamp())
    if start >= end:
        start = end - 1
    return datetime.fromtimestamp(start, tz=UTC), datetime.fromtimestamp(end, tz=UTC), notes


def pushes_between(
    rows: Sequence[Mapping[str, Any]], start: datetime, end: datetime, now: float
) -> list[dict[str, Any]]:
    lo, hi = start.timestamp(), end.timestamp()
    found = [r for r in rows if is_push(r) and lo <= float(r["startedAt"]) <= hi + 60]
    return [record(r, now) for r in sorted(found, key=lambda r: float(r["startedAt"]))]


def plan_replay(
    aws: Aws, stack: Stack, selection: tuple[datetime, datetime] | str, now: datetime
) -> ReplayPlan:
    stack.need("ImagePushArchiveName", "ImagePushRuleArn")
    archive_name = stack["ImagePushArchiveName"]
    events = aws.client("events")
    try:
        archive = events.describe_archive(ArchiveName=archive_name)
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise CliError(
                f"archive {archive_name!r} (stack output ImagePushArchiveName) does not exist "
                f"{aws.where()}"
            ) from None
        raise
    rows = store_of(aws, stack).attempts(stack.service, limit=1000)
    notes: list[str] = []
    digest = ""
    if isinstance(selection, str):
        digest = selection
        start, end, notes = digest_window(rows, digest, now)
        pushes = pushes_between(rows, start, end, now.timestamp())
        others = [p for p in pushes if p["digest"] != digest]
        if others:
            notes.append(
                "the window also holds pushes of "
                + ", ".join(short_digest(p["digest"]) for p in others)
                + ": they are replayed too (the queue keeps the latest)"
            )
    else:
        start, end = selection
        pushes = pushes_between(rows, start, end, now.timestamp())
    if int(archive.get("EventCount", 0) or 0) == 0 and archive.get("EventCount") is not None:
        raise CliError(f"archive {archive_name!r} holds no events yet: nothing to replay")
    if not pushes:
        raise CliError(
            f"no archived push between {iso(start)} and {iso(end)}: the ledger of {stack.service} "
            "records none there (widen --since or check `turnout history`)"
        )
    retention = int(archive.get("RetentionDays", 0) or 0)
    created = _epoch(archive.get("CreationTime"))
    if retention:
        horizon = now - timedelta(days=retention)
        if end <= horizon:
            raise CliError(
                f"the window ends {iso(end)}, before the archive's {retention}-day retention: "
                "those events have expired"
            )
        if start < horizon:
            notes.append(
                f"events before {iso(horizon)} have expired from the archive ({retention}-day "
                "retention)"
            )
    if created and end.timestamp() < created:
        raise CliError(
            f"the window ends {iso(end)}, before archive {archive_name!r} was created "
            f"({iso(created)})"
        )
    return ReplayPlan(
        archive_name=archive_name,
        archive_arn=str(archive.get("ArchiveArn") or stack.get("ImagePushArchiveArn")),
        bus_arn=str(archive.get("EventSourceArn", "")),
        rule_arn=stack["ImagePushRuleArn"],
        start=start,
        end=end,
        pushes=tuple(pushes),
        notes=tuple(notes),
        digest=digest,
    )


def start_replay(aws: Aws, plan: ReplayPlan, now: float) -> dict[str, Any]:
    name = new_name("turnout-redeploy", now)
    what = f"digest {plan.digest}" if plan.digest else f"{len(plan.pushes)} push(es)"
    started = aws.client("events").start_replay(
        ReplayName=name,
        Description=f"turnout redeploy of {what} from {iso(plan.start)} to {iso(plan.end)}"[:512],
        EventSourceArn=plan.archive_arn,
        EventStartTime=plan.start,
        EventEndTime=plan.end,
        Destination={"Arn": plan.bus_arn, "FilterArns": [plan.rule_arn]},
    )
    return {
        "replayName": name,
        "replayArn": str(started.get("ReplayArn", "")),
        "state": str(started.get("State", "")),
    }


def follow_replay(aws: Aws, name: str, follower: Follower) -> dict[str, Any]:
    events = aws.client("events")
    while True:
        found: dict[str, Any] = events.describe_replay(ReplayName=name)
        state = str(found.get("State", ""))
        follower.tell(f"replay {name}: {state.lower()}")
        if state == "COMPLETED":
            return found
        if state in ("FAILED", "CANCELLED"):
            raise OperationFailed(
                f"replay {name} {state.lower()}: {found.get('StateReason', 'no reason given')}"
            )
        follower.pause(f"replay {name}")


# --------------------------------------------------------------------------- promote / rollback


@dataclass(frozen=True)
class Target:
    """The running deployment an operator acts on."""

    attempt_id: str
    commit_id: str
    digest: str
    deployment_id: str
    phase: str
    gate: dict[str, Any] | None

    def describe(self) -> str:
        return (
            f"deployment {self.deployment_id} (attempt {self.attempt_id}, commit "
            f"{short_commit(self.commit_id)}, "
            f"digest {short_digest(self.digest)}, phase {self.phase})"
        )


def running_target(aws: Aws, stack: Stack, verb: str) -> Target:
    store = store_of(aws, stack)
    state = store.load_state(stack.service)
    if state.running is None:
        raise NothingRunning(f"nothing to {verb}: no deployment of {stack.service} is running")
    slot = state.running
    row = store.get_attempt(stack.service, slot.attempt_id) or {}
    phase = LEDGER_PHASES.get(str(row.get("phase", "")), str(row.get("phase") or "starting"))
    deployment_id = str(row.get("deploymentId", ""))
    if not deployment_id:
        raise NothingRunning(
            f"nothing to {verb} yet: attempt {slot.attempt_id} (commit "
            f"{short_commit(slot.commit_id)}) "
            f"has no CodeDeploy deployment yet (phase {phase}); try again in a moment"
        )
    gate = store.gate(deployment_id)
    return Target(
        slot.attempt_id,
        slot.commit_id,
        slot.digest,
        deployment_id,
        phase,
        gate if gate and gate.get("taskToken") else None,
    )


def caller(aws: Aws) -> str:
    import getpass

    try:
        arn = str(aws.client("sts").get_caller_identity().get("Arn", ""))
    except Exception as exc:
        if not error_code(exc):
            raise
        arn = ""
    return arn or getpass.getuser()


def answers_of(aws: Aws) -> TaskAnswers:
    """The core's Step Functions adapter over the CLI's client (answers a waiting task)."""
    from turnout.adapters.sfn import StepFunctions

    return StepFunctions(client=aws.client("stepfunctions"))


def check_promotable(target: Target) -> None:
    if target.gate is None:
        raise NothingRunning(f"nothing to promote: {target.describe()} is not at its health gate")
    if not target.gate.get("gateStartedAt"):
        raise NothingRunning(
            f"cannot promote yet: {target.describe()}: production traffic is not on the new task "
            "set, so its gate has not started"
        )


def promote(aws: Aws, stack: Stack, target: Target, who: str) -> None:
    from turnout.logic.gate_tick import promote as core_promote

    if not core_promote(store_of(aws, stack), answers_of(aws), target.deployment_id, who):
        raise OperationFailed(
            f"the gate of deployment {target.deployment_id} was no longer waiting "
            "(already answered, or its task token expired): see `turnout status`"
        )


def rollback(aws: Aws, stack: Stack, target: Target, who: str) -> str:
    """'gate' when the gate was failed (the state machine stops the deployment), else 'stopped'."""
    if target.gate is not None:
        from turnout.logic.gate_tick import reject

        if reject(store_of(aws, stack), answers_of(aws), target.deployment_id, who):
            return "gate"
    try:
        aws.client("codedeploy").stop_deployment(
            deploymentId=target.deployment_id, autoRollbackEnabled=True
        )
    except Exception as exc:
        if error_code(exc) == "DeploymentAlreadyCompletedException":
            raise NothingRunning(
                f"nothing to roll back: deployment {target.deployment_id} already completed "
                f"({error_message(exc)})"
            ) from None
        if error_code(exc) == "DeploymentDoesNotExistException":
            raise NothingRunning(
                f"nothing to roll back: CodeDeploy does not know deployment {target.deployment_id}"
            ) from None
        raise
    return "stopped"
