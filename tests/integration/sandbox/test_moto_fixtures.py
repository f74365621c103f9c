"""What moto built eagerly, built on first use or not at all (turnout_sandbox.moto_fixtures)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from tests.patch_state import patch_state
from turnout_sandbox import moto_fixtures

REGION = "ap-northeast-2"


@pytest.fixture
def deferred() -> Iterator[None]:
    with patch_state(moto_fixtures.deferred_private_key, applied=True), mock_aws():
        yield


def _key_of(key_id: str) -> object:
    from moto.kms.models import kms_backends

    return kms_backends["123456789012"][REGION].keys[key_id].private_key


def test_given_a_symmetric_key_when_created_then_no_private_key_is_generated(
    deferred: None,
) -> None:
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
    held = _key_of(key_id)
    assert isinstance(held, moto_fixtures.DeferredPrivateKey)
    assert not held.generated()


def test_given_an_asymmetric_key_when_it_signs_then_it_verifies_as_moto_own_key_did(
    deferred: None,
) -> None:
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256")["KeyMetadata"]["KeyId"]
    signed = kms.sign(
        KeyId=key_id, Message=b"m", MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
    )["Signature"]
    assert kms.verify(
        KeyId=key_id,
        Message=b"m",
        MessageType="RAW",
        Signature=signed,
        SigningAlgorithm="ECDSA_SHA_256",
    )["SignatureValid"]
    public = kms.get_public_key(KeyId=key_id)
    assert public["KeyUsage"] == "SIGN_VERIFY"
    assert public["PublicKey"]
    assert _key_of(key_id).generated()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("setting", "loaded"), [(None, False), ("true", True), ("false", False)])
def test_given_the_ami_setting_when_an_ec2_backend_is_made_then_moto_fixture_amis_follow_it(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, loaded: bool
) -> None:
    if setting is None:
        monkeypatch.delenv("MOTO_EC2_LOAD_DEFAULT_AMIS", raising=False)
    else:
        monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", setting)
    with patch_state(moto_fixtures.default_amis, applied=True), mock_aws():
        images = boto3.client("ec2", region_name=REGION).describe_images(Owners=["amazon"])
    assert bool(images["Images"]) is loaded
