"""The ECR registry domain follows the region's partition (aws-fidelity row 17)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from turnout.adapters.ecr import image_uri, partition_of, registry_domain

ROOT = Path(__file__).resolve().parents[2]
DIGEST = "sha256:" + "0" * 64


@pytest.mark.parametrize(
    ("region", "partition", "suffix"),
    [
        ("us-east-1", "aws", "amazonaws.com"),
        ("ap-northeast-2", "aws", "amazonaws.com"),
        ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
        ("cn-northwest-1", "aws-cn", "amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
        ("us-iso-east-1", "aws-iso", "c2s.ic.gov"),
    ],
)
def test_given_a_region_when_naming_its_partition_then_botocores_partition_data_agrees(
    region: str, partition: str, suffix: str
) -> None:
    import json

    import botocore

    assert partition_of(region) == (partition, suffix)
    data = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())
    known = {
        p["id"]: p["outputs"]["dnsSuffix"]
        for p in data["partitions"]
        if re.match(p["regionRegex"], region)
    }
    assert known == {partition: suffix}


def test_given_a_china_region_when_building_the_image_uri_then_the_domain_is_amazonaws_com_cn() -> (
    None
):
    assert registry_domain("123456789012", "cn-north-1") == (
        "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"
    )
    assert image_uri("123456789012", "cn-north-1", "repo", DIGEST) == (
        f"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/repo@{DIGEST}"
    )


def test_given_a_commercial_region_when_building_the_image_uri_then_the_domain_is_amazonaws_com() -> (
    None
):
    assert image_uri("123456789012", "eu-west-1", "repo", DIGEST) == (
        f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/repo@{DIGEST}"
    )


def test_given_the_template_when_it_builds_a_regional_host_then_it_uses_the_url_suffix() -> None:
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")

    assert not re.findall(r"\$\{AWS::Region\}\.amazonaws\.com", text)
    assert "dkr.ecr.${AWS::Region}.${AWS::URLSuffix}" in text
