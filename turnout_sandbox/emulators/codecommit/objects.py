"""git's object ids: blobs, trees and commits hash exactly as git hashes them.

A blob id is ``sha1("blob <len>\\0" + content)``, a tree id is git's tree hash of the
snapshot, a commit id is ``sha1`` of git's commit serialisation (tree, parents, author,
committer with the virtual-clock timestamp, message): CodeCommit's ids are git's
(https://git-scm.com/book/en/v2/Git-Internals-Git-Objects).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

__all__ = ["GIT_MODES", "FileEntry", "blob_id", "commit_id", "tree_of"]

#: CodeCommit's file modes and the git modes they stand for.
GIT_MODES: Final[Mapping[str, str]] = {
    "NORMAL": "100644",
    "EXECUTABLE": "100755",
    "SYMLINK": "120000",
}
_TREE_MODE: Final = "40000"


@dataclass(frozen=True)
class FileEntry:
    """One file of a snapshot: its blob id and CodeCommit file mode (NORMAL/EXECUTABLE/SYMLINK)."""

    blob_id: str
    mode: str


def _git_hash(kind: bytes, body: bytes) -> str:
    data = kind + b" " + str(len(body)).encode() + b"\0" + body
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()  # git object ids are sha1


def blob_id(content: bytes) -> str:
    """git's blob id of ``content``."""
    return _git_hash(b"blob", content)


def tree_of(files: Mapping[str, FileEntry], prefix: str = "") -> str:
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
            mode, sha, key = _TREE_MODE, tree_of(files, sub), name + "/"
        else:
            mode, sha, key = GIT_MODES[child.mode], child.blob_id, name
        items.append((key.encode(), f"{mode} {name}".encode() + b"\0" + bytes.fromhex(sha)))
    items.sort(key=lambda item: item[0])
    return _git_hash(b"tree", b"".join(entry for _, entry in items))


def commit_id(
    tree: str, parents: Sequence[str], *, ident: tuple[str, str, int], message: str
) -> str:
    """git's commit id: tree, parents, author and committer (same ident), message."""
    name, email, ts = ident
    lines = [f"tree {tree}", *(f"parent {p}" for p in parents)]
    who = f"{name} <{email}> {ts} +0000"
    lines += [f"author {who}", f"committer {who}", "", message]
    return _git_hash(b"commit", "\n".join(lines).encode())
