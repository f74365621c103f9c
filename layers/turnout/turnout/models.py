"""pydantic v2 models of every event shape turnout consumes.

EventBridge events subclass :class:`EventBridgeEnvelope`, the envelope fields of an
EventBridge event and the top-level ``replay-name`` EventBridge adds to replayed events: the
fields of Powertools' ``EventBridgeModel``, declared here because importing Powertools'
parser package builds its models of every AWS event source (about 140 ms of a cold start,
``bench/cold_init.py --explain``) for the four this module reads. Detail
models keep AWS's exact field names as aliases, so ``model_dump()`` gives back the AWS
shape, while Python code reads snake_case attributes.

Models pin ``source`` and ``detail-type``: an event routed to the wrong handler fails
with :class:`turnout.errors.InvalidEvent` instead of being misread. Unknown detail fields
are ignored (AWS adds fields over time); enumerations that AWS may extend (``event``,
``result``, ``build-status``, ``state`` ...) are plain strings, so the logic can log an
unexpected value as "ignored" rather than fail on it.

Use :func:`parse_event` to parse: it turns pydantic's errors into one-line
``InvalidEvent`` messages that name the event kind, the field path and the bad value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from turnout.errors import InvalidEvent

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


class _AwsShaped(BaseModel):
    """A payload AWS sends (an event's ``detail``, a hook's input): AWS's field names as
    aliases (``model_dump()`` gives them back), frozen, built on first use."""

    model_config = ConfigDict(
        populate_by_name=True, serialize_by_alias=True, frozen=True, defer_build=True
    )


class EventBridgeEnvelope(BaseModel):
    """The envelope of an EventBridge event (EventBridge User Guide, "Amazon EventBridge
    events": version, id, detail-type, source, account, time, region, resources, detail; a
    replayed event also carries ``replay-name``, "Replaying archived events"), as Powertools'
    ``EventBridgeModel`` declares it."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True, defer_build=True)

    version: str
    id: str
    source: str
    account: str
    time: datetime
    region: str
    resources: list[str]
    detail_type: str = Field(alias="detail-type")
    detail: Any
    replay_name: str | None = Field(default=None, alias="replay-name")


class _Event(EventBridgeEnvelope):
    """An EventBridge event; each subclass pins its ``source`` and ``detail-type``."""


# --------------------------------------------------------------------------- CodeCommit


class CodeCommitStateChangeDetail(_AwsShaped):
    """``detail`` of ``CodeCommit Repository State Change`` (referenceCreated/Updated).

    ``commitId`` is required: turnout routes only referenceCreated and referenceUpdated
    here (a referenceDeleted event has no ``commitId``), so the rule should filter on
    ``detail.event``.
    """

    event: str = Field(description="referenceCreated, referenceUpdated, referenceDeleted, ...")
    repository_name: str = Field(alias="repositoryName", min_length=1)
    repository_id: str = Field(alias="repositoryId")
    reference_type: str = Field(alias="referenceType", description="branch or tag")
    reference_name: str = Field(alias="referenceName", min_length=1)
    reference_full_name: str = Field(alias="referenceFullName")
    commit_id: str = Field(alias="commitId", pattern=COMMIT_ID_PATTERN)
    old_commit_id: str | None = Field(default=None, alias="oldCommitId", pattern=COMMIT_ID_PATTERN)
    caller_user_arn: str | None = Field(default=None, alias="callerUserArn")
    # Present when the reference was updated by a merge (console/API merge).
    base_commit_id: str | None = Field(default=None, alias="baseCommitId")
    source_commit_id: str | None = Field(default=None, alias="sourceCommitId")
    destination_commit_id: str | None = Field(default=None, alias="destinationCommitId")
    merge_option: str | None = Field(default=None, alias="mergeOption")

    @property
    def is_branch(self) -> bool:
        return self.reference_type == "branch"


class CodeCommitStateChangeEvent(_Event):
    source: Literal["aws.codecommit"]
    detail_type: Literal["CodeCommit Repository State Change"] = Field(alias="detail-type")
    detail: CodeCommitStateChangeDetail


# --------------------------------------------------------------------------- ECR


class EcrImageActionDetail(_AwsShaped):
    """``detail`` of ``ECR Image Action`` (PUSH or DELETE, SUCCESS or FAILURE)."""

    result: str = Field(description="SUCCESS or FAILURE")
    repository_name: str = Field(alias="repository-name", min_length=1)
    image_digest: str = Field(alias="image-digest", pattern=IMAGE_DIGEST_PATTERN)
    action_type: str = Field(alias="action-type", description="PUSH or DELETE")
    image_tag: str | None = Field(default=None, alias="image-tag")
    manifest_media_type: str | None = Field(default=None, alias="manifest-media-type")
    artifact_media_type: str | None = Field(default=None, alias="artifact-media-type")

    @property
    def is_successful_push(self) -> bool:
        return self.action_type == "PUSH" and self.result == "SUCCESS"


class EcrImageActionEvent(_Event):
    """An ECR push/delete event. ``replay_name`` is set when EventBridge replays it."""

    source: Literal["aws.ecr"]
    detail_type: Literal["ECR Image Action"] = Field(alias="detail-type")
    detail: EcrImageActionDetail

    @property
    def is_replay(self) -> bool:
        return self.replay_name is not None


# --------------------------------------------------------------------------- CodeBuild


class CodeBuildStateChangeDetail(_AwsShaped):
    """``detail`` of ``CodeBuild Build State Change``."""

    build_status: str = Field(
        alias="build-status",
        description="IN_PROGRESS, SUCCEEDED, FAILED, FAULT, STOPPED, TIMED_OUT",
    )
    project_name: str = Field(alias="project-name", min_length=1)
    build_id: str = Field(alias="build-id", min_length=1)
    additional_information: dict[str, Any] | None = Field(
        default=None, alias="additional-information"
    )
    current_phase: str | None = Field(default=None, alias="current-phase")
    current_phase_context: str | None = Field(default=None, alias="current-phase-context")
    version: str | None = None

    @property
    def source_version(self) -> str | None:
        """``additional-information.source-version``: the version the build was *asked* for
        (a branch, a commit id or ``refs/heads/x^{sha}``), not necessarily a commit id; the
        commit built is the build's resolved source version (aws-fidelity row 38)."""
        if self.additional_information is None:
            return None
        value = self.additional_information.get("source-version")
        return value if isinstance(value, str) else None


class CodeBuildStateChangeEvent(_Event):
    source: Literal["aws.codebuild"]
    detail_type: Literal["CodeBuild Build State Change"] = Field(alias="detail-type")
    detail: CodeBuildStateChangeDetail


# --------------------------------------------------------------------------- CodeDeploy


class CodeDeployStateChangeDetail(_AwsShaped):
    """``detail`` of ``CodeDeploy Deployment State-change Notification``."""

    # Optional (aws-fidelity row 31): both are in the documented sample, but no capture of an
    # ECS deployment's event shows them, and nothing here reads them; a missing one must not
    # make every event InvalidEvent (and every wait time out).
    region: str | None = None
    deployment_id: str = Field(alias="deploymentId", min_length=1)
    instance_group_id: str | None = Field(default=None, alias="instanceGroupId")
    deployment_group: str = Field(alias="deploymentGroup", min_length=1)
    application: str = Field(min_length=1)
    state: str = Field(description="START, SUCCESS, FAILURE, STOP, READY")


class CodeDeployStateChangeEvent(_Event):
    source: Literal["aws.codedeploy"]
    detail_type: Literal["CodeDeploy Deployment State-change Notification"] = Field(
        alias="detail-type"
    )
    detail: CodeDeployStateChangeDetail


class LifecycleHookEvent(_AwsShaped):
    """The payload CodeDeploy invokes a lifecycle hook Lambda with."""

    deployment_id: str = Field(alias="DeploymentId", min_length=1)
    lifecycle_event_hook_execution_id: str = Field(
        alias="LifecycleEventHookExecutionId", min_length=1
    )


# --------------------------------------------------------------------------- schedule


class ScheduledEvent(_Event):
    """An EventBridge schedule rule's tick (``source`` aws.events, ``detail`` {})."""

    source: Literal["aws.events"]
    detail_type: Literal["Scheduled Event"] = Field(alias="detail-type")
    detail: dict[str, Any]


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


class ManualBuildInput(BaseModel):
    """Input of a manually started build: exactly one of ``commitId`` or ``branch``.

    ``commitId`` must be a full commit id in lowercase hex (as CodeCommit prints it);
    ``branch`` may be given as ``master`` or ``refs/heads/master`` (the prefix is stripped).
    """

    model_config = ConfigDict(
        populate_by_name=True,
        serialize_by_alias=True,
        frozen=True,
        extra="forbid",
        defer_build=True,
    )

    commit_id: str | None = Field(default=None, alias="commitId")
    branch: str | None = None

    @field_validator("commit_id")
    @classmethod
    def _check_commit_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if _COMMIT_ID_RE.match(value):
            return value
        if not value or not _HEX_RE.match(value):
            raise ValueError(
                f"commitId {value!r} is not a commit id: expected 40 lowercase hex characters"
            )
        if len(value) != 40:
            raise ValueError(
                f"commitId {value!r} has {len(value)} characters: "
                "give the full 40-character commit id"
            )
        raise ValueError(f"commitId {value!r} has uppercase letters: commit ids are lowercase hex")

    @field_validator("branch")
    @classmethod
    def _check_branch(cls, value: str | None) -> str | None:
        return None if value is None else validate_branch_name(value)

    @model_validator(mode="after")
    def _exactly_one(self) -> ManualBuildInput:
        if (self.commit_id is None) == (self.branch is None):
            given = "both" if self.commit_id is not None else "neither"
            raise ValueError(f"give exactly one of commitId or branch, got {given}")
        return self


# --------------------------------------------------------------------------- parsing

_MAX_VALUE_CHARS = 80


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 3] + "..."


def _describe(model: type[BaseModel], error: Mapping[str, Any]) -> str:
    loc = ".".join(str(part) for part in error.get("loc", ()))
    kind = error.get("type", "")
    message = str(error.get("msg", "invalid"))
    if kind == "missing":
        text = "field required"
    elif kind == "extra_forbidden":
        allowed = ", ".join(field.alias or name for name, field in model.model_fields.items())
        text = f"unexpected key (allowed keys: {allowed})"
    elif kind == "value_error":
        text = message.removeprefix("Value error, ")
    else:
        text = f"{message[:1].lower()}{message[1:]} (got {_show(error.get('input'))})"
    return f"{loc}: {text}" if loc else text


def _label(what: str) -> str:
    lowered = what.lower()
    return what if lowered.endswith(("event", "input")) else f"{what} event"


def parse_event[M: BaseModel](model: type[M], event: Mapping[str, Any], what: str) -> M:
    """Parse ``event`` into ``model``.

    Raises :class:`InvalidEvent` with a one-line message such as
    ``"ECR Image Action event: detail.image-digest: field required"``; ``what`` names the
    event kind (" event" is appended unless it already ends in "event" or "input").
    """
    label = _label(what)
    received: object = event  # Lambda payloads are any JSON value, whatever the type says
    if not isinstance(received, Mapping):
        kind = type(received).__name__
        raise InvalidEvent(f"{label}: expected a JSON object, got {kind} {_show(received)}")
    try:
        return model.model_validate(dict(received))
    except ValidationError as exc:
        problems = "; ".join(_describe(model, error) for error in exc.errors(include_url=False))
        raise InvalidEvent(f"{label}: {problems}") from exc


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
