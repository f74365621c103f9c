"""DynamoDB writes are atomic per item on AWS; moto's are read-modify-write in Python.

Two threads updating different attributes of one item at the same moment (the deploy state
machine arming the health gate while CodeDeploy's hook starts it) can lose one update in
moto. The sandbox serialises moto's write operations so each is atomic, as on AWS.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_LOCK = threading.RLock()
_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
_INSTALLED = False


def _atomic(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    wrapper.__turnout_atomic__ = True  # type: ignore[attr-defined]
    return wrapper


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    from moto.dynamodb.models import DynamoDBBackend

    for name in _WRITES:
        method = getattr(DynamoDBBackend, name, None)
        if method is not None and not getattr(method, "__turnout_atomic__", False):
            setattr(DynamoDBBackend, name, _atomic(method))
    _INSTALLED = True


def reset() -> None:
    """Nothing to clear: this module only serialises writes."""
