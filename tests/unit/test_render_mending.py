"""Unit tests of turnout.render on what real users' files carry: JSON nulls, a byte-order mark,
other tools' placeholders and template values, a quoted ContainerPort. Each mistake gets a
message that says what to write instead."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import botocore.validate
import pytest
import yaml

from turnout.adapters.ecs import Ecs
from turnout.appspec import render_appspec
from turnout.errors import AppSpecInvalid, PlaceholderMissing, TaskDefinitionInvalid
from turnout.render import (
    REGISTER_FIELDS,
    RenderedTaskDefinition,
    render_task_definition,
)

BUILT = (
    "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/ecr-hello-aws"
    "@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)
BUILT_KEYS = {"IMAGE": BUILT, "IMAGE1_NAME": BUILT}
ARN = "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/task-hello-aws:13"
BOM = "\ufeff"


def taskdef(*containers: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "family": "task-hello-aws",
        "containerDefinitions": list(containers)
        or [
            {
                "name": "hello-aws",
                "image": "<IMAGE>",
                "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
            }
        ],
        **fields,
    }


def render(document: Any, images: dict[str, str] | None = None) -> RenderedTaskDefinition:
    return render_task_definition(json.dumps(document), BUILT_KEYS if images is None else images)


def validate_register(kwargs: dict[str, Any]) -> None:
    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    assert shape is not None
    botocore.validate.validate_parameters(kwargs, shape)  # raises ParamValidationError


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "render"
#: The project's sample AppSpec (container hello-aws, port 8080), as YAML and as JSON.
APPSPEC_YAML = (FIXTURES / "appspec.yaml").read_text(encoding="utf-8")
APPSPEC_JSON = json.dumps(yaml.safe_load(APPSPEC_YAML), indent=2)


def render_spec(text: str, path: str = "appspec.yaml") -> Any:
    return render_appspec(
        text,
        task_definition_arn=ARN,
        taskdef=render(taskdef()),
        gate_hook_function="turnout-gate",
        path=path,
    )


# --------------------------------------------------------------------------- JSON nulls


def test_given_console_nulls_at_every_depth_when_rendering_then_they_are_dropped_and_listed() -> (
    None
):
    document = taskdef(
        {
            "name": "hello-aws",
            "image": "<IMAGE>",
            "memory": None,
            "dnsSearchDomains": None,
            "portMappings": [{"containerPort": 80, "hostPort": None}],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {"awslogs-group": "/ecs/hello", "mode": None},
                "secretOptions": None,
            },
            "healthCheck": {"command": ["CMD-SHELL", "true"], "startPeriod": None},
            "environment": [{"name": "A", "value": "1"}],
            "secrets": [{"name": "S", "valueFrom": "arn:aws:ssm:::parameter/s"}],
            "links": [None],
        },
        taskRoleArn=None,
        ipcMode=None,
        taskDefinitionArn=None,
    )

    rendered = render(document)

    assert rendered.dropped_nulls == (
        "containerDefinitions[0].memory",
        "containerDefinitions[0].dnsSearchDomains",
        "containerDefinitions[0].portMappings[0].hostPort",
        "containerDefinitions[0].logConfiguration.options.mode",
        "containerDefinitions[0].logConfiguration.secretOptions",
        "containerDefinitions[0].healthCheck.startPeriod",
        "containerDefinitions[0].links[0]",
        "taskRoleArn",
        "ipcMode",
    )
    assert rendered.dropped_fields == ("taskDefinitionArn",)
    assert rendered.register_kwargs == {
        "family": "task-hello-aws",
        "containerDefinitions": [
            {
                "name": "hello-aws",
                "image": BUILT,
                "portMappings": [{"containerPort": 80}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": "/ecs/hello"},
                },
                "healthCheck": {"command": ["CMD-SHELL", "true"]},
                "environment": [{"name": "A", "value": "1"}],
                "secrets": [{"name": "S", "valueFrom": "arn:aws:ssm:::parameter/s"}],
                "links": [],
            }
        ],
    }
    validate_register(rendered.register_kwargs)


def test_given_nulls_in_describe_output_tags_when_rendering_then_they_are_dropped() -> None:
    document = {"taskDefinition": taskdef(), "tags": [{"key": "team", "value": None}]}

    rendered = render(document)

    assert rendered.register_kwargs["tags"] == [{"key": "team"}]
    assert rendered.dropped_nulls == ("tags[0].value",)


def test_given_a_null_family_when_rendering_then_the_error_says_family_is_missing() -> None:
    with pytest.raises(TaskDefinitionInvalid, match=r"'family' must be a non-empty string"):
        render(taskdef(family=None))


def test_given_a_null_image_when_rendering_then_the_container_has_no_image() -> None:
    with pytest.raises(TaskDefinitionInvalid, match=r"\('hello-aws'\) has no 'image'"):
        render(taskdef({"name": "hello-aws", "image": None}))


def test_given_an_unknown_top_level_field_set_to_null_when_rendering_then_it_is_dropped() -> None:
    rendered = render(taskdef(environmentFiles=None))

    assert "environmentFiles" not in rendered.register_kwargs
    assert rendered.dropped_nulls == ("environmentFiles",)


def test_given_a_file_without_nulls_when_rendering_then_none_are_listed() -> None:
    assert render(taskdef()).dropped_nulls == ()


# --------------------------------------------------------------------------- byte-order mark


def test_given_a_taskdef_starting_with_a_bom_when_rendering_then_it_renders() -> None:
    rendered = render_task_definition(BOM + json.dumps(taskdef()), BUILT_KEYS)

    assert rendered.replaced == {"hello-aws": BUILT}


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (BOM + APPSPEC_YAML, "appspec.yaml"),
        (BOM + APPSPEC_YAML.replace("\n", "\r\n"), "appspec.yml"),
        (BOM + APPSPEC_JSON, "appspec.json"),
        (BOM + APPSPEC_JSON, "appspec.yaml"),
    ],
    ids=["yaml", "yaml-crlf", "json", "json-in-a-yaml-name"],
)
def test_given_an_appspec_starting_with_a_bom_when_rendering_then_the_bom_is_ignored(
    text: str, path: str
) -> None:
    spec = render_spec(text, path)

    assert (spec.container_name, spec.container_port) == ("hello-aws", 8080)
    assert not spec.content.startswith(BOM)


def test_given_a_bom_in_the_middle_when_rendering_then_json_error_is_reported() -> None:
    text = json.dumps(taskdef()).replace('"family"', BOM + '"family"', 1)

    with pytest.raises(TaskDefinitionInvalid, match=r"invalid JSON at line 1 column 2"):
        render_task_definition(text, BUILT_KEYS)


# --------------------------------------------------------------------------- placeholders


PLACEHOLDER_CASES: dict[str, tuple[list[dict[str, str]], str]] = {
    "two_unknown": (
        [{"name": "nginx", "image": "<IMAGE_NGINX>"}, {"name": "php", "image": "<IMAGE_PHP>"}],
        "taskdef.json: no value was given for placeholder 'IMAGE_NGINX', 'IMAGE_PHP' "
        "(container 'nginx' has image '<IMAGE_NGINX>', container 'php' has image "
        "'<IMAGE_PHP>'); turnout fills only '<IMAGE>' and '<IMAGE1_NAME>' with the image it "
        "built: write '<IMAGE>' (or '<IMAGE1_NAME>') for the built image instead, and map any "
        "other placeholder in the ExtraImages parameter "
        "(IMAGE_NGINX=<image URI>,IMAGE_PHP=<image URI>)",
    ),
    "image_name": (
        [{"name": "nginx", "image": "<IMAGE_NAME>"}],
        "taskdef.json: no value was given for placeholder 'IMAGE_NAME' (container 'nginx' has "
        "image '<IMAGE_NAME>'); turnout fills only '<IMAGE>' and '<IMAGE1_NAME>' with the image "
        "it built: write '<IMAGE>' (or '<IMAGE1_NAME>') for the built image instead, and map any "
        "other placeholder in the ExtraImages parameter (IMAGE_NAME=<image URI>)",
    ),
    "built_and_unknown": (
        [{"name": "app", "image": "<IMAGE1_NAME>"}, {"name": "envoy", "image": "<ENVOY>"}],
        "taskdef.json: no value was given for placeholder 'ENVOY' (container 'envoy' has image "
        "'<ENVOY>'); turnout fills only '<IMAGE>' and '<IMAGE1_NAME>' with the image it built: "
        "map the others in the ExtraImages parameter (ENVOY=<image URI>)",
    ),
    "concrete_and_templated": (
        [
            {"name": "web", "image": "<ACCOUNT_ID>.dkr.ecr.<AWS_REGION>.amazonaws.com/web:latest"},
            {"name": "worker", "image": "{{ACCOUNT_ID}}.dkr.ecr.x.amazonaws.com/w:__TAG__"},
            {"name": "nginx", "image": "nginx:1.27"},
        ],
        "taskdef.json: no container image is '<IMAGE>' or '<IMAGE1_NAME>'; put one of them "
        "where the built image goes (the images are 'web': "
        "'<ACCOUNT_ID>.dkr.ecr.<AWS_REGION>.amazonaws.com/web:latest', 'worker': "
        "'{{ACCOUNT_ID}}.dkr.ecr.x.amazonaws.com/w:__TAG__', 'nginx': 'nginx:1.27'; the images "
        "hold another tool's template values (<ACCOUNT_ID>, <AWS_REGION>, __TAG__, "
        "{{ACCOUNT_ID}}), which turnout does not fill)",
    ),
}


@pytest.mark.parametrize("case", sorted(PLACEHOLDER_CASES))
def test_given_images_turnout_cannot_fill_when_rendering_then_one_message_lists_all_and_the_fix(
    case: str,
) -> None:
    containers, expected = PLACEHOLDER_CASES[case]

    with pytest.raises(PlaceholderMissing) as caught:
        render(taskdef(*containers))

    assert caught.value.message == expected


@pytest.mark.parametrize(
    "image",
    [
        "[aws_account_id].dkr.ecr.ap-northeast-1.amazonaws.com/base:log-router",
        "<AWS_ACCOUNT_ID>.dkr.ecr.ap-south-1.amazonaws.com/app:latest",
        "{{ACCOUNT_ID}}.dkr.ecr.eu-west-1.amazonaws.com/app:latest",
        "nginx :1.27",
    ],
)
def test_given_a_sidecar_image_with_a_template_value_when_rendering_then_pin_it_in_extra_images(
    image: str,
) -> None:
    document = taskdef(
        {"name": "app", "image": "<IMAGE>"},
        {"name": "log_router", "image": image},
    )

    with pytest.raises(TaskDefinitionInvalid) as caught:
        render(document)

    message = caught.value.message
    assert message.startswith(
        f"taskdef.json: containerDefinitions[1] ('log_router') image {image!r} is not an image "
        f"reference"
    )
    assert message.endswith(
        ": write the image itself, or give it in the ExtraImages parameter (log_router=<image URI>)"
    )


def test_given_the_template_image_pinned_in_extra_images_when_rendering_then_it_renders() -> None:
    document = taskdef(
        {"name": "app", "image": "<IMAGE>"},
        {"name": "log_router", "image": "[aws_account_id].dkr.ecr.x.amazonaws.com/base:1"},
    )

    rendered = render(document, {**BUILT_KEYS, "log_router": "public.ecr.aws/fluent-bit:3"})

    assert rendered.replaced == {"app": BUILT, "log_router": "public.ecr.aws/fluent-bit:3"}


def test_given_an_empty_image_when_rendering_then_the_message_suggests_the_placeholder() -> None:
    with pytest.raises(TaskDefinitionInvalid) as caught:
        render(taskdef({"name": "hello-aws", "image": ""}))

    assert caught.value.message.endswith(
        "'image' must be a non-empty string, got ''; write '<IMAGE>' where turnout puts the "
        "image it built"
    )


def test_given_an_unquoted_template_value_when_rendering_then_json_error_explains_it() -> None:
    text = '{"family": "f", "containerDefinitions": [{"name": "a", "image": "<IMAGE>",\n'
    text += '  "portMappings": [{"containerPort": <PORT>}]}]}'

    with pytest.raises(TaskDefinitionInvalid) as caught:
        render_task_definition(text, BUILT_KEYS, path="ecs/taskdef.json")

    assert caught.value.message == (
        "ecs/taskdef.json: invalid JSON at line 2 column 38: Expecting value; <PORT> is a "
        "template value another tool fills in: turnout fills only quoted image placeholders "
        '("<IMAGE>"), so write the value itself'
    )


# --------------------------------------------------------------------------- ECS names, fields


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        (
            taskdef(family="{{ECR_REPO}}-taskdefinition"),
            "taskdef.json: 'family' is '{{ECR_REPO}}-taskdefinition'; ECS allows up to 255 "
            "letters, numbers, underscores and hyphens (it holds another tool's template "
            "values: {{ECR_REPO}}; turnout fills none)",
        ),
        (taskdef(family="hello.aws"), "'family' is 'hello.aws'; ECS allows up to 255"),
        (taskdef(family="x" * 256), "ECS allows up to 255 letters"),
        (
            taskdef({"name": "my app", "image": "<IMAGE>"}),
            "containerDefinitions[0] 'name' is 'my app'; ECS allows up to 255 letters",
        ),
    ],
    ids=["template", "dot", "too-long", "container-space"],
)
def test_given_a_name_ecs_refuses_when_rendering_then_taskdef_invalid_names_the_rule(
    document: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(TaskDefinitionInvalid) as caught:
        render(document)

    assert fragment in caught.value.message


def test_given_a_container_field_at_the_top_when_rendering_then_the_error_says_move_it() -> None:
    document = taskdef(environmentFiles=[{"type": "s3", "value": "arn:aws:s3:::b/k.env"}])

    with pytest.raises(TaskDefinitionInvalid) as caught:
        render(document)

    assert caught.value.message.startswith(
        "taskdef.json: unknown task definition field 'environmentFiles' (a container field: "
        "move it into each containerDefinitions[] entry that needs it); "
        "RegisterTaskDefinition accepts "
    )


# --------------------------------------------------------------------------- AppSpec port


def test_given_container_port_quoted_in_the_appspec_when_rendering_then_the_message_says_unquote_it() -> (
    None
):
    text = APPSPEC_YAML.replace("ContainerPort: 8080", 'ContainerPort: "8080"')

    with pytest.raises(AppSpecInvalid) as caught:
        render_spec(text, "appspec.yml")

    assert caught.value.message == (
        "appspec.yml: Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerPort is "
        "the string '8080', but it must be a number: write ContainerPort: 8080 (no quotes)"
    )


# ---------------------------------------------------------------- the runtime's own model


def test_given_a_field_the_runtimes_botocore_lacks_when_rendering_then_the_error_names_it() -> None:
    """aws-fidelity row 18: Lambda's python3.13 runtime bundles its own boto3, which may be
    older than the one turnout knows; a field its model lacks is named, not sent."""
    older = set(REGISTER_FIELDS) - {"trustedExecutionConfiguration"}
    text = json.dumps(taskdef(trustedExecutionConfiguration={"type": "sev-snp"}))

    with pytest.raises(TaskDefinitionInvalid) as raised:
        render_task_definition(text, BUILT_KEYS, accepted=older)

    message = str(raised.value)
    assert "field 'trustedExecutionConfiguration' is newer than the botocore" in message
    assert "drop the field, or ship a newer boto3 in the layer" in message


def test_given_a_field_the_runtimes_botocore_has_when_rendering_then_it_is_sent() -> None:
    older = set(REGISTER_FIELDS) - {"trustedExecutionConfiguration"}

    rendered = render_task_definition(
        json.dumps(taskdef(pidMode="task")), BUILT_KEYS, accepted=older
    )

    assert rendered.register_kwargs["pidMode"] == "task"


def test_given_a_boto3_ecs_client_then_the_adapter_reads_the_fields_from_its_own_model() -> None:
    client = boto3.client(
        "ecs", region_name="ap-northeast-2", aws_access_key_id="x", aws_secret_access_key="x"
    )
    ecs = Ecs("cluster", "service", client=client)

    assert ecs.register_fields() == frozenset(REGISTER_FIELDS)  # the tests' botocore: 1.44
    assert Ecs("cluster", "service", client=object()).register_fields() is None  # type: ignore[arg-type]
