"""ECR: what a pushed digest is, and which tags it carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from turnout.adapters.aws import ServiceAdapter, error_code
from turnout.errors import ImageNotFound

if TYPE_CHECKING:
    from mypy_boto3_ecr import ECRClient


@dataclass(frozen=True)
class ImageInfo:
    registry_id: str
    repository: str
    digest: str
    tags: tuple[str, ...]


class Ecr(ServiceAdapter["ECRClient"]):
    aws_service = "ecr"

    def __init__(self, repository: str, client: ECRClient | None = None) -> None:
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
