"""The ``turnout`` command: operate a turnout stack (or the offline sandbox).

Exit codes: 0 success, 1 the operation failed (e.g. a deployment rolled back), 2 bad usage
or input. Heavy modules (boto3, rich.live, the sandbox, moto) load inside the commands.

The application lives in :mod:`turnout_cli.app`, the global options in
:mod:`turnout_cli.options`, the verbs in :mod:`turnout_cli.commands` (one module per
family); importing them here registers the verbs, in the order ``--help`` lists them.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
import sys

from turnout_cli.app import app

# The families of verbs, in the order ``--help`` lists them (importing one registers it).
# isort: off
import turnout_cli.commands.deploy
import turnout_cli.commands.status
import turnout_cli.commands.gate
import turnout_cli.commands.approval
import turnout_cli.commands.sandbox  # noqa: F401

# isort: on

__all__ = ["app", "main"]

#: The cyclic collector's thresholds while a verb runs. A sandbox verb builds some 600,000
#: objects (moto, botocore's models, the stack) that live to the end; at CPython's default
#: (2000 allocations) the collector ran about 400 times in one ``turnout demo``, 1.7 s of
#: its 8, rescanning them. Collected every 100,000 allocations it runs about a tenth as often.
GC_THRESHOLDS = (100_000, 50, 1000)


def main() -> None:  # pragma: no cover (the console script; tests call ``app``)
    """The ``turnout`` console script: run the verb, then end the process.

    A verb's answer is complete when it returns (printed, flushed, its exit code chosen), so
    the interpreter's own teardown (freeing every module and object one by one, 2.3 s after
    a sandbox verb) is skipped: stdout, stderr and logging are flushed and the ``atexit``
    handlers run, then the process exits with the verb's code. An exception that escapes a
    verb ends the process the usual way, traceback and all."""
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        app(prog_name="turnout")
    except SystemExit as exit_:
        code = exit_.code
    else:
        code = 0
    status = code if isinstance(code, int) else (0 if code is None else 1)
    if isinstance(code, str):
        print(code, file=sys.stderr)
    atexit._run_exitfuncs()  # what interpreter shutdown would run first
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (turnout ... | head): nothing to lose
            status = status or 1
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    main()
