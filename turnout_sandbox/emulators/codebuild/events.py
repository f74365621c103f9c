"""The build's events, with AWS's detail shapes: ``CodeBuild Build State Change`` (IN_PROGRESS,
then SUCCEEDED/FAILED/STOPPED) and ``CodeBuild Build Phase Change``
(https://docs.aws.amazon.com/codebuild/latest/userguide/sample-build-notifications.html),
put through :func:`turnout_sandbox.runtime.Runtime.put_event`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from turnout_sandbox.emulators.codebuild.models import LOCK, Build
from turnout_sandbox.runtime import get_runtime

__all__ = ["emit_phase", "emit_state"]


def _event_time(value: datetime | None) -> str | None:
    """CodeBuild events' time format, e.g. ``Sep 1, 2017 4:12:29 PM``."""
    if value is None:
        return None
    return value.strftime("%b %-d, %Y %-I:%M:%S %p")


def _additional_information(build: Build) -> dict[str, Any]:
    with LOCK:
        data = copy.deepcopy(build.data)
    env = data["environment"]
    info: dict[str, Any] = {
        "build-complete": data["buildComplete"],
        "initiator": data["initiator"],
        "build-start-time": _event_time(data["startTime"]),
        "build-number": data["buildNumber"],
        "source": {
            k: v for k, v in data["source"].items() if k in ("location", "type", "buildspec")
        },
        "environment": {
            "image": env.get("image"),
            "privileged-mode": bool(env.get("privilegedMode", False)),
            "compute-type": env.get("computeType"),
            "type": env.get("type"),
            "environment-variables": env.get("environmentVariables", []),
        },
        "timeout-in-minutes": data["timeoutInMinutes"],
        "queued-timeout-in-minutes": data["queuedTimeoutInMinutes"],
        "logs": {
            "group-name": data["logs"]["groupName"],
            "stream-name": data["logs"]["streamName"],
            "deep-link": data["logs"]["deepLink"],
        },
        "phases": [
            {
                k: v
                for k, v in {
                    "phase-context": [
                        f"{c['statusCode']}: {c['message']}" for c in p.get("contexts", [])
                    ],
                    "start-time": _event_time(p.get("startTime")),
                    "end-time": _event_time(p.get("endTime")),
                    "duration-in-seconds": p.get("durationInSeconds"),
                    "phase-type": p["phaseType"],
                    "phase-status": p.get("phaseStatus"),
                }.items()
                if v is not None
            }
            for p in data["phases"]
        ],
    }
    if "sourceVersion" in data:
        info["source-version"] = data["sourceVersion"]
    if "resolvedSourceVersion" in data:
        info["resolved-source-version"] = data["resolvedSourceVersion"]
    return info


def emit_state(build: Build) -> None:
    with LOCK:
        status = build.data["buildStatus"]
        phase = build.data["currentPhase"]
        build.events.append(status)
    detail = {
        "build-status": status,
        "project-name": build.data["projectName"],
        "build-id": build.data["arn"],
        "additional-information": _additional_information(build),
        "current-phase": phase,
        "current-phase-context": "[]",
        "version": "1",
    }
    get_runtime().put_event(
        "aws.codebuild", "CodeBuild Build State Change", detail, [build.data["arn"]]
    )


def emit_phase(build: Build, phase: Mapping[str, Any]) -> None:
    contexts = [f"{c['statusCode']}: {c['message']}" for c in phase.get("contexts", [])]
    detail = {
        "completed-phase": phase["phaseType"],
        "project-name": build.data["projectName"],
        "build-id": build.data["arn"],
        "completed-phase-context": json.dumps(contexts),
        "additional-information": _additional_information(build),
        "completed-phase-status": phase.get("phaseStatus"),
        "completed-phase-duration-seconds": phase.get("durationInSeconds"),
        "version": "1",
        "completed-phase-start": _event_time(phase.get("startTime")),
        "completed-phase-end": _event_time(phase.get("endTime")),
    }
    get_runtime().put_event(
        "aws.codebuild", "CodeBuild Build Phase Change", detail, [build.data["arn"]]
    )
