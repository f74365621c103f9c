"""The sandbox API of the CodeCommit emulator (no HTTP): commit, read files, resolve refs.

Each call works on the sandbox runtime's account and region, with the rules and error codes
of the AWS API (:class:`~turnout_sandbox.emulators.codecommit.models.CodeCommitError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from turnout_sandbox.emulators.codecommit.commits import (
    CommitRequest,
    CommitResult,
    Put,
    apply_commit,
    normalise_path,
)
from turnout_sandbox.emulators.codecommit.events import emit
from turnout_sandbox.emulators.codecommit.models import (
    CodeCommitError,
    Commit,
    locked,
    repo_state,
    resolve_spec,
    where,
)

__all__ = ["branch_head", "commit_files", "file_at", "get_commit", "resolve_commit"]


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
    account, region = where()
    puts = [
        Put(normalise_path(p), c.encode() if isinstance(c, str) else bytes(c), None)
        for p, c in files.items()
    ]
    deletes = [normalise_path(p) for p in delete]

    def run() -> CommitResult:
        state, _ = repo_state(account, region, repository)
        expected = parent if parent is not None else state.branches.get(branch)
        return apply_commit(
            CommitRequest(
                account, region, repository, branch, expected, puts, deletes, message, author, email
            )
        )

    result = locked(run)
    emit(result.event)
    return result.commit.commit_id


def file_at(repository: str, commit_or_branch: str, path: str) -> bytes:
    """The content of ``path`` at a commit id or branch; raises FileDoesNotExistException etc."""
    account, region = where()
    clean = normalise_path(path)

    def run() -> bytes:
        state, _ = repo_state(account, region, repository)
        commit = resolve_spec(state, repository, commit_or_branch)
        entry = commit.files.get(clean)
        if entry is None:
            raise CodeCommitError(
                "FileDoesNotExistException",
                f"The file '{clean}' does not exist at {commit.commit_id} of {repository}.",
            )
        return state.blobs[entry.blob_id]

    return locked(run)


def resolve_commit(repository: str, specifier: str | None) -> str:
    """The commit id a commit id, branch, ``refs/heads/<b>`` or None (default branch) names."""
    account, region = where()
    return locked(
        lambda: (
            resolve_spec(
                repo_state(account, region, repository)[0], repository, specifier
            ).commit_id
        )
    )


def get_commit(repository: str, commit_id: str) -> Commit:
    account, region = where()
    return locked(
        lambda: resolve_spec(repo_state(account, region, repository)[0], repository, commit_id)
    )


def branch_head(repository: str, branch: str) -> str | None:
    """The commit id at the tip of ``branch``, or None when the branch does not exist."""
    account, region = where()
    return locked(lambda: repo_state(account, region, repository)[0].branches.get(branch))
