"""The stack parameters of the repository policy (:mod:`turnout.policy`), read by every
function's :class:`~turnout.config.Config`: apart from the policy's checks, so that only Render
imports those."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from turnout.errors import ConfigError

__all__ = ["ARN", "FARGATE_CAPABILITIES", "PolicySettings"]

#: ECS API Reference, KernelCapabilities ``add``: "Tasks launched on AWS Fargate only support
#: adding the SYS_PTRACE kernel capability."
#: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_KernelCapabilities.html
FARGATE_CAPABILITIES: tuple[str, ...] = ("SYS_PTRACE",)

#: An ARN's partition, service, region and account fields.
ARN = re.compile(
    r"^arn:(?P<partition>[^:]+):(?P<service>[^:]+):(?P<region>[^:]*):(?P<account>\d*):"
)


def _items(raw: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i.strip() for i in re.split(r"[,\n]", raw) if i.strip()))


@dataclass(frozen=True)
class PolicySettings:
    """The stack parameters of the policy (each relaxes one rule)."""

    task_role_arn: str = ""
    execution_role_arn: str = ""
    #: "" = the family the service runs today.
    family: str = ""
    allowed_capabilities: tuple[str, ...] = FARGATE_CAPABILITIES
    allowed_image_repositories: tuple[str, ...] = ()
    secret_arn_prefixes: tuple[str, ...] = ()
    allowed_hook_functions: tuple[str, ...] = ()
    allow_network_change: bool = False
    allow_capacity_provider_change: bool = False
    #: The parameters the roles came from (the legacy TaskRoleArns list: its items 0 and 1).
    task_role_source: str = "TaskRoleArn"
    execution_role_source: str = "ExecutionRoleArn"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PolicySettings:
        """Read the Render function's environment.

        Stacks made before TaskRoleArn/ExecutionRoleArn existed keep deploying: with both
        empty, the legacy TaskRoleArns list is read in the order its description gave,
        executionRoleArn first, then taskRoleArn.

        Raises:
            ConfigError: a flag that is not true/false, a secret prefix that is not an ARN,
                an AllowedHookFunctions entry that is not a bare function name.
        """

        def opt(name: str, default: str = "") -> str:
            return env.get(name, default).strip()

        def flag(name: str) -> bool:
            value = opt(name, "false").lower()
            if value not in ("true", "false"):
                raise ConfigError(f"environment variable {name}={value!r} must be true or false")
            return value == "true"

        task, execution = opt("TASK_ROLE_ARN"), opt("EXECUTION_ROLE_ARN")
        sources = ("TaskRoleArn", "ExecutionRoleArn")
        legacy = _items(opt("TASK_ROLE_ARNS"))
        if not task and not execution and legacy:
            execution, task = legacy[0], legacy[1] if len(legacy) > 1 else ""
            sources = ("TaskRoleArns[1]", "TaskRoleArns[0]")
        prefixes = _items(opt("SECRET_ARN_PREFIXES"))
        for prefix in prefixes:
            if not ARN.match(prefix):
                raise ConfigError(
                    f"SECRET_ARN_PREFIXES: {prefix!r} is not an ARN prefix such as "
                    f"'arn:aws:secretsmanager:<region>:<account>:secret:<service>/'"
                )
        hooks = _items(opt("ALLOWED_HOOK_FUNCTIONS"))
        for name in hooks:
            if ":" in name or "/" in name:
                raise ConfigError(
                    f"ALLOWED_HOOK_FUNCTIONS: {name!r} is not a function name (names only: "
                    f"functions of this account and region)"
                )
        return cls(
            task_role_arn=task,
            execution_role_arn=execution,
            family=opt("TASK_DEFINITION_FAMILY"),
            allowed_capabilities=tuple(
                c.upper()
                for c in _items(opt("ALLOWED_CAPABILITIES", ",".join(FARGATE_CAPABILITIES)))
            ),
            allowed_image_repositories=_items(opt("ALLOWED_IMAGE_REPOSITORIES")),
            secret_arn_prefixes=prefixes,
            allowed_hook_functions=hooks,
            allow_network_change=flag("ALLOW_NETWORK_CHANGE"),
            allow_capacity_provider_change=flag("ALLOW_CAPACITY_PROVIDER_CHANGE"),
            task_role_source=sources[0],
            execution_role_source=sources[1],
        )
