"""CodeCommit files, commits, branches and push events, with git's object model.

moto 5.2.5 only knows repositories (create/get/delete). This package adds the file and commit
actions to moto's ``CodeCommitResponse`` so they answer in-process (``mock_aws``), over HTTP
(``ThreadedMotoServer``) and from Step Functions tasks alike, with AWS's request/response
shapes and error codes (botocore's ``codecommit`` service model). After moto's layout:

* :mod:`.objects`: git's object ids (blobs, trees, commits), exactly as git hashes them;
* :mod:`.models`: the state, per account and region in a moto ``BackendDict`` (moto's own
  reset clears it), and reading it (commit specifiers);
* :mod:`.commits`: making a commit with AWS's rules (paths, modes, parents, conflicts);
* :mod:`.events`: moving a branch and its ``CodeCommit Repository State Change`` event,
  emitted through :func:`turnout_sandbox.runtime.Runtime.put_event`;
* :mod:`.responses`: the ``CodeCommitResponse`` methods and their :data:`PATCHES`;
* :mod:`.api`: the sandbox API (no HTTP): :func:`commit_files`, :func:`file_at`,
  :func:`resolve_commit`, :func:`get_commit`, :func:`branch_head`.
"""

from __future__ import annotations

from turnout_sandbox.emulators.codecommit.api import (
    branch_head,
    commit_files,
    file_at,
    get_commit,
    resolve_commit,
)
from turnout_sandbox.emulators.codecommit.models import (
    LOCK,
    CodeCommitEmulatorBackend,
    CodeCommitError,
    Commit,
    codecommit_emulator_backends,
)
from turnout_sandbox.emulators.codecommit.objects import GIT_MODES, FileEntry, blob_id
from turnout_sandbox.emulators.codecommit.responses import INTERNALS, PATCHES
from turnout_sandbox.emulators.patchset import apply_all

__all__ = [
    "GIT_MODES",
    "INTERNALS",
    "PATCHES",
    "CodeCommitEmulatorBackend",
    "CodeCommitError",
    "Commit",
    "FileEntry",
    "blob_id",
    "branch_head",
    "codecommit_emulator_backends",
    "commit_files",
    "file_at",
    "get_commit",
    "install",
    "reset",
    "resolve_commit",
]


def install() -> None:
    """Apply :data:`PATCHES` (idempotent): the actions join moto's CodeCommitResponse."""
    apply_all(PATCHES)


def reset() -> None:
    """Forget every commit, blob and branch, in every account and region."""
    with LOCK:
        for _, _, backend in codecommit_emulator_backends.iter_backends():
            backend.reset()
        codecommit_emulator_backends.clear()
