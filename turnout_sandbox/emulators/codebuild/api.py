"""The sandbox API of the CodeBuild emulator (no HTTP): script outcomes, start, read, stop.

Each call works on the sandbox runtime's account and region.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from turnout_sandbox.emulators.codebuild.models import (
    LOCK,
    SCRIPTABLE,
    Script,
    backend,
    find,
    snapshot,
)
from turnout_sandbox.emulators.codebuild.runner import start, stop
from turnout_sandbox.runtime import get_runtime

__all__ = ["get_build", "script_build", "start_build", "stop_build"]


def script_build(
    commit_id: str,
    outcome: Literal["SUCCEEDED", "FAILED"],
    phase: str = "BUILD",
    message: str = "Error while executing command: docker build -t $REPOSITORY_URI:$IMAGE_TAG .. "
    "Reason: exit status 1",
) -> None:
    """Decide how every later build of ``commit_id`` ends in the runtime's account and region
    (until a reset or a new script).

    ``FAILED`` fails ``phase`` (PROVISIONING..UPLOAD_ARTIFACTS) with COMMAND_EXECUTION_ERROR and
    ``message``; a failure before or in POST_BUILD means no image is pushed.
    """
    if outcome not in ("SUCCEEDED", "FAILED"):
        raise ValueError(f"script_build outcome must be SUCCEEDED or FAILED, got {outcome!r}")
    if phase not in SCRIPTABLE:
        raise ValueError(
            f"script_build phase must be one of {', '.join(SCRIPTABLE)}, got {phase!r}"
        )
    rt = get_runtime()
    scripts = backend(rt.account, rt.region).scripts
    with LOCK:
        scripts[commit_id] = Script(outcome, phase, message)


def start_build(
    project: str, source_version: str | None = None, env_overrides: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Start a build like StartBuild; returns the ``Build`` shape (datetimes, as boto3 does)."""
    rt = get_runtime()
    overrides = [
        {"name": k, "value": v, "type": "PLAINTEXT"} for k, v in (env_overrides or {}).items()
    ]
    return start(
        rt.account,
        rt.region,
        project,
        source_version=source_version,
        overrides=overrides,
        buildspec_override=None,
    )


def get_build(build_id: str) -> dict[str, Any]:
    """The current ``Build`` shape of ``build_id`` (as one entry of BatchGetBuilds)."""
    rt = get_runtime()
    return snapshot(find(rt.account, rt.region, build_id))


def stop_build(build_id: str) -> dict[str, Any]:
    rt = get_runtime()
    return stop(rt.account, rt.region, build_id)
