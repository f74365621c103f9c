"""The verbs, one module per family: deploy (build and redeploy), status (status and
history), gate (promote and rollback), approval (approve), sandbox (demo, sandbox serve/send).
Importing a module registers its verbs on :data:`turnout_cli.app.app`; ``common`` holds what
the verbs share."""
