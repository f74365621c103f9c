"""Principals (a role session with its identity policies) and ``authorize``: every
authorization an API call needs, evaluated against the principal's policies.

A Lambda function, a state machine, an EventBridge target, a CodeBuild project and a
CodeDeploy deployment group each act with temporary credentials of the role they were
given, so AWS names the caller by its role *session*:
``arn:aws:sts::<account>:assumed-role/<RoleName>/<session>``, without the role's path (IAM
User Guide, "IAM identifiers", "Role session ARNs"). Lambda names the session after the
function (Lambda Developer Guide, "Lambda execution role").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from turnout_sandbox.iam.actions import ApiCall, Authorization, authorizations
from turnout_sandbox.iam.errors import AccessDeniedError, denial_message
from turnout_sandbox.iam.managed import is_aws_managed, managed_policy
from turnout_sandbox.iam.policy import (
    ContextValue,
    Evaluation,
    Policy,
    Request,
    evaluate,
    normalize_context,
)

if TYPE_CHECKING:
    from mypy_boto3_iam.client import IAMClient


class Mode(StrEnum):
    """The sandbox's ``--iam`` switch."""

    ENFORCE = "enforce"  # a denied call fails as AWS fails it
    WARN = "warn"  # a denied call is reported and goes through
    OFF = "off"  # nothing is evaluated


@dataclass(frozen=True, slots=True)
class Principal:
    role_arn: str
    session_name: str
    policies: tuple[Policy, ...] = ()

    @classmethod
    def of(
        cls,
        role_arn: str,
        session_name: str,
        *,
        inline: Mapping[str, Mapping[str, Any] | str] | None = None,
        managed: Iterable[str] = (),
        customer_managed: Mapping[str, Mapping[str, Any] | str] | None = None,
    ) -> Principal:
        """A role session with its inline policies (by name), AWS managed policies (by ARN,
        documents from moto's copy) and customer managed policies (ARN -> document)."""
        policies = [Policy.parse(name, doc) for name, doc in (inline or {}).items()]
        for arn in managed:
            if not is_aws_managed(arn):
                raise ValueError(f"{arn} is not AWS managed: give it in customer_managed")
            policies.append(managed_policy(arn).policy())
        policies.extend(Policy.parse(arn, doc) for arn, doc in (customer_managed or {}).items())
        return cls(role_arn, session_name, tuple(policies))

    @property
    def partition(self) -> str:
        return self.role_arn.split(":")[1]

    @property
    def account(self) -> str:
        return self.role_arn.split(":")[4]

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]

    @property
    def session_arn(self) -> str:
        return (
            f"arn:{self.partition}:sts::{self.account}:assumed-role/"
            f"{self.role_name}/{self.session_name}"
        )


@dataclass(frozen=True, slots=True)
class RoleDocuments:
    """A role's policies as IAM holds them: inline documents by name, AWS managed policy ARNs,
    customer managed documents by ARN."""

    inline: Mapping[str, Mapping[str, Any] | str]
    managed: tuple[str, ...]
    customer: Mapping[str, Mapping[str, Any] | str]

    def principal(self, role_arn: str, session_name: str) -> Principal:
        return Principal.of(
            role_arn,
            session_name,
            inline=self.inline,
            managed=self.managed,
            customer_managed=self.customer,
        )


def documents_of(iam: IAMClient, role_arn: str) -> RoleDocuments:
    """The role's policy documents, read through the IAM API."""
    name = role_arn.rsplit("/", 1)[-1]
    inline: dict[str, Mapping[str, Any] | str] = {}
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
        for policy_name in page["PolicyNames"]:
            found = iam.get_role_policy(RoleName=name, PolicyName=policy_name)
            inline[policy_name] = found["PolicyDocument"]
    aws_managed: list[str] = []
    customer: dict[str, Mapping[str, Any] | str] = {}
    for listing in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
        for attached in listing["AttachedPolicies"]:
            arn = attached["PolicyArn"]
            if is_aws_managed(arn):
                aws_managed.append(arn)
                continue
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=arn, VersionId=version)
            customer[arn] = document["PolicyVersion"]["Document"]
    return RoleDocuments(inline, tuple(aws_managed), customer)


def from_iam(iam: IAMClient, role_arn: str, session_name: str) -> Principal:
    """A role's session with the policies IAM holds for the role (its inline policies and
    attached managed policies, read through the IAM API), e.g. from the sandbox's IAM after
    the stack is deployed. AWS managed policies come from moto's copy when IAM does not
    serve them (moto loads them only on request)."""
    return documents_of(iam, role_arn).principal(role_arn, session_name)


@dataclass(frozen=True, slots=True)
class Check:
    authorization: Authorization
    evaluation: Evaluation

    @property
    def allowed(self) -> bool:
        return self.evaluation.allowed


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one call: each authorization with its evaluation; ``reason`` says
    which policy allowed it, or denies it in IAM's words."""

    principal: Principal
    call: ApiCall
    checks: tuple[Check, ...] = field(default=())

    @property
    def allowed(self) -> bool:
        return all(check.allowed for check in self.checks)

    @property
    def denied(self) -> Check | None:
        """The first check that failed, in the order AWS authorizes them (the call's own
        action first, then its extra authorizations)."""
        return next((check for check in self.checks if not check.allowed), None)

    @property
    def reason(self) -> str:
        denied = self.denied
        if denied is not None:
            return denial_message(
                self.principal.session_arn,
                denied.authorization.action,
                denied.authorization.resource,
                denied.evaluation.decision,
            )
        if not self.checks:
            return f"{self.call.service}.{self.call.operation} needs no permission"
        return "; ".join(
            f"{c.authorization.action} on {c.authorization.resource} allowed by "
            f"{c.evaluation.policy}" + (f" ({c.evaluation.sid})" if c.evaluation.sid else "")
            for c in self.checks
        )

    def error(self) -> AccessDeniedError:
        denied = self.denied
        if denied is None:
            raise ValueError("the call was allowed")
        return AccessDeniedError(
            self.call.service,
            self.call.operation,
            denied.authorization.action,
            denied.authorization.resource,
            self.reason,
        )


def global_keys(principal: Principal, call: ApiCall, now: datetime) -> dict[str, ContextValue]:
    """The global condition keys AWS puts in every request of a role session (IAM User
    Guide, "AWS global condition context keys": aws:PrincipalArn is the role's ARN for a
    role session; aws:RequestedRegion the call's region; aws:SecureTransport over TLS, as
    the SDKs call; aws:CurrentTime / aws:EpochTime the request time)."""
    return {
        "aws:PrincipalArn": principal.role_arn,
        "aws:PrincipalAccount": principal.account,
        "aws:PrincipalType": "AssumedRole",
        "aws:RequestedRegion": call.region,
        "aws:SecureTransport": True,
        "aws:ViaAWSService": False,
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
    }


def authorize(principal: Principal, call: ApiCall, *, now: datetime | None = None) -> Decision:
    """Evaluate every authorization ``call`` needs against the principal's policies."""
    moment = now or datetime.now(UTC)
    base = normalize_context(global_keys(principal, call, moment))
    checks = []
    for auth in authorizations(call):
        context = {**base, **normalize_context(auth.context)}
        request = Request(auth.action, auth.resource, context)
        checks.append(Check(auth, evaluate(principal.policies, request)))
    return Decision(principal, call, tuple(checks))


def enforce(
    mode: Mode,
    principal: Principal,
    call: ApiCall,
    *,
    warn: Callable[[str], None],
    now: datetime | None = None,
) -> Decision | None:
    """The ``--iam`` switch: ``off`` evaluates nothing; ``warn`` reports a denial through
    ``warn`` and lets the call go on; ``enforce`` raises the service's AccessDenied error."""
    if mode is Mode.OFF:
        return None
    decision = authorize(principal, call, now=now)
    if not decision.allowed:
        if mode is Mode.ENFORCE:
            raise decision.error()
        warn(f"IAM would deny {call.service}.{call.operation}: {decision.reason}")
    return decision
