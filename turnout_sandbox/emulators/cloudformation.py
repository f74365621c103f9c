"""CloudFormation behaviour moto's models lack but AWS documents (Fn::GetAtt, Ref, Fn::Sub).

Nothing here is patched at import: :data:`PATCHES` are applied and undone by the sandbox's
registry (:mod:`turnout_sandbox.patches`). The module keeps no state.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from turnout_sandbox.patches import AttributePatch, Internal, Patch

__all__ = ["INTERNALS", "PATCHES", "reset"]

_STATE_MACHINE: Final = "moto.stepfunctions.models:StateMachine"
_ARCHIVE: Final = "moto.events.models:Archive"


def _has_cfn_attr(cls: type, /, attr: str) -> bool:
    # AWS::StepFunctions::StateMachine Fn::GetAtt: Arn, Name, StateMachineRevisionId.
    return attr == "Arn" or bool(_HAS_CFN_ATTR.original.__func__(cls, attr))


def _get_cfn_attribute(self: Any, attribute_name: str) -> Any:
    # AWS::StepFunctions::StateMachine Fn::GetAtt: Arn, Name, StateMachineRevisionId.
    if attribute_name == "Arn":
        return self.arn
    return _GET_CFN_ATTRIBUTE.original(self, attribute_name)


def _create_archive(
    cls: type,
    /,
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    # AWS::Events::Archive EventPattern is of type Json: an object in templates.
    props = cloudformation_json.get("Properties", {})
    if isinstance(props.get("EventPattern"), dict):
        props = {**props, "EventPattern": json.dumps(props["EventPattern"])}
        cloudformation_json = {**cloudformation_json, "Properties": props}
    return _CREATE_ARCHIVE.original.__func__(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )


def _may_be_no_value(raw: Any) -> bool:
    return isinstance(raw, dict) and (raw.get("Ref") == "AWS::NoValue" or "Fn::If" in raw)


def _clean_json(resource_json: Any, resources_map: Any) -> Any:
    """AWS's Fn::Sub replaces only ``${Name}``; moto's uses string.Template, which also
    turns ``$$`` into ``$`` and so breaks ``$$.Execution.Id`` in state machine definitions.

    And ``AWS::NoValue`` in a list removes the element ("AWS::NoValue: removes the
    corresponding resource property when specified as a return value in the Fn::If intrinsic
    function", CloudFormation User Guide, pseudo parameters reference); moto left a null in
    the list (an IAM statement ``null`` in a role's policy, say)."""
    original = _CLEAN_JSON.original
    if isinstance(resource_json, list):
        cleaned = []
        for raw in resource_json:
            value = _clean_json(raw, resources_map)
            if value is None and _may_be_no_value(raw):
                continue
            cleaned.append(value)
        return cleaned
    if isinstance(resource_json, dict) and isinstance(resource_json.get("Fn::Sub"), list):
        template, mappings = resource_json["Fn::Sub"]
        values = {k: str(original(v, resources_map)) for k, v in mappings.items()}

        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            return values[name] if name in values else match.group(0)

        text = re.sub(r"\$\{([^}!][^}]*)\}", repl, str(original(template, resources_map)))
        return original({"Fn::Sub": text}, resources_map)
    return original(resource_json, resources_map)


_HAS_CFN_ATTR: Final = AttributePatch(
    name="cloudformation.state-machine.has-cfn-attr",
    owner=_STATE_MACHINE,
    attribute="has_cfn_attr",
    new=classmethod(_has_cfn_attr),
    why="Fn::GetAtt <StateMachine>.Arn: moto's StateMachine lacks the Arn attribute",
)
_GET_CFN_ATTRIBUTE: Final = AttributePatch(
    name="cloudformation.state-machine.get-cfn-attribute",
    owner=_STATE_MACHINE,
    attribute="get_cfn_attribute",
    new=_get_cfn_attribute,
    why="Fn::GetAtt <StateMachine>.Arn answers the state machine's ARN",
)
_CREATE_ARCHIVE: Final = AttributePatch(
    name="cloudformation.archive.event-pattern-json",
    owner=_ARCHIVE,
    attribute="create_from_cloudformation_json",
    new=classmethod(_create_archive),
    why="AWS::Events::Archive EventPattern is Json (an object in templates); moto wants a string",
)
_ARCHIVE_REF: Final = AttributePatch(
    name="cloudformation.archive.ref-is-name",
    owner=_ARCHIVE,
    attribute="physical_resource_id",
    new=property(lambda self: self.name),
    why="AWS: Ref of an AWS::Events::Archive is the archive name; moto's Archive has no Ref",
    must_exist=False,
)
_LAYER_REF: Final = AttributePatch(
    name="cloudformation.layer-version-ref-is-arn",
    owner="moto.awslambda.models:LayerVersion",
    attribute="physical_resource_id",
    new=property(lambda self: self.arn),
    why="AWS: Ref of an AWS::Lambda::LayerVersion is the layer version's ARN (CloudFormation "
    "User Guide, AWS::Lambda::LayerVersion, Return values); moto's had no Ref, so a "
    "function's Layers held the object and UpdateStack of the function failed",
    must_exist=False,
)
_PARSER_BACKENDS: Final = AttributePatch(
    name="cloudformation.state-machines-in-parser-backend",
    owner="moto.stepfunctions.models",
    attribute="stepfunctions_backends",
    new=stepfunctions_parser_backends,
    why=(
        "with execute_state_machine on, the API serves from the parser backend, but moto's "
        "CloudFormation creates state machines in the plain one: point it there"
    ),
)
_CLEAN_JSON: Final = AttributePatch(
    name="cloudformation.fn-sub",
    owner="moto.cloudformation.parsing",
    attribute="clean_json",
    new=_clean_json,
    why="AWS's Fn::Sub replaces only ${Name}; moto's string.Template also turns $$ into $",
)


def _put_policy(self: Any, policy_name: str, policy_json: Any) -> None:
    """IAM keeps a policy document as JSON text, and GetRolePolicy answers it so (boto3
    decodes it to a dict); moto stored the dict CloudFormation gave it, and answered its
    Python repr (single quotes), which no JSON reader takes."""
    if not isinstance(policy_json, str):
        policy_json = json.dumps(policy_json)
    _ROLE_PUT_POLICY.original(self, policy_name, policy_json)


_ROLE_PUT_POLICY: Final = AttributePatch(
    name="cloudformation.iam-role-policy-json",
    owner="moto.iam.models:Role",
    attribute="put_policy",
    new=_put_policy,
    why="an AWS::IAM::Role's inline policies are JSON documents (GetRolePolicy answers JSON); "
    "moto kept CloudFormation's dict and answered its repr",
)

PATCHES: Final[tuple[Patch, ...]] = (
    _ROLE_PUT_POLICY,
    _HAS_CFN_ATTR,
    _GET_CFN_ATTRIBUTE,
    _CREATE_ARCHIVE,
    _ARCHIVE_REF,
    _LAYER_REF,
    _PARSER_BACKENDS,
    _CLEAN_JSON,
)
INTERNALS: Final[tuple[Internal, ...]] = ()


def reset() -> None:
    """Nothing to clear: this module only adds attributes."""
