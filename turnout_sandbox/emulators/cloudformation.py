"""CloudFormation behaviour moto's models lack but AWS documents (Fn::GetAtt, Ref, Fn::Sub).

Nothing here is patched at import: :data:`PATCHES` are applied and undone by the sandbox's
registry (:mod:`turnout_sandbox.patches`). The module keeps no state.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from turnout_sandbox.cfn import ResourceFailed
from turnout_sandbox.patches import AttributePatch, Internal, Patch, replaces

__all__ = ["INTERNALS", "PATCHES", "fail_stack", "reset"]

_STATE_MACHINE: Final = "moto.stepfunctions.models:StateMachine"
_ARCHIVE: Final = "moto.events.models:Archive"


@replaces(
    _STATE_MACHINE,
    "has_cfn_attr",
    name="cloudformation.state-machine.has-cfn-attr",
    why="Fn::GetAtt <StateMachine>.Arn: moto's StateMachine lacks the Arn attribute",
    as_classmethod=True,
)
def has_cfn_attr(cls: type, /, attr: str) -> bool:
    # AWS::StepFunctions::StateMachine Fn::GetAtt: Arn, Name, StateMachineRevisionId.
    return attr == "Arn" or bool(has_cfn_attr.original.__func__(cls, attr))


@replaces(
    _STATE_MACHINE,
    "get_cfn_attribute",
    name="cloudformation.state-machine.get-cfn-attribute",
    why="Fn::GetAtt <StateMachine>.Arn answers the state machine's ARN",
)
def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
    # AWS::StepFunctions::StateMachine Fn::GetAtt: Arn, Name, StateMachineRevisionId.
    if attribute_name == "Arn":
        return self.arn
    return get_cfn_attribute.original(self, attribute_name)


@replaces(
    _ARCHIVE,
    "create_from_cloudformation_json",
    name="cloudformation.archive.event-pattern-json",
    why="AWS::Events::Archive EventPattern is Json (an object in templates); moto wants a string",
    as_classmethod=True,
)
def create_archive(
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
    return create_archive.original.__func__(
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


@replaces(
    "moto.iam.models:Role",
    "put_policy",
    name="cloudformation.iam-role-policy-json",
    why="an AWS::IAM::Role's inline policies are JSON documents (GetRolePolicy answers JSON); "
    "moto kept CloudFormation's dict and answered its repr",
)
def role_put_policy(self: Any, policy_name: str, policy_json: Any) -> None:
    """IAM keeps a policy document as JSON text, and GetRolePolicy answers it so (boto3
    decodes it to a dict); moto stored the dict CloudFormation gave it, and answered its
    Python repr (single quotes), which no JSON reader takes."""
    if not isinstance(policy_json, str):
        policy_json = json.dumps(policy_json)
    role_put_policy.original(self, policy_name, policy_json)


def reset() -> None:
    """Nothing to clear: this module only adds attributes."""


# -- physical names: AWS's length limits, and a stack whose resource fails to create -------
#
# A resource's physical name is checked by the service that creates it, and a name over its
# limit fails that resource, then the stack rolls back (CloudFormation User Guide,
# "Troubleshooting CloudFormation": "the stack creation fails ... ROLLBACK_COMPLETE";
# a captured failure: "1 validation error detected: Value 'MyStackDev-...-MyLambdaFunctionName'
# at 'functionName' failed to satisfy constraint: Member must have length less than or equal
# to 64", gist.github.com/christianklotz/468a240a75f4ae3e73bd52722f926acb). moto creates
# names of any length, or raises the service's error out of CreateStack itself.

#: Per resource type: the limit of its physical name, the member the service names in its
#: error, and the source of the limit.
NAME_LIMITS: Final[dict[str, tuple[int, str, str]]] = {
    # Lambda API CreateFunction: "If you specify only the function name, it is limited to
    # 64 characters in length" (the model's 140 counts a whole ARN).
    "AWS::Lambda::Function": (64, "functionName", "Lambda API reference, CreateFunction"),
    "AWS::IAM::Role": (64, "roleName", "botocore iam roleNameType max 64"),
    "AWS::StepFunctions::StateMachine": (80, "name", "botocore stepfunctions Name max 80"),
    "AWS::Events::Rule": (64, "name", "botocore events RuleName max 64"),
    "AWS::Events::Archive": (48, "archiveName", "botocore events ArchiveName max 48"),
    "AWS::Lambda::LayerVersion": (140, "layerName", "botocore lambda LayerName {1,140}"),
    "AWS::Logs::LogGroup": (512, "logGroupName", "botocore logs LogGroupName max 512"),
    # DynamoDB Developer Guide, "Naming rules": table names are 3 to 255 characters.
    "AWS::DynamoDB::Table": (255, "tableName", "DynamoDB Developer Guide, naming rules"),
    # SNS API CreateTopic: "Topic names must ... be between 1 and 256 characters long".
    "AWS::SNS::Topic": (256, "name", "SNS API reference, CreateTopic"),
    # SQS API CreateQueue: "A queue name can have up to 80 characters".
    "AWS::SQS::Queue": (80, "queueName", "SQS API reference, CreateQueue"),
}


@replaces(
    "moto.cloudformation.parsing",
    "generate_resource_name",
    name="cloudformation.generated-names-within-limits",
    why="CloudFormation trims a generated name to its type's limit; moto's can exceed it",
)
def _generate_resource_name(resource_type: str, stack_name: str, logical_id: str) -> str:
    """CloudFormation names a resource ``<stack>-<logical id>-<random>`` and trims it to the
    type's limit, the stack part first, keeping the random suffix (the gist above: the
    70-character ``MyStackDev-MyNestedApplicationStack-MyLambdaFunctionName-1U44TLUZ7OR55``
    became ``MyStackDev-MyNestedApplicatio-MyLambdaFunctionName-1U44TLUZ7OR55``)."""
    name = str(_generate_resource_name.original(resource_type, stack_name, logical_id))
    limit = NAME_LIMITS.get(resource_type, (0, "", ""))[0]
    if not limit or len(name) <= limit or not name.startswith(f"{stack_name}-{logical_id}-"):
        return name
    suffix = name[len(stack_name) + len(logical_id) + 2 :]
    room = limit - len(suffix) - 2  # the two dashes
    logical = logical_id[: max(room - len(stack_name), room // 2, 1)]
    stack = stack_name[: max(room - len(logical), 1)]
    return f"{stack}-{logical}-{suffix}"


@replaces(
    "moto.cloudformation.parsing",
    "parse_resource_and_generate_name",
    name="cloudformation.physical-name-limits",
    why="a physical name over its service's limit fails the resource (CREATE_FAILED); moto "
    "creates it whatever its length",
)
def _parse_resource_and_generate_name(
    logical_id: str, resource_json: dict[str, Any], resources_map: Any
) -> Any:
    """moto's parse, then the service's check of the physical name it will create."""
    from turnout_sandbox.modelcheck import ModelViolation, violation_message

    parsed = _parse_resource_and_generate_name.original(logical_id, resource_json, resources_map)
    kind = str(resource_json.get("Type", ""))
    limit = NAME_LIMITS.get(kind)
    if parsed and limit is not None and len(str(parsed[2])) > limit[0]:
        constraint = f"Member must have length less than or equal to {limit[0]}"
        reason = violation_message([ModelViolation(limit[1], str(parsed[2]), constraint)])
        raise ResourceFailed(logical_id, kind, reason)
    return parsed


@replaces(
    "moto.cloudformation.parsing",
    "parse_and_create_resource",
    name="cloudformation.service-refusal-fails-the-resource",
    why="a service that refuses a resource fails it (CREATE_FAILED); moto raised the "
    "service's error out of CreateStack",
)
def _parse_and_create_resource(
    logical_id: str,
    resource_json: dict[str, Any],
    resources_map: Any,
    account_id: str,
    region_name: str,
) -> Any:
    """A service's refusal of a resource (its error) fails that resource, not CreateStack."""
    from moto.core.exceptions import JsonRESTError, ServiceException

    try:
        return _parse_and_create_resource.original(
            logical_id, resource_json, resources_map, account_id, region_name
        )
    except ResourceFailed:
        raise
    except (JsonRESTError, ServiceException) as exc:
        kind = str(resource_json.get("Type", ""))
        raise ResourceFailed(logical_id, kind, str(getattr(exc, "message", exc))) from exc


class _NoOutputs:
    """A stack that rolled back has no outputs (DescribeStacks lists none)."""

    @property
    def exports(self) -> list[Any]:
        return []

    def values(self) -> list[Any]:
        return []


def fail_stack(stack: Any, kind: str, failed: ResourceFailed, event_reason: str) -> None:
    """The resource's ``<kind>_FAILED`` event (``event_reason``), then the stack's rollback:
    ``ROLLBACK_IN_PROGRESS`` ("The following resource(s) failed to create: [X]. Rollback
    requested by user.") and ``ROLLBACK_COMPLETE`` for a create, ``UPDATE_ROLLBACK_*`` for an
    update (CloudFormation User Guide, "Stack status codes")."""
    from moto.cloudformation.models import Event

    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=failed.logical_id,
            physical_resource_id="",
            resource_type=failed.resource_type,
            resource_status=f"{kind}_FAILED",
            resource_status_reason=event_reason,
            resource_properties=None,
        )
    )
    verb = "create" if kind == "CREATE" else "update"
    reason = f"The following resource(s) failed to {verb}: [{failed.logical_id}]. "
    prefix = "" if kind == "CREATE" else "UPDATE_"
    if kind == "CREATE":
        reason += "Rollback requested by user."
    stack._add_stack_event(f"{prefix}ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    stack._add_stack_event(f"{prefix}ROLLBACK_COMPLETE")
    stack.status = f"{prefix}ROLLBACK_COMPLETE"
    stack.status_reason = reason
    stack.stack_status_reason = reason


@replaces(
    "moto.cloudformation.models:Stack",
    "create_resources",
    name="cloudformation.failed-resource-rolls-back",
    why="a resource that fails to create rolls the stack back (ROLLBACK_COMPLETE, the "
    "CREATE_FAILED event naming why); moto answered CreateStack with the service's error",
)
def _create_resources(self: Any) -> None:
    """A resource that fails to create fails the stack: its CREATE_FAILED event carries the
    service's message, the stack rolls back and ends ROLLBACK_COMPLETE (CloudFormation User
    Guide, "Stack status codes"; rollback on failure is CreateStack's default). moto's
    backends keep what was created before the failure: the sandbox refuses the stack anyway."""
    try:
        _create_resources.original(self)
    except ResourceFailed as failed:
        fail_stack(self, "CREATE", failed, f'Resource handler returned message: "{failed.reason}"')
        self.output_map = _NoOutputs()


def _created_resources(self: Any) -> list[Any]:
    return [resource for resource in self.resource_map.values() if resource is not None]


_STACK_RESOURCES: Final = AttributePatch(
    name="cloudformation.stack-resources-created-only",
    owner="moto.cloudformation.models:Stack",
    attribute="stack_resources",
    new=property(_created_resources),
    why="a resource whose Condition is false is not created, so DescribeStackResources and "
    'ListStackResources do not list it (CloudFormation User Guide, "Conditions"); moto '
    "listed it as an entry without LogicalResourceId, and a lookup by logical id raised",
)


def _json_template(text: Any) -> dict[str, Any] | None:
    """``text`` parsed as JSON when it is a JSON template, else None (a YAML one)."""
    if not isinstance(text, str) or not text.lstrip().startswith("{"):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:  # YAML's flow mapping also opens with "{"
        return None
    return parsed if isinstance(parsed, dict) else None


def _stack_parse_template(template: str) -> dict[str, Any]:
    """A template body as CloudFormation reads it: JSON or YAML (CloudFormation User Guide,
    "Template formats"). moto feeds every body to PyYAML's pure-Python full ``Loader``, JSON
    too; a JSON body is JSON, so it is parsed as such (the same dict; moto's parse was 3 % of
    `turnout demo`'s samples); a YAML body still goes to moto's parser with its tags."""
    parsed = _json_template(template)
    return parsed if parsed is not None else _STACK_PARSE.original(template)


_STACK_PARSE: Final = AttributePatch(
    name="cloudformation.json-template-as-json",
    owner="moto.cloudformation.models:Stack",
    attribute="parse_template",
    new=staticmethod(_stack_parse_template),
    why="a JSON template body is parsed as JSON (moto ran every body through pure-Python YAML)",
)


@replaces(
    "moto.cloudformation.models:ChangeSet",
    "_parse_template",
    name="cloudformation.change-set-json-template-as-json",
    why="a change set's JSON template body is parsed as JSON, as a stack's is",
)
def _change_set_parse_template(self: Any) -> None:
    parsed = _json_template(self.template)
    if parsed is None:
        _change_set_parse_template.original(self)
    else:
        self.template_dict = parsed


PATCHES: Final[tuple[Patch, ...]] = (
    _STACK_PARSE,
    _change_set_parse_template,
    _STACK_RESOURCES,
    _generate_resource_name,
    _parse_resource_and_generate_name,
    _parse_and_create_resource,
    _create_resources,
    role_put_policy,
    has_cfn_attr,
    get_cfn_attribute,
    create_archive,
    _ARCHIVE_REF,
    _LAYER_REF,
    _PARSER_BACKENDS,
    _CLEAN_JSON,
)
INTERNALS: Final[tuple[Internal, ...]] = ()
