"""Run the stack's Lambda functions in-process, like Lambda would: from their template
Handler and CodeUri, with their configured environment and a Lambda-like context; an
exception comes back as Lambda's FunctionError envelope so Retry/Catch match by name."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Final, NoReturn

from turnout_sandbox import dead_letters
from turnout_sandbox.faults import FaultInjector
from turnout_sandbox.patches import CallbackPatch, Patch, resolve
from turnout_sandbox.runtime import LambdaFunctionError, get_runtime, has_runtime


class LayeredEnviron(MutableMapping[str, str]):
    """os.environ with a per-thread overlay: each in-process Lambda sees its own env."""

    def __init__(self, base: MutableMapping[str, str]) -> None:
        self.base = base
        self._local = threading.local()

    def _overlay(self) -> dict[str, str] | None:
        return getattr(self._local, "env", None)

    def enter(self, env: Mapping[str, str]) -> dict[str, str] | None:
        previous = self._overlay()
        self._local.env = dict(env)
        return previous

    def leave(self, previous: dict[str, str] | None) -> None:
        self._local.env = previous

    def __getitem__(self, key: str) -> str:
        overlay = self._overlay()
        if overlay is not None:
            return overlay[key]
        return self.base[key]

    def __setitem__(self, key: str, value: str) -> None:
        overlay = self._overlay()
        if overlay is not None:
            overlay[key] = value
        else:
            self.base[key] = value

    def __delitem__(self, key: str) -> None:
        overlay = self._overlay()
        if overlay is not None:
            del overlay[key]
        else:
            del self.base[key]

    def __iter__(self) -> Iterator[str]:
        overlay = self._overlay()
        return iter(overlay if overlay is not None else self.base)

    def __len__(self) -> int:
        overlay = self._overlay()
        return len(overlay if overlay is not None else self.base)

    def copy(self) -> dict[str, str]:
        return dict(self)


_ENV = LayeredEnviron(os.environ)


def layered_environ() -> LayeredEnviron:
    """The per-thread layered environment; it is ``os.environ`` while
    :data:`LAYERED_ENVIRON` is applied (the sandbox runs)."""
    return _ENV


def _layer_environ() -> None:
    _ENV.base = os.environ
    os.environ = _ENV  # type: ignore[assignment]  # noqa: B003


def _unlayer_environ() -> None:
    os.environ = _ENV.base  # type: ignore[assignment]  # noqa: B003


def _environ_is_a_mapping() -> str | None:
    environ: object = os.environ
    if not isinstance(environ, MutableMapping):
        return f"os.environ is a {type(environ).__name__}, not a MutableMapping"
    return None


#: ``os.environ`` replaced by a :class:`LayeredEnviron` over it, so each in-process Lambda
#: (one thread) reads its own configured environment, as in its own Lambda sandbox.
LAYERED_ENVIRON: Final = CallbackPatch(
    name="process.layered-environ",
    target="os:environ",
    why="each in-process Lambda sees its function's environment (per-thread overlay)",
    apply_fn=_layer_environ,
    undo_fn=_unlayer_environ,
    applied_fn=lambda: os.environ is _ENV,
    check_fn=_environ_is_a_mapping,
)


@dataclass
class LambdaContext:
    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass
class FunctionSpec:
    name: str
    arn: str
    code_dir: str
    handler: str
    env: dict[str, str]
    timeout: int
    memory: int
    #: its logical id in the template (fault specs name functions by it)
    logical: str = ""
    #: its execution role, and where a failed asynchronous event goes (DeadLetterConfig)
    role_arn: str = ""
    dead_letter_arn: str = ""


@dataclass
class Invocation:
    function: str
    started: float
    seconds: float
    error: str | None


class LambdaRunner:
    """Holds the deployed functions and runs them."""

    def __init__(self, base_env: Mapping[str, str]) -> None:
        self.functions: dict[str, FunctionSpec] = {}
        self._modules: dict[tuple[str, str], Callable[..., Any]] = {}
        self._lock = threading.Lock()
        self.base_env = dict(base_env)
        self.invocations: list[Invocation] = []
        #: fault injection (set by the sandbox): what an invocation or an Invoke call gets
        self.faults: FaultInjector | None = None
        #: the principal an access key signs as (IAM enforcement), None for the sandbox's own
        self.caller_of: Callable[[str], str | None] = lambda key: None

    def add(self, spec: FunctionSpec) -> None:
        self.functions[spec.name] = spec
        self.functions[spec.arn] = spec

    def find(self, name_or_arn: str) -> FunctionSpec:
        spec = self.functions.get(name_or_arn)
        if spec is None and name_or_arn.startswith("arn:"):
            parts = name_or_arn.split(":")
            if len(parts) >= 7:
                spec = self.functions.get(parts[6])
        if spec is None:
            raise LambdaFunctionError(
                "ResourceNotFoundException", f"Function not found: {name_or_arn}"
            )
        return spec

    def _handler(self, spec: FunctionSpec) -> Callable[..., Any]:
        module_name, _, attr = spec.handler.rpartition(".")
        key = (spec.code_dir, spec.handler)
        with self._lock:
            found = self._modules.get(key)
            if found is None:
                path = os.path.join(spec.code_dir, module_name.replace(".", "/") + ".py")
                unique = (
                    "turnout_fn_"
                    + os.path.basename(spec.code_dir.rstrip("/"))
                    + "_"
                    + module_name.replace(".", "_")
                )
                loader_spec = importlib.util.spec_from_file_location(unique, path)
                if loader_spec is None or loader_spec.loader is None:
                    raise LambdaFunctionError(
                        "Runtime.ImportModuleError", f"Unable to import module '{module_name}'"
                    )
                module: ModuleType = importlib.util.module_from_spec(loader_spec)
                loader_spec.loader.exec_module(module)
                found = getattr(module, attr)
                _route_logs_to_runtime()
                self._modules[key] = found
        return found

    def invoke(self, name_or_arn: str, payload: Any) -> Any:
        """Run the function; raise LambdaFunctionError when its handler raised."""
        spec = self.find(name_or_arn)
        env = layered_environ()
        runtime = get_runtime()
        lambda_env = {
            **self.base_env,
            **spec.env,
            "AWS_REGION": runtime.region,
            "AWS_DEFAULT_REGION": runtime.region,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        }
        context = LambdaContext(
            function_name=spec.name,
            function_version="$LATEST",
            invoked_function_arn=spec.arn,
            memory_limit_in_mb=spec.memory,
            aws_request_id=str(uuid.uuid4()),
            log_group_name=f"/aws/lambda/{spec.name}",
            log_stream_name="sandbox",
            deadline=time.monotonic() + spec.timeout,
        )
        fault = self.faults.lambda_fault(spec.name, spec.logical) if self.faults else None
        previous = env.enter(lambda_env)
        started = time.monotonic()
        error: str | None = None
        try:
            if fault == "lambda-error":  # the handler raises before it does anything
                raise RuntimeError(f"injected function error (--faults) in {spec.name}")
            handler = self._handler(spec)  # INIT runs with the function's environment too
            result = handler(json.loads(json.dumps(payload)), context)
            if fault is not None:  # it ran to the end; its answer is lost
                _runtime_failure(fault, spec, context.aws_request_id, runtime)
            return result
        except LambdaFunctionError as exc:
            error = exc.error_type
            raise
        except Exception as exc:
            error = type(exc).__name__
            message = str(getattr(exc, "message", None) or exc)
            runtime.log(spec.name, f"{error}: {message}")
            if os.environ.get("TURNOUT_SANDBOX_TRACEBACKS"):
                traceback.print_exc()
            raise LambdaFunctionError(error, message) from None
        finally:
            env.leave(previous)
            self.invocations.append(
                Invocation(spec.name, started, time.monotonic() - started, error)
            )


class _RuntimeLogSink(io.TextIOBase):
    """Where Lambda's stdout logging goes in the sandbox (CloudWatch Logs, on AWS)."""

    def write(self, text: str) -> int:
        if not has_runtime():  # a late line from a thread that outlived the sandbox
            return len(text)
        for line in text.splitlines():
            if line.strip():
                get_runtime().log("lambda", line)
        return len(text)


_SINK = _RuntimeLogSink()
#: handler -> the stream it had before it was pointed at the sink (while LOG_SINK is applied).
_REROUTED: dict[Any, Any] = {}
_ROUTING = {"on": False}
_ROUTING_LOCK = threading.Lock()


def _route_logs_to_runtime() -> None:
    import logging

    names = {"turnout", "service_undefined", os.environ.get("POWERTOOLS_SERVICE_NAME", "turnout")}
    with _ROUTING_LOCK:
        if not _ROUTING["on"]:
            return
        for name in names:
            for handler in logging.getLogger(name).handlers:
                if isinstance(handler, logging.StreamHandler) and handler.stream is not _SINK:
                    _REROUTED.setdefault(handler, handler.stream)
                    _point(handler, _SINK)


def _point(handler: Any, stream: Any) -> None:
    """``handler.setStream(stream)``, which flushes the old stream first: a stream closed
    under its handler (typer's CliRunner closes the stdout it lent, and a logger created
    meanwhile keeps it) has nothing to flush and would raise, so it is just replaced."""
    if getattr(handler.stream, "closed", False):
        handler.acquire()
        try:
            handler.stream = stream
        finally:
            handler.release()
    else:
        handler.setStream(stream)


def _start_routing() -> None:
    with _ROUTING_LOCK:
        _ROUTING["on"] = True


def _stop_routing() -> None:
    with _ROUTING_LOCK:
        for handler, stream in _REROUTED.items():
            if handler.stream is _SINK:
                _point(handler, stream)
        _REROUTED.clear()
        _ROUTING["on"] = False


#: The Lambdas' log handlers (Powertools' StreamHandler on stdout) write into the runtime's
#: log while the sandbox runs; undone, each handler gets its own stream back.
LOG_SINK: Final = CallbackPatch(
    name="process.lambda-log-sink",
    target="logging:StreamHandler.setStream",
    why="Lambda stdout goes to CloudWatch Logs on AWS: in the sandbox, to the runtime's log",
    apply_fn=_start_routing,
    undo_fn=_stop_routing,
    applied_fn=lambda: _ROUTING["on"],
    check_fn=lambda: None if callable(resolve("logging:StreamHandler.setStream")) else "gone",
)


def invoke_interceptor(runner_of: Callable[[], LambdaRunner | None]) -> Patch:
    """A patch that answers lambda.Invoke in-process (before moto would try Docker).

    It appends a handler to botocore's BUILTIN_HANDLERS, which every botocore session
    registers when it is created: it must be applied before the mock starts (moto then gives
    boto3 a fresh default session), so the state machine interpreter's own clients get it
    too. ``runner_of`` answers the running sandbox's runner (None: let moto answer)."""

    def before_invoke(params: dict[str, Any], model: Any, **kwargs: Any) -> Any:  # noqa: PLR0911
        runner = runner_of()
        if runner is None:
            return None
        body = params.get("body") or {}
        url = params.get("url_path", "")
        name = url.split("/functions/", 1)[1].split("/", 1)[0] if "/functions/" in url else ""
        from urllib.parse import unquote

        name = unquote(name)
        headers = params.get("headers", {})
        invocation_type = headers.get("X-Amz-Invocation-Type", "RequestResponse")
        raw = body if isinstance(body, bytes | str) else b""
        payload = json.loads(raw or b"{}") if raw else {}
        try:
            runner.find(name)
        except LambdaFunctionError:
            return None  # not one of ours: let moto answer
        denied = _invoke_denied(kwargs.get("request_signer"), name)
        if denied is not None:
            return denied
        fault = _invoke_fault(runner, kwargs.get("request_signer"), name)
        if fault is not None:
            return fault
        if invocation_type == "Event":
            invoke_async(runner, name, payload)
            return _response(202, b"", None)
        try:
            result = runner.invoke(name, payload)
            return _response(200, json.dumps(result).encode(), None)
        except LambdaFunctionError as exc:
            envelope = {"errorType": exc.error_type, "errorMessage": exc.message}
            return _response(200, json.dumps(envelope).encode(), "Unhandled")

    before_invoke.__name__ = "turnout_sandbox_invoke"
    entry = ("before-call.lambda.Invoke", before_invoke)

    def handlers() -> list[Any]:
        found: list[Any] = resolve("botocore.handlers:BUILTIN_HANDLERS")
        return found

    def present() -> bool:
        return any(item is entry for item in handlers())

    def append() -> None:
        handlers().append(entry)

    def remove() -> None:
        kept = [item for item in handlers() if item is not entry]
        handlers()[:] = kept

    def check() -> str | None:
        if not isinstance(handlers(), list):
            return "botocore.handlers:BUILTIN_HANDLERS is not a list"
        return None

    return CallbackPatch(
        name="botocore.lambda-invoke-in-process",
        target="botocore.handlers:BUILTIN_HANDLERS",
        why="lambda.Invoke runs the deployed handler in-process (moto would need Docker)",
        apply_fn=append,
        undo_fn=remove,
        applied_fn=present,
        check_fn=check,
    )


def _runtime_failure(fault: str, spec: FunctionSpec, request_id: str, runtime: Any) -> NoReturn:
    """Raise what Lambda answers when the function outlives its timeout or its runtime exits
    (Lambda DG, "Troubleshoot invocation issues": Sandbox.Timedout, "Task timed out after
    N.00 seconds"; Runtime.ExitError, "Runtime exited with error"). The Step Functions DG
    ("Handle Lambda service exceptions") says a task sees such unhandled errors as
    Lambda.Unknown; moto's interpreter names them by the payload's errorType: the state
    machines' States.TaskFailed retrier matches either."""
    if fault == "lambda-timeout":
        runtime.clock.sleep(spec.timeout)  # Lambda waited the whole timeout
        error, message = (
            "Sandbox.Timedout",
            (f"RequestId: {request_id} Error: Task timed out after {spec.timeout:.2f} seconds"),
        )
    else:
        error, message = (
            "Runtime.ExitError",
            (f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"),
        )
    runtime.log(spec.name, f"{error}: {message}")
    raise LambdaFunctionError(error, message)


#: Lambda's retries of an asynchronous invocation whose function failed: two more attempts,
#: one minute after the first, two after the second (Lambda DG, "How Lambda handles errors
#: and retries with asynchronous invocation").
ASYNC_RETRY_DELAYS: Final = (60.0, 120.0)


def invoke_async(
    runner: LambdaRunner,
    name: str,
    payload: Any,
    on_failure: Callable[[LambdaFunctionError], None] | None = None,
) -> None:
    """Queue an asynchronous invocation (Lambda answers 202 at once) and run it with
    Lambda's retries on the virtual clock; ``on_failure`` gets the last error once every
    attempt failed. Raises LambdaFunctionError at once for a function that does not exist."""
    spec = runner.find(name)
    clock = get_runtime().clock
    request_id = str(uuid.uuid4())  # the 202's request id (the dead-letter RequestID)

    def attempt(n: int) -> None:
        try:
            runner.invoke(name, payload)
        except LambdaFunctionError as exc:
            if n < len(ASYNC_RETRY_DELAYS):
                delay = ASYNC_RETRY_DELAYS[n]
                get_runtime().log(
                    spec.name,
                    f"async invocation failed ({exc.error_type}): retry {n + 1} of "
                    f"{len(ASYNC_RETRY_DELAYS)} in {delay:.0f} s",
                )
                clock.call_later(delay, lambda: attempt(n + 1), name=f"lambda-retry-{spec.name}")
            else:
                get_runtime().log(
                    spec.name, f"async invocation failed after {n + 1} attempts: {exc}"
                )
                if spec.dead_letter_arn:
                    dead_letters.from_lambda(
                        spec.name,
                        role_arn=spec.role_arn,
                        target_arn=spec.dead_letter_arn,
                        payload=payload,
                        request_id=request_id,
                        error=str(exc),
                    )
                if on_failure is not None:
                    on_failure(exc)

    clock.call_later(0, lambda: attempt(0), name=f"lambda-async-{spec.name}")


def _invoke_fault(runner: LambdaRunner, request_signer: Any, name: str) -> Any:
    """An injected throttle or service error of Lambda's Invoke for a call the stack's own
    principal makes (fault injection): None, or Lambda's answer."""
    if runner.faults is None or not runner.faults.spec:
        return None
    key = getattr(getattr(request_signer, "_credentials", None), "access_key", None)
    caller = runner.caller_of(str(key)) if key else None
    if caller is None:
        return None
    fault = runner.faults.api_fault("lambda", "Invoke", caller)
    if fault is None:
        return None
    return _error_response(fault.status, fault.code, fault.message)


def _invoke_denied(request_signer: Any, name: str) -> Any:
    """The caller's lambda:InvokeFunction, authorized as moto would authorize a request that
    reached it (IAM enforcement): None when allowed, else Lambda's AccessDenied answer."""
    from turnout_sandbox.iam.errors import AccessDeniedError
    from turnout_sandbox.iam_enforcement import authorize_invoke

    try:
        authorize_invoke(request_signer, name, get_runtime().region)
    except AccessDeniedError as denied:
        return _error_response(denied.status, denied.code, denied.message)
    return None


def _error_response(status: int, code: str, message: str) -> Any:
    """Lambda's error answer to Invoke (REST-JSON: the code in x-amzn-ErrorType)."""
    body = json.dumps({"Type": "User", "message": message}).encode()
    response, _ = _response(status, body, None)
    response.headers["x-amzn-ErrorType"] = code
    parsed = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {
            "RequestId": str(uuid.uuid4()),
            "HTTPStatusCode": status,
            "HTTPHeaders": {},
        },
    }
    return response, parsed


def _response(status: int, body: bytes, function_error: str | None) -> Any:
    from botocore.awsrequest import AWSResponse
    from botocore.response import StreamingBody

    headers: Any = {"X-Amz-Executed-Version": "$LATEST"}
    if function_error:
        headers["X-Amz-Function-Error"] = function_error

    class _Raw:
        def __init__(self, data: bytes) -> None:
            self._io = io.BytesIO(data)

        def stream(self, **_: Any) -> Iterator[bytes]:
            yield self._io.read()

        def read(self, *args: Any) -> bytes:
            return self._io.read(*args)

    response = AWSResponse("https://lambda.sandbox/", status, headers, _Raw(body))
    parsed: dict[str, Any] = {
        "StatusCode": status,
        "ExecutedVersion": "$LATEST",
        "Payload": StreamingBody(io.BytesIO(body), len(body)),
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers, "RetryAttempts": 0},
    }
    if function_error:
        parsed["FunctionError"] = function_error
    return response, parsed
