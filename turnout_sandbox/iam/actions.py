"""From an API call to what IAM authorizes for it: the action(s), the resource ARN(s) and the
request's condition keys, after the Service Authorization Reference (SAR, ``dataset``).

Each mapped operation names how its resource ARNs come from the request; the ARN format
itself, and whether the action has resource types at all, come from the SAR: an action with
none is authorized on ``*`` (SAR: "If the column is empty, the action does not support
resource-level permissions ... specify all resources ("*")"). Besides the call's own action,
AWS authorizes these, each sourced where it is built:

- tag-on-create: an ECS create action with tags also needs ``ecs:TagResource`` on the new
  resource, with ``ecs:CreateAction`` = the operation (ECS Developer Guide, "Grant permission
  to tag resources on creation");
- ``iam:PassRole`` with ``iam:PassedToService`` for each role a call hands to a service (IAM
  User Guide, "Grant a user permissions to pass a role to an AWS service");
- CodeDeploy's CreateDeployment also authorizes the revision and the deployment
  configuration (CodeDeploy User Guide, "CodeDeploy permissions reference": "Additional
  required permissions" GetDeploymentConfig, RegisterApplicationRevision,
  GetApplicationRevision).

The SAR's "dependent actions" are carried on each authorization for the record, not
enforced: the SAR lists them as permissions some requests may need, not ones every request
is authorized on.

Some resources are not in the request (GetDeployment names only a deployment id): the caller
supplies them as ``facts`` (``required_facts`` tells which), from the sandbox's own state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from turnout_sandbox.iam import dataset
from turnout_sandbox.iam.policy import ContextValue


class UnmappedOperationError(KeyError):
    """No mapping for this (service, operation): the engine cannot authorize it."""


class MissingFactError(KeyError):
    """The call's resource is not in its parameters and the caller supplied no fact for it."""


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One API call: botocore's service name and operation name, its parameters (botocore
    member names), where it runs, and facts the request does not carry (see module doc)."""

    service: str
    operation: str
    params: Mapping[str, Any]
    region: str
    account: str
    partition: str = "aws"
    facts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Authorization:
    """One thing IAM evaluates for the call: an action on one resource with the request's
    condition keys. ``why`` says where it comes from (the call itself, or a documented extra
    authorization)."""

    action: str
    resource: str
    context: Mapping[str, ContextValue]
    why: str
    dependent_actions: tuple[str, ...] = ()


# botocore service name -> IAM service prefix, where they differ (SAR prefixes).
PREFIXES: dict[str, str] = {
    "elbv2": "elasticloadbalancing",
    "stepfunctions": "states",
    "elb": "elasticloadbalancing",
}

Resolve = Callable[[ApiCall], Sequence[str]]
Extra = Callable[[ApiCall, Sequence[str]], list[Authorization]]
Keys = Callable[[ApiCall], dict[str, ContextValue]]


@dataclass(frozen=True, slots=True)
class _Op:
    resources: Resolve | None = None  # None: the SAR gives the action no resource type ("*")
    action: str | None = None  # the IAM action name, where it is not the operation name
    tags: str | None = None  # the parameter that carries the request's tags
    extra: tuple[Extra, ...] = ()
    keys: Keys | None = None
    facts: tuple[str, ...] = ()


# --------------------------------------------------------------------------- ARN building

_VAR = re.compile(r"\$\{([A-Za-z]+)\}")


def arn(call: ApiCall, prefix: str, resource_type: str, **values: str) -> str:
    """The SAR's ARN format of ``resource_type`` filled from the call and ``values``."""
    fill = {"Partition": call.partition, "Region": call.region, "Account": call.account}
    fill.update(values)

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in fill:
            raise MissingFactError(f"{prefix} {resource_type}: no value for ${{{name}}}")
        return fill[name]

    return _VAR.sub(sub, dataset.arn_format(prefix, resource_type))


def _name(value: str) -> str:
    """The last path element of an ARN (or the value itself when it is a name)."""
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def _fact(call: ApiCall, name: str) -> str:
    found = call.facts.get(name)
    if found is None:
        raise MissingFactError(f"{call.service}.{call.operation} needs the fact {name!r}")
    return found


def _given(param: str) -> Resolve:
    """The resource is an ARN the request names in ``param`` (a string or a list)."""

    def resolve(call: ApiCall) -> Sequence[str]:
        value = call.params[param]
        return list(value) if isinstance(value, list) else [str(value)]

    return resolve


def _typed(prefix: str, resource_type: str, **sources: str | Callable[[ApiCall], str]) -> Resolve:
    """One ARN of ``resource_type``; each placeholder from a parameter (by name) or a
    function of the call."""

    def resolve(call: ApiCall) -> Sequence[str]:
        values = {
            var: src(call) if callable(src) else _name(str(call.params[src]))
            for var, src in sources.items()
        }
        return [arn(call, prefix, resource_type, **values)]

    return resolve


def _const(value: str) -> Callable[[ApiCall], str]:
    return lambda call: value


def _param_or(param: str, default: str) -> Callable[[ApiCall], str]:
    return lambda call: _name(str(call.params.get(param) or default))


def _param_or_fact(param: str, fact: str) -> Callable[[ApiCall], str]:
    return lambda call: _name(str(call.params.get(param) or _fact(call, fact)))


# --------------------------------------------------------------------------- request keys


def request_tags(value: object) -> dict[str, str]:
    """Tags as the APIs spell them: ``[{key, value}]`` (ECS, Step Functions, CodeBuild),
    ``[{Key, Value}]`` (EventBridge, ECR, DynamoDB) or a map (Lambda, SNS...)."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    tags: dict[str, str] = {}
    if isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping):
                key = item.get("key", item.get("Key"))
                if key is not None:
                    tags[str(key)] = str(item.get("value", item.get("Value", "")))
    return tags


def tag_keys(tags: Mapping[str, str]) -> dict[str, ContextValue]:
    # IAM User Guide, "AWS global condition context keys": aws:RequestTag/tag-key and
    # aws:TagKeys come from the tags in the request.
    keys: dict[str, ContextValue] = {f"aws:RequestTag/{k}": v for k, v in tags.items()}
    if tags:
        keys["aws:TagKeys"] = list(tags)
    return keys


# --------------------------------------------------------------------------- extra authorizations


def _role_arn(call: ApiCall, value: str) -> str:
    # ECS and others accept a role's name where they take its ARN.
    return value if value.startswith("arn:") else arn(call, "iam", "role", RoleNameWithPath=value)


def pass_role(*params: str, to: str) -> Extra:
    """``iam:PassRole`` on each role ARN the call hands to service principal ``to``; a param
    may be a dotted path through lists ("Targets.RoleArn")."""

    def extra(call: ApiCall, resources: Sequence[str]) -> list[Authorization]:
        out = []
        for param in params:
            for role in _dig(call.params, param.split(".")):
                out.append(
                    Authorization(
                        "iam:PassRole",
                        _role_arn(call, role),
                        {"iam:PassedToService": to},
                        f"{call.operation} passes {param} to {to} (IAM User Guide, "
                        "'Grant a user permissions to pass a role to an AWS service')",
                    )
                )
        return out

    return extra


def _dig(value: object, path: list[str]) -> list[str]:
    if isinstance(value, list):
        return [found for item in value for found in _dig(item, path)]
    if not path:
        return [str(value)] if isinstance(value, str) and value else []
    if isinstance(value, Mapping):
        return _dig(value.get(path[0]), path[1:])
    return []


def _task_set_roles(call: ApiCall, resources: Sequence[str]) -> list[Authorization]:
    # ECS Developer Guide, blue/green deployments, "Required IAM permissions": "If the tasks
    # in your Amazon ECS service using the blue/green deployment type require the use of the
    # task execution role or a task role override, then you must add the iam:PassRole
    # permission for each task execution role or task role override to the CodeDeploy IAM
    # role". The roles are the task definition's: the caller supplies them as facts
    # (TaskRoleArn, ExecutionRoleArn), absent when the task definition has none.
    return [
        Authorization(
            "iam:PassRole",
            _role_arn(call, role),
            {"iam:PassedToService": "ecs-tasks.amazonaws.com"},
            f"{call.operation} passes the task definition's {fact} to ecs-tasks.amazonaws.com "
            "(ECS Developer Guide, blue/green 'Required IAM permissions')",
        )
        for fact in ("TaskRoleArn", "ExecutionRoleArn")
        if (role := call.facts.get(fact))
    ]


def ecs_tag_on_create(call: ApiCall, resources: Sequence[str]) -> list[Authorization]:
    # ECS Developer Guide, "Grant permission to tag resources on creation": when tags are
    # given on a create action, ECS authorizes ecs:TagResource as well ("if the user doesn't
    # have permissions to use the ecs:TagResource action, the request fails"), with the
    # ecs:CreateAction condition key set to the create action's name.
    tags = request_tags(call.params.get("tags"))
    if not tags:
        return []
    context: dict[str, ContextValue] = {"ecs:CreateAction": call.operation, **tag_keys(tags)}
    return [
        Authorization(
            "ecs:TagResource",
            resource,
            context,
            f"{call.operation} with tags: tag-on-create (ECS Developer Guide, "
            "'Grant permission to tag resources on creation')",
        )
        for resource in resources
    ]


def _codedeploy_revision(call: ApiCall, resources: Sequence[str]) -> list[Authorization]:
    # CodeDeploy User Guide, "CodeDeploy permissions reference": CreateDeployment also needs
    # GetDeploymentConfig on the configuration, RegisterApplicationRevision and
    # GetApplicationRevision on the application.
    app = arn(call, "codedeploy", "application", ApplicationName=call.params["applicationName"])
    config = arn(
        call,
        "codedeploy",
        "deploymentconfig",
        DeploymentConfigurationName=_param_or_fact("deploymentConfigName", "DeploymentConfigName")(
            call
        ),
    )
    why = "CreateDeployment (CodeDeploy User Guide, 'CodeDeploy permissions reference')"
    return [
        Authorization("codedeploy:GetDeploymentConfig", config, {}, why),
        Authorization("codedeploy:RegisterApplicationRevision", app, {}, why),
        Authorization("codedeploy:GetApplicationRevision", app, {}, why),
    ]


# --------------------------------------------------------------------------- per-service resources


def _task_definition_keys(call: ApiCall) -> dict[str, ContextValue]:
    # SAR, ecs RegisterTaskDefinition condition keys.
    keys: dict[str, ContextValue] = {}
    if call.params.get("cpu"):
        keys["ecs:task-cpu"] = str(call.params["cpu"])
    if call.params.get("memory"):
        keys["ecs:task-memory"] = str(call.params["memory"])
    if call.params.get("requiresCompatibilities"):
        keys["ecs:compute-compatibility"] = list(call.params["requiresCompatibilities"])
    containers = call.params.get("containerDefinitions") or []
    keys["ecs:privileged"] = any(bool(c.get("privileged")) for c in containers)
    return keys


def _ecs_services(call: ApiCall) -> Sequence[str]:
    cluster = _name(str(call.params.get("cluster") or "default"))
    return [
        name
        if name.startswith("arn:")
        else arn(call, "ecs", "service", ClusterName=cluster, ServiceName=name)
        for name in call.params["services"]
    ]


def _ecs_task_set(task_set: Callable[[ApiCall], str]) -> Resolve:
    def resolve(call: ApiCall) -> Sequence[str]:
        given = task_set(call)
        if given.startswith("arn:"):
            return [given]
        return [
            arn(
                call,
                "ecs",
                "task-set",
                ClusterName=_name(str(call.params["cluster"])),
                ServiceName=_name(str(call.params["service"])),
                TaskSetId=given,
            )
        ]

    return resolve


def _ecs_task_sets(call: ApiCall) -> Sequence[str]:
    ids = call.params.get("taskSets") or ["*"]
    return [r for i in ids for r in _ecs_task_set(_const(str(i)))(call)]


def _dynamodb_table(call: ApiCall) -> Sequence[str]:
    # DynamoDB authorizes a Query or Scan of an index on the index's ARN (SAR: index).
    table = _name(str(call.params["TableName"]))
    index = call.params.get("IndexName")
    if index:
        return [arn(call, "dynamodb", "index", TableName=table, IndexName=str(index))]
    return [arn(call, "dynamodb", "table", TableName=table)]


def _attribute_value(value: Any) -> str | None:
    """The scalar of a DynamoDB AttributeValue ({"S": "x"}), or a plain value."""
    if isinstance(value, Mapping):
        for kind in ("S", "N", "B"):
            if kind in value:
                return str(value[kind])
        return None
    return None if value is None else str(value)


_KEY_EQUALS = re.compile(r"([#\w.]+)\s*=\s*(:\w+)")


def _query_partition_value(call: ApiCall, name: str) -> str | None:
    """The partition key value of a Query: its KeyConditionExpression's ``key = :value``
    (names through ExpressionAttributeNames), or the legacy KeyConditions."""
    names = call.params.get("ExpressionAttributeNames") or {}
    values = call.params.get("ExpressionAttributeValues") or {}
    expression = str(call.params.get("KeyConditionExpression") or "")
    for left, right in _KEY_EQUALS.findall(expression):
        if names.get(left, left) == name and right in values:
            return _attribute_value(values[right])
    legacy = (call.params.get("KeyConditions") or {}).get(name) or {}
    listed = legacy.get("AttributeValueList") or [None]
    return _attribute_value(listed[0])


def _dynamodb_keys(call: ApiCall) -> dict[str, ContextValue]:
    # SAR, DynamoDB condition keys: dynamodb:LeadingKeys, "the first key attribute of a
    # table, the partition key"; DynamoDB Developer Guide, "Using IAM policy conditions for
    # fine-grained access control": the item's key for GetItem/PutItem/UpdateItem/
    # DeleteItem, the key condition for Query. The partition key's name is the table's (a
    # fact the sandbox supplies, ``PartitionKeyName``); without it the key is left out.
    name = call.facts.get("PartitionKeyName")
    if not name:
        return {}
    if call.operation == "Query":
        value = _query_partition_value(call, name)
    else:
        item = call.params.get("Item" if call.operation == "PutItem" else "Key") or {}
        value = _attribute_value(item.get(name))
    return {} if value is None else {"dynamodb:LeadingKeys": [value]}


def _lambda_function(call: ApiCall) -> Sequence[str]:
    # Lambda accepts a name, a partial ARN (account:function:name) or a full ARN, each with
    # an optional :qualifier; a qualified call is authorized on the qualified ARN (Lambda
    # Developer Guide, "Resources and conditions for Lambda actions": "function ARN ...
    # qualified ARN").
    given = str(call.params["FunctionName"])
    if given.startswith("arn:"):
        return [given if "Qualifier" not in call.params else f"{given}:{call.params['Qualifier']}"]
    parts = given.split(":")
    name = parts[2] if len(parts) >= 3 and parts[1] == "function" else parts[0]
    qualifier = call.params.get("Qualifier") or (parts[-1] if len(parts) in {2, 4} else None)
    base = arn(call, "lambda", "function", FunctionName=name)
    return [f"{base}:{qualifier}" if qualifier else base]


def _codebuild_projects(call: ApiCall) -> Sequence[str]:
    # A build id is "<project>:<uuid>" (or the build's ARN): authorized on its project.
    ids = call.params.get("ids") or [call.params.get("id", "")]
    projects = dict.fromkeys(_name(str(i)).split(":")[0] for i in ids)
    return [arn(call, "codebuild", "project", ProjectName=p) for p in projects]


def _log_stream(call: ApiCall) -> Sequence[str]:
    # CloudWatch Logs authorizes stream operations on log-group:NAME:log-stream:STREAM (SAR
    # log-stream), which "${LogGroup.Arn}:*" covers.
    return [
        arn(
            call,
            "logs",
            "log-stream",
            LogGroupName=str(call.params["logGroupName"]),
            LogStreamName=str(call.params["logStreamName"]),
        )
    ]


def _events_rule(call: ApiCall) -> Sequence[str]:
    rule = _name(str(call.params.get("Name") or call.params.get("Rule")))
    bus = _name(str(call.params.get("EventBusName") or "default"))
    if bus == "default":
        return [arn(call, "events", "rule-on-default-event-bus", RuleName=rule)]
    return [arn(call, "events", "rule-on-custom-event-bus", EventBusName=bus, RuleName=rule)]


def _put_events(call: ApiCall) -> list[str]:
    return [
        b if b.startswith("arn:") else arn(call, "events", "event-bus", EventBusName=b)
        for b in dict.fromkeys(
            str(e.get("EventBusName") or "default") for e in call.params["Entries"]
        )
    ]


def _put_events_keys(call: ApiCall) -> dict[str, ContextValue]:
    # SAR, events PutEvents: events:source and events:detail-type of the entries.
    entries = call.params["Entries"]
    return {
        "events:source": [str(e.get("Source", "")) for e in entries],
        "events:detail-type": [str(e.get("DetailType", "")) for e in entries],
    }


def _start_replay(call: ApiCall) -> Sequence[str]:
    # SAR: StartReplay requires archive, event-bus and replay, each authorized.
    return [
        str(call.params["EventSourceArn"]),
        str(call.params["Destination"]["Arn"]),
        arn(call, "events", "replay", ReplayName=str(call.params["ReplayName"])),
    ]


def _cloudwatch_alarms(call: ApiCall) -> Sequence[str]:
    names = call.params.get("AlarmNames") or ["*"]
    return [arn(call, "cloudwatch", "alarm", AlarmName=str(n)) for n in names]


def _ecr_repository(call: ApiCall) -> Sequence[str]:
    # registryId names the registry's account when it is not the caller's.
    account = str(call.params.get("registryId") or call.account)
    name = str(call.params["repositoryName"])
    fill = {"Account": account, "RepositoryName": name}
    return [arn(call, "ecr", "repository", **fill)]


def _sqs_queue(call: ApiCall) -> Sequence[str]:
    # QueueUrl: https://sqs.<region>.amazonaws.com/<account>/<name>; GetQueueUrl names it.
    if "QueueUrl" in call.params:
        account, name = str(call.params["QueueUrl"]).rstrip("/").split("/")[-2:]
    else:
        account = str(call.params.get("QueueOwnerAWSAccountId") or call.account)
        name = str(call.params["QueueName"])
    return [arn(call, "sqs", "queue", Account=account, QueueName=name)]


#: SQS operations on one queue and the IAM action each needs (a batch needs the single one).
_SQS_SINGLE = "SendMessage ReceiveMessage DeleteMessage ChangeMessageVisibility GetQueueAttributes"
_SQS_BATCH = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage"}
_SQS_OPS: dict[str, str | None] = dict.fromkeys([*_SQS_SINGLE.split(), "GetQueueUrl"]) | _SQS_BATCH


def _deployment_group(app: Callable[[ApiCall], str], group: Callable[[ApiCall], str]) -> Resolve:
    return lambda call: [
        arn(
            call,
            "codedeploy",
            "deploymentgroup",
            ApplicationName=app(call),
            DeploymentGroupName=group(call),
        )
    ]


def _param(name: str) -> Callable[[ApiCall], str]:
    return lambda call: _name(str(call.params[name]))


def _fact_of(name: str) -> Callable[[ApiCall], str]:
    return lambda call: _fact(call, name)


_CODECOMMIT_REPO = _typed("codecommit", "repository", RepositoryName="repositoryName")

OPERATIONS: dict[tuple[str, str], _Op] = {
    # CodeCommit (ResolveCommit, ResolveImage, Admit, Render; CodeBuild's source clone).
    ("codecommit", "GetCommit"): _Op(_CODECOMMIT_REPO),
    ("codecommit", "GetBranch"): _Op(_CODECOMMIT_REPO),
    ("codecommit", "GetFile"): _Op(_CODECOMMIT_REPO),
    # GitPull is a Git-protocol action, not an API operation: the CodeBuild emulator asks it
    # as this pseudo-operation when it clones the source.
    ("codecommit", "GitPull"): _Op(_CODECOMMIT_REPO),
    # CodeDeploy (Render, GateHook, DeploymentEvents; the deploy state machine's aws-sdk tasks).
    ("codedeploy", "GetDeploymentGroup"): _Op(
        _deployment_group(_param("applicationName"), _param("deploymentGroupName"))
    ),
    ("codedeploy", "GetDeployment"): _Op(
        _deployment_group(_fact_of("ApplicationName"), _fact_of("DeploymentGroupName")),
        facts=("ApplicationName", "DeploymentGroupName"),
    ),
    ("codedeploy", "CreateDeployment"): _Op(
        _deployment_group(_param("applicationName"), _param("deploymentGroupName")),
        extra=(_codedeploy_revision,),
        facts=("DeploymentConfigName",),
    ),
    ("codedeploy", "CreateDeploymentGroup"): _Op(
        _deployment_group(_param("applicationName"), _param("deploymentGroupName")),
        tags="tags",
        extra=(pass_role("serviceRoleArn", to="codedeploy.amazonaws.com"),),
    ),
    ("codedeploy", "ContinueDeployment"): _Op(),
    ("codedeploy", "StopDeployment"): _Op(),
    ("codedeploy", "PutLifecycleEventHookExecutionStatus"): _Op(),
    ("codedeploy", "ListDeploymentTargets"): _Op(),
    ("codedeploy", "GetDeploymentTarget"): _Op(),
    # ECS (Render; GateTick; the CodeDeploy service role during a blue/green deployment).
    ("ecs", "RegisterTaskDefinition"): _Op(
        _typed(
            "ecs",
            "task-definition",
            TaskDefinitionFamilyName="family",
            # The revision does not exist yet: AWS authorizes the family's ARN, "family:*".
            TaskDefinitionRevisionNumber=_const("*"),
        ),
        tags="tags",
        keys=_task_definition_keys,
        extra=(
            ecs_tag_on_create,
            pass_role("taskRoleArn", "executionRoleArn", to="ecs-tasks.amazonaws.com"),
        ),
    ),
    ("ecs", "DescribeServices"): _Op(_ecs_services),
    ("ecs", "DescribeTaskDefinition"): _Op(),
    ("ecs", "DescribeTaskSets"): _Op(_ecs_task_sets),
    ("ecs", "CreateTaskSet"): _Op(
        _ecs_task_set(_const("*")), tags="tags", extra=(ecs_tag_on_create, _task_set_roles)
    ),
    ("ecs", "DeleteTaskSet"): _Op(_ecs_task_set(_param("taskSet"))),
    ("ecs", "UpdateServicePrimaryTaskSet"): _Op(
        _typed("ecs", "service", ClusterName="cluster", ServiceName="service")
    ),
    ("ecs", "CreateService"): _Op(
        _typed(
            "ecs", "service", ClusterName=_param_or("cluster", "default"), ServiceName="serviceName"
        ),
        tags="tags",
        extra=(ecs_tag_on_create, pass_role("role", to="ecs.amazonaws.com")),
    ),
    ("ecs", "TagResource"): _Op(_given("resourceArn"), tags="tags"),
    # ECS built-in blue/green (DeploymentEngine=ecs: the EcsDeployment function). SAR, ecs:
    # UpdateService on the service; the service deployment actions on resource type
    # service-deployment (arn:...:service-deployment/<cluster>/<service>/<id>).
    ("ecs", "UpdateService"): _Op(
        _typed("ecs", "service", ClusterName=_param_or("cluster", "default"), ServiceName="service")
    ),
    ("ecs", "DescribeServiceDeployments"): _Op(_given("serviceDeploymentArns")),
    ("ecs", "ContinueServiceDeployment"): _Op(_given("serviceDeploymentArn")),
    ("ecs", "StopServiceDeployment"): _Op(_given("serviceDeploymentArn")),
    # ECR (ResolveImage; the CodeBuild service role's docker push).
    ("ecr", "DescribeImages"): _Op(_ecr_repository),
    ("ecr", "BatchGetImage"): _Op(_ecr_repository),
    ("ecr", "GetDownloadUrlForLayer"): _Op(_ecr_repository),
    ("ecr", "BatchCheckLayerAvailability"): _Op(_ecr_repository),
    ("ecr", "InitiateLayerUpload"): _Op(_ecr_repository),
    ("ecr", "UploadLayerPart"): _Op(_ecr_repository),
    ("ecr", "CompleteLayerUpload"): _Op(_ecr_repository),
    ("ecr", "PutImage"): _Op(_ecr_repository),
    ("ecr", "GetAuthorizationToken"): _Op(),
    # Elastic Load Balancing (GateTick; the CodeDeploy service role's traffic shifts).
    ("elbv2", "DescribeTargetHealth"): _Op(),
    ("elbv2", "DescribeTargetGroups"): _Op(),
    ("elbv2", "DescribeListeners"): _Op(),
    ("elbv2", "DescribeRules"): _Op(),
    ("elbv2", "DescribeLoadBalancers"): _Op(),
    ("elbv2", "ModifyListener"): _Op(_given("ListenerArn")),
    ("elbv2", "ModifyRule"): _Op(_given("RuleArn")),
    # CloudWatch (GateTick; CodeDeploy's alarm checks).
    ("cloudwatch", "DescribeAlarms"): _Op(_cloudwatch_alarms),
    # SQS (Lambda's dead-letter sends as the function's role; the CLI and tests as admin).
    **{("sqs", op): _Op(_sqs_queue, action) for op, action in _SQS_OPS.items()},
    # SNS (Finish).
    ("sns", "Publish"): _Op(
        lambda call: [str(call.params.get("TopicArn") or call.params["TargetArn"])]
    ),
    # EventBridge (Finish; the build machine's codebuild .sync rule; the CLI's redeploy).
    ("events", "PutEvents"): _Op(_put_events, keys=_put_events_keys),
    ("events", "PutRule"): _Op(
        _events_rule, tags="Tags", extra=(pass_role("RoleArn", to="events.amazonaws.com"),)
    ),
    ("events", "PutTargets"): _Op(
        _events_rule, extra=(pass_role("Targets.RoleArn", to="events.amazonaws.com"),)
    ),
    ("events", "DescribeRule"): _Op(_events_rule),
    # A permission-only action (SAR): EventBridge asks it, as a target's role, when it calls
    # an API destination; the events emulator asks it as this pseudo-operation.
    ("events", "InvokeApiDestination"): _Op(_given("ApiDestinationArn")),
    ("events", "DescribeArchive"): _Op(_typed("events", "archive", ArchiveName="ArchiveName")),
    ("events", "StartReplay"): _Op(_start_replay),
    ("events", "DescribeReplay"): _Op(_typed("events", "replay", ReplayName="ReplayName")),
    # Step Functions (GateTick, Finish, ArmWait; the events role; the CLI).
    ("stepfunctions", "SendTaskSuccess"): _Op(),
    ("stepfunctions", "SendTaskFailure"): _Op(),
    ("stepfunctions", "SendTaskHeartbeat"): _Op(),
    ("stepfunctions", "StartExecution"): _Op(_given("stateMachineArn")),
    ("stepfunctions", "ListExecutions"): _Op(_given("stateMachineArn")),
    ("stepfunctions", "DescribeExecution"): _Op(_given("executionArn")),
    ("stepfunctions", "GetExecutionHistory"): _Op(_given("executionArn")),
    ("stepfunctions", "StopExecution"): _Op(_given("executionArn")),
    ("stepfunctions", "CreateStateMachine"): _Op(
        _typed("states", "statemachine", StateMachineName="name"),
        tags="tags",
        extra=(pass_role("roleArn", to="states.amazonaws.com"),),
    ),
    # DynamoDB (every function's ledger; the CLI).
    ("dynamodb", "GetItem"): _Op(_dynamodb_table, keys=_dynamodb_keys),
    ("dynamodb", "PutItem"): _Op(_dynamodb_table, keys=_dynamodb_keys),
    ("dynamodb", "UpdateItem"): _Op(_dynamodb_table, keys=_dynamodb_keys),
    ("dynamodb", "DeleteItem"): _Op(_dynamodb_table, keys=_dynamodb_keys),
    ("dynamodb", "Query"): _Op(_dynamodb_table, keys=_dynamodb_keys),
    ("dynamodb", "Scan"): _Op(_dynamodb_table),
    # Lambda (lambda:invoke tasks; CodeDeploy's hook; the CLI's status).
    ("lambda", "Invoke"): _Op(_lambda_function, action="InvokeFunction"),
    ("lambda", "GetFunctionConfiguration"): _Op(_lambda_function),
    ("lambda", "CreateFunction"): _Op(
        _typed("lambda", "function", FunctionName="FunctionName"),
        tags="Tags",
        extra=(pass_role("Role", to="lambda.amazonaws.com"),),
    ),
    # CodeBuild (the build machine's startBuild.sync).
    ("codebuild", "StartBuild"): _Op(
        _typed("codebuild", "project", ProjectName="projectName"),
        extra=(pass_role("serviceRoleOverride", to="codebuild.amazonaws.com"),),
    ),
    ("codebuild", "StopBuild"): _Op(_codebuild_projects),
    ("codebuild", "BatchGetBuilds"): _Op(_codebuild_projects),
    ("codebuild", "CreateProject"): _Op(
        _typed("codebuild", "project", ProjectName="name"),
        tags="tags",
        extra=(pass_role("serviceRole", to="codebuild.amazonaws.com"),),
    ),
    # CloudWatch Logs (every Lambda's and the build's logs).
    ("logs", "CreateLogGroup"): _Op(
        _typed("logs", "log-group", LogGroupName="logGroupName"), tags="tags"
    ),
    ("logs", "CreateLogStream"): _Op(_log_stream),
    ("logs", "PutLogEvents"): _Op(_log_stream),
    # X-Ray (tracing of the functions and state machines).
    ("xray", "PutTraceSegments"): _Op(),
    ("xray", "PutTelemetryRecords"): _Op(),
    # CloudFormation (every CLI verb).
    ("cloudformation", "DescribeStacks"): _Op(
        _typed("cloudformation", "stack", StackName="StackName", Id=_const("*"))
    ),
}

# STS API Reference, GetCallerIdentity: "No permissions are required to perform this
# operation. If an administrator attaches a policy to your identity that explicitly denies
# access to the sts:GetCallerIdentity action, you can still perform this operation."
UNAUTHORIZED: frozenset[tuple[str, str]] = frozenset({("sts", "GetCallerIdentity")})


def is_mapped(service: str, operation: str) -> bool:
    return (service, operation) in OPERATIONS or (service, operation) in UNAUTHORIZED


def required_facts(service: str, operation: str) -> tuple[str, ...]:
    """Facts the caller must supply for this operation (see the module doc)."""
    op = OPERATIONS.get((service, operation))
    return op.facts if op is not None else ()


def iam_action(service: str, operation: str) -> str:
    """The IAM action of an operation, checked against the SAR."""
    op = OPERATIONS.get((service, operation))
    if op is None:
        raise UnmappedOperationError(f"no IAM mapping for {service}.{operation}")
    return dataset.action_info(f"{PREFIXES.get(service, service)}:{op.action or operation}").action


def authorizations(call: ApiCall) -> tuple[Authorization, ...]:
    """Everything IAM evaluates for ``call``: its own action on each resource, then the
    documented extra authorizations. Empty for calls that need no permission."""
    if (call.service, call.operation) in UNAUTHORIZED:
        return ()
    op = OPERATIONS.get((call.service, call.operation))
    if op is None:
        raise UnmappedOperationError(f"no IAM mapping for {call.service}.{call.operation}")
    info = dataset.action_info(iam_action(call.service, call.operation))
    if op.resources is None:
        if any(ref.required for ref in info.resource_types):
            raise UnmappedOperationError(
                f"{info.action} has required resource types in the SAR, and "
                f"{call.service}.{call.operation} maps none"
            )
        resources: Sequence[str] = ("*",)
    else:
        resources = op.resources(call)
    context: dict[str, ContextValue] = {}
    if op.tags:
        context.update(tag_keys(request_tags(call.params.get(op.tags))))
    if op.keys is not None:
        context.update(op.keys(call))
    dependent = _dependent(info)
    own = [
        Authorization(info.action, resource, context, f"{call.operation} itself", dependent)
        for resource in resources
    ]
    for extra in op.extra:
        own.extend(extra(call, resources))
    return tuple(own)


def _dependent(info: dataset.ActionInfo) -> tuple[str, ...]:
    found = list(info.dependent_actions)
    for ref in info.resource_types:
        found.extend(ref.dependent_actions)
    return tuple(dict.fromkeys(found))
