"""CodeCommit's reference events, and the input of a manually started build (a commit id or
a branch of the repository): the shapes of the ResolveCommit function."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from turnout.models import COMMIT_ID_PATTERN, NAME, TEXT, EventBridgeEnvelope
from turnout.shapes import Shape, ShapeError, key, nested, text

__all__ = [
    "CodeCommitStateChangeDetail",
    "CodeCommitStateChangeEvent",
    "ManualBuildInput",
    "validate_branch_name",
]


_COMMIT_ID_RE = re.compile(COMMIT_ID_PATTERN)
_HEX_RE = re.compile(r"^[0-9a-fA-F]+$")
_BRANCH_PREFIX = "refs/heads/"
#: CodeCommit's limit on branch names.
_BRANCH_MAX_LENGTH = 256
_REF_FORBIDDEN_CHARS = frozenset(" ~^:?*[\\")

_COMMIT_ID = text(pattern=COMMIT_ID_PATTERN)


@dataclass(frozen=True, kw_only=True)
class CodeCommitStateChangeDetail(Shape):
    """``detail`` of ``CodeCommit Repository State Change`` (referenceCreated/Updated).

    ``commitId`` is required: turnout routes only referenceCreated and referenceUpdated
    here (a referenceDeleted event has no ``commitId``), so the rule should filter on
    ``detail.event``.
    """

    event: str = key("event", TEXT)  # referenceCreated, referenceUpdated, referenceDeleted
    repository_name: str = key("repositoryName", NAME)
    repository_id: str = key("repositoryId", TEXT)
    reference_type: str = key("referenceType", TEXT)  # branch or tag
    reference_name: str = key("referenceName", NAME)
    reference_full_name: str = key("referenceFullName", TEXT)
    commit_id: str = key("commitId", _COMMIT_ID)
    old_commit_id: str | None = key("oldCommitId", _COMMIT_ID, default=None)
    caller_user_arn: str | None = key("callerUserArn", TEXT, default=None)
    # Present when the reference was updated by a merge (console/API merge).
    base_commit_id: str | None = key("baseCommitId", TEXT, default=None)
    source_commit_id: str | None = key("sourceCommitId", TEXT, default=None)
    destination_commit_id: str | None = key("destinationCommitId", TEXT, default=None)
    merge_option: str | None = key("mergeOption", TEXT, default=None)

    @property
    def is_branch(self) -> bool:
        return self.reference_type == "branch"


@dataclass(frozen=True, kw_only=True)
class CodeCommitStateChangeEvent(EventBridgeEnvelope):
    source: str = key("source", text(literal="aws.codecommit"))
    detail_type: str = key("detail-type", text(literal="CodeCommit Repository State Change"))
    detail: CodeCommitStateChangeDetail = key("detail", nested(CodeCommitStateChangeDetail))


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
