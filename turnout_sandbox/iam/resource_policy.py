"""Resource-based policies (a KMS key policy, an SNS topic policy) evaluated for one caller.

A resource-based policy names its principals; the statements that name the caller are an
identity policy for it (IAM User Guide, "Policy evaluation logic": within one account, an
Allow in either the identity or the resource policy allows; an explicit Deny in either
denies). AWS service principals acting for a resource (CloudWatch publishing an alarm) have
no identity policy, so only the resource policy can allow them.

Principal matching follows the IAM User Guide, "AWS JSON policy elements: Principal":
``"*"`` and ``{"AWS": "*"}`` name every principal; ``{"Service": "cloudwatch.amazonaws.com"}``
names that service; an account's ``arn:aws:iam::<id>:root`` names the account's IAM
principals, never an AWS service ("AWS service principals" are not account principals: the
KMS Developer Guide's default key policy statement "Enable IAM User Permissions" lets IAM
policies grant key use, and services need a statement of their own).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from turnout_sandbox.iam.policy import (
    ContextValue,
    Evaluation,
    Outcome,
    Policy,
    Request,
    evaluate,
)

__all__ = ["ServicePrincipal", "evaluate_resource_policy"]


@dataclass(frozen=True, slots=True)
class ServicePrincipal:
    """An AWS service acting on its own (``cloudwatch.amazonaws.com``)."""

    service: str


def _names(principal: object, caller: ServicePrincipal) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    aws = principal.get("AWS")
    aws_list = aws if isinstance(aws, list) else [aws]
    if "*" in aws_list:
        return True
    service = principal.get("Service")
    services = service if isinstance(service, list) else [service]
    return caller.service in services


def _statements_for(document: Mapping[str, Any], caller: ServicePrincipal) -> list[dict[str, Any]]:
    """The statements that apply to ``caller``, without their Principal element."""
    raw = document.get("Statement", [])
    statements = raw if isinstance(raw, list) else [raw]
    applying: list[dict[str, Any]] = []
    for statement in statements:
        if not isinstance(statement, Mapping):
            continue
        if "Principal" in statement:
            named = _names(statement["Principal"], caller)
        elif "NotPrincipal" in statement:
            named = not _names(statement["NotPrincipal"], caller)
        else:
            named = False  # a resource policy statement without a principal applies to no one
        if named:
            applying.append(
                {k: v for k, v in statement.items() if k not in ("Principal", "NotPrincipal")}
            )
    return applying


def evaluate_resource_policy(
    name: str,
    document: Mapping[str, Any] | str,
    caller: ServicePrincipal,
    *,
    action: str,
    resource: str,
    context: Mapping[str, ContextValue],
) -> Evaluation:
    """Whether the resource policy ``document`` lets ``caller`` perform ``action`` on
    ``resource`` with the request ``context`` (explicit Deny, Allow, else implicit deny)."""
    parsed = json.loads(document) if isinstance(document, str) else document
    applying = _statements_for(parsed, caller)
    if not applying:  # nothing names the caller: implicitly denied
        return Evaluation(Outcome.IMPLICIT_DENY)
    policy = Policy.parse(name, {"Version": "2012-10-17", "Statement": applying})
    return evaluate([policy], Request.of(action, resource, context))
