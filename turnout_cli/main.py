"""The ``turnout`` command: operate a turnout stack (or the offline sandbox).

Exit codes: 0 success, 1 the operation failed (e.g. a deployment rolled back), 2 bad usage
or input. Heavy modules (boto3, rich.live, the sandbox, moto) load inside the commands.

The application lives in :mod:`turnout_cli.app`, the global options in
:mod:`turnout_cli.options`, the verbs in :mod:`turnout_cli.commands` (one module per
family); importing them here registers the verbs, in the order ``--help`` lists them.
"""

from __future__ import annotations

from turnout_cli.app import app

# The families of verbs, in the order ``--help`` lists them (importing one registers it).
# isort: off
import turnout_cli.commands.deploy
import turnout_cli.commands.status
import turnout_cli.commands.gate
import turnout_cli.commands.approval
import turnout_cli.commands.sandbox  # noqa: F401

# isort: on

__all__ = ["app"]

if __name__ == "__main__":  # pragma: no cover
    app()
