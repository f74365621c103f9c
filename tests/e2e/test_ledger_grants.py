"""Each function's ledger access as template.yaml narrows it (issue 12 item 5): only the item
actions its code calls, only on the partitions it keys (dynamodb:LeadingKeys), evaluated by
the sandbox's IAM as AWS evaluates it. The scenarios prove the grants suffice
(test_least_privilege.py); these prove what lies outside them is denied."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from turnout_sandbox.scenarios import Run

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    started = Run(None, speed=100.0, iam="enforce")
    try:
        yield started
    finally:
        started.close()


def as_function(run: Run, logical: str) -> Any:
    """A DynamoDB client signed as the function's role (the credentials Lambda would give it)."""
    spec = next(f for key, f in run.stack.functions.items() if key.startswith(logical))
    role = run.sandbox.client("lambda").get_function_configuration(FunctionName=spec.name)["Role"]
    keys = run.sandbox.principal(role, spec.name)
    return boto3.client(
        "dynamodb",
        region_name=run.sandbox.region,
        aws_access_key_id=keys.access_key,
        aws_secret_access_key=keys.secret_key,
        aws_session_token=keys.session_token,
    )


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def denied(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    error = refused.value.response["Error"]
    assert error["Code"] == "AccessDeniedException", error
    return str(error["Message"])


def test_given_resolve_image_when_it_reads_its_service_then_allowed_and_another_denied(
    run: Run,
) -> None:
    ddb = as_function(run, "ResolveImageFunction")
    table = run.stack.outputs["LedgerTableName"]
    own = f"SERVICE#{run.stack.outputs['ServiceKey']}"
    ddb.get_item(TableName=table, Key=key(own, "STATE"))  # allowed: no error
    message = denied(ddb.get_item, TableName=table, Key=key("SERVICE#cluster-x/other", "STATE"))
    assert "dynamodb:GetItem" in message
    denied(ddb.get_item, TableName=table, Key=key("GATES", "d-1"))
    # only GetItem: ResolveImage writes nothing
    denied(
        ddb.update_item,
        TableName=table,
        Key=key(own, "STATE"),
        UpdateExpression="SET x = :x",
        ExpressionAttributeValues={":x": {"S": "y"}},
    )


@pytest.mark.parametrize(
    "logical", ["AdmitFunction", "FinishFunction", "RenderFunction", "ResolveCommitFunction"]
)
def test_given_a_queue_function_when_it_queries_the_gates_or_scans_then_denied(
    run: Run, logical: str
) -> None:
    ddb = as_function(run, logical)
    table = run.stack.outputs["LedgerTableName"]
    denied(ddb.scan, TableName=table)
    denied(
        ddb.query,
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "GATES"}},
    )
    denied(ddb.delete_item, TableName=table, Key=key("GATES", "d-1"))


def test_given_gate_tick_when_it_queries_gates_and_waits_then_allowed_and_the_queue_denied(
    run: Run,
) -> None:
    ddb = as_function(run, "GateTickFunction")
    table = run.stack.outputs["LedgerTableName"]
    for pk in ("GATES", "WAITS"):
        ddb.query(
            TableName=table,
            KeyConditionExpression="#p = :pk",
            ExpressionAttributeNames={"#p": "pk"},
            ExpressionAttributeValues={":pk": {"S": pk}},
        )
    denied(
        ddb.query,
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "SERVICE#cluster-x/other"}},
    )
    # GateTick never writes the queue state (Admit and Finish do)
    denied(
        ddb.put_item,
        TableName=table,
        Item=key(f"SERVICE#{run.stack.outputs['ServiceKey']}", "STATE"),
    )
    denied(ddb.scan, TableName=table)
