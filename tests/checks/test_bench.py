"""bench/cold_init.py and bench/sizes.py: template reading, dummy environment, sizes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.checks

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"turnout_bench_{name}", BENCH / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


cold_init = _load("cold_init")
sizes = _load("sizes")

TEMPLATE = """
Parameters:
  GateBakeMinutes: {Type: Number, Default: 5}
  ServiceName: {Type: String}
Globals:
  Function:
    Handler: app.handler
    Environment:
      Variables:
        BAKE: !Ref GateBakeMinutes
        SERVICE: !Ref ServiceName
        STACK: !Ref AWS::StackName
        HOOK: !Sub "CodeDeployHook_${AWS::StackName}-gate"
        ALARMS: !Join [",", [a, !Ref ServiceName]]
        TABLE: !GetAtt Table.Arn
        LITERAL: plain
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  OneFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/one/
      Environment:
        Variables:
          LITERAL: overridden
"""


def test_given_template_when_listing_handlers_then_env_merges_globals_with_dummy_values(
    tmp_path: Path,
) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    (handler,) = cold_init.handlers_of(cold_init.load_template(path), root=tmp_path)
    assert handler.logical_id == "OneFunction"
    assert handler.code_dir == tmp_path / "functions/one/"
    assert handler.module == "app"
    env = handler.environment
    assert env["BAKE"] == "5"
    assert env["SERVICE"] == "dummy-servicename"
    assert env["STACK"] == cold_init.DUMMY_STACK
    assert env["HOOK"] == f"CodeDeployHook_{cold_init.DUMMY_STACK}-gate"
    assert env["ALARMS"] == "a,dummy-servicename"
    assert env["TABLE"] == "dummy-table-arn"
    assert env["LITERAL"] == "overridden"


def test_given_function_without_handler_when_listing_then_a_bench_error_names_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n  Bad: {Type: AWS::Serverless::Function, Properties: {}}\n")
    with pytest.raises(cold_init.BenchError, match="Bad"):
        cold_init.handlers_of(cold_init.load_template(path), root=tmp_path)


def test_given_a_module_when_timing_its_import_then_each_run_reports_milliseconds(
    tmp_path: Path,
) -> None:
    (tmp_path / "tiny.py").write_text("VALUE = 1\n")
    env = cold_init.lambda_environment({}, [tmp_path])
    samples = cold_init.time_import(sys.executable, "tiny", env, tmp_path, 2)
    assert len(samples) == 2
    assert all(0.0 <= s < 10_000.0 for s in samples)


def test_given_a_broken_module_when_timing_then_the_error_names_the_module(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("raise RuntimeError('boom')\n")
    env = cold_init.lambda_environment({}, [tmp_path])
    with pytest.raises(cold_init.BenchError, match="import broken"):
        cold_init.time_import(sys.executable, "broken", env, tmp_path, 1)


def test_given_a_build_dir_when_measuring_then_functions_and_layers_are_sized(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Fn").mkdir()
    (tmp_path / "Fn" / "app.py").write_bytes(b"x" * 10)
    (tmp_path / "Layer" / "python" / "pkg").mkdir(parents=True)
    (tmp_path / "Layer" / "python" / "pkg" / "m.py").write_bytes(b"y" * 2048)
    (tmp_path / "template.yaml").write_text(
        "Resources:\n"
        "  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: Fn, Layers: [!Ref Layer]}}\n"
        "  Layer: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: Layer}}\n"
    )
    assert sizes.main(["--build-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Fn" in out
    assert "10 B" in out
    assert "2.0 KiB" in out
    assert "pkg" in out


def test_given_no_build_when_measuring_then_exit_2_names_the_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sizes.main(["--build-dir", str(tmp_path / "missing")]) == 2
    assert "missing/template.yaml" in capsys.readouterr().err


def test_given_byte_counts_when_humanised_then_units_scale() -> None:
    assert sizes.human(512) == "512 B"
    assert sizes.human(1536) == "1.5 KiB"
    assert sizes.human(5 * 1024 * 1024) == "5.0 MiB"
