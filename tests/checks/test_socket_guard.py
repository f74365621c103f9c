"""The unit-test socket guard of tests/conftest.py fails network use with a clear message."""

from __future__ import annotations

import importlib.util
import socket
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.checks

ROOT_CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


def _root_conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("turnout_tests_root_conftest", ROOT_CONFTEST)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_given_guard_when_a_test_connects_then_it_fails_naming_test_and_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conftest = _root_conftest()
    conftest._install_socket_guard(monkeypatch, "tests/unit/test_x.py::test_y")
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(conftest.NetworkAccessInUnitTestError) as caught,
    ):
        sock.connect(("127.0.0.1", 9))
    message = str(caught.value)
    assert "tests/unit/test_x.py::test_y" in message
    assert "127.0.0.1" in message


def test_given_guard_when_resolving_a_name_then_it_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    conftest = _root_conftest()
    conftest._install_socket_guard(monkeypatch, "t")
    with pytest.raises(conftest.NetworkAccessInUnitTestError, match="getaddrinfo"):
        socket.getaddrinfo("sts.amazonaws.com", 443)
    with pytest.raises(conftest.NetworkAccessInUnitTestError, match="create_connection"):
        socket.create_connection(("sts.amazonaws.com", 443))


def test_given_guard_when_using_a_unix_socketpair_then_it_is_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conftest = _root_conftest()
    conftest._install_socket_guard(monkeypatch, "t")
    left, right = socket.socketpair()
    with left, right:
        left.sendall(b"ok")
        assert right.recv(2) == b"ok"


def test_given_paths_when_classifying_then_only_tests_unit_is_guarded() -> None:
    conftest = _root_conftest()
    assert conftest._is_unit_test(conftest.UNIT_DIR / "test_gate.py")
    assert not conftest._is_unit_test(conftest.ROOT / "tests" / "integration" / "test_x.py")


def test_given_the_test_environment_when_reading_aws_settings_then_they_are_fake() -> None:
    import os

    assert os.environ["AWS_DEFAULT_REGION"] == "ap-northeast-2"
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    assert "AWS_PROFILE" not in os.environ
