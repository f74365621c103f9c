"""`turnout demo --engine` and `turnout sandbox serve --engine` (DeploymentEngine) against the
fake ``turnout_sandbox.api`` of test_demo.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.unit.cli.test_demo import fake_api, install
from turnout_cli.main import app

runner = CliRunner()

SCENARIOS = {
    "happy": "CodeDeploy: the gate passes",
    "unhealthy": "CodeDeploy: the gate fails",
    "burst": "CodeDeploy: five pushes",
    "ecs-happy": "ecs: the gate passes",
    "ecs-unhealthy": "ecs: the gate fails",
}


def _invoke(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> tuple[Any, list[Any]]:
    api, calls = fake_api()
    api.SCENARIOS = SCENARIOS  # type: ignore[attr-defined]
    install(monkeypatch, api)
    return runner.invoke(app, args), calls


def test_given_engine_ecs_when_demo_then_the_first_ecs_scenario_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = _invoke(monkeypatch, ["demo", "--engine", "ecs"])
    assert result.exit_code == 0, result.output
    assert calls == [("ecs-happy", None)]


def test_given_engine_ecs_and_a_codedeploy_name_when_demo_then_its_ecs_twin_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = _invoke(monkeypatch, ["demo", "--engine", "ecs", "-s", "unhealthy"])
    assert result.exit_code == 0, result.output
    assert calls == [("ecs-unhealthy", None)]


def test_given_engine_ecs_and_a_scenario_it_lacks_when_demo_then_exit_2_names_its_scenarios(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = _invoke(monkeypatch, ["demo", "--engine", "ecs", "-s", "burst"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "turnout: error: --scenario 'burst' is not a scenario with --engine ecs: choose one of "
        "ecs-happy, ecs-unhealthy"
    ]
    assert calls == []


def test_given_engine_codedeploy_and_an_ecs_scenario_when_demo_then_exit_2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = _invoke(monkeypatch, ["demo", "--engine", "codedeploy", "-s", "ecs-happy"])
    assert result.exit_code == 2
    assert "is not a scenario with --engine codedeploy: choose one of happy," in result.stderr
    assert calls == []


def test_given_engine_ecs_when_demo_list_then_only_its_scenarios_are_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, _ = _invoke(monkeypatch, ["demo", "--engine", "ecs", "--list", "-o", "json"])
    assert json.loads(result.stdout) == {k: v for k, v in SCENARIOS.items() if k.startswith("ecs-")}


@pytest.mark.parametrize("verb", [["demo"], ["sandbox", "serve"]])
def test_given_an_unknown_engine_when_run_then_exit_2_one_line_names_the_engines(
    monkeypatch: pytest.MonkeyPatch, verb: list[str]
) -> None:
    result, calls = _invoke(monkeypatch, [*verb, "--engine", "lambda"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "turnout: error: --engine 'lambda' is not one of codedeploy, ecs"
    ]
    assert calls == []


def test_given_engine_ecs_when_serve_then_it_is_passed_and_announced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = _invoke(monkeypatch, ["sandbox", "serve", "--port", "5006", "--engine", "ecs"])
    assert result.exit_code == 0, result.output
    assert calls == [5006, {"engine": "ecs"}]
    assert "DeploymentEngine ecs" in result.stdout
