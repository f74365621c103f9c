"""template.yaml: every function's environment fits Lambda's 4 KB, whatever the parameters
(aws-fidelity row 20).

Lambda quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html,
"Function configuration, deployment, and execution"): "Function environment variables:
4 KB, for all environment variables associated with the function, in aggregate". Lambda
refuses a larger set when the function is created or updated ("... exceeded the 4KB limit.
String measured: {...}": it measures the variables as JSON), so the stack would fail to
create. This check computes, per function (Globals merged with its own variables as SAM
does), the largest JSON that the template's parameters allow, and fails over 4 KB. Every
String parameter that reaches an environment therefore needs a MaxLength (or AllowedValues),
every Number a MaxValue.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from cfn_template import CfnTag

pytestmark = pytest.mark.checks

LIMIT_BYTES = 4 * 1024

#: Worst-case lengths of pseudo parameters and generated names.
PSEUDO: dict[str, int] = {
    # CloudFormation CreateStack: a stack name has at most 128 characters (botocore
    # cloudformation StackName); no name the template derives from it may exceed its own
    # limit (aws-fidelity row 3, tests/e2e/test_long_stack_name.py).
    "AWS::StackName": 128,
    "AWS::Region": 20,  # the longest today is 14 (ap-southeast-7); room to spare
    "AWS::AccountId": 12,
    "AWS::Partition": len("aws-iso-b") + 7,  # aws, aws-cn, aws-us-gov, aws-iso-b ...: spare
    "AWS::URLSuffix": len("amazonaws.com.cn"),
}
#: The longest stack id, as text (its pieces are selected: template.yaml's StackKey):
#: arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>; a stack name has
#: no "/" (CreateStack StackName pattern [a-zA-Z][-a-zA-Z0-9]*).
WORST_STACK_ID = (
    f"arn:{'p' * 16}:cloudformation:{'r' * 20}:{'1' * 12}:stack/{'n' * 128}/"
    "00000000-0000-0000-0000-000000000000"
)
#: Resources whose Ref lands in an environment: the longest value AWS allows.
RESOURCE_REFS: dict[str, int] = {
    # DynamoDB table names are 3-255 characters (DynamoDB Developer Guide, naming rules).
    "AWS::DynamoDB::Table": 255,
    # A topic ARN: arn:<partition>:sns:<region>:<account>:<name>, names up to 256 characters.
    "AWS::SNS::Topic": len("arn::sns:::") + 16 + 20 + 12 + 256,
}


def _param_max(template: dict[str, Any], name: str) -> int:
    if name in PSEUDO:
        return PSEUDO[name]
    if name in template["Resources"]:
        kind = template["Resources"][name]["Type"]
        assert kind in RESOURCE_REFS, f"!Ref {name} ({kind}) in an environment: bound it here"
        return RESOURCE_REFS[kind]
    param = template["Parameters"][name]
    if "AllowedValues" in param:
        return max(len(str(v)) for v in param["AllowedValues"])
    kind = param["Type"]
    if kind == "Number":
        assert "MaxValue" in param, f"parameter {name} reaches an environment: give it a MaxValue"
        return max(len(str(param["MaxValue"])), len(str(param.get("MinValue", 0))))
    assert kind == "String", f"parameter {name} ({kind}) reaches an environment: make it a String"
    assert "MaxLength" in param, f"parameter {name} reaches an environment: give it a MaxLength"
    return int(param["MaxLength"])


def _worst(template: dict[str, Any], value: Any) -> int:
    """The longest string ``value`` can become in a deployed stack."""
    if isinstance(value, bool):
        return len(str(value).lower())
    if isinstance(value, str | int | float):
        return len(str(value))
    assert isinstance(value, CfnTag), f"unexpected environment value {value!r}"
    if value.tag == "Ref":
        return _param_max(template, str(value.value))
    if value.tag == "Fn::Sub":
        text, mapping = (value.value, {}) if isinstance(value.value, str) else value.value
        total = len(re.sub(r"\$\{[^}]+\}", "", text))
        for name in re.findall(r"\$\{([^}]+)\}", text):
            total += (
                _worst(template, mapping[name]) if name in mapping else _param_max(template, name)
            )
        return total
    if value.tag == "Fn::Select":
        return len(_worst_text(template, value))
    if value.tag == "Fn::If":
        return max(_worst(template, branch) for branch in value.value[1:])
    if value.tag == "Fn::Join":
        separator, parts = value.value
        assert isinstance(parts, list), f"!Join over a list parameter is unbounded: {value!r}"
        return sum(_worst(template, p) for p in parts) + len(separator) * max(0, len(parts) - 1)
    raise AssertionError(f"cannot bound {value!r} in an environment")


def _worst_text(template: dict[str, Any], value: Any) -> str:
    """A longest text of a value whose pieces are selected (the stack id, pieces of it)."""
    if isinstance(value, CfnTag) and value.tag == "Ref" and value.value == "AWS::StackId":
        return WORST_STACK_ID
    if isinstance(value, CfnTag) and value.tag == "Fn::Select":
        index, source = value.value
        assert isinstance(source, CfnTag), f"cannot bound {value!r}"
        assert source.tag == "Fn::Split", f"cannot bound {value!r}"
        separator, inner = source.value
        return _worst_text(template, inner).split(separator)[int(index)]
    raise AssertionError(f"cannot bound the pieces of {value!r} in an environment")


def _environments(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    common = template["Globals"]["Function"].get("Environment", {}).get("Variables", {})
    found = {}
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        own = (resource.get("Properties") or {}).get("Environment", {}).get("Variables", {})
        found[logical_id] = {**common, **own}
    return found


def worst_case_bytes(template: dict[str, Any], variables: dict[str, Any]) -> int:
    """Lambda measures the variables as JSON: {"KEY":"value",...}."""
    skeleton = json.dumps(dict.fromkeys(variables, ""), separators=(",", ":"))
    return len(skeleton) + sum(_worst(template, v) for v in variables.values())


def test_given_the_template_when_every_parameter_is_at_its_longest_then_each_environment_fits(
    template: dict[str, Any],
) -> None:
    sizes = {
        fn: worst_case_bytes(template, variables)
        for fn, variables in _environments(template).items()
    }

    assert sizes, "no function environments found"
    over = {fn: size for fn, size in sizes.items() if size > LIMIT_BYTES}
    assert not over, f"worst-case environment over {LIMIT_BYTES} bytes: {over}"


def test_given_an_unbounded_parameter_in_an_environment_when_checked_then_it_is_refused(
    template: dict[str, Any],
) -> None:
    """The check itself: a String without MaxLength cannot be bounded."""
    changed = {**template, "Parameters": {**template["Parameters"], "Free": {"Type": "String"}}}

    with pytest.raises(AssertionError, match="Free reaches an environment: give it a MaxLength"):
        worst_case_bytes(changed, {"FREE": CfnTag("Ref", "Free")})
