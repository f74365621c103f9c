"""A verb run to the end of the deployment it starts: ``--yes --wait``, polling fast."""

from __future__ import annotations

import subprocess

from server_world import World

#: Confirmed, waited for, polled every 0.3 s for up to 5 minutes.
FOLLOW = ("--yes", "--wait", "--interval", "0.3", "--timeout", "5m")


def followed(world: World, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """``turnout <args> --yes --wait`` against the world's server."""
    return world.cli(*args, *FOLLOW, timeout=timeout)
