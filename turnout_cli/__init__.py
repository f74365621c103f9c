"""The ``turnout`` operator command (local only: never shipped in the Lambda layer)."""
