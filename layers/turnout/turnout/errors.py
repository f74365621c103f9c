"""Typed errors. The class name is the Lambda ``errorType`` that the state machines Catch.

Every message names the file, field or value at fault. Never match on message text:
catch by class (in Python) or by name (in ASL).
"""

from __future__ import annotations


class TurnoutError(Exception):
    """Base of every error turnout raises on purpose."""

    #: True when retrying the same input cannot help (bad input, missing file, ...).
    permanent: bool = True

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def name(self) -> str:
        return type(self).__name__


class InvalidEvent(TurnoutError):
    """An event or manual input that does not have the expected shape."""


class ConfigError(TurnoutError):
    """The stack's configuration (environment variables) is missing or invalid."""


class CommitNotFound(TurnoutError):
    """A commit id that the CodeCommit repository does not know."""


class BranchNotFound(TurnoutError):
    """A branch that the CodeCommit repository does not have."""


class SourceFileNotFound(TurnoutError):
    """taskdef.json or appspec.yaml is missing at the commit."""


class ImageNotFound(TurnoutError):
    """An image digest or tag that ECR does not know."""


class ImageCommitUnknown(TurnoutError):
    """No tag on the pushed digest is a commit id, so the source commit is unknown."""


class TaskDefinitionInvalid(TurnoutError):
    """taskdef.json is not valid JSON or not a valid task definition."""


class AppSpecInvalid(TurnoutError):
    """appspec.yaml/json is not a valid ECS AppSpec, or disagrees with the task definition."""


class PlaceholderMissing(TurnoutError):
    """An image placeholder is absent, or present without a value to put in."""


class UnknownContainer(TurnoutError):
    """A mapping names a container the task definition does not have."""


class GateFailed(TurnoutError):
    """The health gate saw the new task set unhealthy."""


class GateTimedOut(TurnoutError):
    """The health gate did not see the new task set healthy in time."""


class DeploymentFailed(TurnoutError):
    """CodeDeploy reported the deployment failed or stopped."""


class RollbackRequested(TurnoutError):
    """An operator asked to roll back: the gate's wait is failed with this name."""


class UntrustedInvocation(TurnoutError):
    """An invocation CodeDeploy does not confirm (another application or group, a deployment
    that is not running, a wait already armed with another token): refused, nothing changed."""


class TransientError(TurnoutError):
    """A temporary failure worth retrying (throttling, a race lost)."""

    permanent = False


class ImageProvenanceUnknown(TurnoutError):
    """The pushed digest is not one this stack's build produced (security-review row 3)."""


class ImageProvenancePending(TurnoutError):
    """This stack's build of the commit has not recorded its digest yet: retry later.

    Not a TransientError subclass on purpose: only ResolveImage retries it (Step Functions
    matches the exact name, so each retrier lists it by name)."""

    permanent = False


ALL_ERRORS: tuple[type[TurnoutError], ...] = (
    InvalidEvent,
    ConfigError,
    CommitNotFound,
    BranchNotFound,
    SourceFileNotFound,
    ImageNotFound,
    ImageCommitUnknown,
    TaskDefinitionInvalid,
    AppSpecInvalid,
    PlaceholderMissing,
    UnknownContainer,
    GateFailed,
    GateTimedOut,
    DeploymentFailed,
    RollbackRequested,
    UntrustedInvocation,
    TransientError,
    ImageProvenanceUnknown,
    ImageProvenancePending,
)


class PolicyViolation(TurnoutError):
    """taskdef.json or appspec.yaml asks for what the stack's policy refuses (host privileges,
    another role, family, image, secret, hook, network...): the message names the file, the
    field and the rule, and the stack parameter that relaxes it where there is one."""


ALL_ERRORS = (*ALL_ERRORS, PolicyViolation)
