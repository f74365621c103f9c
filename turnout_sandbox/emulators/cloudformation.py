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
        if attribute_name == "Arn":  # AWS::StepFunctions::StateMachine: Arn, Name, StateMachineRevisionId
            return self.arn
        return original_get(self, attribute_name)

    from moto.events.models import Archive

    original_archive = Archive.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_archive(cls: type, resource_name: str, cloudformation_json: Any, account_id: str,
                       region_name: str, **kwargs: Any) -> Any:
        # AWS::Events::Archive EventPattern is of type Json: an object in templates.
        props = cloudformation_json.get("Properties", {})
        if isinstance(props.get("EventPattern"), dict):
            props = {**props, "EventPattern": json.dumps(props["EventPattern"])}
            cloudformation_json = {**cloudformation_json, "Properties": props}
        return original_archive(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Archive.create_from_cloudformation_json = classmethod(create_archive)  # type: ignore[method-assign,assignment]
    if not isinstance(getattr(Archive, "physical_resource_id", None), property) or True:
        Archive.physical_resource_id = property(lambda self: self.name)  # type: ignore[method-assign,assignment]
    StateMachine.has_cfn_attr = classmethod(has_cfn_attr)  # type: ignore[method-assign,assignment]
    StateMachine.get_cfn_attribute = get_cfn_attribute  # type: ignore[method-assign]
    _INSTALLED = True


def reset() -> None:
    """Nothing to clear: this module only adds attributes."""
