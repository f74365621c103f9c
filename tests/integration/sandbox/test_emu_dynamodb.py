"""DynamoDB as AWS isolates it: each write atomic per item, each read of committed items only.

AWS: "DynamoDB uses read-committed isolation and ensures that read operations always return
committed values for an item" (HowItWorks.ReadConsistency). moto applies ``SET a = :n, b = :n``
to the live item one action at a time, so without the sandbox's patches a GetItem from another
thread can see ``a`` updated and ``b`` not (a push was rejected in CI that way: a build row
read with its result and without its digest).

The race is made deterministic: moto's SetExecutor is wrapped (in the test only) so that,
between the two SET actions of one UpdateItem, another thread reads the item and the update
waits for that read for up to half a second.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.parsing import executors

from tests.ddb_table import create_ledger_shaped_table
from turnout_sandbox.emulators import dynamodb
from turnout_sandbox.patches import PatchRegistry

TABLE = "ledger"
KEY = {"pk": {"S": "SERVICE#hello"}, "sk": {"S": "BUILD#c1"}}
READ_WAIT = 0.5


@pytest.fixture
def client(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        c = boto3.client("dynamodb", region_name="ap-northeast-2")
        create_ledger_shaped_table(c, TABLE)
        c.put_item(TableName=TABLE, Item=KEY | {"buildId": {"S": "b-1"}})
        yield c


@pytest.fixture
def patched() -> Iterator[None]:
    registry = PatchRegistry()
    registry.extend(dynamodb.PATCHES, dynamodb.INTERNALS)
    registry.apply()
    try:
        yield
    finally:
        registry.undo()


def _read_during_update(client: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Run ``SET buildResult = :r, digest = :d`` with another thread's GetItem between the two
    actions; the item that GetItem returned."""
    original = executors.SetExecutor.execute
    seen: list[dict[str, Any]] = []
    readers: list[threading.Thread] = []
    calls = 0

    def read() -> None:
        seen.append(client.get_item(TableName=TABLE, Key=KEY)["Item"])

    def execute(self: Any, item: Any) -> None:
        nonlocal calls
        original(self, item)
        calls += 1
        if calls == 1:  # after the first SET action, before the second
            reader = threading.Thread(target=read)
            readers.append(reader)
            reader.start()
            reader.join(READ_WAIT)  # blocked on the sandbox's lock: the update goes on

    monkeypatch.setattr(executors.SetExecutor, "execute", execute)
    client.update_item(
        TableName=TABLE,
        Key=KEY,
        UpdateExpression="SET buildResult = :r, digest = :d",
        ExpressionAttributeValues={":r": {"S": "succeeded"}, ":d": {"S": "sha256:abc"}},
    )
    for reader in readers:  # if it was blocked, it reads once the update committed
        reader.join(5)
    assert seen, "the reader never read"
    return seen[0]


def test_given_the_sandbox_patches_when_a_read_races_an_update_then_it_sees_a_committed_item(
    client: Any, patched: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given moto with the sandbox's DynamoDB patches, When a GetItem arrives between the two
    # SET actions of one UpdateItem, Then it returns the item after the whole update.
    item = _read_during_update(client, monkeypatch)
    assert item["buildResult"] == {"S": "succeeded"}
    assert item["digest"] == {"S": "sha256:abc"}


def test_given_plain_moto_when_a_read_races_an_update_then_it_sees_a_torn_item(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given plain moto (what the patch corrects), When the same read arrives, Then it sees
    # the result without the digest: the test above fails without the patch.
    item = _read_during_update(client, monkeypatch)
    assert item["buildResult"] == {"S": "succeeded"}
    assert "digest" not in item
