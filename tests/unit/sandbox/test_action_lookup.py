"""moto's action check by name (turnout_sandbox.action_lookup) agrees with moto's list."""

from __future__ import annotations

import importlib

import pytest
from moto.core.utils import method_names_from_class

from turnout_sandbox.action_lookup import FunctionNames


class _Base:
    def inherited(self) -> None: ...


class _Response(_Base):
    def describe_things(self) -> None: ...

    @staticmethod
    def static_action() -> None: ...

    @classmethod
    def factory(cls) -> None: ...

    @property
    def region(self) -> str:
        return "x"

    attribute = 1


@pytest.mark.parametrize(
    "clazz",
    [
        _Response,
        importlib.import_module("moto.dynamodb.responses").DynamoHandler,
        importlib.import_module("moto.ec2.responses").EC2Response,
        importlib.import_module("moto.iam.responses").IamResponse,
    ],
)
def test_given_a_response_class_when_asked_by_name_then_it_answers_as_moto_list(
    clazz: type,
) -> None:
    listed = set(method_names_from_class(clazz))
    names = FunctionNames(clazz)
    asked = set(dir(clazz)) | {"no_such_action", "get_item", "factory", "region"}
    assert {n for n in asked if n in names} == {n for n in asked if n in listed}
    assert set(names) == listed


def test_given_a_method_added_and_removed_when_asked_then_the_answer_follows_the_class() -> None:
    class Growing:
        pass

    names = FunctionNames(Growing)
    assert "later" not in names
    Growing.later = lambda self: None  # type: ignore[attr-defined]
    assert "later" in names
    del Growing.later  # type: ignore[attr-defined]
    assert "later" not in names
    assert 3 not in names
