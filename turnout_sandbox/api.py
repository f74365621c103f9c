"""What the CLI uses: scenarios and the server mode."""

from __future__ import annotations

from turnout_sandbox.scenarios import SCENARIOS, ScenarioResult, Step, run_scenario
from turnout_sandbox.server import (
    DEFAULT_PORT,
    PortInUse,
    Ready,
    SandboxServer,
    ServerConfigError,
    ServerOptions,
    default_region,
    serve,
)

__all__ = [
    "DEFAULT_PORT",
    "SCENARIOS",
    "PortInUse",
    "Ready",
    "SandboxServer",
    "ScenarioResult",
    "ServerConfigError",
    "ServerOptions",
    "Step",
    "default_region",
    "run_scenario",
    "serve",
]
