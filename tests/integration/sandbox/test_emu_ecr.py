"""ECR emulator: real manifest digests and ``ECR Image Action`` events (moto in-process)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from turnout_sandbox.emulators import ecr
from turnout_sandbox.patches import PatchRegistry
from turnout_sandbox.runtime import Runtime

REPO = "ecr-hello-aws"


def _manifest(seed: str) -> str:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": ecr.DOCKER_MANIFEST_V2,
            "config": {
                "mediaType": ecr.DOCKER_CONFIG_V1,
                "size": 7,
                "digest": "sha256:" + hashlib.sha256(f"config {seed}".encode()).hexdigest(),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 42,
                    "digest": "sha256:" + hashlib.sha256(f"layer {seed}".encode()).hexdigest(),
                }
            ],
        },
        indent=3,
    )


@pytest.fixture
def client(aws: Runtime) -> Any:
    c = boto3.client("ecr", region_name=aws.region)
    c.create_repository(repositoryName=REPO)
    return c


def _image_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["detail"] for e in events if e["detail-type"] == "ECR Image Action"]


def test_given_a_manifest_when_push_image_with_two_tags_then_both_tags_share_the_sha256_digest(
    client: Any, events: list[dict[str, Any]]
) -> None:
    manifest = _manifest("one")

    digest = ecr.push_image(REPO, manifest, ["abc123", "latest"])

    expected = "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
    assert digest == expected
    details = client.describe_images(repositoryName=REPO)["imageDetails"]
    assert [(d["imageDigest"], sorted(d["imageTags"])) for d in details] == [
        (expected, ["abc123", "latest"])
    ]
    stored = client.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": "latest"}])
    assert stored["images"][0]["imageManifest"] == manifest
    assert [e["source"] for e in events] == ["aws.ecr", "aws.ecr"]
    assert _image_events(events) == [
        {
            "result": "SUCCESS",
            "repository-name": REPO,
            "image-digest": expected,
            "action-type": "PUSH",
            "image-tag": tag,
            "manifest-media-type": ecr.DOCKER_MANIFEST_V2,
            "artifact-media-type": ecr.DOCKER_CONFIG_V1,
        }
        for tag in ("abc123", "latest")
    ]


def test_given_an_image_when_the_same_manifest_is_pushed_again_then_no_new_event(
    client: Any, events: list[dict[str, Any]]
) -> None:
    manifest = _manifest("same")
    ecr.push_image(REPO, manifest, ["latest"])

    again = ecr.push_image(REPO, manifest, ["latest", "v2"])

    assert again == ecr.manifest_digest(manifest)
    assert [e["image-tag"] for e in _image_events(events)] == ["latest", "v2"]


def test_given_latest_on_an_old_image_when_a_new_image_is_pushed_then_latest_moves(
    client: Any,
) -> None:
    old = ecr.push_image(REPO, _manifest("old"), ["c1", "latest"])
    new = ecr.push_image(REPO, _manifest("new"), ["c2", "latest"])

    latest = client.describe_images(repositoryName=REPO, imageIds=[{"imageTag": "latest"}])
    assert latest["imageDetails"][0]["imageDigest"] == new
    old_tags = client.describe_images(repositoryName=REPO, imageIds=[{"imageDigest": old}])
    assert old_tags["imageDetails"][0]["imageTags"] == ["c1"]


def test_given_no_repository_when_push_image_then_repository_not_found(aws: Runtime) -> None:
    with pytest.raises(Exception, match="RepositoryNotFoundException") as info:
        ecr.push_image("missing-repo", _manifest("x"), ["latest"])

    assert "missing-repo" in str(info.value)


def test_given_put_image_without_digest_when_called_via_api_then_digest_is_manifest_sha256(
    client: Any, events: list[dict[str, Any]]
) -> None:
    manifest = _manifest("api")

    image = client.put_image(repositoryName=REPO, imageManifest=manifest, imageTag="v1")["image"]

    expected = ecr.manifest_digest(manifest)
    assert image["imageId"] == {"imageDigest": expected, "imageTag": "v1"}
    assert _image_events(events) == [
        {
            "result": "SUCCESS",
            "repository-name": REPO,
            "image-digest": expected,
            "action-type": "PUSH",
            "image-tag": "v1",
            "manifest-media-type": ecr.DOCKER_MANIFEST_V2,
            "artifact-media-type": ecr.DOCKER_CONFIG_V1,
        }
    ]


def test_given_invalid_json_manifest_when_put_image_then_invalid_parameter(client: Any) -> None:
    with pytest.raises(ClientError) as info:
        client.put_image(repositoryName=REPO, imageManifest="{not json", imageTag="v1")

    assert info.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "imageManifest" in info.value.response["Error"]["Message"]


def test_given_put_image_to_a_missing_repository_when_called_via_api_then_not_found(
    client: Any,
) -> None:
    with pytest.raises(ClientError) as info:
        client.put_image(repositoryName="nope", imageManifest=_manifest("n"), imageTag="v1")

    assert info.value.response["Error"]["Code"] == "RepositoryNotFoundException"


def test_given_a_tagged_image_when_batch_delete_image_then_a_delete_event_is_emitted(
    client: Any, events: list[dict[str, Any]]
) -> None:
    digest = ecr.push_image(REPO, _manifest("gone"), ["v9"])
    events.clear()

    client.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "v9"}])

    assert client.describe_images(repositoryName=REPO)["imageDetails"] == []
    assert _image_events(events) == [
        {
            "result": "SUCCESS",
            "repository-name": REPO,
            "image-digest": digest,
            "action-type": "DELETE",
            "image-tag": "v9",
        }
    ]


def test_given_the_patches_applied_twice_when_putting_an_image_then_one_event_per_tag(
    client: Any, events: list[dict[str, Any]], emulator_patches: PatchRegistry
) -> None:
    emulator_patches.apply()
    emulator_patches.apply()

    client.put_image(repositoryName=REPO, imageManifest=_manifest("twice"), imageTag="t")
    client.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "t"}])

    assert [e["action-type"] for e in _image_events(events)] == ["PUSH", "DELETE"]


def test_given_the_patches_undone_when_putting_an_image_then_moto_answers_without_an_event(
    client: Any, events: list[dict[str, Any]], emulator_patches: PatchRegistry
) -> None:
    emulator_patches.undo()

    client.put_image(repositoryName=REPO, imageManifest=_manifest("plain"), imageTag="p")

    assert _image_events(events) == []
    assert not any(patch.is_applied() for patch in ecr.PATCHES)
