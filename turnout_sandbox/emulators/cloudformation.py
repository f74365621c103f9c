"""CloudFormation attributes moto's models lack but AWS documents (Fn::GetAtt)."""

from __future__ import annotations

import json
from typing import Any

_INSTALLED = False


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    from moto.stepfunctions.models import StateMachine

    original_has = StateMachine.has_cfn_attr.__func__  # type: ignore[attr-defined]
    original_get = StateMachine.get_cfn_attribute

    def has_cfn_attr(cls: type, attr: str) -> bool:
        return attr == "Arn" or bool(original_has(cls, attr))

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        if (
            attribute_name == "Arn"
        ):  # AWS::StepFunctions::StateMachine: Arn, Name, StateMachineRevisionId
            return self.arn
        return original_get(self, attribute_name)

    from moto.events.models import Archive

    original_archive = Archive.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_archive(
        cls: type,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        # AWS::Events::Archive EventPattern is of type Json: an object in templates.
        props = cloudformation_json.get("Properties", {})
        if isinstance(props.get("EventPattern"), dict):
            props = {**props, "EventPattern": json.dumps(props["EventPattern"])}
            cloudformation_json = {**cloudformation_json, "Properties": props}
        return original_archive(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        )

    Archive.create_from_cloudformation_json = classmethod(create_archive)  # type: ignore[method-assign,assignment,arg-type]
    # AWS: Ref of an AWS::Events::Archive is the archive name.
    setattr(Archive, "physical_resource_id", property(lambda self: self.name))  # noqa: B010
    # With execute_state_machine on, the API serves from the parser backend, but
    # moto's CloudFormation creates state machines in the plain one: point it there.
    import moto.stepfunctions.models as sfn_models
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    sfn_models.stepfunctions_backends = stepfunctions_parser_backends  # type: ignore[assignment]
    _install_fn_sub()
    StateMachine.has_cfn_attr = classmethod(has_cfn_attr)  # type: ignore[method-assign,assignment]
    StateMachine.get_cfn_attribute = get_cfn_attribute  # type: ignore[method-assign]
    _INSTALLED = True


def reset() -> None:
    """Nothing to clear: this module only adds attributes."""


def _install_fn_sub() -> None:
    """AWS's Fn::Sub replaces only ``${Name}``; moto's uses string.Template, which also
    turns ``$$`` into ``$`` and so breaks ``$$.Execution.Id`` in state machine definitions."""
    import re

    from moto.cloudformation import parsing

    original = parsing.clean_json

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and isinstance(resource_json.get("Fn::Sub"), list):
            template, mappings = resource_json["Fn::Sub"]
            values = {k: str(original(v, resources_map)) for k, v in mappings.items()}

            def repl(match: re.Match[str]) -> str:
                name = match.group(1)
                return values[name] if name in values else match.group(0)

            text = re.sub(r"\$\{([^}!][^}]*)\}", repl, str(original(template, resources_map)))
            return original({"Fn::Sub": text}, resources_map)
        return original(resource_json, resources_map)

    parsing.clean_json = clean_json
