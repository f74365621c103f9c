"""DynamoDB writes are atomic per item on AWS, and reads see only committed items; moto's
writes are read-modify-write in Python, changing the stored item in place.

* Two threads updating different attributes of one item at the same moment (the deploy state
  machine arming the health gate while CodeDeploy's hook starts it) can lose one update in
  moto. The sandbox serialises moto's write operations so each is atomic, as on AWS
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html:
  "all write requests are applied in the order in which they are received").
* A GetItem while moto applies ``SET a = :x, b = :y`` can see ``a`` set and ``b`` not yet: a
  push's ResolveImage read a build row with its result and without its digest, and rejected
  the push (CI, 2026-12-02). AWS: "DynamoDB uses read-committed isolation and ensures that
  read operations always return committed values for an item"
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html).
  So each request to moto's DynamoDB handler, read or write, runs under the same lock, the
  response included (moto serialises the live item inside the handler).

Nothing is patched at import: :data:`PATCHES` are applied and undone by the sandbox's registry
(:mod:`turnout_sandbox.patches`). The module keeps no state (one process-wide lock).
"""

from __future__ import annotations

import threading
from typing import Any, Final

from turnout_sandbox.patches import AttributePatch, Internal, Patch, replaces

__all__ = ["INTERNALS", "PATCHES", "reset"]

_LOCK = threading.RLock()
_WRITES: Final = (
    "put_item",
    "update_item",
    "delete_item",
    "transact_write_items",
    "batch_write_item",
)


def _atomic_write(operation: str) -> AttributePatch:
    """A patch that runs ``DynamoDBBackend.<operation>`` under the one write lock."""

    def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return patch.original(self, *args, **kwargs)

    write.__name__ = write.__qualname__ = operation
    patch = AttributePatch(
        name=f"dynamodb.atomic-{operation.replace('_', '-')}",
        owner="moto.dynamodb.models:DynamoDBBackend",
        attribute=operation,
        new=write,
        why=f"{operation}: atomic per item on AWS; moto's read-modify-write can lose an update",
    )
    return patch


@replaces(
    "moto.dynamodb.responses:DynamoHandler",
    "call_action",
    name="dynamodb.read-committed",
    why="each request sees only committed items (AWS: read-committed isolation); moto's "
    "update changes the live item while a read may serialise it",
)
def committed_request(self: Any) -> Any:
    with _LOCK:
        return committed_request.original(self)


PATCHES: Final[tuple[Patch, ...]] = (
    *(_atomic_write(name) for name in _WRITES),
    committed_request,
)
INTERNALS: Final[tuple[Internal, ...]] = ()


def reset() -> None:
    """Nothing to clear: this module only serialises writes."""
