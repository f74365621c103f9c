"""The stack's outputs: how the CLI finds every resource (template.yaml ``Outputs``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from turnout_cli.errors import CliError
from turnout_cli.session import Aws, error_code, error_message

#: Outputs that every turnout stack has; their absence means "not a turnout stack".
CORE_OUTPUTS = ("LedgerTableName", "ServiceKey")


@dataclass(frozen=True)
class Stack:
    name: str
    status: str
    outputs: Mapping[str, str]

    def need(self, *keys: str) -> None:
        missing = [k for k in keys if not self.outputs.get(k)]
        if missing:
            raise CliError(
                f"stack {self.name!r} lacks turnout's outputs {', '.join(missing)}: "
                "is it a turnout stack (deployed from template.yaml)?"
            )

    def __getitem__(self, key: str) -> str:
        self.need(key)
        return self.outputs[key]

    def get(self, key: str, default: str = "") -> str:
        return self.outputs.get(key) or default

    @property
    def table(self) -> str:
        return self["LedgerTableName"]

    @property
    def service(self) -> str:
        return self["ServiceKey"]


def load_stack(aws: Aws) -> Stack:
    name = aws.options.stack
    cfn = aws.client("cloudformation")
    try:
        stacks = cfn.describe_stacks(StackName=name).get("Stacks", [])
    except Exception as exc:
        if error_code(exc) == "ValidationError" and "does not exist" in error_message(exc):
            raise CliError(
                f"stack {name!r} does not exist {aws.where()}: pass --stack NAME or set "
                "TURNOUT_STACK"
            ) from None
        raise
    if not stacks:
        raise CliError(
            f"stack {name!r} does not exist {aws.where()}: pass --stack NAME or set TURNOUT_STACK"
        )
    found = stacks[0]
    outputs = {
        str(o["OutputKey"]): str(o.get("OutputValue", "")) for o in found.get("Outputs", []) or []
    }
    stack = Stack(name=name, status=str(found.get("StackStatus", "")), outputs=outputs)
    stack.need(*CORE_OUTPUTS)
    return stack
