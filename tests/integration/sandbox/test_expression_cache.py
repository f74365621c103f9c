"""moto's DynamoDB expressions parsed once per text answer as moto's own parsing
(turnout_sandbox.expression_cache)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.ddb_table import create_ledger_shaped_table
from tests.patch_state import patch_state
from turnout_sandbox import expression_cache

REGION = "ap-northeast-2"
KEY = {"pk": {"S": "SERVICE#s"}, "sk": {"S": "GATE#1"}}

#: (UpdateExpression, ConditionExpression or None, names, values): met, failed and invalid.
STEPS: list[tuple[str, str | None, dict[str, str], dict[str, Any]]] = [
    (
        "SET #c = :one, #r = :r",
        "attribute_not_exists(#c)",
        {"#c": "checks", "#r": "reason"},
        {":one": {"N": "1"}, ":r": {"S": "waiting"}},
    ),
    ("SET #c = #c + :one", "#c = :n", {"#c": "checks"}, {":one": {"N": "1"}, ":n": {"N": "1"}}),
    ("SET #c = #c + :one", "#c = :n", {"#c": "checks"}, {":one": {"N": "1"}, ":n": {"N": "1"}}),
    (
        "SET #t = list_append(if_not_exists(#t, :e), :l)",
        "#c BETWEEN :lo AND :hi",
        {"#t": "ticks", "#c": "checks"},
        {":e": {"L": []}, ":l": {"L": [{"S": "a"}]}, ":lo": {"N": "1"}, ":hi": {"N": "9"}},
    ),
    (
        "ADD #n :one REMOVE #r",
        "begins_with(#s, :p) AND #c IN (:a, :b)",
        {"#n": "n", "#r": "reason", "#s": "sk", "#c": "checks"},
        {":one": {"N": "1"}, ":p": {"S": "GATE"}, ":a": {"N": "2"}, ":b": {"N": "3"}},
    ),
    ("SET #c = :one", "NOT attribute_exists(#c)", {"#c": "checks"}, {":one": {"N": "1"}}),
    ("SET #c = = :one", None, {"#c": "checks"}, {":one": {"N": "1"}}),
]


def _replay() -> list[Any]:
    ddb = boto3.client("dynamodb", region_name=REGION)
    seen: list[Any] = []
    for update, condition, names, values in STEPS:
        kwargs: dict[str, Any] = {
            "TableName": "t",
            "Key": KEY,
            "UpdateExpression": update,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if condition:
            kwargs["ConditionExpression"] = condition
        try:
            ddb.update_item(**kwargs)
            seen.append(ddb.get_item(TableName="t", Key=KEY)["Item"])
        except ClientError as exc:
            seen.append((exc.response["Error"]["Code"], exc.response["Error"]["Message"]))
    return seen


@pytest.fixture
def table() -> Iterator[None]:
    with mock_aws():
        create_ledger_shaped_table(boto3.client("dynamodb", region_name=REGION), "t")
        yield


def _fresh_item() -> None:
    boto3.client("dynamodb", region_name=REGION).delete_item(TableName="t", Key=KEY)


def test_given_updates_and_conditions_when_parsed_once_then_items_and_errors_are_moto_own(
    table: None,
) -> None:
    both = [expression_cache.shared_update_ast, expression_cache.shared_lex]
    with patch_state(both[0], applied=False), patch_state(both[1], applied=False):
        moto_own = _replay()
    with patch_state(both[0], applied=True), patch_state(both[1], applied=True):
        expression_cache.clear()
        _fresh_item()
        first = _replay()
        assert expression_cache.size() > 0
        _fresh_item()
        again = _replay()  # every text from the caches this time
    assert first == moto_own
    assert again == moto_own
    outcomes = [type(step).__name__ for step in moto_own]
    assert outcomes.count("tuple") >= 3, "failed and invalid steps are part of the replay"
    assert moto_own[2][0] == "ConditionalCheckFailedException"  # checks moved on: 2, not 1
    assert moto_own[-2][0] == "ConditionalCheckFailedException"
    assert moto_own[-1][0] == "ValidationException"
