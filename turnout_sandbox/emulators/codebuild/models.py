"""The CodeBuild emulator's state: per account and region, its builds, numbers and scripts.

moto 5.2.5 keeps projects in ``codebuild_backends``; the emulated builds live here, in
:data:`codebuild_emulator_backends` (a moto ``BackendDict``, so moto's own reset forgets them
with the projects). A backend's reset first stops its running builds (their phases stop
advancing on the virtual clock), then forgets them.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from moto.core.base_backend import BackendDict, BaseBackend

from turnout_sandbox.emulators.errors import AwsApiError

__all__ = [
    "LOCK",
    "PHASES",
    "PHASE_SECONDS",
    "SCRIPTABLE",
    "Build",
    "CodeBuildEmulatorBackend",
    "CodeBuildError",
    "Failure",
    "Script",
    "at",
    "backend",
    "codebuild_emulator_backends",
    "find",
    "snapshot",
]

#: Virtual seconds each phase takes (about 90 in all). SUBMITTED and COMPLETED are instants.
PHASE_SECONDS: Final[Mapping[str, float]] = {
    "QUEUED": 2.0,
    "PROVISIONING": 15.0,
    "DOWNLOAD_SOURCE": 4.0,
    "INSTALL": 8.0,
    "PRE_BUILD": 6.0,
    "BUILD": 35.0,
    "POST_BUILD": 12.0,
    "UPLOAD_ARTIFACTS": 2.0,
    "FINALIZING": 4.0,
}
#: AWS's build phases in order
#: (https://docs.aws.amazon.com/codebuild/latest/userguide/view-build-details.html).
PHASES: Final = (
    "SUBMITTED",
    "QUEUED",
    "PROVISIONING",
    "DOWNLOAD_SOURCE",
    "INSTALL",
    "PRE_BUILD",
    "BUILD",
    "POST_BUILD",
    "UPLOAD_ARTIFACTS",
    "FINALIZING",
    "COMPLETED",
)
SCRIPTABLE: Final = PHASES[2:-2]  # PROVISIONING .. UPLOAD_ARTIFACTS


class CodeBuildError(AwsApiError):
    """An AWS CodeBuild error: ``error_code`` is the AWS error code."""


@dataclass(frozen=True)
class Script:
    outcome: Literal["SUCCEEDED", "FAILED"]
    phase: str
    message: str


@dataclass
class Failure:
    status_code: str
    message: str


@dataclass
class Build:
    account: str
    region: str
    data: dict[str, Any]
    repository: str | None
    env: dict[str, str]
    buildspec: str
    phase_started: float = 0.0  # virtual epoch seconds the running phase started at
    phase_index: int = 1  # QUEUED is running after StartBuild
    failure: Failure | None = None
    commit_id: str | None = None
    image_digest: str | None = None
    #: How many characters of the commit id the image's commit tag keeps (the buildspec's
    #: own choice, :func:`.buildspec.commit_tag_length`): 40, the whole id, by default.
    commit_tag_length: int = 40
    done: bool = False
    events: list[str] = field(default_factory=list)


#: One lock for every build (the virtual clock's thread advances them).
LOCK: Final = threading.RLock()


class CodeBuildEmulatorBackend(BaseBackend):
    """The builds of one account and region (by build id, in start order), the last build
    number of each project, and the scripted outcome of each commit."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.builds: dict[str, Build] = {}
        self.numbers: dict[str, int] = {}
        self.scripts: dict[str, Script] = {}

    def reset(self) -> None:
        """Stop the running builds (they stop advancing), then forget everything."""
        with LOCK:
            for build in self.builds.values():
                build.done = True
            super().reset()


#: Per account and region, like moto's ``codebuild_backends`` (same service name, regions).
codebuild_emulator_backends: Final = BackendDict(CodeBuildEmulatorBackend, "codebuild")


def backend(account: str, region: str) -> CodeBuildEmulatorBackend:
    """The backend of an account and region. Call it outside :data:`LOCK`: creating one takes
    moto's backend lock, under which moto's reset takes :data:`LOCK` (a backend's reset)."""
    return codebuild_emulator_backends[account][region]


def at(virtual: float) -> datetime:
    return datetime.fromtimestamp(virtual, tz=UTC)


def snapshot(build: Build) -> dict[str, Any]:
    """A deep copy of the ``Build`` shape (what the API answers)."""
    with LOCK:
        data: dict[str, Any] = copy.deepcopy(build.data)
        return data


def find(account: str, region: str, build_id: str) -> Build:
    if ":" not in build_id:
        raise CodeBuildError("InvalidInputException", f"Invalid build ID provided: {build_id!r}")
    builds = backend(account, region).builds
    with LOCK:
        build = builds.get(build_id)
    if build is None:
        raise CodeBuildError("ResourceNotFoundException", f"Build {build_id} does not exist")
    return build
