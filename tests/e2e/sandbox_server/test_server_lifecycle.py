"""`turnout sandbox serve` itself, and the CLI when no server answers."""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_world import ROOT, serving, turnout

from turnout_sandbox.server import PortInUse, SandboxServer, ServerConfigError, ServerOptions


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_given_a_taken_port_when_sandbox_serve_then_one_error_line_and_exit_2(
    taken_port: int,
) -> None:
    started = time.monotonic()
    done = turnout("sandbox", "serve", "--port", str(taken_port), timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("turnout: error: --port ")
    assert str(taken_port) in lines[0]
    assert "in use" in lines[0]
    assert time.monotonic() - started < 15  # refused before the sandbox starts


def test_given_a_taken_port_when_the_server_starts_then_port_in_use_before_any_sandbox(
    taken_port: int,
) -> None:
    server = SandboxServer(ServerOptions(port=taken_port))
    with pytest.raises(PortInUse, match=str(taken_port)):
        server.start()
    assert server.sandbox is None
    assert not server.serving


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("trigger", {"trigger": "nightly"}),
        ("speed", {"speed": 0}),
        ("port", {"port": 70000}),
        ("bake_minutes", {"bake_minutes": -1}),
        ("timeout_minutes", {"timeout_minutes": 0}),
    ],
)
def test_given_a_bad_server_option_when_built_then_the_error_names_it(
    field: str, kwargs: dict[str, object]
) -> None:
    with pytest.raises(ServerConfigError, match=field.split("_", maxsplit=1)[0]):
        ServerOptions(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "verb",
    [
        ("status",),
        ("history",),
        ("build", "--branch", "master"),
        ("redeploy", "--since", "1h", "--yes"),
        ("promote", "--yes"),
        ("rollback", "--yes"),
        ("sandbox", "send", "events/ecr-push.json"),
    ],
    ids=lambda v: v[0] if v[0] != "sandbox" else "sandbox-send",
)
def test_given_no_server_on_the_endpoint_when_a_verb_runs_then_one_error_line_and_exit_2(
    verb: tuple[str, ...],
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    done = turnout("--endpoint-url", url, *verb, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [f"turnout: error: cannot reach {url}: is `turnout sandbox serve` running?"]
    assert "Traceback" not in done.stdout


def test_given_sandbox_serve_when_a_client_calls_then_sigterm_stops_it_and_frees_the_port() -> None:
    port = closed_port()
    with serving("--port", str(port), "--speed", "100") as (proc, first):
        assert f"sandbox listening on http://127.0.0.1:{port}" in first, first
        assert "x100" in first

        status = turnout("--endpoint-url", f"http://127.0.0.1:{port}", "status", "-o", "json")
        assert status.returncode == 0, status.stderr
        snapshot = json.loads(status.stdout)
        assert snapshot["stack"] == "turnout-hello-aws"
        assert snapshot["service"] == "cluster-hello-aws/service-hello-aws"

        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0
        assert "sandbox stopped" in out
    with socket.socket() as probe:  # the port is free again
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


def test_given_the_sample_events_when_listed_then_the_send_fixtures_exist() -> None:
    assert Path(ROOT, "events", "ecr-push.json").is_file()
