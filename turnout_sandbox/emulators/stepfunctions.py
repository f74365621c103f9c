"""Teach moto 5.2.5's Amazon States Language interpreter what AWS Step Functions does.

The sandbox runs the product's real ASL files on moto's interpreter (ported from LocalStack,
``moto/stepfunctions/parser``). Where that interpreter deviates from AWS, this module patches
it (``install()``, idempotent; ``uninstall()`` restores moto; ``reset()`` clears our state).
The ASL files are never bent to the emulator.

What is patched, and the AWS rule each patch implements:

1. **Time runs on the sandbox's virtual clock** (``get_runtime().clock``), never on real
   sleeps: Wait ``Seconds``/``SecondsPath``/``Timestamp``/``TimestampPath`` (timestamps compare
   against ``clock.now()``), Retry ``IntervalSeconds``/``BackoffRate``/``MaxDelaySeconds``
   (moto's own interval arithmetic, slept virtually), ``TimeoutSeconds``/
   ``TimeoutSecondsPath`` and ``HeartbeatSeconds`` of tasks (``States.Timeout``), the
   ``.sync`` polling of CodeBuild, ``$$.Execution.StartTime`` and ``$$.State.EnteredTime``
   (ISO-8601 UTC with milliseconds, ``2019-03-26T20:14:13.192Z``, as AWS gives them; moto put
   a ``datetime`` object there that crashed ``describe_execution``). Without an active
   sandbox runtime the patched code falls back to the wall clock. A Task with
   ``HeartbeatSeconds`` but no ``TimeoutSeconds`` keeps AWS's default timeout of 99999999 s
   (moto used 60 s, the old ASL-spec value).

2. **aws-sdk integration** (``arn:aws:states:::aws-sdk:<service>:<apiAction>``), per
   https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html:

   * ``<service>`` is the AWS SDK for Java v2 client name: the botocore model's ``serviceId``
     lower-cased without spaces (``elasticloadbalancingv2`` -> ``elbv2``, ``sfn`` ->
     ``stepfunctions``, ``cloudwatchlogs`` -> ``logs``, ``eventbridge`` -> ``events``,
     ``acmpca`` -> ``acm-pca``). An unknown name fails the task naming the ARN.
   * Parameters are PascalCase ("Parameters in Step Functions are expressed in PascalCase,
     even if the native service API is in camelCase"). They are mapped onto the botocore
     member names shape by shape (structures, lists and map values recursively; map keys are
     data and kept). A parameter that matches no member fails the task naming the field,
     the operation and the accepted names. ``EqualsValue`` stands for an API field ``Equals``.
   * Results come back with every member name PascalCased the way the Java v2 SDK names them
     (``deploymentId`` -> ``DeploymentId``, ``DBInstanceIdentifier`` -> ``DbInstanceIdentifier``),
     timestamps as ISO-8601 UTC strings with milliseconds (``"2013-08-23T01:02:15.422Z"``,
     as seen in https://github.com/sam-goodwin/functionless/issues/489), blobs and streams
     as UTF-8 strings; ``ResponseMetadata`` is dropped.
   * Errors: "the resulting Error field will be composed of the service name and the error
     name, separated by a period character. Both the service name and error name are in
     Pascal case" and the ``Exception`` suffix is always present (``AcmPca.
     ResourceNotFoundException``, ``S3.BucketAlreadyExistsException``). The service name is
     the Java v2 client prefix: the words of ``serviceId`` each capitalised with the rest
     lower-cased (``CodeDeploy``, ``DynamoDb``, ``Sfn``, ``ElasticLoadBalancingV2``,
     ``AcmPca``). So a CodeDeploy ``DeploymentLimitExceededException`` is caught as
     ``CodeDeploy.DeploymentLimitExceededException``. The cause is
     ``<message> (Service: <Name>, Status Code: <code>, Request ID: <id>)``.

3. **Optimized CodeBuild integration** (``arn:aws:states:::codebuild:<api>`` and ``.sync``
   for StartBuild/StartBuildBatch/RetryBuildBatch), per
   https://docs.aws.amazon.com/step-functions/latest/dg/connect-codebuild.html: PascalCase
   parameters mapped like the aws-sdk ones (``EnvironmentVariablesOverride: [{Name, Value,
   Type}]``), output PascalCased (``{"Build": {"Arn": ..., "BuildStatus": ...}}``, the doc's
   ``$.Build..Arn`` example). ``.sync`` polls ``batch_get_builds`` every
   ``codebuild_poll_seconds`` VIRTUAL seconds (default 10; polling costs no state
   transitions, as on AWS) and returns the final ``{"Build": ...}``. A build that ends
   FAILED/FAULT/TIMED_OUT/STOPPED fails the task with ``States.TaskFailed`` and the final
   ``{"Build": ...}`` JSON as the cause (the docs do not spell the error name out; this is
   the generic ``.sync`` failure). If the task times out or the execution stops while the
   build runs, ``StopBuild`` is called, as AWS does for ``.sync`` jobs. Timestamps in this
   optimized integration's output are epoch milliseconds (unverified against AWS; nothing
   in the product reads them).

4. **JSONPath** follows AWS (Jayway): a *definite* path (no ``[*]``, ``..``, ``[?(``, slice
   or union) yields the value itself (``$.a[0].b`` -> ``1``; moto gave ``[1]``); an
   indefinite path yields a list (``[]`` when nothing matches).

5. **Optimized integrations** (``states:startExecution``, ``dynamodb:*``, ``sns:publish``,
   ``events:putEvents``, ``lambda:invoke``...): moto 5.2.5 ships LocalStack's parameter/result
   normalisers as no-ops, so ``states:startExecution`` with ``StateMachineArn`` crashed. They
   map PascalCase parameters by shape again and capitalise result members
   (``{"ExecutionArn", "StartDate": <epoch ms>}``). ``.sync`` of those still polls every 0.5
   real seconds (not patched; the product only uses CodeBuild's ``.sync``).

Lambda ``FunctionError`` envelopes (``{"errorType", "errorMessage"}``) reach Retry/Catch by
``errorType`` in moto as on AWS; nothing to patch (tests prove it).
"""

# moto's interpreter is imported lazily (at install/call time), never at import time.

from __future__ import annotations

import datetime
import json
import re
import threading
import time
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, cast

__all__ = [
    "DEFAULT_CODEBUILD_POLL_SECONDS",
    "AwsSdkIntegrationError",
    "ClientFactory",
    "configure",
    "install",
    "installed",
    "is_installed",
    "iso_timestamp",
    "reset",
    "sdk_error_service_name",
    "sdk_member_name",
    "sdk_service_to_boto",
    "uninstall",
]

DEFAULT_CODEBUILD_POLL_SECONDS: Final[float] = 10.0
_AWS_DEFAULT_TIMEOUT_SECONDS: Final[int] = 99999999
_MOTO_HEARTBEAT_ONLY_DEFAULT_TIMEOUT: Final[int] = 60
_CODEBUILD_TERMINAL_FAILURES: Final[frozenset[str]] = frozenset(
    {"FAILED", "FAULT", "TIMED_OUT", "STOPPED"}
)

#: ``(service, region) -> boto3 client``; a seam for tests (fake CodeBuild clients).
ClientFactory = Callable[[str, str], Any]


class AwsSdkIntegrationError(ValueError):
    """A Task's integration cannot be mapped to an AWS API (names the ARN/field at fault)."""


@dataclass
class _Settings:
    codebuild_poll_seconds: float = DEFAULT_CODEBUILD_POLL_SECONDS
    client_factory: ClientFactory | None = None


_SETTINGS = _Settings()
_PATCHES: list[tuple[Any, str, Any]] = []
_INSTALL_LOCK = threading.Lock()
_SERVICE_CACHE: dict[str, str] = {}
_SERVICE_ID_CACHE: dict[str, str] = {}
_SERVICE_CACHE_LOCK = threading.Lock()


# ------------------------------------------------------------------------------ public API
def configure(
    *,
    codebuild_poll_seconds: float | None = None,
    client_factory: ClientFactory | None = None,
) -> None:
    """Tune the emulation: CodeBuild ``.sync`` poll interval (virtual s), client seam."""
    if codebuild_poll_seconds is not None:
        if codebuild_poll_seconds <= 0:
            raise ValueError(
                f"stepfunctions emulator: codebuild_poll_seconds must be positive, "
                f"got {codebuild_poll_seconds!r}"
            )
        _SETTINGS.codebuild_poll_seconds = float(codebuild_poll_seconds)
    if client_factory is not None:
        _SETTINGS.client_factory = client_factory


def reset() -> None:
    """Forget configuration (poll interval, client seam); patches stay installed."""
    _SETTINGS.codebuild_poll_seconds = DEFAULT_CODEBUILD_POLL_SECONDS
    _SETTINGS.client_factory = None


def is_installed() -> bool:
    return bool(_PATCHES)


def install() -> None:
    """Patch moto's ASL interpreter (idempotent)."""
    with _INSTALL_LOCK:
        if _PATCHES:
            return
        _install_time()
        _install_context_object()
        _install_jsonpath()
        _install_optimized_normalisers()
        _install_task_factory()


def uninstall() -> None:
    """Restore every patched moto attribute (the canary tests compare both behaviours)."""
    with _INSTALL_LOCK:
        for owner, attr, original in reversed(_PATCHES):
            if original is _ABSENT:
                delattr(owner, attr)
            else:
                setattr(owner, attr, original)
        _PATCHES.clear()


@contextmanager
def installed() -> Iterator[None]:
    """``install()`` for a block, then restore what was there before."""
    was = is_installed()
    install()
    try:
        yield
    finally:
        if not was:
            uninstall()


_ABSENT: Final = object()


def _patch(owner: Any, attr: str, new: Any) -> None:
    if isinstance(owner, type):
        original = owner.__dict__.get(attr, _ABSENT)
    else:
        original = getattr(owner, attr)
    _PATCHES.append((owner, attr, original))
    setattr(owner, attr, new)


# ------------------------------------------------------------------------------ time
def _now() -> float:
    from turnout_sandbox.runtime import get_runtime, has_runtime

    return get_runtime().clock.now() if has_runtime() else time.time()


def _real_seconds(virtual_seconds: float) -> float:
    from turnout_sandbox.runtime import get_runtime, has_runtime

    if has_runtime():
        return get_runtime().clock.real_seconds(virtual_seconds)
    return max(0.0, virtual_seconds)


def _wait_virtual(event: threading.Event, virtual_seconds: float | None) -> bool:
    if virtual_seconds is None:
        return event.wait()
    return event.wait(_real_seconds(virtual_seconds))


def iso_timestamp(epoch_seconds: float) -> str:
    """AWS's ISO-8601 form: UTC, milliseconds, ``Z`` (``2019-03-26T20:14:13.192Z``)."""
    moment = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _datetime_to_iso(value: datetime.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return iso_timestamp(value.timestamp())


class _VirtualTimeoutEvent(threading.Event):
    """An Event whose ``wait(timeout)`` takes the timeout in virtual seconds."""

    def wait(self, timeout: float | None = None) -> bool:
        return super().wait(None if timeout is None else _real_seconds(timeout))


class _VirtualNow(datetime.datetime):
    """``datetime.datetime`` whose ``now()`` reads the virtual clock (moto's EnteredTime)."""

    @classmethod
    def now(cls, tz: datetime.tzinfo | None = None) -> _VirtualNow:
        moment = datetime.datetime.fromtimestamp(_now(), tz=tz or datetime.UTC)
        return cls(
            moment.year,
            moment.month,
            moment.day,
            moment.hour,
            moment.minute,
            moment.second,
            moment.microsecond,
            tzinfo=moment.tzinfo,
        )

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return _datetime_to_iso(self)


def _install_time() -> None:
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import (
        timestamp as timestamp_module,
    )
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import (
        wait_function,
    )

    def wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
        deadline = _now() + wait_seconds
        while env.is_running():
            remaining = deadline - _now()
            if remaining <= 0:
                return
            _wait_virtual(env.program_state_event, remaining)

    _patch(wait_function.WaitFunction, "_wait_interval", wait_interval)

    def timestamp_wait_seconds(self: Any, env: Any) -> float:
        from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
            FailureEventException,
        )

        self.string.eval(env=env)
        timestamp_str: str = env.stack.pop()
        moment = self._from_timestamp_string(timestamp=timestamp_str)
        if moment is None:
            raise FailureEventException(self._create_failure_event(env, timestamp_str))
        target = moment.replace(tzinfo=datetime.UTC).timestamp()
        return float(target - _now())

    _patch(timestamp_module.Timestamp, "_get_wait_seconds", timestamp_wait_seconds)

    def retrier_eval_body(self: Any, env: Any) -> None:
        from moto.stepfunctions.parser.asl.component.common.retry.max_attempts_decl import (
            MaxAttemptsOutcome,
        )
        from moto.stepfunctions.parser.asl.component.common.retry.retrier_outcome import (
            RetrierOutcome,
        )

        self.error_equals.eval(env)
        if not env.stack.pop():
            env.stack.append(RetrierOutcome.Skipped)
            return
        self.max_attempts.eval(env=env)
        if env.stack.pop() == MaxAttemptsOutcome.EXHAUSTED:
            env.stack.append(RetrierOutcome.Failed)
            return
        self.interval_seconds.eval(env=env)
        self.backoff_rate.eval(env=env)
        self.max_delay_seconds.eval(env=env)
        self.jitter_strategy.eval(env=env)
        interval_seconds: float = env.stack.pop()
        deadline = _now() + interval_seconds
        while env.is_running():
            remaining = deadline - _now()
            if remaining <= 0:
                break
            _wait_virtual(env.program_state_event, remaining)
        env.stack.append(RetrierOutcome.Executed)

    _patch(retrier_decl.RetrierDecl, "_eval_body", retrier_eval_body)
    _install_task_timeouts()
    _install_entered_time()


def _install_task_timeouts() -> None:
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.component.state.exec import execute_state
    from moto.stepfunctions.parser.asl.eval.callback import callback

    # The task-level TimeoutSeconds: moto waits on a local threading.Event; give that
    # module an Event whose timeout is virtual.
    shim = types.SimpleNamespace(Event=_VirtualTimeoutEvent)
    _patch(execute_state, "threading", shim)

    def heartbeat_clear_and_wait(self: Any) -> bool:
        with self._mutex:
            if self._next_heartbeat_event.is_set():
                self._next_heartbeat_event.clear()
                return True
        return _wait_virtual(self._next_heartbeat_event, self._heartbeat_seconds)

    _patch(callback.HeartbeatEndpoint, "clear_and_wait", heartbeat_clear_and_wait)

    def callback_wait(self: Any, timeout: float | None = None) -> Any:
        _wait_virtual(self._notify_event, timeout)
        return self._outcome

    _patch(callback.CallbackEndpoint, "wait", callback_wait)

    original_from_state_props = execute_state.ExecutionState.from_state_props

    def from_state_props(self: Any, state_props: Any) -> None:
        original_from_state_props(self, state_props)
        timeout = self.timeout
        if (
            self.heartbeat is not None
            and isinstance(timeout, TimeoutSeconds)
            and timeout.is_default is True
            and timeout.timeout_seconds == _MOTO_HEARTBEAT_ONLY_DEFAULT_TIMEOUT
        ):
            self.timeout = TimeoutSeconds(timeout_seconds=_AWS_DEFAULT_TIMEOUT_SECONDS)

    _patch(execute_state.ExecutionState, "from_state_props", from_state_props)


def _install_entered_time() -> None:
    from moto.stepfunctions.parser.asl.component.state import state as state_module

    # $$.State.EnteredTime: moto calls datetime.datetime.now(tz=utc).isoformat().
    _patch(
        state_module,
        "datetime",
        types.SimpleNamespace(datetime=_VirtualNow, timezone=datetime.timezone),
    )


def _install_context_object() -> None:
    from moto.stepfunctions.parser.backend import execution_worker

    original = execution_worker.ExecutionWorker._get_evaluation_environment

    def get_evaluation_environment(self: Any) -> Any:
        env = original(self)
        execution = env.states.context_object.context_object_data["Execution"]
        execution["StartTime"] = iso_timestamp(_now())
        return env

    _patch(
        execution_worker.ExecutionWorker, "_get_evaluation_environment", get_evaluation_environment
    )


# ------------------------------------------------------------------------------ JSONPath
_INDEFINITE = re.compile(r"\[\s*\*\s*\]|\.\.|\[\s*\?|\[[^\]]*[:,][^\]]*\]|\.\*")


def _extract_json(path: str, data: Any) -> Any:
    from jsonpath_ng.ext.parser import parse
    from moto.stepfunctions.parser.asl.utils.json_path import NoSuchJsonPathError

    matches = parse(path).find(data)
    definite = _INDEFINITE.search(path) is None
    if definite:
        if not matches:
            raise NoSuchJsonPathError(json_path=path, data=data)
        return matches[0].value
    return [match.value for match in matches]


def _install_jsonpath() -> None:
    from moto.stepfunctions.parser.asl.component.common.string import string_expression
    from moto.stepfunctions.parser.asl.component.intrinsic.argument import argument
    from moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations import (  # noqa: E501
        boolean_equals,
        numeric,
        string_operators,
        timestamp_operators,
    )
    from moto.stepfunctions.parser.asl.eval import states
    from moto.stepfunctions.parser.asl.utils import json_path

    for module in (
        json_path,
        string_expression,
        argument,
        boolean_equals,
        numeric,
        string_operators,
        timestamp_operators,
        states,
    ):
        _patch(module, "extract_json", _extract_json)


# ------------------------------------------------------------------------------ names
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def _pascal_words(text: str) -> str:
    return "".join(word[:1].upper() + word[1:].lower() for word in _WORDS.findall(text))


def sdk_member_name(member: str) -> str:
    """The PascalCase name Step Functions uses for an API member (Java v2 SDK naming)."""
    return _pascal_words(member)


def _normalise_service_id(service_id: str) -> str:
    name = re.sub(r"[^a-z0-9]", "", service_id.lower())
    return name.removesuffix("service") if name != "service" else name


_SERVICE_HINTS: Final[Mapping[str, str]] = {
    "sfn": "stepfunctions",
    "elasticloadbalancingv2": "elbv2",
    "elasticloadbalancing": "elb",
    "eventbridge": "events",
    "cloudwatchlogs": "logs",
    "acmpca": "acm-pca",
    "applicationautoscaling": "application-autoscaling",
    "cognitoidentityprovider": "cognito-idp",
    "costexplorer": "ce",
    "databasemigration": "dms",
}


_BOTOCORE: list[Any] = []


def _botocore_session() -> Any:
    if not _BOTOCORE:
        import botocore.session

        _BOTOCORE.append(botocore.session.get_session())
    return _BOTOCORE[0]


def _loader() -> Any:
    return _botocore_session().get_component("data_loader")


def _service_id_of(boto_name: str) -> str:
    cached = _SERVICE_ID_CACHE.get(boto_name)
    if cached is None:
        model = _loader().load_service_model(boto_name, "service-2")
        cached = str(model["metadata"].get("serviceId") or boto_name)
        _SERVICE_ID_CACHE[boto_name] = cached
    return cached


def sdk_service_to_boto(sdk_service: str) -> str:
    """Map an aws-sdk integration service name (``elasticloadbalancingv2``) to boto's."""
    with _SERVICE_CACHE_LOCK:
        if sdk_service in _SERVICE_CACHE:
            return _SERVICE_CACHE[sdk_service]
        available = set(_loader().list_available_services("service-2"))
        found: str | None = None
        hinted = _SERVICE_HINTS.get(sdk_service, sdk_service)
        for candidate in (hinted, sdk_service):
            if candidate in available and (
                _normalise_service_id(_service_id_of(candidate)) == sdk_service
            ):
                found = candidate
                break
        if found is None:
            for candidate in sorted(available):
                if _normalise_service_id(_service_id_of(candidate)) == sdk_service:
                    found = candidate
                    break
        if found is None:
            raise AwsSdkIntegrationError(
                f"arn:aws:states:::aws-sdk:{sdk_service}: unknown aws-sdk service "
                f"'{sdk_service}' (no botocore model has that serviceId)"
            )
        _SERVICE_CACHE[sdk_service] = found
        return found


def sdk_error_service_name(boto_service: str) -> str:
    """The Pascal-case service prefix of aws-sdk error names (``CodeDeploy``, ``DynamoDb``)."""
    service_id = _service_id_of(boto_service)
    words = re.split(r"[^A-Za-z0-9]+", service_id)
    name = "".join(_pascal_words(word) for word in words if word)
    return name.removesuffix("Service") if name != "Service" else name


# ------------------------------------------------------------------------------ shapes
def _operation_model(client: Any, api_action: str) -> Any:
    service_model = client.meta.service_model
    for operation in service_model.operation_names:
        if operation.lower() == api_action.lower():
            return service_model.operation_model(operation)
    raise AwsSdkIntegrationError(
        f"{service_model.service_name}:{api_action}: no such API action in the "
        f"{service_model.service_id} API"
    )


def _member_for(key: str, members: Mapping[str, Any]) -> str | None:
    if key in members:
        return key
    wanted = key.lower()
    for member in members:
        if sdk_member_name(member) == key or member.lower() == wanted:
            return member
    if key == "EqualsValue":
        return _member_for("Equals", members)
    return None


def _to_boto(value: Any, shape: Any, where: str) -> Any:
    type_name = getattr(shape, "type_name", None)
    if type_name == "structure" and isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            member = _member_for(str(key), shape.members)
            if member is None:
                accepted = ", ".join(sorted(sdk_member_name(m) for m in shape.members))
                raise AwsSdkIntegrationError(
                    f"{where}: the field '{key}' is not supported (accepted: {accepted})"
                )
            result[member] = _to_boto(item, shape.members[member], f"{where}.{key}")
        return result
    if type_name == "list" and isinstance(value, list):
        return [_to_boto(item, shape.member, f"{where}[{i}]") for i, item in enumerate(value)]
    if type_name == "map" and isinstance(value, Mapping):
        return {k: _to_boto(v, shape.value, f"{where}.{k}") for k, v in value.items()}
    if type_name == "string" and not isinstance(value, str):
        return json.dumps(value, separators=(",", ":"))
    if type_name == "blob" and not isinstance(value, bytes | bytearray):
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        return text.encode("utf-8")
    return value


def _json_safe(value: Any, timestamps: Callable[[datetime.datetime], Any]) -> Any:
    if hasattr(value, "read") and callable(value.read):
        value = value.read()
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, datetime.datetime):
        return timestamps(value)
    if isinstance(value, Mapping):
        return {k: _json_safe(v, timestamps) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item, timestamps) for item in value]
    return value


def _upper_first(member: str) -> str:
    return member[:1].upper() + member[1:]


def _from_boto(
    value: Any,
    shape: Any,
    timestamps: Callable[[datetime.datetime], Any],
    rename: Callable[[str], str] = sdk_member_name,
) -> Any:
    """A botocore response value as Step Functions shows it (member names renamed)."""
    type_name = getattr(shape, "type_name", None)
    if type_name == "structure" and isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key == "ResponseMetadata":
                continue
            member = _member_for(str(key), shape.members)
            if member is None:  # not in the model (moto extra): keep as it is
                result[str(key)] = _json_safe(item, timestamps)
            else:
                result[rename(member)] = _from_boto(item, shape.members[member], timestamps, rename)
        return result
    if type_name == "list" and isinstance(value, list | tuple):
        return [_from_boto(item, shape.member, timestamps, rename) for item in value]
    if type_name == "map" and isinstance(value, Mapping):
        return {k: _from_boto(v, shape.value, timestamps, rename) for k, v in value.items()}
    return _json_safe(value, timestamps)


def _epoch_millis(value: datetime.datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return round(value.timestamp() * 1000)


def _client(service: str, region: str, state_credentials: Any) -> Any:
    factory = _SETTINGS.client_factory
    if factory is not None:
        return factory(service, region)
    from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for

    return boto_client_for(region=region, service=service, state_credentials=state_credentials)


def _call(
    client: Any,
    api_action: str,
    parameters: Mapping[str, Any],
    *,
    where: str,
    timestamps: Callable[[datetime.datetime], Any],
    rename: Callable[[str], str],
) -> Any:
    operation = _operation_model(client, api_action)
    boto_params = _to_boto(dict(parameters), operation.input_shape, where)
    from botocore import xform_name

    response = getattr(client, xform_name(operation.name))(**boto_params) or {}
    return _from_boto(response, operation.output_shape, timestamps, rename)


def _service_operation(boto_service: str, action: str) -> Any | None:
    """The botocore operation model of ``action`` (any casing), or None when unknown."""
    key = f"{boto_service}:{action}"
    if key not in _OPERATION_CACHE:
        model = _botocore_session().get_service_model(boto_service)
        wanted = action.replace("_", "").lower()
        found = None
        for name in model.operation_names:
            if name.lower() == wanted:
                found = model.operation_model(name)
                break
        _OPERATION_CACHE[key] = found
    return _OPERATION_CACHE[key]


_OPERATION_CACHE: dict[str, Any] = {}


# ------------------------------------------------------------------------------ tasks
def _task_classes() -> tuple[type, type]:
    """Build the Task classes lazily: importing moto's interpreter is not free."""
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
        ResourceCondition,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (  # noqa: E501
        StateTaskServiceAwsSdk,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (  # noqa: E501
        StateTaskServiceCallback,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    class AwsSdkTask(StateTaskServiceAwsSdk):
        def _normalise_parameters(self, parameters: dict[str, Any], *args: Any) -> None:
            return None  # _eval_service_task maps names itself

        def _normalise_response(self, response: Any, *args: Any, **kwargs: Any) -> None:
            return None

        def _boto_service(self) -> str:
            return sdk_service_to_boto(self.resource.api_name)

        def _from_error(self, env: Any, ex: Exception) -> Any:
            if not isinstance(ex, ClientError):
                return super()._from_error(env=env, ex=ex)
            service = sdk_error_service_name(self._boto_service())
            code = str(ex.response.get("Error", {}).get("Code") or "Unknown")
            code = code.rsplit("#", 1)[-1]
            if not code.endswith("Exception"):
                code += "Exception"
            error = f"{service}.{code}"
            meta = ex.response.get("ResponseMetadata", {})
            cause = (
                f"{ex.response.get('Error', {}).get('Message', '')} (Service: {service}, "
                f"Status Code: {meta.get('HTTPStatusCode')}, Request ID: {meta.get('RequestId')})"
            )
            return self._get_task_failure_event(env=env, error=error, cause=cause)

        def _eval_service_task(
            self,
            env: Any,
            resource_runtime_part: Any,
            normalised_parameters: dict[str, Any],
            state_credentials: Any,
        ) -> None:
            client = _client(self._boto_service(), resource_runtime_part.region, state_credentials)
            env.stack.append(
                _call(
                    client,
                    self.resource.api_action,
                    normalised_parameters,
                    where=self.resource.resource_arn,
                    timestamps=_datetime_to_iso,
                    rename=sdk_member_name,
                )
            )

    _sync_actions = {
        "startbuild": "Build",
        "startbuildbatch": "BuildBatch",
        "retrybuildbatch": "BuildBatch",
    }
    _supported_actions = {
        "startbuild",
        "stopbuild",
        "batchdeletebuilds",
        "batchgetreports",
        "startbuildbatch",
        "stopbuildbatch",
        "retrybuildbatch",
        "deletebuildbatch",
    }

    class CodeBuildTask(StateTaskServiceCallback):
        def __init__(self) -> None:
            # moto's callback machinery needs a task-token endpoint even for .sync.
            super().__init__(
                supported_integration_patterns=cast(
                    Any, {ResourceCondition.Sync, ResourceCondition.WaitForTaskToken}
                )
            )

        def _get_supported_parameters(self) -> set[str] | None:
            action = self.resource.api_action.lower()
            if action not in _supported_actions:
                return None
            condition = self.resource.condition
            if condition == ResourceCondition.WaitForTaskToken or (
                condition is not None and action not in _sync_actions
            ):
                return None
            operation = _service_operation("codebuild", action)
            if operation is None or operation.input_shape is None:
                return None
            return {_upper_first(member) for member in operation.input_shape.members}

        def _normalise_parameters(self, parameters: dict[str, Any], *args: Any) -> None:
            return None  # _eval_service_task maps names itself

        def _normalise_response(self, response: Any, *args: Any, **kwargs: Any) -> None:
            return None

        def _client(self, region: str, state_credentials: Any) -> Any:
            return _client("codebuild", region, state_credentials)

        def _eval_service_task(
            self,
            env: Any,
            resource_runtime_part: Any,
            normalised_parameters: dict[str, Any],
            state_credentials: Any,
        ) -> None:
            client = self._client(resource_runtime_part.region, state_credentials)
            env.stack.append(
                _call(
                    client,
                    self.resource.api_action,
                    normalised_parameters,
                    where=self.resource.resource_arn,
                    timestamps=_epoch_millis,
                    rename=_upper_first,
                )
            )

        def _build_sync_resolver(
            self,
            env: Any,
            resource_runtime_part: Any,
            normalised_parameters: dict[str, Any],
            state_credentials: Any,
        ) -> Callable[[], Any]:
            key = _sync_actions[self.resource.api_action.lower()]
            started = env.stack.pop()
            build_id = started[key]["Id"]
            client = self._client(resource_runtime_part.region, state_credentials)
            batch = key == "BuildBatch"

            def resolve() -> Any:
                if batch:
                    found = client.batch_get_build_batches(ids=[build_id])["buildBatches"]
                    status_key = "buildBatchStatus"
                else:
                    found = client.batch_get_builds(ids=[build_id])["builds"]
                    status_key = "buildStatus"
                if not found:
                    raise AwsSdkIntegrationError(
                        f"{self.resource.resource_arn}: build '{build_id}' vanished while "
                        "Step Functions was waiting for it"
                    )
                status = found[0].get(status_key)
                if status == "IN_PROGRESS":
                    return None
                shape = client.meta.service_model.shape_for(key)
                output = {key: _from_boto(found[0], shape, _epoch_millis, _upper_first)}
                if status in _CODEBUILD_TERMINAL_FAILURES:
                    raise FailureEventException(
                        failure_event=self._sync_failure(env, json.dumps(output))
                    )
                return output

            def stop() -> None:
                try:
                    if batch:
                        client.stop_build_batch(id=build_id)
                    else:
                        client.stop_build(id=build_id)
                except ClientError:  # best effort, as on AWS
                    return

            resolve.stop = stop  # type: ignore[attr-defined]
            return resolve

        def _sync_failure(self, env: Any, cause: str) -> Any:
            error = StatesErrorNameType.StatesTaskFailed.to_name()
            return FailureEvent(
                env=env,
                error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
                event_type=HistoryEventType.TaskFailed,
                event_details=cast(Any, EventDetails)(
                    taskFailedEventDetails=TaskFailedEventDetails(
                        resource=self._get_sfn_resource(),
                        resourceType=self._get_sfn_resource_type(),
                        error=error,
                        cause=cause,
                    )
                ),
            )

        def _eval_sync(
            self,
            env: Any,
            sync_resolver: Callable[[], Any] | None,
            timeout_seconds: int | None,
            callback_endpoint: Any,
            heartbeat_endpoint: Any,
        ) -> Any:
            if sync_resolver is None:
                raise AwsSdkIntegrationError(
                    f"{self.resource.resource_arn}: no .sync resolver for this API"
                )
            while env.is_running():
                result = sync_resolver()
                if result is not None:
                    return result
                _wait_virtual(env.program_state_event, _SETTINGS.codebuild_poll_seconds)
            stop = getattr(sync_resolver, "stop", None)
            if stop is not None:
                stop()
            return None

    return AwsSdkTask, CodeBuildTask


def _install_optimized_normalisers() -> None:
    """moto 5.2.5 ships LocalStack's base normalisers as no-ops: restore what they do.

    Optimized integrations take PascalCase parameters (``StateMachineArn`` for
    ``states:startExecution``) and show results with the first letter capitalised
    (``ExecutionArn``, ``StartDate`` as epoch milliseconds).
    """
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service,
    )

    def normalise_parameters(
        self: Any,
        parameters: dict[str, Any],
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        service = self._get_boto_service_name(boto_service_name=boto_service_name)
        operation = _service_operation(service, service_action_name or self.resource.api_action)
        if operation is None or operation.input_shape is None:
            return
        converted = _to_boto(parameters, operation.input_shape, self.resource.resource_arn)
        parameters.clear()
        parameters.update(converted)

    def normalise_response(
        self: Any,
        response: Any,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        if not isinstance(response, dict):
            return
        service = self._get_boto_service_name(boto_service_name=boto_service_name)
        operation = _service_operation(service, service_action_name or self.resource.api_action)
        if operation is None or operation.output_shape is None:
            return
        converted = _from_boto(response, operation.output_shape, _epoch_millis, _upper_first)
        response.clear()
        response.update(converted)

    owner = state_task_service.StateTaskService
    _patch(owner, "_normalise_parameters", normalise_parameters)
    _patch(owner, "_normalise_response", normalise_response)


def _install_task_factory() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
        state_task_factory,
    )

    aws_sdk_task, codebuild_task = _task_classes()
    original = getattr(state_task_factory, "state_task_service_for")  # noqa: B009

    def state_task_service_for(service_name: str) -> Any:
        if service_name == "aws-sdk":
            return aws_sdk_task()
        if service_name == "codebuild":
            return codebuild_task()
        return original(service_name)

    _patch(state_task_factory, "state_task_service_for", state_task_service_for)
