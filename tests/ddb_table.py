"""The DynamoDB table the sandbox tests write to: ``t``, keyed by the string ``k``."""

from __future__ import annotations

from typing import Any


def create_key_table(ddb: Any) -> None:
    """Create ``t`` (hash key ``k``, a string; on demand) through the client ``ddb``."""
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
