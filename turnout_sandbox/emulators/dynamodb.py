"""DynamoDB writes are atomic per item on AWS; moto's are read-modify-write in Python.

Two threads updating different attributes of one item at the same moment (the deploy state
machine arming the health gate while CodeDeploy's hook starts it) can lose one update in
moto. The sandbox serialises moto's write operations so each is atomic, as on AWS
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html:
"all write requests are applied in the order in which they are received").

Nothing is patched at import: :data:`PATCHES` are applied and undone by the sandbox's registry
(:mod:`turnout_sandbox.patches`). The module keeps no state (one process-wide lock).
"""

from __future__ import annotations

import threading
from typing import Any, Final

from turnout_sandbox.patches import AttributePatch, Internal, Patch

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


PATCHES: Final[tuple[Patch, ...]] = tuple(_atomic_write(name) for name in _WRITES)
INTERNALS: Final[tuple[Internal, ...]] = ()


def reset() -> None:
    """Nothing to clear: this module only serialises writes."""
