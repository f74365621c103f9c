"""functions/render: what a real client and ECS refuse at RegisterTaskDefinition becomes the typed
TaskDefinitionInvalid naming the file and the field; console nulls never reach the client."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.handlers.conftest import (
    CLUSTER,
    SERVICE,
    World,
    attempt,
    client_error,
    fixture_text,
)
from turnout.adapters.ecs import Ecs
from turnout.deps import Deps
from turnout.errors import TaskDefinitionInvalid
from turnout.observability import logger


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged() -> Iterator[list[logging.LogRecord]]:
    """The records turnout's logger emits during the test."""
    recorder = Recorder()
    logger.addHandler(recorder)
    try:
        yield recorder.records
    finally:
        logger.handlers.remove(recorder)


@dataclass
class RefusingEcsClient:
    """register_task_definition answers ``error`` as ECS does; every call is recorded."""

    error: ClientError
    calls: list[dict[str, Any]] = field(default_factory=list)

    def register_task_definition(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        raise self.error


def _taskdef(**fields: Any) -> str:
    document = json.loads(fixture_text("taskdef_console.json"))
    document.update(fields)
    return json.dumps(document)


def _with_ecs(world: World, client: Any) -> Deps:
    return dataclasses.replace(world.deps, ecs=Ecs(CLUSTER, SERVICE, client))


def test_given_a_taskdef_botocore_refuses_when_rendering_then_taskdef_invalid_names_file_and_field(
    world: World,
) -> None:
    world.sources(taskdef=_taskdef(cpu=256, memory=512))

    with pytest.raises(TaskDefinitionInvalid) as caught:
        world.call("render", {"attempt": attempt()})

    message = caught.value.message
    assert message.startswith(
        "taskdef.json: botocore refuses the RegisterTaskDefinition request (cpu, memory): "
        "Invalid type for parameter cpu, value: 256, type: <class 'int'>, valid types: "
        "<class 'str'>; Invalid type for parameter memory, value: 512"
    )
    assert world.task_definitions() == []


@pytest.mark.parametrize("code", ["ClientException", "InvalidParameterException"])
def test_given_ecs_refuses_the_taskdef_when_rendering_then_taskdef_invalid_carries_its_reason(
    world: World, code: str
) -> None:
    world.sources()
    reason = "Fargate requires task definition to have execution role ARN to support ECR images."
    ecs = RefusingEcsClient(client_error(code, reason, "RegisterTaskDefinition"))

    with pytest.raises(TaskDefinitionInvalid) as caught:
        world.call("render", {"attempt": attempt()}, deps=_with_ecs(world, ecs))

    assert caught.value.message == (
        f"taskdef.json: ECS RegisterTaskDefinition refused it ({code}): {reason}"
    )
    assert len(ecs.calls) == 1


def test_given_ecs_throttles_when_rendering_then_the_client_error_is_not_blamed_on_the_file(
    world: World,
) -> None:
    world.sources()
    ecs = RefusingEcsClient(
        client_error("ThrottlingException", "Rate exceeded", "RegisterTaskDefinition")
    )

    with pytest.raises(ClientError) as caught:
        world.call("render", {"attempt": attempt()}, deps=_with_ecs(world, ecs))

    assert not isinstance(caught.value, TaskDefinitionInvalid)
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"


def test_given_console_nulls_when_rendering_then_they_are_dropped_logged_and_the_rest_registered(
    world: World, logged: list[logging.LogRecord]
) -> None:
    document = json.loads(fixture_text("taskdef_console.json"))
    document.update(ipcMode=None, pidMode=None, proxyConfiguration=None)
    document["containerDefinitions"][0].update(memoryReservation=None, links=None)
    world.sources(taskdef=json.dumps(document))

    result = world.call("render", {"attempt": attempt()})

    assert world.task_definitions() == [result["taskDefinitionArn"]]
    dropped = [r for r in logged if r.getMessage() == "null task definition fields dropped"]
    assert [(r.__dict__["fields"], r.__dict__["file"]) for r in dropped] == [
        (
            [
                "containerDefinitions[0].memoryReservation",
                "containerDefinitions[0].links",
                "ipcMode",
                "pidMode",
                "proxyConfiguration",
            ],
            "taskdef.json",
        )
    ]
