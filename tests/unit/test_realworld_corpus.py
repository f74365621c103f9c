"""Every real user's task definition and AppSpec in the corpus (shared/corpus/realworld) through
turnout's renderer, and each rendered RegisterTaskDefinition request through botocore's own
validator with the ECS service model: exactly what a real client would refuse.

Each file is classified below: it renders (and botocore accepts the request), or it is refused
with a typed error whose message names the file and the field. A file added to the corpus
fails the coverage test until it is classified here.

Two passes over the task definitions:

* as the file stands, with the images turnout passes (``<IMAGE>``/``<IMAGE1_NAME>``);
* mended as turnout's message says: the AppSpec's container (else the first) gets ``<IMAGE>``
  and any other ``<PLACEHOLDER>`` (or image holding a template value) a value in ExtraImages. What is still refused then is what
  AWS itself refuses.

Then the policy (turnout.policy) over every file that renders, with the stack its operator would
set up for it: its own family and roles, every other parameter at its default (no secrets, no
images but the built one and ExtraImages, no hooks). What it refuses, and why, is classified in
POLICY_TASKDEFS / POLICY_APPSPECS: nothing in the corpus asks for host privileges, another
role, family or network; what it refuses are secrets (until SecretArnPrefixes is set), images by
tag from other repositories, and one custom hook.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import botocore.session
import botocore.validate
import pytest
import yaml

from tests.realworld_corpus import CorpusFile, corpus_files, require_corpus
from turnout.appspec import RenderedAppSpec, render_appspec
from turnout.errors import AppSpecInvalid, PlaceholderMissing, TaskDefinitionInvalid, TurnoutError
from turnout.policy import (
    PolicySettings,
    Refusal,
    ServiceView,
    appspec_refusals,
    taskdef_refusals,
)
from turnout.render import (
    RenderedTaskDefinition,
    render_task_definition,
)

BUILT = (
    "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/ecr-hello-aws"
    "@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)
EXTRA = (
    "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/ecr-hello-sidecar"
    "@sha256:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
)
BUILT_KEYS = {"IMAGE": BUILT, "IMAGE1_NAME": BUILT}
ARN = "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/corpus:1"
GATE = "turnout-gate-hook"
COUNTS = {"taskdef": 29, "appspec": 26, "buildspec": 11}

#: None: renders, and botocore accepts the request. Otherwise (error, what the message says).
Expected = tuple[type[TurnoutError], tuple[str, ...]] | None

RENDERS: Expected = None
NO_BUILT = "no container image is '<IMAGE>' or '<IMAGE1_NAME>'; put one of them where the built"
IMAGE_NAME = (
    "no value was given for placeholder 'IMAGE_NAME'",
    "write '<IMAGE>' (or '<IMAGE1_NAME>') for the built image instead",
    "ExtraImages parameter (IMAGE_NAME=<image URI>)",
)
ENV_FILES = (
    "unknown task definition field 'environmentFiles' (a container field: move it into each "
    "containerDefinitions[] entry that needs it)",
)
NAME_RULE = "ECS allows up to 255 letters, numbers, underscores and hyphens"
NOT_JSON = (
    "invalid JSON at line 45 column 38: Expecting value; <PORT> is a template value another "
    "tool fills in",
)

#: The task definitions as they stand (file under realworld/ -> outcome).
AS_IS: dict[str, Expected] = {
    "taskdef/2or3__php8-application__task_definition.json": RENDERS,
    "taskdef/58pom__cloudtech-reservation-api__taskdef.json": RENDERS,
    "taskdef/5hry__e-commerce-web-bluegreen-deploy__taskdef.json": (PlaceholderMissing, IMAGE_NAME),
    "taskdef/AI-Joe__realworld__taskdef.json": RENDERS,
    "taskdef/AKAICH00__r-image-magic__apps_api_ecs_task-definition.json": (
        PlaceholderMissing,
        (NO_BUILT, "another tool's template values (__IMAGE__)"),
    ),
    "taskdef/ASE-SpaghettiCode__Plan2Go__taskdef.json": (
        PlaceholderMissing,
        (NO_BUILT, "'UserServer': 'plan2go/user_server:latest'"),
    ),
    "taskdef/Abdelali12-codes__aws_ecs_blue_green_lambda_hooks__taskdef.json": (
        PlaceholderMissing,
        IMAGE_NAME,
    ),
    "taskdef/Achroma-inc__my-laravel-app__taskdef.json": (
        PlaceholderMissing,
        (
            "no value was given for placeholder 'IMAGE_NGINX', 'IMAGE_PHP' (container 'nginx' "
            "has image '<IMAGE_NGINX>', container 'php' has image '<IMAGE_PHP>')",
            "(IMAGE_NGINX=<image URI>,IMAGE_PHP=<image URI>)",
        ),
    ),
    "taskdef/AleksandarCvjetic__aws-ecs-pipeline-with-blue-green-deployment__taskdef.json": (
        PlaceholderMissing,
        (NO_BUILT,),
    ),
    "taskdef/AmalgamIO__ecs-test__taskdef.json": RENDERS,
    "taskdef/Arya-0011__aws-ecs-codepipeline__taskdef-prod.json": (PlaceholderMissing, IMAGE_NAME),
    "taskdef/Aton-Kish__ecs-blue-green-deployment__codedeploy_taskdef.json": RENDERS,
    "taskdef/Bolius__samlesiden__.aws_task-definition.json": (PlaceholderMissing, (NO_BUILT,)),
    "taskdef/Kisanlink__farmers-module__infra_taskdef.json": (
        PlaceholderMissing,
        (NO_BUILT, "another tool's template values (<AWS_ACCOUNT_ID>, <AWS_REGION>)"),
    ),
    "taskdef/Mapping2024__Backend__ecs_eu_taskdef.json": (
        TaskDefinitionInvalid,
        (
            "containerDefinitions[0] ('mapping_backend') 'image' must be a non-empty string, "
            "got ''; write '<IMAGE>' where turnout puts the image it built",
        ),
    ),
    "taskdef/MedevaKnowledgeSystems__docker-jitsi-meet__task-definition.jvb.json": (
        TaskDefinitionInvalid,
        ENV_FILES,
    ),
    "taskdef/NikMir15__Cloud-Native-Microservices-Platform__ecs_taskdef.json": (
        PlaceholderMissing,
        (NO_BUILT,),
    ),
    "taskdef/ProjectRubyRing__Container_Compose_file__ecs_taskdef.json": (
        TaskDefinitionInvalid,
        ("'family' is '<APP_NAME>-<ENV>-task'", NAME_RULE, "<APP_NAME>, <ENV>"),
    ),
    "taskdef/StockMate-Hyundai__Backend-Order__ecs_taskdef.json": (PlaceholderMissing, (NO_BUILT,)),
    "taskdef/Takao-Yamasaki__sbcntr-basic__codedeploy_taskdef.json": RENDERS,
    "taskdef/aws-samples__amazon-ecs-firelens-examples__examples_fluent-bit_efs_task-definition.json": (
        PlaceholderMissing,
        (NO_BUILT, "'nginx': 'nginx'"),
    ),
    "taskdef/aws-samples__amazon-ecs-firelens-examples__examples_fluent-bit_parse-envoy-app-mesh_appmesh-firelens-colorteller-black-ecs-task-def.json": (
        PlaceholderMissing,
        (NO_BUILT,),
    ),
    "taskdef/cogini__phoenix_container_example_old__ecs_taskdef-otel.json": (
        TaskDefinitionInvalid,
        NOT_JSON,
    ),
    "taskdef/javydekoning__aws-devops-demo__ecs_taskdef.json": (
        TaskDefinitionInvalid,
        ("'family' is '{{ECR_REPO}}-taskdefinition'", NAME_RULE, "{{ECR_REPO}}"),
    ),
    "taskdef/mayeeyelekeri__tradechamp__codedeploy_taskdef.json": RENDERS,
    "taskdef/shgtkshruch__nuxt-ecs-sample__deploy_taskdef.json": RENDERS,
    "taskdef/theonlymonica__bluegreen-ecs-fargate-examples__codedeploy_taskdef.json": (
        PlaceholderMissing,
        (NO_BUILT,),
    ),
    "taskdef/uma-arai__sbcntr-resources__cicd_taskdef.json": RENDERS,
    "taskdef/uma-arai__sbcntr-resources__firelens_taskdef_logrouter.json": (
        TaskDefinitionInvalid,
        (
            "containerDefinitions[1] ('log_router') image '[aws_account_id].dkr.ecr.",
            "is not an image reference (it holds another tool's template values: "
            "[aws_account_id]; turnout fills none)",
            "ExtraImages parameter (log_router=<image URI>)",
        ),
    ),
}

#: Mended as the message says; what is still refused here AWS refuses too. The template that is
#: not JSON (cogini's ``<PORT>``) cannot be mended by changing images, so it is not here.
MENDED: dict[str, Expected] = {
    **{name: RENDERS for name in AS_IS if "cogini__" not in name},
    "taskdef/MedevaKnowledgeSystems__docker-jitsi-meet__task-definition.jvb.json": (
        TaskDefinitionInvalid,
        ENV_FILES,
    ),
    "taskdef/ProjectRubyRing__Container_Compose_file__ecs_taskdef.json": (
        TaskDefinitionInvalid,
        ("'family' is '<APP_NAME>-<ENV>-task'", NAME_RULE),
    ),
    "taskdef/javydekoning__aws-devops-demo__ecs_taskdef.json": (
        TaskDefinitionInvalid,
        ("'family' is '{{ECR_REPO}}-taskdefinition'", NAME_RULE),
    ),
}

#: Every AppSpec, rendered against its repository's mended task definition (or, where the
#: repository has none that renders, one made from the AppSpec's own container and port).
LBI = "Resources[0].TargetService.Properties.LoadBalancerInfo"
QUOTED_80 = (
    f"{LBI}.ContainerPort is the string '80', but it must be a number: write ContainerPort: 80",
)
VERSION_1 = ("'version' must be 0.0, got 1",)
OWN_GATE_EVENT = ("but turnout runs its health gate on AfterAllowTraffic", "move that hook")
APPSPECS: dict[str, Expected] = {
    "appspec/2or3__php8-application__appspec.yaml": RENDERS,
    "appspec/58pom__cloudtech-reservation-api__appspec.yml": (AppSpecInvalid, QUOTED_80),
    "appspec/5hry__e-commerce-web-bluegreen-deploy__appspec.yaml": (AppSpecInvalid, QUOTED_80),
    "appspec/AI-Joe__realworld__appspec.yaml": RENDERS,
    "appspec/AQ-naoto-momose__LaravelHandsOn__appspec.yaml": RENDERS,
    "appspec/Abdelali12-codes__aws_ecs_blue_green_lambda_hooks__appspec.yaml": RENDERS,
    "appspec/AleksandarCvjetic__aws-ecs-pipeline-with-blue-green-deployment__appspec.yaml": (
        AppSpecInvalid,
        (f"{LBI}.ContainerPort is 8080, but container 'simple-node-app' maps containerPorts [80]",),
    ),
    "appspec/AmalgamIO__ecs-test__appspec.yaml": RENDERS,
    "appspec/Andrew-Chen-Wang__cookiecutter-django-ecs-github__appspec.json": (
        AppSpecInvalid,
        ("the top level has unknown key 'files'; expected version, Resources, Hooks",),
    ),
    "appspec/Andrew-Chen-Wang__cookiecutter-django-ecs-github__appspec.yaml": RENDERS,
    "appspec/Arya-0011__aws-ecs-codepipeline__appspec.yaml": RENDERS,
    "appspec/Aton-Kish__ecs-blue-green-deployment__codedeploy_appspec.yaml": RENDERS,
    "appspec/DevOps94-lk__fargate-bluegreen-expense-tracker__infra_templates_appspec.json": (
        AppSpecInvalid,
        (f"{LBI}.ContainerName is '<CONTAINER_NAME>', which is not a container",),
    ),
    "appspec/JasperJunghyunKim__paperware-papyrus-client-back__appspec.json": (
        AppSpecInvalid,
        (
            "Hooks has AfterAllowTraffic: 'LambdaFunctionToValidateAfterAllowingProductionTraffic'",
            *OWN_GATE_EVENT,
        ),
    ),
    "appspec/Kisanlink__farmers-module__infra_appspec.yaml": RENDERS,
    "appspec/MedevaKnowledgeSystems__docker-jitsi-meet__appspec.jvb.json": (
        AppSpecInvalid,
        VERSION_1,
    ),
    "appspec/RafaelFantinel__ecs-fargate-bluegreen-terraform__deploy_appspec.yaml": RENDERS,
    "appspec/Takao-Yamasaki__sbcntr-basic__codedeploy_appspec.yaml": (AppSpecInvalid, VERSION_1),
    "appspec/cogini__phoenix_container_example_old__ecs_appspec.yml": RENDERS,
    "appspec/dtphuc__terraform-ecs-blue-green-example__deployment_appspec_template.yaml": (
        AppSpecInvalid,
        (f"{LBI}.ContainerName is '$CONTAINER_NAME', which is not a container",),
    ),
    "appspec/haneenaboshakra__ecs-blue-green-deployment__iac_code-deploy_appspec.yml": (
        AppSpecInvalid,
        (f"{LBI}.ContainerName is ' ', which is not a container",),
    ),
    "appspec/javydekoning__aws-devops-demo__ecs_appspec.yml": (
        AppSpecInvalid,
        ("the top level has 'hooks'; the ECS AppSpec spells it 'Hooks'",),
    ),
    "appspec/mayeeyelekeri__tradechamp__codedeploy_appspec.yml": (
        AppSpecInvalid,
        ("Hooks has AfterAllowTraffic: 'AfterAllowTraffic'", *OWN_GATE_EVENT),
    ),
    "appspec/shgtkshruch__nuxt-ecs-sample__deploy_appspec.yml": RENDERS,
    "appspec/theonlymonica__bluegreen-ecs-fargate-examples__codedeploy_appspec.yaml": RENDERS,
    "appspec/uma-arai__sbcntr-resources__cicd_appspec.yaml": (AppSpecInvalid, VERSION_1),
}

#: The policy over what renders. None: nothing refused. Otherwise every refusal's rule, and
#: fragments of the message.
PolicyExpected = tuple[frozenset[str], tuple[str, ...]] | None
SECRETS = frozenset({"secrets"})
IMAGES = frozenset({"images"})
NOT_UNDER = "not under SecretArnPrefixes (none)"
BY_TAG = "not pinned by digest (name@sha256:<64 hex>)"
POLICY_TASKDEFS: dict[str, PolicyExpected] = {
    **{name: None for name, outcome in MENDED.items() if outcome is None},
    "taskdef/AKAICH00__r-image-magic__apps_api_ecs_task-definition.json": (
        SECRETS,
        (
            "secrets[0].valueFrom is '__DATABASE_URL_SECRET_ARN__', " + NOT_UNDER,
            "repositoryCredentials.credentialsParameter is '__GHCR_SECRET_ARN__', " + NOT_UNDER,
        ),
    ),
    "taskdef/ASE-SpaghettiCode__Plan2Go__taskdef.json": (
        IMAGES,
        (
            "containerDefinitions[2] ('UserServer').image is 'plan2go/user_server:latest', "
            + BY_TAG,
        ),
    ),
    "taskdef/Achroma-inc__my-laravel-app__taskdef.json": (
        SECRETS,
        ("('php').secrets[0].valueFrom is 'arn:aws:secretsmanager:ap-northeast-1:572098559983:",),
    ),
    "taskdef/Kisanlink__farmers-module__infra_taskdef.json": (
        SECRETS,
        ("secret:farmers-module/production/db-password', " + NOT_UNDER,),
    ),
    "taskdef/Mapping2024__Backend__ecs_eu_taskdef.json": (
        SECRETS,
        ("secret:apple-auth-key-p8-t4t0DO', " + NOT_UNDER,),
    ),
    "taskdef/NikMir15__Cloud-Native-Microservices-Platform__ecs_taskdef.json": (
        IMAGES,
        (
            "('auth-service').image is '542879660337.dkr.ecr.eu-west-2.amazonaws.com/auth-service:latest'",
        ),
    ),
    "taskdef/Takao-Yamasaki__sbcntr-basic__codedeploy_taskdef.json": (
        SECRETS,
        ("secrets[0].valueFrom is '[Secret ManagerのARN]:host::', " + NOT_UNDER,),
    ),
    "taskdef/aws-samples__amazon-ecs-firelens-examples__examples_fluent-bit_efs_task-definition.json": (
        IMAGES,
        (
            "('log_router').image is '906394416424.dkr.ecr.us-east-2.amazonaws.com/aws-for-fluent-bit:stable', "
            + BY_TAG,
        ),
    ),
    "taskdef/aws-samples__amazon-ecs-firelens-examples__examples_fluent-bit_parse-envoy-app-mesh_appmesh-firelens-colorteller-black-ecs-task-def.json": (
        IMAGES,
        (
            "('envoy').image is '840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.12.2.1-prod'",
        ),
    ),
    "taskdef/uma-arai__sbcntr-resources__cicd_taskdef.json": (
        SECRETS,
        ("secret:[mysql_secret_alias]:host::', " + NOT_UNDER,),
    ),
    "taskdef/uma-arai__sbcntr-resources__firelens_taskdef_logrouter.json": (
        SECRETS,
        ("secret:[mysql_secret_alias]:password::', " + NOT_UNDER,),
    ),
}
POLICY_APPSPECS: dict[str, PolicyExpected] = {
    **{name: None for name, outcome in APPSPECS.items() if outcome is None},
    "appspec/theonlymonica__bluegreen-ecs-fargate-examples__codedeploy_appspec.yaml": (
        frozenset({"hooks"}),
        (
            "codedeploy/appspec.yaml: Hooks[0].AfterAllowTestTraffic is 'BlueGreenDemo_lambda', "
            "not in AllowedHookFunctions (none)",
        ),
    ),
}
#: The service the operator's stack deploys (its network and capacity as the AppSpec has them).
SERVICE_ARN = "arn:aws:ecs:ap-northeast-2:123456789012:service/cluster/service"


# --------------------------------------------------------------------------- helpers


def corpus(kind: str) -> list[CorpusFile]:
    return [f for f in corpus_files().values() if f.kind == kind]


def file_named(name: str) -> CorpusFile:
    require_corpus()
    found = corpus_files().get(name)
    assert found is not None, f"{name} is not listed in SOURCES.md"
    return found


def register_shape() -> Any:
    model = botocore.session.get_session().get_service_model("ecs")
    return model.operation_model("RegisterTaskDefinition").input_shape


#: The members RegisterTaskDefinition accepts (the renderer keeps only these).
REGISTERED = frozenset(register_shape().members)


def null_paths(value: Any, where: str = "") -> list[str]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in null_paths(v, f"{where}.{k}".lstrip("."))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in null_paths(v, f"{where}[{i}]")]
    return [where] if value is None else []


def appspec_of(taskdef: CorpusFile) -> CorpusFile | None:
    same = sorted(
        (f for f in corpus("appspec") if f.repository == taskdef.repository), key=lambda f: f.name
    )
    return same[0] if same else None


def load_balancer_info(appspec: CorpusFile) -> dict[str, Any]:
    """The AppSpec's LoadBalancerInfo as YAML reads it ({} if it has none)."""
    try:
        document = yaml.safe_load(appspec.text().lstrip("\ufeff"))
        ((_, body),) = document["Resources"][0].items()
        info: dict[str, Any] = body["Properties"]["LoadBalancerInfo"]
        return info
    except (yaml.YAMLError, KeyError, TypeError, ValueError, IndexError):
        return {}


def mended(taskdef: CorpusFile) -> tuple[str, dict[str, str], str]:
    """(taskdef text, images, the built container): mended as turnout's message says."""
    document = json.loads(taskdef.text().lstrip("\ufeff"))
    inner = document.get("taskDefinition", document)
    containers = inner["containerDefinitions"]
    names = [c.get("name") for c in containers]
    appspec = appspec_of(taskdef)
    wanted = load_balancer_info(appspec).get("ContainerName") if appspec else None
    built = wanted if wanted in names else names[0]
    images = dict(BUILT_KEYS)
    for container in containers:
        image = container.get("image") or ""
        if container.get("name") == built:
            container["image"] = "<IMAGE>"
        elif image.startswith("<") and image.endswith(">"):
            images[image[1:-1]] = EXTRA
        elif re.search(r"[\s<>{}\[\]]", image):  # pinned by container name, as the message says
            images[str(container["name"])] = EXTRA
    return json.dumps(document), images, str(built)


def mended_rendered(taskdef: CorpusFile) -> RenderedTaskDefinition:
    """The task definition rendered once :func:`mended` as turnout's message says."""
    text, images, _ = mended(taskdef)
    return render_task_definition(text, images, path=taskdef.path)


def assert_outcome(expected: Expected, render: Any, path: str) -> Any:
    if expected is None:
        return render()
    error, fragments = expected
    with pytest.raises(TurnoutError) as caught:
        render()
    assert caught.type is error, caught.value.message
    message = caught.value.message
    assert message.startswith(f"{path}: "), message
    for fragment in fragments:
        assert fragment in message
    return None


def assert_aws_accepts(rendered: RenderedTaskDefinition, original: dict[str, Any]) -> None:
    """botocore's validator (what a real client runs before sending) takes the request, and
    environment and secrets are those of the file."""
    botocore.validate.validate_parameters(rendered.register_kwargs, register_shape())
    assert null_paths(rendered.register_kwargs) == []
    inner = original.get("taskDefinition", original)
    for given, sent in zip(
        inner["containerDefinitions"], rendered.register_kwargs["containerDefinitions"], strict=True
    ):
        for key in ("environment", "secrets"):
            if given.get(key) is not None:
                assert sent[key] == given[key]


# --------------------------------------------------------------------------- tests


def test_given_the_corpus_when_listing_then_every_file_is_in_sources_md_and_classified() -> None:
    base = require_corpus()

    on_disk = {
        str(p.relative_to(base)) for kind in COUNTS for p in (base / kind).iterdir() if p.is_file()
    }

    assert set(corpus_files()) == on_disk
    assert {kind: len(corpus(kind)) for kind in COUNTS} == COUNTS
    assert set(AS_IS) == {f.name for f in corpus("taskdef")}
    assert set(APPSPECS) == {f.name for f in corpus("appspec")}


@pytest.mark.parametrize("name", sorted(AS_IS))
def test_given_a_real_taskdef_as_it_stands_when_rendering_then_it_renders_or_is_refused_by_name(
    name: str,
) -> None:
    taskdef = file_named(name)

    rendered = assert_outcome(
        AS_IS[name],
        lambda: render_task_definition(taskdef.text(), BUILT_KEYS, path=taskdef.path),
        taskdef.path,
    )

    if rendered is not None:
        original = json.loads(taskdef.text().lstrip("\ufeff"))
        assert_aws_accepts(rendered, original)
        assert BUILT in rendered.replaced.values()


@pytest.mark.parametrize("name", sorted(MENDED))
def test_given_a_real_taskdef_mended_as_its_message_says_when_rendering_then_aws_accepts_it(
    name: str,
) -> None:
    taskdef = file_named(name)
    text, images, built = mended(taskdef)

    rendered = assert_outcome(
        MENDED[name],
        lambda: render_task_definition(text, images, path=taskdef.path),
        taskdef.path,
    )

    if rendered is not None:
        assert_aws_accepts(rendered, json.loads(text))
        assert rendered.replaced[built] == BUILT
        original = json.loads(taskdef.text().lstrip("\ufeff"))
        inner = original.get("taskDefinition", original)
        nulls = [p for p in null_paths(inner) if p.split(".")[0].split("[")[0] in REGISTERED]
        assert list(rendered.dropped_nulls) == nulls


def taskdef_for(appspec: CorpusFile) -> RenderedTaskDefinition:
    """The repository's mended task definition, or one with the AppSpec's own container."""
    for taskdef in sorted(corpus("taskdef"), key=lambda f: f.name):
        if taskdef.repository == appspec.repository and MENDED.get(taskdef.name, ...) is None:
            return mended_rendered(taskdef)
    info = load_balancer_info(appspec)
    name, port = info.get("ContainerName"), info.get("ContainerPort")
    container: dict[str, Any] = {
        "name": name if isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9_-]+", name) else "app",
        "image": "<IMAGE>",
        "portMappings": [{"containerPort": int(str(port)) if str(port).isdigit() else 80}],
    }
    document = {"family": "corpus", "containerDefinitions": [copy.deepcopy(container)]}
    return render_task_definition(json.dumps(document), BUILT_KEYS)


def appspec_rendered(appspec: CorpusFile, taskdef: RenderedTaskDefinition) -> RenderedAppSpec:
    """The AppSpec rendered as the deploy machine would: onto ``taskdef``, gated by GATE."""
    return render_appspec(
        appspec.text(),
        task_definition_arn=ARN,
        taskdef=taskdef,
        gate_hook_function=GATE,
        path=appspec.path,
    )


@pytest.mark.parametrize("name", sorted(APPSPECS))
def test_given_a_real_appspec_when_rendering_with_its_taskdef_then_it_renders_or_is_refused_by_name(
    name: str,
) -> None:
    appspec = file_named(name)
    taskdef = taskdef_for(appspec)

    spec = assert_outcome(
        APPSPECS[name],
        lambda: appspec_rendered(appspec, taskdef),
        appspec.path,
    )

    if spec is not None:
        content = json.loads(spec.content)
        ((_, body),) = content["Resources"][0].items()
        assert body["Properties"]["TaskDefinition"] == ARN
        assert {"AfterAllowTraffic": GATE} in content["Hooks"]
        assert spec.container_port in taskdef.container_ports[spec.container_name]


# --------------------------------------------------------------------------- the policy


def operator_settings(rendered: RenderedTaskDefinition) -> PolicySettings:
    """The stack its operator would set up for the file: its family and roles."""
    kwargs = rendered.register_kwargs
    return PolicySettings(
        task_role_arn=str(kwargs.get("taskRoleArn", "")),
        execution_role_arn=str(kwargs.get("executionRoleArn", "")),
        family=str(kwargs["family"]),
    )


def service_as_in(properties: Any) -> ServiceView:
    """The service with the network and capacity providers the AppSpec names."""
    network = properties.get("NetworkConfiguration", {}).get("AwsvpcConfiguration", {})
    return ServiceView.of(
        {
            "serviceArn": SERVICE_ARN,
            "networkConfiguration": {
                "awsvpcConfiguration": {
                    "subnets": network.get("Subnets", []),
                    "securityGroups": network.get("SecurityGroups", []),
                    "assignPublicIp": network.get("AssignPublicIp", "DISABLED"),
                }
            },
            "capacityProviderStrategy": [
                {
                    "capacityProvider": i["CapacityProvider"],
                    "base": i.get("Base", 0),
                    "weight": i.get("Weight", 0),
                }
                for i in properties.get("CapacityProviderStrategy", [])
            ],
        }
    )


def assert_policy(expected: PolicyExpected, refusals: list[Refusal], path: str) -> None:
    if expected is None:
        assert refusals == [], [str(r) for r in refusals]
        return
    rules, fragments = expected
    assert {r.rule for r in refusals} == rules, [str(r) for r in refusals]
    message = "; ".join(str(r) for r in refusals)
    assert all(r.path == path for r in refusals)
    for fragment in fragments:
        assert fragment in message


def test_given_the_policy_classification_when_listing_then_it_covers_every_file_that_renders() -> (
    None
):
    require_corpus()

    assert set(POLICY_TASKDEFS) == {n for n, outcome in MENDED.items() if outcome is None}
    assert set(POLICY_APPSPECS) == {n for n, outcome in APPSPECS.items() if outcome is None}


@pytest.mark.parametrize("name", sorted(POLICY_TASKDEFS))
def test_given_a_real_taskdef_that_renders_when_the_policy_checks_it_then_it_passes_or_says_why(
    name: str,
) -> None:
    taskdef = file_named(name)
    rendered = mended_rendered(taskdef)

    refusals = taskdef_refusals(
        operator_settings(rendered),
        service_as_in({}),
        rendered,
        path=taskdef.path,
    )

    assert_policy(POLICY_TASKDEFS[name], refusals, taskdef.path)


@pytest.mark.parametrize("name", sorted(POLICY_APPSPECS))
def test_given_a_real_appspec_that_renders_when_the_policy_checks_it_then_it_passes_or_says_why(
    name: str,
) -> None:
    appspec = file_named(name)
    spec = appspec_rendered(appspec, taskdef_for(appspec))

    refusals = appspec_refusals(
        PolicySettings(), service_as_in(spec.properties), spec, path=appspec.path, gate=GATE
    )

    assert_policy(POLICY_APPSPECS[name], refusals, appspec.path)
