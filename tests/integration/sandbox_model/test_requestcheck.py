"""moto behind the model check: a request that breaks its model fails as AWS fails it."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from turnout_sandbox.patches import PatchRegistry
from turnout_sandbox.requestcheck import PATCHES

pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::123456789012:role/sfn"
DEFINITION = '{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}'


@pytest.fixture
def checked() -> Iterator[PatchRegistry]:
    registry = PatchRegistry()
    registry.add(*PATCHES)
    with mock_aws():
        registry.apply()
        try:
            yield registry
        finally:
            registry.undo()


def test_given_the_check_when_a_name_is_over_the_model_maximum_then_validation_exception(
    checked: PatchRegistry,
) -> None:
    sfn = boto3.client("stepfunctions", region_name="ap-northeast-2")
    with pytest.raises(ClientError) as caught:
        sfn.create_state_machine(name="s" * 81, definition=DEFINITION, roleArn=ROLE)
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        f"1 validation error detected: Value '{'s' * 81}' at 'name' failed to satisfy "
        "constraint: Member must have length less than or equal to 80"
    )
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sfn.list_state_machines()["stateMachines"] == []


def test_given_the_check_when_the_request_is_valid_then_moto_answers_it(
    checked: PatchRegistry,
) -> None:
    sfn = boto3.client("stepfunctions", region_name="ap-northeast-2")
    created = sfn.create_state_machine(name="s" * 80, definition=DEFINITION, roleArn=ROLE)
    assert created["stateMachineArn"].endswith(":" + "s" * 80)


def test_given_a_query_service_when_a_member_breaks_its_pattern_then_validation_error(
    checked: PatchRegistry,
) -> None:
    iam = boto3.client("iam", region_name="ap-northeast-2")
    with pytest.raises(ClientError) as caught:
        iam.create_role(RoleName="r" * 65, AssumeRolePolicyDocument="{}")
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert (
        "at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64"
        in caught.value.response["Error"]["Message"]
    )


def test_given_the_check_undone_when_the_same_request_is_sent_then_moto_accepts_it() -> None:
    registry = PatchRegistry()
    registry.add(*PATCHES)
    with mock_aws():
        registry.apply()
        registry.undo()
        assert registry.applied() == []
        iam = boto3.client("iam", region_name="ap-northeast-2")
        # moto itself does not check the maximum: this is the gap the check closes.
        iam.create_role(RoleName="r" * 65, AssumeRolePolicyDocument="{}")
