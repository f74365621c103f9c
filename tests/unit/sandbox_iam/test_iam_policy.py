"""IAM policy evaluation, rule by rule, both sides of each (IAM User Guide sources in
turnout_sandbox/iam/policy.py)."""

from __future__ import annotations

from typing import Any

import pytest

from turnout_sandbox.iam.policy import (
    Outcome,
    Policy,
    PolicyError,
    Request,
    action_matches,
    arn_like,
    evaluate,
    resource_matches,
)

TD = "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/web:*"


def _policy(*statements: dict[str, Any], name: str = "p") -> Policy:
    return Policy.parse(name, {"Version": "2012-10-17", "Statement": list(statements)})


def _allow(**extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "ecs:RegisterTaskDefinition", "Resource": "*", **extra}


def _decide(
    policy: Policy, action: str = "ecs:RegisterTaskDefinition", resource: str = TD, **context: Any
) -> Outcome:
    return evaluate([policy], Request.of(action, resource, context)).decision


def _cond(operator: str, key: str, value: Any, **context: Any) -> bool:
    policy = _policy(_allow(Condition={operator: {key: value}}))
    return _decide(policy, **context) is Outcome.ALLOW


# --------------------------------------------------------------------------- evaluation


def test_given_no_policy_when_evaluated_then_the_request_is_implicitly_denied() -> None:
    assert evaluate([], Request.of("ecs:TagResource", TD)).decision is Outcome.IMPLICIT_DENY


def test_given_an_allow_when_evaluated_then_allowed_naming_the_policy_and_sid() -> None:
    result = evaluate(
        [_policy(_allow(Sid="Reg"), name="render")], Request.of("ecs:RegisterTaskDefinition", TD)
    )
    assert (result.decision, result.policy, result.sid, result.allowed) == (
        Outcome.ALLOW,
        "render",
        "Reg",
        True,
    )


def test_given_an_allow_and_a_deny_in_two_policies_when_evaluated_then_the_deny_wins() -> None:
    allow = _policy(_allow(), name="a")
    deny = _policy({"Effect": "Deny", "Action": "ecs:*", "Resource": "*", "Sid": "No"}, name="d")
    for order in ([allow, deny], [deny, allow]):
        result = evaluate(order, Request.of("ecs:RegisterTaskDefinition", TD))
        assert (result.decision, result.policy, result.sid) == (Outcome.EXPLICIT_DENY, "d", "No")


def test_given_a_deny_that_does_not_apply_when_evaluated_then_the_allow_stands() -> None:
    policy = _policy(_allow(), {"Effect": "Deny", "Action": "ecs:DeleteCluster", "Resource": "*"})
    assert _decide(policy) is Outcome.ALLOW


def test_given_a_deny_alone_when_evaluated_then_it_is_an_explicit_deny_not_implicit() -> None:
    policy = _policy({"Effect": "Deny", "Action": "*", "Resource": "*"})
    assert _decide(policy) is Outcome.EXPLICIT_DENY


# --------------------------------------------------------------------------- Action


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("ecs:RegisterTaskDefinition", "ecs:RegisterTaskDefinition", True),
        ("ECS:registertaskdefinition", "ecs:RegisterTaskDefinition", True),  # case-insensitive
        ("ecs:*", "ecs:TagResource", True),
        ("*", "iam:PassRole", True),
        ("ecs:Describe*", "ecs:DescribeServices", True),
        ("ecs:Describe*", "ecs:RegisterTaskDefinition", False),
        ("ecs:?agResource", "ecs:TagResource", True),
        ("ecs:?agResource", "ecs:UntagResource", False),  # ? is exactly one character
        ("ecs:Tag", "ecs:TagResource", False),  # whole-string match
        ("ecr:*", "ecs:TagResource", False),
    ],
)
def test_given_an_action_pattern_when_matched_then_wildcards_and_case_follow_iam(
    pattern: str, action: str, expected: bool
) -> None:
    assert action_matches(pattern, action) is expected


def test_given_not_action_when_evaluated_then_every_other_action_is_covered() -> None:
    policy = _policy({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"})
    assert _decide(policy, "ecs:TagResource") is Outcome.ALLOW
    assert _decide(policy, "iam:PassRole") is Outcome.IMPLICIT_DENY


def test_given_a_deny_with_not_action_when_evaluated_then_only_the_listed_action_escapes() -> None:
    policy = _policy(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "NotAction": "ecs:Describe*", "Resource": "*"},
    )
    assert _decide(policy, "ecs:DescribeServices") is Outcome.ALLOW
    assert _decide(policy, "ecs:TagResource") is Outcome.EXPLICIT_DENY


# --------------------------------------------------------------------------- Resource


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("*", TD, True),
        ("*", "*", True),
        (TD, TD, True),
        ("arn:aws:ecs:ap-northeast-2:123456789012:task-definition/*", TD, True),
        ("arn:aws:ecs:*:123456789012:task-definition/web:*", TD, True),
        ("arn:aws:ecs:ap-northeast-2:123456789012:task-definition/Web:*", TD, False),  # case
        ("arn:aws:ecs:ap-northeast-2:123456789012:task-definition/api:*", TD, False),
        ("arn:aws:ecs:ap-northeast-?:123456789012:task-definition/web:*", TD, True),
        ("arn:aws:ecs:ap-northeast-??:123456789012:task-definition/web:*", TD, False),
        # A trailing * of a segment expands beyond the colons; a * inside a segment does not.
        ("arn:aws:ecs:*", TD, True),
        ("arn:aws:ecs:ap-*-2:123456789012:task-definition/web:*", TD, True),
        ("arn:aws:ecs:ap*2:123456789012:task-definition/web:*", TD, True),
        ("arn:aws:logs:r:1:log-group:g:*:*", "arn:aws:logs:r:1:log-group:g:log-stream:s", True),
        ("arn:aws:logs:r:1:log-group:g*s", "arn:aws:logs:r:1:log-group:g:log-stream:s", False),
        ("arn:aws:logs:r:1:log-group:g:*", "arn:aws:logs:r:1:log-group:g:log-stream:s", True),
        # An action without resource types is authorized on "*": only "*" covers it.
        ("arn:aws:cloudwatch:r:1:alarm:*", "*", False),
    ],
)
def test_given_a_resource_pattern_when_matched_then_segments_and_case_follow_iam(
    pattern: str, resource: str, expected: bool
) -> None:
    assert resource_matches(pattern, resource) is expected


def test_given_not_resource_when_evaluated_then_every_other_resource_is_covered() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Action": "ecs:*",
            "NotResource": "arn:aws:ecs:*:*:task-definition/secret:*",
        }
    )
    assert _decide(policy) is Outcome.ALLOW
    assert _decide(policy, resource="arn:aws:ecs:r:1:task-definition/secret:*") is (
        Outcome.IMPLICIT_DENY
    )


def test_given_a_list_of_resources_when_evaluated_then_any_one_matching_suffices() -> None:
    policy = _policy(_allow(Resource=["arn:aws:ecs:*:*:cluster/x", TD]))
    assert _decide(policy) is Outcome.ALLOW
    assert _decide(policy, resource="arn:aws:ecs:r:1:cluster/y") is Outcome.IMPLICIT_DENY


# --------------------------------------------------------------------------- Condition: strings


def test_given_string_equals_when_the_value_matches_exactly_then_true_else_false() -> None:
    key = "iam:PassedToService"
    assert _cond("StringEquals", key, "ecs-tasks.amazonaws.com", **{key: "ecs-tasks.amazonaws.com"})
    assert not _cond(
        "StringEquals", key, "ecs-tasks.amazonaws.com", **{key: "ECS-tasks.amazonaws.com"}
    )
    assert not _cond(
        "StringEquals", key, "ecs-tasks.amazonaws.com", **{key: "lambda.amazonaws.com"}
    )


def test_given_a_condition_key_in_another_case_when_evaluated_then_it_is_the_same_key() -> None:
    assert _cond("StringEquals", "IAM:PASSEDTOSERVICE", "x", **{"iam:PassedToService": "x"})
    assert _cond("stringequals", "iam:PassedToService", "x", **{"iam:PassedToService": "x"})


def test_given_several_values_for_one_key_when_evaluated_then_they_are_or_ed() -> None:
    key = "ecs:CreateAction"
    values = ["CreateService", "RegisterTaskDefinition"]
    assert _cond("StringEquals", key, values, **{key: "RegisterTaskDefinition"})
    assert not _cond("StringEquals", key, values, **{key: "RunTask"})


def test_given_two_keys_or_two_operators_when_evaluated_then_they_are_and_ed() -> None:
    both = {"StringEquals": {"a:x": "1", "a:y": "2"}}
    policy = _policy(_allow(Condition=both))
    assert _decide(policy, **{"a:x": "1", "a:y": "2"}) is Outcome.ALLOW
    assert _decide(policy, **{"a:x": "1", "a:y": "3"}) is Outcome.IMPLICIT_DENY
    two_ops = {"StringEquals": {"a:x": "1"}, "StringLike": {"a:y": "2*"}}
    policy = _policy(_allow(Condition=two_ops))
    assert _decide(policy, **{"a:x": "1", "a:y": "25"}) is Outcome.ALLOW
    assert _decide(policy, **{"a:x": "1", "a:y": "52"}) is Outcome.IMPLICIT_DENY


def test_given_string_not_equals_when_evaluated_then_true_only_if_no_value_matches() -> None:
    assert _cond("StringNotEquals", "a:x", ["1", "2"], **{"a:x": "3"})
    assert not _cond("StringNotEquals", "a:x", ["1", "2"], **{"a:x": "2"})


def test_given_ignore_case_operators_when_evaluated_then_case_is_ignored() -> None:
    assert _cond("StringEqualsIgnoreCase", "a:x", "ABC", **{"a:x": "abc"})
    assert not _cond("StringEqualsIgnoreCase", "a:x", "ABC", **{"a:x": "abd"})
    assert _cond("StringNotEqualsIgnoreCase", "a:x", "ABC", **{"a:x": "abd"})
    assert not _cond("StringNotEqualsIgnoreCase", "a:x", "ABC", **{"a:x": "abc"})


def test_given_string_like_when_evaluated_then_wildcards_match_case_sensitively() -> None:
    assert _cond("StringLike", "a:x", "ecs-*.amazonaws.com", **{"a:x": "ecs-tasks.amazonaws.com"})
    assert _cond("StringLike", "a:x", "v?", **{"a:x": "v1"})
    assert not _cond("StringLike", "a:x", "v?", **{"a:x": "v10"})
    assert not _cond("StringLike", "a:x", "ECS-*", **{"a:x": "ecs-tasks"})
    assert not _cond("StringLike", "a:x", "ecs", **{"a:x": "ecs-tasks"})  # whole string


def test_given_string_not_like_when_evaluated_then_true_only_if_no_pattern_matches() -> None:
    assert _cond("StringNotLike", "a:x", ["lambda*", "states*"], **{"a:x": "ecs-tasks"})
    assert not _cond("StringNotLike", "a:x", ["lambda*", "ecs*"], **{"a:x": "ecs-tasks"})


# --------------------------------------------------------------------------- Condition: missing keys


@pytest.mark.parametrize(
    "operator",
    [
        "StringEquals",
        "StringLike",
        "ArnLike",
        "ArnEquals",
        "NumericEquals",
        "Bool",
        "DateEquals",
        "IpAddress",
    ],
)
def test_given_a_positive_operator_when_the_key_is_missing_then_the_condition_is_false(
    operator: str,
) -> None:
    assert not _cond(operator, "a:x", "1")


@pytest.mark.parametrize(
    "operator",
    [
        "StringNotEquals",
        "StringNotLike",
        "ArnNotLike",
        "ArnNotEquals",
        "NumericNotEquals",
        "NotIpAddress",
    ],
)
def test_given_a_negated_operator_when_the_key_is_missing_then_the_condition_is_true(
    operator: str,
) -> None:
    # IAM UG, Condition operators, "Important": "If the policy condition requires that the key
    # is not matched, such as StringNotLike or ArnNotLike, and the right key is not present,
    # the condition is true."
    assert _cond(operator, "a:x", "1")


def test_given_if_exists_when_the_key_is_missing_then_true_and_when_present_then_checked() -> None:
    assert _cond("StringEqualsIfExists", "a:x", "1")
    assert _cond("StringEqualsIfExists", "a:x", "1", **{"a:x": "1"})
    assert not _cond("StringEqualsIfExists", "a:x", "1", **{"a:x": "2"})
    assert _cond("ArnLikeIfExists", "a:x", "arn:aws:iam::*:role/*")
    assert not _cond("ArnLikeIfExists", "a:x", "arn:aws:iam::*:role/*", **{"a:x": "nope"})


def test_given_null_when_evaluated_then_it_tests_the_key_for_absence() -> None:
    assert _cond("Null", "aws:RequestTag/env", "true")
    assert not _cond("Null", "aws:RequestTag/env", "true", **{"aws:RequestTag/env": "prod"})
    assert _cond("Null", "aws:RequestTag/env", False, **{"aws:RequestTag/env": "prod"})
    assert not _cond("Null", "aws:RequestTag/env", "false")
    assert _cond("Null", "aws:TagKeys", "true", **{"aws:TagKeys": []})  # an empty set is absent


# --------------------------------------------------------------------------- Condition: set operators


def test_given_for_any_value_when_one_request_value_matches_then_true() -> None:
    assert _cond(
        "ForAnyValue:StringEquals", "aws:TagKeys", ["env"], **{"aws:TagKeys": ["a", "env"]}
    )
    assert not _cond(
        "ForAnyValue:StringEquals", "aws:TagKeys", ["env"], **{"aws:TagKeys": ["a", "b"]}
    )
    assert not _cond("ForAnyValue:StringEquals", "aws:TagKeys", ["env"])  # absent: false


def test_given_for_all_values_when_every_request_value_matches_then_true() -> None:
    allowed = ["turnout:commit", "turnout:digest"]
    assert _cond(
        "ForAllValues:StringEquals",
        "aws:TagKeys",
        allowed,
        **{"aws:TagKeys": ["turnout:commit", "turnout:digest"]},
    )
    assert not _cond(
        "ForAllValues:StringEquals",
        "aws:TagKeys",
        allowed,
        **{"aws:TagKeys": ["turnout:commit", "owner"]},
    )
    assert _cond("ForAllValues:StringEquals", "aws:TagKeys", allowed)  # absent: true


def test_given_negated_set_operators_when_evaluated_then_negation_is_per_value() -> None:
    keys = {"aws:TagKeys": ["a", "b"]}
    assert _cond("ForAllValues:StringNotEquals", "aws:TagKeys", ["c"], **keys)
    assert not _cond("ForAllValues:StringNotEquals", "aws:TagKeys", ["b"], **keys)
    assert _cond("ForAnyValue:StringNotEquals", "aws:TagKeys", ["b"], **keys)
    assert not _cond("ForAnyValue:StringNotEquals", "aws:TagKeys", ["a", "b"], **keys)


def test_given_a_set_operator_with_if_exists_when_the_key_is_missing_then_true() -> None:
    assert _cond("ForAnyValue:StringLikeIfExists", "aws:TagKeys", ["e*"])
    assert not _cond(
        "ForAnyValue:StringLikeIfExists", "aws:TagKeys", ["e*"], **{"aws:TagKeys": ["x"]}
    )


# --------------------------------------------------------------------------- Condition: other types


def test_given_arn_like_when_evaluated_then_each_of_the_six_components_is_matched() -> None:
    role = "arn:aws:iam::123456789012:role/turnout-task"
    assert arn_like("arn:aws:iam::*:role/turnout-*", role)
    assert arn_like("arn:aws:iam::123456789012:role/turnout-tas?", role)
    assert not arn_like("arn:aws:iam::*:role/other-*", role)
    assert not arn_like("arn:aws:iam::*", role)  # fewer than six components
    assert not arn_like("arn:aws:iam::*:role/*", "not-an-arn")
    assert not arn_like("arn:aws:iam::*:role/turnout-task", "arn:aws:iam::1:2:role/turnout-task")
    assert arn_like("arn:aws:logs:*:*:log-group:*", "arn:aws:logs:r:1:log-group:g:log-stream:s")


def test_given_arn_operators_when_evaluated_then_equals_like_and_negations_agree() -> None:
    role = {"a:x": "arn:aws:iam::1:role/r"}
    assert _cond("ArnEquals", "a:x", "arn:aws:iam::1:role/r", **role)
    assert _cond("ArnLike", "a:x", "arn:aws:iam::*:role/*", **role)
    assert not _cond("ArnLike", "a:x", "arn:aws:iam::2:role/*", **role)
    assert _cond("ArnNotLike", "a:x", "arn:aws:iam::2:role/*", **role)
    assert not _cond("ArnNotEquals", "a:x", "arn:aws:iam::1:role/r", **role)


def test_given_bool_when_evaluated_then_true_and_false_strings_or_literals_compare() -> None:
    assert _cond("Bool", "aws:SecureTransport", True, **{"aws:SecureTransport": "true"})
    assert _cond("Bool", "aws:SecureTransport", "false", **{"aws:SecureTransport": False})
    assert not _cond("Bool", "aws:SecureTransport", "true", **{"aws:SecureTransport": False})


@pytest.mark.parametrize(
    ("operator", "policy_value", "request_value", "expected"),
    [
        ("NumericEquals", "10", 10, True),
        ("NumericEquals", "10", "10.0", True),
        ("NumericEquals", "10", 11, False),
        ("NumericNotEquals", "10", 11, True),
        ("NumericNotEquals", "10", 10, False),
        ("NumericLessThan", 10, 9, True),
        ("NumericLessThan", 10, 10, False),
        ("NumericLessThanEquals", 10, 10, True),
        ("NumericLessThanEquals", 10, 11, False),
        ("NumericGreaterThan", 10, 11, True),
        ("NumericGreaterThan", 10, 10, False),
        ("NumericGreaterThanEquals", 10, 10, True),
        ("NumericGreaterThanEquals", 10, 9, False),
        ("NumericEquals", "10", "ten", False),  # not a number: no match
    ],
)
def test_given_numeric_operators_when_evaluated_then_numbers_compare(
    operator: str, policy_value: Any, request_value: Any, expected: bool
) -> None:
    assert _cond(operator, "a:n", policy_value, **{"a:n": request_value}) is expected


@pytest.mark.parametrize(
    ("operator", "policy_value", "request_value", "expected"),
    [
        ("DateEquals", "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z", True),
        ("DateEquals", "2026-12-01T00:00:00Z", "1796083200", True),  # epoch seconds
        ("DateNotEquals", "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z", True),
        ("DateNotEquals", "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z", False),
        ("DateLessThan", "2026-12-01T00:00:00Z", "2026-11-30T23:59:59Z", True),
        ("DateLessThan", "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z", False),
        ("DateLessThanEquals", "2026-12-01", "2026-12-01T00:00:00Z", True),
        ("DateGreaterThan", "2026-12-01T00:00:00Z", "2026-12-01T00:00:01+00:00", True),
        ("DateGreaterThanEquals", "2026-12-01T00:00:00Z", "2026-11-01T00:00:00Z", False),
        ("DateEquals", "2026-12-01T00:00:00Z", "yesterday", False),
    ],
)
def test_given_date_operators_when_evaluated_then_instants_compare(
    operator: str, policy_value: str, request_value: str, expected: bool
) -> None:
    assert (
        _cond(operator, "aws:CurrentTime", policy_value, **{"aws:CurrentTime": request_value})
        is expected
    )


def test_given_ip_address_operators_when_evaluated_then_cidr_membership_decides() -> None:
    assert _cond("IpAddress", "aws:SourceIp", "10.0.0.0/8", **{"aws:SourceIp": "10.1.2.3"})
    assert not _cond("IpAddress", "aws:SourceIp", "10.0.0.0/8", **{"aws:SourceIp": "11.1.2.3"})
    assert _cond("IpAddress", "aws:SourceIp", "2001:db8::/32", **{"aws:SourceIp": "2001:db8::1"})
    assert _cond("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", **{"aws:SourceIp": "11.1.2.3"})
    assert not _cond("IpAddress", "aws:SourceIp", "10.0.0.0/8", **{"aws:SourceIp": "nope"})


def test_given_binary_equals_when_evaluated_then_the_decoded_bytes_compare() -> None:
    assert _cond("BinaryEquals", "a:b", "QmluYXJ5", **{"a:b": "QmluYXJ5"})
    assert not _cond("BinaryEquals", "a:b", "QmluYXJ5", **{"a:b": "QmluYXJ6"})
    assert not _cond("BinaryEquals", "a:b", "QmluYXJ5", **{"a:b": "***"})


# --------------------------------------------------------------------------- the template's own


def test_given_the_render_pass_role_statement_when_passed_to_ecs_tasks_then_allowed() -> None:
    role = "arn:aws:iam::123456789012:role/task"
    policy = _policy(
        {
            "Sid": "PassTaskRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": [role],
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        }
    )
    ok = Request.of("iam:PassRole", role, {"iam:PassedToService": "ecs-tasks.amazonaws.com"})
    wrong_service = Request.of(
        "iam:PassRole", role, {"iam:PassedToService": "lambda.amazonaws.com"}
    )
    other_role = Request.of(
        "iam:PassRole", role + "2", {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    )
    assert evaluate([policy], ok).allowed
    assert not evaluate([policy], wrong_service).allowed
    assert not evaluate([policy], other_role).allowed


# --------------------------------------------------------------------------- malformed documents


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Permit", "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "Resource": "*"},
        {"Effect": "Allow", "Action": "*", "NotAction": "x:y", "Resource": "*"},
        {"Effect": "Allow", "Action": "*"},
        {"Effect": "Allow", "Action": [], "Resource": "*"},
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"},
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringFuzzy": {"a": "b"}},
        },
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"ForSome:StringLike": {"a": "b"}},
        },
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringLike": "a"}},
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": ["a"]},
        "not a statement",
    ],
)
def test_given_a_malformed_statement_when_parsed_then_it_is_refused(statement: Any) -> None:
    with pytest.raises(PolicyError, match="bad:"):
        Policy.parse("bad", {"Version": "2012-10-17", "Statement": [statement]})


def test_given_a_document_without_statements_or_not_an_object_when_parsed_then_refused() -> None:
    with pytest.raises(PolicyError):
        Policy.parse("empty", {"Version": "2012-10-17"})
    with pytest.raises(PolicyError):
        Policy.parse("list", "[]")


def test_given_a_json_string_with_a_single_statement_object_when_parsed_then_it_works() -> None:
    policy = Policy.parse(
        "s", '{"Statement": {"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}}'
    )
    assert _decide(policy) is Outcome.ALLOW
