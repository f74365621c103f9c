"""The pinned SAR snapshot answers what the engine asks of it."""

from __future__ import annotations

import re

import pytest

from turnout_sandbox.iam import dataset


def test_given_an_action_in_any_case_when_looked_up_then_the_sar_entry_is_returned() -> None:
    info = dataset.action_info("ECS:registertaskdefinition")
    assert info.action == "ecs:RegisterTaskDefinition"
    assert info.resource_type("task-definition").required is True
    assert "aws:RequestTag/${TagKey}" in info.condition_keys


def test_given_tag_resource_when_looked_up_then_it_carries_ecs_create_action() -> None:
    # ECS Developer Guide, "Grant permission to tag resources on creation": ecs:CreateAction.
    info = dataset.action_info("ecs:TagResource")
    assert "ecs:CreateAction" in info.condition_keys
    assert info.resource_type("task-definition").required is False


def test_given_an_action_without_resource_types_when_looked_up_then_it_has_none() -> None:
    assert dataset.action_info("states:SendTaskSuccess").resource_types == ()


def test_given_an_unknown_action_or_prefix_when_looked_up_then_it_is_refused() -> None:
    with pytest.raises(dataset.UnknownActionError):
        dataset.action_info("ecs:NoSuchThing")
    with pytest.raises(dataset.UnknownActionError):
        dataset.action_info("nosuchservice:Get")
    with pytest.raises(dataset.UnknownActionError):
        dataset.action_info("ecs:TagResource").resource_type("bucket")
    with pytest.raises(dataset.UnknownActionError):
        dataset.arn_format("ecs", "bucket")


def test_given_a_resource_type_when_its_arn_format_is_read_then_it_has_placeholders() -> None:
    assert dataset.arn_format("ecs", "task-definition") == (
        "arn:${Partition}:ecs:${Region}:${Account}:task-definition/"
        "${TaskDefinitionFamilyName}:${TaskDefinitionRevisionNumber}"
    )


def test_given_the_pin_when_the_version_is_read_then_it_is_a_dated_snapshot() -> None:
    assert re.fullmatch(r"0\.1\.20\d{6}\d*", dataset.data_version())
