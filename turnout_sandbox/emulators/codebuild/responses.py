"""StartBuild, BatchGetBuilds, StopBuild, ListBuildsForProject and ListBuilds, as methods of
moto's ``CodeBuildResponse``.

moto 5.2.5's StartBuild runs nothing and its BatchGetBuilds flips a build to SUCCEEDED on
first read; these answer from the emulated builds (:mod:`.runner`) with AWS's shapes and
error codes (botocore's ``codebuild`` service model). :data:`PATCHES` puts them in moto;
nothing is patched at import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from moto.codebuild.models import codebuild_backends
from moto.codebuild.responses import CodeBuildResponse
from moto.core.responses import ActionResult

from turnout_sandbox.emulators.codebuild.models import LOCK, CodeBuildError, backend, snapshot
from turnout_sandbox.emulators.codebuild.runner import start, stop
from turnout_sandbox.patches import AttributePatch, Internal

__all__ = ["ACTIONS", "INTERNALS", "PATCHES"]


def _start_build_action(self: CodeBuildResponse) -> ActionResult:
    name = self._get_param("projectName")
    if not name:
        raise CodeBuildError("InvalidInputException", "projectName is required")
    overrides = self._get_param("environmentVariablesOverride") or []
    build = start(
        self.current_account,
        self.region,
        str(name),
        source_version=self._get_param("sourceVersion"),
        overrides=overrides,
        buildspec_override=self._get_param("buildspecOverride"),
    )
    return ActionResult({"build": build})


def _batch_get_builds_action(self: CodeBuildResponse) -> ActionResult:
    ids = self._get_param("ids") or []
    if not ids:
        raise CodeBuildError("InvalidInputException", "ids must contain at least one build ID")
    found: list[dict[str, Any]] = []
    missing: list[str] = []
    for build_id in ids:
        if ":" not in str(build_id):
            raise CodeBuildError(
                "InvalidInputException", f"Invalid build ID provided: {build_id!r}"
            )
        builds = backend(self.current_account, self.region).builds
        with LOCK:
            build = builds.get(str(build_id))
        if build is None:
            missing.append(str(build_id))
        else:
            found.append(snapshot(build))
    return ActionResult({"builds": found, "buildsNotFound": missing})


def _stop_build_action(self: CodeBuildResponse) -> ActionResult:
    build_id = str(self._get_param("id") or "")
    return ActionResult({"build": stop(self.current_account, self.region, build_id)})


def _ids(account: str, region: str, project: str | None, order: str | None) -> list[str]:
    known = backend(account, region).builds
    with LOCK:
        builds = list(known.values())
    chosen = [b for b in builds if project is None or b.data["projectName"] == project]
    ids = [b.data["id"] for b in chosen]  # insertion order = start order
    return ids if order == "ASCENDING" else list(reversed(ids))


def _list_builds_for_project_action(self: CodeBuildResponse) -> ActionResult:
    name = str(self._get_param("projectName") or "")
    if name not in codebuild_backends[self.current_account][self.region].codebuild_projects:
        raise CodeBuildError(
            "ResourceNotFoundException",
            f"The provided project arn:aws:codebuild:{self.region}:{self.current_account}"
            f":project/{name} does not exist",
        )
    return ActionResult(
        {"ids": _ids(self.current_account, self.region, name, self._get_param("sortOrder"))}
    )


def _list_builds_action(self: CodeBuildResponse) -> ActionResult:
    return ActionResult(
        {"ids": _ids(self.current_account, self.region, None, self._get_param("sortOrder"))}
    )


ACTIONS: Final[Mapping[str, Callable[[CodeBuildResponse], ActionResult]]] = {
    "start_build": _start_build_action,
    "batch_get_builds": _batch_get_builds_action,
    "stop_build": _stop_build_action,
    "list_builds_for_project": _list_builds_for_project_action,
    "list_builds": _list_builds_action,
}


#: Everything the emulator changes in moto: the build actions of ``CodeBuildResponse``.
PATCHES: Final[tuple[AttributePatch, ...]] = tuple(
    AttributePatch(
        name=f"codebuild.{name}",
        owner="moto.codebuild.responses:CodeBuildResponse",
        attribute=name,
        new=fn,
        why=why,
    )
    for (name, fn), why in zip(
        ACTIONS.items(),
        (
            "moto's StartBuild runs nothing: run the phases on the virtual clock, push the image",
            "moto's BatchGetBuilds flips a build to SUCCEEDED on first read: answer the "
            "emulated build as it is now, with buildsNotFound",
            "StopBuild of an emulated build: STOPPED, no image, the state-change event",
            "ListBuildsForProject of the emulated builds (newest first unless ASCENDING)",
            "ListBuilds of the emulated builds (newest first unless ASCENDING)",
        ),
        strict=True,
    )
)

#: The private moto names the emulator reads (no public path exists).
INTERNALS: Final[tuple[Internal, ...]] = (
    Internal(
        "moto.core.responses:BaseResponse._get_param",
        "the request parameters of a JSON-protocol action, as every moto *Response reads them "
        "(moto has no public accessor)",
    ),
)
