"""What the repository may ask for: the policy checked after rendering, before anything is
registered (security-review rows 1, 2, 4 and 11).

Pure: no AWS. The caller passes the stack's settings (:class:`PolicySettings`, from the Render
function's environment), what DescribeServices says of the service today (:class:`ServiceView`)
and the rendered files. Every refusal is one :class:`~turnout.errors.PolicyViolation` listing
each field at fault as ``<file>: <field> ... [rule: <rule>]``, with the stack parameter that
relaxes the rule where there is one.

Rules (and what relaxes them):

* host-privileges: no ``privileged``, ``networkMode``/``pidMode``/``ipcMode`` ``host``, host
  ``sourcePath`` or local ``device`` volumes, ``linuxParameters.devices``, unconfined
  ``dockerSecurityOptions``. Nothing relaxes it.
* capabilities: ``linuxParameters.capabilities.add`` only from AllowedCapabilities (default
  SYS_PTRACE, what Fargate supports).
* task-role / execution-role: ``taskRoleArn`` only TaskRoleArn, ``executionRoleArn`` only
  ExecutionRoleArn (each may be left out).
* family: ``family`` is TaskDefinitionFamily, or else the family the service runs today.
* images: a container image the file names itself (not a placeholder turnout fills, not an
  ExtraImages pin) is pinned by digest and in AllowedImageRepositories.
* secrets: what the execution role reads for the task (secrets, environment files, registry
  credentials, log secret options, FireLens S3 config, FSx credentials) under SecretArnPrefixes.
* tags: no ``turnout:*`` tag (turnout writes its own).
* hooks: a hook function of this account and region named in AllowedHookFunctions; turnout's
  own gate only at AfterAllowTraffic.
* network / capacity-providers: the AppSpec's NetworkConfiguration and CapacityProviderStrategy
  equal the service's own, unless AllowNetworkChange / AllowCapacityProviderChange is true.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from turnout.errors import ConfigError, PolicyViolation
from turnout.hooks import GATE_HOOK_EVENT
from turnout.policy_settings import ARN as _ARN
from turnout.policy_settings import FARGATE_CAPABILITIES, PolicySettings
from turnout.textfiles import clipped, short

if TYPE_CHECKING:  # only Render imports this module (the settings: turnout.policy_settings)
    from turnout.appspec import RenderedAppSpec
    from turnout.render import RenderedTaskDefinition

__all__ = [
    "FARGATE_CAPABILITIES",
    "PolicySettings",
    "Refusal",
    "ServiceView",
    "appspec_refusals",
    "check_policy",
    "repository_of",
    "taskdef_refusals",
]

_DIGEST_PINNED = re.compile(r"^(?P<name>[^@\s]+)@sha256:[0-9a-f]{64}$")
_LAMBDA_ARN = re.compile(
    r"^arn:[^:]+:lambda:(?P<region>[^:]+):(?P<account>\d{12}):function:(?P<name>[^:]+)(:[^:]+)?$"
)
_PARTIAL_LAMBDA_ARN = re.compile(r"^(?P<account>\d{12}):function:(?P<name>[^:]+)(:[^:]+)?$")
#: Docker security options that lift the container's confinement (docker run --security-opt).
_UNCONFINED = re.compile(r"unconfined|label[:=]disable|systempaths", re.IGNORECASE)


# --------------------------------------------------------------------------- the service today


@dataclass(frozen=True)
class ServiceView:
    """What DescribeServices says of the service: its primary task set's values where it has
    one (CodeDeploy deployments change the task sets, not the service's own fields)."""

    arn: str
    task_definition: str
    #: ``awsvpcConfiguration`` as ECS spells it (subnets, securityGroups, assignPublicIp).
    network: Mapping[str, Any] | None
    capacity: tuple[tuple[str, int, int], ...]

    @classmethod
    def of(cls, service: Mapping[str, Any]) -> ServiceView:
        sets = [s for s in service.get("taskSets") or [] if isinstance(s, dict)]
        primary = next((s for s in sets if s.get("status") == "PRIMARY"), None)
        source: Mapping[str, Any] = primary or service
        network = (source.get("networkConfiguration") or {}).get("awsvpcConfiguration")
        return cls(
            arn=str(service.get("serviceArn", "")),
            task_definition=str(source.get("taskDefinition") or service.get("taskDefinition", "")),
            network=network if isinstance(network, dict) else None,
            capacity=_strategy(source.get("capacityProviderStrategy"), "capacityProvider"),
        )

    @property
    def family(self) -> str:
        """``arn:...:task-definition/<family>:<revision>`` -> ``<family>``."""
        return self.task_definition.rsplit("/", 1)[-1].rsplit(":", 1)[0]

    def _arn_part(self, part: str) -> str:
        match = _ARN.match(self.arn)
        return match.group(part) if match else ""

    @property
    def account(self) -> str:
        return self._arn_part("account")

    @property
    def region(self) -> str:
        return self._arn_part("region")

    @property
    def partition(self) -> str:
        return self._arn_part("partition") or "aws"


def _strategy(value: Any, key: str) -> tuple[tuple[str, int, int], ...]:
    """A capacity provider strategy as sorted (provider, base, weight); ECS's default 0s."""
    items = value if isinstance(value, list) else []
    base, weight = ("base", "weight") if key == "capacityProvider" else ("Base", "Weight")
    return tuple(
        sorted(
            (str(i.get(key)), int(i.get(base) or 0), int(i.get(weight) or 0))
            for i in items
            if isinstance(i, dict)
        )
    )


# --------------------------------------------------------------------------- the check


@dataclass(frozen=True)
class Refusal:
    path: str
    field: str
    problem: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field} {self.problem} [rule: {self.rule}]"


def _outside(
    path: str,
    field: str,
    found: str,
    *,
    parameter: str,
    allowed: tuple[str, ...],
    rule: str,
    relation: str = "not in",
) -> Refusal:
    """``<field> is <found>, not in <Parameter> (<what it allows, or none>)``."""
    listed = ", ".join(allowed) or "none"
    return Refusal(path, field, f"is {found}, {relation} {parameter} ({listed})", rule)


def check_policy(
    settings: PolicySettings,
    service: ServiceView,
    taskdef: RenderedTaskDefinition,
    appspec: RenderedAppSpec,
    *,
    taskdef_path: str,
    appspec_path: str,
    gate_function: str,
) -> None:
    """Refuse what the files ask for beyond the policy.

    Raises:
        PolicyViolation: every field at fault, each with its file and rule (the message
            clipped to MAX_MESSAGE_CHARS: it lands in the state machine's state).
        ConfigError: no family to compare with (no TaskDefinitionFamily, and the service
            runs no task definition).
    """
    refusals = [
        *taskdef_refusals(settings, service, taskdef, path=taskdef_path),
        *appspec_refusals(settings, service, appspec, path=appspec_path, gate=gate_function),
    ]
    if refusals:
        raise PolicyViolation(clipped("; ".join(str(r) for r in refusals)))


def taskdef_refusals(
    settings: PolicySettings, service: ServiceView, taskdef: RenderedTaskDefinition, *, path: str
) -> list[Refusal]:
    """What the task definition asks for beyond the policy, field by field."""
    kwargs = taskdef.register_kwargs
    return [
        *_host_privileges(kwargs, settings, path),
        *_roles(kwargs, settings, path),
        *_family(kwargs, settings, service, path),
        *_images(kwargs, taskdef, settings, path),
        *_secrets(kwargs, settings, service, path),
        *_tags(kwargs, path),
    ]


def appspec_refusals(
    settings: PolicySettings,
    service: ServiceView,
    appspec: RenderedAppSpec,
    *,
    path: str,
    gate: str,
) -> list[Refusal]:
    """What the AppSpec asks for beyond the policy (``gate``: turnout's gate function)."""
    return [
        *_hooks(appspec, settings, service, gate, path),
        *_placement(appspec, settings, service, path),
    ]


def _dicts(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, item in enumerate(value if isinstance(value, list) else []):
        if isinstance(item, dict):
            yield index, item


def _containers(kwargs: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for index, container in _dicts(kwargs.get("containerDefinitions")):
        yield f"containerDefinitions[{index}] ({str(container.get('name'))!r})", container


def _host_privileges(
    kwargs: Mapping[str, Any], settings: PolicySettings, path: str
) -> Iterator[Refusal]:
    rule = "host-privileges"
    for key in ("networkMode", "pidMode", "ipcMode"):
        if kwargs.get(key) == "host":
            yield Refusal(path, key, "is 'host': the task would share the host's namespace", rule)
    for index, volume in _dicts(kwargs.get("volumes")):
        host = volume.get("host")
        if isinstance(host, dict) and host.get("sourcePath"):
            yield Refusal(
                path,
                f"volumes[{index}].host.sourcePath",
                f"is {short(host['sourcePath'])}: a host path mounted into the task",
                rule,
            )
        docker = volume.get("dockerVolumeConfiguration")
        options = docker.get("driverOpts") if isinstance(docker, dict) else None
        if isinstance(options, dict) and "device" in options:
            yield Refusal(
                path,
                f"volumes[{index}].dockerVolumeConfiguration.driverOpts.device",
                f"is {short(options['device'])}: a host device or path bound into the task",
                rule,
            )
    yield from _container_privileges(kwargs, settings, path)


def _container_privileges(
    kwargs: Mapping[str, Any], settings: PolicySettings, path: str
) -> Iterator[Refusal]:
    rule = "host-privileges"
    for where, container in _containers(kwargs):
        if container.get("privileged", False) is not False:
            yield Refusal(path, f"{where}.privileged", "is set: a privileged container", rule)
        for index, option in enumerate(container.get("dockerSecurityOptions") or []):
            if isinstance(option, str) and _UNCONFINED.search(option):
                yield Refusal(
                    path,
                    f"{where}.dockerSecurityOptions[{index}]",
                    f"is {option!r}: it lifts the container's confinement",
                    rule,
                )
        linux = container.get("linuxParameters")
        if not isinstance(linux, dict):
            continue
        if linux.get("devices"):
            yield Refusal(path, f"{where}.linuxParameters.devices", "maps host devices", rule)
        capabilities = linux.get("capabilities")
        added = capabilities.get("add") if isinstance(capabilities, dict) else None
        for index, capability in enumerate(added if isinstance(added, list) else []):
            if str(capability).upper() not in settings.allowed_capabilities:
                yield _outside(
                    path,
                    f"{where}.linuxParameters.capabilities.add[{index}]",
                    short(capability),
                    parameter="AllowedCapabilities",
                    allowed=settings.allowed_capabilities,
                    rule="capabilities",
                )


def _roles(kwargs: Mapping[str, Any], settings: PolicySettings, path: str) -> Iterator[Refusal]:
    for key, wanted, source, rule in (
        ("taskRoleArn", settings.task_role_arn, settings.task_role_source, "task-role"),
        (
            "executionRoleArn",
            settings.execution_role_arn,
            settings.execution_role_source,
            "execution-role",
        ),
    ):
        given = kwargs.get(key)
        if given is None or given == wanted:
            continue
        problem = (
            f"is {short(given)}, but the stack passes no role there ({source} is empty)"
            if not wanted
            else f"is {short(given)}, but the stack passes only {wanted!r} there ({source})"
        )
        yield Refusal(path, key, problem, rule)


def _family(
    kwargs: Mapping[str, Any], settings: PolicySettings, service: ServiceView, path: str
) -> Iterator[Refusal]:
    wanted = settings.family or service.family
    if not wanted:
        raise ConfigError(
            "the task definition family is not pinned: set TaskDefinitionFamily (the service "
            "runs no task definition to take it from)"
        )
    source = "TaskDefinitionFamily" if settings.family else "the family the service runs"
    if kwargs.get("family") != wanted:
        yield Refusal(
            path,
            "family",
            f"is {short(kwargs.get('family'))}, but this stack registers only {wanted!r} "
            f"({source})",
            "family",
        )


def repository_of(image: str) -> str:
    """``nginx:1@sha256:..`` -> ``docker.io/library/nginx`` (Docker's reference grammar:
    a first component without '.' or ':' and not 'localhost' is a Docker Hub path)."""
    name = image.split("@", 1)[0]
    if name.rfind(":") > name.rfind("/"):
        name = name[: name.rfind(":")]
    first, _, rest = name.partition("/")
    if not rest:
        return f"docker.io/library/{name}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{name}"
    return name


def _allowed_image(image: str, allowed: tuple[str, ...]) -> bool:
    repository = repository_of(image)
    return any(
        repository.startswith(entry) if entry.endswith("/") else repository == repository_of(entry)
        for entry in allowed
    )


def _images(
    kwargs: Mapping[str, Any],
    taskdef: RenderedTaskDefinition,
    settings: PolicySettings,
    path: str,
) -> Iterator[Refusal]:
    for where, container in _containers(kwargs):
        if container.get("name") in taskdef.replaced:  # the built image, or an ExtraImages pin
            continue
        image = str(container.get("image"))
        if not _DIGEST_PINNED.match(image):
            yield Refusal(
                path,
                f"{where}.image",
                f"is {short(image)}, not pinned by digest (name@sha256:<64 hex>)",
                "images",
            )
        elif not _allowed_image(image, settings.allowed_image_repositories):
            yield _outside(
                path,
                f"{where}.image",
                f"from {repository_of(image)!r}",
                parameter="AllowedImageRepositories",
                allowed=settings.allowed_image_repositories,
                rule="images",
            )


def _secret_references(kwargs: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(field, value) of everything ECS reads with the execution role for the task."""
    for where, c in _containers(kwargs):
        for index, secret in _dicts(c.get("secrets")):
            yield f"{where}.secrets[{index}].valueFrom", secret.get("valueFrom")
        for index, item in _dicts(c.get("environmentFiles")):
            yield f"{where}.environmentFiles[{index}].value", item.get("value")
        credentials = c.get("repositoryCredentials")
        if isinstance(credentials, dict):
            field = f"{where}.repositoryCredentials.credentialsParameter"
            yield field, credentials.get("credentialsParameter")
        log = c.get("logConfiguration")
        for index, option in _dicts(log.get("secretOptions") if isinstance(log, dict) else None):
            yield (
                f"{where}.logConfiguration.secretOptions[{index}].valueFrom",
                option.get("valueFrom"),
            )
        firelens = c.get("firelensConfiguration")
        options = firelens.get("options") if isinstance(firelens, dict) else None
        if isinstance(options, dict) and options.get("config-file-type") == "s3":
            field = f"{where}.firelensConfiguration.options.config-file-value"
            yield field, options.get("config-file-value")
    for index, volume in _dicts(kwargs.get("volumes")):
        fsx = volume.get("fsxWindowsFileServerVolumeConfiguration")
        auth = fsx.get("authorizationConfig") if isinstance(fsx, dict) else None
        if isinstance(auth, dict):
            field = (
                f"volumes[{index}].fsxWindowsFileServerVolumeConfiguration."
                f"authorizationConfig.credentialsParameter"
            )
            yield field, auth.get("credentialsParameter")


def _secrets(
    kwargs: Mapping[str, Any], settings: PolicySettings, service: ServiceView, path: str
) -> Iterator[Refusal]:
    for field, value in _secret_references(kwargs):
        text = str(value)
        # ECS: a parameter of the task's Region may be given by name instead of its ARN.
        arn = (
            text
            if text.startswith("arn:")
            else f"arn:{service.partition}:ssm:{service.region}:{service.account}:parameter/"
            f"{text.lstrip('/')}"
        )
        if not any(arn.startswith(prefix) for prefix in settings.secret_arn_prefixes):
            yield _outside(
                path,
                field,
                short(value),
                parameter="SecretArnPrefixes",
                allowed=settings.secret_arn_prefixes,
                rule="secrets",
                relation="not under",
            )


def _tags(kwargs: Mapping[str, Any], path: str) -> Iterator[Refusal]:
    for index, tag in _dicts(kwargs.get("tags")):
        key = tag.get("key")
        if isinstance(key, str) and key.lower().startswith("turnout:"):
            yield Refusal(
                path,
                f"tags[{index}].key",
                f"is {short(key)}: turnout:* tags are turnout's own (commit, digest)",
                "tags",
            )


def _hooks(
    appspec: RenderedAppSpec,
    settings: PolicySettings,
    service: ServiceView,
    gate_function: str,
    path: str,
) -> Iterator[Refusal]:
    for index, (event, function) in enumerate(appspec.hooks):
        if event == GATE_HOOK_EVENT and function == gate_function:
            continue  # turnout's own gate, where it belongs
        where = f"Hooks[{index}].{event}"
        match = _LAMBDA_ARN.match(function) or _PARTIAL_LAMBDA_ARN.match(function)
        name = match.group("name") if match else function.split(":", 1)[0]
        region = match.groupdict().get("region") if match else None
        if match and (
            match.group("account") != service.account or region not in (None, service.region)
        ):
            yield Refusal(
                path,
                where,
                f"is {short(function)}, a function of another account or region (this "
                f"service is in {service.account or '?'} {service.region or '?'})",
                "hooks",
            )
        elif name == gate_function:
            yield Refusal(
                path,
                where,
                f"is turnout's own gate ({gate_function!r}), which runs only at {GATE_HOOK_EVENT}",
                "hooks",
            )
        elif name not in settings.allowed_hook_functions:
            yield _outside(
                path,
                where,
                short(function),
                parameter="AllowedHookFunctions",
                allowed=settings.allowed_hook_functions,
                rule="hooks",
            )


def _awsvpc(value: Any, keys: tuple[str, str, str]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    vpc = value if isinstance(value, dict) else {}
    subnets, groups, public = keys
    return (
        tuple(sorted(str(s) for s in vpc.get(subnets) or [])),
        tuple(sorted(str(g) for g in vpc.get(groups) or [])),
        str(vpc.get(public) or "DISABLED"),
    )


def _placement(
    appspec: RenderedAppSpec, settings: PolicySettings, service: ServiceView, path: str
) -> Iterator[Refusal]:
    where = f"Resources[0].{appspec.resource_name}.Properties"
    network = appspec.properties.get("NetworkConfiguration")
    if network is not None and not settings.allow_network_change:
        wanted = _awsvpc(
            network.get("AwsvpcConfiguration"), ("Subnets", "SecurityGroups", "AssignPublicIp")
        )
        have = (
            _awsvpc(service.network, ("subnets", "securityGroups", "assignPublicIp"))
            if service.network is not None
            else None
        )
        if wanted != have:
            yield Refusal(
                path,
                f"{where}.NetworkConfiguration",
                f"asks for subnets {list(wanted[0])}, security groups {list(wanted[1])}, "
                f"AssignPublicIp {wanted[2]}, but the service has "
                + (
                    f"subnets {list(have[0])}, security groups {list(have[1])}, "
                    f"AssignPublicIp {have[2]}"
                    if have
                    else "no awsvpc configuration"
                )
                + " (AllowNetworkChange is false)",
                "network",
            )
    strategy = appspec.properties.get("CapacityProviderStrategy")
    if strategy is not None and not settings.allow_capacity_provider_change:
        wanted_strategy = _strategy(strategy, "CapacityProvider")
        if wanted_strategy != service.capacity:
            yield Refusal(
                path,
                f"{where}.CapacityProviderStrategy",
                f"is {short(list(wanted_strategy))} (provider, base, weight), but the service "
                f"has {short(list(service.capacity)) if service.capacity else 'none'} "
                f"(AllowCapacityProviderChange is false)",
                "capacity-providers",
            )
