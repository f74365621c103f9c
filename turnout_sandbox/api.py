"""What the CLI uses: scenarios and the server mode."""

from __future__ import annotations

from turnout_sandbox.faults import FaultSpec, FaultSpecError
from turnout_sandbox.runtime import CLOCKS
from turnout_sandbox.scenarios import SCENARIOS, ScenarioResult, run_scenario
from turnout_sandbox.server import (
    DEFAULT_PORT,
    ENGINES,
    PortInUse,
    Ready,
    SandboxServer,
    ServerConfigError,
    ServerOptions,
    default_region,
    serve,
)
from turnout_sandbox.server_guard import AccessKeyError, resolve_access_key
from turnout_sandbox.timeline import Step

__all__ = [
    "CLOCKS",
    "DEFAULT_PORT",
    "ENGINES",
    "SCENARIOS",
    "AccessKeyError",
    "FaultSpec",
    "FaultSpecError",
    "PortInUse",
    "Ready",
    "SandboxServer",
    "ScenarioResult",
    "ServerConfigError",
    "ServerOptions",
    "Step",
    "default_region",
    "resolve_access_key",
    "run_scenario",
    "serve",
]
