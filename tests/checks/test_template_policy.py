"""template.yaml: runtime/architecture of every function and least-privilege IAM.

IAM facts come from two places:
- ONLY_STAR_ACTIONS below: the explicit, reviewed list of actions that may use Resource "*";
- cfn-lint's copy of the AWS Service Authorization Reference (cfnlint/data/AdditionalSpecs/
  Policies.json): for each action, the resource types it accepts. An action with no resource
  type must use Resource "*" (a scoped ARN is denied by IAM); an action with resource types
  must be scoped. The allow-list is checked against that data, so it cannot grow permissive.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pytest
from cfn_template import CfnTag

pytestmark = pytest.mark.checks

EXPECTED_RUNTIME = "python3.13"
EXPECTED_ARCHITECTURES = ["arm64"]

# Actions for which the Service Authorization Reference lists no resource type: AWS only
# accepts Resource "*" for them. Each entry says why the stack needs it.
ONLY_STAR_ACTIONS: dict[str, str] = {
    # CodeBuild logs in to ECR before `docker push`; the token is registry-wide.
    "ecr:GetAuthorizationToken": "docker login to ECR (build role)",
    # Step Functions logging to CloudWatch Logs ("vended logs"): the Step Functions guide's
    # policy for Logging uses "*" for these log-delivery actions.
    "logs:CreateLogDelivery": "state machine logging",
    "logs:GetLogDelivery": "state machine logging",
    "logs:UpdateLogDelivery": "state machine logging",
    "logs:DeleteLogDelivery": "state machine logging",
    "logs:ListLogDeliveries": "state machine logging",
    "logs:PutResourcePolicy": "state machine logging",
    "logs:DescribeResourcePolicies": "state machine logging",
    "logs:DescribeLogGroups": "state machine logging",
    # The gate hook confirms its AfterAllowTraffic lifecycle event is still waiting
    # (security-review row 8); neither action has a resource type.
    "codedeploy:ListDeploymentTargets": "gate hook: confirm the lifecycle event",
    "codedeploy:GetDeploymentTarget": "gate hook: confirm the lifecycle event",
    # ELBv2 Describe* calls have no resource-level permissions (health gate).
    "elasticloadbalancing:DescribeTargetHealth": "health gate: target health",
    "elasticloadbalancing:DescribeTargetGroups": "health gate: target groups",
    "elasticloadbalancing:DescribeListeners": "health gate: listeners",
    # Reading a task definition by family:revision.
    "ecs:DescribeTaskDefinition": "render: previous task definition",
    # Task tokens are not resources: callbacks of .waitForTaskToken states.
    "states:SendTaskSuccess": "resume a waiting execution (task token)",
    "states:SendTaskFailure": "fail a waiting execution (task token)",
    "states:SendTaskHeartbeat": "heartbeat of a waiting execution (task token)",
    # CodeDeploy calls addressed by deployment id / hook execution id only.
    "codedeploy:ContinueDeployment": "terminate the original task set at once",
    "codedeploy:StopDeployment": "roll back a failed deployment",
    "codedeploy:PutLifecycleEventHookExecutionStatus": "release the AfterAllowTraffic hook",
    # X-Ray tracing (Tracing: Active).
    "xray:PutTraceSegments": "X-Ray tracing",
    "xray:PutTelemetryRecords": "X-Ray tracing",
}


# Actions that accept resource types, but whose documented behaviour needs Resource "*":
# each names the AWS source.
STAR_BY_DOCUMENTATION: dict[str, str] = {
    # CloudWatch API Reference, DescribeAlarms: "If you are using this operation to retrieve
    # composite alarms, you must be signed on with the cloudwatch:DescribeAlarms permission
    # that is scoped to *" (the gate reads metric and composite alarms: aws-fidelity row 6).
    "cloudwatch:DescribeAlarms": "health gate: metric and composite alarms",
}


def _iam_reference() -> dict[str, Any]:
    path = resources.files("cfnlint") / "data" / "AdditionalSpecs" / "Policies.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


IAM_REFERENCE = _iam_reference()


def resource_types_of(action: str) -> list[str] | None:
    """Resource types the action accepts (empty: only "*"); None if the reference lacks it."""
    service, _, name = action.partition(":")
    entry = IAM_REFERENCE.get(service.lower(), {}).get("Actions", {}).get(name.lower())
    if entry is None:
        return None
    return list(entry.get("Resources", []))


@dataclass(frozen=True)
class Statement:
    where: str  # e.g. "RenderFunction.Policies[1].Statement[2] (Sid PassTaskRoles)"
    body: dict[str, Any]

    @property
    def actions(self) -> list[str]:
        return _as_list(self.body.get("Action"))

    @property
    def resources(self) -> list[Any]:
        return _as_list(self.body.get("Resource"))

    @property
    def allows(self) -> bool:
        return self.body.get("Effect") == "Allow"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _branches(statement: Any) -> Iterator[dict[str, Any]]:
    """A statement, or each statement branch of a `!If [cond, stmt, stmt-or-NoValue]`."""
    if isinstance(statement, dict):
        yield statement
    elif isinstance(statement, CfnTag) and statement.tag == "Fn::If":
        for branch in statement.value[1:]:
            yield from _branches(branch)


def _statements_of(document: Any, where: str) -> Iterator[Statement]:
    if not isinstance(document, dict):
        return
    for index, raw in enumerate(_as_list(document.get("Statement"))):
        for statement in _branches(raw):
            sid = f" (Sid {statement['Sid']})" if "Sid" in statement else ""
            yield Statement(f"{where}.Statement[{index}]{sid}", statement)


def iam_statements(template: dict[str, Any]) -> Iterator[Statement]:
    """Every permission statement in the template (trust policies excluded)."""
    for logical_id, resource in template["Resources"].items():
        kind = resource.get("Type", "")
        props = resource.get("Properties") or {}
        if kind == "AWS::IAM::Role":
            for index, policy in enumerate(_as_list(props.get("Policies"))):
                yield from _statements_of(
                    policy.get("PolicyDocument"), f"{logical_id}.Policies[{index}]"
                )
        elif kind in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            yield from _statements_of(props.get("PolicyDocument"), logical_id)
        elif kind in {"AWS::Serverless::Function", "AWS::Serverless::StateMachine"}:
            # SAM Policies: a managed policy name/ARN, a policy document, a SAM policy template
            # ({TemplateName: {...}}, scoped by SAM), or a list of those.
            for index, policy in enumerate(_as_list(props.get("Policies"))):
                if isinstance(policy, dict) and "Statement" in policy:
                    yield from _statements_of(policy, f"{logical_id}.Policies[{index}]")


def serverless_functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource.get("Properties") or {}
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") == "AWS::Serverless::Function"
    }


def test_given_template_when_reading_functions_then_every_function_runs_python313_on_arm64(
    template: dict[str, Any],
) -> None:
    functions = serverless_functions(template)
    assert functions, "template.yaml has no AWS::Serverless::Function"
    plain = [
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") == "AWS::Lambda::Function"
    ]
    assert not plain, (
        f"use AWS::Serverless::Function (Globals apply), not AWS::Lambda::Function: {plain}"
    )
    defaults = (template.get("Globals") or {}).get("Function") or {}
    wrong = []
    for logical_id, props in sorted(functions.items()):
        runtime = props.get("Runtime", defaults.get("Runtime"))
        architectures = props.get("Architectures", defaults.get("Architectures"))
        if runtime != EXPECTED_RUNTIME or architectures != EXPECTED_ARCHITECTURES:
            wrong.append(f"{logical_id}: Runtime={runtime!r} Architectures={architectures!r}")
    assert not wrong, (
        f"template.yaml: every function must run {EXPECTED_RUNTIME} on {EXPECTED_ARCHITECTURES} "
        "(Globals.Function or the function's Properties):\n" + "\n".join(wrong)
    )


def test_given_template_when_reading_layers_then_every_layer_builds_for_python313_arm64(
    template: dict[str, Any],
) -> None:
    layers = {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") == "AWS::Serverless::LayerVersion"
    }
    assert layers, "template.yaml has no AWS::Serverless::LayerVersion (the core layer)"
    wrong = []
    for logical_id, resource in sorted(layers.items()):
        props = resource.get("Properties") or {}
        metadata = resource.get("Metadata") or {}
        facts = {
            "Properties.CompatibleRuntimes": props.get("CompatibleRuntimes"),
            "Properties.CompatibleArchitectures": props.get("CompatibleArchitectures"),
            "Metadata.BuildMethod": metadata.get("BuildMethod"),
            "Metadata.BuildArchitecture": metadata.get("BuildArchitecture"),
        }
        expected = {
            "Properties.CompatibleRuntimes": [EXPECTED_RUNTIME],
            "Properties.CompatibleArchitectures": EXPECTED_ARCHITECTURES,
            "Metadata.BuildMethod": "makefile",  # the hash-locked build (layers/turnout/Makefile)
            "Metadata.BuildArchitecture": EXPECTED_ARCHITECTURES[0],
        }
        wrong += [
            f"{logical_id}.{field}: {facts[field]!r}, expected {expected[field]!r}"
            for field in facts
            if facts[field] != expected[field]
        ]
    assert not wrong, "template.yaml layers:\n" + "\n".join(wrong)


def test_given_template_when_reading_iam_then_it_has_statements_to_check(
    template: dict[str, Any],
) -> None:
    # Guards the checks below against passing on nothing (e.g. a parser that finds no policy).
    assert len(list(iam_statements(template))) >= 5


def test_given_template_when_reading_iam_then_no_statement_allows_all_actions_of_a_service(
    template: dict[str, Any],
) -> None:
    wrong = [
        f"{statement.where}: Action {action!r}"
        for statement in iam_statements(template)
        if statement.allows
        for action in statement.actions
        if isinstance(action, str) and (action == "*" or action.endswith(":*"))
    ]
    wrong += [
        f"{statement.where}: NotAction/NotResource in an Allow statement"
        for statement in iam_statements(template)
        if statement.allows and ({"NotAction", "NotResource"} & statement.body.keys())
    ]
    assert not wrong, "template.yaml grants whole services:\n" + "\n".join(wrong)


def test_given_template_when_reading_iam_then_resource_star_is_only_used_by_allow_listed_actions(
    template: dict[str, Any],
) -> None:
    wrong = [
        f"{statement.where}: {action} on Resource '*' (scope it to its resource ARN, or add it "
        "to ONLY_STAR_ACTIONS if AWS has no resource-level permission for it)"
        for statement in iam_statements(template)
        if statement.allows and "*" in statement.resources
        for action in statement.actions
        if action not in ONLY_STAR_ACTIONS and action not in STAR_BY_DOCUMENTATION
    ]
    assert not wrong, "template.yaml:\n" + "\n".join(wrong)


def test_given_allow_list_when_compared_with_the_iam_reference_then_every_entry_is_star_only() -> (
    None
):
    wrong = []
    for action in sorted(ONLY_STAR_ACTIONS):
        kinds = resource_types_of(action)
        if kinds is None:
            wrong.append(f"{action}: unknown to the IAM reference (typo?)")
        elif kinds:
            wrong.append(f"{action}: accepts resource types {kinds}; it must not be allow-listed")
    assert not wrong, "ONLY_STAR_ACTIONS:\n" + "\n".join(wrong)


def test_given_template_when_reading_iam_then_star_only_actions_are_not_scoped_to_an_arn(
    template: dict[str, Any],
) -> None:
    # An action without resource-level permissions, scoped to an ARN, is denied by IAM at run
    # time ("If there is no value for this column, you must specify all resources").
    wrong = [
        f"{statement.where}: {action} supports no resource-level permissions but is scoped to "
        f"{statement.resources!r}; move it to a statement with Resource '*'"
        for statement in iam_statements(template)
        if statement.allows and "*" not in statement.resources
        for action in statement.actions
        if resource_types_of(action) == []
    ]
    assert not wrong, "template.yaml (these calls would fail with AccessDenied):\n" + "\n".join(
        wrong
    )


def test_given_template_when_reading_iam_then_every_action_exists_in_the_iam_reference(
    template: dict[str, Any],
) -> None:
    wrong = [
        f"{statement.where}: {action}"
        for statement in iam_statements(template)
        for action in statement.actions
        if isinstance(action, str) and "*" not in action and resource_types_of(action) is None
    ]
    assert not wrong, "template.yaml: actions unknown to the IAM reference (typo?):\n" + "\n".join(
        wrong
    )


def _is_wildcard(resource: Any) -> bool:
    return isinstance(resource, str) and "*" in resource


def test_given_template_when_reading_iam_then_pass_role_is_conditioned_or_scoped(
    template: dict[str, Any],
) -> None:
    pass_role = [
        statement
        for statement in iam_statements(template)
        if statement.allows and any(a.lower() == "iam:passrole" for a in statement.actions)
    ]
    wrong = []
    for statement in pass_role:
        condition = json.dumps(statement.body.get("Condition", {}), default=repr)
        has_service_condition = "iam:PassedToService" in condition
        scoped = bool(statement.resources) and not any(map(_is_wildcard, statement.resources))
        if not (has_service_condition or scoped):
            wrong.append(
                f"{statement.where}: iam:PassRole on {statement.resources!r} without an "
                "iam:PassedToService condition"
            )
        if any(r == "*" for r in statement.resources):
            wrong.append(f"{statement.where}: iam:PassRole on Resource '*'")
    assert not wrong, "template.yaml:\n" + "\n".join(wrong)


def test_given_render_tags_on_register_when_reading_iam_then_tag_on_create_is_granted(
    template: dict[str, Any],
) -> None:
    # ECS authorizes tags given to a create call as a second action, ecs:TagResource, which
    # may be narrowed with ecs:CreateAction (ECS Developer Guide, "Grant permission to tag
    # resources on creation"). logic/render.py always passes tags to RegisterTaskDefinition.
    render = [s for s in iam_statements(template) if s.where.startswith("RenderFunction.")]
    registers = [s for s in render if s.allows and "ecs:RegisterTaskDefinition" in s.actions]
    tags = [s for s in render if s.allows and "ecs:TagResource" in s.actions]
    assert registers, "RenderFunction cannot register task definitions"
    assert tags, (
        "RenderFunction registers tagged task definitions without ecs:TagResource: every "
        "RegisterTaskDefinition would be AccessDenied in a real account"
    )
    condition = tags[0].body.get("Condition", {})
    assert condition == {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}}, (
        f"{tags[0].where}: ecs:TagResource must be limited to tag-on-create, got {condition!r}"
    )


def test_given_no_task_roles_when_reading_iam_then_pass_role_is_conditional(
    template: dict[str, Any],
) -> None:
    # An empty TaskRoleArns would give Resource "" (MalformedPolicyDocument): the statement
    # must sit behind the HasTaskRoles condition (aws-fidelity row 19).
    policies = template["Resources"]["RenderFunction"]["Properties"]["Policies"]
    raw = [
        statement
        for policy in policies
        if isinstance(policy, dict)
        for statement in _as_list(policy.get("Statement"))
        if isinstance(statement, CfnTag) and statement.tag == "Fn::If"
    ]
    guarded = [
        r.value[0]
        for r in raw
        if any(isinstance(b, dict) and b.get("Sid") == "PassTaskRoles" for b in r.value[1:])
    ]
    assert guarded == ["HasTaskRoles"]
    assert "HasTaskRoles" in template["Conditions"]


# --------------------------------------------------------------------- the checker itself


def _template_with(statement: dict[str, Any]) -> dict[str, Any]:
    return {
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Policies": [{"Statement": [statement]}]},
            }
        }
    }


def test_given_a_wildcard_service_action_when_collected_then_the_statement_is_found() -> None:
    statements = list(
        iam_statements(_template_with({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    )
    assert [s.actions for s in statements] == [["s3:*"]]
    assert statements[0].where == "Fn.Policies[0].Statement[0]"


def test_given_a_sam_policy_template_when_collected_then_it_is_left_to_sam() -> None:
    template = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Policies": [{"DynamoDBCrudPolicy": {"TableName": "t"}}]},
            }
        }
    }
    assert list(iam_statements(template)) == []


def test_given_iam_reference_when_asking_known_actions_then_resource_types_are_reported() -> None:
    assert resource_types_of("ecr:GetAuthorizationToken") == []
    assert resource_types_of("states:StartExecution") == ["statemachine"]
    assert resource_types_of("nosuchservice:Nothing") is None


def test_given_a_cfn_tag_resource_when_checking_wildcards_then_it_counts_as_scoped() -> None:
    assert not _is_wildcard(CfnTag("Ref", "TaskRoleArns"))
    assert _is_wildcard("arn:aws:iam::123456789012:role/*")


# --------------------------------------------------------------------- the stack's boundaries


def _event_patterns(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every EventBridge pattern of the stack: rules, archives and SAM EventBridgeRule events."""
    found: dict[str, dict[str, Any]] = {}
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties") or {}
        kind = resource.get("Type")
        if kind in {"AWS::Events::Rule", "AWS::Events::Archive"} and "EventPattern" in props:
            found[logical_id] = props["EventPattern"]
        for name, event in (props.get("Events") or {}).items():
            if event.get("Type") == "EventBridgeRule":
                found[f"{logical_id}.Events.{name}"] = event["Properties"]["Pattern"]
    return found


def test_given_event_patterns_when_reading_them_then_each_matches_this_account_only(
    template: dict[str, Any],
) -> None:
    # security-review row 13: a bus policy that admits other accounts must not let their
    # same-named repositories build or deploy here.
    patterns = _event_patterns(template)
    assert len(patterns) >= 4, f"found only {sorted(patterns)}: the check would pass on nothing"
    wrong = [
        f"{where}: account is {pattern.get('account')!r}, expected [!Ref AWS::AccountId]"
        for where, pattern in sorted(patterns.items())
        if pattern.get("account") != [CfnTag("Ref", "AWS::AccountId")]
    ]
    assert not wrong, "\n".join(wrong)


def test_given_service_roles_when_reading_trust_then_each_names_its_source_account(
    template: dict[str, Any],
) -> None:
    # security-review row 12: the roles a service assumes for the stack carry the
    # confused-deputy conditions aws:SourceAccount and aws:SourceArn.
    roles = {
        logical_id: resource["Properties"]["AssumeRolePolicyDocument"]
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") == "AWS::IAM::Role"
    }
    assert roles, "template.yaml declares no AWS::IAM::Role"
    wrong = []
    for logical_id, document in sorted(roles.items()):
        for index, statement in enumerate(document["Statement"]):
            condition = statement.get("Condition") or {}
            keys = {key for block in condition.values() for key in block}
            if not {"aws:SourceAccount", "aws:SourceArn"} <= keys:
                wrong.append(f"{logical_id}.Statement[{index}]: conditions {sorted(keys)}")
    assert not wrong, "trust policies without aws:SourceAccount/aws:SourceArn:\n" + "\n".join(wrong)


def test_given_functions_when_reading_log_groups_then_each_has_one_with_retention(
    template: dict[str, Any],
) -> None:
    # security-review row 17 / serverless rule WS1004: /aws/lambda/<function> declared with
    # RetentionInDays, else Lambda creates it with no retention.
    named = {
        resource["Properties"]["LogGroupName"]
        for resource in template["Resources"].values()
        if resource.get("Type") == "AWS::Logs::LogGroup"
        and "RetentionInDays" in resource["Properties"]
    }
    missing = [
        logical_id
        for logical_id in serverless_functions(template)
        if CfnTag("Fn::Sub", f"/aws/lambda/${{{logical_id}}}") not in named
    ]
    assert not missing, f"functions without a log group with retention: {missing}"


def test_given_alarms_when_reading_their_topic_then_its_key_lets_cloudwatch_publish(
    template: dict[str, Any],
) -> None:
    # aws-fidelity row 2: alarms cannot publish to an aws/sns-encrypted topic; the topic's
    # key must be the stack's own, with cloudwatch.amazonaws.com allowed to use it.
    resources = template["Resources"]
    alarm_topics = {
        action.value
        for resource in resources.values()
        if resource.get("Type") == "AWS::CloudWatch::Alarm"
        for action in resource["Properties"].get("AlarmActions", [])
        if isinstance(action, CfnTag) and action.tag == "Ref"
    }
    assert alarm_topics, "no alarm notifies a topic of the stack"
    for topic in sorted(alarm_topics):
        key = resources[topic]["Properties"].get("KmsMasterKeyId")
        assert key != "alias/aws/sns", f"{topic}: alarms cannot publish with the aws/sns key"
        if key is None:
            continue  # unencrypted: alarms can publish
        assert isinstance(key, CfnTag), f"{topic}: key {key!r}"
        assert key.tag == "Ref", f"{topic}: key {key!r}"
        statements = resources[key.value]["Properties"]["KeyPolicy"]["Statement"]
        granted = [
            s
            for s in statements
            if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
            and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(_as_list(s.get("Action")))
        ]
        assert granted, f"{key.value}: the key policy does not let CloudWatch alarms use it"


def test_given_documented_star_actions_when_compared_with_the_reference_then_each_is_scoped() -> (
    None
):
    # The exception list is for actions that DO accept resource types (else they belong in
    # ONLY_STAR_ACTIONS): the check cannot grow into a blanket allowance.
    wrong = [
        f"{action}: resource types {resource_types_of(action)!r}"
        for action in sorted(STAR_BY_DOCUMENTATION)
        if not resource_types_of(action)
    ]
    assert not wrong, "STAR_BY_DOCUMENTATION:\n" + "\n".join(wrong)
