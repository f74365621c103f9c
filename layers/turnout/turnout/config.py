"""The stack's configuration, parsed from the function's environment when first needed."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from turnout.errors import ConfigError
from turnout.policy_settings import PolicySettings

#: CloudWatch alarm names are 1-255 characters (botocore cloudwatch, DescribeAlarms).
MAX_ALARM_NAME_LENGTH = 255
#: Stack parameter DeploymentEngine's AllowedValues (README, "Deployment engines").
ENGINES = ("codedeploy", "ecs")


@dataclass(frozen=True)
class Config:
    stack_name: str
    table_name: str
    topic_arn: str
    region: str
    repository: str
    branch: str
    ecr_repository: str
    image_tag: str
    extra_images: str
    cluster: str
    service: str
    application: str
    deployment_group: str
    taskdef_path: str
    appspec_path: str
    gate_target_health: bool
    gate_alarm_names: tuple[str, ...]
    gate_http_url: str | None
    gate_http_expected_status: int
    gate_bake_minutes: int
    gate_timeout_minutes: int
    gate_failure_threshold: int
    gate_check_interval_minutes: int
    build_timeout_minutes: int
    build_queued_timeout_minutes: int
    gate_hook_function: str
    deploy_state_machine_arn: str
    event_source: str
    #: What the repository may ask for (the Render function's policy parameters).
    policy: PolicySettings = field(default_factory=PolicySettings)
    #: Deploy digests this stack's build did not produce (stack parameter AllowExternalImages).
    allow_external_images: bool = False
    #: push | manual (stack parameter BuildTrigger): manual mode never deploys external images.
    build_trigger: str = "push"
    #: codedeploy | ecs (stack parameter DeploymentEngine)
    engine: str = "codedeploy"

    @property
    def service_key(self) -> str:
        """The ledger partition of this service: ``<cluster>/<service>``."""
        return f"{self.cluster}/{self.service}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        e = os.environ if env is None else env

        def req(name: str) -> str:
            value = e.get(name, "").strip()
            if not value:
                raise ConfigError(f"environment variable {name} is missing or empty")
            return value

        def opt(name: str, default: str = "") -> str:
            return e.get(name, default).strip()

        def integer(name: str, default: int, minimum: int = 0) -> int:
            raw = opt(name, str(default))
            try:
                value = int(raw)
            except ValueError:
                raise ConfigError(
                    f"environment variable {name}={raw!r} is not an integer"
                ) from None
            if value < minimum:
                raise ConfigError(f"environment variable {name}={value} is below {minimum}")
            return value

        health = opt("GATE_TARGET_HEALTH", "true").lower()
        if health not in ("true", "false"):
            raise ConfigError(
                f"environment variable GATE_TARGET_HEALTH={health!r} must be true or false"
            )
        alarm_names = tuple(n.strip() for n in opt("GATE_ALARM_NAMES").split(",") if n.strip())
        for name in alarm_names:
            # botocore cloudwatch DescribeAlarms: each AlarmNames member is 1-255 characters;
            # a longer one is a ValidationError on every tick, so the gate could never pass.
            if len(name) > MAX_ALARM_NAME_LENGTH:
                raise ConfigError(
                    f"GATE_ALARM_NAMES: alarm name {name[:40]!r}... is {len(name)} characters "
                    f"long; CloudWatch alarm names are at most {MAX_ALARM_NAME_LENGTH}"
                )
        engine = opt("DEPLOYMENT_ENGINE", "codedeploy")
        if engine not in ENGINES:
            raise ConfigError(
                f"environment variable DEPLOYMENT_ENGINE={engine!r} must be one of "
                f"{', '.join(ENGINES)}"
            )
        stack = req("STACK_NAME")
        return cls(
            stack_name=stack,
            table_name=req("TABLE_NAME"),
            topic_arn=opt("TOPIC_ARN"),
            region=opt("AWS_REGION") or opt("AWS_DEFAULT_REGION") or "us-east-1",
            repository=req("REPOSITORY_NAME"),
            branch=opt("BRANCH_NAME", "master"),
            ecr_repository=req("ECR_REPOSITORY"),
            image_tag=opt("IMAGE_TAG", "latest"),
            extra_images=opt("EXTRA_IMAGES"),
            cluster=req("CLUSTER_NAME"),
            service=req("SERVICE_NAME"),
            # DeploymentEngine=ecs leaves both empty (the template's Rules require them for
            # codedeploy; turnout.adapters.codedeploy refuses an empty one when used)
            application=opt("APPLICATION_NAME"),
            deployment_group=opt("DEPLOYMENT_GROUP_NAME"),
            taskdef_path=opt("TASKDEF_PATH", "taskdef.json"),
            appspec_path=opt("APPSPEC_PATH", "appspec.yaml"),
            gate_target_health=health == "true",
            gate_alarm_names=alarm_names,
            gate_http_url=opt("GATE_HTTP_URL") or None,
            gate_http_expected_status=integer("GATE_HTTP_EXPECTED_STATUS", 200, 100),
            gate_bake_minutes=integer("GATE_BAKE_MINUTES", 5),
            gate_timeout_minutes=integer("GATE_TIMEOUT_MINUTES", 30, 1),
            gate_failure_threshold=integer("GATE_FAILURE_THRESHOLD", 2, 1),
            gate_check_interval_minutes=integer("GATE_CHECK_INTERVAL_MINUTES", 1, 1),
            # CodeBuild's own defaults (60 and 480 minutes) where the variables are not set.
            build_timeout_minutes=integer("BUILD_TIMEOUT_MINUTES", 60, 5),
            build_queued_timeout_minutes=integer("BUILD_QUEUED_TIMEOUT_MINUTES", 480, 5),
            gate_hook_function=opt("GATE_HOOK_FUNCTION", f"CodeDeployHook_{stack}-gate"),
            deploy_state_machine_arn=opt("DEPLOY_STATE_MACHINE_ARN"),
            event_source=opt("EVENT_SOURCE", "turnout"),
            policy=PolicySettings.from_env(e),
            allow_external_images=opt("ALLOW_EXTERNAL_IMAGES", "false").lower() == "true",
            build_trigger=opt("BUILD_TRIGGER", "push"),
            engine=engine,
        )
