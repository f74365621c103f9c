"""Typed CLI errors: each carries the one line the user sees and the exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # the operation itself failed (a deployment rolled back, an AWS call failed)
EXIT_USAGE = 2  # bad usage or input: nothing was done


class CliError(Exception):
    """Bad usage or input (exit 2). The message names the option, value or resource at fault."""

    exit_code: int = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OperationFailed(CliError):
    """The operation ran and failed (exit 1)."""

    exit_code = EXIT_FAILED


class NothingRunning(CliError):
    """promote/rollback with no deployment in a state they can act on (exit 2)."""
