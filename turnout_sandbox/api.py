"""What the CLI uses: scenarios and the server mode."""

from __future__ import annotations

from turnout_sandbox.faults import FaultSpec, FaultSpecError
from turnout_sandbox.scenarios import SCENARIOS, ScenarioResult, Step, run_scenario
from turnout_sandbox.server import (
    DEFAULT_PORT,
    PortInUse,
    SandboxServer,
    ServerConfigError,
    ServerOptions,
    serve,
)
from turnout_sandbox.server_guard import AccessKeyError, resolve_access_key

__all__ = [
    "DEFAULT_PORT",
    "SCENARIOS",
    "AccessKeyError",
    "FaultSpec",
    "FaultSpecError",
    "PortInUse",
    "SandboxServer",
    "ScenarioResult",
    "ServerConfigError",
    "ServerOptions",
    "Step",
    "resolve_access_key",
    "run_scenario",
    "serve",
]
