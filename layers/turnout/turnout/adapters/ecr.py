"""ECR: what a pushed digest is, and which tags it carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from turnout.adapters.aws import ServiceAdapter, error_code
from turnout.errors import ImageNotFound


@dataclass(frozen=True)
class ImageInfo:
    registry_id: str
    repository: str
    digest: str
    tags: tuple[str, ...]


class Ecr(ServiceAdapter):
    aws_service = "ecr"

    def __init__(self, repository: str, client: Any | None = None) -> None:
        self.repository = repository
        super().__init__(client)

    def image(self, digest: str) -> ImageInfo:
        try:
            details = self.api.describe_images(
                repositoryName=self.repository, imageIds=[{"imageDigest": digest}]
            )["imageDetails"]
        except Exception as exc:
            if error_code(exc) in (
                "ImageNotFoundException",
                "RepositoryNotFoundException",
                "InvalidParameterException",
            ):
                raise ImageNotFound(
                    f"image {digest} is not in ECR repository {self.repository}"
                ) from None
            raise
        if not details:
            raise ImageNotFound(f"image {digest} is not in ECR repository {self.repository}")
        d = details[0]
        return ImageInfo(
            str(d["registryId"]),
            self.repository,
            str(d["imageDigest"]),
            tuple(d.get("imageTags", [])),
        )
