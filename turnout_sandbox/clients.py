"""The sandbox's boto3 client cache: a leaf module (it imports nothing of the sandbox), so the
runtime, the sandbox, the demo service and the emulators can all share it without a circle."""

from __future__ import annotations

import os
import threading
from typing import Any

__all__ = ["cached_client", "cached_count", "clear_clients"]

_CLIENTS: dict[tuple[str, str, str | None, str | None], Any] = {}
_CLIENTS_LOCK = threading.Lock()


def cached_client(
    service: str,
    region: str,
    endpoint_url: str | None = None,
    credentials: tuple[str, str, str] | None = None,
) -> Any:
    """One boto3 client per service, region and credentials: creating one costs ~50-100 ms,
    and clients are thread-safe. Used by the sandbox itself and by moto's state machine
    interpreter. ``credentials`` (access key, secret key, session token) sign as a principal
    of the stack (IAM enforcement); without them the client signs with the environment's."""
    endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    key = (service, region, endpoint, credentials[0] if credentials else None)
    with _CLIENTS_LOCK:
        found = _CLIENTS.get(key)
        if found is None:
            import boto3
            from botocore.config import Config

            keys: dict[str, str] = {}
            if credentials is not None:
                keys = {
                    "aws_access_key_id": credentials[0],
                    "aws_secret_access_key": credentials[1],
                    "aws_session_token": credentials[2],
                }
            found = boto3.client(  # type: ignore[call-overload]
                service,
                region_name=region,
                endpoint_url=endpoint_url,
                config=Config(
                    retries={"max_attempts": 0, "total_max_attempts": 1}, max_pool_connections=50
                ),
                **keys,
            )
            _CLIENTS[key] = found
    return found


def clear_clients() -> None:
    """Forget every cached client (the sandbox does on stop: they hold the mock's session)."""
    with _CLIENTS_LOCK:
        _CLIENTS.clear()


def cached_count() -> int:
    """How many clients are cached (tests prove stop() clears them)."""
    with _CLIENTS_LOCK:
        return len(_CLIENTS)
