"""`turnout build`: start the build state machine by hand and follow it."""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from turnout_cli.errors import CliError, OperationFailed
from turnout_cli.ops.common import Follower, current_state, epoch, new_name, store_of
from turnout_cli.parsing import iso
from turnout_cli.session import Aws, error_code
from turnout_cli.stack import Stack
from turnout_cli.status import phase_of_state


@dataclass(frozen=True)
class BuildStarted:
    execution_arn: str
    name: str
    input: dict[str, str]
    started_at: float
    commit_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "executionArn": self.execution_arn,
            "name": self.name,
            "input": self.input,
            "startedAt": iso(self.started_at),
            "commitId": self.commit_id,
        }


def check_source(aws: Aws, stack: Stack, commit: str | None, branch: str | None) -> str:
    """The commit that will be built; CliError when the commit or branch does not exist.

    The core's CodeCommit adapter maps CodeCommit's error codes (the ones the build's own
    ResolveCommit sees); this names the option at fault."""
    from turnout.adapters.codecommit import CodeCommit
    from turnout.errors import BranchNotFound, CommitNotFound

    repository = stack["RepositoryName"]
    source = CodeCommit(repository, client=aws.client("codecommit"))
    try:
        if commit:
            source.commit(commit)
            return commit
        assert branch is not None
        return source.branch_head(branch)
    except CommitNotFound:
        raise CliError(
            f"--commit {commit}: no such commit in CodeCommit repository {repository!r}"
        ) from None
    except BranchNotFound:
        raise CliError(
            f"--branch {branch}: no such branch in CodeCommit repository {repository!r}"
        ) from None
    except Exception as exc:
        if error_code(exc) == "RepositoryDoesNotExistException":
            raise CliError(
                f"CodeCommit repository {repository!r} (stack output RepositoryName) does not "
                f"exist {aws.where()}"
            ) from None
        raise


#: How far back a --commit is looked for on the stack's branch in manual mode (GetCommit
#: calls: CodeCommit's parents walk, as the core's ``CodeCommit.is_ancestor``).
ANCESTRY_LIMIT = 200


def is_manual(stack: Stack) -> bool:
    """BuildTrigger=manual: no push builds, so `turnout build` is the production deploy."""
    return stack.get("BuildTrigger") == "manual"


def guard_production(aws: Aws, stack: Stack, commit: str | None, branch: str) -> str:
    """In manual mode, build only the stack's branch or a commit reachable from its head
    (security-review row 16); returns the branch it checked against. CliError otherwise.

    Reachability is GetCommit's ``parents`` walked from the branch head, at most
    :data:`ANCESTRY_LIMIT` commits (CodeCommit's GetMergeBase would answer it in one call,
    but the build's own ResolveCommit and the sandbox already use GetCommit)."""
    from turnout.adapters.codecommit import CodeCommit

    configured = stack.get("BranchName", "master")
    if commit is None:
        if branch != configured:
            raise CliError(
                f"--branch {branch}: with BuildTrigger=manual `turnout build` is the production "
                f"deploy and builds only the stack's branch {configured!r} (pass --any-branch "
                "to build another)"
            )
        return configured
    source = CodeCommit(stack["RepositoryName"], client=aws.client("codecommit"))
    head = source.branch_head(configured)
    if commit != head and not source.is_ancestor(commit, head, limit=ANCESTRY_LIMIT):
        raise CliError(
            f"--commit {commit}: with BuildTrigger=manual `turnout build` is the production "
            f"deploy and builds only commits of the stack's branch {configured!r}; this one "
            f"is not reachable from its head {head[:12]} (within {ANCESTRY_LIMIT} commits). "
            "Pass --any-branch to build it anyway"
        )
    return configured


def start_build(
    aws: Aws, stack: Stack, commit: str | None, branch: str | None, now: float
) -> BuildStarted:
    arn = stack["BuildStateMachineArn"]
    resolved = check_source(aws, stack, commit, branch)
    payload = {"commitId": commit} if commit else {"branch": str(branch)}
    name = new_name("manual", now)
    started = aws.client("stepfunctions").start_execution(
        stateMachineArn=arn, name=name, input=json.dumps(payload)
    )
    return BuildStarted(
        execution_arn=str(started["executionArn"]),
        name=name,
        input=payload,
        started_at=epoch(started.get("startDate")) or now,
        commit_id=resolved,
    )


def follow_execution(aws: Aws, execution_arn: str, follower: Follower) -> dict[str, Any]:
    sfn = aws.client("stepfunctions")
    while True:
        found: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        status = str(found.get("status", ""))
        if status != "RUNNING":
            if status != "SUCCEEDED":
                cause = found.get("cause") or found.get("error") or "no cause given"
                raise OperationFailed(
                    f"build execution {execution_arn.rsplit(':', 1)[-1]} {status.lower()}: "
                    f"{found.get('error', '')} {cause}".strip()
                )
            return found
        follower.tell(f"build: {phase_of_state('build', current_state(aws, execution_arn))}")
        follower.pause("the build")


def commit_of_build(aws: Aws, stack: Stack, finished: Mapping[str, Any]) -> str:
    try:
        output = json.loads(finished.get("output") or "{}")
    except ValueError:
        output = {}
    commit = (
        str((output.get("attempt") or {}).get("commitId", "")) if isinstance(output, dict) else ""
    )
    if commit:
        return commit
    arn = str(finished.get("executionArn", ""))
    for row in store_of(aws, stack).attempts(stack.service, limit=100):
        if row.get("executionArn") == arn and row.get("commitId"):
            return str(row["commitId"])
    return ""
