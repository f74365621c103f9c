"""CodeCommit: commits, branches and files at a commit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from turnout.adapters.aws import ServiceAdapter, error_code
from turnout.errors import BranchNotFound, CommitNotFound, SourceFileNotFound

if TYPE_CHECKING:
    from mypy_boto3_codecommit import CodeCommitClient

#: The codes CodeCommit answers for a commit id it does not know (the CLI maps them too,
#: through :meth:`CodeCommit.commit`).
COMMIT_MISSING = (
    "CommitIdDoesNotExistException",
    "CommitDoesNotExistException",
    "InvalidCommitIdException",
)
#: The codes CodeCommit answers for a branch it does not have.
BRANCH_MISSING = ("BranchDoesNotExistException", "InvalidBranchNameException")


class CodeCommit(ServiceAdapter):
    aws_service = "codecommit"

    def __init__(self, repository: str, client: CodeCommitClient | None = None) -> None:
        self.repository = repository
        super().__init__(client)

    @property
    def api(self) -> CodeCommitClient:
        return cast("CodeCommitClient", super().api)

    def commit(self, commit_id: str) -> dict[str, Any]:
        try:
            found = dict(
                self.api.get_commit(repositoryName=self.repository, commitId=commit_id)["commit"]
            )
        except Exception as exc:
            if error_code(exc) in COMMIT_MISSING:
                raise CommitNotFound(
                    f"commit {commit_id} does not exist in CodeCommit repository {self.repository}"
                ) from None
            raise
        return found

    def commit_time(self, commit_id: str) -> float:
        """The committer date of a commit, in epoch seconds (CodeCommit: "1484167798 -0800")."""
        found = self.commit(commit_id)
        raw = str((found.get("committer") or found.get("author") or {}).get("date", ""))
        try:
            return float(raw.split(maxsplit=1)[0])
        except (ValueError, IndexError):
            return 0.0

    def is_ancestor(self, older: str, newer: str, limit: int = 50) -> bool:
        """True when ``older`` is reachable from ``newer`` through parents (``limit`` commits)."""
        queue, seen = [newer], {newer}
        while queue and len(seen) <= limit:
            current = queue.pop(0)
            for parent in self.commit(current).get("parents", []):
                if parent == older:
                    return True
                if parent not in seen:
                    seen.add(parent)
                    queue.append(parent)
        return False

    def branch_head(self, branch: str) -> str:
        try:
            head: str = self.api.get_branch(repositoryName=self.repository, branchName=branch)[
                "branch"
            ]["commitId"]
        except Exception as exc:
            if error_code(exc) in BRANCH_MISSING:
                raise BranchNotFound(
                    f"branch {branch!r} does not exist in CodeCommit repository {self.repository}"
                ) from None
            raise
        return head

    def file_at(self, commit_id: str, path: str) -> str:
        try:
            body = self.api.get_file(
                repositoryName=self.repository, commitSpecifier=commit_id, filePath=path
            )["fileContent"]
        except Exception as exc:
            code = error_code(exc)
            if code in ("FileDoesNotExistException", "PathDoesNotExistException"):
                raise SourceFileNotFound(
                    f"{path} does not exist in {self.repository} at commit {commit_id}"
                ) from None
            if code in ("CommitDoesNotExistException", "InvalidCommitException"):
                raise CommitNotFound(
                    f"commit {commit_id} does not exist in CodeCommit repository {self.repository}"
                ) from None
            raise
        data = body if isinstance(body, bytes) else str(body).encode()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise SourceFileNotFound(f"{path} at commit {commit_id} is not UTF-8 text") from None
