"""Fakes the CLI's unit tests share."""

from __future__ import annotations

from typing import Any

#: The fake session's "now" (epoch seconds).
T0 = 1_795_000_000.0


class FakeAws:
    """The CLI's Aws with the given fake clients (by service name)."""

    def __init__(self, **clients: Any) -> None:
        self.clients = clients

    def client(self, service: str) -> Any:
        return self.clients[service]

    def now(self) -> float:
        return T0
