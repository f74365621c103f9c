"""ECR: what a pushed digest is, and which tags it carries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from turnout.adapters.aws import ServiceAdapter, error_code
from turnout.errors import ImageNotFound

if TYPE_CHECKING:
    from mypy_boto3_ecr import ECRClient


#: Each partition's region pattern and DNS suffix, as botocore/data/partitions.json
#: ("regionRegex", "outputs.dnsSuffix") lists them; CloudFormation's ``AWS::URLSuffix`` is
#: the same suffix (amazonaws.com.cn in the China regions: aws-fidelity row 17). Kept as
#: text: ``re`` compiles (and caches) a pattern when first matched, not at every INIT.
_PARTITIONS: tuple[tuple[str, str, str], ...] = (
    (r"^cn\-\w+\-\d+$", "aws-cn", "amazonaws.com.cn"),
    (r"^eusc\-(de)\-\w+\-\d+$", "aws-eusc", "amazonaws.eu"),
    (r"^us\-iso\-\w+\-\d+$", "aws-iso", "c2s.ic.gov"),
    (r"^us\-isob\-\w+\-\d+$", "aws-iso-b", "sc2s.sgov.gov"),
    (r"^eu\-isoe\-\w+\-\d+$", "aws-iso-e", "cloud.adc-e.uk"),
    (r"^us\-isof\-\w+\-\d+$", "aws-iso-f", "csp.hci.ic.gov"),
    (r"^us\-gov\-\w+\-\d+$", "aws-us-gov", "amazonaws.com"),
)


def partition_of(region: str) -> tuple[str, str]:
    """The partition of ``region`` and its DNS suffix (``aws``/``amazonaws.com`` else)."""
    for pattern, partition, suffix in _PARTITIONS:
        if re.match(pattern, region):
            return partition, suffix
    return "aws", "amazonaws.com"


def registry_domain(account: str, region: str) -> str:
    """The ECR registry of ``account`` in ``region``: ``<account>.dkr.ecr.<region>.<suffix>``
    (ECR User Guide, "Private registry concepts"; the suffix is the partition's)."""
    return f"{account}.dkr.ecr.{region}.{partition_of(region)[1]}"


def image_uri(account: str, region: str, repository: str, digest: str) -> str:
    """A digest-pinned image URI in this account's ECR repository."""
    return f"{registry_domain(account, region)}/{repository}@{digest}"


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

    def digest_of_tag(self, tag: str) -> str | None:
        """The digest the tag names now; None when the repository has no such tag."""
        try:
            details = self.api.describe_images(
                repositoryName=self.repository, imageIds=[{"imageTag": tag}]
            )["imageDetails"]
        except Exception as exc:
            if error_code(exc) in ("ImageNotFoundException", "RepositoryNotFoundException"):
                return None
            raise
        return str(details[0]["imageDigest"]) if details else None
