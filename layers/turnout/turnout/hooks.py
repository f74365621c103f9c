"""The AppSpec lifecycle event turnout's health gate runs on (CodeDeploy's AfterAllowTraffic:
production traffic is on the replacement task set). A leaf module: the renderer and the
repository policy both read it, and neither imports the other at run time."""

from typing import Final

GATE_HOOK_EVENT: Final = "AfterAllowTraffic"
