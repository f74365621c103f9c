"""ECR's image actions (push, delete): the shapes of the ResolveImage function."""

from __future__ import annotations

from dataclasses import dataclass

from turnout.models import IMAGE_DIGEST_PATTERN, NAME, TEXT, EventBridgeEnvelope
from turnout.shapes import Shape, key, nested, text

__all__ = ["EcrImageActionDetail", "EcrImageActionEvent"]


@dataclass(frozen=True, kw_only=True)
class EcrImageActionDetail(Shape):
    """``detail`` of ``ECR Image Action`` (PUSH or DELETE, SUCCESS or FAILURE)."""

    result: str = key("result", TEXT)  # SUCCESS or FAILURE
    repository_name: str = key("repository-name", NAME)
    image_digest: str = key("image-digest", text(pattern=IMAGE_DIGEST_PATTERN))
    action_type: str = key("action-type", TEXT)  # PUSH or DELETE
    image_tag: str | None = key("image-tag", TEXT, default=None)
    manifest_media_type: str | None = key("manifest-media-type", TEXT, default=None)
    artifact_media_type: str | None = key("artifact-media-type", TEXT, default=None)

    @property
    def is_successful_push(self) -> bool:
        return self.action_type == "PUSH" and self.result == "SUCCESS"


@dataclass(frozen=True, kw_only=True)
class EcrImageActionEvent(EventBridgeEnvelope):
    """An ECR push/delete event. ``replay_name`` is set when EventBridge replays it."""

    source: str = key("source", text(literal="aws.ecr"))
    detail_type: str = key("detail-type", text(literal="ECR Image Action"))
    detail: EcrImageActionDetail = key("detail", nested(EcrImageActionDetail))

    @property
    def is_replay(self) -> bool:
        return self.replay_name is not None
