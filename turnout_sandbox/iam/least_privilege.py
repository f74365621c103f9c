"""Least privilege, proven both ways: every action a role is granted is one some recorded call
needs, shown by taking it away and re-evaluating the calls (one becomes AccessDenied naming it).

The calls come from the sandbox's scenarios (every call a principal of the stack made, with the
facts IAM evaluated them on); the documents are the roles' inline policies as the deployed
stack holds them (template.yaml after the SAM transform: SAM policy templates expanded).
AWS managed policies attached by SAM (basic execution, X-Ray) are AWS's, not the template's,
and are left out.
"""

from __future__ import annotations

import copy
import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from turnout_sandbox.iam.actions import ApiCall, MissingFactError, UnmappedOperationError
from turnout_sandbox.iam.principals import Principal, RoleDocuments, authorize

__all__ = ["Grant", "Verdict", "analyse", "grants_of"]


@dataclass(frozen=True, slots=True)
class Grant:
    """One action an inline policy statement allows a role."""

    role_arn: str
    policy: str
    statement: int
    sid: str | None
    action: str

    @property
    def role(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Verdict:
    """A grant, and the calls that are denied without it (empty: no call needs it)."""

    grant: Grant
    needed_by: tuple[str, ...]

    @property
    def needed(self) -> bool:
        return bool(self.needed_by)


def _document(raw: Mapping[str, Any] | str) -> dict[str, Any]:
    import json

    found: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else copy.deepcopy(dict(raw))
    return found


def _statements(document: Mapping[str, Any]) -> list[Any]:
    statements = document.get("Statement", [])
    return list(statements) if isinstance(statements, list) else [statements]


def _actions(statement: Mapping[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    return [actions] if isinstance(actions, str) else list(actions)


def grants_of(role_arn: str, documents: RoleDocuments) -> list[Grant]:
    """Every (statement, action) an inline policy of the role allows."""
    found: list[Grant] = []
    for name, raw in documents.inline.items():
        for index, statement in enumerate(_statements(_document(raw))):
            if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
                continue
            found.extend(
                Grant(role_arn, name, index, statement.get("Sid"), action)
                for action in _actions(statement)
            )
    return found


def _without(documents: RoleDocuments, grant: Grant) -> RoleDocuments:
    inline = {name: _document(raw) for name, raw in documents.inline.items()}
    statements = _statements(inline[grant.policy])
    target = dict(statements[grant.statement])
    left = [a for a in _actions(target) if a != grant.action]
    if left:
        target["Action"] = left
        statements[grant.statement] = target
    else:
        statements[grant.statement] = None
    kept = [s for s in statements if s is not None]
    if kept:
        inline[grant.policy]["Statement"] = kept
    else:  # its last statement gone: the policy grants nothing
        del inline[grant.policy]
    return RoleDocuments(inline, documents.managed, documents.customer)


def _denied(principal: Principal, call: ApiCall) -> str | None:
    try:
        decision = authorize(principal, call)
    except (UnmappedOperationError, MissingFactError):
        return None
    denied = decision.denied
    return None if denied is None else denied.authorization.action


def analyse(
    documents: Mapping[str, RoleDocuments],
    calls: Iterable[tuple[str, Principal, ApiCall]],
) -> list[Verdict]:
    """For each grant of each role: the recorded calls (``(scenario, principal, call)``) that
    its removal denies, naming that action."""
    by_role: dict[str, list[tuple[str, Principal, ApiCall]]] = {}
    for scenario, principal, call in calls:
        by_role.setdefault(principal.role_arn, []).append((scenario, principal, call))
    verdicts = []
    for role_arn, docs in sorted(documents.items()):
        recorded = by_role.get(role_arn, [])
        for grant in grants_of(role_arn, docs):
            reduced = _without(docs, grant)
            needed: set[str] = set()
            for scenario, principal, call in recorded:
                weaker = reduced.principal(role_arn, principal.session_name)
                action = _denied(weaker, call)
                if action is not None and fnmatch.fnmatchcase(action.lower(), grant.action.lower()):
                    needed.add(f"{scenario}: {call.service}.{call.operation}")
            verdicts.append(Verdict(grant, tuple(sorted(needed))))
    return verdicts
