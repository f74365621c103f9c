"""The scenarios of DeploymentEngine=ecs (ECS built-in blue/green): the demo service is
ECS-controlled with strategy BLUE_GREEN, the stack deployed with DeploymentEngine=ecs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class Run(Protocol):
    """What these bodies use of :class:`turnout_sandbox.scenarios.Run` (which imports this
    module: a Protocol keeps the two apart)."""

    @property
    def demo(self) -> Any: ...

    @property
    def sandbox(self) -> Any: ...

    @property
    def sfn(self) -> Any: ...

    @property
    def stack(self) -> Any: ...

    def executions(self, which: str) -> list[dict[str, Any]]: ...

    def deploy_errors(self) -> list[str | None]: ...

    def deploy_rows(self, commit: str) -> list[dict[str, Any]]: ...

    def deploys_done(self, count: int) -> bool: ...

    def pause(self, virtual_seconds: float, at_least: float = 0.0) -> None: ...

    def store(self) -> Any: ...

    def step(self, source: str, text: str, at: float | None = None) -> None: ...

    def wait(self, what: str, predicate: Callable[[], bool], timeout: float = 90.0) -> None: ...


Checks = list[tuple[str, bool]]

ECS_SCENARIOS: dict[str, str] = {
    "ecs-happy": "DeploymentEngine=ecs: a push deploys through ECS built-in blue/green, the "
    "gate passes at turnout's PAUSE hook, the old revision is cleaned up at once",
    "ecs-unhealthy": "DeploymentEngine=ecs: the new revision fails the gate, the PAUSE hook is "
    "answered ROLLBACK and traffic returns to the old revision",
    "ecs-gate-dies": "DeploymentEngine=ecs: the gate tick fails on every call (before it does "
    "anything); ECS rolls back by itself at the PAUSE hook's timeout (fail-closed) and turnout "
    "records the rollback",
    "ecs-stuck": "DeploymentEngine=ecs: the new revision's health endpoint never answers: the "
    "gate times out within its budget (before the PAUSE hook's own timeout), answers ROLLBACK "
    "and traffic returns to the old revision",
    "ecs-orchestrator-dies": "DeploymentEngine=ecs: every function of the stack fails from the "
    "moment the gate starts, ECS's events included; ECS rolls back by itself at the PAUSE hook's "
    "timeout; when the functions come back, the gate tick's reconciliation records the rollback",
    "ecs-canary": "DeploymentEngine=ecs, a CANARY service with GateEveryTrafficStep: the gate "
    "gives a verdict before each traffic step; the new revision raises 5xx once it takes the "
    "canary's traffic, the verdict before the second step fails and it rolls back before "
    "full traffic",
    "ecs-approve": "DeploymentEngine=ecs with ApprovalBeforeProduction: the deployment waits at "
    "turnout's PAUSE hook after test traffic, production traffic stays on the old revision "
    "until turnout approve, then the gate runs and the deploy completes",
    "ecs-approval-expires": "DeploymentEngine=ecs with ApprovalBeforeProduction and a "
    "20-minute ApprovalTimeoutMinutes: nobody approves, ECS rolls back by itself at the hook's "
    "timeout before any production traffic moved, and turnout records the rollback",
}
#: The demo service's deploymentConfiguration (botocore model, CanaryConfiguration): 10 % for
#: 2 minutes, then the rest.
CANARY: dict[str, Any] = {
    "strategy": "CANARY",
    "bakeTimeInMinutes": 0,
    "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 2},
}
#: Each scenario's own Run options (the demo service's configuration, stack parameters).
ECS_OPTIONS: dict[str, dict[str, Any]] = {
    "ecs-canary": {"ecs_configuration": CANARY, "parameters": {"GateEveryTrafficStep": "true"}},
    "ecs-approve": {"parameters": {"ApprovalBeforeProduction": "true"}},
    "ecs-approval-expires": {
        "parameters": {"ApprovalBeforeProduction": "true", "ApprovalTimeoutMinutes": "20"}
    },
}
#: How long nobody approves in ecs-approve (virtual seconds): traffic must not move meanwhile.
UNAPPROVED_SECONDS = 15 * 60
#: Each scenario's own faults (turnout_sandbox.faults grammar).
ECS_FAULTS: dict[str, Callable[[], str]] = {
    "ecs-gate-dies": lambda: "lambda-error:GateTickFunction=1",
}


def _deployment_arn(row: dict[str, Any] | None) -> str:
    """The service deployment ARN a ledger row names ("" before it names one)."""
    return str((row or {}).get("serviceDeploymentArn") or "")


def _deployment(run: Run, row: dict[str, Any] | None) -> dict[str, Any]:
    arn = _deployment_arn(row)
    if not arn:
        return {}
    ecs = run.sandbox.client("ecs")
    found = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"]
    return dict(found[0]) if found else {}


def _gate_hook(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return [h for h in deployment.get("lifecycleHookDetails", []) if h.get("targetType") == "PAUSE"]


def _row(run: Run, commit: str) -> dict[str, Any] | None:
    rows = run.deploy_rows(commit)
    return rows[0] if rows else None


def _happy(run: Run, checks: Checks) -> dict[str, Any] | None:
    commit = run.demo.push("Change the greeting (ECS blue/green)")
    run.wait("the deployment to finish", lambda: run.deploys_done(1), timeout=120)
    row = _row(run, commit)
    deployment = _deployment(run, row)
    serving = run.demo.serving()
    checks.append(
        (
            "the deploy execution succeeded",
            all(e["status"] == "SUCCEEDED" for e in run.executions("deploy")),
        )
    )
    checks.append(("production traffic goes to the new commit", serving["commit"] == commit))
    checks.append(
        (
            "the old revision gets no traffic",
            sorted(serving["weights"].values()) == [0, 100],
        )
    )
    checks.append(
        (
            "ECS says SUCCESSFUL, cleaned up with bake time 0",
            deployment.get("status") == "SUCCESSFUL"
            and deployment.get("lifecycleStage") == "CLEAN_UP"
            and deployment.get("deploymentConfiguration", {}).get("bakeTimeInMinutes") == 0,
        )
    )
    checks.append(
        (
            "turnout's PAUSE hook was continued",
            [h.get("status") for h in _gate_hook(deployment)] == ["SUCCEEDED"],
        )
    )
    checks.append(
        (
            "the ledger holds engine ecs, the service deployment ARN, digest and task definition",
            bool(
                row
                and row.get("result") == "succeeded"
                and row.get("engine") == "ecs"
                and str(row.get("serviceDeploymentArn", "")).startswith("arn:aws:ecs:")
                and row.get("digest")
                and row.get("taskDefinitionArn")
            ),
        )
    )
    return row


def _rolled_back(
    run: Run,
    checks: Checks,
    commit: str,
    *,
    error: str,
    hook: str,
    why: str,
    hooks: list[str] | None = None,
) -> dict[str, Any] | None:
    """The checks a rolled-back ecs deployment ends with: the execution's error, the gate
    hook's status (``hooks``: of each PAUSE hook run) and ROLLBACK_SUCCESSFUL, the original
    revision serving, the ledger row."""
    row = _row(run, commit)
    deployment = _deployment(run, row)
    cause = next(iter(run.deploy_errors()), None)
    statuses = hooks or [hook]
    checks.append((f"the execution failed with {error}", cause == error))
    checks.append(
        (
            f"{why}: the PAUSE hooks {', '.join(statuses)}, ROLLBACK_SUCCESSFUL",
            deployment.get("status") == "ROLLBACK_SUCCESSFUL"
            and [h.get("status") for h in _gate_hook(deployment)] == statuses,
        )
    )
    checks.append(
        (
            "production traffic is back on the original revision",
            run.demo.serving()["commit"] == run.demo.initial_commit,
        )
    )
    _recorded(checks, row, "rolled_back")
    return row


def _recorded(checks: Checks, row: dict[str, Any] | None, result: str) -> None:
    checks.append(
        (
            f"the ledger records {result}, engine ecs",
            bool(row and row.get("result") == result and row.get("engine") == "ecs"),
        )
    )


def _unhealthy(run: Run, checks: Checks) -> dict[str, Any] | None:
    commit = run.demo.push("A change that is unhealthy (ECS blue/green)")
    run.demo.script(commit, "unhealthy")
    run.wait("the deployment to end", lambda: run.deploys_done(1), timeout=150)
    why = "turnout's gate answered its PAUSE hook ROLLBACK"
    return _rolled_back(run, checks, commit, error="GateFailed", hook="FAILED", why=why)


def _notifications(run: Run) -> list[tuple[str, dict[str, Any]]]:
    """(subject, message) of what the stack published to its topic (moto's SNS backend
    keeps each one: moto.sns.models.Topic.sent_notifications)."""
    import json

    from moto.sns.models import sns_backends

    sandbox = run.sandbox
    arn = run.stack.outputs["NotificationTopicArn"]
    topic = sns_backends[sandbox.account][sandbox.region].topics[arn]
    return [
        (str(subject), json.loads(message))
        for _, message, subject, _, _ in topic.sent_notifications
    ]


def _stuck(run: Run, checks: Checks) -> dict[str, Any] | None:
    commit = run.demo.push("A change that never gets healthy (ECS blue/green)")
    run.demo.script(commit, "stuck")
    run.wait("the deployment to end", lambda: run.deploys_done(1), timeout=180)
    why = "turnout's gate timed out and answered its PAUSE hook ROLLBACK"
    row = _rolled_back(run, checks, commit, error="GateTimedOut", hook="FAILED", why=why)
    error = (row or {}).get("error") or {}
    checks.append(
        (
            "the ledger says the gate timed out, within its budget",
            isinstance(error, dict)
            and error.get("type") == "GateTimedOut"
            and "within 15m 0s" in str(error.get("message")),
        )
    )
    sent = [m for subject, m in _notifications(run) if "deploy rolled back" in subject]
    checks.append(
        (
            "one notification: deploy rolled back, GateTimedOut, engine ecs",
            len(sent) == 1
            and sent[0].get("error", {}).get("type") == "GateTimedOut"
            and sent[0].get("engine") == "ecs",
        )
    )
    return row


def _gate_dies(run: Run, checks: Checks) -> dict[str, Any] | None:
    commit = run.demo.push("A change whose gate never answers (ECS blue/green)")
    run.wait("the deployment to end", lambda: run.deploys_done(1), timeout=180)
    crashed = [f for f in run.sandbox.faults.injected if f.where == "function GateTickFunction"]
    checks.append(("the gate tick failed", bool(crashed)))
    why = "ECS rolled back by itself"
    return _rolled_back(run, checks, commit, error="DeploymentFailed", hook="TIMED_OUT", why=why)


#: ecs-orchestrator-dies: how long every function stays down once the gate started (virtual
#: s): past the PAUSE hook's timeout (GateTimeoutMinutes 10 + GateBakeMinutes 5 + one check
#: interval) and Lambda's retries of ECS's last events (1 + 2 minutes), within the gate
#: wait's own bound (the hook's timeout + 1 h).
OUTAGE_SECONDS = 30 * 60


def _gate_running(run: Run) -> bool:
    """The gate's clock started and its wait is armed (the hook's event may come first)."""
    return any(g.get("gateStartedAt") and g.get("taskToken") for g in run.store().gates())


def _orchestrator_dies(run: Run, checks: Checks) -> dict[str, Any] | None:
    commit = run.demo.push("A change whose orchestrator goes down mid-gate (ECS blue/green)")
    run.wait("the gate to start", lambda: _gate_running(run), timeout=120)
    faults = run.sandbox.faults
    down = faults.elapsed()
    faults.add(f"lambda-error=1@{down:.0f}..{down + OUTAGE_SECONDS:.0f}")
    run.wait("the deployment to end", lambda: run.deploys_done(1), timeout=240)
    failed = {
        f.where.removeprefix("function ") for f in faults.injected if f.kind == "lambda-error"
    }
    checks.append(
        (
            "the functions were down: ECS's events and the gate ticks failed",
            {"EcsDeploymentFunction", "GateTickFunction"} <= failed,
        )
    )
    why = "ECS rolled back by itself"
    row = _rolled_back(run, checks, commit, error="DeploymentFailed", hook="TIMED_OUT", why=why)
    error = (row or {}).get("error") or {}
    checks.append(
        (
            "the ledger says the reconciliation noticed it, with ECS's reason",
            "reconciliation" in str((row or {}).get("reconciled", ""))
            and "timed out" in str(error.get("message", "") if isinstance(error, dict) else ""),
        )
    )
    return row


def _weights(row: dict[str, Any] | None, listener: str = "production") -> list[float]:
    """The new revision's share of ``listener`` after each weight change (the emulator's
    record: a step between two looks is not missed)."""
    from turnout_sandbox.emulators.ecs_bluegreen import traffic_history

    arn = _deployment_arn(row)
    if not arn:
        return []
    return [c["greenWeight"] for c in traffic_history(arn) if c["listener"] == listener]


def _canary(run: Run, checks: Checks) -> dict[str, Any] | None:
    commit = run.demo.push("A canary that raises 5xx once it takes traffic (ECS CANARY)")
    # The regression: the new revision's 5xx show on the alarm once it serves production
    # traffic, so after the canary step (10 %), not before it.
    run.demo.script(commit, "alarm")
    run.wait("the deployment to end", lambda: run.deploys_done(1), timeout=180)
    row = _row(run, commit)
    weights = _weights(row)
    checks.append(
        (
            "the first verdict let the canary step take 10 % of production traffic",
            bool(weights) and weights[0] == CANARY["canaryConfiguration"]["canaryPercent"],
        )
    )
    checks.append(
        (
            "production traffic on the new revision never reached 100 %",
            bool(weights) and max(weights) < 100 and weights[-1] == 0,
        )
    )
    why = "the verdict before the second step failed and answered its PAUSE hook ROLLBACK"
    return _rolled_back(
        run,
        checks,
        commit,
        error="GateFailed",
        hook="FAILED",
        why=why,
        hooks=["SUCCEEDED", "FAILED"],
    )


def _gate_of(run: Run, commit: str) -> dict[str, Any]:
    """The gate item of the commit's deployment ({} while there is none)."""
    arn = _deployment_arn(_row(run, commit))
    return (run.store().gate(arn) if arn else None) or {}


def _awaiting_approval(run: Run, commit: str) -> bool:
    """The gate item of the commit's deployment asks for an approval, its wait armed."""
    gate = _gate_of(run, commit)
    return bool(gate.get("awaitingApproval") and gate.get("taskToken"))


def _approval_requested_at(run: Run, commit: str) -> float:
    """When the commit's deployment asked for its approval (the gate item's virtual time)."""
    asked = _gate_of(run, commit).get("approvalRequestedAt")
    return float(asked or run.sandbox.runtime.clock.now())


def _approve(run: Run, checks: Checks) -> dict[str, Any] | None:
    from turnout.adapters.sfn import StepFunctions
    from turnout.logic.gate_tick import approve

    commit = run.demo.push("A change that waits for an approval (ECS blue/green)")
    run.wait("the approval pause", lambda: _awaiting_approval(run, commit), timeout=120)
    # counted from when the stack asked, however late the driver noticed
    asked = _approval_requested_at(run, commit)
    run.pause(max(0.0, asked + UNAPPROVED_SECONDS - run.sandbox.runtime.clock.now()))
    row = _row(run, commit)
    held = _deployment(run, row)
    checks.append(
        (
            "the ledger says awaiting approval",
            bool(row and row.get("phase") == "awaiting-approval"),
        )
    )
    checks.append(
        (
            f"unapproved for {UNAPPROVED_SECONDS // 60} minutes: test traffic on the new revision, "
            "production traffic 0 % on it",
            held.get("status") == "IN_PROGRESS"
            and held.get("lifecycleStage") == "POST_TEST_TRAFFIC_SHIFT"
            and _weights(row, "test") == [100.0]
            and _weights(row) == []
            and run.demo.serving()["commit"] == run.demo.initial_commit,
        )
    )
    arn = str((row or {}).get("serviceDeploymentArn"))
    approved = approve(run.store(), StepFunctions(client=run.sfn), arn, "the ecs-approve scenario")
    run.step("operator", f"turnout approve: {'approved' if approved else 'nothing waited'}")
    checks.append(("turnout approve answered the approval", approved))
    run.wait("the deployment to finish", lambda: run.deploys_done(1), timeout=150)
    row = _row(run, commit)
    deployment = _deployment(run, row)
    checks.append(
        (
            "the deploy execution succeeded",
            all(e["status"] == "SUCCEEDED" for e in run.executions("deploy")),
        )
    )
    checks.append(
        (
            "after the approval production traffic moved, the gate passed: both PAUSE hooks "
            "continued, SUCCESSFUL",
            deployment.get("status") == "SUCCESSFUL"
            and [h.get("status") for h in _gate_hook(deployment)] == ["SUCCEEDED", "SUCCEEDED"]
            and _weights(row) == [100.0],
        )
    )
    checks.append(
        ("production traffic goes to the new commit", run.demo.serving()["commit"] == commit)
    )
    _recorded(checks, row, "succeeded")
    return row


def _approval_expires(run: Run, checks: Checks) -> dict[str, Any] | None:
    commit = run.demo.push("A change nobody approves (ECS blue/green)")
    run.wait("the approval pause", lambda: _awaiting_approval(run, commit), timeout=120)
    # when the stack asked (the driver, busy again, holds time still): the driver may have
    # noticed the pause after virtual time had already moved while it slept
    asked = _approval_requested_at(run, commit)
    run.wait("the deployment to end", lambda: run.deploys_done(1), timeout=180)
    row = _row(run, commit)
    checks.append(
        (
            "ECS waited the 20-minute approval timeout before rolling back",
            run.sandbox.runtime.clock.now() - asked >= 20 * 60,
        )
    )
    checks.append(
        (
            "no production traffic ever moved to the new revision (test traffic did)",
            max(_weights(row), default=0.0) == 0 and _weights(row, "test")[:1] == [100.0],
        )
    )
    why = "nobody approved: ECS rolled back at the approval hook's timeout"
    return _rolled_back(run, checks, commit, error="DeploymentFailed", hook="TIMED_OUT", why=why)


ECS_BODIES: dict[str, Callable[[Run, Checks], dict[str, Any] | None]] = {
    "ecs-happy": _happy,
    "ecs-unhealthy": _unhealthy,
    "ecs-gate-dies": _gate_dies,
    "ecs-orchestrator-dies": _orchestrator_dies,
    "ecs-stuck": _stuck,
    "ecs-canary": _canary,
    "ecs-approve": _approve,
    "ecs-approval-expires": _approval_expires,
}
