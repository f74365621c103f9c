"""functions/render with real users' files (shared/corpus/realworld) committed at their own paths:
the pairs that render go all the way to RegisterTaskDefinition (moto, behind botocore's own
client-side validation); a pair refused is refused before anything is registered."""

from __future__ import annotations

import json

import pytest

from tests.integration.handlers.conftest import COMMIT, World, attempt
from tests.realworld_corpus import CorpusFile, corpus_files, require_corpus
from turnout.errors import AppSpecInvalid, TaskDefinitionInvalid

#: (task definition, AppSpec) of one repository, both as they stand.
RENDERING_PAIRS = [
    ("taskdef/AI-Joe__realworld__taskdef.json", "appspec/AI-Joe__realworld__appspec.yaml"),
    (
        "taskdef/2or3__php8-application__task_definition.json",
        "appspec/2or3__php8-application__appspec.yaml",
    ),
    ("taskdef/AmalgamIO__ecs-test__taskdef.json", "appspec/AmalgamIO__ecs-test__appspec.yaml"),
    (
        "taskdef/Aton-Kish__ecs-blue-green-deployment__codedeploy_taskdef.json",
        "appspec/Aton-Kish__ecs-blue-green-deployment__codedeploy_appspec.yaml",
    ),
    (
        "taskdef/shgtkshruch__nuxt-ecs-sample__deploy_taskdef.json",
        "appspec/shgtkshruch__nuxt-ecs-sample__deploy_appspec.yml",
    ),
]


def _file(name: str) -> CorpusFile:
    require_corpus()
    return corpus_files()[name]


def _commit(world: World, taskdef: CorpusFile, appspec: CorpusFile) -> None:
    world.codecommit.add_commit(
        {taskdef.path: taskdef.text(), appspec.path: appspec.text()}, commit_id=COMMIT
    )


@pytest.mark.parametrize(("taskdef_name", "appspec_name"), RENDERING_PAIRS)
def test_given_a_real_pair_at_its_own_paths_when_rendering_then_the_pinned_taskdef_is_registered(
    world: World, taskdef_name: str, appspec_name: str
) -> None:
    taskdef, appspec = _file(taskdef_name), _file(appspec_name)
    _commit(world, taskdef, appspec)
    deps = world.with_config(TASKDEF_PATH=taskdef.path, APPSPEC_PATH=appspec.path)

    result = world.call("render", {"attempt": attempt()}, deps=deps)

    assert world.task_definitions() == [result["taskDefinitionArn"]]
    registered = world.ecs.describe_task_definition(taskDefinition=result["taskDefinitionArn"])
    images = {c["name"]: c["image"] for c in registered["taskDefinition"]["containerDefinitions"]}
    assert images[result["containerName"]] == attempt()["imageUri"]
    content = json.loads(result["appSpecContent"])
    ((_, body),) = content["Resources"][0].items()
    assert body["Properties"]["TaskDefinition"] == result["taskDefinitionArn"]


def test_given_the_console_json_with_nulls_when_rendering_then_registered_without_them(
    world: World,
) -> None:
    taskdef, appspec = _file(RENDERING_PAIRS[0][0]), _file(RENDERING_PAIRS[0][1])
    assert '"ipcMode": null' in taskdef.text()
    _commit(world, taskdef, appspec)
    deps = world.with_config(TASKDEF_PATH=taskdef.path, APPSPEC_PATH=appspec.path)

    result = world.call("render", {"attempt": attempt()}, deps=deps)

    registered = world.ecs.describe_task_definition(taskDefinition=result["taskDefinitionArn"])
    assert "ipcMode" not in registered["taskDefinition"]
    assert set(result["droppedFields"]) == {
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
    }


@pytest.mark.parametrize(
    ("taskdef_name", "appspec_name", "error", "fragment"),
    [
        (
            "taskdef/58pom__cloudtech-reservation-api__taskdef.json",
            "appspec/58pom__cloudtech-reservation-api__appspec.yml",
            AppSpecInvalid,
            "appspec.yml: Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerPort "
            "is the string '80', but it must be a number: write ContainerPort: 80 (no quotes)",
        ),
        (
            "taskdef/javydekoning__aws-devops-demo__ecs_taskdef.json",
            "appspec/javydekoning__aws-devops-demo__ecs_appspec.yml",
            TaskDefinitionInvalid,
            "ecs/taskdef.json: 'family' is '{{ECR_REPO}}-taskdefinition'",
        ),
    ],
    ids=["quoted-container-port", "sed-templated-family"],
)
def test_given_a_real_pair_refused_when_rendering_then_typed_error_and_nothing_registered(
    world: World,
    taskdef_name: str,
    appspec_name: str,
    error: type[Exception],
    fragment: str,
) -> None:
    taskdef, appspec = _file(taskdef_name), _file(appspec_name)
    _commit(world, taskdef, appspec)
    deps = world.with_config(TASKDEF_PATH=taskdef.path, APPSPEC_PATH=appspec.path)

    with pytest.raises(error) as caught:
        world.call("render", {"attempt": attempt()}, deps=deps)

    assert fragment in str(caught.value)
    assert world.task_definitions() == []
