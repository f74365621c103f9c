"""Lazy boto3 clients with botocore's own retries (standard mode: throttling and
transient errors are retried with backoff and jitter).

The clients are typed with the mypy-boto3 stubs, imported only under TYPE_CHECKING: the
Lambda layer does not ship them, and nothing here may add to a cold start (bench/cold_init.py).
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast, overload

from turnout.errors import TransientError

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_codecommit import CodeCommitClient
    from mypy_boto3_codedeploy import CodeDeployClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_ecr import ECRClient
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_stepfunctions import SFNClient

_CLIENTS: dict[tuple[str, str | None, str | None, str | None], Any] = {}


@overload
def client(service: Literal["cloudwatch"]) -> CloudWatchClient: ...
@overload
def client(service: Literal["codecommit"]) -> CodeCommitClient: ...
@overload
def client(service: Literal["codedeploy"]) -> CodeDeployClient: ...
@overload
def client(service: Literal["dynamodb"]) -> DynamoDBClient: ...
@overload
def client(service: Literal["ecr"]) -> ECRClient: ...
@overload
def client(service: Literal["ecs"]) -> ECSClient: ...
@overload
def client(service: Literal["elbv2"]) -> ElasticLoadBalancingv2Client: ...
@overload
def client(service: Literal["events"]) -> EventBridgeClient: ...
@overload
def client(service: Literal["sns"]) -> SNSClient: ...
@overload
def client(service: Literal["stepfunctions"]) -> SFNClient: ...
def client(service: str) -> Any:
    """A cached client for ``service`` in the function's region."""
    return _cached(service)


def _cached(service: str) -> Any:
    import os

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    # The credentials are part of the key: in Lambda they never change within a process,
    # but an embedding that runs several functions in one process (the sandbox) gives each
    # its own role's keys, and a client signs with the keys it was created with.
    key = (service, region, endpoint, os.environ.get("AWS_ACCESS_KEY_ID"))
    found = _CLIENTS.get(key)
    if found is None:
        with _collector_paused():
            import boto3
            from botocore.config import Config

            found = boto3.client(
                service,  # type: ignore[call-overload]
                region_name=region,
                config=Config(
                    retries={"mode": "standard", "max_attempts": 5},
                    connect_timeout=5,
                    read_timeout=30,
                ),
                **_environment_credentials(),
            )
        _CLIENTS[key] = found
    return found


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while boto3 is imported and a client built.

    Both allocate hundreds of thousands of long-lived objects (botocore's modules, the
    service's model, its endpoint rules, the client class) and hardly any cyclic garbage,
    so every collection they trigger walks what was just made and frees nothing: on a cold
    start that is a quarter of ``import boto3`` and a third of a second client's creation
    (bench/cold_init.py). Reference counting still frees everything acyclic meanwhile. The
    collector's state is restored, not forced on: if another thread (the sandbox runs
    functions in threads) paused it first, that thread turns it back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _environment_credentials() -> dict[str, str]:
    """The role session credentials Lambda puts in the environment, read now: boto3's
    default session would resolve them once per process and keep the first it saw."""
    import os

    access_key = os.environ.get("AWS_ACCESS_KEY_ID")
    secret_key = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not access_key or not secret_key:
        return {}  # botocore's own chain (a profile, container or instance credentials)
    found = {"aws_access_key_id": access_key, "aws_secret_access_key": secret_key}
    token = os.environ.get("AWS_SESSION_TOKEN")
    if token:
        found["aws_session_token"] = token
    return found


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError ('' for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def account_of(arn: str) -> str:
    """The account field of an ARN (``arn:partition:service:region:account:...``), or ""."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" else ""


def http_status(exc: BaseException) -> int:
    """The HTTP status of a botocore ClientError (0 for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        meta = response.get("ResponseMetadata", {})
        try:
            return int(meta.get("HTTPStatusCode", 0) or 0)
        except (TypeError, ValueError):
            return 0
    return 0


# The error codes and statuses botocore's "standard" retry mode itself treats as throttling
# or transient (botocore/retries/standard.py: ThrottledRetryableChecker._THROTTLED_ERROR_CODES,
# TransientRetryableChecker._TRANSIENT_ERROR_CODES / _TRANSIENT_STATUS_CODES, and
# ThrottlingStatusCodeChecker's 429; AWS SDKs and Tools Reference Guide, "Retry behavior").
# An error of these kinds that is still raised has outlived the client's own retries.
THROTTLING_CODES: frozenset[str] = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
TRANSIENT_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})


def is_transient(exc: BaseException) -> bool:
    """True for a throttling or 5xx ClientError, or a connection/timeout error of botocore."""
    if isinstance(exc, TransientError):
        return True
    if error_code(exc) in THROTTLING_CODES or http_status(exc) in TRANSIENT_STATUSES:
        return True
    module = type(exc).__module__
    if module.startswith("botocore") or module.startswith("urllib3"):
        from botocore.exceptions import ConnectionError, HTTPClientError

        return isinstance(exc, ConnectionError | HTTPClientError)
    return False


def as_transient(exc: BaseException, where: str) -> TransientError:
    """``exc`` as the core's TransientError: the name the state machines' retriers match.

    Step Functions matches error names exactly and a Lambda reports the concrete class
    name (Step Functions DG, "Handling errors"), so a botocore ``ClientError`` would reach
    no retrier (aws-fidelity row 8)."""
    code = error_code(exc) or type(exc).__name__
    status = http_status(exc)
    shown = f"{code} (HTTP {status})" if status else code
    return TransientError(f"{where}: {shown} after the client's own retries: {exc}")


class _Guarded:
    """A client whose calls raise :class:`TransientError` for throttling and 5xx errors.

    Other errors pass unchanged, so the adapters' own mapping by ``error_code`` still
    runs; attributes that are not calls (``meta``, ``exceptions``) are the client's own."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name.startswith("_") or not callable(attr) or isinstance(attr, type):
            return attr

        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except Exception as exc:
                if is_transient(exc) and not isinstance(exc, TransientError):
                    raise as_transient(exc, name) from exc
                raise

        return call


def guarded[C](api: C) -> C:
    """``api`` with its throttling and transient errors raised as TransientError."""
    if isinstance(api, _Guarded):
        return api
    return cast("C", _Guarded(api))


class ServiceAdapter[ClientT = Any]:
    """Base of the adapters over one service: the client is injected (tests) or created
    lazily on first use (never at import or construction). ``ClientT`` is the service's
    mypy-boto3 client type, so every call through ``api`` is type-checked; a subclass's
    ``aws_service`` must name the same service."""

    aws_service: ClassVar[str] = ""

    def __init__(self, client: ClientT | None = None) -> None:
        self._client = client

    @property
    def api(self) -> ClientT:
        """The client; its throttling and 5xx errors raise :class:`TransientError`."""
        if self._client is None:
            made: ClientT = _cached(self.aws_service)
            self._client = made
        return guarded(self._client)
