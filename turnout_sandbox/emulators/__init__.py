"""Emulators of what moto lacks, one per AWS service, after moto's and LocalStack's layout.

The contract every emulator (a module, or a package split into ``models`` / ``responses`` /
...) keeps, so that the sandbox can treat them alike:

* ``PATCHES``: a tuple of :class:`turnout_sandbox.patches.Patch` (mostly ``AttributePatch``
  on a moto ``*Response`` class): everything it changes in moto or botocore. Nothing is
  patched at import; the sandbox applies and undoes them all through
  :data:`turnout_sandbox.patches.REGISTRY`.
* ``INTERNALS``: a tuple of :class:`turnout_sandbox.patches.Internal`, the private moto names
  it reads because no public path exists (may be empty).
* State in a ``moto.core.base_backend.BackendDict`` of its own ``BaseBackend`` subclass, per
  account and region, so moto's own reset (``mock_aws`` stop/start, ``/moto-api/reset``)
  clears it; a backend whose ``reset()`` must also stop background work (lifecycle threads,
  schedules) overrides it and then calls ``super().reset()``.
* ``reset()``: stop background work and forget the emulator's state (the sandbox calls it on
  start and stop).
"""
