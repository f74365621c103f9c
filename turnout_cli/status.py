"""`turnout status`: the running and queued deployments, their phase, the gate's time left."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from turnout.ledger import Phase
from turnout_cli.ledger import deployment_cell
from turnout_cli.parsing import human_duration, iso, short_commit, short_digest

#: The deploy state that waits for the health gate (its task token is the gate item's).
GATE_STATE = "WaitForHealthGate"
#: ecs: the stage of the per-step gate's PAUSE hook (turnout.ecs_engine.STEP_GATE_STAGE).
STEP_GATE_STAGE = "PRE_PRODUCTION_TRAFFIC_SHIFT"
#: States only the CodeDeploy engine's definition has.
_CODEDEPLOY_ONLY = frozenset(
    {"CreateDeployment", "IsHookHeld", "ReleaseHook", "TerminateOriginalTaskSet"}
)
#: Last entered state of an execution -> the phase shown. The keys are every state of
#: statemachines/{deploy,build}.asl.json a running execution can be in (its Succeed and
#: Fail states end it at once): tests/checks/test_state_names.py keeps them equal.
DEPLOY_PHASES: Mapping[str, str] = {
    "ResolveImage": "admitting",
    "IsDeployable": "admitting",
    "Admit": "admitting",
    "AdmissionDecision": "admitting",
    "RenderTaskDefinition": "rendering",
    "CreateDeployment": "deploying",
    GATE_STATE: "traffic shifting",
    "IsHookHeld": "terminating",
    "ReleaseHook": "terminating",
    "TerminateOriginalTaskSet": "terminating",
    "WaitForDeploymentSuccess": "terminating",
    "RecordSuccess": "recording",
    "RollBack": "rolling back",
    "WaitForRollback": "rolling back",
    "RecordRollback": "rolled back",
    "RecordFailure": "failed",
    "RecordRejectedPush": "rejected",
}
#: The same for statemachines/deploy_ecs.asl.json (DeploymentEngine=ecs).
ECS_DEPLOY_PHASES: Mapping[str, str] = {
    **{k: v for k, v in DEPLOY_PHASES.items() if k not in _CODEDEPLOY_ONLY},
    "StartDeployment": "deploying",
    "ContinueDeployment": "terminating",
    "MorePauses": "traffic shifting",
}
BUILD_PHASES: Mapping[str, str] = {
    "ResolveCommit": "resolving commit",
    "IsBuildable": "resolving commit",
    "BuildImage": "building",
    "RecordBuild": "built",
    "RecordBuildFailure": "build failed",
    "RecordRejectedBuild": "rejected",
}
#: ECS blue/green lifecycle events (CodeDeploy) -> the traffic phase.
LIFECYCLE_PHASES: Mapping[str, str] = {
    "BeforeInstall": "deploying",
    "Install": "deploying",
    "AfterInstall": "deploying",
    "AllowTestTraffic": "test traffic",
    "AfterAllowTestTraffic": "test traffic",
    "BeforeAllowTraffic": "test traffic",
    "AllowTraffic": "production traffic",
    "AfterAllowTraffic": "production traffic",
}
#: Ledger ``phase`` values (written by the handlers) -> the phase shown.
LEDGER_PHASES: Mapping[str, str] = {
    Phase.QUEUED.value: "queued",
    Phase.RENDERING.value: "rendering",
    Phase.TRAFFIC_SHIFTING.value: "traffic shifting",
    Phase.GATE.value: "gate",
    Phase.AWAITING_APPROVAL.value: "awaiting approval",
    Phase.TERMINATING.value: "terminating",
    Phase.ROLLING_BACK.value: "rolling back",
}


def phase_of_state(kind: str, state_name: str, engine: str = "codedeploy") -> str:
    table = BUILD_PHASES
    if kind == "deploy":
        table = ECS_DEPLOY_PHASES if engine == "ecs" else DEPLOY_PHASES
    return table.get(state_name, f"running ({state_name})" if state_name else "starting")


def last_state_entered(events: Sequence[Mapping[str, Any]]) -> str:
    """The name of the last ``*StateEntered`` event (events in any order, by id)."""
    entered = [e for e in events if str(e.get("type", "")).endswith("StateEntered")]
    if not entered:
        return ""
    last = max(entered, key=lambda e: int(e.get("id", 0)))
    return str((last.get("stateEnteredEventDetails") or {}).get("name", ""))


def traffic_phase(lifecycle_events: Sequence[Mapping[str, Any]]) -> str | None:
    """The phase of an ECS deployment target from its lifecycle events (None if unknown)."""
    current: str | None = None
    for event in lifecycle_events:
        name = str(event.get("lifecycleEventName", ""))
        status = str(event.get("status", ""))
        if status == "InProgress" and name in LIFECYCLE_PHASES:
            return LIFECYCLE_PHASES[name]
        if status == "Succeeded" and name in LIFECYCLE_PHASES:
            current = LIFECYCLE_PHASES[name]
    return current


@dataclass(frozen=True)
class GateView:
    started_at: float
    healthy_since: float | None = None
    bake_seconds: float | None = None
    timeout_seconds: float | None = None
    checks: int = 0
    last_reason: str = ""
    #: ecs: the stage of the PAUSE hook the gate answers ("" for CodeDeploy's gate)
    stage: str = ""

    @classmethod
    def from_item(
        cls, item: Mapping[str, Any], bake_seconds: float | None, timeout_seconds: float | None
    ) -> GateView | None:
        if not item.get("gateStartedAt"):
            return None
        raw = item.get("gateState")
        state: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
        since = state.get("healthy_since")
        # the gate item may carry its own policy (bakeSeconds/timeoutSeconds); else the stack's
        bake = item.get("bakeSeconds", bake_seconds)
        timeout = item.get("timeoutSeconds", timeout_seconds)
        return cls(
            started_at=float(item["gateStartedAt"]),
            healthy_since=float(since) if since not in (None, "") else None,
            bake_seconds=float(bake) if bake is not None else None,
            timeout_seconds=float(timeout) if timeout is not None else None,
            checks=int(state.get("checks", 0) or 0),
            last_reason=str(item.get("lastReason") or state.get("last_reason") or ""),
            stage=str(item.get("lifecycleStage") or ""),
        )

    def describe(self, now: float) -> str:
        elapsed = now - self.started_at
        if self.bake_seconds is None:
            text = f"gate open for {human_duration(elapsed)}"
        elif self.healthy_since is None:
            bake = human_duration(self.bake_seconds)
            text = f"gate open for {human_duration(elapsed)}; not healthy yet (bake {bake})"
        else:
            left = self.bake_seconds - (now - self.healthy_since)
            bake = human_duration(self.bake_seconds)
            text = f"{human_duration(max(0.0, left))} left of the {bake} bake"
        if self.timeout_seconds is not None:
            text += f"; times out in {human_duration(max(0.0, self.timeout_seconds - elapsed))}"
        if self.stage == STEP_GATE_STAGE:  # GateEveryTrafficStep: a verdict per step
            text = f"before a traffic step: {text}"
        return text

    def to_dict(self, now: float) -> dict[str, Any]:
        left = None
        if self.bake_seconds is not None and self.healthy_since is not None:
            left = max(0.0, self.bake_seconds - (now - self.healthy_since))
        return asdict(self) | {
            "elapsedSeconds": round(now - self.started_at, 3),
            "bakeLeftSeconds": left,
            "startedAtIso": iso(self.started_at),
            "text": self.describe(now),
        }


@dataclass(frozen=True)
class SlotView:
    attempt_id: str
    commit_id: str = ""
    digest: str = ""
    trigger: str = ""
    task_definition_revision: int | None = None
    deployment_id: str = ""
    since: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "attemptId": self.attempt_id,
            "commitId": self.commit_id,
            "digest": self.digest,
            "trigger": self.trigger,
            "taskDefinitionRevision": self.task_definition_revision,
            "deploymentId": self.deployment_id,
            "since": iso(self.since) if self.since else "",
        }


@dataclass(frozen=True)
class Running:
    kind: str  # deploy | build
    phase: str
    state: str = ""
    execution_arn: str = ""
    attempt_id: str = ""
    commit_id: str = ""
    digest: str = ""
    trigger: str = ""
    deployment_id: str = ""
    started_at: float | None = None
    gate: GateView | None = None

    def detail(self, now: float) -> str:
        if self.gate is not None:
            return self.gate.describe(now)
        return f"running for {human_duration(now - self.started_at)}" if self.started_at else ""

    def to_dict(self, now: float) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "phase": self.phase,
            "state": self.state,
            "executionArn": self.execution_arn,
            "attemptId": self.attempt_id,
            "commitId": self.commit_id,
            "digest": self.digest,
            "trigger": self.trigger,
            "deploymentId": self.deployment_id,
            "startedAt": iso(self.started_at) if self.started_at else "",
            "gate": self.gate.to_dict(now) if self.gate else None,
        }


@dataclass(frozen=True)
class Snapshot:
    stack: str
    service: str
    now: float
    serving: SlotView | None = None
    running: tuple[Running, ...] = ()
    queued: SlotView | None = None
    notes: tuple[str, ...] = field(default=())
    #: codedeploy | ecs: the stack's DeploymentEngine (stacks older than it: codedeploy)
    engine: str = "codedeploy"

    @property
    def deploying(self) -> tuple[Running, ...]:
        return tuple(r for r in self.running if r.kind == "deploy")

    @property
    def busy(self) -> bool:
        return bool(self.running) or self.queued is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "service": self.service,
            "engine": self.engine,
            "at": iso(self.now),
            "serving": self.serving.to_dict() if self.serving else None,
            "running": [r.to_dict(self.now) for r in self.running],
            "queued": self.queued.to_dict() if self.queued else None,
            "notes": list(self.notes),
        }


STATUS_COLUMNS = (
    "",
    "PHASE",
    "COMMIT",
    "DIGEST",
    "TASK DEF",
    "DEPLOYMENT",
    "TRIGGER",
    "SINCE (UTC)",
    "DETAIL",
)


def status_rows(snap: Snapshot) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    s = snap.serving
    if s:
        rows.append(
            (
                "serving",
                "serving",
                short_commit(s.commit_id),
                short_digest(s.digest),
                f"rev {s.task_definition_revision}"
                if s.task_definition_revision is not None
                else "",
                deployment_cell(s.deployment_id),
                s.trigger,
                iso(s.since).replace("T", " ").removesuffix("Z") if s.since else "",
                "",
            )
        )
    else:
        rows.append(("serving", "nothing deployed by turnout yet", "", "", "", "", "", "", ""))
    for r in snap.running:
        label = "deploying" if r.kind == "deploy" else "building"
        rows.append(
            (
                label,
                r.phase,
                short_commit(r.commit_id),
                short_digest(r.digest),
                "",
                deployment_cell(r.deployment_id),
                r.trigger,
                iso(r.started_at).replace("T", " ").removesuffix("Z") if r.started_at else "",
                r.detail(snap.now),
            )
        )
    if not snap.deploying:
        rows.append(("deploying", "nothing running", "", "", "", "", "", "", ""))
    q = snap.queued
    if q:
        rows.append(
            (
                "queued",
                "queued",
                short_commit(q.commit_id),
                short_digest(q.digest),
                "",
                "",
                q.trigger,
                iso(q.since).replace("T", " ").removesuffix("Z") if q.since else "",
                "runs when the deployment ends",
            )
        )
    else:
        rows.append(("queued", "queue empty", "", "", "", "", "", "", ""))
    return rows


def render(snap: Snapshot) -> Any:
    from turnout_cli.output import table, text

    title = f"{snap.stack} · {snap.service} · engine {snap.engine} · {iso(snap.now)}"
    grid = table(title, STATUS_COLUMNS, status_rows(snap))
    if snap.notes:
        grid.caption = text("\n".join(clean_note(n) for n in snap.notes), one_line=False)
    return grid


def clean_note(note: str) -> str:
    from turnout_cli.output import clean

    return clean(note, one_line=True)


def watch(
    fetch: Callable[[], Snapshot],
    show: Callable[[Snapshot], None],
    sleep: Callable[[float], None],
    interval: float,
) -> Snapshot:
    """Show a snapshot every ``interval`` seconds until no deployment runs or is queued.

    Returns the last snapshot (taken after the deployment ended).
    """
    snap = fetch()
    show(snap)
    while snap.busy:
        sleep(interval)
        snap = fetch()
        show(snap)
    return snap
