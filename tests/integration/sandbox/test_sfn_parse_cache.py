"""An ASL text parsed once, a fresh program per execution (stepfunctions.parse_cache)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.patch_state import patch_state
from turnout_sandbox.emulators.stepfunctions import parse_cache

DEFINITION = json.dumps(
    {
        "StartAt": "Pick",
        "States": {
            "Pick": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}],
                "Default": "Small",
            },
            "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.size", "End": True},
            "Small": {"Type": "Fail", "Error": "TooSmall", "Cause": "n <= 1"},
        },
    }
)


def _parse(definition: str) -> tuple[object, object]:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    program, tree = AmazonStateLanguageParser.parse(definition)
    return program, tree


def test_given_the_cache_when_a_text_is_parsed_twice_then_the_tree_is_kept_and_programs_are_new() -> (
    None
):
    with patch_state(parse_cache.PARSE, applied=True):
        parse_cache.clear()
        first_program, first_tree = _parse(DEFINITION)
        second_program, second_tree = _parse(DEFINITION)
        assert parse_cache.size() == 1
    assert second_tree is first_tree
    assert second_program is not first_program
    assert type(second_program) is type(first_program)


def test_given_a_text_with_syntax_errors_when_parsed_then_it_raises_each_time_and_is_not_kept() -> (
    None
):
    from moto.stepfunctions.parser.asl.parse.asl_parser import ASLParserException

    broken = DEFINITION.replace('"Type": "Choice"', '"Type": "Choise"')
    with patch_state(parse_cache.PARSE, applied=False), pytest.raises(ASLParserException) as own:
        _parse(broken)
    with patch_state(parse_cache.PARSE, applied=True):
        parse_cache.clear()
        for _ in range(2):
            with pytest.raises(ASLParserException) as kept:
                _parse(broken)
            assert kept.value.errors == own.value.errors
        assert parse_cache.size() == 0


def _run_both_inputs() -> list[tuple[str, str | None, list[str]]]:
    import time

    import boto3

    sfn = boto3.client("stepfunctions", region_name="ap-northeast-2")
    arn = sfn.create_state_machine(
        name=f"m{time.monotonic_ns()}",
        definition=DEFINITION,
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    seen: list[tuple[str, str | None, list[str]]] = []
    for n in (5, 0, 7):
        run = sfn.start_execution(stateMachineArn=arn, name=f"n{n}", input=json.dumps({"n": n}))
        deadline = time.monotonic() + 10
        while (done := sfn.describe_execution(executionArn=run["executionArn"]))[
            "status"
        ] == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.01)
        events = sfn.get_execution_history(executionArn=run["executionArn"])["events"]
        seen.append((done["status"], done.get("output"), [e["type"] for e in events]))
    return seen


def test_given_executions_of_one_text_when_cached_then_they_run_as_without_the_cache() -> None:
    from moto import mock_aws

    config: Any = {"stepfunctions": {"execute_state_machine": True}}
    with patch_state(parse_cache.PARSE, applied=False), mock_aws(config=config):
        moto_own = _run_both_inputs()
    with patch_state(parse_cache.PARSE, applied=True), mock_aws(config=config):
        parse_cache.clear()
        cached = _run_both_inputs()
        assert parse_cache.size() == 1  # CreateStateMachine and three executions: one parse
    assert [status for status, _, _ in moto_own] == ["SUCCEEDED", "FAILED", "SUCCEEDED"]
    assert cached == moto_own
