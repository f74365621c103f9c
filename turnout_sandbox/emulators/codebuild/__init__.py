"""CodeBuild builds that walk AWS's phases on the virtual clock and push a real image.

moto 5.2.5's StartBuild runs nothing and BatchGetBuilds flips a build to SUCCEEDED on first
read. This package replaces StartBuild, BatchGetBuilds, StopBuild, ListBuildsForProject and
ListBuilds on moto's ``CodeBuildResponse`` with an emulation, after moto's layout:

* :mod:`.models`: the builds, per account and region in a moto ``BackendDict`` (moto's own
  reset stops and forgets them), and the phases with their virtual durations:
  SUBMITTED → QUEUED → PROVISIONING → DOWNLOAD_SOURCE → INSTALL → PRE_BUILD → BUILD →
  POST_BUILD → UPLOAD_ARTIFACTS → FINALIZING → COMPLETED, about 90 virtual seconds;
* :mod:`.runner`: starting a build of a project at a CodeCommit ``sourceVersion`` and
  walking its phases (a failed phase skips to FINALIZING; no image is pushed);
* :mod:`.buildspec`: DOWNLOAD_SOURCE's YAML_FILE_ERROR for a missing or malformed buildspec
  (``source.buildspec`` path, inline buildspec, or ``buildspec.yml``);
* :mod:`.image`: the Docker manifest v2 POST_BUILD pushes to ECR, its digests derived from
  the commit's tree;
* :mod:`.events`: ``CodeBuild Build State Change`` (IN_PROGRESS, then
  SUCCEEDED/FAILED/STOPPED) and ``CodeBuild Build Phase Change`` with AWS's detail shape;
* :mod:`.responses`: the ``CodeBuildResponse`` methods and their :data:`PATCHES`;
* :mod:`.api`: the sandbox API (no HTTP); outcomes are scriptable per commit with
  :func:`script_build`.
"""

from __future__ import annotations

from turnout_sandbox.emulators.codebuild.api import get_build, script_build, start_build, stop_build
from turnout_sandbox.emulators.codebuild.image import build_manifest
from turnout_sandbox.emulators.codebuild.models import (
    LOCK,
    PHASE_SECONDS,
    CodeBuildEmulatorBackend,
    CodeBuildError,
    codebuild_emulator_backends,
)
from turnout_sandbox.emulators.codebuild.responses import INTERNALS, PATCHES
from turnout_sandbox.emulators.patchset import apply_all

__all__ = [
    "INTERNALS",
    "PATCHES",
    "PHASE_SECONDS",
    "CodeBuildEmulatorBackend",
    "CodeBuildError",
    "build_manifest",
    "codebuild_emulator_backends",
    "get_build",
    "install",
    "reset",
    "script_build",
    "start_build",
    "stop_build",
]


def install() -> None:
    """Apply :data:`PATCHES` (idempotent): the build actions of moto's CodeBuildResponse."""
    apply_all(PATCHES)


def reset() -> None:
    """Forget every build, build number and script. Running builds stop advancing."""
    with LOCK:
        for _, _, backend in codebuild_emulator_backends.iter_backends():
            backend.reset()
        codebuild_emulator_backends.clear()
