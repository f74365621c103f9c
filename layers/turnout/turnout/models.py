"""The event shapes turnout consumes, as frozen dataclasses (:mod:`turnout.shapes`).

EventBridge events subclass :class:`EventBridgeEnvelope`, the envelope fields of an
EventBridge event and the top-level ``replay-name`` EventBridge adds to replayed events (the
fields of Powertools' ``EventBridgeModel``). Detail shapes read AWS's exact field names
(``to_aws()`` gives them back), while Python code reads snake_case attributes.

Shapes pin ``source`` and ``detail-type``: an event routed to the wrong handler fails
with :class:`turnout.errors.InvalidEvent` instead of being misread. Unknown detail fields
are ignored (AWS adds fields over time); enumerations that AWS may extend (``event``,
``result``, ``build-status``, ``state`` ...) are plain strings, so the logic can log an
unexpected value as "ignored" rather than fail on it.

Use :func:`parse_event` to parse: its ``InvalidEvent`` message is one line that names the
event kind, and every field path with its bad value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from turnout.errors import InvalidEvent
from turnout.shapes import (
    Problem,
    Shape,
    ShapeError,
    anything,
    key,
    mapping,
    nested,
    read,
    show,
    text,
    texts,
    timestamp,
)

__all__ = [
    "COMMIT_ID_PATTERN",
    "IMAGE_DIGEST_PATTERN",
    "CodeBuildStateChangeDetail",
    "CodeBuildStateChangeEvent",
    "CodeCommitStateChangeDetail",
    "CodeCommitStateChangeEvent",
    "CodeDeployStateChangeDetail",
    "CodeDeployStateChangeEvent",
    "EcrImageActionDetail",
    "EcrImageActionEvent",
    "EventBridgeEnvelope",
    "LifecycleHookEvent",
    "ManualBuildInput",
    "ScheduledEvent",
    "check_origin",
    "parse_event",
    "validate_branch_name",
]

#: A full git commit id as CodeCommit reports it: 40 lowercase hex characters.
COMMIT_ID_PATTERN = r"^[0-9a-f]{40}$"
#: An ECR image manifest digest.
IMAGE_DIGEST_PATTERN = r"^sha256:[0-9a-f]{64}$"

_COMMIT_ID_RE = re.compile(COMMIT_ID_PATTERN)
_HEX_RE = re.compile(r"^[0-9a-fA-F]+$")
_BRANCH_PREFIX = "refs/heads/"
#: CodeCommit's limit on branch names.
_BRANCH_MAX_LENGTH = 256
_REF_FORBIDDEN_CHARS = frozenset(" ~^:?*[\\")

_TEXT = text()
_NAME = text(min_length=1)
_COMMIT_ID = text(pattern=COMMIT_ID_PATTERN)


@dataclass(frozen=True, kw_only=True)
class EventBridgeEnvelope(Shape):
    """The envelope of an EventBridge event (EventBridge User Guide, "Amazon EventBridge
    events": version, id, detail-type, source, account, time, region, resources, detail; a
    replayed event also carries ``replay-name``, "Replaying archived events")."""

    version: str = key("version", _TEXT)
    id: str = key("id", _TEXT)
    source: str = key("source", _TEXT)
    account: str = key("account", _TEXT)
    time: datetime = key("time", timestamp())
    region: str = key("region", _TEXT)
    resources: tuple[str, ...] = key("resources", texts())
    detail_type: str = key("detail-type", _TEXT)
    detail: Any = key("detail", anything())
    replay_name: str | None = key("replay-name", _TEXT, default=None)


# --------------------------------------------------------------------------- CodeCommit


@dataclass(frozen=True, kw_only=True)
class CodeCommitStateChangeDetail(Shape):
    """``detail`` of ``CodeCommit Repository State Change`` (referenceCreated/Updated).

    ``commitId`` is required: turnout routes only referenceCreated and referenceUpdated
    here (a referenceDeleted event has no ``commitId``), so the rule should filter on
    ``detail.event``.
    """

    event: str = key("event", _TEXT)  # referenceCreated, referenceUpdated, referenceDeleted
    repository_name: str = key("repositoryName", _NAME)
    repository_id: str = key("repositoryId", _TEXT)
    reference_type: str = key("referenceType", _TEXT)  # branch or tag
    reference_name: str = key("referenceName", _NAME)
    reference_full_name: str = key("referenceFullName", _TEXT)
    commit_id: str = key("commitId", _COMMIT_ID)
    old_commit_id: str | None = key("oldCommitId", _COMMIT_ID, default=None)
    caller_user_arn: str | None = key("callerUserArn", _TEXT, default=None)
    # Present when the reference was updated by a merge (console/API merge).
    base_commit_id: str | None = key("baseCommitId", _TEXT, default=None)
    source_commit_id: str | None = key("sourceCommitId", _TEXT, default=None)
    destination_commit_id: str | None = key("destinationCommitId", _TEXT, default=None)
    merge_option: str | None = key("mergeOption", _TEXT, default=None)

    @property
    def is_branch(self) -> bool:
        return self.reference_type == "branch"


@dataclass(frozen=True, kw_only=True)
class CodeCommitStateChangeEvent(EventBridgeEnvelope):
    source: str = key("source", text(literal="aws.codecommit"))
    detail_type: str = key("detail-type", text(literal="CodeCommit Repository State Change"))
    detail: CodeCommitStateChangeDetail = key("detail", nested(CodeCommitStateChangeDetail))


# --------------------------------------------------------------------------- ECR


@dataclass(frozen=True, kw_only=True)
class EcrImageActionDetail(Shape):
    """``detail`` of ``ECR Image Action`` (PUSH or DELETE, SUCCESS or FAILURE)."""

    result: str = key("result", _TEXT)  # SUCCESS or FAILURE
    repository_name: str = key("repository-name", _NAME)
    image_digest: str = key("image-digest", text(pattern=IMAGE_DIGEST_PATTERN))
    action_type: str = key("action-type", _TEXT)  # PUSH or DELETE
    image_tag: str | None = key("image-tag", _TEXT, default=None)
    manifest_media_type: str | None = key("manifest-media-type", _TEXT, default=None)
    artifact_media_type: str | None = key("artifact-media-type", _TEXT, default=None)

    @property
    def is_successful_push(self) -> bool:
        return self.action_type == "PUSH" and self.result == "SUCCESS"


@dataclass(frozen=True, kw_only=True)
class EcrImageActionEvent(EventBridgeEnvelope):
    """An ECR push/delete event. ``replay_name`` is set when EventBridge replays it."""

    source: str = key("source", text(literal="aws.ecr"))
    detail_type: str = key("detail-type", text(literal="ECR Image Action"))
    detail: EcrImageActionDetail = key("detail", nested(EcrImageActionDetail))

    @property
    def is_replay(self) -> bool:
        return self.replay_name is not None


# --------------------------------------------------------------------------- CodeBuild


@dataclass(frozen=True, kw_only=True)
class CodeBuildStateChangeDetail(Shape):
    """``detail`` of ``CodeBuild Build State Change``."""

    # IN_PROGRESS, SUCCEEDED, FAILED, FAULT, STOPPED, TIMED_OUT
    build_status: str = key("build-status", _TEXT)
    project_name: str = key("project-name", _NAME)
    build_id: str = key("build-id", _NAME)
    additional_information: dict[str, Any] | None = key(
        "additional-information", mapping(), default=None
    )
    current_phase: str | None = key("current-phase", _TEXT, default=None)
    current_phase_context: str | None = key("current-phase-context", _TEXT, default=None)
    version: str | None = key("version", _TEXT, default=None)

    @property
    def source_version(self) -> str | None:
        """``additional-information.source-version``: the version the build was *asked* for
        (a branch, a commit id or ``refs/heads/x^{sha}``), not necessarily a commit id; the
        commit built is the build's resolved source version (aws-fidelity row 38)."""
        if self.additional_information is None:
            return None
        value = self.additional_information.get("source-version")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, kw_only=True)
class CodeBuildStateChangeEvent(EventBridgeEnvelope):
    source: str = key("source", text(literal="aws.codebuild"))
    detail_type: str = key("detail-type", text(literal="CodeBuild Build State Change"))
    detail: CodeBuildStateChangeDetail = key("detail", nested(CodeBuildStateChangeDetail))


# --------------------------------------------------------------------------- CodeDeploy


@dataclass(frozen=True, kw_only=True)
class CodeDeployStateChangeDetail(Shape):
    """``detail`` of ``CodeDeploy Deployment State-change Notification``."""

    # Optional (aws-fidelity row 31): both are in the documented sample, but no capture of an
    # ECS deployment's event shows them, and nothing here reads them; a missing one must not
    # make every event InvalidEvent (and every wait time out).
    region: str | None = key("region", _TEXT, default=None)
    deployment_id: str = key("deploymentId", _NAME)
    instance_group_id: str | None = key("instanceGroupId", _TEXT, default=None)
    deployment_group: str = key("deploymentGroup", _NAME)
    application: str = key("application", _NAME)
    state: str = key("state", _TEXT)  # START, SUCCESS, FAILURE, STOP, READY


@dataclass(frozen=True, kw_only=True)
class CodeDeployStateChangeEvent(EventBridgeEnvelope):
    source: str = key("source", text(literal="aws.codedeploy"))
    detail_type: str = key(
        "detail-type", text(literal="CodeDeploy Deployment State-change Notification")
    )
    detail: CodeDeployStateChangeDetail = key("detail", nested(CodeDeployStateChangeDetail))


@dataclass(frozen=True, kw_only=True)
class LifecycleHookEvent(Shape):
    """The payload CodeDeploy invokes a lifecycle hook Lambda with."""

    deployment_id: str = key("DeploymentId", _NAME)
    lifecycle_event_hook_execution_id: str = key("LifecycleEventHookExecutionId", _NAME)


# --------------------------------------------------------------------------- schedule


@dataclass(frozen=True, kw_only=True)
class ScheduledEvent(EventBridgeEnvelope):
    """An EventBridge schedule rule's tick (``source`` aws.events, ``detail`` {})."""

    source: str = key("source", text(literal="aws.events"))
    detail_type: str = key("detail-type", text(literal="Scheduled Event"))
    detail: dict[str, Any] = key("detail", mapping())


# --------------------------------------------------------------------------- manual input


def _branch_rule_broken(name: str) -> str | None:
    """The first git ref-name rule ``name`` breaks, or None."""
    whole_name_rules: tuple[tuple[bool, str], ...] = (
        (not name, "it is empty"),
        (
            len(name) > _BRANCH_MAX_LENGTH,
            f"it is {len(name)} characters long, CodeCommit allows {_BRANCH_MAX_LENGTH}",
        ),
        (name in {"HEAD", "@"}, f"{name!r} is reserved"),
        (name.startswith("-"), "it starts with '-'"),
        (
            name.startswith("/") or name.endswith("/") or "//" in name,
            "it has an empty path component (leading, trailing or double '/')",
        ),
        (name.endswith("."), "it ends with '.'"),
        (".." in name, "it contains '..'"),
        ("@{" in name, "it contains '@{'"),
    )
    for broken, rule in whole_name_rules:
        if broken:
            return rule
    for char in name:
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return f"it contains the control character {char!r}"
        if char in _REF_FORBIDDEN_CHARS:
            return f"it contains {char!r}"
    for component in name.split("/"):
        if component.startswith("."):
            return f"the component {component!r} starts with '.'"
        if component.endswith(".lock"):
            return f"the component {component!r} ends with '.lock'"
    return None


def validate_branch_name(value: str) -> str:
    """Return the branch name of ``value`` (``refs/heads/`` stripped) or raise ``ValueError``.

    Applies git's ref name rules (``git check-ref-format --branch``) and CodeCommit's
    256-character limit; the message names the branch and the broken rule.
    """
    name = value.removeprefix(_BRANCH_PREFIX)
    rule = _branch_rule_broken(name)
    if rule is not None:
        raise ValueError(f"branch {value!r} is not a valid git branch name: {rule}")
    return name


def _commit_id(value: str) -> str:
    if _COMMIT_ID_RE.match(value):
        return value
    if not value or not _HEX_RE.match(value):
        raise ValueError(
            f"commitId {value!r} is not a commit id: expected 40 lowercase hex characters"
        )
    if len(value) != 40:
        raise ValueError(
            f"commitId {value!r} has {len(value)} characters: give the full 40-character commit id"
        )
    raise ValueError(f"commitId {value!r} has uppercase letters: commit ids are lowercase hex")


@dataclass(frozen=True, kw_only=True)
class ManualBuildInput(Shape):
    """Input of a manually started build: exactly one of ``commitId`` or ``branch``.

    ``commitId`` must be a full commit id in lowercase hex (as CodeCommit prints it);
    ``branch`` may be given as ``master`` or ``refs/heads/master`` (the prefix is stripped).
    """

    extra_keys: ClassVar[str] = "forbid"

    commit_id: str | None = key("commitId", text(check=_commit_id), default=None)
    branch: str | None = key("branch", text(check=validate_branch_name), default=None)

    def check(self) -> None:
        if (self.commit_id is None) == (self.branch is None):
            given = "both" if self.commit_id is not None else "neither"
            raise ShapeError(f"give exactly one of commitId or branch, got {given}")


# --------------------------------------------------------------------------- parsing


def _label(what: str) -> str:
    lowered = what.lower()
    return what if lowered.endswith(("event", "input")) else f"{what} event"


def _say(problem: Problem) -> str:
    where, what = problem
    return f"{where}: {what}" if where else what


def parse_event[S: Shape](shape: type[S], event: Mapping[str, Any], what: str) -> S:
    """Read ``event`` as ``shape``.

    Raises :class:`InvalidEvent` with a one-line message such as
    ``"ECR Image Action event: detail.image-digest: field required"``; ``what`` names the
    event kind (" event" is appended unless it already ends in "event" or "input").
    """
    label = _label(what)
    received: object = event  # Lambda payloads are any JSON value, whatever the type says
    if not isinstance(received, Mapping):
        kind = type(received).__name__
        raise InvalidEvent(f"{label}: expected a JSON object, got {kind} {show(received)}")
    problems: list[Problem] = []
    parsed = read(shape, received, "", problems)
    if parsed is None:
        raise InvalidEvent(f"{label}: {'; '.join(_say(p) for p in problems)}")
    return parsed


def check_origin(event: EventBridgeEnvelope, account: str, region: str, what: str) -> None:
    """Refuse an event from another account or region than the function's own.

    The default bus's resource policy may admit other accounts' events (EventBridge UG,
    "Sending and receiving events between AWS accounts"), and an event's top-level
    ``account`` and ``region`` are those of its source (EventBridge UG, "Amazon
    EventBridge events": the envelope fields): security-review row 13. An empty
    ``account`` (not known to the caller) skips the account check only."""
    label = _label(what)
    if account and event.account != account:
        raise InvalidEvent(
            f"{label}: account {event.account!r} is not this stack's account {account!r}"
        )
    if event.region != region:
        raise InvalidEvent(f"{label}: region {event.region!r} is not this stack's {region!r}")
