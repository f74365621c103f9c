"""The operations behind the verbs, on AWS (or the sandbox) through :class:`Aws`, one module
per family of verbs: build, replay (redeploy), status (status and history), gate (promote
and rollback); common holds what they share.

Pure decisions (phases, windows, records) live in status.py, parsing.py and ledger.py; these
modules read and write AWS and raise :class:`CliError` with one clear line.
"""
