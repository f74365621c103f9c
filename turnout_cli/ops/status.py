"""`turnout status` and `turnout history`: the ledger, the queue and the running executions."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from turnout.ledger import Phase
from turnout_cli.ledger import record
from turnout_cli.ops.common import current_state, epoch, store_of
from turnout_cli.session import Aws, error_code
from turnout_cli.stack import Stack
from turnout_cli.status import (
    GATE_STATE,
    LEDGER_PHASES,
    GateView,
    Running,
    SlotView,
    Snapshot,
    phase_of_state,
    traffic_phase,
)

if TYPE_CHECKING:
    from turnout.adapters.store import Store


def history(aws: Aws, stack: Stack, limit: int, now: float) -> list[dict[str, Any]]:
    from turnout_cli.ops.ledger_query import newest_attempts

    # Query with Limit=min(limit, 100): `history -n 5` reads five items, not a 1 MB page
    rows = newest_attempts(store_of(aws, stack), stack.service, limit)
    return [record(r, now) for r in rows]


def _still_running(aws: Aws, execution_arn: str) -> bool:
    """Whether DescribeExecution says RUNNING: ListExecutions "is eventually consistent. The
    results are best effort and may not reflect very recent updates and changes" (botocore
    stepfunctions ListExecutions), so an execution just started may be missing from it; a
    slot is noted as stuck only when its own execution is not running (aws-fidelity row 34).
    """
    if not execution_arn:
        return False
    try:
        found = aws.client("stepfunctions").describe_execution(executionArn=execution_arn)
    except Exception as exc:
        if error_code(exc):
            return False  # ExecutionDoesNotExist, access denied: the note stands
        raise
    return str(found.get("status", "")) == "RUNNING"


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


@dataclass
class GatePolicy:
    """The stack's gate bake/timeout, read once from the gate function's environment.

    GateTick times a gate out ``(GateTimeoutMinutes + GateBakeMinutes) x 60`` seconds after
    ``gateStartedAt`` (``turnout.logic.gate_tick.gate_config``), so that is the timeout shown
    when the gate item does not carry its own ``timeoutSeconds`` (aws-fidelity row 26)."""

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
        self.bake_seconds, self.timeout_seconds = gate_budget(variables)
        return self


def _minutes(variables: Mapping[str, Any], key: str) -> float | None:
    with contextlib.suppress(KeyError, TypeError, ValueError):
        return float(variables[key]) * 60
    return None


def gate_budget(variables: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """(bake, timeout) seconds from the gate function's environment, the timeout counted as
    GateTick counts it: GATE_TIMEOUT_MINUTES + GATE_BAKE_MINUTES after the gate starts."""
    bake = _minutes(variables, "GATE_BAKE_MINUTES")
    timeout = _minutes(variables, "GATE_TIMEOUT_MINUTES")
    if timeout is not None:
        timeout += bake or 0.0
    return bake, timeout


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
        since=epoch(row.get("endedAt")) or (slot.received_at or None),
    )


def snapshot(aws: Aws, stack: Stack, now: float, policy: GatePolicy | None = None) -> Snapshot:
    store = store_of(aws, stack)
    service = stack.service
    state = store.load_state(service)
    rows_list = store.attempts(service, limit=100)
    rows = {str(r.get("attemptId", "")): r for r in rows_list}
    by_execution = {str(r.get("executionArn")): r for r in rows_list if r.get("executionArn")}
    policy = policy or GatePolicy()
    engine = stack.get("DeploymentEngine") or "codedeploy"  # older stacks: CodeDeploy only
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
            state_name = current_state(aws, execution_arn)
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
                    engine=engine,
                )
            )
    if state.running and state.running.attempt_id not in seen_attempts:
        row = rows.get(state.running.attempt_id, {})
        phase = LEDGER_PHASES.get(
            str(row.get("phase", "")), str(row.get("phase") or Phase.DEPLOYING.value)
        )
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
        if not _still_running(aws, state.running.execution_arn):
            notes.append(
                f"attempt {state.running.attempt_id} holds the deployment slot but its "
                "execution is not running"
            )
    notes.extend(_undelivered_notes(store, service))
    return Snapshot(
        stack=stack.name,
        service=service,
        now=now,
        serving=_slot_view(state.serving, rows) if state.serving else None,
        running=tuple(running),
        queued=_slot_view(state.queued, rows) if state.queued else None,
        notes=tuple(notes),
        engine=engine,
    )


#: How many undelivered-event rows status reads (it says "at least" beyond).
UNDELIVERED_SHOWN = 100


def _undelivered_notes(store: Store, service: str) -> list[str]:
    """One note when AsyncFailureQueue's reader recorded events AWS gave up delivering
    (``UNDELIVERED#`` rows): how many, and the newest with its error."""
    rows = list(store.query(f"SERVICE#{service}", "UNDELIVERED#", limit=UNDELIVERED_SHOWN))
    if not rows:
        return []
    newest = max(rows, key=lambda r: float(r.get("receivedAt") or 0))
    count = f"at least {len(rows)}" if len(rows) >= UNDELIVERED_SHOWN else str(len(rows))
    return [
        f"{count} event(s) AWS gave up delivering were recorded; newest: "
        f"{newest.get('what')} ({newest.get('origin')}: {str(newest.get('error'))[:200]})"
    ]


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
    engine: str = "codedeploy",
) -> Running:
    phase = phase_of_state(kind, state_name, engine)
    deployment_id = str(row.get("deploymentId", ""))
    gate: GateView | None = None
    if kind == "deploy" and state_name == GATE_STATE and deployment_id:
        item = store.gate(deployment_id)
        if item and item.get("gateStartedAt"):
            policy.load(aws, stack)
            gate = GateView.from_item(item, policy.bake_seconds, policy.timeout_seconds)
            phase = "gate"
        elif item and item.get("awaitingApproval"):  # ecs, ApprovalBeforeProduction
            phase = LEDGER_PHASES[Phase.AWAITING_APPROVAL.value]
        elif engine == "codedeploy":  # CodeDeploy's target lifecycle; ECS has none to read
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
        started_at=epoch(execution.get("startDate")),
        gate=gate,
    )
