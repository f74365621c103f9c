"""Unit tests of turnout.policy: what a repository may ask for (security-review rows 1, 2, 4,
11). Each attack of the review is refused as PolicyViolation naming the file, field and rule;
each stack parameter relaxes its one rule."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from turnout.appspec import render_appspec
from turnout.errors import ConfigError, PolicyViolation
from turnout.policy import (
    FARGATE_CAPABILITIES,
    PolicySettings,
    ServiceView,
    check_policy,
    repository_of,
)
from turnout.render import render_task_definition
from turnout.textfiles import MAX_MESSAGE_CHARS
from turnout_sandbox.demo import PORT, Names, appspec_for

ACCOUNT = "123456789012"
REGION = "ap-northeast-2"
BUILT = (
    f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/ecr-hello-aws"
    "@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)
DIGEST = "@sha256:" + "ab" * 32
EXEC_ROLE = f"arn:aws:iam::{ACCOUNT}:role/hello-exec"
TASK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/hello-task"
GATE = "CodeDeployHook_hello-turnout-gate"
SUBNETS = ["subnet-b", "subnet-a"]
GROUPS = ["sg-app"]

TASKDEF: dict[str, Any] = {
    "family": "hello",
    "taskRoleArn": TASK_ROLE,
    "executionRoleArn": EXEC_ROLE,
    "networkMode": "awsvpc",
    "containerDefinitions": [
        {"name": "web", "image": "<IMAGE>", "portMappings": [{"containerPort": PORT}]}
    ],
}
#: The demo service's AppSpec for a container named web (on PORT), ending at its Properties.
APPSPEC = appspec_for(Names("web"))
SETTINGS = PolicySettings(task_role_arn=TASK_ROLE, execution_role_arn=EXEC_ROLE)


def service(**fields: Any) -> ServiceView:
    described: dict[str, Any] = {
        "serviceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/cluster/hello",
        "taskDefinition": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/hello:7",
        "networkConfiguration": {
            "awsvpcConfiguration": {"subnets": SUBNETS, "securityGroups": GROUPS}
        },
        "taskSets": [],
    }
    described.update(fields)
    return ServiceView.of(described)


def check(
    taskdef: dict[str, Any] | None = None,
    appspec: str = APPSPEC,
    settings: PolicySettings = SETTINGS,
    view: ServiceView | None = None,
    images: dict[str, str] | None = None,
) -> None:
    rendered = render_task_definition(
        json.dumps(taskdef if taskdef is not None else TASKDEF),
        {"IMAGE": BUILT, **(images or {})},
    )
    spec = render_appspec(
        appspec, task_definition_arn="<TD>", taskdef=rendered, gate_hook_function=GATE
    )
    check_policy(
        settings,
        view or service(),
        rendered,
        spec,
        taskdef_path="taskdef.json",
        appspec_path="appspec.yaml",
        gate_function=GATE,
    )


def taskdef_with(**fields: Any) -> dict[str, Any]:
    document = copy.deepcopy(TASKDEF)
    for key, value in fields.items():
        if key.startswith("c_"):
            document["containerDefinitions"][0][key[2:]] = value
        else:
            document[key] = value
    return document


def sidecar(**fields: Any) -> dict[str, Any]:
    document = copy.deepcopy(TASKDEF)
    document["containerDefinitions"].append({"name": "tool", **fields})
    return document


def refused(**kwargs: Any) -> str:
    with pytest.raises(PolicyViolation) as caught:
        check(**kwargs)
    return caught.value.message


def refused_naming(field: str, rule_ending: str, **kwargs: Any) -> None:
    """The files are refused with one message that names ``field`` and ends with the rule."""
    message = refused(**kwargs)
    assert field in message
    assert message.endswith(rule_ending)


# --------------------------------------------------------------------------- nothing asked


def test_given_files_that_ask_for_nothing_dangerous_when_checked_then_nothing_is_refused() -> None:
    check()


# --------------------------------------------------------------------------- row 2a: host


@pytest.mark.parametrize(
    ("taskdef", "field"),
    [
        (taskdef_with(networkMode="host"), "taskdef.json: networkMode is 'host'"),
        (taskdef_with(pidMode="host"), "taskdef.json: pidMode is 'host'"),
        (taskdef_with(ipcMode="host"), "taskdef.json: ipcMode is 'host'"),
        (
            taskdef_with(volumes=[{"name": "root", "host": {"sourcePath": "/"}}]),
            "taskdef.json: volumes[0].host.sourcePath is '/'",
        ),
        (
            taskdef_with(volumes=[{"name": "d", "host": {"sourcePath": "/var/run/docker.sock"}}]),
            "volumes[0].host.sourcePath is '/var/run/docker.sock'",
        ),
        (
            taskdef_with(
                volumes=[
                    {
                        "name": "b",
                        "dockerVolumeConfiguration": {
                            "driver": "local",
                            "driverOpts": {"type": "none", "o": "bind", "device": "/"},
                        },
                    }
                ]
            ),
            "volumes[0].dockerVolumeConfiguration.driverOpts.device is '/'",
        ),
        (
            taskdef_with(c_privileged=True),
            "containerDefinitions[0] ('web').privileged is set",
        ),
        (
            taskdef_with(c_linuxParameters={"devices": [{"hostPath": "/dev/mem"}]}),
            "containerDefinitions[0] ('web').linuxParameters.devices maps host devices",
        ),
        (
            taskdef_with(c_dockerSecurityOptions=["no-new-privileges", "apparmor:unconfined"]),
            "containerDefinitions[0] ('web').dockerSecurityOptions[1] is 'apparmor:unconfined'",
        ),
    ],
)
def test_given_a_host_level_privilege_when_checked_then_refused_naming_file_field_and_rule(
    taskdef: dict[str, Any], field: str
) -> None:
    refused_naming(field, "[rule: host-privileges]", taskdef=taskdef)


def test_given_host_privileges_no_parameter_relaxes_when_everything_is_allowed_then_still_refused() -> (
    None
):
    everything = PolicySettings(
        task_role_arn=TASK_ROLE,
        execution_role_arn=EXEC_ROLE,
        allowed_capabilities=("SYS_ADMIN",),
        allow_network_change=True,
        allow_capacity_provider_change=True,
    )

    assert "[rule: host-privileges]" in refused(
        taskdef=taskdef_with(c_privileged=True), settings=everything
    )


def test_given_a_capability_outside_the_allow_list_when_checked_then_refused() -> None:
    taskdef = taskdef_with(c_linuxParameters={"capabilities": {"add": ["SYS_PTRACE", "SYS_ADMIN"]}})

    message = refused(taskdef=taskdef)

    assert message == (
        "taskdef.json: containerDefinitions[0] ('web').linuxParameters.capabilities.add[1] is "
        "'SYS_ADMIN', not in AllowedCapabilities (SYS_PTRACE) [rule: capabilities]"
    )
    check(
        taskdef=taskdef,
        settings=PolicySettings(
            task_role_arn=TASK_ROLE,
            execution_role_arn=EXEC_ROLE,
            allowed_capabilities=("SYS_PTRACE", "SYS_ADMIN"),
        ),
    )


def test_given_the_default_capabilities_when_read_then_they_are_what_fargate_supports() -> None:
    assert (
        PolicySettings.from_env({}).allowed_capabilities == FARGATE_CAPABILITIES == ("SYS_PTRACE",)
    )


# --------------------------------------------------------------------------- row 2c: roles


def test_given_the_execution_role_as_task_role_when_checked_then_refused() -> None:
    message = refused(taskdef=taskdef_with(taskRoleArn=EXEC_ROLE))

    assert message == (
        f"taskdef.json: taskRoleArn is '{EXEC_ROLE}', but the stack passes only "
        f"'{TASK_ROLE}' there (TaskRoleArn) [rule: task-role]"
    )


def test_given_a_role_where_the_stack_passes_none_when_checked_then_refused() -> None:
    message = refused(settings=PolicySettings(execution_role_arn=EXEC_ROLE))

    assert "taskRoleArn is" in message
    assert "the stack passes no role there (TaskRoleArn is empty) [rule: task-role]" in message


def test_given_roles_left_out_when_checked_then_nothing_is_refused() -> None:
    taskdef = copy.deepcopy(TASKDEF)
    del taskdef["taskRoleArn"], taskdef["executionRoleArn"]

    check(taskdef=taskdef, settings=PolicySettings())


def test_given_only_the_legacy_task_role_list_when_read_then_exec_first_then_task() -> None:
    settings = PolicySettings.from_env({"TASK_ROLE_ARNS": f"{EXEC_ROLE},{TASK_ROLE}"})

    assert (settings.execution_role_arn, settings.task_role_arn) == (EXEC_ROLE, TASK_ROLE)
    check(settings=settings)
    message = refused(taskdef=taskdef_with(taskRoleArn=EXEC_ROLE), settings=settings)
    assert "(TaskRoleArns[1]) [rule: task-role]" in message


def test_given_the_new_role_parameters_when_read_then_the_legacy_list_is_ignored() -> None:
    settings = PolicySettings.from_env(
        {"TASK_ROLE_ARN": TASK_ROLE, "TASK_ROLE_ARNS": f"{EXEC_ROLE},{EXEC_ROLE}"}
    )

    assert (settings.task_role_arn, settings.execution_role_arn) == (TASK_ROLE, "")


# --------------------------------------------------------------------------- row 2e: family


def test_given_another_services_family_when_checked_then_refused_against_the_running_one() -> None:
    message = refused(taskdef=taskdef_with(family="payments-prod"))

    assert message == (
        "taskdef.json: family is 'payments-prod', but this stack registers only 'hello' "
        "(the family the service runs) [rule: family]"
    )


def test_given_a_family_parameter_when_checked_then_it_wins_over_the_running_family() -> None:
    settings = PolicySettings(
        task_role_arn=TASK_ROLE, execution_role_arn=EXEC_ROLE, family="hello-v2"
    )

    assert "only 'hello-v2' (TaskDefinitionFamily)" in refused(settings=settings)
    check(taskdef=taskdef_with(family="hello-v2"), settings=settings)


def test_given_a_primary_task_set_when_viewing_the_service_then_its_values_are_the_services() -> (
    None
):
    view = service(
        taskSets=[
            {
                "status": "ACTIVE",
                "taskDefinition": "arn:aws:ecs:r:1:task-definition/other:1",
            },
            {
                "status": "PRIMARY",
                "taskDefinition": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/hello-b:3",
                "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-z"]}},
                "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}],
            },
        ]
    )

    assert view.family == "hello-b"
    assert view.network == {"subnets": ["subnet-z"]}
    assert view.capacity == (("FARGATE", 0, 1),)
    assert (view.account, view.region, view.partition) == (ACCOUNT, REGION, "aws")


def test_given_no_family_anywhere_when_checked_then_config_error() -> None:
    with pytest.raises(ConfigError, match="set TaskDefinitionFamily"):
        check(view=service(taskDefinition=""))


# --------------------------------------------------------------------------- row 2d: images


def test_given_a_sidecar_from_another_registry_by_tag_when_checked_then_refused() -> None:
    message = refused(taskdef=sidecar(image="docker.io/attacker/tool:latest"))

    assert message == (
        "taskdef.json: containerDefinitions[1] ('tool').image is "
        "'docker.io/attacker/tool:latest', not pinned by digest (name@sha256:<64 hex>) "
        "[rule: images]"
    )


def test_given_a_digest_pinned_sidecar_outside_the_allow_list_when_checked_then_refused() -> None:
    other_team = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/payments{DIGEST}"

    message = refused(taskdef=sidecar(image=other_team))

    assert (
        f"is from '{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/payments', not in "
        f"AllowedImageRepositories (none) [rule: images]"
    ) in message


@pytest.mark.parametrize(
    ("allowed", "image"),
    [
        (
            "public.ecr.aws/aws-observability/aws-for-fluent-bit",
            "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32",
        ),
        (
            "public.ecr.aws/aws-observability/",
            "public.ecr.aws/aws-observability/aws-otel-collector",
        ),
        ("docker.io/library/nginx", "nginx:1.27"),
        ("nginx", "docker.io/library/nginx"),
    ],
)
def test_given_a_digest_pinned_sidecar_in_the_allow_list_when_checked_then_it_passes(
    allowed: str, image: str
) -> None:
    settings = PolicySettings(
        task_role_arn=TASK_ROLE, execution_role_arn=EXEC_ROLE, allowed_image_repositories=(allowed,)
    )

    check(taskdef=sidecar(image=image + DIGEST), settings=settings)
    with pytest.raises(PolicyViolation, match="not pinned by digest"):
        check(
            taskdef=sidecar(image=image + ":latest" if "@" not in image else image),
            settings=settings,
        )


def test_given_a_prefix_entry_when_matching_then_a_sibling_repository_is_not_in_it() -> None:
    settings = PolicySettings(
        task_role_arn=TASK_ROLE,
        execution_role_arn=EXEC_ROLE,
        allowed_image_repositories=("public.ecr.aws/aws-observability/aws-for-fluent-bit",),
    )

    with pytest.raises(PolicyViolation, match="not in AllowedImageRepositories"):
        check(
            taskdef=sidecar(
                image="public.ecr.aws/aws-observability/aws-for-fluent-bit-evil" + DIGEST
            ),
            settings=settings,
        )


def test_given_images_turnout_puts_in_when_checked_then_they_are_the_operators() -> None:
    extra = "public.ecr.aws/envoy:1"  # ExtraImages: a stack parameter, by tag

    check(taskdef=sidecar(image="<IMAGE2_NAME>"), images={"IMAGE2_NAME": extra})
    check(taskdef=sidecar(image="anything:latest"), images={"tool": extra})


@pytest.mark.parametrize(
    ("image", "repository"),
    [
        ("nginx", "docker.io/library/nginx"),
        ("attacker/tool:latest", "docker.io/attacker/tool"),
        ("localhost:5000/x:1", "localhost:5000/x"),
        ("registry.example.com:443/a/b@sha256:" + "0" * 64, "registry.example.com:443/a/b"),
    ],
)
def test_given_image_references_when_naming_their_repository_then_docker_rules_apply(
    image: str, repository: str
) -> None:
    assert repository_of(image) == repository


# --------------------------------------------------------------------------- row 2b: secrets

SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:payments/db-AbCdEf"


@pytest.mark.parametrize(
    ("taskdef", "field"),
    [
        (taskdef_with(c_secrets=[{"name": "DB", "valueFrom": SECRET}]), ".secrets[0].valueFrom"),
        (
            taskdef_with(c_secrets=[{"name": "P", "valueFrom": "/payments/api-key"}]),
            ".secrets[0].valueFrom is '/payments/api-key'",
        ),
        (
            taskdef_with(
                c_environmentFiles=[{"type": "s3", "value": "arn:aws:s3:::payments/prod.env"}]
            ),
            ".environmentFiles[0].value",
        ),
        (
            taskdef_with(c_repositoryCredentials={"credentialsParameter": SECRET}),
            ".repositoryCredentials.credentialsParameter",
        ),
        (
            taskdef_with(
                c_logConfiguration={
                    "logDriver": "splunk",
                    "secretOptions": [{"name": "splunk-token", "valueFrom": SECRET}],
                }
            ),
            ".logConfiguration.secretOptions[0].valueFrom",
        ),
        (
            taskdef_with(
                c_firelensConfiguration={
                    "type": "fluentbit",
                    "options": {
                        "config-file-type": "s3",
                        "config-file-value": "arn:aws:s3:::payments/fluent.conf",
                    },
                }
            ),
            ".firelensConfiguration.options.config-file-value",
        ),
        (
            taskdef_with(
                volumes=[
                    {
                        "name": "fsx",
                        "fsxWindowsFileServerVolumeConfiguration": {
                            "fileSystemId": "fs-1",
                            "rootDirectory": "share",
                            "authorizationConfig": {"credentialsParameter": SECRET, "domain": "d"},
                        },
                    }
                ]
            ),
            "volumes[0].fsxWindowsFileServerVolumeConfiguration.authorizationConfig."
            "credentialsParameter",
        ),
    ],
)
def test_given_a_secret_outside_the_prefixes_when_checked_then_refused(
    taskdef: dict[str, Any], field: str
) -> None:
    refused_naming(field, "not under SecretArnPrefixes (none) [rule: secrets]", taskdef=taskdef)


def test_given_secrets_under_the_prefixes_when_checked_then_they_pass_by_arn_or_by_name() -> None:
    settings = PolicySettings(
        task_role_arn=TASK_ROLE,
        execution_role_arn=EXEC_ROLE,
        secret_arn_prefixes=(
            f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:hello/",
            f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/hello/",
        ),
    )
    mine = [
        {
            "name": "DB",
            "valueFrom": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:hello/db-x:password::",
        },
        {"name": "KEY", "valueFrom": "/hello/api-key"},
        {"name": "K2", "valueFrom": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/hello/k2"},
    ]

    check(taskdef=taskdef_with(c_secrets=mine), settings=settings)
    message = refused(
        taskdef=taskdef_with(c_secrets=[*mine, {"name": "X", "valueFrom": "/hello-other/x"}]),
        settings=settings,
    )
    assert "secrets[3].valueFrom is '/hello-other/x'" in message


def test_given_a_secret_prefix_that_is_not_an_arn_when_read_then_config_error() -> None:
    with pytest.raises(ConfigError, match="SECRET_ARN_PREFIXES: 'hello/' is not an ARN prefix"):
        PolicySettings.from_env({"SECRET_ARN_PREFIXES": "hello/"})


# --------------------------------------------------------------------------- row 11: tags


def test_given_a_turnout_tag_in_the_file_when_checked_then_refused() -> None:
    taskdef = taskdef_with(
        tags=[{"key": "team", "value": "a"}, {"key": "turnout:commit", "value": "0" * 40}]
    )

    assert refused(taskdef=taskdef) == (
        "taskdef.json: tags[1].key is 'turnout:commit': turnout:* tags are turnout's own "
        "(commit, digest) [rule: tags]"
    )


# --------------------------------------------------------------------------- row 1: hooks

HOOKS = APPSPEC + "Hooks:\n  - {event}: {function}\n"


@pytest.mark.parametrize(
    ("event", "function", "problem"),
    [
        ("BeforeInstall", "CodeDeployHook_otherteam-gate", "not in AllowedHookFunctions (none)"),
        (
            "BeforeAllowTraffic",
            "arn:aws:lambda:ap-northeast-2:999999999999:function:CodeDeployHook_x",
            "a function of another account or region",
        ),
        (
            "BeforeAllowTraffic",
            "arn:aws:lambda:us-east-1:123456789012:function:hello-smoke",
            "a function of another account or region",
        ),
        ("AfterInstall", "999999999999:function:x", "a function of another account or region"),
        ("AfterAllowTestTraffic", GATE, "is turnout's own gate"),
        (
            "AfterAllowTestTraffic",
            f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{GATE}",
            "is turnout's own gate",
        ),
    ],
)
def test_given_a_hook_the_policy_does_not_allow_when_checked_then_refused(
    event: str, function: str, problem: str
) -> None:
    message = refused(appspec=HOOKS.format(event=event, function=function))

    assert message.startswith(f"appspec.yaml: Hooks[0].{event} is ")
    assert problem in message
    assert message.endswith("[rule: hooks]")


def test_given_allowed_hook_functions_when_checked_then_names_and_own_arns_pass() -> None:
    settings = PolicySettings(
        task_role_arn=TASK_ROLE,
        execution_role_arn=EXEC_ROLE,
        allowed_hook_functions=("hello-smoke", GATE),
    )

    for function in (
        "hello-smoke",
        "hello-smoke:live",
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:hello-smoke:3",
    ):
        check(
            appspec=HOOKS.format(event="AfterAllowTestTraffic", function=function),
            settings=settings,
        )
    with pytest.raises(PolicyViolation, match="turnout's own gate"):
        check(appspec=HOOKS.format(event="BeforeInstall", function=GATE), settings=settings)


def test_given_allowed_hook_entries_that_are_not_names_when_read_then_config_error() -> None:
    with pytest.raises(ConfigError, match="ALLOWED_HOOK_FUNCTIONS"):
        PolicySettings.from_env(
            {"ALLOWED_HOOK_FUNCTIONS": "arn:aws:lambda:us-east-1:999999999999:function:x"}
        )


# --------------------------------------------------------------------------- row 4: placement

NETWORK = (
    APPSPEC
    + """        NetworkConfiguration:
          AwsvpcConfiguration:
            Subnets: {subnets}
            SecurityGroups: {groups}
            AssignPublicIp: {public}
"""
)
CAPACITY = (
    APPSPEC
    + """        CapacityProviderStrategy:
          - {{CapacityProvider: {provider}, Weight: 1}}
"""
)


def test_given_the_services_own_network_when_checked_then_it_passes_in_any_order() -> None:
    check(
        appspec=NETWORK.format(subnets=["subnet-a", "subnet-b"], groups=GROUPS, public="DISABLED")
    )


@pytest.mark.parametrize(
    ("subnets", "groups", "public"),
    [
        (["subnet-attacker"], GROUPS, "DISABLED"),
        (SUBNETS, ["sg-db-admin"], "DISABLED"),
        (SUBNETS, GROUPS, "ENABLED"),
    ],
)
def test_given_another_network_when_checked_then_refused_unless_allowed(
    subnets: list[str], groups: list[str], public: str
) -> None:
    appspec = NETWORK.format(subnets=subnets, groups=groups, public=public)

    message = refused(appspec=appspec)

    assert message.startswith(
        "appspec.yaml: Resources[0].TargetService.Properties.NetworkConfiguration asks for "
    )
    assert "but the service has subnets ['subnet-a', 'subnet-b']" in message
    assert message.endswith("(AllowNetworkChange is false) [rule: network]")
    check(
        appspec=appspec,
        settings=PolicySettings(
            task_role_arn=TASK_ROLE, execution_role_arn=EXEC_ROLE, allow_network_change=True
        ),
    )


def test_given_a_capacity_provider_the_service_lacks_when_checked_then_refused_unless_allowed() -> (
    None
):
    appspec = CAPACITY.format(provider="ec2-shared")

    message = refused(appspec=appspec)

    assert "CapacityProviderStrategy is [('ec2-shared', 0, 1)] (provider, base, weight)" in message
    assert message.endswith(
        "but the service has none (AllowCapacityProviderChange is false) [rule: capacity-providers]"
    )
    view = service(
        capacityProviderStrategy=[{"capacityProvider": "ec2-shared", "weight": 1, "base": 0}]
    )
    check(appspec=appspec, view=view)
    check(
        appspec=appspec,
        settings=PolicySettings(
            task_role_arn=TASK_ROLE,
            execution_role_arn=EXEC_ROLE,
            allow_capacity_provider_change=True,
        ),
    )


# --------------------------------------------------------------------------- all at once


def test_given_the_reviews_taskdef_when_checked_then_every_field_is_named_in_one_refusal() -> None:
    # security-review row 2, "verified in the venv": all of it rendered without error.
    taskdef = taskdef_with(
        family="payments-prod",
        networkMode="host",
        pidMode="host",
        taskRoleArn=EXEC_ROLE,
        volumes=[
            {"name": "root", "host": {"sourcePath": "/"}},
            {"name": "sock", "host": {"sourcePath": "/var/run/docker.sock"}},
        ],
        c_secrets=[{"name": "DB", "valueFrom": SECRET}],
    )
    taskdef["containerDefinitions"].append(
        {
            "name": "tool",
            "image": "docker.io/attacker/tool:latest",
            "privileged": True,
            "linuxParameters": {"capabilities": {"add": ["SYS_ADMIN"]}},
        }
    )

    message = refused(taskdef=taskdef)

    rules = [part.rsplit("[rule: ", 1)[1].rstrip("]") for part in message.split("; ")]
    assert rules == [
        "host-privileges",
        "host-privileges",
        "host-privileges",
        "host-privileges",
        "host-privileges",
        "capabilities",
        "task-role",
        "family",
        "images",
        "secrets",
    ]
    assert all(part.startswith("taskdef.json: ") for part in message.split("; "))


@pytest.mark.parametrize("name", ["ALLOW_NETWORK_CHANGE", "ALLOW_CAPACITY_PROVIDER_CHANGE"])
def test_given_a_flag_that_is_not_a_boolean_when_read_then_config_error(name: str) -> None:
    with pytest.raises(ConfigError, match=f"{name}='yes' must be true or false"):
        PolicySettings.from_env({name: "yes"})


def test_given_many_refusals_when_checked_then_the_message_is_clipped_for_the_state() -> None:
    secrets = [{"name": f"S{i}", "valueFrom": f"{SECRET}-{i}"} for i in range(40)]

    message = refused(taskdef=taskdef_with(c_secrets=secrets))

    assert len(message) <= MAX_MESSAGE_CHARS
    assert message.startswith("taskdef.json: containerDefinitions[0] ('web').secrets[0].valueFrom")
    assert message.endswith(" more characters)")
