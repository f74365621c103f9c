"""The rules the sandbox follows for `sam deploy`: where a TemplateURL points, which
conditions a resource reads, how a bucket policy's conditions count."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from turnout_sandbox.emulators import changesets, s3
from turnout_sandbox.sam_deploy import is_serverless


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # the SAM CLI's upload URL on the sandbox endpoint: path-style
        ("http://127.0.0.1:4747/bucket-a/deep/key.template", ("bucket-a", "deep/key.template")),
        ("http://localhost:4747/bucket-a/k", ("bucket-a", "k")),
        # S3's own forms (Amazon S3 User Guide, virtual-hosted and path-style)
        ("https://s3.ap-northeast-2.amazonaws.com/bucket-b/k", ("bucket-b", "k")),
        ("https://bucket-c.s3.ap-northeast-2.amazonaws.com/a/k", ("bucket-c", "a/k")),
        ("https://bucket-d.s3.amazonaws.com/k", ("bucket-d", "k")),
    ],
)
def test_given_a_template_url_when_located_then_bucket_and_key_follow_its_addressing(
    url: str, expected: tuple[str, str]
) -> None:
    assert changesets.s3_location(url) == expected


def test_given_a_resource_when_its_conditions_are_read_then_fn_if_anywhere_counts() -> None:
    properties = {
        "State": {"Fn::If": ["IsPush", "ENABLED", "DISABLED"]},
        "Targets": [{"Arn": {"Fn::If": ["HasTopic", {"Ref": "Topic"}, {"Ref": "AWS::NoValue"}]}}],
    }
    assert changesets._conditions_of(properties) == {"IsPush", "HasTopic"}
    assert changesets._conditions_of({"Name": "plain"}) == set()


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ({"Transform": "AWS::Serverless-2016-10-31"}, True),
        ({"Transform": ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"]}, True),
        ({"Resources": {}}, False),
    ],
)
def test_given_a_template_when_checked_then_only_the_serverless_transform_goes_the_sam_path(
    template: dict[str, object], expected: bool
) -> None:
    assert is_serverless(template) is expected


@dataclass
class Bucket:
    name: str
    policy: bytes | None


#: The SAM CLI's managed bucket policy (samcli/lib/bootstrap/bootstrap.py): deny plain HTTP.
SAM_POLICY = {
    "Statement": [
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Effect": "Allow",
            "Principal": {"Service": "serverlessrepo.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        },
    ]
}


def test_given_the_sam_bucket_policy_when_an_sdk_puts_then_its_deny_does_not_apply() -> None:
    from moto.iam.access_control import PermissionResult

    bucket = Bucket("b", json.dumps(SAM_POLICY).encode())
    found = s3._get_permission.new(bucket, "s3:PutObject", "arn:aws:s3:::b/code.zip")
    assert found == PermissionResult.NEUTRAL


def test_given_an_unconditional_deny_when_an_sdk_puts_then_it_is_denied() -> None:
    from moto.iam.access_control import PermissionResult

    policy = {
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}
        ]
    }
    bucket = Bucket("b", json.dumps(policy).encode())
    assert s3._get_permission.new(bucket, "s3:PutObject", "arn:aws:s3:::b/k") == (
        PermissionResult.DENIED
    )
    assert s3._get_permission.new(bucket, "s3:GetObject", "arn:aws:s3:::b/k") == (
        PermissionResult.NEUTRAL
    )
