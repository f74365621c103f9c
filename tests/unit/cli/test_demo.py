"""demo and sandbox serve against a fake ``turnout_sandbox.api`` (the documented interface)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from turnout_cli.main import app
from turnout_sandbox.faults import FaultSpec, FaultSpecError
from turnout_sandbox.scenarios import ScenarioResult
from turnout_sandbox.server_guard import AccessKeyError, resolve_access_key
from turnout_sandbox.timeline import Step

runner = CliRunner()


class PortInUse(Exception):
    pass


class ServerConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Ready:
    url: str
    region: str = "ap-northeast-2"
    account: str = "123456789012"
    stack: str | None = "turnout-hello-aws"
    sam_deploy: str | None = None

    def banner(self) -> str:
        return f"on {self.url}, region {self.region}, account {self.account}, stack {self.stack}"


def fake_api(ok: bool = True, port_taken: bool = False) -> tuple[ModuleType, list[Any]]:
    calls: list[Any] = []
    iams: list[str] = []
    api = ModuleType("turnout_sandbox.api")
    api.iams = iams  # type: ignore[attr-defined]

    def run_scenario(
        name: str,
        *,
        on_step: Callable[[Step], None] | None = None,
        bake_minutes: int | None = None,
        iam: str = "enforce",
        faults: str | None = None,
        clock: str = "discrete",
        speed: float | None = None,
    ) -> ScenarioResult:
        calls.append((name, bake_minutes))
        iams.append(iam)
        if faults is not None:
            calls.append(("faults", faults))
        if (clock, speed) != ("discrete", None):
            calls.append(("clock", clock, speed))
        if on_step:
            on_step(Step(0.4, 0.0, "codecommit", "push on master"))
            on_step(Step(1.2, 300.0, "gate", "gate passed"))
        return ScenarioResult(
            name,
            ok,
            "succeeded",
            checks=[("original task set terminated", ok)],
            summary={"commit": "c" * 40, "result": "succeeded" if ok else "rolled_back"},
        )

    def serve(port: int, on_ready: Callable[[Ready], None], **chosen: Any) -> None:
        calls.append(port)
        if chosen:
            calls.append(chosen)
        if port_taken:
            raise PortInUse(f"127.0.0.1:{port} is taken")
        if "region" in chosen and chosen["region"] == "Seoul":
            raise ServerConfigError("region 'Seoul' is not a region name")
        url, region = f"http://127.0.0.1:{port}", chosen.get("region", "ap-northeast-2")
        if chosen.get("with_stack") is False:
            line = "sam deploy --resolve-s3 --stack-name turnout-hello-aws " + " ".join(
                f"Param{i}=value-{i}" for i in range(40)
            )
            on_ready(Ready(url, region, stack=None, sam_deploy=line))
        else:
            on_ready(Ready(url, region))

    api.SCENARIOS = {
        "happy-path": "push, gate passes, old tasks terminated",
        "bad-health": "gate fails",
    }  # type: ignore[attr-defined]
    api.run_scenario = run_scenario  # type: ignore[attr-defined]
    api.CLOCKS = ("discrete", "scaled")  # type: ignore[attr-defined]
    api.ENGINES = ("codedeploy", "ecs")  # type: ignore[attr-defined]
    api.serve = serve  # type: ignore[attr-defined]
    api.PortInUse = PortInUse  # type: ignore[attr-defined]
    api.ServerConfigError = ServerConfigError  # type: ignore[attr-defined]
    api.DEFAULT_PORT = 4747  # type: ignore[attr-defined]
    api.resolve_access_key = resolve_access_key  # type: ignore[attr-defined]
    api.AccessKeyError = AccessKeyError  # type: ignore[attr-defined]
    api.FaultSpec = FaultSpec  # type: ignore[attr-defined]
    api.FaultSpecError = FaultSpecError  # type: ignore[attr-defined]
    return api, calls


def install(monkeypatch: pytest.MonkeyPatch, api: ModuleType) -> None:
    monkeypatch.setitem(sys.modules, "turnout_sandbox.api", api)


def invoke(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> tuple[Result, list[Any]]:
    """Run ``turnout ARGS`` against a fresh fake sandbox API; its result and the API calls."""
    api, calls = fake_api()
    install(monkeypatch, api)
    return runner.invoke(app, args), calls


def assert_refused(monkeypatch: pytest.MonkeyPatch, args: list[str], message: str) -> None:
    """``turnout ARGS`` exits 2 naming ``message``, before it asks the sandbox API anything."""
    result, calls = invoke(monkeypatch, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert calls == []


def served(monkeypatch: pytest.MonkeyPatch, port: int, *options: str) -> tuple[Result, list[Any]]:
    """``turnout sandbox serve --port PORT OPTIONS`` succeeds, serving on ``port``; its result
    and the API calls (the port first)."""
    result, calls = invoke(monkeypatch, ["sandbox", "serve", "--port", str(port), *options])
    assert result.exit_code == 0, result.output
    assert calls[0] == port
    return result, calls


def test_given_a_scenario_when_demo_then_timeline_steps_and_summary_and_exit_0(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = invoke(monkeypatch, ["demo", "--scenario", "bad-health", "--bake-minutes", "2"])
    assert result.exit_code == 0, result.output
    assert calls == [("bad-health", 2)]
    assert "push on master" in result.stdout
    assert "+5m 00s" in result.stdout
    assert "as expected" in result.stdout
    assert "check: original task set terminated" in result.stdout


def test_given_no_scenario_when_demo_then_the_first_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    result, calls = invoke(monkeypatch, ["demo"])
    assert result.exit_code == 0
    assert calls == [("happy-path", None)]


def test_given_a_scenario_that_misbehaves_when_demo_json_then_result_json_and_exit_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api, _ = fake_api(ok=False)
    install(monkeypatch, api)
    result = runner.invoke(app, ["demo", "-o", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["ok"] is False


def test_given_an_unknown_scenario_when_demo_then_exit_2_lists_the_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert_refused(
        monkeypatch,
        ["demo", "--scenario", "nope"],
        "--scenario 'nope' is not a scenario: choose one of happy-path, bad-health",
    )


def test_given_demo_list_when_run_then_scenarios_are_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    api, _ = fake_api()
    install(monkeypatch, api)
    result = runner.invoke(app, ["demo", "--list", "-o", "json"])
    assert json.loads(result.stdout) == api.SCENARIOS  # type: ignore[attr-defined]


def test_given_a_free_port_when_serve_then_the_url_is_announced_and_no_access_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = served(monkeypatch, 5001)
    assert calls == [5001]
    assert "sandbox listening on http://127.0.0.1:5001" in result.stdout
    assert "access key" not in result.stdout  # none asked (calls: only the port)


def test_given_access_key_auto_when_serve_then_the_key_is_passed_and_announced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = served(monkeypatch, 5003, "--access-key", "auto")
    key = calls[1]["access_key"]
    assert key.startswith("AKIA")
    assert len(key) == 20
    assert f"access key {key}" in result.stdout
    assert f"export TURNOUT_SANDBOX_ACCESS_KEY={key}" in result.stdout


def test_given_a_malformed_access_key_when_serve_then_exit_2_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert_refused(
        monkeypatch,
        ["sandbox", "serve", "--access-key", "short!"],
        "--access-key: access key 'short!' is not none, auto or an access key id",
    )


def test_given_a_region_when_serve_then_the_banner_names_it_and_the_try_lines_use_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, _ = served(monkeypatch, 5003, "--region", "us-east-1")
    assert "on http://127.0.0.1:5003, region us-east-1, account 123456789012" in result.stdout
    assert "--endpoint-url http://127.0.0.1:5003 --region us-east-1 status" in result.stdout


def test_given_no_stack_when_serve_then_the_sam_deploy_line_is_printed_on_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, _ = served(monkeypatch, 5005, "--no-stack")
    lines = result.stdout.splitlines()
    deploy = [line for line in lines if line.startswith("sam deploy")]
    assert len(deploy) == 1  # one line, however long (a command to copy)
    assert deploy[0].endswith("Param39=value-39")
    assert "AWS_ENDPOINT_URL=http://127.0.0.1:5005" in result.stdout


def test_given_a_bad_region_when_serve_then_exit_2_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, _ = invoke(monkeypatch, ["sandbox", "serve", "--port", "5004", "--region", "Seoul"])
    assert result.exit_code == 2
    assert "--region 'Seoul' is not a region name" in result.stderr


def test_given_a_taken_port_when_serve_then_exit_2_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api, _ = fake_api(port_taken=True)
    install(monkeypatch, api)
    result = runner.invoke(app, ["sandbox", "serve", "--port", "5002"])
    assert result.exit_code == 2
    assert "--port 5002 is in use" in result.stderr


def test_given_the_documented_default_port_when_compared_then_the_cli_uses_the_same() -> None:
    from turnout_cli.session import SANDBOX_PORT

    real = pytest.importorskip("turnout_sandbox.api")
    assert real.DEFAULT_PORT == SANDBOX_PORT


def test_given_iam_warn_when_demo_then_the_scenario_runs_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api, _ = fake_api()
    install(monkeypatch, api)
    result = runner.invoke(app, ["demo", "--iam", "warn"])
    assert result.exit_code == 0, result.output
    assert api.iams == ["warn"]  # type: ignore[attr-defined]


def test_given_an_unknown_iam_mode_when_demo_then_exit_2_names_the_modes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert_refused(
        monkeypatch, ["demo", "--iam", "strict"], "--iam 'strict' is not one of enforce, warn, off"
    )


def test_given_faults_when_demo_then_the_scenario_runs_with_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = invoke(monkeypatch, ["demo", "--faults", "throttle:dynamodb=0.3,seed=2"])
    assert result.exit_code == 0, result.output
    assert ("faults", "throttle:dynamodb=0.3,seed=2") in calls


def test_given_the_scaled_clock_and_a_speed_when_demo_then_the_scenario_runs_on_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api, calls = fake_api()
    install(monkeypatch, api)
    result = runner.invoke(app, ["demo", "--clock", "scaled", "--speed", "50"])
    assert result.exit_code == 0, result.output
    assert ("clock", "scaled", 50.0) in calls


def test_given_the_discrete_clock_when_serve_then_it_is_passed_and_announced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = served(monkeypatch, 5005, "--clock", "discrete")
    assert calls == [5005, {"clock": "discrete"}]
    assert "virtual clock discrete, at most x60" in result.stdout


@pytest.mark.parametrize("verb", [["demo"], ["sandbox", "serve"]])
def test_given_an_unknown_clock_when_run_then_exit_2_names_the_clocks(
    monkeypatch: pytest.MonkeyPatch, verb: list[str]
) -> None:
    assert_refused(
        monkeypatch, [*verb, "--clock", "wall"], "--clock 'wall' is not one of discrete, scaled"
    )


@pytest.mark.parametrize("verb", [["demo"], ["sandbox", "serve"]])
def test_given_a_bad_fault_spec_when_run_then_exit_2_names_the_bad_part(
    monkeypatch: pytest.MonkeyPatch, verb: list[str]
) -> None:
    assert_refused(
        monkeypatch,
        [*verb, "--faults", "throttle=0.2,lambda-oops=first"],
        "--faults: fault 'lambda-oops=first': kind 'lambda-oops' is not one of",
    )


def test_given_faults_when_serve_then_they_are_passed_and_announced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = served(monkeypatch, 5004, "--faults", "5xx:ecs=0.05")
    assert calls == [5004, {"faults": "5xx:ecs=0.05"}]
    assert "faults 5xx:ecs=0.05" in result.stdout
