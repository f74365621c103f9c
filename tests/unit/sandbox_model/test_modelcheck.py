"""The sandbox's request validation against botocore's service models (AWS's wording)."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from turnout_sandbox.modelcheck import (
    ModelViolation,
    error_code_for,
    validate_request,
    violation_message,
)

pytestmark = pytest.mark.unit

SESSION = botocore.session.get_session()


def _op(service: str, operation: str) -> Any:
    return SESSION.get_service_model(service).operation_model(operation)


def _check(service: str, operation: str, params: dict[str, Any]) -> list[str]:
    return [v.describe() for v in validate_request(_op(service, operation), params)]


def test_given_a_state_machine_name_of_81_characters_when_validated_then_max_80_is_named() -> None:
    name = "s" * 81
    found = _check(
        "stepfunctions",
        "CreateStateMachine",
        {"name": name, "definition": "{}", "roleArn": "arn:aws:iam::123456789012:role/r"},
    )
    assert found == [
        f"Value '{name}' at 'name' failed to satisfy constraint: Member must have length "
        "less than or equal to 80"
    ]


def test_given_a_name_of_80_characters_when_validated_then_it_passes() -> None:
    found = _check(
        "stepfunctions",
        "CreateStateMachine",
        {"name": "s" * 80, "definition": "{}", "roleArn": "arn:aws:iam::123456789012:role/r"},
    )
    assert found == []


def test_given_a_missing_required_member_when_validated_then_it_must_not_be_null() -> None:
    found = _check("stepfunctions", "CreateStateMachine", {"name": "ok", "definition": "{}"})
    assert found == [
        "Value null at 'roleArn' failed to satisfy constraint: Member must not be null"
    ]


def test_given_pascal_case_members_when_reported_then_the_path_starts_lower_case() -> None:
    found = _check("lambda", "Invoke", {"FunctionName": "f", "InvocationType": "Sometimes"})
    assert len(found) == 1
    assert found[0].startswith("Value 'Sometimes' at 'invocationType' failed to satisfy")
    assert "Member must satisfy enum value set: [Event, RequestResponse, DryRun]" in found[0]


def test_given_a_value_out_of_range_when_validated_then_the_bound_is_named() -> None:
    found = _check(
        "lambda",
        "UpdateFunctionConfiguration",
        {"FunctionName": "f", "Timeout": 0, "MemorySize": 100_000},
    )
    # In the model's member order (Timeout comes before MemorySize).
    assert found == [
        "Value 0 at 'timeout' failed to satisfy constraint: Member must have value greater "
        "than or equal to 1",
        "Value 100000 at 'memorySize' failed to satisfy constraint: Member must have value "
        "less than or equal to 32768",
    ]


def test_given_a_list_element_when_it_breaks_a_rule_then_the_path_counts_from_one() -> None:
    found = _check(
        "ecs",
        "RegisterTaskDefinition",
        {
            "family": "f",
            "containerDefinitions": [
                {"name": "a"},
                {"name": "b", "portMappings": [{"containerPort": 80, "protocol": "sctp"}]},
            ],
        },
    )
    assert found == [
        "Value 'sctp' at 'containerDefinitions.2.member.portMappings.1.member.protocol' failed "
        "to satisfy constraint: Member must satisfy enum value set: [tcp, udp]"
    ]


def test_given_a_pattern_when_the_value_does_not_match_whole_then_it_is_refused() -> None:
    # events PutRule Name: pattern [\.\-_A-Za-z0-9]+ (whole string, as AWS matches).
    assert _check("events", "PutRule", {"Name": "ok_name-1.2"}) == []
    found = _check("events", "PutRule", {"Name": "no spaces"})
    assert len(found) == 1
    assert "Member must satisfy regular expression pattern" in found[0]


def test_given_several_violations_when_worded_then_aws_counts_and_joins_them() -> None:
    violations = validate_request(_op("stepfunctions", "CreateStateMachine"), {"name": "s" * 81})
    message = violation_message(violations)
    assert message.startswith("3 validation errors detected: Value '")
    assert message.count("; ") == 2
    single = violation_message([ModelViolation("a", None, "Member must not be null")])
    assert (
        single
        == "1 validation error detected: Value null at 'a' failed to satisfy constraint: Member must not be null"
    )


def test_given_protocols_when_choosing_the_error_code_then_query_services_say_validation_error() -> (
    None
):
    assert error_code_for(SESSION.get_service_model("iam")) == "ValidationError"
    assert error_code_for(SESSION.get_service_model("stepfunctions")) == "ValidationException"
    assert error_code_for(SESSION.get_service_model("ecs")) == "ValidationException"


def test_given_an_operation_without_input_when_validated_then_nothing_is_found() -> None:
    assert validate_request(_op("sts", "GetCallerIdentity"), {}) == []


def test_given_a_java_unicode_class_when_validated_then_it_is_checked() -> None:
    # ECS TagKey: ([\p{L}\p{Z}\p{N}_.:/=+\-@]*), which Python's re cannot compile.
    ok = _check("ecs", "TagResource", {"resourceArn": "a", "tags": [{"key": "turnout:commit"}]})
    assert ok == []
    found = _check("ecs", "TagResource", {"resourceArn": "a", "tags": [{"key": "bad|key"}]})
    assert len(found) == 1
    assert found[0].startswith("Value 'bad|key' at 'tags.1.member.key' failed")
