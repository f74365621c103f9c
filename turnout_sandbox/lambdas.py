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
from typing import Any, Final

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
        previous = env.enter(lambda_env)
        started = time.monotonic()
        error: str | None = None
        try:
            handler = self._handler(spec)  # INIT runs with the function's environment too
            return handler(json.loads(json.dumps(payload)), context)
        except LambdaFunctionError:
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

    def before_invoke(params: dict[str, Any], model: Any, **kwargs: Any) -> Any:
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
        if invocation_type == "Event":
            threading.Thread(target=_safe_invoke, args=(runner, name, payload), daemon=True).start()
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


def _safe_invoke(runner: LambdaRunner, name: str, payload: Any) -> None:
    try:  # noqa: SIM105
        runner.invoke(name, payload)
    except LambdaFunctionError:
        pass  # already logged; async invocations report nothing to the caller


def _invoke_denied(request_signer: Any, name: str) -> Any:
    """The caller's lambda:InvokeFunction, authorized as moto would authorize a request that
    reached it (IAM enforcement): None when allowed, else Lambda's AccessDenied answer."""
    from turnout_sandbox.iam.errors import AccessDeniedError
    from turnout_sandbox.iam_enforcement import authorize_invoke

    try:
        authorize_invoke(request_signer, name, get_runtime().region)
    except AccessDeniedError as denied:
        body = json.dumps({"Type": "User", "message": denied.message}).encode()
        response, _ = _response(denied.status, body, None)
        response.headers["x-amzn-ErrorType"] = denied.code
        parsed = {
            "Error": {"Code": denied.code, "Message": denied.message},
            "ResponseMetadata": {"HTTPStatusCode": denied.status, "HTTPHeaders": {}},
        }
        return response, parsed
    return None


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
