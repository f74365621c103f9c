"""AWS managed policies, from moto's copy (``moto/iam/aws_managed_policies.py``, fetched from
AWS by moto's ``make aws_managed_policies``; moto 5.2.5 is pinned).

The policies turnout's principals use, as moto 5.2.5 holds them; each is the version AWS
publishes today (compared with the documents in iann0036/iam-dataset, the source that
aws-fidelity.md row 21 cites; the SAR dataset carries no managed policies):
- ``AWSCodeDeployRoleForECS`` (the demo's CodeDeploy service role): v3 of 2019-09-23;
- ``AWSCodeDeployRoleForECSLimited`` (its narrower alternative: hooks must be named
  ``CodeDeployHook_*``, SNS topics ``CodeDeployTopic_*``): v3 of 2019-09-23;
- ``service-role/AWSLambdaBasicExecutionRole`` (each function's logs; SAM attaches it): v1 of
  2015-04-09;
- ``AWSXrayWriteOnlyAccess`` (SAM attaches it to functions with active tracing): v2 of
  2018-08-28.
tests/unit/sandbox_iam/test_iam_managed.py fails when a moto upgrade changes any of them.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

from turnout_sandbox.iam.policy import Policy

_PREFIX = "arn:aws:iam::aws:policy"


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    name: str
    arn: str
    version: str
    updated: str
    document: dict[str, Any]

    def policy(self) -> Policy:
        return _parsed(self.arn)


class UnknownManagedPolicyError(KeyError):
    """moto's copy has no AWS managed policy of that name."""


_SOURCE = ("iam", "aws_managed_policies.py")
_ASSIGNMENT = 'aws_managed_policies_data = """'


@cache
def _all() -> dict[str, dict[str, Any]]:
    # Read moto's module as text rather than import it: importing moto.iam imports moto's
    # core and IAM backend (over a second), while the data is one JSON string literal.
    spec = importlib.util.find_spec("moto")
    if spec is None or spec.origin is None:
        raise UnknownManagedPolicyError("moto is not installed: no AWS managed policies")
    text = Path(spec.origin).parent.joinpath(*_SOURCE).read_text(encoding="utf-8")
    _, found, rest = text.partition(_ASSIGNMENT)
    if not found:
        raise UnknownManagedPolicyError(f"moto's {'/'.join(_SOURCE)} no longer holds {_ASSIGNMENT}")
    return cast(dict[str, dict[str, Any]], json.loads(rest.partition('"""')[0]))


def _name_of(name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        if not name_or_arn.split(":", 5)[-1].startswith("policy/") or ":aws:policy" not in (
            name_or_arn
        ):
            raise UnknownManagedPolicyError(f"{name_or_arn} is not an AWS managed policy ARN")
        return name_or_arn.rsplit("/", 1)[-1]
    return name_or_arn


def is_aws_managed(arn: str) -> bool:
    # IAM User Guide, "IAM identifiers": AWS managed policies live in the "aws" account.
    return arn.split(":")[4:5] == ["aws"] and arn.split(":", 5)[-1].startswith("policy/")


def managed_policy(name_or_arn: str) -> ManagedPolicy:
    """An AWS managed policy by name (``AWSCodeDeployRoleForECS``) or ARN."""
    name = _name_of(name_or_arn)
    raw = _all().get(name)
    if raw is None:
        raise UnknownManagedPolicyError(f"moto's copy has no AWS managed policy {name!r}")
    arn = f"{_PREFIX}{raw.get('Path', '/')}{name}"
    if name_or_arn.startswith("arn:") and name_or_arn.split(":", 5)[-1] != arn.split(":", 5)[-1]:
        # IAM ARNs include the path: .../policy/AWSLambdaBasicExecutionRole is not the
        # service-role policy.
        raise UnknownManagedPolicyError(f"{name_or_arn}: the policy's ARN is {arn}")
    return ManagedPolicy(
        name=name,
        arn=arn,
        version=str(raw.get("DefaultVersionId", "")),
        updated=str(raw.get("UpdateDate", "")),
        document=cast(dict[str, Any], raw["Document"]),
    )


def moto_entry(arn: str) -> tuple[str, dict[str, Any]]:
    """An AWS managed policy's name and its entry in moto's copy (``Document``, ``Path``,
    ``DefaultVersionId``, ``CreateDate``, ``UpdateDate``), as moto loads it."""
    found = managed_policy(arn)
    return found.name, dict(_all()[found.name])


@cache
def _parsed(arn: str) -> Policy:
    return Policy.parse(arn, managed_policy(arn).document)
