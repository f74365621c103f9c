"""A stack's template body read as CloudFormation reads it: JSON as JSON, YAML as YAML."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.patch_state import patch_state
from turnout_sandbox.emulators import cloudformation

_TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"Name": {"Type": "String", "Default": "1e3"}},
    "Resources": {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "Name"}}}
    },
    "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Topic", "TopicArn"]}}},
}


@pytest.fixture
def patched() -> Iterator[None]:
    with patch_state(cloudformation._STACK_PARSE, applied=True):
        yield


def _parse(text: str) -> dict[str, object]:
    from moto.cloudformation.models import Stack

    parsed: dict[str, object] = Stack.parse_template(text)
    return parsed


def test_given_a_json_body_when_parsed_then_it_is_the_json_document(patched: None) -> None:
    assert _parse(json.dumps(_TEMPLATE)) == _TEMPLATE


def test_given_a_json_body_when_parsed_then_moto_reads_the_same_document(patched: None) -> None:
    body = json.dumps(_TEMPLATE, indent=2)
    assert _parse(body) == cloudformation._STACK_PARSE.original(body)


def test_given_a_yaml_body_with_short_tags_when_parsed_then_moto_reads_it(
    patched: None,
) -> None:
    body = (
        "Resources:\n"
        "  Topic:\n"
        "    Type: AWS::SNS::Topic\n"
        "    Properties:\n"
        "      TopicName: !Ref Name\n"
    )
    assert _parse(body)["Resources"] == {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "Name"}}}
    }


def test_given_a_yaml_flow_mapping_when_parsed_then_it_is_read_as_yaml(patched: None) -> None:
    body = "{Resources: {Topic: {Type: 'AWS::SNS::Topic'}}}"
    assert _parse(body) == {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
