"""ECR image pushes with real digests and AWS's ``ECR Image Action`` events.

moto 5.2.5 stores images but emits no event, and without an explicit ``imageDigest`` it
invents one that is not the manifest's sha256. This module:

- offers :func:`push_image` (what ``docker push`` does: one PutImage per tag, digest
  ``"sha256:" + sha256(manifest bytes)``, one PUSH event per tag);
- patches moto's ``ECRResponse.put_image`` so a PutImage through the API stores the
  manifest's real digest and emits the PUSH event;
- patches ``ECRResponse.batch_delete_image`` to emit a DELETE event per deleted image id.

Nothing is patched at import: :data:`PATCHES` are applied and undone by the sandbox's registry
(:mod:`turnout_sandbox.patches`). Images live in moto's own ECR backend; this module keeps no
state of its own (a lock serialises pushes).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from moto.core.responses import ActionResult
from moto.ecr.exceptions import (
    ImageAlreadyExistsException,
    InvalidParameterException,
    RepositoryNotFoundException,
)
from moto.ecr.models import ECRBackend, ecr_backends
from moto.ecr.responses import ECRResponse

from turnout_sandbox.patches import Internal, Patch, replaces
from turnout_sandbox.runtime import get_runtime

__all__ = [
    "DOCKER_CONFIG_V1",
    "DOCKER_MANIFEST_V2",
    "INTERNALS",
    "PATCHES",
    "manifest_digest",
    "push_image",
    "reset",
]

DOCKER_MANIFEST_V2: Final = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG_V1: Final = "application/vnd.docker.container.image.v1+json"
_LOCK = threading.RLock()


def manifest_digest(manifest: str | bytes) -> str:
    """The registry digest of a manifest: ``sha256:`` + sha256 of its exact bytes."""
    raw = manifest.encode() if isinstance(manifest, str) else manifest
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _backend(account: str, region: str, repository: str) -> ECRBackend:
    backend: ECRBackend = ecr_backends[account][region]
    if repository not in backend.repositories:
        raise RepositoryNotFoundException(repository, account)
    return backend


def _detail(
    action: str, repository: str, digest: str, tag: str | None, media_type: str | None
) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "result": "SUCCESS",
        "repository-name": repository,
        "image-digest": digest,
        "action-type": action,
    }
    if tag is not None:
        detail["image-tag"] = tag
    if action == "PUSH" and media_type:
        detail["manifest-media-type"] = media_type
        detail["artifact-media-type"] = DOCKER_CONFIG_V1
    return detail


def _emit(detail: Mapping[str, Any]) -> None:
    get_runtime().put_event("aws.ecr", "ECR Image Action", detail, [])


def push_image(
    repository: str,
    manifest: str,
    tags: Sequence[str],
    media_type: str = DOCKER_MANIFEST_V2,
    *,
    account: str | None = None,
    region: str | None = None,
) -> str:
    """Push ``manifest`` under each tag (like ``docker push``); return its digest.

    Emits one ``ECR Image Action`` PUSH event per tag that was put. Pushing a tag that
    already names this very manifest is a no-op (as ``docker push`` of an unchanged image).
    Raises moto's ``RepositoryNotFoundException`` for an unknown repository.
    """
    rt = get_runtime()
    acct, reg = account or rt.account, region or rt.region
    digest = manifest_digest(manifest)
    pushed: list[str] = []
    with _LOCK:
        backend = _backend(acct, reg, repository)
        for tag in dict.fromkeys(tags):  # unique, in order
            try:
                backend.put_image(repository, manifest, tag, media_type, digest)
            except ImageAlreadyExistsException:
                continue
            pushed.append(tag)
    for tag in pushed:
        _emit(_detail("PUSH", repository, digest, tag, media_type))
    return digest


# -- moto Response patches -----------------------------------------------------------------------
@replaces(
    ECRResponse,
    "put_image",
    name="ecr.put-image",
    why=(
        "PutImage stores the manifest's real digest (sha256 of its bytes; moto invents one) "
        "and emits AWS's 'ECR Image Action' PUSH event (moto emits none)"
    ),
)
def put_image(self: ECRResponse) -> ActionResult:
    repository = str(self._get_param("repositoryName"))
    manifest = self._get_param("imageManifest")
    tag = self._get_param("imageTag")
    media_type = self._get_param("imageManifestMediaType")
    if not isinstance(manifest, str):
        raise InvalidParameterException("Invalid parameter at 'imageManifest': it is required")
    try:
        json.loads(manifest)
    except json.JSONDecodeError as exc:
        raise InvalidParameterException(
            f"Invalid parameter at 'imageManifest' failed to satisfy constraint: "
            f"'Invalid JSON syntax' ({exc.msg} at char {exc.pos})"
        ) from exc
    digest = self._get_param("imageDigest") or manifest_digest(manifest)
    with _LOCK:
        backend = _backend(self.current_account, self.region, repository)
        image = backend.put_image(repository, manifest, tag, media_type, digest)
    if media_type is None:
        media_type = image.image_manifest_media_type
    _emit(_detail("PUSH", repository, image.get_image_digest(), tag, media_type))
    return ActionResult({"image": image})


def _digest_and_tag(image_id: Any) -> tuple[str, str | None]:
    """moto's deleted image ids are dicts or small objects, depending on the code path."""
    if isinstance(image_id, Mapping):
        digest, tag = image_id.get("imageDigest"), image_id.get("imageTag")
    else:
        digest = getattr(image_id, "image_digest", None)
        tag = getattr(image_id, "image_tag", None)
    return str(digest), (str(tag) if tag is not None else None)


@replaces(
    ECRResponse,
    "batch_delete_image",
    name="ecr.batch-delete-image",
    why="BatchDeleteImage emits AWS's 'ECR Image Action' DELETE event per deleted image",
)
def batch_delete_image(self: ECRResponse) -> ActionResult:
    original: Callable[[ECRResponse], ActionResult] = batch_delete_image.original
    repository = str(self._get_param("repositoryName"))
    result = original(self)
    payload = result.result
    deleted = payload.get("imageIds", []) if isinstance(payload, dict) else []
    for image_id in deleted:
        _emit(_detail("DELETE", repository, *_digest_and_tag(image_id), None))
    return result


PATCHES: Final[tuple[Patch, ...]] = (put_image, batch_delete_image)
INTERNALS: Final[tuple[Internal, ...]] = (
    Internal(
        "moto.core.responses:BaseResponse._get_param",
        "the patched ECRResponse actions read request parameters as moto's own actions do",
    ),
)


def reset() -> None:
    """ECR keeps no state of its own (images live in moto's backend)."""
