"""Unit tests of turnout.render: taskdef.json and appspec rendering (pure)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.session
import botocore.validate
import pytest
from botocore.model import StructureShape

from turnout.appspec import render_appspec
from turnout.errors import (
    AppSpecInvalid,
    ConfigError,
    PlaceholderMissing,
    TaskDefinitionInvalid,
    TurnoutError,
    UnknownContainer,
)
from turnout.render import (
    READ_ONLY_FIELDS,
    REGISTER_FIELDS,
    RenderedTaskDefinition,
    parse_extra_images,
    render_task_definition,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "render"
BUILT = (
    "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/ecr-hello-aws"
    "@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)
WORKER = (
    "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/ecr-hello-worker"
    "@sha256:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
)
TASKDEF_ARN = "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/task-hello-aws:13"
GATE = "turnout-gate-hook"
BUILT_KEYS = {"IMAGE": BUILT, "IMAGE1_NAME": BUILT}


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fixture_text(name))
    return data


def minimal_taskdef(**overrides: Any) -> dict[str, Any]:
    taskdef: dict[str, Any] = {
        "family": "task-hello-aws",
        "containerDefinitions": [
            {
                "name": "hello-aws",
                "image": "<IMAGE>",
                "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
            }
        ],
    }
    taskdef.update(overrides)
    return taskdef


def render(taskdef: Any, images: dict[str, str] | None = None) -> RenderedTaskDefinition:
    return render_task_definition(json.dumps(taskdef), BUILT_KEYS if images is None else images)


def minimal_appspec(**property_overrides: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "TaskDefinition": "<TASK_DEFINITION>",
        "LoadBalancerInfo": {"ContainerName": "hello-aws", "ContainerPort": 8080},
    }
    properties.update(property_overrides)
    return {
        "version": 0.0,
        "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": properties}}],
    }


def render_spec(text: str, *, path: str = "appspec.yaml") -> Any:
    return render_appspec(
        text,
        task_definition_arn=TASKDEF_ARN,
        taskdef=render(minimal_taskdef()),
        gate_hook_function=GATE,
        path=path,
    )


# --------------------------------------------------------------------------- task definition


def test_given_console_copied_taskdef_when_rendering_then_read_only_fields_are_dropped() -> None:
    rendered = render_task_definition(fixture_text("taskdef_console.json"), BUILT_KEYS)

    console_copy = json.loads(fixture_text("taskdef_console.json"))
    assert "taskDefinitionArn" in rendered.dropped_fields
    assert set(rendered.dropped_fields) == set(READ_ONLY_FIELDS) & set(console_copy)
    assert not set(READ_ONLY_FIELDS) & set(rendered.register_kwargs)


def test_given_the_botocore_ecs_model_when_comparing_then_field_lists_match_it() -> None:
    model = botocore.session.get_session().get_service_model("ecs")
    register = model.operation_model("RegisterTaskDefinition").input_shape
    described_shape = model.shape_for("TaskDefinition")
    assert isinstance(register, StructureShape)
    assert isinstance(described_shape, StructureShape)
    accepted = set(register.members)
    described = set(described_shape.members)

    assert set(REGISTER_FIELDS) == accepted
    assert set(READ_ONLY_FIELDS) == described - accepted


@pytest.mark.parametrize(
    ("fixture", "images"),
    [
        ("taskdef_console.json", BUILT_KEYS),
        ("taskdef_describe.json", {**BUILT_KEYS, "IMAGE2_NAME": WORKER}),
    ],
)
def test_given_real_world_taskdefs_when_rendering_then_boto3_accepts_the_register_kwargs(
    fixture: str, images: dict[str, str]
) -> None:
    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    assert shape is not None

    rendered = render_task_definition(fixture_text(fixture), images)

    botocore.validate.validate_parameters(rendered.register_kwargs, shape)  # raises if invalid


def test_given_console_copied_taskdef_when_rendering_then_only_the_image_changes() -> None:
    original = fixture_json("taskdef_console.json")

    rendered = render_task_definition(fixture_text("taskdef_console.json"), BUILT_KEYS)

    expected = {k: v for k, v in original.items() if k not in READ_ONLY_FIELDS}
    expected["containerDefinitions"][0]["image"] = BUILT
    assert rendered.register_kwargs == expected
    assert rendered.replaced == {"hello-aws": BUILT}
    assert rendered.container_ports == {"hello-aws": (8080,)}


def test_given_env_values_with_angle_brackets_when_rendering_then_env_and_secrets_untouched() -> (
    None
):
    original = fixture_json("taskdef_console.json")["containerDefinitions"][0]

    rendered = render_task_definition(fixture_text("taskdef_console.json"), BUILT_KEYS)

    container = rendered.register_kwargs["containerDefinitions"][0]
    for field in ("environment", "secrets", "ulimits", "logConfiguration", "healthCheck"):
        assert container[field] == original[field]
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["GREETING_TEMPLATE"] == "<IMAGE>"
    assert env["JAVA_OPTS"] == "-Xmx<MAX_HEAP> -Dspring.profiles.active=${SPRING_PROFILE:prod}"


def test_given_describe_output_wrapper_when_rendering_then_tags_kept_and_placeholders_filled() -> (
    None
):
    original = fixture_json("taskdef_describe.json")

    rendered = render_task_definition(
        fixture_text("taskdef_describe.json"), {**BUILT_KEYS, "IMAGE2_NAME": WORKER}
    )

    kwargs = rendered.register_kwargs
    assert kwargs["tags"] == original["tags"]
    assert kwargs["family"] == "task-hello-aws"
    assert "taskDefinition" not in kwargs
    assert "revision" in rendered.dropped_fields
    images = {c["name"]: c["image"] for c in kwargs["containerDefinitions"]}
    envoy = original["taskDefinition"]["containerDefinitions"][2]["image"]
    assert images == {"hello-aws": BUILT, "worker": WORKER, "envoy": envoy}
    assert rendered.replaced == {"hello-aws": BUILT, "worker": WORKER}
    assert rendered.container_ports == {
        "hello-aws": (8080, 8081),
        "worker": (),
        "envoy": (9901,),
    }
    first = kwargs["containerDefinitions"][0]
    assert first["environment"] == [{"name": "UPSTREAM", "value": "<http://localhost:9901>"}]


def test_given_boto3_response_dump_when_rendering_then_response_metadata_is_dropped() -> None:
    document = {
        "taskDefinition": minimal_taskdef(revision=3),
        "tags": [],
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }

    rendered = render(document)

    assert rendered.dropped_fields == ("ResponseMetadata", "revision")
    assert "tags" not in rendered.register_kwargs
    assert "ResponseMetadata" not in rendered.register_kwargs


def test_given_bare_taskdef_with_tags_when_rendering_then_tags_are_kept() -> None:
    tags = [{"key": "team", "value": "platform"}]

    rendered = render(minimal_taskdef(tags=tags))

    assert rendered.register_kwargs["tags"] == tags
    assert rendered.dropped_fields == ()


def test_given_one_placeholder_in_two_containers_when_rendering_then_both_get_the_image() -> None:
    containers = [
        {"name": "a", "image": "<IMAGE1_NAME>"},
        {"name": "b", "image": "<IMAGE1_NAME>"},
    ]

    rendered = render(minimal_taskdef(containerDefinitions=containers))

    assert rendered.replaced == {"a": BUILT, "b": BUILT}
    assert [c["image"] for c in rendered.register_kwargs["containerDefinitions"]] == [BUILT] * 2


def test_given_a_container_name_key_when_rendering_then_that_container_is_pinned() -> None:
    containers = [
        {"name": "hello-aws", "image": "<IMAGE>"},
        {"name": "envoy", "image": "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.27.0.0"},
        {"name": "otel", "image": "<OTEL_IMAGE>"},
    ]
    images = {
        **BUILT_KEYS,
        "envoy": "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.4.0",
        "otel": "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0",
    }

    rendered = render(minimal_taskdef(containerDefinitions=containers), images)

    assert rendered.replaced == {
        "hello-aws": BUILT,
        "envoy": images["envoy"],
        "otel": images["otel"],
    }
    result = {c["name"]: c["image"] for c in rendered.register_kwargs["containerDefinitions"]}
    assert result == rendered.replaced


def test_given_the_input_text_when_rendering_then_the_result_does_not_share_state() -> None:
    text = fixture_text("taskdef_describe.json")
    images = {**BUILT_KEYS, "IMAGE2_NAME": WORKER}

    first = render_task_definition(text, images)
    first.register_kwargs["containerDefinitions"][0]["environment"].clear()
    second = render_task_definition(text, images)

    assert second.register_kwargs["containerDefinitions"][0]["environment"] != []


@pytest.mark.parametrize(
    ("fixture", "images"),
    [
        ("taskdef_console.json", BUILT_KEYS),
        ("taskdef_describe.json", {**BUILT_KEYS, "IMAGE2_NAME": WORKER}),
    ],
)
def test_given_same_inputs_in_any_key_order_when_rendering_repeatedly_then_output_is_identical(
    fixture: str, images: dict[str, str]
) -> None:
    text = fixture_text(fixture)
    reversed_images = dict(reversed(list(images.items())))

    results = [render_task_definition(text, images) for _ in range(3)]
    results.append(render_task_definition(text, reversed_images))

    dumps = {json.dumps(r.register_kwargs) for r in results}
    assert len(dumps) == 1
    assert all(r == results[0] for r in results)
    appspecs = {
        render_appspec(
            fixture_text("appspec.yaml"),
            task_definition_arn=TASKDEF_ARN,
            taskdef=r,
            gate_hook_function=GATE,
        ).content
        for r in results
    }
    assert len(appspecs) == 1


def test_given_container_port_ranges_and_repeats_when_rendering_then_ports_are_listed_once() -> (
    None
):
    container = {
        "name": "hello-aws",
        "image": "<IMAGE>",
        "portMappings": [
            {"containerPort": 8080, "protocol": "tcp"},
            {"containerPort": 8080, "protocol": "udp"},
            {"containerPortRange": "9000-9100", "protocol": "tcp"},
            {"containerPort": 9901},
        ],
    }

    rendered = render(minimal_taskdef(containerDefinitions=[container]))

    assert rendered.container_ports == {"hello-aws": (8080, 9901)}


def test_given_invalid_json_when_rendering_taskdef_then_error_names_line_and_column() -> None:
    text = '{\n  "family": "task-hello-aws",\n  "containerDefinitions": [\n}\n'

    with pytest.raises(TaskDefinitionInvalid) as caught:
        render_task_definition(text, BUILT_KEYS, path="infra/taskdef.json")

    assert caught.value.message.startswith("infra/taskdef.json: invalid JSON at line 4 column 1")


TaskdefCase = tuple[Callable[[dict[str, Any]], Any], type[TurnoutError], tuple[str, ...]]


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    def mutate(taskdef: dict[str, Any]) -> Any:
        taskdef[key] = value
        return taskdef

    return mutate


def _container(index: int, **fields: Any) -> Callable[[dict[str, Any]], Any]:
    def mutate(taskdef: dict[str, Any]) -> Any:
        container = taskdef["containerDefinitions"][index]
        for key, value in fields.items():
            if value is None:
                container.pop(key, None)
            else:
                container[key] = value
        return taskdef

    return mutate


def _add_container(**container: Any) -> Callable[[dict[str, Any]], Any]:
    def mutate(taskdef: dict[str, Any]) -> Any:
        taskdef["containerDefinitions"].append(container)
        return taskdef

    return mutate


TASKDEF_ERRORS: dict[str, TaskdefCase] = {
    "top_level_list": (lambda t: [t], TaskDefinitionInvalid, ("top level", "a list")),
    "top_level_null": (lambda t: None, TaskDefinitionInvalid, ("top level", "not null")),
    "unknown_field": (
        _set("Family", "task-hello-aws"),
        TaskDefinitionInvalid,
        ("unknown task definition field 'Family'", "family"),
    ),
    "no_family": (_set("family", None), TaskDefinitionInvalid, ("'family'", "None")),
    "empty_family": (_set("family", " "), TaskDefinitionInvalid, ("'family'", "' '")),
    "no_containers": (
        lambda t: {"family": "f"},
        TaskDefinitionInvalid,
        ("'containerDefinitions' must be a non-empty list", "None"),
    ),
    "empty_containers": (
        _set("containerDefinitions", []),
        TaskDefinitionInvalid,
        ("'containerDefinitions'", "[]"),
    ),
    "container_not_object": (
        _set("containerDefinitions", ["hello-aws"]),
        TaskDefinitionInvalid,
        ("containerDefinitions[0] must be an object, not a string",),
    ),
    "container_no_name": (
        _add_container(image="nginx:1.27"),
        TaskDefinitionInvalid,
        ("taskdef.json: containerDefinitions[1] has no 'name'",),
    ),
    "container_name_not_string": (
        _add_container(name=7, image="nginx:1.27"),
        TaskDefinitionInvalid,
        ("containerDefinitions[1] 'name' must be a non-empty string, got 7",),
    ),
    "container_name_twice": (
        _add_container(name="hello-aws", image="nginx:1.27"),
        TaskDefinitionInvalid,
        ("containerDefinitions[1]", "'hello-aws' is used twice"),
    ),
    "container_no_image": (
        _container(0, image=None),
        TaskDefinitionInvalid,
        ("containerDefinitions[0] ('hello-aws') has no 'image'",),
    ),
    "container_empty_image": (
        _container(0, image=""),
        TaskDefinitionInvalid,
        ("containerDefinitions[0] ('hello-aws') 'image' must be a non-empty string",),
    ),
    "port_mappings_not_list": (
        _container(0, portMappings={"containerPort": 8080}),
        TaskDefinitionInvalid,
        ("('hello-aws') 'portMappings' must be a list, not an object",),
    ),
    "port_mapping_not_object": (
        _container(0, portMappings=[8080]),
        TaskDefinitionInvalid,
        ("portMappings[0] must be an object, not a int",),
    ),
    "container_port_string": (
        _container(0, portMappings=[{"containerPort": "8080"}]),
        TaskDefinitionInvalid,
        ("portMappings[0].containerPort must be an integer, got '8080'",),
    ),
    "container_port_bool": (
        _container(0, portMappings=[{"containerPort": True}]),
        TaskDefinitionInvalid,
        ("portMappings[0].containerPort must be an integer, got True",),
    ),
    "wrapper_unexpected_key": (
        lambda t: {"taskDefinition": t, "failures": []},
        TaskDefinitionInvalid,
        ("unexpected keys ['failures']",),
    ),
    "wrapper_inner_not_object": (
        lambda t: {"taskDefinition": "task-hello-aws:3"},
        TaskDefinitionInvalid,
        ("'taskDefinition' must be an object, not a string",),
    ),
    "wrapper_tags_not_list": (
        lambda t: {"taskDefinition": t, "tags": {"team": "platform"}},
        TaskDefinitionInvalid,
        ("'tags' must be a list", "{'team': 'platform'}"),
    ),
    "wrapper_tags_wrong_items": (
        lambda t: {"taskDefinition": t, "tags": [{"Key": "team", "Value": "x"}]},
        TaskDefinitionInvalid,
        ("'tags' must be a list", "'Key'"),
    ),
    "tags_inside_and_beside": (
        lambda t: {
            "taskDefinition": {**t, "tags": [{"key": "a", "value": "1"}]},
            "tags": [{"key": "b", "value": "2"}],
        },
        TaskDefinitionInvalid,
        ("'tags' appears both inside and beside 'taskDefinition'",),
    ),
    "leftover_placeholder": (
        _add_container(name="envoy", image="<ENVOY_IMAGE>"),
        PlaceholderMissing,
        ("taskdef.json", "'envoy'", "'<ENVOY_IMAGE>'", "'ENVOY_IMAGE'"),
    ),
    "no_built_placeholder": (
        _container(0, image="nginx:1.27"),
        PlaceholderMissing,
        (
            "taskdef.json: no container image is '<IMAGE>' or '<IMAGE1_NAME>'; "
            "put one of them where the built image goes",
        ),
    ),
    "only_other_placeholder": (
        _container(0, image="<IMAGE2_NAME>"),
        PlaceholderMissing,
        ("'hello-aws'", "'IMAGE2_NAME'"),
    ),
}


@pytest.mark.parametrize("case", sorted(TASKDEF_ERRORS))
def test_given_invalid_taskdef_when_rendering_then_typed_error_names_the_fault(case: str) -> None:
    mutate, error, fragments = TASKDEF_ERRORS[case]
    document = mutate(minimal_taskdef())

    with pytest.raises(error) as caught:
        render(document)

    assert caught.type is error
    assert caught.value.message.startswith("taskdef.json")
    for fragment in fragments:
        assert fragment in caught.value.message


def test_given_a_key_in_json_twice_when_rendering_taskdef_then_error_names_the_key() -> None:
    text = '{"family": "a", "family": "b", "containerDefinitions": []}'

    with pytest.raises(TaskDefinitionInvalid, match="key 'family' appears twice"):
        render_task_definition(text, BUILT_KEYS)


def test_given_an_unknown_image_key_when_rendering_then_unknown_container_lists_containers() -> (
    None
):
    with pytest.raises(UnknownContainer) as caught:
        render(minimal_taskdef(), {**BUILT_KEYS, "sidecar": "nginx:1.27"})

    message = caught.value.message
    assert "'sidecar'" in message
    assert "'<sidecar>'" in message
    assert "['hello-aws']" in message


@pytest.mark.parametrize("value", ["", "   ", "<IMAGE>"])
def test_given_an_empty_or_placeholder_image_value_when_rendering_then_placeholder_missing(
    value: str,
) -> None:
    with pytest.raises(PlaceholderMissing) as caught:
        render(minimal_taskdef(), {"IMAGE": value, "IMAGE1_NAME": BUILT})

    assert "'IMAGE'" in caught.value.message
    assert repr(value) in caught.value.message


def test_given_no_built_image_value_when_file_has_image_placeholder_then_placeholder_missing() -> (
    None
):
    with pytest.raises(PlaceholderMissing, match=r"'hello-aws' has image '<IMAGE>'"):
        render(minimal_taskdef(), {})


def test_given_pin_on_a_container_filled_by_placeholder_when_rendering_then_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        render(minimal_taskdef(), {**BUILT_KEYS, "hello-aws": "nginx:1.27"})

    message = caught.value.message
    assert "'hello-aws'" in message
    assert "<IMAGE>" in message
    assert "'nginx:1.27'" in message


def test_given_only_image1_name_in_file_when_both_built_keys_given_then_image_key_is_exempt() -> (
    None
):
    taskdef = minimal_taskdef()
    taskdef["containerDefinitions"][0]["image"] = "<IMAGE1_NAME>"

    rendered = render(taskdef)

    assert rendered.replaced == {"hello-aws": BUILT}


# --------------------------------------------------------------------------- extra images


def test_given_extra_images_string_when_parsing_then_pairs_are_returned_in_order() -> None:
    value = f" IMAGE2_NAME = {WORKER} ,\nenvoy=public.ecr.aws/appmesh/envoy:v1.29.4.0,"

    assert parse_extra_images(value) == {
        "IMAGE2_NAME": WORKER,
        "envoy": "public.ecr.aws/appmesh/envoy:v1.29.4.0",
    }


@pytest.mark.parametrize("value", ["", "  ", ",\n,"])
def test_given_blank_extra_images_when_parsing_then_result_is_empty(value: str) -> None:
    assert parse_extra_images(value) == {}


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("IMAGE2_NAME", "item 'IMAGE2_NAME' is not NAME=IMAGE"),
        ("=nginx:1.27", "item '=nginx:1.27' has no usable name"),
        ("<IMAGE2_NAME>=nginx:1.27", "item '<IMAGE2_NAME>=nginx:1.27' has no usable name"),
        ("IMAGE2_NAME=", "item 'IMAGE2_NAME=' has no image URI"),
        ("IMAGE2_NAME=nginx 1.27", "item 'IMAGE2_NAME=nginx 1.27' has no image URI"),
        ("IMAGE2_NAME=<IMAGE3_NAME>", "has no image URI"),
        ("IMAGE=nginx:1.27", "'IMAGE' is reserved for the image that was just built"),
        ("IMAGE1_NAME=nginx:1.27", "'IMAGE1_NAME' is reserved"),
        ("envoy=a:1,envoy=b:2", "'envoy' is given twice"),
    ],
)
def test_given_bad_extra_images_when_parsing_then_config_error_names_the_item(
    value: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_extra_images(value, source="TURNOUT_EXTRA_IMAGES")

    assert caught.value.message.startswith("TURNOUT_EXTRA_IMAGES: ")
    assert fragment in caught.value.message


def test_given_parsed_extra_images_when_rendering_then_they_fill_the_taskdef() -> None:
    extra = parse_extra_images(f"IMAGE2_NAME={WORKER}")

    rendered = render_task_definition(
        fixture_text("taskdef_describe.json"), {**BUILT_KEYS, **extra}
    )

    assert rendered.replaced["worker"] == WORKER


# --------------------------------------------------------------------------- appspec


def test_given_yaml_appspec_with_comments_when_rendering_then_content_is_the_full_appspec() -> None:
    taskdef = render_task_definition(fixture_text("taskdef_console.json"), BUILT_KEYS)

    spec = render_appspec(
        fixture_text("appspec.yaml"),
        task_definition_arn=TASKDEF_ARN,
        taskdef=taskdef,
        gate_hook_function=GATE,
    )

    assert json.loads(spec.content) == {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": TASKDEF_ARN,
                        "LoadBalancerInfo": {"ContainerName": "hello-aws", "ContainerPort": 8080},
                        "PlatformVersion": "LATEST",
                        "NetworkConfiguration": {
                            "AwsvpcConfiguration": {
                                "Subnets": ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"],
                                "SecurityGroups": ["sg-0123456789abcdef0"],
                                "AssignPublicIp": "DISABLED",
                            }
                        },
                        "CapacityProviderStrategy": [
                            {"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1},
                            {"CapacityProvider": "FARGATE_SPOT", "Weight": 3},
                        ],
                    },
                }
            }
        ],
        "Hooks": [
            {"BeforeInstall": "hello-aws-before-install"},
            {"AfterAllowTestTraffic": "hello-aws-smoke-test"},
            {"AfterAllowTraffic": GATE},
        ],
    }
    assert spec.container_name == "hello-aws"
    assert spec.container_port == 8080
    assert spec.hooks == (
        ("BeforeInstall", "hello-aws-before-install"),
        ("AfterAllowTestTraffic", "hello-aws-smoke-test"),
        ("AfterAllowTraffic", GATE),
    )
    assert " " not in spec.content.replace("hello-aws", "")  # compact JSON
    assert '"version":0.0' in spec.content


def test_given_json_appspec_when_rendering_then_second_port_of_container_is_accepted() -> None:
    taskdef = render_task_definition(
        fixture_text("taskdef_describe.json"), {**BUILT_KEYS, "IMAGE2_NAME": WORKER}
    )

    spec = render_appspec(
        fixture_text("appspec.json"),
        task_definition_arn=TASKDEF_ARN,
        taskdef=taskdef,
        gate_hook_function=GATE,
        path="appspec.json",
    )

    content = json.loads(spec.content)
    assert content["Resources"][0]["TargetService"]["Properties"] == {
        "TaskDefinition": TASKDEF_ARN,
        "LoadBalancerInfo": {"ContainerName": "hello-aws", "ContainerPort": 8081},
    }
    assert content["Hooks"] == [{"AfterAllowTraffic": GATE}]
    assert (spec.container_name, spec.container_port) == ("hello-aws", 8081)


def test_given_appspec_without_task_definition_when_rendering_then_arn_is_added() -> None:
    document = minimal_appspec()
    del document["Resources"][0]["TargetService"]["Properties"]["TaskDefinition"]

    spec = render_spec(json.dumps(document))

    properties = json.loads(spec.content)["Resources"][0]["TargetService"]["Properties"]
    assert properties["TaskDefinition"] == TASKDEF_ARN


@pytest.mark.parametrize("version", ["0.0", "version: '0.0'", "version: 0"])
def test_given_version_spellings_when_rendering_then_output_version_is_0_0(version: str) -> None:
    line = "version: 0.0" if version == "0.0" else version
    text = (
        f"{line}\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n"
        "      Properties:\n        TaskDefinition: <TASK_DEFINITION>\n"
        "        LoadBalancerInfo:\n          ContainerName: hello-aws\n"
        "          ContainerPort: 8080\n"
    )

    spec = render_spec(text)

    assert json.loads(spec.content)["version"] == 0.0


def test_given_our_gate_hook_already_present_when_rendering_then_it_is_kept_once_in_place() -> None:
    document = {
        **minimal_appspec(),
        "Hooks": [{"AfterAllowTraffic": GATE}, {"BeforeInstall": "pre"}],
    }

    spec = render_spec(json.dumps(document))

    assert spec.hooks == (("AfterAllowTraffic", GATE), ("BeforeInstall", "pre"))


def test_given_null_hooks_when_rendering_then_only_the_gate_hook_is_present() -> None:
    spec = render_spec(json.dumps({**minimal_appspec(), "Hooks": None}))

    assert spec.hooks == (("AfterAllowTraffic", GATE),)


def test_given_another_after_allow_traffic_hook_when_rendering_then_error_explains_the_gate() -> (
    None
):
    document = {**minimal_appspec(), "Hooks": [{"AfterAllowTraffic": "my-validator"}]}

    with pytest.raises(AppSpecInvalid) as caught:
        render_spec(json.dumps(document))

    message = caught.value.message
    assert "'my-validator'" in message
    assert "turnout runs its health gate on AfterAllowTraffic" in message
    assert f"'{GATE}'" in message


def test_given_invalid_yaml_when_rendering_appspec_then_error_names_line_and_column() -> None:
    text = "version: 0.0\nResources:\n  - TargetService:\n      Type: [unclosed\n"

    with pytest.raises(AppSpecInvalid) as caught:
        render_spec(text)

    assert caught.value.message.startswith("appspec.yaml: invalid YAML at line 5 column 1")


def test_given_yaml_with_a_control_character_when_rendering_then_error_is_typed() -> None:
    with pytest.raises(AppSpecInvalid, match=r"^appspec.yaml: invalid YAML: .*#x0007"):
        render_spec("version: 0.0\x07\n")


def test_given_invalid_json_appspec_when_rendering_then_json_error_names_line_and_column() -> None:
    text = '{\n  "version": 0.0,\n  "Resources": [\n    {"TargetService": }\n  ]\n}\n'

    with pytest.raises(AppSpecInvalid) as caught:
        render_spec(text, path="deploy/appspec.json")

    assert caught.value.message.startswith(
        "deploy/appspec.json: invalid JSON at line 4 column 23: Expecting value"
    )


def test_given_json_text_in_a_yaml_named_file_when_invalid_then_json_error_is_reported() -> None:
    with pytest.raises(AppSpecInvalid, match=r"^appspec.yaml: invalid JSON at line 1"):
        render_spec('{"version": 0.0,}')


def test_given_a_yaml_key_twice_when_rendering_then_error_names_key_and_line() -> None:
    text = "version: 0.0\nHooks: []\nResources: []\nHooks: []\n"

    with pytest.raises(AppSpecInvalid) as caught:
        render_spec(text)

    assert caught.value.message == (
        "appspec.yaml: key 'Hooks' appears twice in the same mapping (line 4 column 1)"
    )


def test_given_an_unhashable_yaml_key_when_rendering_then_error_is_typed() -> None:
    with pytest.raises(AppSpecInvalid, match=r"^appspec.yaml: invalid YAML at line \d+"):
        render_spec("? [a, b]\n: c\n")


AppSpecCase = tuple[Callable[[dict[str, Any]], Any], tuple[str, ...]]


def _props(**overrides: Any) -> Callable[[dict[str, Any]], Any]:
    def mutate(document: dict[str, Any]) -> Any:
        properties = document["Resources"][0]["TargetService"]["Properties"]
        for key, value in overrides.items():
            if value is None:
                properties.pop(key, None)
            else:
                properties[key] = value
        return document

    return mutate


def _top(**overrides: Any) -> Callable[[dict[str, Any]], Any]:
    def mutate(document: dict[str, Any]) -> Any:
        for key, value in overrides.items():
            if value is None:
                document.pop(key, None)
            else:
                document[key] = value
        return document

    return mutate


def _service(**overrides: Any) -> Callable[[dict[str, Any]], Any]:
    def mutate(document: dict[str, Any]) -> Any:
        service = document["Resources"][0]["TargetService"]
        for key, value in overrides.items():
            if value is None:
                service.pop(key, None)
            else:
                service[key] = value
        return document

    return mutate


def _lbi(**overrides: Any) -> Callable[[dict[str, Any]], Any]:
    info = {"ContainerName": "hello-aws", "ContainerPort": 8080, **overrides}
    return _props(LoadBalancerInfo={k: v for k, v in info.items() if v is not None})


def _vpc(**config: Any) -> Callable[[dict[str, Any]], Any]:
    return _props(NetworkConfiguration={"AwsvpcConfiguration": config})


def _capacity(*items: Any) -> Callable[[dict[str, Any]], Any]:
    return _props(CapacityProviderStrategy=list(items))


P = "Resources[0].TargetService.Properties"
APPSPEC_ERRORS: dict[str, AppSpecCase] = {
    "top_level_list": (lambda d: [d], ("top level must be a mapping", "a list")),
    "unknown_top_key": (
        _top(files=[]),
        ("the top level has unknown key 'files'", "version, Resources, Hooks"),
    ),
    "lowercase_resources": (
        lambda d: {"version": 0.0, "resources": d["Resources"]},
        ("has 'resources'; the ECS AppSpec spells it 'Resources'",),
    ),
    "no_version": (_top(version=None), ("the top level has no 'version'",)),
    "wrong_version": (_top(version=1.0), ("'version' must be 0.0, got 1.0",)),
    "bool_version": (_top(version=False), ("'version' must be 0.0, got False",)),
    "no_resources": (_top(Resources=None), ("the top level has no 'Resources'",)),
    "resources_not_list": (
        _top(Resources={"TargetService": {}}),
        ("'Resources' must be a list of exactly one AWS::ECS::Service",),
    ),
    "two_resources": (
        lambda d: {**d, "Resources": d["Resources"] * 2},
        ("'Resources' must be a list of exactly one",),
    ),
    "resource_two_keys": (
        lambda d: {**d, "Resources": [{"A": {}, "B": {}}]},
        ("Resources[0] must be one 'Name: {Type, Properties}' entry",),
    ),
    "resource_body_not_mapping": (
        lambda d: {**d, "Resources": [{"TargetService": "svc"}]},
        ("Resources[0].TargetService must be a mapping, not a string",),
    ),
    "no_type": (_service(Type=None), ("Resources[0].TargetService has no 'Type'",)),
    "lambda_type": (
        _service(Type="AWS::Lambda::Function"),
        ("Type must be 'AWS::ECS::Service', got 'AWS::Lambda::Function'",),
    ),
    "lowercase_properties": (
        lambda d: {
            **d,
            "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "properties": {}}}],
        },
        ("has 'properties'; the ECS AppSpec spells it 'Properties'",),
    ),
    "no_properties": (
        _service(Properties=None),
        ("Resources[0].TargetService has no 'Properties'",),
    ),
    "properties_not_mapping": (
        _service(Properties=[]),
        (f"{P} must be a mapping, not a list",),
    ),
    "unknown_property": (
        _props(DeploymentConfig="x"),
        (f"{P} has unknown key 'DeploymentConfig'",),
    ),
    "no_load_balancer_info": (
        _props(LoadBalancerInfo=None),
        (f"{P} has no 'LoadBalancerInfo'",),
    ),
    "load_balancer_info_not_mapping": (
        _props(LoadBalancerInfo="hello-aws:8080"),
        (f"{P}.LoadBalancerInfo must be a mapping, not a string",),
    ),
    "unknown_container": (
        _lbi(ContainerName="web"),
        (f"{P}.LoadBalancerInfo.ContainerName is 'web'", "the containers are ['hello-aws']"),
    ),
    "no_container_name": (
        _lbi(ContainerName=None),
        (f"{P}.LoadBalancerInfo has no 'ContainerName'",),
    ),
    "wrong_port": (
        _lbi(ContainerPort=80),
        (
            f"{P}.LoadBalancerInfo.ContainerPort is 80",
            "container 'hello-aws' maps containerPorts [8080]",
        ),
    ),
    "string_port": (
        _lbi(ContainerPort="8080"),
        (
            f"{P}.LoadBalancerInfo.ContainerPort is the string '8080', but it must be a number",
            "write ContainerPort: 8080 (no quotes)",
        ),
    ),
    "blank_string_port": (
        _lbi(ContainerPort=" "),
        ("ContainerPort is the string ' ', but it must be a number such as 8080",),
    ),
    "no_port": (_lbi(ContainerPort=None), (f"{P}.LoadBalancerInfo has no 'ContainerPort'",)),
    "platform_not_string": (
        _props(PlatformVersion=1.4),
        (f"{P}.PlatformVersion must be a string", "got 1.4"),
    ),
    "network_not_mapping": (
        _props(NetworkConfiguration=[]),
        (f"{P}.NetworkConfiguration must be a mapping, not a list",),
    ),
    "network_without_awsvpc": (
        _props(NetworkConfiguration={}),
        (f"{P}.NetworkConfiguration has no 'AwsvpcConfiguration'",),
    ),
    "awsvpc_not_mapping": (
        _props(NetworkConfiguration={"AwsvpcConfiguration": "subnet-1"}),
        ("AwsvpcConfiguration must be a mapping, not a string",),
    ),
    "subnets_not_list": (
        _vpc(Subnets="subnet-0a1b2c3d"),
        ("AwsvpcConfiguration.Subnets must be a list of ids, got 'subnet-0a1b2c3d'",),
    ),
    "security_group_empty_id": (
        _vpc(Subnets=["subnet-1"], SecurityGroups=[""]),
        ("AwsvpcConfiguration.SecurityGroups must be a list of ids",),
    ),
    "no_subnets": (
        _vpc(SecurityGroups=["sg-1"]),
        ("AwsvpcConfiguration.Subnets must list at least one subnet id",),
    ),
    "assign_public_ip_bool": (
        _vpc(Subnets=["subnet-1"], AssignPublicIp=True),
        ("AssignPublicIp must be ENABLED or DISABLED, got True",),
    ),
    "awsvpc_lowercase": (
        _vpc(subnets=["subnet-1"]),
        ("has 'subnets'; the ECS AppSpec spells it 'Subnets'",),
    ),
    "capacity_empty": (
        _capacity(),
        (f"{P}.CapacityProviderStrategy must be a non-empty list, got []",),
    ),
    "capacity_item_not_mapping": (
        _capacity("FARGATE"),
        (f"{P}.CapacityProviderStrategy[0] must be a mapping, not a string",),
    ),
    "capacity_no_provider": (
        _capacity({"Weight": 1}),
        (f"{P}.CapacityProviderStrategy[0] has no 'CapacityProvider'",),
    ),
    "capacity_provider_empty": (
        _capacity({"CapacityProvider": ""}),
        ("CapacityProviderStrategy[0].CapacityProvider must be a name, got ''",),
    ),
    "capacity_negative_base": (
        _capacity({"CapacityProvider": "FARGATE"}, {"CapacityProvider": "X", "Base": -1}),
        ("CapacityProviderStrategy[1].Base must be a non-negative integer, got -1",),
    ),
    "capacity_string_weight": (
        _capacity({"CapacityProvider": "FARGATE", "Weight": "1"}),
        ("CapacityProviderStrategy[0].Weight must be a non-negative integer, got '1'",),
    ),
    "hooks_not_list": (
        _top(Hooks={"BeforeInstall": "fn"}),
        ("'Hooks' must be a list of 'EventName: FunctionName' entries, not an object",),
    ),
    "hook_two_keys": (
        _top(Hooks=[{"BeforeInstall": "a", "AfterInstall": "b"}]),
        ("Hooks[0] must be one 'EventName: FunctionName' entry",),
    ),
    "hook_ec2_event": (
        _top(Hooks=[{"BeforeInstall": "a"}, {"ApplicationStart": "b"}]),
        ("Hooks[1] has event 'ApplicationStart'", "'AfterAllowTestTraffic'"),
    ),
    "hook_no_function": (
        _top(Hooks=[{"BeforeAllowTraffic": None}]),
        ("Hooks[0].BeforeAllowTraffic must be a Lambda function name or ARN, got None",),
    ),
    "hook_twice": (
        _top(Hooks=[{"BeforeInstall": "a"}, {"BeforeInstall": "b"}]),
        ("Hooks[1]: event 'BeforeInstall' is hooked twice",),
    ),
}


@pytest.mark.parametrize("case", sorted(APPSPEC_ERRORS))
def test_given_invalid_appspec_when_rendering_then_appspec_invalid_names_the_field(
    case: str,
) -> None:
    mutate, fragments = APPSPEC_ERRORS[case]
    document = mutate(copy.deepcopy(minimal_appspec()))

    with pytest.raises(AppSpecInvalid) as caught:
        render_spec(json.dumps(document))

    assert caught.value.message.startswith("appspec.yaml: ")
    for fragment in fragments:
        assert fragment in caught.value.message


def test_given_container_without_ports_when_appspec_points_at_it_then_error_says_so() -> None:
    taskdef = render(
        minimal_taskdef(
            containerDefinitions=[
                {
                    "name": "hello-aws",
                    "image": "<IMAGE>",
                    "portMappings": [{"containerPort": 8080}],
                },
                {"name": "worker", "image": "nginx:1.27"},
            ]
        )
    )
    document = minimal_appspec(LoadBalancerInfo={"ContainerName": "worker", "ContainerPort": 8080})

    with pytest.raises(AppSpecInvalid, match="container 'worker' has no portMappings"):
        render_appspec(
            json.dumps(document),
            task_definition_arn=TASKDEF_ARN,
            taskdef=taskdef,
            gate_hook_function=GATE,
        )


@pytest.mark.parametrize("text", ["", "# only a comment\n", "null"])
def test_given_an_empty_appspec_when_rendering_then_error_says_it_is_empty(text: str) -> None:
    with pytest.raises(AppSpecInvalid, match=r"^appspec.yaml: is empty$"):
        render_spec(text)


@pytest.mark.parametrize(
    ("arn", "gate", "fragment"),
    [
        (" ", GATE, "the task definition ARN to put in is empty"),
        (TASKDEF_ARN, "", "the gate hook function (for AfterAllowTraffic) is empty"),
    ],
)
def test_given_empty_arn_or_gate_when_rendering_appspec_then_config_error(
    arn: str, gate: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        render_appspec(
            fixture_text("appspec.yaml"),
            task_definition_arn=arn,
            taskdef=render(minimal_taskdef()),
            gate_hook_function=gate,
        )

    assert caught.value.message == f"appspec.yaml: {fragment}"
