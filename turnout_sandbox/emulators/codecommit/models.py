"""The CodeCommit emulator's state: per account and region, each repository's git history.

moto 5.2.5 keeps repositories (create/get/delete) in ``codecommit_backends``; the objects,
commits and branches of each live here, in :data:`codecommit_emulator_backends` (a moto
``BackendDict``, so moto's own reset forgets them with the repositories). A repository that
is deleted and created again (a new ``repositoryId``) starts with a fresh history.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from moto.codecommit.models import codecommit_backends
from moto.core.base_backend import BackendDict, BaseBackend

from turnout_sandbox.emulators.codecommit.objects import FileEntry
from turnout_sandbox.emulators.errors import AwsApiError
from turnout_sandbox.runtime import get_runtime

__all__ = [
    "LOCK",
    "CodeCommitEmulatorBackend",
    "CodeCommitError",
    "Commit",
    "RepoState",
    "codecommit_emulator_backends",
    "locked",
    "repo_state",
    "resolve_spec",
    "where",
]


class CodeCommitError(AwsApiError):
    """An AWS CodeCommit error: ``error_code`` is the AWS error code (the exception shape)."""


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
class RepoState:
    """One repository's git side: blobs by id, commits by id, branch heads."""

    repository_id: str
    blobs: dict[str, bytes] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    default_branch: str | None = None


class CodeCommitEmulatorBackend(BaseBackend):
    """The git histories of one account and region, by repository name."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.repos: dict[str, RepoState] = {}


#: Per account and region, like moto's ``codecommit_backends`` (same service name, regions).
codecommit_emulator_backends: Final = BackendDict(CodeCommitEmulatorBackend, "codecommit")

#: One lock for every repository's history (a commit reads and moves a branch atomically).
LOCK: Final = threading.RLock()


def locked[T](fn: Callable[[], T]) -> T:
    with LOCK:
        return fn()


def where() -> tuple[str, str]:
    """The sandbox runtime's account and region (the sandbox API's)."""
    rt = get_runtime()
    return rt.account, rt.region


def _metadata(account: str, region: str, repository: str) -> dict[str, Any]:
    if not repository:
        raise CodeCommitError("RepositoryNameRequiredException", "A repository name is required.")
    repo = codecommit_backends[account][region].repositories.get(repository)
    if repo is None:
        raise CodeCommitError("RepositoryDoesNotExistException", f"{repository} does not exist")
    metadata: dict[str, Any] = repo.repository_metadata
    return metadata


def repo_state(account: str, region: str, repository: str) -> tuple[RepoState, dict[str, Any]]:
    """The history of a moto repository and its metadata; the caller holds :data:`LOCK`."""
    metadata = _metadata(account, region, repository)
    repos = codecommit_emulator_backends[account][region].repos
    state = repos.get(repository)
    if state is None or state.repository_id != metadata["repositoryId"]:
        # first use, or the repository was deleted and created again: a fresh history
        state = RepoState(repository_id=str(metadata["repositoryId"]))
        repos[repository] = state
    return state, metadata


def resolve_spec(state: RepoState, repository: str, specifier: str | None) -> Commit:
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
