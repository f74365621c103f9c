"""The DynamoDB tables the sandbox tests write to: ``t`` keyed by the string ``k``, and a
table keyed as the ledger is (``pk`` and ``sk``, both strings)."""

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


def create_ledger_shaped_table(ddb: Any, name: str) -> None:
    """Create ``name`` keyed as the ledger is (hash ``pk``, range ``sk``, strings; on demand)."""
    ddb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
