"""The CodeCommit actions moto 5.2.5 lacks, as methods of its ``CodeCommitResponse``.

Each method reads the request with moto's parameter helper, does the work in
:mod:`~turnout_sandbox.emulators.codecommit.commits` / ``models`` under the lock, emits the
push event after it, and answers with AWS's response shape (botocore's ``codecommit``
service model). :data:`PATCHES` adds them to moto; nothing is patched at import.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from moto.codecommit.responses import CodeCommitResponse

from turnout_sandbox.emulators.codecommit.commits import (
    SHA1_HEX,
    CommitRequest,
    CommitResult,
    Put,
    apply_commit,
    check_mode,
    decode_content,
    normalise_path,
)
from turnout_sandbox.emulators.codecommit.events import BranchEvent, emit, move_branch
from turnout_sandbox.emulators.codecommit.models import (
    CodeCommitError,
    RepoState,
    locked,
    repo_state,
    resolve_spec,
)
from turnout_sandbox.emulators.codecommit.objects import GIT_MODES, FileEntry, tree_of
from turnout_sandbox.patches import AttributePatch, Internal

__all__ = ["ACTIONS", "INTERNALS", "PATCHES"]


def _param(resp: CodeCommitResponse, name: str) -> Any:
    return resp._get_param(name)


def _required_repo_name(resp: CodeCommitResponse) -> str:
    name = _param(resp, "repositoryName")
    if not name:
        raise CodeCommitError("RepositoryNameRequiredException", "A repository name is required.")
    return str(name)


def _commit(
    self: CodeCommitResponse,
    repository: str,
    branch: str,
    puts: Sequence[Put],
    deletes: Sequence[str],
    *,
    author_param: str,
    same_content_error: bool = False,
) -> CommitResult:
    """Make the commit a PutFile / CreateCommit request asks for, then emit its event."""
    account, region = self.current_account, self.region
    result = locked(
        lambda: apply_commit(
            CommitRequest(
                account,
                region,
                repository,
                branch,
                _param(self, "parentCommitId"),
                puts,
                deletes,
                str(_param(self, "commitMessage") or ""),
                _param(self, author_param),
                _param(self, "email"),
                same_content_error=same_content_error,
            )
        )
    )
    emit(result.event)
    return result


def put_file(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    branch = str(_param(self, "branchName") or "")
    path = normalise_path(_param(self, "filePath"))
    content = decode_content(_param(self, "fileContent"), f"PutFile {path}")
    mode = check_mode(_param(self, "fileMode"), f"PutFile {path}")
    result = _commit(
        self,
        repository,
        branch,
        [Put(path, content, mode)],
        [],
        author_param="name",
        same_content_error=True,
    )
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
    puts: list[Put] = []
    for i, item in enumerate(_param(self, "putFiles") or []):
        where = f"putFiles[{i}]"
        path = normalise_path(item.get("filePath"))
        raw, source = item.get("fileContent"), item.get("sourceFile")
        if raw is not None and source is not None:
            raise CodeCommitError(
                "FileContentAndSourceFileSpecifiedException",
                f"{where} ({path}) has both fileContent and sourceFile.",
            )
        content = decode_content(raw, where) if raw is not None else None
        src_path = normalise_path(source.get("filePath")) if source else None
        puts.append(
            Put(
                path,
                content,
                check_mode(item.get("fileMode"), where),
                src_path,
                bool(source.get("isMove")) if source else False,
            )
        )
    deletes = [normalise_path(d.get("filePath")) for d in _param(self, "deleteFiles") or []]
    for i, item in enumerate(_param(self, "setFileModes") or []):
        # a mode change is a put of the same content with the new mode
        path = normalise_path(item.get("filePath"))
        puts.append(Put(path, None, check_mode(item.get("fileMode"), f"setFileModes[{i}]"), path))
    result = _commit(self, repository, branch, puts, deletes, author_param="authorName")
    return json.dumps(
        {
            "commitId": result.commit.commit_id,
            "treeId": result.commit.tree_id,
            "filesAdded": result.added,
            "filesUpdated": result.updated,
            "filesDeleted": result.deleted,
        }
    )


def _read_repo(
    resp: CodeCommitResponse, repository: str, read: Callable[[RepoState], dict[str, Any]]
) -> str:
    """*read* of the repository's history, under the lock, as the JSON response."""
    account, region = resp.current_account, resp.region
    return json.dumps(locked(lambda: read(repo_state(account, region, repository)[0])))


def get_file(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    path = normalise_path(_param(self, "filePath"))

    def read(state: RepoState) -> dict[str, Any]:
        commit = resolve_spec(state, repository, _param(self, "commitSpecifier"))
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

    return _read_repo(self, repository, read)


def get_folder(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    folder = normalise_path(_param(self, "folderPath"), folder=True)

    def read(state: RepoState) -> dict[str, Any]:
        commit = resolve_spec(state, repository, _param(self, "commitSpecifier"))
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
                    "treeId": tree_of(commit.files, sub),
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
            "treeId": tree_of(commit.files, folder),
            "subFolders": list(subfolders.values()),
            "files": files,
            "symbolicLinks": links,
            "subModules": [],
        }

    return _read_repo(self, repository, read)


def get_commit_action(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    commit_id = _param(self, "commitId")
    if not commit_id:
        raise CodeCommitError("CommitIdRequiredException", "A commit ID is required.")
    if not SHA1_HEX.match(str(commit_id)):
        raise CodeCommitError(
            "InvalidCommitIdException", f"The commit ID '{commit_id}' is not valid."
        )

    def read(state: RepoState) -> dict[str, Any]:
        commit = state.commits.get(str(commit_id))
        if commit is None:
            raise CodeCommitError(
                "CommitIdDoesNotExistException",
                f"The commit ID '{commit_id}' does not exist in {repository}.",
            )
        return {"commit": commit.to_api()}

    return _read_repo(self, repository, read)


def get_branch(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    branch = _param(self, "branchName")
    if not branch:
        raise CodeCommitError("BranchNameRequiredException", "A branch name is required.")

    def read(state: RepoState) -> dict[str, Any]:
        head = state.branches.get(str(branch))
        if head is None:
            raise CodeCommitError(
                "BranchDoesNotExistException", f"Branch '{branch}' does not exist in {repository}."
            )
        return {"branch": {"branchName": branch, "commitId": head}}

    return _read_repo(self, repository, read)


def create_branch(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    branch = _param(self, "branchName")
    commit_id = _param(self, "commitId")
    if not branch:
        raise CodeCommitError("BranchNameRequiredException", "A branch name is required.")
    if not commit_id:
        raise CodeCommitError("CommitIdRequiredException", "A commit ID is required.")
    account, region = self.current_account, self.region

    def run() -> BranchEvent:
        state, metadata = repo_state(account, region, repository)
        if branch in state.branches:
            raise CodeCommitError(
                "BranchNameExistsException", f"Branch '{branch}' already exists in {repository}."
            )
        commit = resolve_spec(state, repository, str(commit_id))
        return move_branch(state, metadata, account, str(branch), commit.commit_id)

    emit(locked(run))
    return "{}"


def list_branches(self: CodeCommitResponse) -> str:
    repository = _required_repo_name(self)
    account, region = self.current_account, self.region
    names = locked(lambda: sorted(repo_state(account, region, repository)[0].branches))
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
        state, _ = repo_state(account, region, repository)
        after = resolve_spec(state, repository, str(after_spec)).files
        before = resolve_spec(state, repository, str(before_spec)).files if before_spec else {}
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

    differences = locked(run)
    page = differences[offset : offset + limit]
    body: dict[str, Any] = {"differences": page}
    if offset + limit < len(differences):
        body["NextToken"] = str(offset + limit)
    return json.dumps(body)


ACTIONS: Final[Mapping[str, Callable[[CodeCommitResponse], str]]] = {
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


_WHYS: Final[Mapping[str, str]] = {
    "put_file": "PutFile: commit one file with git ids and emit the push event",
    "create_commit": "CreateCommit: puts, deletes, mode changes and moves in one commit",
    "get_file": "GetFile: a file's content and blob id at a commit specifier",
    "get_folder": "GetFolder: the files, symlinks and subfolders of a folder at a commit",
    "get_commit": "GetCommit: the Commit shape (tree, parents, author, committer)",
    "get_branch": "GetBranch: a branch head",
    "create_branch": "CreateBranch: a new branch at a commit, with its referenceCreated event",
    "list_branches": "ListBranches: the branch names of a repository",
    "get_differences": "GetDifferences: the paginated blob changes between two commits",
}

#: Everything the emulator changes in moto: one action each moto 5.2.5 lacks.
PATCHES: Final[tuple[AttributePatch, ...]] = tuple(
    AttributePatch(
        name=f"codecommit.{name}",
        owner="moto.codecommit.responses:CodeCommitResponse",
        attribute=name,
        new=fn,
        why=f"moto 5.2.5 lacks {_WHYS[name]}",
        must_exist=False,
    )
    for name, fn in ACTIONS.items()
)

#: The private moto names the emulator reads (no public path exists).
INTERNALS: Final[tuple[Internal, ...]] = (
    Internal(
        "moto.core.responses:BaseResponse._get_param",
        "the request parameters of a JSON-protocol action, as every moto *Response reads them "
        "(moto has no public accessor)",
    ),
)
