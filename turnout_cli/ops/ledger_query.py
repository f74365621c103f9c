"""Ledger reads sized to what the CLI shows (DynamoDB Query with ``Limit`` and key ranges).

The core's :class:`turnout.adapters.store.Store` queries by prefix, one full page at a time;
these read only the rows a verb needs (aws-fidelity rows 29 and 41): ``Limit`` bounds what
a Query reads and bills ("The maximum number of items to evaluate", DynamoDB API Reference,
Query), and ``sk BETWEEN`` selects a time range, since attempt ids sort by time
(``turnout.clock.new_attempt_id``: ``20261126T064820123456Z-1a2b3c``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from turnout.adapters.store import Store

#: DynamoDB Query's page size the CLI asks for at most (a page stays small and cheap).
PAGE_LIMIT = 100
_PREFIX = "ATTEMPT#"


def attempt_key(moment: float) -> str:
    """The sort key of the first attempt id at ``moment`` (ids start with the UTC time)."""
    return _PREFIX + datetime.fromtimestamp(moment, tz=UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _pages(store: Store, kwargs: dict[str, Any], limit: int | None) -> Iterator[dict[str, Any]]:
    """The items of a Query, page after page (``LastEvaluatedKey``), at most ``limit``."""
    from turnout.adapters.store import decode_item

    def pages() -> Iterator[Mapping[str, Any]]:
        page: Mapping[str, Any] = store.ddb.query(**kwargs)
        yield page
        while page.get("LastEvaluatedKey"):
            page = store.ddb.query(**kwargs, ExclusiveStartKey=page["LastEvaluatedKey"])
            yield page

    items = (decode_item(item) for page in pages() for item in page.get("Items", []))
    return islice(items, limit)


def newest_attempts(store: Store, service: str, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` attempts, reading pages of ``min(limit, 100)`` items."""
    from turnout.adapters.store import encode_item

    kwargs: dict[str, Any] = {
        "TableName": store.table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :p)",
        "ExpressionAttributeValues": encode_item({":pk": f"SERVICE#{service}", ":p": _PREFIX}),
        "ScanIndexForward": False,
        "ConsistentRead": True,
        "Limit": max(1, min(limit, PAGE_LIMIT)),
    }
    return list(_pages(store, kwargs, limit))


def attempts_between(store: Store, service: str, start: float, end: float) -> list[dict[str, Any]]:
    """Every attempt whose id was made between ``start`` and ``end`` (epoch seconds), oldest
    first: ``sk BETWEEN ATTEMPT#<start> AND ATTEMPT#<end>``, however old the window."""
    from turnout.adapters.store import encode_item

    kwargs: dict[str, Any] = {
        "TableName": store.table,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": encode_item(
            {
                ":pk": f"SERVICE#{service}",
                ":lo": attempt_key(start),
                # "~" sorts after every id character: the whole last microsecond is in
                ":hi": attempt_key(end) + "~",
            }
        ),
        "ScanIndexForward": True,
        "ConsistentRead": True,
        "Limit": PAGE_LIMIT,
    }
    return list(_pages(store, kwargs, None))
