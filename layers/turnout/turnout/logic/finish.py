"""Record the outcome (ledger, SNS, EventBridge), release the service, start the next push."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from turnout import clock, ledger
from turnout.adapters.sfn import execution_arn as execution_arn_of
from turnout.deps import Deps
from turnout.errors import InvalidEvent
from turnout.ledger import OUTCOMES, Kind, Phase, Result, build_row, deploy_row
from turnout.observability import logger
from turnout.queue import Release, ServiceState, Slot, release


class ErrorInfo(TypedDict):
    """A Catch'ed error as the ledger stores it."""

    type: str
    message: str


def error_of(state: Mapping[str, Any]) -> ErrorInfo | None:
    """The Catch'ed ``$.error`` as {type, message}; Lambda causes are unwrapped."""
    error = state.get("error")
    if not isinstance(error, dict):
        return None
    name = str(error.get("Error", "Error"))
    cause = str(error.get("Cause", ""))
    message = cause
    try:
        parsed = json.loads(cause)
        if isinstance(parsed, dict):
            message = str(
                parsed.get("errorMessage")
                or parsed.get("message")
                or _failed_build_phase(parsed)
                or cause
            )
    except ValueError:
        pass
    return {"type": name, "message": message[:2000]}


def _failed_build_phase(cause: Mapping[str, Any]) -> str | None:
    """What a failed ``codebuild:startBuild.sync`` task's cause (the build's own JSON, in the
    integration's PascalCase) says went wrong: its failed phase, status code and message
    (CodeBuild API Reference, BuildPhase ``contexts``), e.g. ``POST_BUILD
    COMMAND_EXECUTION_ERROR: Error while executing command: docker push ...``."""
    build = cause.get("Build")
    if not isinstance(build, Mapping):
        return None
    for phase in build.get("Phases") or []:
        if not isinstance(phase, Mapping) or phase.get("PhaseStatus") not in ("FAILED", "FAULT"):
            continue
        contexts = [c for c in phase.get("Contexts") or [] if isinstance(c, Mapping)]
        said = "; ".join(f"{c.get('StatusCode', '')}: {c.get('Message', '')}" for c in contexts)
        return f"build {build.get('Id', '')} {phase.get('PhaseType', '')} {said}".rstrip()
    return None


def failure_name(error: ErrorInfo | None, kind: str, outcome: str) -> tuple[str, str]:
    """The error name and cause the execution fails with (``States.*`` is reserved)."""
    if not error:
        return ("BuildFailed" if kind == "build" else "DeploymentFailed", f"{kind} {outcome}")
    name = error["type"]
    if name.startswith("States."):
        name = {
            "States.Timeout": "WaitTimedOut",
            "States.TaskFailed": "BuildFailed" if kind == "build" else "TaskFailed",
        }.get(name, name.removeprefix("States."))
    return name, error["message"]


def _build_id_from(cause: str) -> str:
    """The build id in a failed .sync task's cause (the build's own JSON), or ""."""
    try:
        parsed = json.loads(cause)
    except ValueError:
        return ""
    return str(parsed.get("Build", {}).get("Id", "")) if isinstance(parsed, dict) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class BuildState:
    """What Finish reads of the build state machine's state."""

    attempt_id: str
    commit_id: str
    build_id: str
    manual: bool  # started by hand: no CodeCommit event (``source``) in the state
    error: ErrorInfo | None

    @classmethod
    def of(cls, state: Mapping[str, Any]) -> BuildState:
        attempt = state.get("attempt") or {}
        cause = str(_dict(state.get("error")).get("Cause", ""))
        return cls(
            attempt_id=str(attempt.get("attemptId") or ""),
            commit_id=str(attempt.get("commitId") or ""),
            build_id=str(_dict(state.get("build")).get("buildId") or _build_id_from(cause)),
            manual="source" not in state,
            error=error_of(state),
        )


@dataclass(frozen=True)
class RejectedPush:
    """What Finish reads of an ECR event the deploy state machine rejected."""

    event_id: str
    digest: str
    replay_name: str
    replayed: bool

    @classmethod
    def of(cls, state: Mapping[str, Any]) -> RejectedPush:
        return cls(
            event_id=str(state.get("id", "")),
            digest=str(_dict(state.get("detail")).get("image-digest", "")),
            replay_name=str(state.get("replay-name", "")),
            replayed=bool(state.get("replay-name")),
        )


@dataclass(frozen=True)
class DeployState:
    """What Finish reads of the deploy state machine's state.

    ``attempt`` is None when the push was rejected before it became one (``rejected``)."""

    attempt: Slot | None
    rejected: RejectedPush | None
    deployment_id: str
    task_definition_arn: str
    task_definition_revision: Any
    gate_verdict: str
    gate_reason: str
    error: ErrorInfo | None

    @classmethod
    def of(cls, state: Mapping[str, Any]) -> DeployState:
        raw = state.get("attempt")
        attempt = Slot.from_item(raw, "deploy state: attempt") if isinstance(raw, dict) else None
        render = _dict(_dict(state.get("render")).get("value"))
        gate = _dict(state.get("gate"))
        return cls(
            attempt=attempt,
            rejected=None if attempt else RejectedPush.of(state),
            deployment_id=str(_dict(state.get("deployment")).get("deploymentId", "")),
            task_definition_arn=str(render.get("taskDefinitionArn") or ""),
            task_definition_revision=render.get("revision"),
            gate_verdict=str(gate.get("verdict", "")),
            gate_reason=str(gate.get("reason") or ""),
            error=error_of(state),
        )


def finish(payload: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    kind = payload.get("kind")
    outcome = payload.get("outcome")
    state = payload.get("state")
    if kind not in tuple(Kind) or outcome not in OUTCOMES or not isinstance(state, dict):
        raise InvalidEvent(
            f"finish input: kind={kind!r} outcome={outcome!r}; expected build|deploy and one of {OUTCOMES}"  # noqa: E501
        )
    execution_arn = str(payload.get("executionArn", ""))
    if kind == Kind.BUILD:
        build = BuildState.of(state)
        result = _finish_build(str(outcome), build, execution_arn, deps)
        error = build.error
    else:
        deploy = DeployState.of(state)
        result = _finish_deploy(str(outcome), deploy, execution_arn, deps)
        error = deploy.error
    name, cause = failure_name(error, str(kind), str(outcome))
    return result | {"errorName": name, "cause": cause}


def _finish_build(
    outcome: str, state: BuildState, execution_arn: str, deps: Deps
) -> dict[str, Any]:
    cfg = deps.config
    now = clock.now()
    attempt_id = state.attempt_id or clock.new_attempt_id(now)
    existing = deps.store.get_attempt(cfg.service_key, attempt_id) or {"startedAt": now}
    fields = build_row(
        result=outcome,
        phase=Phase.BUILT if outcome == Result.SUCCEEDED else Phase.FAILED,
        buildId=state.build_id,
        executionArn=execution_arn,
    ) | ledger.ended(float(existing.get("startedAt") or now), now)
    if "trigger" not in existing:
        fields |= {"trigger": "manual" if state.manual else "push"} | ledger.started(now)
    if state.error:
        fields["error"] = state.error
    row = deps.store.put_attempt(cfg.service_key, attempt_id, fields)
    if state.commit_id and state.build_id:
        recorded: dict[str, Any] = {"buildId": state.build_id, "buildResult": outcome}
        if outcome == Result.SUCCEEDED:
            from turnout.logic.resolve_image import built_digest  # lazy: a built commit only

            # The digest this build pushed under the commit-id tag (whole or shortened): the
            # only one a push of this commit may deploy (image provenance, security-review
            # row 3; short tags: issue 8 item 5).
            recorded["digest"] = built_digest(deps.ecr, state.commit_id)
            recorded["builtAt"] = now
        deps.store.put_build(cfg.service_key, state.commit_id, recorded)
        if outcome == Result.SUCCEEDED and recorded["digest"]:
            # The newest successful build: a reconciliation deploys it if its ECR push event
            # never started a deploy (turnout.reconcile).
            deps.store.put_latest_build(cfg.service_key, state.commit_id, state.build_id, now)
    _notify(deps, "build", outcome, row)
    return {"attemptId": attempt_id, "result": outcome}


def _finish_deploy(
    outcome: str, state: DeployState, execution_arn: str, deps: Deps
) -> dict[str, Any]:
    cfg = deps.config
    service = cfg.service_key
    now = clock.now()
    slot = state.attempt
    if slot is None:
        return _record_rejected_event(state, execution_arn, deps, now)
    existing = deps.store.get_attempt(service, slot.attempt_id) or {
        "startedAt": slot.received_at or now
    }
    build = deps.store.get_build(service, slot.commit_id) or {}
    fields = deploy_row(
        slot,
        execution_arn=execution_arn,
        result=outcome,
        phase=outcome,
        buildId=str(build.get("buildId", "")),
        deploymentId=state.deployment_id,
    ) | ledger.ended(float(existing.get("startedAt") or now), now)
    if state.task_definition_arn:
        fields |= {
            "taskDefinitionArn": state.task_definition_arn,
            "taskDefinitionRevision": state.task_definition_revision,
        }
    if "startedAt" not in existing or "startedAtIso" not in existing:
        fields |= ledger.started(slot.received_at or now)
    if state.error:
        fields["error"] = state.error
    if state.gate_reason:
        fields["gateReason"] = state.gate_reason
        fields["gateVerdict"] = state.gate_verdict
    row = deps.store.put_attempt(service, slot.attempt_id, fields)

    released = release_and_start_next(deps, slot.attempt_id, succeeded=outcome == Result.SUCCEEDED)
    _notify(deps, "deploy", outcome, row)
    return {
        "attemptId": slot.attempt_id,
        "result": outcome,
        "released": released.released,
        "next": released.next.attempt_id if released.next else None,
    }


def release_and_start_next(deps: Deps, attempt_id: str, *, succeeded: bool) -> Release:
    """Release the service's slot held by ``attempt_id``; start the queued push, if any.

    The queued push's slot names the execution its hand-off starts (named after the
    attempt), so admission can tell a slot whose execution ended from one still running."""
    cfg = deps.config
    service = cfg.service_key

    def execution_of(next_attempt: str) -> str:
        return execution_arn_of(cfg.deploy_state_machine_arn, next_attempt)

    def end(current: ServiceState) -> tuple[ServiceState, Release]:
        result = release(current, attempt_id, succeeded=succeeded, execution_of=execution_of)
        return result.state, result

    released = deps.store.change_state(service, end)
    if released.next is not None:
        nxt = released.next
        deps.store.put_attempt(
            service,
            nxt.attempt_id,
            {
                "result": Result.RUNNING.value,
                "phase": Phase.RENDERING.value,
                "reason": f"started after attempt {attempt_id}",
            },
        )
        started_next = deps.sfn.start(
            # Only the attempt id: the deploy machine re-reads the slot (aws-fidelity row 33).
            cfg.deploy_state_machine_arn,
            nxt.attempt_id,
            {"handoff": {"attemptId": nxt.attempt_id}},
        )
        logger.info(
            "next queued push started", extra={"attempt": nxt.attempt_id, "execution": started_next}
        )
    return released


def _record_rejected_event(
    state: DeployState, execution_arn: str, deps: Deps, now: float
) -> dict[str, Any]:
    pushed = state.rejected or RejectedPush("", "", "", replayed=False)
    attempt_id = clock.new_attempt_id(now)
    fields = (
        deploy_row(
            result=Result.REJECTED,
            phase=Phase.REJECTED,
            trigger="replay" if pushed.replayed else "push",
            digest=pushed.digest,
            eventId=pushed.event_id,
            replayName=pushed.replay_name,
            executionArn=execution_arn,
        )
        | ledger.started(now)
        | {"endedAt": now, "endedAtIso": clock.iso(now), "durationSeconds": 0}
    )
    if state.error:
        fields["error"] = state.error
    row = deps.store.put_attempt(deps.config.service_key, attempt_id, fields)
    _notify(deps, "deploy", Result.REJECTED.value, row)
    return {
        "attemptId": attempt_id,
        "result": Result.REJECTED.value,
        "released": False,
        "next": None,
    }


def _notify(deps: Deps, kind: str, outcome: str, row: Mapping[str, Any]) -> None:
    cfg = deps.config
    commit = str(row.get("commitId", ""))[:12]
    subject = f"turnout: {cfg.service} {kind} {outcome.replace('_', ' ')}" + (
        f" (commit {commit})" if commit else ""
    )
    detail = {k: v for k, v in row.items() if k not in ("pk", "sk")} | {
        "stack": cfg.stack_name,
        "serviceName": cfg.service,
    }
    title = "Deployment" if kind == "deploy" else "Build"
    deps.notifier.publish(subject, f"turnout {title} Finished", detail)
    logger.info(
        "outcome recorded",
        extra={"kind": kind, "outcome": outcome, "attempt": row.get("attemptId")},
    )
