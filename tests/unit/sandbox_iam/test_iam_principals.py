"""authorize(principal, call): each authorization evaluated, the denial worded and coded as
AWS answers it (issue 8: RenderTaskDefinition's tag-on-create)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest

from turnout_sandbox.iam.actions import ApiCall
from turnout_sandbox.iam.errors import AccessDeniedError, access_denied_code, denial_message
from turnout_sandbox.iam.policy import Outcome, Policy
from turnout_sandbox.iam.principals import (
    Mode,
    Principal,
    authorize,
    enforce,
    from_iam,
    global_keys,
)

R, A = "ap-northeast-2", "123456789012"
ROLE = f"arn:aws:iam::{A}:role/service/turnout-hello-RenderFunctionRole-ABC123"
SESSION = "turnout-hello-RenderFunction-XYZ"
TASK_ROLE = f"arn:aws:iam::{A}:role/web-task"
TD = f"arn:aws:ecs:{R}:{A}:task-definition/web:*"

# RenderFunction's statements as template.yaml gives them (the deployed, substituted form).
RENDER_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["ecs:RegisterTaskDefinition"],
            "Resource": f"arn:aws:ecs:{R}:{A}:task-definition/*",
        },
        {
            "Sid": "PassTaskRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": [TASK_ROLE],
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
    ],
}
TAG_ON_CREATE: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "TagOnRegister",
            "Effect": "Allow",
            "Action": "ecs:TagResource",
            "Resource": f"arn:aws:ecs:{R}:{A}:task-definition/*",
            "Condition": {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}},
        }
    ],
}


def _register(**extra: Any) -> ApiCall:
    params = {
        "family": "web",
        "containerDefinitions": [{"name": "app", "image": "i"}],
        "taskRoleArn": TASK_ROLE,
        "tags": [{"key": "turnout:commit", "value": "c0ffee"}],
        **extra,
    }
    return ApiCall("ecs", "RegisterTaskDefinition", params, R, A)


def _render(*extra_policies: dict[str, Any]) -> Principal:
    inline = {"RenderFunctionRolePolicy0": RENDER_POLICY}
    inline.update({f"extra{i}": p for i, p in enumerate(extra_policies)})
    return Principal.of(ROLE, SESSION, inline=inline)


def test_given_a_role_when_named_then_its_session_arn_drops_the_path() -> None:
    principal = _render()
    assert principal.session_arn == (
        f"arn:aws:sts::{A}:assumed-role/turnout-hello-RenderFunctionRole-ABC123/{SESSION}"
    )
    assert (principal.account, principal.partition) == (A, "aws")


def test_given_render_as_template_yaml_grants_it_when_it_registers_with_tags_then_denied() -> None:
    decision = authorize(_render(), _register())
    assert not decision.allowed
    assert [c.authorization.action for c in decision.checks] == [
        "ecs:RegisterTaskDefinition",
        "ecs:TagResource",
        "iam:PassRole",
    ]
    assert decision.denied is not None
    assert decision.denied.authorization.action == "ecs:TagResource"
    assert decision.reason == (
        f"User: arn:aws:sts::{A}:assumed-role/turnout-hello-RenderFunctionRole-ABC123/{SESSION} "
        f"is not authorized to perform: ecs:TagResource on resource: {TD} "
        "because no identity-based policy allows the ecs:TagResource action"
    )
    error = decision.error()
    assert (error.code, error.status, error.action, error.resource) == (
        "AccessDeniedException",
        400,
        "ecs:TagResource",
        TD,
    )
    assert error.client_error_text().startswith(
        "An error occurred (AccessDeniedException) when calling the RegisterTaskDefinition "
        "operation: User: arn:aws:sts::"
    )


def test_given_tag_resource_with_create_action_granted_when_it_registers_then_allowed() -> None:
    decision = authorize(_render(TAG_ON_CREATE), _register())
    assert decision.allowed
    assert decision.denied is None
    assert "ecs:TagResource on " + TD + " allowed by extra0 (TagOnRegister)" in decision.reason
    with pytest.raises(ValueError, match="allowed"):
        decision.error()


def test_given_tag_resource_granted_for_another_create_action_when_registering_then_denied() -> (
    None
):
    other = {
        "Statement": [
            {
                **TAG_ON_CREATE["Statement"][0],
                "Condition": {"StringEquals": {"ecs:CreateAction": "CreateService"}},
            }
        ]
    }
    decision = authorize(_render(other), _register())
    assert decision.denied is not None
    assert decision.denied.authorization.action == "ecs:TagResource"


def test_given_a_role_not_granted_to_pass_when_registering_then_pass_role_is_denied() -> None:
    decision = authorize(
        _render(TAG_ON_CREATE), _register(executionRoleArn=f"arn:aws:iam::{A}:role/other")
    )
    assert decision.denied is not None
    assert (decision.denied.authorization.action, decision.denied.authorization.resource) == (
        "iam:PassRole",
        f"arn:aws:iam::{A}:role/other",
    )


def test_given_an_explicit_deny_when_authorized_then_the_explicit_deny_wording() -> None:
    deny = {"Statement": [{"Effect": "Deny", "Action": "ecs:TagResource", "Resource": "*"}]}
    decision = authorize(_render(TAG_ON_CREATE, deny), _register())
    assert decision.denied is not None
    assert decision.denied.evaluation.decision is Outcome.EXPLICIT_DENY
    assert decision.reason.endswith(
        f"is not authorized to perform: ecs:TagResource on resource: {TD} "
        "with an explicit deny in an identity-based policy"
    )


def test_given_a_call_that_needs_no_permission_when_authorized_then_allowed_with_no_checks() -> (
    None
):
    decision = authorize(Principal.of(ROLE, SESSION), ApiCall("sts", "GetCallerIdentity", {}, R, A))
    assert decision.allowed
    assert decision.checks == ()
    assert decision.reason == "sts.GetCallerIdentity needs no permission"


def test_given_a_condition_on_a_global_key_when_authorized_then_the_request_carries_it() -> None:
    region_locked = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "states:SendTaskSuccess",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:RequestedRegion": R},
                    "Bool": {"aws:SecureTransport": "true"},
                },
            }
        ]
    }
    principal = Principal.of(ROLE, SESSION, inline={"p": region_locked})
    here = ApiCall("stepfunctions", "SendTaskSuccess", {"taskToken": "t"}, R, A)
    elsewhere = ApiCall("stepfunctions", "SendTaskSuccess", {"taskToken": "t"}, "us-east-1", A)
    assert authorize(principal, here).allowed
    assert not authorize(principal, elsewhere).allowed


def test_given_a_time_when_global_keys_are_built_then_current_and_epoch_time_agree() -> None:
    keys = global_keys(_render(), _register(), datetime(2026, 12, 1, tzinfo=UTC))
    assert keys["aws:CurrentTime"] == "2026-12-01T00:00:00Z"
    assert keys["aws:EpochTime"] == "1796083200"
    assert keys["aws:PrincipalArn"] == ROLE


def test_given_aws_managed_policies_when_a_principal_is_built_then_moto_s_documents_apply() -> None:
    codedeploy = Principal.of(
        f"arn:aws:iam::{A}:role/CodeDeployECS",
        "AWSCodeDeploy",
        managed=["arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited"],
    )
    hook = f"arn:aws:lambda:{R}:{A}:function:CodeDeployHook_turnout-hello-gate"
    other = f"arn:aws:lambda:{R}:{A}:function:turnout-hello-gate"
    assert authorize(codedeploy, ApiCall("lambda", "Invoke", {"FunctionName": hook}, R, A)).allowed
    assert not authorize(
        codedeploy, ApiCall("lambda", "Invoke", {"FunctionName": other}, R, A)
    ).allowed
    with pytest.raises(ValueError, match="customer_managed"):
        Principal.of(ROLE, SESSION, managed=[f"arn:aws:iam::{A}:policy/mine"])
    mine = Principal.of(
        ROLE,
        SESSION,
        customer_managed={
            f"arn:aws:iam::{A}:policy/mine": {
                "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}
            }
        },
    )
    assert authorize(mine, _register()).allowed


# --------------------------------------------------------------------------- the --iam switch


def test_given_enforce_when_denied_then_the_service_error_is_raised() -> None:
    warnings: list[str] = []
    with pytest.raises(AccessDeniedError) as raised:
        enforce(Mode.ENFORCE, _render(), _register(), warn=warnings.append)
    assert raised.value.code == "AccessDeniedException"
    assert "ecs:TagResource" in str(raised.value)
    assert warnings == []


def test_given_warn_when_denied_then_it_is_reported_and_the_call_goes_on() -> None:
    warnings: list[str] = []
    decision = enforce(Mode.WARN, _render(), _register(), warn=warnings.append)
    assert decision is not None
    assert not decision.allowed
    assert len(warnings) == 1
    assert warnings[0].startswith("IAM would deny ecs.RegisterTaskDefinition: User: ")


def test_given_off_when_called_then_nothing_is_evaluated() -> None:
    warnings: list[str] = []
    assert enforce(Mode.OFF, _render(), _register(), warn=warnings.append) is None
    assert warnings == []


def test_given_allowed_when_enforced_then_the_decision_is_returned_silently() -> None:
    warnings: list[str] = []
    decision = enforce(Mode.ENFORCE, _render(TAG_ON_CREATE), _register(), warn=warnings.append)
    assert decision is not None
    assert decision.allowed
    assert warnings == []


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("service", "code", "status"),
    [
        ("ecs", "AccessDeniedException", 400),  # modeled in ECS's own model
        ("events", "AccessDeniedException", 400),  # modeled
        ("logs", "AccessDeniedException", 400),  # modeled
        ("dynamodb", "AccessDeniedException", 400),  # JSON, unmodeled
        ("stepfunctions", "AccessDeniedException", 400),
        ("codedeploy", "AccessDeniedException", 400),  # smithy-rpc-v2-cbor
        ("codebuild", "AccessDeniedException", 400),
        ("lambda", "AccessDeniedException", 403),  # rest-json
        ("sns", "AuthorizationError", 403),  # SNS's own AuthorizationErrorException code
        ("s3", "AccessDenied", 403),  # modeled in S3
        ("iam", "AccessDenied", 403),  # query
        ("sts", "AccessDenied", 403),
        ("elbv2", "AccessDenied", 403),
        ("cloudwatch", "AccessDenied", 403),  # query-compatible
    ],
)
def test_given_a_service_when_its_denial_code_is_read_then_it_follows_its_model(
    service: str, code: str, status: int
) -> None:
    found = access_denied_code(service)
    assert (found.code, found.status) == (code, status)


def test_given_an_allowed_outcome_when_worded_as_a_denial_then_refused() -> None:
    with pytest.raises(ValueError, match="allowed"):
        denial_message("arn", "ecs:TagResource", "*", Outcome.ALLOW)


def test_given_an_action_without_resources_when_denied_then_the_resource_is_star() -> None:
    assert denial_message(
        "arn:aws:sts::1:assumed-role/r/s", "ecr:GetAuthorizationToken", "*", Outcome.IMPLICIT_DENY
    ) == (
        "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: "
        "ecr:GetAuthorizationToken on resource: * because no identity-based policy allows "
        "the ecr:GetAuthorizationToken action"
    )


# --------------------------------------------------------------------------- from the IAM API


class _Pages:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self._pages = pages

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return self._pages


class FakeIAM:
    """The IAM API calls from_iam makes, over a role with two pages of inline policies, an AWS
    managed and a customer managed policy."""

    def __init__(self) -> None:
        self.inline = {"one": RENDER_POLICY, "two": TAG_ON_CREATE}
        self.customer_arn = f"arn:aws:iam::{A}:policy/deny-tagging"
        self.customer_doc = {
            "Statement": [{"Effect": "Deny", "Action": "ecs:TagResource", "Resource": "*"}]
        }

    def get_paginator(self, name: str) -> _Pages:
        if name == "list_role_policies":
            return _Pages([{"PolicyNames": ["one"]}, {"PolicyNames": ["two"]}])
        assert name == "list_attached_role_policies"
        return _Pages(
            [
                {
                    "AttachedPolicies": [
                        {
                            "PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
                        },
                        {"PolicyArn": self.customer_arn},
                    ]
                }
            ]
        )

    def get_role_policy(self, RoleName: str, PolicyName: str) -> dict[str, Any]:
        assert RoleName == "turnout-hello-RenderFunctionRole-ABC123"
        return {"PolicyDocument": self.inline[PolicyName]}

    def get_policy(self, PolicyArn: str) -> dict[str, Any]:
        assert PolicyArn == self.customer_arn
        return {"Policy": {"DefaultVersionId": "v2"}}

    def get_policy_version(self, PolicyArn: str, VersionId: str) -> dict[str, Any]:
        assert (PolicyArn, VersionId) == (self.customer_arn, "v2")
        return {"PolicyVersion": {"Document": self.customer_doc}}


def test_given_a_role_in_iam_when_read_then_inline_and_attached_policies_all_apply() -> None:
    fake = FakeIAM()
    principal = from_iam(fake, ROLE, SESSION)
    assert [p.name for p in principal.policies] == [
        "one",
        "two",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        fake.customer_arn,
    ]
    logs = ApiCall(
        "logs", "PutLogEvents", {"logGroupName": "/aws/lambda/r", "logStreamName": "s"}, R, A
    )
    assert authorize(principal, logs).allowed
    decision = authorize(principal, _register())  # the customer policy denies the tagging
    assert decision.denied is not None
    assert decision.denied.evaluation.decision is Outcome.EXPLICIT_DENY
    assert decision.denied.evaluation.policy == fake.customer_arn


def test_given_a_url_encoded_document_when_parsed_then_it_is_decoded_first() -> None:
    policy = Policy.parse(
        "raw", quote('{"Statement": {"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}}')
    )
    assert policy.statements[0].actions == ("ecs:*",)
