"""statemachines/*.asl.json: valid ASL (statelint) and wired to template.yaml.

Every `${X}` in a definition must be a DefinitionSubstitutions key of the state machine that
uses the file (DefinitionUri), and every key must be used: SAM does not check either.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfn_template import ROOT, STATEMACHINES

pytestmark = pytest.mark.checks

ASL_FILES = sorted(STATEMACHINES.glob("*.asl.json"))
PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def state_machines(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource.get("Properties") or {}
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") == "AWS::Serverless::StateMachine"
    }


def test_given_repository_when_listing_statemachines_then_there_are_asl_files() -> None:
    assert ASL_FILES, f"no *.asl.json in {STATEMACHINES}"


@pytest.mark.parametrize("asl", ASL_FILES, ids=[p.name for p in ASL_FILES])
def test_given_asl_file_when_statelint_then_it_is_valid(asl: Path) -> None:
    # URI: `${...}` Resource ARNs before substitution; FLOAT: integer BackoffRate values.
    result = subprocess.run(
        [sys.executable, "-m", "statelint", "--ignore=URI,FLOAT", str(asl)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, (
        f"statelint {asl.relative_to(ROOT)}:\n{result.stdout}{result.stderr}"
    )


@pytest.mark.parametrize("asl", ASL_FILES, ids=[p.name for p in ASL_FILES])
def test_given_asl_file_when_parsed_then_it_is_a_json_object_with_states(asl: Path) -> None:
    try:
        definition = json.loads(asl.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        pytest.fail(f"{asl.relative_to(ROOT)}: not JSON: {exc}")
    assert isinstance(definition, dict), f"{asl.relative_to(ROOT)}: not a JSON object"
    assert definition.get("States"), f"{asl.relative_to(ROOT)}: no States"


def test_given_template_when_reading_state_machines_then_each_uses_a_definition_file(
    template: dict[str, Any],
) -> None:
    machines = state_machines(template)
    assert machines, "template.yaml has no AWS::Serverless::StateMachine"
    wrong = []
    for logical_id, props in sorted(machines.items()):
        uri = props.get("DefinitionUri")
        if not isinstance(uri, str) or not (ROOT / uri).is_file():
            wrong.append(f"{logical_id}.DefinitionUri: {uri!r} is not a file in the repository")
        if "Definition" in props:
            wrong.append(f"{logical_id}: inline Definition (keep ASL in statemachines/)")
    assert not wrong, "template.yaml:\n" + "\n".join(wrong)


def test_given_template_when_matching_files_then_every_asl_file_is_used_by_a_state_machine(
    template: dict[str, Any],
) -> None:
    used = {
        (ROOT / str(props.get("DefinitionUri"))).resolve()
        for props in state_machines(template).values()
    }
    unused = [str(p.relative_to(ROOT)) for p in ASL_FILES if p.resolve() not in used]
    assert not unused, f"ASL files no state machine in template.yaml uses: {unused}"


def substitution_mismatches(
    logical_id: str, uri: str, asl_text: str, substitutions: dict[str, Any]
) -> list[str]:
    """Problems between a definition's `${X}` placeholders and DefinitionSubstitutions."""
    used = placeholders(asl_text)
    keys = set(substitutions)
    problems = [
        f"{uri}: ${{{name}}} has no DefinitionSubstitutions key on {logical_id}"
        for name in sorted(used - keys)
    ]
    problems += [
        f"{logical_id}.DefinitionSubstitutions.{name}: not used in {uri}"
        for name in sorted(keys - used)
    ]
    return problems


def test_given_template_when_substituting_definitions_then_placeholders_and_keys_match(
    template: dict[str, Any],
) -> None:
    problems = []
    for logical_id, props in sorted(state_machines(template).items()):
        uri = props.get("DefinitionUri")
        if not isinstance(uri, str) or not (ROOT / uri).is_file():
            continue  # reported by the DefinitionUri check
        text = (ROOT / uri).read_text(encoding="utf-8")
        substitutions = props.get("DefinitionSubstitutions") or {}
        problems += substitution_mismatches(logical_id, uri, text, substitutions)
    assert not problems, "template.yaml / statemachines:\n" + "\n".join(problems)


def test_given_a_missing_and_an_unused_key_when_compared_then_both_are_reported() -> None:
    problems = substitution_mismatches(
        "Machine", "m.asl.json", '{"Resource": "${FnArn}", "x": "${Other}"}', {"FnArn": 1, "Old": 2}
    )
    assert problems == [
        "m.asl.json: ${Other} has no DefinitionSubstitutions key on Machine",
        "Machine.DefinitionSubstitutions.Old: not used in m.asl.json",
    ]
