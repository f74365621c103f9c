"""The ledger table as template.yaml declares it, for worlds that make AWS without the stack.

The sandbox deploys the template (CloudFormation creates the table); the handler tests and
``bench/cold_world.py`` build their AWS by hand on moto, and create the table here from the
template's own ``LedgerTable`` properties, so its keys cannot drift from the stack's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from turnout_sandbox import cfn

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"


def create_ledger_table(dynamodb: DynamoDBClient, name: str, template: Path = TEMPLATE) -> None:
    """CreateTable ``name`` with the key schema and billing mode of the template's ledger."""
    declared = cfn.load_template(template)["Resources"]["LedgerTable"]["Properties"]
    dynamodb.create_table(
        TableName=name,
        KeySchema=declared["KeySchema"],
        AttributeDefinitions=declared["AttributeDefinitions"],
        BillingMode=declared["BillingMode"],
    )
