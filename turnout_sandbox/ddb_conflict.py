"""A real competing writer (fault injection ``ddb-conflict``): just before a conditional write
of a principal of the stack, another writer rewrites the item the way a second turnout
writer would, so the write fails its condition for real.

Only an item holding a numeric ``version`` (an optimistic-concurrency counter: turnout's
service STATE item) is raced: the competitor keeps its content and adds 1 to ``version``, as
a writer that read, changed nothing and saved would. Items conditioned on their absence or
on who took them (seen events, build claims, gate checks) are left alone: a competing writer
there is a real second delivery or a second tick, which ``event-duplicate`` and overlapping
schedules cover. A conditional write that fails answers ``ConditionalCheckFailedException``
(DynamoDB API Reference, PutItem/UpdateItem, "ConditionExpression").
"""

from __future__ import annotations

import json
from typing import Any, Final

from botocore.exceptions import ClientError

from turnout_sandbox.faults import FaultInjector

__all__ = ["CONDITIONAL_WRITES", "compete"]

#: The writes a competitor races (a ConditionExpression is what makes them fail).
CONDITIONAL_WRITES: Final = frozenset({"PutItem", "UpdateItem"})


def _key_of(client: Any, table: str, request: dict[str, Any], operation: str) -> dict[str, Any]:
    if operation == "UpdateItem":
        return dict(request.get("Key") or {})
    schema = client.describe_table(TableName=table)["Table"]["KeySchema"]
    item = request.get("Item") or {}
    return {k["AttributeName"]: item[k["AttributeName"]] for k in schema}


def _conditional_write(operation: str, body: Any) -> dict[str, Any]:
    """The request of a conditional PutItem/UpdateItem ({} for any other request); ``body``
    is the request's JSON text, or the object moto's DynamoDB handler already parsed."""
    if operation not in CONDITIONAL_WRITES:
        return {}
    try:
        request = body if isinstance(body, dict) else json.loads(body or "{}")
    except (TypeError, ValueError):
        return {}
    return request if isinstance(request, dict) and request.get("ConditionExpression") else {}


def compete(
    faults: FaultInjector, client: Any, operation: str, body: Any, caller: str
) -> str | None:
    """Race the conditional write ``body`` (the request's JSON) when the spec says so; what
    the competitor did (also recorded by ``faults``), or None when it did not write."""
    request = _conditional_write(operation, body)
    table = str(request.get("TableName", ""))
    if not table or not faults.ddb_conflict(table, operation, caller):
        return None
    key = _key_of(client, table, request, operation)
    current = client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item") or {}
    version = current.get("version", {}).get("N")
    if version is None:
        return None  # nothing a competing writer of turnout's would race
    try:
        client.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #v = :next",
            ConditionExpression="#v = :seen",
            ExpressionAttributeNames={"#v": "version"},
            ExpressionAttributeValues={
                ":next": {"N": str(int(version) + 1)},
                ":seen": {"N": version},
            },
        )
    except ClientError:
        return None  # a real writer got there in between: the race happened anyway
    shown = ", ".join(f"{k}={next(iter(v.values()))}" for k, v in sorted(key.items()))
    answer = (
        f"a competing writer saved version {int(version) + 1} first: "
        "ConditionalCheckFailedException"
    )
    faults.record_conflict(f"dynamodb.{operation} {table} ({shown})", caller, answer)
    return answer
