"""adapters/health.py, the HTTP probe: a health endpoint that closes the connection without
an answer (an application still starting) is pending, and the gate names the URL once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from turnout.adapters.health import probe
from turnout.gate import GateConfig, Observation, Verdict, evaluate, start

pytestmark = pytest.mark.integration


class _Silent(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.close_connection = True  # no status line: "Remote end closed connection"

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Silent)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/actuator/health"
    finally:
        server.shutdown()
        server.server_close()


def test_given_an_endpoint_that_never_answers_when_probed_then_pending_and_the_url_named_once(
    url: str,
) -> None:
    status, error = probe(url, timeout=2.0)

    assert status is None
    assert error is not None
    assert url not in error
    config = GateConfig(bake_seconds=60, timeout_seconds=600, check_targets=False, http_url=url)
    result = evaluate(
        config,
        start(0.0),
        Observation(at=30.0, target_states=None, http_status=status, http_error=error),
    )
    assert result.verdict is Verdict.WAIT
    assert result.reason.count(url) == 1
    assert result.reason.startswith(f"{url} did not answer: ")
