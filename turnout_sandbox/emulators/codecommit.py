"""CodeCommit files, commits, branches and push events, with git's object model.

moto 5.2.5 only knows repositories (create/get/delete). This module adds the file and commit
actions to moto's ``CodeCommitResponse`` so they answer in-process (``mock_aws``), over HTTP
(``ThreadedMotoServer``) and from Step Functions tasks alike, with AWS's request/response
shapes and error codes (botocore's ``codecommit`` service model).

Object ids are real git ids: a blob id is ``sha1("blob <len>\\0" + content)``, a tree id is
git's tree hash of the snapshot, a commit id is ``sha1`` of git's commit serialisation
(tree, parents, author, committer with the virtual-clock timestamp, message).

Every branch update emits AWS's ``CodeCommit Repository State Change`` event through
:func:`turnout_sandbox.runtime.Runtime.put_event`.

The sandbox API (no HTTP): :func:`commit_files`, :func:`file_at`, :func:`resolve_commit`,
:func:`get_commit`, :func:`branch_head`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from moto.codecommit.models import codecommit_backends
from moto.codecommit.responses import CodeCommitResponse
from moto.core.exceptions import JsonRESTError

from turnout_sandbox.runtime import get_runtime

__all__ = [
    "CodeCommitError",
    "Commit",
    "FileEntry",
    "branch_head",
    "commit_files",
    "file_at",
    "get_commit",
    "install",
    "reset",
    "resolve_commit",
]

#: CodeCommit's file modes and the git modes they stand for.
GIT_MODES: Final[Mapping[str, str]] = {
    "NORMAL": "100644",
    "EXECUTABLE": "100755",
    "SYMLINK": "120000",
}
_TREE_MODE: Final = "40000"
_SHA1_HEX = re.compile(r"^[0-9a-f]{40}$")
_MAX_FILE_BYTES: Final = 6 * 1024 * 1024
_PATCHED_MARK: Final = "__turnout_emulator__"


class CodeCommitError(JsonRESTError):
    """An AWS CodeCommit error: ``error_code`` is the AWS error code (the exception shape)."""

    code = 400

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(error_code, message)
        self.error_code = error_code

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}"


@dataclass(frozen=True)
class FileEntry:
    """One file of a snapshot: its blob id and CodeCommit file mode (NORMAL/EXECUTABLE/SYMLINK)."""

    blob_id: str
    mode: str


@dataclass(frozen=True)
class Commit:
    commit_id: str
    tree_id: str
    parents: tuple[str, ...]
    message: str
    author_name: str
    author_email: str
    timestamp: int
    files: Mapping[str, FileEntry]

    def user_info(self) -> dict[str, str]:
        return {
            "name": self.author_name,
            "email": self.author_email,
            "date": f"{self.timestamp} +0000",
        }

    def to_api(self) -> dict[str, Any]:
        """The ``Commit`` shape of GetCommit."""
        return {
            "commitId": self.commit_id,
            "treeId": self.tree_id,
            "parents": list(self.parents),
            "message": self.message,
            "author": self.user_info(),
            "committer": self.user_info(),
            "additionalData": "",
        }


@dataclass
class _Repo:
    repository_id: str
    blobs: dict[str, bytes] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    default_branch: str | None = None


@dataclass(frozen=True)
class _Put:
    path: str
    content: bytes | None
    mode: str | None
    source_path: str | None = None
    is_move: bool = False


@dataclass(frozen=True)
class _Event:
    detail: dict[str, Any]
    arn: str


@dataclass(frozen=True)
class _CommitResult:
    commit: Commit
    added: list[dict[str, str]]
    updated: list[dict[str, str]]
    deleted: list[dict[str, str]]
    event: _Event


_LOCK = threading.RLock()
_REPOS: dict[tuple[str, str, str], _Repo] = {}


# -- git object ids -----------------------------------------------------------------------
def _git_hash(kind: bytes, body: bytes) -> str:
    data = kind + b" " + str(len(body)).encode() + b"\0" + body
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()  # git object ids are sha1


def blob_id(content: bytes) -> str:
    """git's blob id of ``content``."""
    return _git_hash(b"blob", content)


def _tree_of(files: Mapping[str, FileEntry], prefix: str = "") -> str:
    """git's tree id of the folder ``prefix`` ("" = root) of a flat snapshot."""
    children: dict[str, FileEntry | None] = {}
    for path, entry in files.items():
        if prefix and not path.startswith(prefix + "/"):
            continue
        rest = path[len(prefix) + 1 :] if prefix else path
        head, sep, _ = rest.partition("/")
        children[head] = None if sep else entry
    items: list[tuple[bytes, bytes]] = []
    for name, child in children.items():
        if child is None:
            sub = f"{prefix}/{name}" if prefix else name
            mode, sha, key = _TREE_MODE, _tree_of(files, sub), name + "/"
        else:
            mode, sha, key = GIT_MODES[child.mode], child.blob_id, name
        items.append((key.encode(), f"{mode} {name}".encode() + b"\0" + bytes.fromhex(sha)))
    items.sort(key=lambda item: item[0])
    return _git_hash(b"tree", b"".join(entry for _, entry in items))


def _commit_id(
    tree: str, parents: Sequence[str], *, ident: tuple[str, str, int], message: str
) -> str:
    name, email, ts = ident
    lines = [f"tree {tree}", *(f"parent {p}" for p in parents)]
    who = f"{name} <{email}> {ts} +0000"
    lines += [f"author {who}", f"committer {who}", "", message]
    return _git_hash(b"commit", "\n".join(lines).encode())


# -- store access ----------------------------------------------------------------------------
def _metadata(account: str, region: str, repository: str) -> dict[str, Any]:
    if not repository:
        raise CodeCommitError("RepositoryNameRequiredException", "A repository name is required.")
    repo = codecommit_backends[account][region].repositories.get(repository)
    if repo is None:
        raise CodeCommitError("RepositoryDoesNotExistException", f"{repository} does not exist")
    metadata: dict[str, Any] = repo.repository_metadata
    return metadata


def _repo(account: str, region: str, repository: str) -> tuple[_Repo, dict[str, Any]]:
    metadata = _metadata(account, region, repository)
    key = (account, region, repository)
    state = _REPOS.get(key)
    if state is None or state.repository_id != metadata["repositoryId"]:
        # first use, or the repository was deleted and created again: a fresh history
        state = _Repo(repository_id=str(metadata["repositoryId"]))
        _REPOS[key] = state
    return state, metadata


def _resolve(state: _Repo, repository: str, specifier: str | None) -> Commit:
    """A commit id, branch name, ``refs/heads/<branch>`` or None (the default branch)."""
    spec = specifier
    if spec is None or spec in {"", "HEAD"}:
        spec = state.default_branch
        if spec is None:
            raise CodeCommitError(
                "CommitDoesNotExistException",
                f"Repository {repository} has no commits, so it has no default branch to read",
            )
    name = spec.removeprefix("refs/heads/")
    if name in state.branches:
        return state.commits[state.branches[name]]
    if spec in state.commits:
        return state.commits[spec]
    raise CodeCommitError(
        "CommitDoesNotExistException",
        f"Could not find commit specifier '{spec}' in repository {repository}",
    )


def _normalise_path(path: Any, *, folder: bool = False) -> str:
    if path is None or (not folder and path == ""):
        raise CodeCommitError("PathRequiredException", "The filePath for a file is required.")
    if not isinstance(path, str):
        raise CodeCommitError("InvalidPathException", f"The file path {path!r} is not a string.")
    clean = path.strip("/")
    parts = clean.split("/") if clean else []
    if any(part in ("", ".", "..") for part in parts) or (not folder and not parts):
        raise CodeCommitError("InvalidPathException", f"The file path '{path}' is not valid.")
    return clean


def _decode_content(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise CodeCommitError("FileContentRequiredException", f"{where}: fileContent is required.")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CodeCommitError(
            "InvalidParameterException", f"{where}: fileContent is not valid base64 ({exc})"
        ) from exc


def _check_mode(mode: Any, where: str) -> str | None:
    if mode is None:
        return None
    if mode not in GIT_MODES:
        raise CodeCommitError(
            "InvalidFileModeException",
            f"{where}: fileMode '{mode}' is not valid (NORMAL, EXECUTABLE or SYMLINK).",
        )
    return str(mode)


def _caller_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


@dataclass(frozen=True)
class _Request:
    """One commit to make: what CreateCommit, PutFile and commit_files ask for."""

    account: str
    region: str
    repository: str
    branch: str
    parent: str | None
    puts: Sequence[_Put]
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


def _check_parent(state: _Repo, req: _Request) -> None:
    """AWS's parentCommitId rules for a commit on ``req.branch``."""
    parent, head = req.parent, state.branches.get(req.branch)
    if parent is not None and not _SHA1_HEX.match(parent):
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


def _put_content(state: _Repo, changes: _Changes, put: _Put) -> bytes:
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


def _apply_put(state: _Repo, changes: _Changes, put: _Put, req: _Request) -> None:
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


def _apply(req: _Request) -> _CommitResult:
    """Create a commit on ``req.branch`` with AWS's rules; the caller holds the lock."""
    if not req.branch:
        raise CodeCommitError("BranchNameRequiredException", "A branch name is required.")
    state, metadata = _repo(req.account, req.region, req.repository)
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
    tree = _tree_of(changes.after)
    author, mail = req.name or "root", req.email or ""
    ts = int(get_runtime().clock.now())
    parents = (req.parent,) if req.parent else ()
    cid = _commit_id(tree, parents, ident=(author, mail, ts), message=req.message)
    commit = Commit(cid, tree, parents, req.message, author, mail, ts, changes.after)
    state.blobs.update(changes.blobs)
    state.commits[cid] = commit
    event = _move_branch(state, metadata, req.account, req.branch, cid)
    return _CommitResult(commit, changes.added, changes.updated, changes.deleted, event)


def _move_branch(
    state: _Repo, metadata: dict[str, Any], account: str, branch: str, commit_id: str
) -> _Event:
    old = state.branches.get(branch)
    state.branches[branch] = commit_id
    if state.default_branch is None:
        state.default_branch = branch
        metadata["defaultBranch"] = branch  # as AWS does on the first branch
    detail: dict[str, Any] = {
        "callerUserArn": _caller_arn(account),
        "commitId": commit_id,
        "event": "referenceCreated" if old is None else "referenceUpdated",
        "referenceFullName": f"refs/heads/{branch}",
        "referenceName": branch,
        "referenceType": "branch",
        "repositoryId": state.repository_id,
        "repositoryName": metadata["repositoryName"],
    }
    if old is not None:
        detail["oldCommitId"] = old
    return _Event(detail, str(metadata["Arn"]))


def _emit(event: _Event) -> None:
    get_runtime().put_event(
        "aws.codecommit", "CodeCommit Repository State Change", event.detail, [event.arn]
    )


def _locked[T](fn: Callable[[], T]) -> T:
    with _LOCK:
        return fn()


# -- the sandbox API ---------------------------------------------------------------------------
def _where() -> tuple[str, str]:
    rt = get_runtime()
    return rt.account, rt.region


def commit_files(
    repository: str,
    branch: str,
    files: Mapping[str, bytes | str],
    message: str,
    parent: str | None = None,
    *,
    delete: Iterable[str] = (),
    author: str = "turnout-sandbox",
    email: str = "sandbox@turnout.invalid",
) -> str:
    """Commit ``files`` (path → str (UTF-8) or bytes) to ``branch`` like CreateCommit.

    ``parent`` defaults to the branch head (None on a new branch of an empty repository).
    Emits the push event and returns the new commit id.
    Raises :class:`CodeCommitError` with AWS's error code.
    """
    account, region = _where()
    puts = [
        _Put(_normalise_path(p), c.encode() if isinstance(c, str) else bytes(c), None)
        for p, c in files.items()
    ]
    deletes = [_normalise_path(p) for p in delete]

    def run() -> _CommitResult:
        state, _ = _repo(account, region, repository)
        expected = parent if parent is not None else state.branches.get(branch)
        return _apply(
            _Request(
                account, region, repository, branch, expected, puts, deletes, message, author, email
            )
        )

    result = _locked(run)
    _emit(result.event)
    return result.commit.commit_id


def file_at(repository: str, commit_or_branch: str, path: str) -> bytes:
    """The content of ``path`` at a commit id or branch; raises FileDoesNotExistException etc."""
    account, region = _where()
    clean = _normalise_path(path)

    def run() -> bytes:
        state, _ = _repo(account, region, repository)
        commit = _resolve(state, repository, commit_or_branch)
        entry = commit.files.get(clean)
        if entry is None:
            raise CodeCommitError(
                "FileDoesNotExistException",
                f"The file '{clean}' does not exist at {commit.commit_id} of {repository}.",
            )
        return state.blobs[entry.blob_id]

    return _locked(run)


def resolve_commit(repository: str, specifier: str | None) -> str:
    """The commit id a commit id, branch, ``refs/heads/<b>`` or None (default branch) names."""
    account, region = _where()
    return _locked(
        lambda: _resolve(_repo(account, region, repository)[0], repository, specifier).commit_id
    )


def get_commit(repository: str, commit_id: str) -> Commit:
    account, region = _where()
    return _locked(lambda: _resolve(_repo(account, region, repository)[0], repository, commit_id))


def branch_head(repository: str, branch: str) -> str | None:
    """The commit id at the tip of ``branch``, or None when the branch does not exist."""
    account, region = _where()
    return _locked(lambda: _repo(account, region, repository)[0].branches.get(branch))


# -- the moto Response methods --------------------------------------------------------------------
def _param(resp: CodeCommitResponse, name: str) -> Any:
    return resp._get_param(name)


def _required_repo_name(resp: CodeCommitResponse) -> str:
    name = _param(resp, "repositoryName")
    if not name:
        raise CodeCommitError("RepositoryNameRequiredException", "A repository name is required.")
    return str(name)


def put_file(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    branch = str(_param(self, "branchName") or "")
    path = _normalise_path(_param(self, "filePath"))
    content = _decode_content(_param(self, "fileContent"), f"PutFile {path}")
    mode = _check_mode(_param(self, "fileMode"), f"PutFile {path}")
    account, region = self.current_account, self.region
    result = _locked(
        lambda: _apply(
            _Request(
                account,
                region,
                repository,
                branch,
                _param(self, "parentCommitId"),
                [_Put(path, content, mode)],
                [],
                str(_param(self, "commitMessage") or ""),
                _param(self, "name"),
                _param(self, "email"),
                same_content_error=True,
            )
        )
    )
    _emit(result.event)
    return json.dumps(
        {
            "commitId": result.commit.commit_id,
            "blobId": result.commit.files[path].blob_id,
            "treeId": result.commit.tree_id,
        }
    )


def create_commit(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    branch = str(_param(self, "branchName") or "")
    puts: list[_Put] = []
    for i, item in enumerate(_param(self, "putFiles") or []):
        where = f"putFiles[{i}]"
        path = _normalise_path(item.get("filePath"))
        raw, source = item.get("fileContent"), item.get("sourceFile")
        if raw is not None and source is not None:
            raise CodeCommitError(
                "FileContentAndSourceFileSpecifiedException",
                f"{where} ({path}) has both fileContent and sourceFile.",
            )
        content = _decode_content(raw, where) if raw is not None else None
        src_path = _normalise_path(source.get("filePath")) if source else None
        puts.append(
            _Put(
                path,
                content,
                _check_mode(item.get("fileMode"), where),
                src_path,
                bool(source.get("isMove")) if source else False,
            )
        )
    deletes = [_normalise_path(d.get("filePath")) for d in _param(self, "deleteFiles") or []]
    for i, item in enumerate(_param(self, "setFileModes") or []):
        # a mode change is a put of the same content with the new mode
        path = _normalise_path(item.get("filePath"))
        puts.append(_Put(path, None, _check_mode(item.get("fileMode"), f"setFileModes[{i}]"), path))
    account, region = self.current_account, self.region
    result = _locked(
        lambda: _apply(
            _Request(
                account,
                region,
                repository,
                branch,
                _param(self, "parentCommitId"),
                puts,
                deletes,
                str(_param(self, "commitMessage") or ""),
                _param(self, "authorName"),
                _param(self, "email"),
            )
        )
    )
    _emit(result.event)
    return json.dumps(
        {
            "commitId": result.commit.commit_id,
            "treeId": result.commit.tree_id,
            "filesAdded": result.added,
            "filesUpdated": result.updated,
            "filesDeleted": result.deleted,
        }
    )


def get_file(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    path = _normalise_path(_param(self, "filePath"))
    account, region = self.current_account, self.region

    def run() -> dict[str, Any]:
        state, _ = _repo(account, region, repository)
        commit = _resolve(state, repository, _param(self, "commitSpecifier"))
        entry = commit.files.get(path)
        if entry is None:
            raise CodeCommitError(
                "FileDoesNotExistException",
                f"The file '{path}' does not exist at commit {commit.commit_id} of {repository}.",
            )
        content = state.blobs[entry.blob_id]
        return {
            "commitId": commit.commit_id,
            "blobId": entry.blob_id,
            "filePath": path,
            "fileMode": entry.mode,
            "fileSize": len(content),
            "fileContent": base64.b64encode(content).decode(),
        }

    return json.dumps(_locked(run))


def get_folder(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    folder = _normalise_path(_param(self, "folderPath"), folder=True)
    account, region = self.current_account, self.region

    def run() -> dict[str, Any]:
        state, _ = _repo(account, region, repository)
        commit = _resolve(state, repository, _param(self, "commitSpecifier"))
        prefix = folder + "/" if folder else ""
        inside = {p: e for p, e in commit.files.items() if p.startswith(prefix)}
        if folder and not inside:
            raise CodeCommitError(
                "FolderDoesNotExistException",
                f"The folder '{folder}' does not exist at {commit.commit_id} of {repository}.",
            )
        files: list[dict[str, str]] = []
        links: list[dict[str, str]] = []
        subfolders: dict[str, dict[str, str]] = {}
        for path, entry in sorted(inside.items()):
            rel = path[len(prefix) :]
            head, sep, _ = rel.partition("/")
            if sep:
                sub = prefix + head
                subfolders[head] = {
                    "treeId": _tree_of(commit.files, sub),
                    "absolutePath": sub,
                    "relativePath": head,
                }
                continue
            item = {
                "blobId": entry.blob_id,
                "absolutePath": path,
                "relativePath": rel,
                "fileMode": entry.mode,
            }
            (links if entry.mode == "SYMLINK" else files).append(item)
        return {
            "commitId": commit.commit_id,
            "folderPath": "/" + folder,
            "treeId": _tree_of(commit.files, folder),
            "subFolders": list(subfolders.values()),
            "files": files,
            "symbolicLinks": links,
            "subModules": [],
        }

    return json.dumps(_locked(run))


def get_commit_action(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    commit_id = _param(self, "commitId")
    if not commit_id:
        raise CodeCommitError("CommitIdRequiredException", "A commit ID is required.")
    if not _SHA1_HEX.match(str(commit_id)):
        raise CodeCommitError(
            "InvalidCommitIdException", f"The commit ID '{commit_id}' is not valid."
        )
    account, region = self.current_account, self.region

    def run() -> dict[str, Any]:
        state, _ = _repo(account, region, repository)
        commit = state.commits.get(str(commit_id))
        if commit is None:
            raise CodeCommitError(
                "CommitIdDoesNotExistException",
                f"The commit ID '{commit_id}' does not exist in {repository}.",
            )
        return {"commit": commit.to_api()}

    return json.dumps(_locked(run))


def get_branch(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    branch = _param(self, "branchName")
    if not branch:
        raise CodeCommitError("BranchNameRequiredException", "A branch name is required.")
    account, region = self.current_account, self.region

    def run() -> dict[str, Any]:
        state, _ = _repo(account, region, repository)
        head = state.branches.get(str(branch))
        if head is None:
            raise CodeCommitError(
                "BranchDoesNotExistException", f"Branch '{branch}' does not exist in {repository}."
            )
        return {"branch": {"branchName": branch, "commitId": head}}

    return json.dumps(_locked(run))


def create_branch(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    branch = _param(self, "branchName")
    commit_id = _param(self, "commitId")
    if not branch:
        raise CodeCommitError("BranchNameRequiredException", "A branch name is required.")
    if not commit_id:
        raise CodeCommitError("CommitIdRequiredException", "A commit ID is required.")
    account, region = self.current_account, self.region

    def run() -> _Event:
        state, metadata = _repo(account, region, repository)
        if branch in state.branches:
            raise CodeCommitError(
                "BranchNameExistsException", f"Branch '{branch}' already exists in {repository}."
            )
        commit = _resolve(state, repository, str(commit_id))
        return _move_branch(state, metadata, account, str(branch), commit.commit_id)

    _emit(_locked(run))
    return "{}"


def list_branches(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    account, region = self.current_account, self.region
    names = _locked(lambda: sorted(_repo(account, region, repository)[0].branches))
    return json.dumps({"branches": names})


def get_differences(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    after_spec = _param(self, "afterCommitSpecifier")
    if not after_spec:
        raise CodeCommitError("CommitRequiredException", "afterCommitSpecifier is required.")
    before_spec = _param(self, "beforeCommitSpecifier")
    before_path = _param(self, "beforePath")
    after_path = _param(self, "afterPath")
    limit = int(_param(self, "MaxResults") or 100)
    token = _param(self, "NextToken")
    if limit < 1:
        raise CodeCommitError("InvalidMaxResultsException", f"MaxResults {limit} is not valid.")
    try:
        offset = int(token) if token else 0
    except ValueError as exc:
        raise CodeCommitError(
            "InvalidContinuationTokenException", f"NextToken '{token}' is not valid."
        ) from exc
    account, region = self.current_account, self.region

    def blob(path: str, entry: FileEntry) -> dict[str, str]:
        return {"blobId": entry.blob_id, "path": path, "mode": GIT_MODES[entry.mode]}

    def under(path: str, folder: Any) -> bool:
        if not folder:
            return True
        clean = str(folder).strip("/")
        return path == clean or path.startswith(clean + "/")

    def run() -> list[dict[str, Any]]:
        state, _ = _repo(account, region, repository)
        after = _resolve(state, repository, str(after_spec)).files
        before = _resolve(state, repository, str(before_spec)).files if before_spec else {}
        out: list[dict[str, Any]] = []
        for path in sorted(set(before) | set(after)):
            old, new = before.get(path), after.get(path)
            if old == new:
                continue
            diff: dict[str, Any] = {}
            if old is not None and under(path, before_path):
                diff["beforeBlob"] = blob(path, old)
            if new is not None and under(path, after_path):
                diff["afterBlob"] = blob(path, new)
            if not diff:
                continue
            diff["changeType"] = "A" if old is None else "D" if new is None else "M"
            out.append(diff)
        return out

    differences = _locked(run)
    page = differences[offset : offset + limit]
    body: dict[str, Any] = {"differences": page}
    if offset + limit < len(differences):
        body["NextToken"] = str(offset + limit)
    return json.dumps(body)


_ACTIONS: Final[Mapping[str, Callable[[CodeCommitResponse], str]]] = {
    "put_file": put_file,
    "create_commit": create_commit,
    "get_file": get_file,
    "get_folder": get_folder,
    "get_commit": get_commit_action,
    "get_branch": get_branch,
    "create_branch": create_branch,
    "list_branches": list_branches,
    "get_differences": get_differences,
}


def install() -> None:
    """Add the actions to moto's CodeCommitResponse (idempotent)."""
    for name, fn in _ACTIONS.items():
        setattr(fn, _PATCHED_MARK, True)
        setattr(CodeCommitResponse, name, fn)


def reset() -> None:
    """Forget every commit, blob and branch."""
    with _LOCK:
        _REPOS.clear()
