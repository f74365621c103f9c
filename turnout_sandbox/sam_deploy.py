"""``sam deploy`` into the sandbox: a change set's Serverless template through the sandbox's
own deploy path (the same as ``Sandbox.deploy_stack``'s), its code from the SAM-managed bucket.

:class:`ChangeSetDeployer` is the runtime's ``template_deployer``: ExecuteChangeSet
(:mod:`turnout_sandbox.emulators.changesets`) calls ``prepare`` before moto creates or updates
the stack and ``finish`` after. A template without the Serverless transform (the SAM CLI's
managed-bucket stack) is left to moto.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from turnout_sandbox import cfn


class StackDeployer(Protocol):
    """What the deployer needs of the sandbox (``Sandbox`` is one): its deploy path in two
    halves around moto's own create/update, its pseudo parameters and its clients."""

    def pseudo_parameters(self, stack: str) -> dict[str, str]: ...

    def client(self, service: str) -> Any: ...

    def prepare_template(
        self,
        name: str,
        sam: dict[str, Any],
        parameters: dict[str, str],
        code_dirs: dict[str, str],
        *,
        update: bool = False,
    ) -> cfn.PreparedTemplate: ...

    def finish_template(self, prepared: cfn.PreparedTemplate) -> Any: ...


#: The transform ``sam deploy`` templates declare (AWS SAM Developer Guide, "AWS SAM template
#: anatomy": ``Transform: AWS::Serverless-2016-10-31``).
SERVERLESS = "AWS::Serverless-2016-10-31"


def is_serverless(template: Mapping[str, Any]) -> bool:
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return SERVERLESS in names


class ChangeSetDeployer:
    """Deploys change sets' Serverless templates into ``sandbox`` (code unpacked under a
    temporary directory, removed by :meth:`close`)."""

    def __init__(self, sandbox: StackDeployer) -> None:
        self.sandbox = sandbox
        self._workdir = tempfile.TemporaryDirectory(prefix="turnout-sam-deploy-")
        self._deploys = 0

    def expand(
        self, stack_name: str, template: str, parameters: Mapping[str, str]
    ) -> dict[str, Any] | None:
        """The template after the Serverless transform (what CreateChangeSet lists the changes
        of); None without the transform. SandboxError when the transform fails."""
        sam = cfn.parse_template(template, f"stack {stack_name}")
        if not is_serverless(sam):
            return None
        pseudo = self.sandbox.pseudo_parameters(stack_name)
        return cfn.sam_transform(sam, {**pseudo, **parameters})

    def prepare(
        self, stack_name: str, template: str, parameters: Mapping[str, str], kind: str
    ) -> cfn.PreparedTemplate | None:
        sam = cfn.parse_template(template, f"stack {stack_name}")
        if not is_serverless(sam):
            return None
        self._deploys += 1  # each deploy's code apart: an update must not run the old code
        workdir = Path(self._workdir.name) / f"{stack_name}-{self._deploys}"
        code_dirs = cfn.fetch_packaged(sam, self.sandbox.client("s3"), workdir)
        try:
            return self.sandbox.prepare_template(
                stack_name, sam, dict(parameters), code_dirs, update=kind == "UPDATE"
            )
        except cfn.ResourceFailed:
            raise
        except cfn.SandboxError as exc:  # the transform, the parameters: the stack's own
            raise cfn.ResourceFailed(stack_name, "AWS::CloudFormation::Stack", str(exc)) from None

    def finish(self, prepared: Any) -> None:
        try:
            self.sandbox.finish_template(prepared)
        except cfn.ResourceFailed:
            raise
        except cfn.SandboxError as exc:
            name = prepared.name
            raise cfn.ResourceFailed(name, "AWS::CloudFormation::Stack", str(exc)) from None

    def close(self) -> None:
        self._workdir.cleanup()
