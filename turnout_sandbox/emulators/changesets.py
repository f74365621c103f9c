"""CloudFormation change sets as the SAM CLI uses them (``sam deploy``), where moto's differ.

What ``sam deploy`` does (SAM CLI 1.170, ``samcli/lib/deploy/deployer.py`` and
``samcli/lib/utils/managed_cloudformation_stack.py``): CreateChangeSet (ChangeSetType CREATE
or UPDATE, TemplateURL in the SAM-managed bucket), the ``change_set_create_complete`` waiter
(DescribeChangeSet until ``Status`` CREATE_COMPLETE), ExecuteChangeSet, then the
``stack_create_complete`` / ``stack_update_complete`` waiters while it prints
DescribeStackEvents, then the stack's Outputs. Its managed stack ``aws-sam-cli-managed-default``
must answer DescribeStacks with ``Tags`` (ManagedStackSource=AwsSamCli) and ``Outputs``
(SourceBucket), else "is missing Tags and/or Outputs information".

moto lacks two things:

* **Outputs after ExecuteChangeSet.** moto creates a CREATE change set's stack with an empty
  template and never parses the executed one, so the stack has no Outputs; here ExecuteChangeSet
  creates (or updates) the stack from the change set's template as CreateStack/UpdateStack do.
* **TemplateURL on the sandbox's own endpoint.** The SAM CLI names the template by its S3
  client's endpoint, path-style (``http://127.0.0.1:4747/<bucket>/<key>``); moto reads a host
  that is not ``localhost`` as a virtual-hosted bucket (bucket ``127``: NoSuchBucket).

A template that needs the sandbox's own deploy path (the Serverless transform: code to run in
process, the resource types moto skips) goes through ``Runtime.template_deployer``; when it
cannot create a resource the stack fails as CloudFormation fails one: the resource's
``CREATE_FAILED`` event with the reason, then ``ROLLBACK_IN_PROGRESS`` ("The following
resource(s) failed to create: [X]. Rollback requested by user.") and ``ROLLBACK_COMPLETE``
(CloudFormation User Guide, "Stack status codes" and "Troubleshooting CloudFormation").
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, Final
from urllib.parse import urlparse

from moto.cloudformation.exceptions import CloudFormationError

from turnout_sandbox.cfn import ResourceFailed
from turnout_sandbox.emulators.cloudformation import fail_stack
from turnout_sandbox.patches import AttributePatch, Internal, Patch, replaces
from turnout_sandbox.runtime import get_runtime, has_runtime

__all__ = ["INTERNALS", "PATCHES", "ResourceFailed", "reset", "s3_location"]

_BACKEND: Final = "moto.cloudformation.models:CloudFormationBackend"


# ---------------------------------------------------------------------------- TemplateURL


def s3_location(template_url: str) -> tuple[str, str]:
    """(bucket, key) of a TemplateURL: virtual-hosted on an S3 host
    (``https://bucket.s3.region.amazonaws.com/key``), path-style on any other
    (``https://s3.region.amazonaws.com/bucket/key``, the sandbox's own endpoint). Amazon S3
    User Guide, "Virtual hosting of buckets" / "Path-style requests"."""
    parts = urlparse(template_url)
    host = parts.hostname or ""
    path = parts.path.lstrip("/")
    virtual = host.endswith(".amazonaws.com") and ".s3" in f".{host}" and not host.startswith("s3")
    if virtual:
        return host.split(".s3", 1)[0], path
    bucket, _, key = path.partition("/")
    return bucket, key


def _get_stack_from_s3_url(template_url: str, account_id: str, partition: str) -> str:
    from moto.s3.models import s3_backends

    bucket, key = s3_location(template_url)
    found = s3_backends[account_id][partition].get_object(bucket, key)
    return str(found.value.decode("utf-8"))  # type: ignore[union-attr]


def _url_patch(owner: str) -> AttributePatch:
    return AttributePatch(
        name=f"cloudformation.template-url.{owner.rsplit('.', 1)[-1]}",
        owner=owner,
        attribute="get_stack_from_s3_url",
        new=_get_stack_from_s3_url,
        why="a TemplateURL on the sandbox's endpoint is path-style (the SAM CLI's upload URL); "
        "moto took any host but localhost for a virtual-hosted bucket",
    )


# ---------------------------------------------------------------------------- CreateChangeSet


@replaces(
    _BACKEND,
    "create_change_set",
    name="cloudformation.create-change-set-parameters",
    why="CreateChangeSet refuses a template parameter without a Default and without a value "
    '(ValidationError "Parameters: [X] must have values"); moto accepted it',
)
def checked_create_change_set(
    self: Any,
    stack_name: str,
    change_set_name: str,
    template: str,
    parameters: dict[str, str],
    *args: Any,
    **kwargs: Any,
) -> Any:
    """CloudFormation refuses a change set whose template declares a parameter without a
    Default that is given no value: ValidationError "Parameters: [A, B] must have values"
    (the error users meet, e.g. aws/serverless-application-model#1107); moto accepted it
    and the stack failed later."""
    from moto.cloudformation.exceptions import ValidationError

    from turnout_sandbox.cfn import SandboxError, parse_template

    try:
        parsed = parse_template(template)
    except SandboxError:
        parsed = {}  # moto's own parsing reports what is wrong with the template
    declared = parsed.get("Parameters") or {}
    missing = [
        name
        for name, spec in declared.items()
        if isinstance(spec, dict) and "Default" not in spec and name not in parameters
    ]
    if missing:
        raise ValidationError(message=f"Parameters: [{', '.join(missing)}] must have values")
    expanded, failure = _expand(stack_name, template, parameters)
    _check_capabilities(expanded or parsed, _CAPABILITIES.get())
    made = checked_create_change_set.original(
        self, stack_name, change_set_name, template, parameters, *args, **kwargs
    )
    change_set = self.change_sets[made[0]]
    if failure is not None:
        change_set.status = "FAILED"
        change_set.execution_status = "UNAVAILABLE"
        change_set.status_reason = failure
    elif expanded is not None:
        change_set.template_dict = expanded
        change_set.changes = change_set.diff()
    if failure is None and change_set.change_set_type == "UPDATE":
        change_set.changes = _changes_of_update(change_set)
    return made


def _changes_of_update(change_set: Any) -> list[Any]:
    """An update change set's Changes with the new parameter values taken into account: a
    resource whose properties resolve differently (a Ref to a changed parameter, an Fn::If
    whose condition reads one) is a Modify, as CloudFormation lists it (User Guide, "Update
    stacks using change sets": the change set compares the resolved resources); moto's
    change set compared the templates' text only."""
    from moto.cloudformation.models import Change

    resource_map = change_set.stack.resource_map
    names = resource_map.build_resource_diff(change_set.template_dict, change_set.parameters)
    new = change_set.template_dict.get("Resources", {})
    old = resource_map._resource_json_map
    return [
        Change(
            action=action,
            logical_resource_id=name,
            resource_type=str((new if action != "Remove" else old).get(name, {}).get("Type", "")),
        )
        for action in ("Add", "Modify", "Remove")
        for name in names[action]
    ]


def _expand(
    stack_name: str, template: str, parameters: dict[str, str]
) -> tuple[dict[str, Any] | None, str | None]:
    """CloudFormation processes a change set's transforms when it creates the change set: its
    Changes are the processed template's resources, and a transform that fails fails the
    change set, ``Status`` FAILED with ``StatusReason`` "Transform AWS::Serverless-2016-10-31
    failed with: ..." (CloudFormation User Guide, "Create a change set" and "Template
    macros"; DescribeChangeSet API reference, Status and StatusReason).

    Returns (the processed template or None, the failure's reason or None)."""
    from turnout_sandbox.cfn import SandboxError

    deployer = get_runtime().template_deployer if has_runtime() else None
    if deployer is None:
        return None, None
    try:
        return deployer.expand(stack_name, template, parameters), None
    except SandboxError as exc:
        text = str(exc).removeprefix("SAM transform failed: ")
        return None, f"Transform AWS::Serverless-2016-10-31 failed with: {text}"


#: The Capabilities of the CreateChangeSet request being served (the response sets it; None
#: for a call that did not come through the API, which is not checked).
_CAPABILITIES: ContextVar[tuple[str, ...] | None] = ContextVar("capabilities", default=None)

#: "If your template includes any of the following resources, you must specify either
#: CAPABILITY_IAM or CAPABILITY_NAMED_IAM ... If you have IAM resources with custom names, you
#: must specify CAPABILITY_NAMED_IAM" (CreateChangeSet API reference, Capabilities).
_IAM_TYPES: Final = {
    "AWS::IAM::AccessKey": None,
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Policy": None,
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::UserToGroupAddition": None,
}


class InsufficientCapabilitiesException(CloudFormationError):
    """CreateChangeSet's error for a missing capability (CreateChangeSet API reference)."""

    code = "InsufficientCapabilitiesException"


def _check_capabilities(template: dict[str, Any], given: tuple[str, ...] | None) -> None:
    """InsufficientCapabilitiesException "Requires capabilities : [CAPABILITY_IAM]" for a
    template with IAM resources and neither capability (CAPABILITY_NAMED_IAM for named ones)."""
    if given is None:
        return
    resources = template.get("Resources") or {}
    iam = [r for r in resources.values() if isinstance(r, dict) and r.get("Type") in _IAM_TYPES]
    named = [r for r in iam if _IAM_TYPES[r["Type"]] in (r.get("Properties") or {})]
    needed = "CAPABILITY_NAMED_IAM" if named else "CAPABILITY_IAM" if iam else None
    enough = {"CAPABILITY_NAMED_IAM"} if named else {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"}
    if needed is None or enough & set(given):
        return
    raise InsufficientCapabilitiesException(f"Requires capabilities : [{needed}]")


@replaces(
    "moto.cloudformation.responses:CloudFormationResponse",
    "create_change_set",
    name="cloudformation.create-change-set-capabilities",
    why="CreateChangeSet checks the Capabilities a template's IAM resources need "
    "(InsufficientCapabilitiesException); moto read no Capabilities",
)
def create_change_set_response(self: Any) -> Any:
    raw = self._get_param("Capabilities", [])
    token = _CAPABILITIES.set(tuple(str(c) for c in raw) if isinstance(raw, list) else ())
    try:
        return create_change_set_response.original(self)
    finally:
        _CAPABILITIES.reset(token)


# ---------------------------------------------------------------------------- ExecuteChangeSet


def _find_change_set(backend: Any, change_set_name: str, stack_name: str | None) -> Any:
    from moto.cloudformation.exceptions import ValidationError

    found = backend.change_sets.get(change_set_name)
    if found is None:
        for change_set in backend.change_sets.values():
            if change_set.change_set_name == change_set_name and (
                stack_name in (None, change_set.stack_name, change_set.stack_id)
            ):
                found = change_set
    if found is None:
        # CloudFormation: "ChangeSet [name] does not exist" (ChangeSetNotFound)
        raise ValidationError(stack_name, message=f"ChangeSet [{change_set_name}] does not exist")
    return found


def _create(backend: Any, placeholder: Any, body: str, change_set: Any) -> Any:
    """CreateStack's work on the stack the change set made (REVIEW_IN_PROGRESS), its id kept."""
    from moto.cloudformation.models import Stack

    # moto instantiates its Stack so too (mypy sees it abstract)
    stack = Stack(  # type: ignore[abstract]
        stack_id=placeholder.stack_id,
        name=placeholder.name,
        template=body,
        parameters=change_set.parameters,
        account_id=backend.account_id,
        region_name=backend.region_name,
        notification_arns=change_set.notification_arns,
        tags=change_set.tags,
        role_arn=change_set.role_arn,
        cross_stack_resources=backend.exports,
    )
    stack.events = placeholder.events
    backend.stacks[stack.stack_id] = stack
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.create_resources()
    for export in stack.exports:
        backend.exports[export.name] = export
    return stack


def _resource_events(stack: Any, extra: Mapping[str, tuple[str, str]]) -> None:
    """Each created resource's CREATE_IN_PROGRESS and CREATE_COMPLETE, before the stack's
    CREATE_COMPLETE, as CloudFormation lists a stack's events (DescribeStackEvents: one event
    per resource status change); moto recorded the stack's own events only."""
    created: dict[str, tuple[str, str]] = {}
    for logical, resource_json in stack.resource_map._resource_json_map.items():
        resource = stack.resource_map._parsed_resources.get(logical)
        physical = getattr(resource, "physical_resource_id", None)
        if resource is not None and isinstance(physical, str):
            created[logical] = (str(resource_json.get("Type", "")), physical)
    created.update(extra)
    _insert_before_stack_event(
        stack,
        [(logical, kind, physical, "CREATE") for logical, (kind, physical) in created.items()],
    )


#: moto's change set actions -> the resource statuses an update goes through (DescribeStackEvents,
#: "Stack resource status codes" in the CloudFormation User Guide: an added resource is created,
#: a modified one updated, a removed one deleted in the cleanup phase)
_ACTION_STATUS: Final = {"Add": "CREATE", "Modify": "UPDATE", "Remove": "DELETE"}


def _update_events(stack: Any, changes: list[Any]) -> None:
    """An update's resource events (moto recorded the stack's UPDATE_IN_PROGRESS and
    UPDATE_COMPLETE only): each changed resource's IN_PROGRESS and COMPLETE, deletions last."""
    found = []
    for change in changes:
        status = _ACTION_STATUS.get(str(change.action))
        if status is None:
            continue
        resource = stack.resource_map._parsed_resources.get(change.logical_resource_id)
        physical = getattr(resource, "physical_resource_id", None)
        found.append(
            (
                str(change.logical_resource_id),
                str(change.resource_type),
                physical if isinstance(physical, str) else "",
                status,
            )
        )
    found.sort(key=lambda item: item[3] == "DELETE")
    _insert_before_stack_event(stack, found)


def _insert_before_stack_event(stack: Any, resources: list[tuple[str, str, str, str]]) -> None:
    """(logical id, type, physical id, CREATE|UPDATE|DELETE) as IN_PROGRESS/COMPLETE events
    between the stack's IN_PROGRESS and its last (COMPLETE) event."""
    from moto.cloudformation.models import Event

    done = stack.events.pop() if stack.events else None  # the stack's *_COMPLETE
    for logical, kind, physical, status in resources:
        for suffix, shown in (
            ("IN_PROGRESS", "" if status == "CREATE" else physical),
            ("COMPLETE", physical),
        ):
            stack.events.append(
                Event(
                    stack_id=stack.stack_id,
                    stack_name=stack.name,
                    logical_resource_id=logical,
                    physical_resource_id=shown,
                    resource_type=kind,
                    resource_status=f"{status}_{suffix}",
                    resource_status_reason=None,
                    resource_properties=None,
                )
            )
    if done is not None:
        if stack.events:
            done.timestamp = stack.events[-1].timestamp
        stack.events.append(done)


@replaces(
    _BACKEND,
    "execute_change_set",
    name="cloudformation.execute-change-set",
    why="ExecuteChangeSet creates/updates the stack from its template as CreateStack/UpdateStack "
    "do (moto's left a CREATE change set's stack without Outputs), through the sandbox's deploy "
    "path when one is active; a resource it cannot create fails the stack (ROLLBACK_COMPLETE)",
)
def execute_change_set_from_template(
    self: Any, change_set_name: str, stack_name: str | None = None
) -> None:
    change_set = _find_change_set(self, change_set_name, stack_name)
    stack = self.stacks[change_set.stack_id]
    kind = change_set.change_set_type
    deployer = get_runtime().template_deployer if has_runtime() else None
    try:
        prepared = (
            deployer.prepare(stack.name, change_set.template, change_set.parameters, kind)
            if deployer is not None
            else None
        )
        body = prepared.body if prepared is not None else change_set.template
        if kind == "CREATE":
            stack = _create(self, stack, body, change_set)
        else:
            stack.update(
                body, change_set.role_arn, parameters=change_set.parameters, tags=change_set.tags
            )
            _update_events(stack, list(change_set.changes))
        if prepared is not None and deployer is not None:
            deployer.finish(prepared)
            if kind == "CREATE":
                _resource_events(stack, prepared.extra_resources)
            # GetTemplate answers the template as submitted (TemplateStage "Original", the
            # default: GetTemplate API reference), and the next change set is compared with it
            # ("The submitted information didn't contain changes")
            stack.template = change_set.template
    except ResourceFailed as failed:
        fail_stack(self.stacks[change_set.stack_id], kind, failed, failed.reason)
        change_set.execution_status = "EXECUTE_FAILED"
        return
    except Exception as exc:  # moto could not create or update a resource: the stack fails
        reason = f"the sandbox could not {kind.lower()} the stack: {type(exc).__name__}: {exc}"
        whole = ResourceFailed(stack.name, "AWS::CloudFormation::Stack", reason)
        fail_stack(self.stacks[change_set.stack_id], kind, whole, whole.reason)
        change_set.execution_status = "EXECUTE_FAILED"
        return
    change_set.execution_status = "EXECUTE_COMPLETE"


@replaces(
    "moto.cloudformation.parsing",
    "parse_and_update_resource",
    name="cloudformation.update-keeps-unsupported",
    why="UpdateStack of a resource type moto cannot update (AWS::Logs::LogGroup) kept None "
    "for it: the resource vanished from the stack; here it stays as it was",
)
def update_keeping_unsupported(
    logical_id: str, resource_json: dict[str, Any], resources_map: Any, **kwargs: Any
) -> Any:
    """moto's, but a resource whose type moto cannot update keeps its resource (moto dropped it
    from the stack: a later Ref of it failed), and the sandbox log says so; and a resource
    whose Condition is false is not updated (CloudFormation User Guide, "Conditions": such a
    resource is not created; moto's create path skips it, its update path resolved it and
    failed on its Fn::GetAtt of another resource that was never created). A resource whose
    condition turns false is left as it was (CloudFormation would delete it)."""
    condition = resource_json.get("Condition")
    if isinstance(condition, str) and not resources_map.lazy_condition_map.get(condition, True):
        return resources_map._parsed_resources.get(logical_id)
    updated = update_keeping_unsupported.original(
        logical_id, resource_json, resources_map, **kwargs
    )
    if updated is not None:
        return updated
    kept = resources_map._parsed_resources.get(logical_id)
    if kept is not None and has_runtime():
        get_runtime().log(
            "cloudformation",
            f"{logical_id} ({resource_json.get('Type')}): moto cannot update this type; "
            "the resource is kept as it was",
        )
    return kept


def _conditions_of(value: Any) -> set[str]:
    """The conditions a resource's JSON uses (``Fn::If`` and its ``Condition`` key)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Fn::If" and isinstance(inner, list) and inner:
                found.add(str(inner[0]))
            elif key == "Condition" and isinstance(inner, str):
                found.add(inner)
            found |= _conditions_of(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _conditions_of(inner)
    return found


@replaces(
    "moto.cloudformation.parsing:ResourceMap",
    "build_resource_diff",
    name="cloudformation.diff-follows-conditions",
    why="UpdateStack re-evaluates conditions: a resource whose Fn::If reads a changed "
    "parameter is updated (moto followed only direct Refs)",
)
def diff_following_conditions(
    self: Any, other_template: dict[str, Any], parameters: dict[str, Any] | None = None
) -> dict[str, Any]:
    """moto's diff, and a resource is modified when a condition it uses reads a changed
    parameter (moto followed only direct Refs: ``State: !If [IsPush, ENABLED, DISABLED]``
    stayed as it was). CloudFormation re-evaluates conditions on every stack update
    (CloudFormation User Guide, "Conditions")."""
    from moto.cloudformation.parsing import get_references_from_template

    diff: dict[str, Any] = diff_following_conditions.original(self, other_template, parameters)
    if not parameters:
        return diff
    changed = {p for p in parameters if self.input_parameters.get(p) != parameters[p]}
    conditions = other_template.get("Conditions", {})
    moved = {
        name
        for name, expression in conditions.items()
        if changed & set(get_references_from_template(expression))
    }
    for name, resource in other_template["Resources"].items():
        if name in diff["Modify"] or name in diff["Add"]:
            continue
        # a resource's own Condition flipping adds or removes it: not a modification
        if moved & _conditions_of(resource.get("Properties", {})):
            diff["Modify"].append(name)
    return diff


PATCHES: Final[tuple[Patch, ...]] = (
    create_change_set_response,
    checked_create_change_set,
    diff_following_conditions,
    update_keeping_unsupported,
    _url_patch("moto.cloudformation.responses"),
    _url_patch("moto.cloudformation.models"),
    execute_change_set_from_template,
)
INTERNALS: Final[tuple[Internal, ...]] = (
    Internal(
        "moto.cloudformation.models:Stack._add_stack_event",
        "the stack events of a change set's execution and rollback",
    ),
    Internal(
        "moto.cloudformation.parsing:ResourceMap.load_conditions",
        "an update skips a resource whose Condition is false: the lazy_condition_map "
        "load_conditions builds (UpdateStack loads the new conditions before it updates)",
    ),
    Internal(
        "moto.cloudformation.models:Stack.create_resources",
        "ExecuteChangeSet creates the stack's resources as CreateStack does",
    ),
)


def reset() -> None:
    """Nothing to clear: the change sets live in moto's CloudFormation backend."""
