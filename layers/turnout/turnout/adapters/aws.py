"""Lazy boto3 clients with botocore's own retries (standard mode: throttling and
transient errors are retried with backoff and jitter).

The clients are typed with the mypy-boto3 stubs, imported only under TYPE_CHECKING: the
Lambda layer does not ship them, and nothing here may add to a cold start (bench/cold_init.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal, overload

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

    import boto3
    from botocore.config import Config

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    # The credentials are part of the key: in Lambda they never change within a process,
    # but an embedding that runs several functions in one process (the sandbox) gives each
    # its own role's keys, and a client signs with the keys it was created with.
    key = (service, region, endpoint, os.environ.get("AWS_ACCESS_KEY_ID"))
    found = _CLIENTS.get(key)
    if found is None:
        found = boto3.client(
            service,  # type: ignore[call-overload]
            region_name=region,
            config=Config(
                retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30
            ),
            **_environment_credentials(),
        )
        _CLIENTS[key] = found
    return found


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
        if self._client is None:
            made: ClientT = _cached(self.aws_service)
            self._client = made
        return self._client
