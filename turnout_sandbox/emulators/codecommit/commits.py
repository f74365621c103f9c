"""Making a commit with AWS's rules: what CreateCommit, PutFile and the sandbox API share.

Paths, contents and modes are checked as CodeCommit checks them, parents by the
``parentCommitId`` rules, each change against the snapshot it applies to; the error codes are
those of botocore's ``codecommit`` service model.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from turnout_sandbox.emulators.codecommit.events import BranchEvent, move_branch
from turnout_sandbox.emulators.codecommit.models import (
    CodeCommitError,
    Commit,
    RepoState,
    repo_state,
)
from turnout_sandbox.emulators.codecommit.objects import (
    GIT_MODES,
    FileEntry,
    blob_id,
    commit_id,
    tree_of,
)
from turnout_sandbox.runtime import get_runtime

__all__ = [
    "SHA1_HEX",
    "CommitRequest",
    "CommitResult",
    "Put",
    "apply_commit",
    "check_mode",
    "decode_content",
    "normalise_path",
]

SHA1_HEX: Final = re.compile(r"^[0-9a-f]{40}$")
_MAX_FILE_BYTES: Final = 6 * 1024 * 1024


@dataclass(frozen=True)
class Put:
    path: str
    content: bytes | None
    mode: str | None
    source_path: str | None = None
    is_move: bool = False


@dataclass(frozen=True)
class CommitResult:
    commit: Commit
    added: list[dict[str, str]]
    updated: list[dict[str, str]]
    deleted: list[dict[str, str]]
    event: BranchEvent


def normalise_path(path: Any, *, folder: bool = False) -> str:
    if path is None or (not folder and path == ""):
        raise CodeCommitError("PathRequiredException", "The filePath for a file is required.")
    if not isinstance(path, str):
        raise CodeCommitError("InvalidPathException", f"The file path {path!r} is not a string.")
    clean = path.strip("/")
    parts = clean.split("/") if clean else []
    if any(part in ("", ".", "..") for part in parts) or (not folder and not parts):
        raise CodeCommitError("InvalidPathException", f"The file path '{path}' is not valid.")
    return clean


def decode_content(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise CodeCommitError("FileContentRequiredException", f"{where}: fileContent is required.")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CodeCommitError(
            "InvalidParameterException", f"{where}: fileContent is not valid base64 ({exc})"
        ) from exc


def check_mode(mode: Any, where: str) -> str | None:
    if mode is None:
        return None
    if mode not in GIT_MODES:
        raise CodeCommitError(
            "InvalidFileModeException",
            f"{where}: fileMode '{mode}' is not valid (NORMAL, EXECUTABLE or SYMLINK).",
        )
    return str(mode)


@dataclass(frozen=True)
class CommitRequest:
    """One commit to make: what CreateCommit, PutFile and commit_files ask for."""

    account: str
    region: str
    repository: str
    branch: str
    parent: str | None
    puts: Sequence[Put]
    deletes: Sequence[str]
    message: str
    name: str | None
    email: str | None
    same_content_error: bool = False


@dataclass
class _Changes:
    before: dict[str, FileEntry]
    after: dict[str, FileEntry]
    blobs: dict[str, bytes] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    added: list[dict[str, str]] = field(default_factory=list)
    updated: list[dict[str, str]] = field(default_factory=list)
    deleted: list[dict[str, str]] = field(default_factory=list)

    def claim(self, path: str) -> None:
        if path in self.seen:
            raise CodeCommitError(
                "SamePathRequestException", f"The path '{path}' appears in more than one change."
            )
        self.seen.add(path)

    def delete(self, path: str) -> None:
        entry = self.after.pop(path)
        self.deleted.append({"absolutePath": path, "blobId": entry.blob_id, "fileMode": entry.mode})


def _check_parent(state: RepoState, req: CommitRequest) -> None:
    """AWS's parentCommitId rules for a commit on ``req.branch``."""
    parent, head = req.parent, state.branches.get(req.branch)
    if parent is not None and not SHA1_HEX.match(parent):
        raise CodeCommitError(
            "InvalidParentCommitIdException", f"The parent commit ID '{parent}' is not valid."
        )
    if parent is None:
        if head is not None:
            raise CodeCommitError(
                "ParentCommitIdRequiredException",
                f"Branch {req.branch} of {req.repository} exists: parentCommitId is required "
                f"(the branch head is {head}).",
            )
        if state.commits:
            raise CodeCommitError(
                "ParentCommitIdRequiredException",
                f"Branch {req.branch} does not exist in the non-empty repository "
                f"{req.repository}: parentCommitId is required to create it.",
            )
        return
    if parent not in state.commits:
        raise CodeCommitError(
            "ParentCommitDoesNotExistException",
            f"The parent commit ID '{parent}' does not exist in {req.repository}.",
        )
    if head is not None and parent != head:
        raise CodeCommitError(
            "ParentCommitIdOutdatedException",
            f"The parent commit ID '{parent}' is not the tip of branch {req.branch} "
            f"(which is {head}).",
        )


def _check_placement(after: Mapping[str, FileEntry], path: str) -> None:
    if any(p.startswith(path + "/") for p in after):
        raise CodeCommitError(
            "FileNameConflictsWithDirectoryNameException",
            f"The file name '{path}' is the name of an existing folder.",
        )
    parts = path.split("/")
    for i in range(1, len(parts)):
        folder = "/".join(parts[:i])
        if folder in after:
            raise CodeCommitError(
                "DirectoryNameConflictsWithFileNameException",
                f"The folder '{folder}' of '{path}' is the name of an existing file.",
            )


def _put_content(state: RepoState, changes: _Changes, put: Put) -> bytes:
    if put.source_path is None:
        content = put.content
    else:
        source = changes.before.get(put.source_path)
        if source is None:
            raise CodeCommitError(
                "FileDoesNotExistException",
                f"The source file '{put.source_path}' does not exist at the parent commit.",
            )
        content = state.blobs[source.blob_id]
        if put.is_move and put.source_path in changes.after:
            changes.delete(put.source_path)
    if content is None:
        raise CodeCommitError(
            "SourceFileOrContentRequiredException",
            f"putFiles entry '{put.path}' needs fileContent or sourceFile.",
        )
    if len(content) > _MAX_FILE_BYTES:
        raise CodeCommitError(
            "FileContentSizeLimitExceededException",
            f"The file '{put.path}' is {len(content)} bytes; the limit is {_MAX_FILE_BYTES}.",
        )
    return content


def _apply_put(state: RepoState, changes: _Changes, put: Put, req: CommitRequest) -> None:
    changes.claim(put.path)
    content = _put_content(state, changes, put)
    _check_placement(changes.after, put.path)
    previous = changes.after.get(put.path)
    entry = FileEntry(blob_id(content), put.mode or (previous.mode if previous else "NORMAL"))
    if previous == entry and req.same_content_error:
        raise CodeCommitError(
            "SameFileContentException",
            f"The file '{put.path}' already has this content and mode at {req.parent}.",
        )
    changes.blobs[entry.blob_id] = content
    changes.after[put.path] = entry
    meta = {"absolutePath": put.path, "blobId": entry.blob_id, "fileMode": entry.mode}
    if put.path not in changes.before:
        changes.added.append(meta)
    elif changes.before[put.path] != entry:
        changes.updated.append(meta)


def apply_commit(req: CommitRequest) -> CommitResult:
    """Create a commit on ``req.branch`` with AWS's rules; the caller holds the lock."""
    if not req.branch:
        raise CodeCommitError("BranchNameRequiredException", "A branch name is required.")
    state, metadata = repo_state(req.account, req.region, req.repository)
    _check_parent(state, req)
    before = dict(state.commits[req.parent].files) if req.parent else {}
    changes = _Changes(before, dict(before))
    if not req.puts and not req.deletes:
        raise CodeCommitError(
            "FileEntryRequiredException", "The commit needs at least one file change."
        )
    for path in req.deletes:
        changes.claim(path)
        if path not in changes.after:
            raise CodeCommitError(
                "FileDoesNotExistException", f"The file '{path}' to delete does not exist."
            )
        changes.delete(path)
    for put in req.puts:
        _apply_put(state, changes, put, req)
    if changes.after == before and req.parent is not None:
        raise CodeCommitError(
            "NoChangeException",
            f"The commit on branch {req.branch} would not change anything from {req.parent}.",
        )
    tree = tree_of(changes.after)
    author, mail = req.name or "root", req.email or ""
    ts = int(get_runtime().clock.now())
    parents = (req.parent,) if req.parent else ()
    cid = commit_id(tree, parents, ident=(author, mail, ts), message=req.message)
    commit = Commit(cid, tree, parents, req.message, author, mail, ts, changes.after)
    state.blobs.update(changes.blobs)
    state.commits[cid] = commit
    event = move_branch(state, metadata, req.account, req.branch, cid)
    return CommitResult(commit, changes.added, changes.updated, changes.deleted, event)
