"""Lazy boto3 clients with botocore's own retries (standard mode: throttling and
transient errors are retried with backoff and jitter)."""

from __future__ import annotations

from typing import Any, ClassVar

_CLIENTS: dict[tuple[str, str | None, str | None], Any] = {}


def client(service: str) -> Any:
    """A cached client for ``service`` in the function's region."""
    import os

    import boto3
    from botocore.config import Config

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    key = (service, region, endpoint)
    found = _CLIENTS.get(key)
    if found is None:
        found = boto3.client(
            service,  # type: ignore[call-overload]
            region_name=region,
            config=Config(
                retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30
            ),
        )
        _CLIENTS[key] = found
    return found


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError ('' for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


class ServiceAdapter:
    """Base of the adapters over one service: the client is injected (tests) or created
    lazily on first use (never at import or construction)."""

    aws_service: ClassVar[str] = ""

    def __init__(self, client: Any | None = None) -> None:
        self._client = client

    @property
    def api(self) -> Any:
        if self._client is None:
            self._client = client(self.aws_service)
        return self._client
