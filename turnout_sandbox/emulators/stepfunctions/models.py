"""The Step Functions emulator's configuration and its one error.

The emulator keeps no state of its own (moto's interpreter holds the executions): only two
process-wide settings, the CodeBuild ``.sync`` poll interval and a client seam for tests,
which :func:`reset` restores to their defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "DEFAULT_CODEBUILD_POLL_SECONDS",
    "SETTINGS",
    "AwsSdkIntegrationError",
    "ClientFactory",
    "Settings",
    "configure",
    "reset",
]

DEFAULT_CODEBUILD_POLL_SECONDS: Final[float] = 10.0

#: ``(service, region) -> boto3 client``; a seam for tests (fake CodeBuild clients).
ClientFactory = Callable[[str, str], Any]


class AwsSdkIntegrationError(ValueError):
    """A Task's integration cannot be mapped to an AWS API (names the ARN/field at fault)."""


@dataclass
class Settings:
    codebuild_poll_seconds: float = DEFAULT_CODEBUILD_POLL_SECONDS
    client_factory: ClientFactory | None = None


SETTINGS: Final = Settings()


def configure(
    *,
    codebuild_poll_seconds: float | None = None,
    client_factory: ClientFactory | None = None,
) -> None:
    """Tune the emulation: CodeBuild ``.sync`` poll interval (virtual s), client seam."""
    if codebuild_poll_seconds is not None:
        if codebuild_poll_seconds <= 0:
            raise ValueError(
                f"stepfunctions emulator: codebuild_poll_seconds must be positive, "
                f"got {codebuild_poll_seconds!r}"
            )
        SETTINGS.codebuild_poll_seconds = float(codebuild_poll_seconds)
    if client_factory is not None:
        SETTINGS.client_factory = client_factory


def reset() -> None:
    """Forget configuration (poll interval, client seam); patches stay installed."""
    SETTINGS.codebuild_poll_seconds = DEFAULT_CODEBUILD_POLL_SECONDS
    SETTINGS.client_factory = None
