"""Branch moves and the ``CodeCommit Repository State Change`` event each one emits.

The detail shape is AWS's (https://docs.aws.amazon.com/codecommit/latest/userguide/
monitoring-events.html): ``referenceCreated`` for a new branch, ``referenceUpdated`` with
``oldCommitId`` for a moved one. Events go out through
:func:`turnout_sandbox.runtime.Runtime.put_event`, after the lock is released.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from turnout_sandbox.emulators.codecommit.models import RepoState
from turnout_sandbox.runtime import get_runtime

__all__ = ["BranchEvent", "emit", "move_branch"]


@dataclass(frozen=True)
class BranchEvent:
    detail: dict[str, Any]
    arn: str


def _caller_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


def move_branch(
    state: RepoState, metadata: dict[str, Any], account: str, branch: str, commit_id: str
) -> BranchEvent:
    """Point ``branch`` at ``commit_id`` (the first branch becomes the default); the caller
    holds the lock and emits the returned event once it is released."""
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
    return BranchEvent(detail, str(metadata["Arn"]))


def emit(event: BranchEvent) -> None:
    get_runtime().put_event(
        "aws.codecommit", "CodeCommit Repository State Change", event.detail, [event.arn]
    )
