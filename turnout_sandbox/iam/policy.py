"""IAM policy documents and their evaluation, as the IAM User Guide documents them.

Sources (IAM User Guide, docs.aws.amazon.com/IAM/latest/UserGuide/), named at each rule:
- [EVAL]  "Policy evaluation logic" and "Determining whether a request is allowed or denied
          within an account" (reference_policies_evaluation-logic.html);
- [ACTION] "IAM JSON policy elements: Action" / "NotAction";
- [RESOURCE] "IAM JSON policy elements: Resource" / "NotResource";
- [COND]  "IAM JSON policy elements: Condition" (reference_policies_elements_condition.html);
- [OPS]   "IAM JSON policy elements: Condition operators"
          (reference_policies_elements_condition_operators.html);
- [SETS]  "Set operators for multivalued context keys"
          (reference_policies_condition-single-vs-multi-valued-context-keys.html).

Scope: identity-based policies of one account (what the sandbox's principals carry). Resource
policies, permissions boundaries, session policies and SCPs are not evaluated. Policy
variables (``${aws:username}``...) are not substituted: an element holding one is matched
literally, so it never matches a real name (a denial, never a silent allow).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import operator
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

Values = tuple[str, ...]
ContextValue = str | bool | int | float | Sequence[str | bool | int | float]


class PolicyError(ValueError):
    """A policy document IAM would refuse (IAM answers MalformedPolicyDocument)."""


class Outcome(StrEnum):
    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


def _text(value: object) -> str:
    # [OPS] Boolean and number values may be written as JSON literals; IAM compares their
    # string forms ("true", "10").
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _values(value: object) -> Values:
    if type(value) is str:  # the common case, first
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(v if type(v) is str else _text(v) for v in value)
    return (_text(value),)


@dataclass(frozen=True, slots=True)
class Request:
    """One authorization: an action on one resource ARN, with the request context.

    Context key names are case-insensitive ([COND]: "Condition key names are not
    case-sensitive"), so they are kept lower-cased; values keep their case."""

    action: str
    resource: str
    context: Mapping[str, Values] = field(default_factory=dict)

    @classmethod
    def of(
        cls, action: str, resource: str, context: Mapping[str, ContextValue] | None = None
    ) -> Request:
        return cls(action, resource, normalize_context(context or {}))


def normalize_context(context: Mapping[str, ContextValue]) -> dict[str, Values]:
    """Context keys lower-cased, values as tuples of strings (the form ``Request`` holds)."""
    return {key.lower(): _values(value) for key, value in context.items()}


# --------------------------------------------------------------------------- wildcards


@lru_cache(maxsize=4096)
def _glob(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    # [ACTION] "*" and "?" in actions, case-insensitive; [OPS] StringLike: "*" any run of
    # characters, "?" any one, anywhere in the string, case-sensitive.
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


@lru_cache(maxsize=4096)
def _resource_pattern(pattern: str) -> re.Pattern[str]:
    # [RESOURCE] "Including wildcards in resource ARNs": "*" and "?" within the individual
    # segments of an ARN (the parts separated by colons); "If the * wildcard is the last
    # character of a resource ARN segment, it can expand to match beyond the colon
    # boundaries." Resource ARNs match case-sensitively.
    parts: list[str] = []
    for segment in pattern.split(":"):
        out = []
        for i, ch in enumerate(segment):
            if ch == "*":
                out.append(".*" if i == len(segment) - 1 else "[^:]*")
            elif ch == "?":
                out.append("[^:]")
            else:
                out.append(re.escape(ch))
        parts.append("".join(out))
    return re.compile(":".join(parts), re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    return _glob(pattern, ignore_case=True).fullmatch(action) is not None


def resource_matches(pattern: str, resource: str) -> bool:
    if pattern == "*":
        return True
    return _resource_pattern(pattern).fullmatch(resource) is not None


Matcher = Callable[[str], bool]


def _any_of(patterns: tuple[str, ...], compile_one: Callable[[str], re.Pattern[str]]) -> Matcher:
    """One matcher for a list of patterns (any may match): a single alternation, so a
    statement costs one regex match per element, however many patterns it lists."""
    if "*" in patterns:
        return lambda value: True
    compiled = [compile_one(p) for p in patterns]
    joined = re.compile("|".join(f"(?:{c.pattern})" for c in compiled), compiled[0].flags)
    return lambda value: joined.fullmatch(value) is not None


def arn_like(pattern: str, value: str) -> bool:
    # [OPS] ARN condition operators: "Each of the six colon-delimited components of the ARN
    # is checked separately and each can include multi-character match wildcards (*) or
    # single-character match wildcards (?)". A value that is not an ARN never matches.
    want = pattern.split(":", 5)
    have = value.split(":", 5)
    if len(want) != 6 or len(have) != 6:
        return False
    return all(_glob(w, ignore_case=False).fullmatch(h) for w, h in zip(want, have, strict=True))


# --------------------------------------------------------------------------- operators

Compare = Callable[[str, str], bool]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _numeric(test: Callable[[float, float], bool]) -> Compare:
    # [OPS] Numeric operators: a value that is not a number does not match.
    def compare(have: str, want: str) -> bool:
        a, b = _number(have), _number(want)
        return a is not None and b is not None and test(a, b)

    return compare


def _instant(text: str) -> float | None:
    # [OPS] Date operators take ISO 8601 dates or epoch (UNIX) seconds.
    number = _number(text)
    if number is not None:
        return number
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _date(test: Callable[[float, float], bool]) -> Compare:
    def compare(have: str, want: str) -> bool:
        a, b = _instant(have), _instant(want)
        return a is not None and b is not None and test(a, b)

    return compare


def _ip(have: str, want: str) -> bool:
    # [OPS] IpAddress: the address is in the CIDR range (IPv4 or IPv6).
    try:
        return ipaddress.ip_address(have) in ipaddress.ip_network(want, strict=False)
    except ValueError:
        return False


def _binary(have: str, want: str) -> bool:
    # [OPS] BinaryEquals: the policy holds the base-64 encoding of the value's bytes.
    try:
        return base64.b64decode(have, validate=True) == base64.b64decode(want, validate=True)
    except (binascii.Error, ValueError):
        return False


# name (lower-case) -> (comparison, negated). [OPS] lists each operator and its negation.
_OPERATORS: dict[str, tuple[Compare, bool]] = {
    "stringequals": (lambda a, b: a == b, False),
    "stringnotequals": (lambda a, b: a == b, True),
    "stringequalsignorecase": (lambda a, b: a.lower() == b.lower(), False),
    "stringnotequalsignorecase": (lambda a, b: a.lower() == b.lower(), True),
    "stringlike": (lambda a, b: _glob(b, ignore_case=False).fullmatch(a) is not None, False),
    "stringnotlike": (lambda a, b: _glob(b, ignore_case=False).fullmatch(a) is not None, True),
    # [OPS] Bool: "true" / "false", written as strings or JSON booleans.
    "bool": (lambda a, b: a.lower() == b.lower(), False),
    "binaryequals": (_binary, False),
    "ipaddress": (_ip, False),
    "notipaddress": (_ip, True),
    # [OPS] ArnEquals and ArnLike behave alike (both take wildcards), as do their negations.
    "arnequals": (lambda a, b: arn_like(b, a), False),
    "arnlike": (lambda a, b: arn_like(b, a), False),
    "arnnotequals": (lambda a, b: arn_like(b, a), True),
    "arnnotlike": (lambda a, b: arn_like(b, a), True),
}
# [OPS] Numeric and date operators: the same six comparisons, on numbers or on instants.
_ORDERINGS: dict[str, tuple[Callable[[float, float], bool], bool]] = {
    "equals": (operator.eq, False),
    "notequals": (operator.eq, True),
    "lessthan": (operator.lt, False),
    "lessthanequals": (operator.le, False),
    "greaterthan": (operator.gt, False),
    "greaterthanequals": (operator.ge, False),
}
for _suffix, (_test, _negated) in _ORDERINGS.items():
    _OPERATORS["numeric" + _suffix] = (_numeric(_test), _negated)
    _OPERATORS["date" + _suffix] = (_date(_test), _negated)

Test = Callable[[Mapping[str, Values]], bool]


def _condition(op_name: str, key: str, wanted: Values) -> Test:
    name = op_name
    qualifier = ""
    if ":" in name:
        qualifier, _, name = name.partition(":")
        qualifier = qualifier.lower()
        if qualifier not in {"foranyvalue", "forallvalues"}:
            raise PolicyError(f"unknown set operator {qualifier!r} in {op_name!r}")
    lowered = name.lower()
    key = key.lower()

    if lowered == "null":
        # [OPS] Null: "true" holds when the key is absent from the request context, "false"
        # when it is present (an empty set counts as absent).
        expect_absent = [w.lower() == "true" for w in wanted]

        def null(context: Mapping[str, Values]) -> bool:
            absent = not context.get(key)
            return any(absent == want for want in expect_absent)

        return null

    if_exists = lowered.endswith("ifexists")
    if if_exists:
        lowered = lowered.removesuffix("ifexists")
    found = _OPERATORS.get(lowered)
    if found is None:
        raise PolicyError(f"unknown condition operator {op_name!r}")
    compare, negated = found

    def hit(value: str) -> bool:
        # [COND] "If you specify multiple values for a single key ... evaluated using a
        # logical OR."
        return any(compare(value, want) for want in wanted)

    def test(context: Mapping[str, Values]) -> bool:  # noqa: PLR0911 (one return per rule)
        have = context.get(key)
        if not have:
            # [OPS] ...IfExists: "If the policy key is not present in the context of an
            # incoming request, the result is true."
            if if_exists:
                return True
            # [SETS] ForAllValues: "returns true if there are no context keys in the
            # request"; ForAnyValue: false when there are none.
            if qualifier == "forallvalues":
                return True
            if qualifier == "foranyvalue":
                return False
            # [OPS] "Important": a key absent from the request context does not match, so
            # the condition is false; for a negated operator (StringNotLike, ArnNotLike...)
            # it is true.
            return negated
        if qualifier == "forallvalues":
            # [SETS] every value in the request matches (for a negated operator: matches
            # none of the policy's values).
            return all(hit(v) != negated for v in have)
        if qualifier == "foranyvalue":
            # [SETS] at least one value in the request matches (negated: at least one
            # matches none of them).
            return any(hit(v) != negated for v in have)
        # A single-valued key (no set operator): its value matches one of the policy's
        # values (negated: matches none).
        matched = any(hit(v) for v in have)
        return matched != negated

    return test


def _conditions(block: object) -> tuple[Test, ...]:
    if block is None:
        return ()
    if not isinstance(block, Mapping):
        raise PolicyError("Condition must be an object")
    tests: list[Test] = []
    for op_name, keys in block.items():
        if not isinstance(keys, Mapping):
            raise PolicyError(f"Condition {op_name!r} must map keys to values")
        for key, wanted in keys.items():
            tests.append(_condition(str(op_name), str(key), _values(wanted)))
    return tuple(tests)


# --------------------------------------------------------------------------- documents


def _strings(value: object, element: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"{element} must be a string or a non-empty list of strings")


def _one_of(raw: Mapping[str, Any], positive: str, negative: str) -> tuple[tuple[str, ...], bool]:
    # [ACTION]/[RESOURCE]: a statement has exactly one of Action / NotAction, and (in an
    # identity-based policy) exactly one of Resource / NotResource.
    if (positive in raw) == (negative in raw):
        raise PolicyError(f"a statement needs exactly one of {positive} and {negative}")
    if positive in raw:
        return _strings(raw[positive], positive), False
    return _strings(raw[negative], negative), True


@dataclass(frozen=True, slots=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    conditions: tuple[Test, ...]
    sid: str | None = None
    match_action: Matcher = field(default=lambda value: False, repr=False, compare=False)
    match_resource: Matcher = field(default=lambda value: False, repr=False, compare=False)

    @classmethod
    def parse(cls, raw: object) -> Statement:
        if not isinstance(raw, Mapping):
            raise PolicyError("a Statement must be an object")
        effect = raw.get("Effect")
        if effect not in {"Allow", "Deny"}:
            raise PolicyError(f"Effect must be Allow or Deny, not {effect!r}")
        if "Principal" in raw or "NotPrincipal" in raw:
            # IAM refuses a Principal in an identity-based policy ("Policy document should
            # not specify a principal").
            raise PolicyError("an identity-based policy cannot name a Principal")
        actions, not_action = _one_of(raw, "Action", "NotAction")
        resources, not_resource = _one_of(raw, "Resource", "NotResource")
        sid = raw.get("Sid")
        return cls(
            effect=str(effect),
            actions=actions,
            not_action=not_action,
            resources=resources,
            not_resource=not_resource,
            conditions=_conditions(raw.get("Condition")),
            sid=str(sid) if sid is not None else None,
            match_action=_any_of(actions, lambda p: _glob(p, ignore_case=True)),
            match_resource=_any_of(resources, _resource_pattern),
        )

    def applies(self, request: Request) -> bool:
        # [ACTION] NotAction: the statement applies to every action except those listed.
        if self.match_action(request.action) == self.not_action:
            return False
        # [RESOURCE] NotResource: every resource except those listed.
        if self.match_resource(request.resource) == self.not_resource:
            return False
        # [COND] "If there are multiple condition operators, or multiple keys attached to a
        # single condition operator, the conditions are evaluated using a logical AND."
        return all(test(request.context) for test in self.conditions)


@dataclass(frozen=True, slots=True)
class Policy:
    """A policy document, parsed once; ``name`` is its ARN (managed) or name (inline)."""

    name: str
    statements: tuple[Statement, ...]

    @classmethod
    def parse(cls, name: str, document: Mapping[str, Any] | str) -> Policy:
        if isinstance(document, str) and document.lstrip().startswith("%"):
            # The IAM API returns documents URL-encoded (RFC 3986); boto3 decodes them, raw
            # botocore does not.
            document = urllib.parse.unquote(document)
        raw: object = json.loads(document) if isinstance(document, str) else document
        if not isinstance(raw, Mapping):
            raise PolicyError(f"{name}: a policy document must be a JSON object")
        body = raw.get("Statement")
        items = body if isinstance(body, list) else [body] if body is not None else []
        if not items:
            raise PolicyError(f"{name}: a policy needs a Statement")
        try:
            return cls(name, tuple(Statement.parse(s) for s in items))
        except PolicyError as exc:
            raise PolicyError(f"{name}: {exc}") from None


@dataclass(frozen=True, slots=True)
class Evaluation:
    decision: Outcome
    policy: str | None = None
    sid: str | None = None

    @property
    def allowed(self) -> bool:
        return self.decision is Outcome.ALLOW


def evaluate(policies: Iterable[Policy], request: Request) -> Evaluation:
    """[EVAL] An explicit Deny in any policy wins; otherwise an Allow allows; otherwise the
    request is implicitly denied ("By default, all requests are implicitly denied")."""
    allowed: Evaluation | None = None
    for policy in policies:
        for statement in policy.statements:
            if not statement.applies(request):
                continue
            if statement.effect == "Deny":
                return Evaluation(Outcome.EXPLICIT_DENY, policy.name, statement.sid)
            if allowed is None:
                allowed = Evaluation(Outcome.ALLOW, policy.name, statement.sid)
    return allowed or Evaluation(Outcome.IMPLICIT_DENY)
