"""The ledger (one row per push/build/deploy attempt) as history records and tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from turnout.ledger import RUNNING_RESULTS, TERMINAL_RESULTS, Kind
from turnout_cli.parsing import human_duration, iso, short_commit, short_digest

__all__ = [
    "HISTORY_COLUMNS",
    "RUNNING_RESULTS",
    "TERMINAL_RESULTS",
    "deployment_cell",
    "history_rows",
    "is_push",
    "record",
    "records",
]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def record(row: Mapping[str, Any], now: float) -> dict[str, Any]:
    """One history object: what was deployed, how it was triggered, how it ended and when."""
    started = _number(row.get("startedAt"))
    ended = _number(row.get("endedAt"))
    duration = _number(row.get("durationSeconds"))
    result = str(row.get("result") or "unknown")
    if duration is None and started is not None:
        if ended is not None:
            duration = round(ended - started, 3)
        elif result in RUNNING_RESULTS:
            duration = round(max(0.0, now - started), 3)
    revision = row.get("taskDefinitionRevision")
    error = row.get("error") if isinstance(row.get("error"), dict) else None
    return {
        "attemptId": str(row.get("attemptId", "")),
        "kind": str(row.get("kind", "")),
        "trigger": str(row.get("trigger", "")),
        "commitId": str(row.get("commitId", "")),
        "digest": str(row.get("digest", "")),
        "taskDefinitionArn": str(row.get("taskDefinitionArn", "")),
        "taskDefinitionRevision": int(revision)
        if isinstance(revision, int | float) and not isinstance(revision, bool)
        else None,
        "deploymentId": str(row.get("deploymentId", "")),
        # rows of the CodeDeploy engine carry no engine field (it came with DeploymentEngine)
        "engine": str(row.get("engine") or ("codedeploy" if row.get("kind") == "deploy" else "")),
        "serviceDeploymentArn": str(row.get("serviceDeploymentArn", "")),
        "result": result,
        "phase": str(row.get("phase", "")),
        "startedAt": iso(started) if started is not None else "",
        "endedAt": iso(ended) if ended is not None else "",
        "durationSeconds": duration,
        "eventId": str(row.get("eventId", "")),
        "replayName": str(row.get("replayName", "")),
        "buildId": str(row.get("buildId", "")),
        "executionArn": str(row.get("executionArn", "")),
        "reason": str(row.get("reason") or row.get("gateReason") or ""),
        "error": {"type": str(error.get("type", "")), "message": str(error.get("message", ""))}
        if error
        else None,
    }


def records(rows: Sequence[Mapping[str, Any]], now: float) -> list[dict[str, Any]]:
    """Newest first (attempt ids sort by time)."""
    ordered = sorted(rows, key=lambda r: str(r.get("attemptId") or r.get("sk") or ""), reverse=True)
    return [record(r, now) for r in ordered]


#: Times are UTC (the ledger's clock): the column says so (aws-fidelity row 40).
HISTORY_COLUMNS = (
    "TIME (UTC)",
    "TRIGGER",
    "KIND",
    "COMMIT",
    "DIGEST",
    "TASK DEF",
    "DEPLOYMENT",
    "RESULT",
    "DURATION",
    "ENGINE",
)


def history_rows(items: Sequence[Mapping[str, Any]]) -> list[tuple[str, ...]]:
    """The table cells of history records (pure: the renderer only lays them out)."""
    out: list[tuple[str, ...]] = []
    for item in items:
        revision = item.get("taskDefinitionRevision")
        result = str(item["result"]).replace("_", " ")
        if item.get("error"):
            result += f" ({item['error']['type']})"
        out.append(
            (
                str(item["startedAt"]).replace("T", " ").removesuffix("Z"),
                str(item["trigger"]),
                str(item["kind"]),
                short_commit(item["commitId"]),
                short_digest(item["digest"]),
                f"rev {revision}" if revision is not None else "",
                deployment_cell(str(item["deploymentId"])),
                result,
                human_duration(item["durationSeconds"]),
                str(item.get("engine", "")),
            )
        )
    return out


def deployment_cell(deployment_id: str) -> str:
    """A CodeDeploy id as it is; an ECS service deployment ARN by its id (the last part of
    ``arn:...:service-deployment/<cluster>/<service>/<id>``; the JSON output keeps the ARN)."""
    if deployment_id.startswith("arn:") and ":service-deployment/" in deployment_id:
        return deployment_id.rsplit("/", 1)[-1]
    return deployment_id


def is_push(row: Mapping[str, Any]) -> bool:
    """A row that stands for an original ECR push event (what the archive holds)."""
    return (
        str(row.get("kind", "")) == Kind.DEPLOY
        and str(row.get("trigger", "")) != "replay"
        and bool(row.get("eventId"))
        and _number(row.get("startedAt")) is not None
    )
