"""Build input -> a commit that exists. Accepts the CodeCommit push event or a manual
``{"commitId": ...}`` / ``{"branch": ...}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from turnout import clock
from turnout.deps import Deps
from turnout.errors import InvalidEvent
from turnout.ledger import Phase, Result, build_row, started
from turnout.logic.ignore import ignored
from turnout.observability import logger

#: Beyond the build's own timeouts: CodeBuild's finalizing and status report, and the
#: optimized integration's polling of the build, before Step Functions sees the end.
BUILD_TASK_MARGIN_SECONDS = 600


def build_task_timeout_seconds(build_minutes: int, queued_minutes: int) -> int:
    """BuildImage's timeout (aws-fidelity row 13): a build may wait in the queue for its
    queued timeout, then run for its build timeout (CodeBuild "queuedTimeoutInMinutes: The
    number of minutes a build is allowed to be queued before it times out"; "timeoutInMinutes:
    How long ... for CodeBuild to wait before timing out any related build that did not get
    marked as completed": botocore codebuild CreateProject). A task timeout shorter than both
    records a failure while the build may still push its image."""
    return (build_minutes + queued_minutes) * 60 + BUILD_TASK_MARGIN_SECONDS


def _repeated_delivery(deps: Deps, event_id: str, execution_arn: str) -> dict[str, Any] | None:
    """The Ignored answer for a push event delivered again (None on its first delivery).

    EventBridge delivers at least once: "in rare cases, the same rule can be triggered more
    than once for a single event" (EventBridge UG, "Troubleshooting Amazon EventBridge"), and
    each delivery starts an execution of its own; the second must not build the commit again.
    The marker names the execution that took it, so the same execution retrying this task
    (after a timeout or crash that came after the marker was written) still builds."""
    if not execution_arn or deps.store.first_delivery(
        deps.config.service_key, event_id, clock.now(), attempt_id=execution_arn
    ):
        return None  # (the build machine always passes $$.Execution.Id)
    reason = f"push event {event_id} was already delivered: another execution builds it"
    logger.info("duplicate push delivery", extra={"event_id": event_id})
    return {"ignored": True, "reason": reason}


def resolve_commit(payload: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    from turnout.models import parse_event
    from turnout.models.codecommit import CodeCommitStateChangeEvent, ManualBuildInput

    cfg = deps.config
    raw = payload.get("input")
    if not isinstance(raw, dict):
        raise InvalidEvent(
            'build input: expected a JSON object such as {"commitId": "<40 hex>"} or {"branch": "master"}'  # noqa: E501
        )
    if raw.get("source") == "aws.codecommit":
        event = parse_event(CodeCommitStateChangeEvent, raw, "CodeCommit Repository State Change")
        d = event.detail
        answer = ignored(
            "push",
            event.id,
            [
                (
                    d.repository_name != cfg.repository,
                    f"repository {d.repository_name!r} is not {cfg.repository!r}",
                ),
                (
                    d.reference_type != "branch",
                    f"reference type {d.reference_type!r} is not a branch",
                ),
                (
                    d.reference_name != cfg.branch,
                    f"branch {d.reference_name!r} is not {cfg.branch!r}",
                ),
                (
                    d.event not in ("referenceCreated", "referenceUpdated"),
                    f"event {d.event!r} is not a push",
                ),
            ],
        )
        if answer is not None:
            return answer
        commit_id, branch, trigger = d.commit_id, d.reference_name, "push"
        deps.codecommit.commit(commit_id)
        repeated = _repeated_delivery(deps, event.id, str(payload.get("executionArn", "")))
        if repeated is not None:
            return repeated
    else:
        manual = parse_event(ManualBuildInput, raw, "manual build input")
        if manual.commit_id:
            commit_id, branch = manual.commit_id, None
            deps.codecommit.commit(commit_id)
        else:
            branch = manual.branch or cfg.branch
            commit_id = deps.codecommit.branch_head(branch)
        trigger = "manual"
    now = clock.now()
    attempt_id = clock.new_attempt_id(now)
    execution_arn = str(payload.get("executionArn", ""))
    deps.store.put_attempt(
        cfg.service_key,
        attempt_id,
        build_row(
            trigger=trigger,
            commitId=commit_id,
            branch=branch or "",
            result=Result.RUNNING,
            phase=Phase.BUILDING,
        )
        | started(now)
        | {"executionArn": execution_arn},
    )
    deps.store.put_build(
        cfg.service_key,
        commit_id,
        {"attemptId": attempt_id, "trigger": trigger, "executionArn": execution_arn},
    )
    logger.info(
        "build admitted", extra={"commit": commit_id, "trigger": trigger, "attempt": attempt_id}
    )
    return {
        "ignored": False,
        "buildTaskTimeoutSeconds": build_task_timeout_seconds(
            cfg.build_timeout_minutes, cfg.build_queued_timeout_minutes
        ),
        "attempt": {
            "attemptId": attempt_id,
            "commitId": commit_id,
            "branch": branch or "",
            "trigger": trigger,
            "repository": cfg.repository,
        },
    }
