"""Root test configuration: import paths, an AWS-free environment, and the unit socket guard.

- The core package `turnout` lives in layers/turnout/ (what the Lambda layer ships); the local
  packages turnout_sandbox and turnout_cli live at the repository root. Both are importable
  whether or not the project is installed (`pip install -e .`).
- Every test runs with a fixed region and fake credentials, and with no shared AWS config or
  credentials files, so nothing can reach a real AWS account.
- Tests under tests/unit may not use the network: any attempt to connect, send or resolve a
  name fails the test with NetworkAccessInUnitTestError naming the test and the address.
"""

from __future__ import annotations

import gc
import os
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNIT_DIR = ROOT / "tests" / "unit"

for _path in (ROOT / "layers" / "turnout", ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from turnout_cli.main import GC_THRESHOLDS  # noqa: E402 (after the paths)

# The sandbox's tests build as many long-lived objects as `turnout demo` does: collect as the
# console script does (see GC_THRESHOLDS), not every 2000 allocations.
gc.set_threshold(*GC_THRESHOLDS)

# Set at import time, before any test module (or library) creates a boto3 session.
_FAKE_AWS_ENV = {
    "AWS_DEFAULT_REGION": "ap-northeast-2",
    "AWS_REGION": "ap-northeast-2",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_CONFIG_FILE": str(ROOT / "tests" / ".no-aws-config"),
    "AWS_SHARED_CREDENTIALS_FILE": str(ROOT / "tests" / ".no-aws-credentials"),
    "AWS_EC2_METADATA_DISABLED": "true",
    "SAM_CLI_TELEMETRY": "0",
}
for _name in (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
):
    os.environ.pop(_name, None)
os.environ.update(_FAKE_AWS_ENV)
# X-Ray's emitter sends UDP to a local daemon; Powertools' Tracer stays off in tests.
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


class NetworkAccessInUnitTestError(AssertionError):
    """A unit test tried to use the network (unit tests must be pure)."""

    def __init__(self, test_id: str, operation: str, address: object) -> None:
        super().__init__(
            f"{test_id}: unit tests may not use the network, but it called "
            f"socket {operation} with address {address!r}. Move the test to "
            f"tests/integration (moto) or inject a fake client."
        )


_INET_FAMILIES = {socket.AF_INET, socket.AF_INET6}


def _is_inet(sock: socket.socket) -> bool:
    return sock.family in _INET_FAMILIES


def _install_socket_guard(monkeypatch: pytest.MonkeyPatch, test_id: str) -> None:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_sendto = socket.socket.sendto

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if _is_inet(self):
            raise NetworkAccessInUnitTestError(test_id, "connect", address)
        real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        if _is_inet(self):
            raise NetworkAccessInUnitTestError(test_id, "connect_ex", address)
        return real_connect_ex(self, address)

    def guarded_sendto(self: socket.socket, *args: Any) -> int:
        if _is_inet(self):
            raise NetworkAccessInUnitTestError(test_id, "sendto", args[-1])
        return real_sendto(self, *args)

    def guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        raise NetworkAccessInUnitTestError(test_id, "getaddrinfo", (host, port))

    def guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        raise NetworkAccessInUnitTestError(test_id, "create_connection", address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", guarded_sendto)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", guarded_create_connection)


def _is_unit_test(path: Path) -> bool:
    return path.resolve().is_relative_to(UNIT_DIR)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by folder (unit / integration / e2e / checks) so `-m` selects them."""
    for item in items:
        path = item.path.resolve()
        if not path.is_relative_to(ROOT / "tests"):
            continue
        parts = path.relative_to(ROOT / "tests").parts
        if len(parts) > 1 and parts[0] in {"unit", "integration", "e2e", "checks"}:
            item.add_marker(getattr(pytest.mark, parts[0]))


@pytest.fixture(autouse=True)
def _socket_guard_for_unit_tests(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under tests/unit, any network use fails the test (see NetworkAccessInUnitTestError).

    monkeypatch undoes the guard after the test.
    """
    if _is_unit_test(request.node.path):
        _install_socket_guard(monkeypatch, request.node.nodeid)
