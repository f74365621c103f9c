"""Bounded inputs (security-review row 5): size caps before parsing, YAML aliases refused, the
rendered AppSpec and every message far below the Step Functions state quota (256 KiB), so a
file can no longer fail an execution outside its Catch (States.DataLimitExceeded) and wedge
the service's slot."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from tests.unit.test_policy import APPSPEC
from turnout.appspec import render_appspec
from turnout.errors import AppSpecInvalid, TaskDefinitionInvalid
from turnout.render import RenderedTaskDefinition, render_task_definition
from turnout.textfiles import (
    MAX_APPSPEC_BYTES,
    MAX_MESSAGE_CHARS,
    MAX_RENDERED_APPSPEC_BYTES,
    MAX_TASKDEF_BYTES,
)

BUILT = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/ecr-hello-aws@sha256:" + "0" * 64
#: Step Functions service quotas: maximum input or output size of a task, state or execution.
STATE_QUOTA = 256 * 1024
TASKDEF = {
    "family": "hello",
    "containerDefinitions": [
        {"name": "web", "image": "<IMAGE>", "portMappings": [{"containerPort": 8080}]}
    ],
}


def alias_bomb() -> str:
    """The review's shape: 4 KB of YAML that PyYAML expands to 1 MB of JSON. One 1 KiB subnet
    id anchored, then aliased a thousand times (each alias costs 3 bytes)."""
    aliases = ",".join(["*s"] * 1000)
    return APPSPEC + (
        "        NetworkConfiguration:\n"
        "          AwsvpcConfiguration:\n"
        f"            SecurityGroups: [&s subnet-{'a' * 1017}]\n"
        f"            Subnets: [{aliases}]\n"
    )


def taskdef() -> RenderedTaskDefinition:
    return render_task_definition(json.dumps(TASKDEF), {"IMAGE": BUILT})


def appspec(text: str) -> Any:
    return render_appspec(
        text, task_definition_arn="arn:td", taskdef=taskdef(), gate_hook_function="gate"
    )


def test_given_the_reviews_alias_bomb_when_plain_yaml_reads_it_then_it_exceeds_the_quota() -> None:
    bomb = alias_bomb()

    expanded = json.dumps(yaml.safe_load(bomb))

    assert len(bomb) < 5 * 1024 < MAX_APPSPEC_BYTES
    assert len(expanded) > 1000 * 1000 > STATE_QUOTA


def test_given_the_reviews_alias_bomb_when_rendering_then_the_alias_is_refused_naming_it() -> None:
    with pytest.raises(AppSpecInvalid) as caught:
        appspec(alias_bomb())

    assert caught.value.message == (
        "appspec.yaml: the alias *s at line 13 column 23: turnout reads no YAML aliases "
        "(write the value itself)"
    )


def test_given_a_merge_key_alias_when_rendering_then_it_is_refused_too() -> None:
    text = (
        "base: &base {Type: AWS::ECS::Service}\n"
        "version: 0.0\n"
        "Resources:\n  - TargetService:\n      <<: *base\n"
    )

    with pytest.raises(AppSpecInvalid, match=r"the alias \*base at line 5"):
        appspec(text)


def test_given_an_appspec_over_its_cap_when_rendering_then_refused_before_parsing() -> None:
    text = APPSPEC + "# " + "x" * MAX_APPSPEC_BYTES + "\n"

    with pytest.raises(AppSpecInvalid) as caught:
        appspec(text)

    assert caught.value.message == (
        f"appspec.yaml: is {len(text)} bytes; turnout reads at most 16 KiB of it (16384 bytes)"
    )


def test_given_an_appspec_at_its_cap_when_rendering_then_it_renders() -> None:
    text = APPSPEC + "#" * (MAX_APPSPEC_BYTES - len(APPSPEC) - 1) + "\n"
    assert len(text.encode()) == MAX_APPSPEC_BYTES

    assert appspec(text).container_name == "web"


def test_given_a_taskdef_over_its_cap_counted_in_utf8_when_rendering_then_refused() -> None:
    document = dict(TASKDEF, tags=[{"key": "note", "value": "é" * (MAX_TASKDEF_BYTES // 2)}])
    text = json.dumps(document, ensure_ascii=False)
    assert len(text) < MAX_TASKDEF_BYTES < len(text.encode())

    with pytest.raises(
        TaskDefinitionInvalid, match=r"^taskdef\.json: is \d+ bytes; turnout reads at most 64 KiB"
    ):
        render_task_definition(text, {"IMAGE": BUILT})


def test_given_an_appspec_that_renders_over_its_cap_when_rendering_then_refused() -> None:
    # Non-ASCII grows in JSON (json.dumps writes \\ud83d\\ude00 for a 4-byte character).
    text = APPSPEC + f'        PlatformVersion: "{chr(0x1F600) * 4000}"\n'
    assert len(text.encode()) <= MAX_APPSPEC_BYTES

    with pytest.raises(AppSpecInvalid) as caught:
        appspec(text)

    assert caught.value.message.startswith("appspec.yaml: renders to ")
    assert caught.value.message.endswith(
        f"bytes of JSON; turnout passes at most 32 KiB ({MAX_RENDERED_APPSPEC_BYTES} bytes) to "
        "CodeDeploy through the state machine"
    )


@pytest.mark.parametrize(
    ("render", "error"),
    [
        (lambda: appspec("[" * 7_000 + "]" * 7_000), AppSpecInvalid),
        (lambda: render_task_definition("[" * 30_000 + "]" * 30_000, {}), TaskDefinitionInvalid),
    ],
    ids=["yaml", "json"],
)
def test_given_deep_nesting_within_the_cap_when_rendering_then_a_typed_error_not_recursion(
    render: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match="is nested too deeply to read"):
        render()


def test_given_a_huge_value_quoted_in_a_message_when_rendering_then_the_message_is_clipped() -> (
    None
):
    text = json.dumps(dict(TASKDEF, family="f" * 60_000))

    with pytest.raises(TaskDefinitionInvalid) as caught:
        render_task_definition(text, {"IMAGE": BUILT})

    message = caught.value.message
    assert len(message) <= MAX_MESSAGE_CHARS
    assert message.startswith("taskdef.json: 'family' is 'ffff")
    assert message.endswith(" more characters)")


def test_given_the_largest_appspec_when_rendered_then_the_render_result_is_far_below_the_quota() -> (
    None
):
    text = APPSPEC + f'        PlatformVersion: "{"v" * (MAX_APPSPEC_BYTES - len(APPSPEC) - 40)}"\n'

    content = appspec(text).content

    assert len(content) <= MAX_RENDERED_APPSPEC_BYTES <= STATE_QUOTA // 8
