"""CodeBuild builds that walk AWS's phases on the virtual clock and push a real image.

moto 5.2.5's StartBuild runs nothing and BatchGetBuilds flips a build to SUCCEEDED on first
read. This module replaces StartBuild, BatchGetBuilds, StopBuild, ListBuildsForProject and
ListBuilds on moto's ``CodeBuildResponse`` with an emulation:

- a build of a project created through moto's ``create_project`` at ``sourceVersion`` (a
  commit id, branch or ``refs/heads/<b>`` of the project's CodeCommit repository, resolved
  through :mod:`turnout_sandbox.emulators.codecommit`), with ``environmentVariablesOverride``
  merged over the project's environment variables;
- phases SUBMITTED → QUEUED → PROVISIONING → DOWNLOAD_SOURCE → INSTALL → PRE_BUILD → BUILD →
  POST_BUILD → UPLOAD_ARTIFACTS → FINALIZING → COMPLETED, timed on the virtual clock (about 90
  virtual seconds); in-progress phases carry no ``phaseStatus``, as on AWS;
- DOWNLOAD_SOURCE fails with CLIENT_ERROR for an unknown source version and with
  YAML_FILE_ERROR for a missing or malformed buildspec (``source.buildspec`` path, inline
  buildspec, or ``buildspec.yml``);
- POST_BUILD "pushes the image": a Docker manifest v2 whose config and layer digests derive
  from the commit's tree, put into the ECR repository named by ``REPOSITORY_URI`` through
  :func:`turnout_sandbox.emulators.ecr.push_image`, tagged with the commit id (or ``COMMIT_ID``)
  and with ``IMAGE_TAG`` (default ``latest``);
- a failed phase skips to FINALIZING (no image is pushed);
- ``CodeBuild Build State Change`` (IN_PROGRESS, then SUCCEEDED/FAILED/STOPPED) and
  ``CodeBuild Build Phase Change`` events with AWS's detail shape.

Outcomes are scriptable per commit with :func:`script_build`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

import yaml
from moto.codebuild.models import codebuild_backends
from moto.codebuild.responses import CodeBuildResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult

from turnout_sandbox.emulators import codecommit, ecr
from turnout_sandbox.runtime import get_runtime

__all__ = [
    "PHASE_SECONDS",
    "CodeBuildError",
    "build_manifest",
    "get_build",
    "install",
    "reset",
    "script_build",
    "start_build",
    "stop_build",
]

#: Virtual seconds each phase takes (about 90 in all). SUBMITTED and COMPLETED are instants.
PHASE_SECONDS: Final[Mapping[str, float]] = {
    "QUEUED": 2.0,
    "PROVISIONING": 15.0,
    "DOWNLOAD_SOURCE": 4.0,
    "INSTALL": 8.0,
    "PRE_BUILD": 6.0,
    "BUILD": 35.0,
    "POST_BUILD": 12.0,
    "UPLOAD_ARTIFACTS": 2.0,
    "FINALIZING": 4.0,
}
_PHASES: Final = (
    "SUBMITTED",
    "QUEUED",
    "PROVISIONING",
    "DOWNLOAD_SOURCE",
    "INSTALL",
    "PRE_BUILD",
    "BUILD",
    "POST_BUILD",
    "UPLOAD_ARTIFACTS",
    "FINALIZING",
    "COMPLETED",
)
_SCRIPTABLE: Final = _PHASES[2:-2]  # PROVISIONING .. UPLOAD_ARTIFACTS
_DEFAULT_BUILDSPEC: Final = "buildspec.yml"
_SRC_DIR: Final = "/codebuild/output/src{n}/src"
_PATCHED_MARK: Final = "__turnout_emulator__"
_BASE_LAYER_SEED: Final = b"turnout-sandbox base image layer"


class CodeBuildError(JsonRESTError):
    """An AWS CodeBuild error: ``error_code`` is the AWS error code."""

    code = 400

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(error_code, message)
        self.error_code = error_code

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}"


@dataclass(frozen=True)
class _Script:
    outcome: Literal["SUCCEEDED", "FAILED"]
    phase: str
    message: str


@dataclass
class _Failure:
    status_code: str
    message: str


@dataclass
class _Build:
    account: str
    region: str
    data: dict[str, Any]
    repository: str | None
    env: dict[str, str]
    buildspec: str
    phase_started: float = 0.0  # virtual epoch seconds the running phase started at
    phase_index: int = 1  # QUEUED is running after StartBuild
    failure: _Failure | None = None
    commit_id: str | None = None
    image_digest: str | None = None
    done: bool = False
    events: list[str] = field(default_factory=list)


_LOCK = threading.RLock()
_BUILDS: dict[tuple[str, str], dict[str, _Build]] = {}
_SCRIPTS: dict[str, _Script] = {}
_NUMBERS: dict[tuple[str, str, str], int] = {}


def _at(virtual: float) -> datetime:
    return datetime.fromtimestamp(virtual, tz=UTC)


def _event_time(value: datetime | None) -> str | None:
    """CodeBuild events' time format, e.g. ``Sep 1, 2017 4:12:29 PM``."""
    if value is None:
        return None
    return value.strftime("%b %-d, %Y %-I:%M:%S %p")


# -- scripting -----------------------------------------------------------------------------------
def script_build(
    commit_id: str,
    outcome: Literal["SUCCEEDED", "FAILED"],
    phase: str = "BUILD",
    message: str = "Error while executing command: docker build -t $REPOSITORY_URI:$IMAGE_TAG .. "
    "Reason: exit status 1",
) -> None:
    """Decide how every later build of ``commit_id`` ends (until :func:`reset` or a new script).

    ``FAILED`` fails ``phase`` (PROVISIONING..UPLOAD_ARTIFACTS) with COMMAND_EXECUTION_ERROR and
    ``message``; a failure before or in POST_BUILD means no image is pushed.
    """
    if outcome not in ("SUCCEEDED", "FAILED"):
        raise ValueError(f"script_build outcome must be SUCCEEDED or FAILED, got {outcome!r}")
    if phase not in _SCRIPTABLE:
        raise ValueError(
            f"script_build phase must be one of {', '.join(_SCRIPTABLE)}, got {phase!r}"
        )
    with _LOCK:
        _SCRIPTS[commit_id] = _Script(outcome, phase, message)


# -- the image -----------------------------------------------------------------------------------
def build_manifest(commit_id: str, tree_id: str) -> str:
    """The Docker image manifest v2 a build of ``commit_id`` (with tree ``tree_id``) pushes.

    The app layer derives from the tree, the config from tree and commit (an OCI revision
    label), so equal commits give equal digests and different commits different ones.
    """
    base = hashlib.sha256(_BASE_LAYER_SEED).hexdigest()
    app = hashlib.sha256(f"tree {tree_id}".encode()).hexdigest()
    config = json.dumps(
        {
            "architecture": "arm64",
            "os": "linux",
            "config": {
                "Labels": {
                    "org.opencontainers.image.revision": commit_id,
                    "com.turnout.tree": tree_id,
                }
            },
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{base}", f"sha256:{app}"]},
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": ecr.DOCKER_MANIFEST_V2,
        "config": {
            "mediaType": ecr.DOCKER_CONFIG_V1,
            "size": len(config),
            "digest": "sha256:" + hashlib.sha256(config).hexdigest(),
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 29_123_456,
                "digest": "sha256:" + hashlib.sha256(b"gz " + base.encode()).hexdigest(),
            },
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 1_000 + int(app[:4], 16),
                "digest": "sha256:" + hashlib.sha256(b"gz " + app.encode()).hexdigest(),
            },
        ],
    }
    return json.dumps(manifest, indent=3)


# -- starting ------------------------------------------------------------------------------------
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


def _start(
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
    now = _at(started)
    with _LOCK:
        key = (account, region, project_name)
        _NUMBERS[key] = _NUMBERS.get(key, 0) + 1
        number = _NUMBERS[key]
    group = f"/aws/codebuild/{project_name}"
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
        "logs": {
            "groupName": group,
            "streamName": build_uuid,
            "deepLink": (
                f"https://console.aws.amazon.com/cloudwatch/home?region={region}"
                f"#logEvent:group={group};stream={build_uuid}"
            ),
        },
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
    build = _Build(
        account=account,
        region=region,
        data=data,
        repository=repository,
        env={v["name"]: v["value"] for v in env_list},
        buildspec=buildspec_override or str(source.get("buildspec") or _DEFAULT_BUILDSPEC),
        phase_started=started,
    )
    with _LOCK:
        _BUILDS.setdefault((account, region), {})[build_id] = build
    get_runtime().clock.call_later(0, lambda: _begin(build), name=f"codebuild {build_id}")
    return _snapshot(build)


def _begin(build: _Build) -> None:
    _emit_state(build)
    _schedule(build)


def _schedule(build: _Build) -> None:
    """Run the end of the current phase at its planned virtual time.

    Phases end at ``start + PHASE_SECONDS`` whatever the real cost of the event deliveries in
    between, so a build's recorded phases always add up to the same virtual duration.
    """
    clock = get_runtime().clock
    with _LOCK:
        phase = _PHASES[build.phase_index]
        due = build.phase_started + PHASE_SECONDS[phase]
    clock.call_later(
        due - clock.now(), lambda: _advance(build), name=f"codebuild {build.data['id']} {phase}"
    )


# -- running ---------------------------------------------------------------------------------------
def _run_phase(build: _Build, phase: str) -> _Failure | None:
    """Do the work of ``phase`` (outside the lock); return its failure, if any."""
    if phase == "DOWNLOAD_SOURCE":
        failure = _download_source(build)
        if failure is not None:
            return failure
    script = _SCRIPTS.get(build.commit_id or "")
    if script is not None and script.outcome == "FAILED" and script.phase == phase:
        return _Failure("COMMAND_EXECUTION_ERROR", script.message)
    if phase == "POST_BUILD":
        return _push_image(build)
    return None


def _download_source(build: _Build) -> _Failure | None:
    source_type = build.data["source"].get("type")
    version = build.data.get("sourceVersion")
    if build.repository is None:
        return _Failure(
            "CLIENT_ERROR",
            f"source type {source_type!r} with location "
            f"{build.data['source'].get('location')!r} is not emulated (only CODECOMMIT)",
        )
    try:
        commit_id = codecommit.resolve_commit(build.repository, version)
        commit = codecommit.get_commit(build.repository, commit_id)
    except codecommit.CodeCommitError as exc:
        shown = version if version is not None else "<default branch>"
        return _Failure(
            "CLIENT_ERROR",
            f"reference not found for primary source and source version {shown} "
            f"({exc.error_code}: {exc.message})",
        )
    with _LOCK:
        build.commit_id = commit.commit_id
        build.data["resolvedSourceVersion"] = commit.commit_id
        build.env.setdefault("CODEBUILD_RESOLVED_SOURCE_VERSION", commit.commit_id)
    return _check_buildspec(build, commit.commit_id)


def _check_buildspec(build: _Build, commit_id: str) -> _Failure | None:
    read = _read_buildspec(build, commit_id)
    if isinstance(read, _Failure):
        return read
    text, where = read
    try:
        parsed: object = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return _Failure("YAML_FILE_ERROR", f"{where}: {exc}")
    if not isinstance(parsed, dict):
        return _Failure("YAML_FILE_ERROR", f"{where}: the buildspec must be a YAML mapping")
    if "version" not in parsed:
        return _Failure("YAML_FILE_ERROR", f"{where}: missing 'version'")
    if str(parsed["version"]) not in ("0.1", "0.2"):
        return _Failure(
            "YAML_FILE_ERROR", f"{where}: invalid buildspec version {parsed['version']!r}"
        )
    return None


def _read_buildspec(build: _Build, commit_id: str) -> tuple[str, str] | _Failure:
    """The buildspec text and where it came from (for messages), or the failure."""
    spec = build.buildspec
    if "\n" in spec:  # an inline buildspec, as AWS accepts in source.buildspec
        return spec, "inline buildspec"
    src = _SRC_DIR.format(
        n=int(hashlib.sha256(build.data["id"].encode()).hexdigest()[:6], 16) % 999
    )
    path = spec.removeprefix("./").lstrip("/")
    try:
        text = codecommit.file_at(str(build.repository), commit_id, path).decode()
    except codecommit.CodeCommitError:
        return _Failure("YAML_FILE_ERROR", f"stat {src}/{path}: no such file or directory")
    except UnicodeDecodeError:
        return _Failure("YAML_FILE_ERROR", f"{src}/{path}: the buildspec is not UTF-8 text")
    return text, f"{src}/{path}"


def _push_image(build: _Build) -> _Failure | None:
    uri = build.env.get("REPOSITORY_URI")
    if not uri or "/" not in uri:
        return _Failure(
            "COMMAND_EXECUTION_ERROR",
            f"Error while executing command: docker push: environment variable "
            f"REPOSITORY_URI={uri!r} does not name an ECR repository (<registry>/<name>)",
        )
    repo_name = uri.split("/", 1)[1].split(":", 1)[0]
    commit_id = str(build.commit_id)
    commit = codecommit.get_commit(str(build.repository), commit_id)
    tags = [build.env.get("COMMIT_ID") or commit_id, build.env.get("IMAGE_TAG") or "latest"]
    manifest = build_manifest(commit_id, commit.tree_id)
    try:
        digest = ecr.push_image(
            repo_name, manifest, tags, account=build.account, region=build.region
        )
    except Exception as exc:  # any registry error fails the phase like a failing docker push
        return _Failure(
            "COMMAND_EXECUTION_ERROR",
            f"Error while executing command: docker push {uri}. Reason: "
            f"{getattr(exc, 'code', type(exc).__name__)}: {getattr(exc, 'message', exc)}",
        )
    with _LOCK:
        build.image_digest = digest
    return None


def _is_done(build: _Build) -> bool:
    return build.done


def _advance(build: _Build) -> None:
    with _LOCK:
        if build.done:
            return
        phase = _PHASES[build.phase_index]
    failure = _run_phase(build, phase)
    with _LOCK:
        if _is_done(build):  # stopped while the phase ran
            return
        build.phase_started += PHASE_SECONDS[phase]
        now = _at(build.phase_started)
        current = build.data["phases"][-1]
        current["endTime"] = now
        current["durationInSeconds"] = int((now - current["startTime"]).total_seconds())
        current["phaseStatus"] = "FAILED" if failure else "SUCCEEDED"
        if failure is not None:
            build.failure = failure
            current["contexts"] = [{"statusCode": failure.status_code, "message": failure.message}]
            next_index = _PHASES.index("FINALIZING") if phase != "FINALIZING" else len(_PHASES) - 1
        else:
            next_index = build.phase_index + 1
        build.phase_index = next_index
        next_phase = _PHASES[next_index]
        build.data["phases"].append({"phaseType": next_phase, "startTime": now})
        build.data["currentPhase"] = next_phase
        if next_phase == "COMPLETED":
            build.done = True
            build.data["buildComplete"] = True
            build.data["endTime"] = now
            build.data["buildStatus"] = "FAILED" if build.failure else "SUCCEEDED"
    _emit_phase(build, current)
    if build.done:
        _emit_state(build)
    else:
        _schedule(build)


def _stop(account: str, region: str, build_id: str) -> dict[str, Any]:
    build = _find(account, region, build_id)
    with _LOCK:
        if build.done:
            return _snapshot(build)
        now = _at(max(get_runtime().clock.now(), build.phase_started))
        current = build.data["phases"][-1]
        current["endTime"] = now
        current["durationInSeconds"] = int((now - current["startTime"]).total_seconds())
        current["phaseStatus"] = "STOPPED"
        build.data["phases"].append({"phaseType": "COMPLETED", "startTime": now})
        build.data.update(
            currentPhase="COMPLETED", buildStatus="STOPPED", buildComplete=True, endTime=now
        )
        build.done = True
        snapshot = _snapshot(build)
    _emit_state(build)
    return snapshot


# -- reading -----------------------------------------------------------------------------------
def _snapshot(build: _Build) -> dict[str, Any]:
    with _LOCK:
        data: dict[str, Any] = copy.deepcopy(build.data)
        return data


def _find(account: str, region: str, build_id: str) -> _Build:
    if ":" not in build_id:
        raise CodeBuildError("InvalidInputException", f"Invalid build ID provided: {build_id!r}")
    with _LOCK:
        build = _BUILDS.get((account, region), {}).get(build_id)
    if build is None:
        raise CodeBuildError("ResourceNotFoundException", f"Build {build_id} does not exist")
    return build


# -- events ------------------------------------------------------------------------------------
def _additional_information(build: _Build) -> dict[str, Any]:
    with _LOCK:
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


def _emit_state(build: _Build) -> None:
    with _LOCK:
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


def _emit_phase(build: _Build, phase: Mapping[str, Any]) -> None:
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


# -- the sandbox API ---------------------------------------------------------------------------
def start_build(
    project: str, source_version: str | None = None, env_overrides: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Start a build like StartBuild; returns the ``Build`` shape (datetimes, as boto3 does)."""
    rt = get_runtime()
    overrides = [
        {"name": k, "value": v, "type": "PLAINTEXT"} for k, v in (env_overrides or {}).items()
    ]
    return _start(
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
    return _snapshot(_find(rt.account, rt.region, build_id))


def stop_build(build_id: str) -> dict[str, Any]:
    rt = get_runtime()
    return _stop(rt.account, rt.region, build_id)


# -- moto Response methods ---------------------------------------------------------------------
def _start_build_action(self: CodeBuildResponse) -> ActionResult:
    name = self._get_param("projectName")
    if not name:
        raise CodeBuildError("InvalidInputException", "projectName is required")
    overrides = self._get_param("environmentVariablesOverride") or []
    build = _start(
        self.current_account,
        self.region,
        str(name),
        source_version=self._get_param("sourceVersion"),
        overrides=overrides,
        buildspec_override=self._get_param("buildspecOverride"),
    )
    return ActionResult({"build": build})


def _batch_get_builds_action(self: CodeBuildResponse) -> ActionResult:
    ids = self._get_param("ids") or []
    if not ids:
        raise CodeBuildError("InvalidInputException", "ids must contain at least one build ID")
    found: list[dict[str, Any]] = []
    missing: list[str] = []
    for build_id in ids:
        if ":" not in str(build_id):
            raise CodeBuildError(
                "InvalidInputException", f"Invalid build ID provided: {build_id!r}"
            )
        with _LOCK:
            build = _BUILDS.get((self.current_account, self.region), {}).get(str(build_id))
        if build is None:
            missing.append(str(build_id))
        else:
            found.append(_snapshot(build))
    return ActionResult({"builds": found, "buildsNotFound": missing})


def _stop_build_action(self: CodeBuildResponse) -> ActionResult:
    build_id = str(self._get_param("id") or "")
    return ActionResult({"build": _stop(self.current_account, self.region, build_id)})


def _ids(account: str, region: str, project: str | None, order: str | None) -> list[str]:
    with _LOCK:
        builds = list(_BUILDS.get((account, region), {}).values())
    chosen = [b for b in builds if project is None or b.data["projectName"] == project]
    ids = [b.data["id"] for b in chosen]  # insertion order = start order
    return ids if order == "ASCENDING" else list(reversed(ids))


def _list_builds_for_project_action(self: CodeBuildResponse) -> ActionResult:
    name = str(self._get_param("projectName") or "")
    if name not in codebuild_backends[self.current_account][self.region].codebuild_projects:
        raise CodeBuildError(
            "ResourceNotFoundException",
            f"The provided project arn:aws:codebuild:{self.region}:{self.current_account}"
            f":project/{name} does not exist",
        )
    return ActionResult(
        {"ids": _ids(self.current_account, self.region, name, self._get_param("sortOrder"))}
    )


def _list_builds_action(self: CodeBuildResponse) -> ActionResult:
    return ActionResult(
        {"ids": _ids(self.current_account, self.region, None, self._get_param("sortOrder"))}
    )


_ACTIONS: Final[Mapping[str, Callable[[CodeBuildResponse], ActionResult]]] = {
    "start_build": _start_build_action,
    "batch_get_builds": _batch_get_builds_action,
    "stop_build": _stop_build_action,
    "list_builds_for_project": _list_builds_for_project_action,
    "list_builds": _list_builds_action,
}


def install() -> None:
    """Replace the build actions of moto's CodeBuildResponse (idempotent)."""
    for name, fn in _ACTIONS.items():
        setattr(fn, _PATCHED_MARK, True)
        setattr(CodeBuildResponse, name, fn)


def reset() -> None:
    """Forget every build, build number and script. Running builds stop advancing."""
    with _LOCK:
        for builds in _BUILDS.values():
            for build in builds.values():
                build.done = True
        _BUILDS.clear()
        _SCRIPTS.clear()
        _NUMBERS.clear()
