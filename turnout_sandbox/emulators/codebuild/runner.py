"""The build runner: StartBuild's ``Build``, then AWS's phases walked on the virtual clock.

A build of a project created through moto's ``create_project`` runs at ``sourceVersion`` (a
commit id, branch or ``refs/heads/<b>`` of the project's CodeCommit repository, resolved
through :mod:`turnout_sandbox.emulators.codecommit`), with ``environmentVariablesOverride``
merged over the project's environment variables. Each phase ends at its planned virtual time
(:data:`~.models.PHASE_SECONDS`); in-progress phases carry no ``phaseStatus``, as on AWS.
DOWNLOAD_SOURCE fails with CLIENT_ERROR for an unknown source version (and checks the
buildspec, :mod:`.buildspec`); POST_BUILD pushes the image (:mod:`.image`) into the ECR
repository named by ``REPOSITORY_URI`` through :func:`turnout_sandbox.emulators.ecr.push_image`,
tagged with the commit id (or ``COMMIT_ID``; the resolved commit's first N characters where
the buildspec shortens it so, :func:`.buildspec.commit_tag_length`) and ``IMAGE_TAG``
(default ``latest``); a failed phase skips to FINALIZING (no image is pushed).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from moto.codebuild.models import codebuild_backends

from turnout_sandbox.emulators import codecommit, ecr
from turnout_sandbox.emulators.codebuild.buildspec import DEFAULT_BUILDSPEC, check_buildspec
from turnout_sandbox.emulators.codebuild.events import emit_phase, emit_state
from turnout_sandbox.emulators.codebuild.image import build_manifest
from turnout_sandbox.emulators.codebuild.models import (
    LOCK,
    PHASE_SECONDS,
    PHASES,
    Build,
    CodeBuildError,
    Failure,
    at,
    backend,
    find,
    snapshot,
)
from turnout_sandbox.emulators.codebuild.service_role import (
    authorize_phase,
    authorize_push,
    log_group,
)
from turnout_sandbox.runtime import get_runtime

__all__ = ["start", "stop"]


def _repository_from_location(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")


def _merge_env(
    project_env: Sequence[Mapping[str, Any]], overrides: Sequence[Mapping[str, Any]]
) -> list[dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for i, var in enumerate([*project_env, *overrides]):
        name = var.get("name")
        if not name:
            raise CodeBuildError(
                "InvalidInputException", f"environment variable #{i} has no name: {dict(var)}"
            )
        merged[str(name)] = {
            "name": str(name),
            "value": str(var.get("value", "")),
            "type": str(var.get("type") or "PLAINTEXT"),
        }
    return list(merged.values())


def start(
    account: str,
    region: str,
    project_name: str,
    *,
    source_version: str | None,
    overrides: Sequence[Mapping[str, Any]],
    buildspec_override: str | None,
) -> dict[str, Any]:
    project = codebuild_backends[account][region].codebuild_projects.get(project_name)
    if project is None:
        raise CodeBuildError(
            "ResourceNotFoundException",
            f"Project cannot be found: arn:aws:codebuild:{region}:{account}:project/{project_name}",
        )
    meta: dict[str, Any] = project.project_metadata
    source: dict[str, Any] = copy.deepcopy(meta.get("source") or {})
    environment: dict[str, Any] = copy.deepcopy(meta.get("environment") or {})
    env_list = _merge_env(environment.get("environmentVariables") or [], overrides)
    environment["environmentVariables"] = env_list
    version = source_version or meta.get("sourceVersion")
    build_uuid = str(uuid.uuid4())
    build_id = f"{project_name}:{build_uuid}"
    started = get_runtime().clock.now()
    now = at(started)
    emulated = backend(account, region)
    with LOCK:
        numbers = emulated.numbers
        numbers[project_name] = numbers.get(project_name, 0) + 1
        number = numbers[project_name]
    group = log_group(meta, project_name)
    data: dict[str, Any] = {
        "id": build_id,
        "arn": f"arn:aws:codebuild:{region}:{account}:build/{build_id}",
        "buildNumber": number,
        "startTime": now,
        "currentPhase": "QUEUED",
        "buildStatus": "IN_PROGRESS",
        "projectName": project_name,
        "phases": [
            {
                "phaseType": "SUBMITTED",
                "phaseStatus": "SUCCEEDED",
                "startTime": now,
                "endTime": now,
                "durationInSeconds": 0,
            },
            {"phaseType": "QUEUED", "startTime": now},
        ],
        "source": source,
        "secondarySources": [],
        "secondarySourceVersions": [],
        "artifacts": {"location": ""},
        "cache": meta.get("cache") or {"type": "NO_CACHE"},
        "environment": environment,
        "serviceRole": meta.get("serviceRole"),
        "logs": (
            {
                "groupName": group,
                "streamName": build_uuid,
                "deepLink": (
                    f"https://console.aws.amazon.com/cloudwatch/home?region={region}"
                    f"#logEvent:group={group};stream={build_uuid}"
                ),
            }
            if group is not None
            else {}
        ),
        "timeoutInMinutes": meta.get("timeoutInMinutes") or 60,
        "queuedTimeoutInMinutes": meta.get("queuedTimeoutInMinutes") or 480,
        "buildComplete": False,
        "initiator": "turnout-sandbox",
        "encryptionKey": meta.get("encryptionKey"),
    }
    if version:
        data["sourceVersion"] = version
    repository = None
    if source.get("type") == "CODECOMMIT" and source.get("location"):
        repository = _repository_from_location(str(source["location"]))
    build = Build(
        account=account,
        region=region,
        data=data,
        repository=repository,
        env={v["name"]: v["value"] for v in env_list},
        buildspec=buildspec_override or str(source.get("buildspec") or DEFAULT_BUILDSPEC),
        phase_started=started,
    )
    with LOCK:
        emulated.builds[build_id] = build
    get_runtime().clock.call_later(0, lambda: _begin(build), name=f"codebuild {build_id}")
    return snapshot(build)


def _begin(build: Build) -> None:
    emit_state(build)
    _schedule(build)


def _schedule(build: Build) -> None:
    """Run the end of the current phase at its planned virtual time.

    Phases end at ``start + PHASE_SECONDS`` whatever the real cost of the event deliveries in
    between, so a build's recorded phases always add up to the same virtual duration.
    """
    clock = get_runtime().clock
    with LOCK:
        phase = PHASES[build.phase_index]
        due = build.phase_started + PHASE_SECONDS[phase]
    clock.call_later(
        due - clock.now(), lambda: _advance(build), name=f"codebuild {build.data['id']} {phase}"
    )


def _run_phase(build: Build, phase: str) -> Failure | None:
    """Do the work of ``phase`` (outside the lock); return its failure, if any."""
    denied = authorize_phase(build, phase)  # the service role's calls (IAM enforcement)
    if denied is not None:
        return denied
    if phase == "DOWNLOAD_SOURCE":
        failure = _download_source(build)
        if failure is not None:
            return failure
    script = backend(build.account, build.region).scripts.get(build.commit_id or "")
    if script is not None and script.outcome == "FAILED" and script.phase == phase:
        return Failure("COMMAND_EXECUTION_ERROR", script.message)
    if phase == "POST_BUILD":
        return _push_image(build)
    return None


def _download_source(build: Build) -> Failure | None:
    source_type = build.data["source"].get("type")
    version = build.data.get("sourceVersion")
    if build.repository is None:
        return Failure(
            "CLIENT_ERROR",
            f"source type {source_type!r} with location "
            f"{build.data['source'].get('location')!r} is not emulated (only CODECOMMIT)",
        )
    try:
        commit_id = codecommit.resolve_commit(build.repository, version)
        commit = codecommit.get_commit(build.repository, commit_id)
    except codecommit.CodeCommitError as exc:
        shown = version if version is not None else "<default branch>"
        return Failure(
            "CLIENT_ERROR",
            f"reference not found for primary source and source version {shown} "
            f"({exc.error_code}: {exc.message})",
        )
    with LOCK:
        build.commit_id = commit.commit_id
        build.data["resolvedSourceVersion"] = commit.commit_id
        build.env.setdefault("CODEBUILD_RESOLVED_SOURCE_VERSION", commit.commit_id)
    return check_buildspec(build, commit.commit_id)


def _push_image(build: Build) -> Failure | None:
    uri = build.env.get("REPOSITORY_URI")
    if not uri or "/" not in uri:
        return Failure(
            "COMMAND_EXECUTION_ERROR",
            f"Error while executing command: docker push: environment variable "
            f"REPOSITORY_URI={uri!r} does not name an ECR repository (<registry>/<name>)",
        )
    repo_name = uri.split("/", 1)[1].split(":", 1)[0]
    commit_id = str(build.commit_id)
    commit = codecommit.get_commit(str(build.repository), commit_id)
    commit_tag = (
        commit_id[: build.commit_tag_length]  # the buildspec shortens the resolved commit
        if build.commit_tag_length < len(commit_id)
        else build.env.get("COMMIT_ID") or commit_id
    )
    tags = list(dict.fromkeys([commit_tag, build.env.get("IMAGE_TAG") or "latest"]))
    manifest = build_manifest(commit_id, commit.tree_id)
    for index, tag in enumerate(tags):  # one docker push per tag, in the buildspec's order
        denied = authorize_push(build, uri, tag, first=index == 0)
        if denied is not None:
            return denied  # the tags pushed before stay, as after a failing docker push
        try:
            digest = ecr.push_image(
                repo_name, manifest, [tag], account=build.account, region=build.region
            )
        except Exception as exc:  # any registry error fails the phase like a failing docker push
            return Failure(
                "COMMAND_EXECUTION_ERROR",
                f"Error while executing command: docker push {uri}. Reason: "
                f"{getattr(exc, 'code', type(exc).__name__)}: {getattr(exc, 'message', exc)}",
            )
        with LOCK:
            build.image_digest = digest
    return None


def _is_done(build: Build) -> bool:
    return build.done


def _advance(build: Build) -> None:
    with LOCK:
        if build.done:
            return
        phase = PHASES[build.phase_index]
    failure = _run_phase(build, phase)
    with LOCK:
        if _is_done(build):  # stopped while the phase ran
            return
        build.phase_started += PHASE_SECONDS[phase]
        now = at(build.phase_started)
        current = build.data["phases"][-1]
        current["endTime"] = now
        current["durationInSeconds"] = int((now - current["startTime"]).total_seconds())
        current["phaseStatus"] = "FAILED" if failure else "SUCCEEDED"
        if failure is not None:
            build.failure = failure
            current["contexts"] = [{"statusCode": failure.status_code, "message": failure.message}]
            next_index = PHASES.index("FINALIZING") if phase != "FINALIZING" else len(PHASES) - 1
        else:
            next_index = build.phase_index + 1
        build.phase_index = next_index
        next_phase = PHASES[next_index]
        build.data["phases"].append({"phaseType": next_phase, "startTime": now})
        build.data["currentPhase"] = next_phase
        if next_phase == "COMPLETED":
            build.done = True
            build.data["buildComplete"] = True
            build.data["endTime"] = now
            build.data["buildStatus"] = "FAILED" if build.failure else "SUCCEEDED"
    emit_phase(build, current)
    if build.done:
        emit_state(build)
    else:
        _schedule(build)


def stop(account: str, region: str, build_id: str) -> dict[str, Any]:
    build = find(account, region, build_id)
    with LOCK:
        if build.done:
            return snapshot(build)
        now = at(max(get_runtime().clock.now(), build.phase_started))
        current = build.data["phases"][-1]
        current["endTime"] = now
        current["durationInSeconds"] = int((now - current["startTime"]).total_seconds())
        current["phaseStatus"] = "STOPPED"
        build.data["phases"].append({"phaseType": "COMPLETED", "startTime": now})
        build.data.update(
            currentPhase="COMPLETED", buildStatus="STOPPED", buildComplete=True, endTime=now
        )
        build.done = True
        stopped = snapshot(build)
    emit_state(build)
    return stopped
