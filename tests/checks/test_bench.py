"""bench/cold_init.py and bench/sizes.py: template reading, dummy environment, the cold-start
child and its report, one real cold-start run against the local endpoint, sizes."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

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
  GateHttpUrl: {Type: String, Default: ""}
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
        PROBE: !Ref GateHttpUrl
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
    assert env["PROBE"] == ""  # an empty default stays empty (no probe), as when deployed


def test_given_function_without_handler_when_listing_then_a_bench_error_names_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n  Bad: {Type: AWS::Serverless::Function, Properties: {}}\n")
    with pytest.raises(cold_init.BenchError, match="Bad"):
        cold_init.handlers_of(cold_init.load_template(path), root=tmp_path)


def _child(tmp_path: Path, source: str, event: Any) -> Any:
    (tmp_path / "app.py").write_text(source)
    env = cold_init.lambda_environment({}, [tmp_path])
    return cold_init.run_child(sys.executable, "handler", "app", event, env=env, cwd=tmp_path)


def test_given_a_handler_when_run_cold_then_init_first_call_and_memory_are_measured(
    tmp_path: Path,
) -> None:
    source = (
        "import time\n"
        "time.sleep(0.05)\n"
        "def handler(event, context):\n"
        "    import json  # lazy, as the handlers import boto3\n"
        "    time.sleep(0.1)\n"
        "    return {'seen': event['n'], 'fn': context.function_name}\n"
    )

    sample, _ = _child(tmp_path, source, {"n": 1})

    assert 50.0 <= sample.init_ms < 5_000.0
    assert 100.0 <= sample.first_ms < 5_000.0
    assert sample.total_ms == sample.init_ms + sample.first_ms
    assert 0.0 < sample.cpu_ms < sample.total_ms  # sleeping is no CPU
    assert sample.maxrss_kib > 1024  # an interpreter is more than 1 MiB
    assert sample.report["result"] == ["fn", "seen"]


def test_given_a_broken_module_when_run_cold_then_the_error_names_the_module(
    tmp_path: Path,
) -> None:
    with pytest.raises(cold_init.BenchError, match="handler app"):
        _child(tmp_path, "raise RuntimeError('boom')\n", {})


def test_given_a_first_call_that_raises_when_run_cold_then_it_is_a_bench_error(
    tmp_path: Path,
) -> None:
    source = "def handler(event, context):\n    raise KeyError('TABLE_NAME')\n"
    with pytest.raises(cold_init.BenchError, match="first call raised KeyError"):
        _child(tmp_path, source, {})


def test_given_importtime_output_when_parsed_then_self_times_sum_per_package_and_phase() -> None:
    stderr = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       500 |        500 | encodings",
            "COLDSTART-PHASE init",
            "import time:      1500 |       1500 |   botocore.model",
            "import time:      2500 |       4000 | botocore",
            "COLDSTART-PHASE first",
            "import time:      3000 |       3000 | pydantic",
        ]
    )

    phases = cold_init.import_self_times(stderr)

    assert phases == {
        "startup": {"encodings": 0.5},
        "init": {"botocore": 4.0},
        "first": {"pydantic": 3.0},
    }


def _target(name: str, kind: str, totals: list[tuple[float, float]]) -> Any:
    target = cold_init.Target(name, kind, name, Path("."), {})
    target.samples = [cold_init.Sample(i, f, 40 * 1024, {}, (i + f) / 2) for i, f in totals]
    return target


def test_given_samples_when_summarised_then_medians_ratio_to_the_baseline_and_flags() -> None:
    baseline = _target("baseline", "baseline", [(100, 100), (120, 100), (80, 100)])
    fast = _target("fast", "handler", [(50, 200), (60, 190), (900, 900)])
    slow = _target("slow", "handler", [(100, 300), (100, 310), (100, 320)])

    report = cold_init.summary([baseline, fast, slow], 1.3)

    rows = {r["function"]: r for r in report["rows"]}
    assert rows["baseline"]["total_ms"] == 200.0
    assert (rows["fast"]["total_ms"], rows["fast"]["ratio"]) == (250.0, 1.25)
    assert (rows["fast"]["total_min_ms"], rows["fast"]["total_max_ms"]) == (250.0, 1800.0)
    assert rows["slow"]["ratio"] == 2.05
    assert (rows["fast"]["cpu_ms"], rows["fast"]["cpu_ratio"]) == (125.0, 1.25)
    assert rows["slow"]["peak_rss_mib"] == 40.0
    assert report["over_target"] == ["slow"]
    assert report["worst_ratio"] == 2.05


@dataclass
class _Endpoint:
    """What targets_of reads of the world process: its URL and environment overrides."""

    url: str = "http://127.0.0.1:1"
    overrides: dict[str, str] = field(default_factory=lambda: {"TOPIC_ARN": "arn:topic"})


def test_given_a_candidate_layer_and_child_env_when_targeting_then_only_functions_get_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    (tmp_path / "functions" / "one").mkdir(parents=True)
    (tmp_path / "functions" / "one" / "app.py").write_text("def handler(e, c): return {}\n")
    handlers = cold_init.handlers_of(cold_init.load_template(path), root=tmp_path)
    layer = tmp_path / "candidate"

    baseline, one = cold_init.targets_of(handlers, _Endpoint(), layer, {"AWS_DATA_PATH": "/models"})

    assert (baseline.kind, one.kind, one.name) == ("baseline", "handler", "one")
    assert one.env["PYTHONPATH"].split(os.pathsep) == [str(handlers[0].code_dir), str(layer)]
    assert one.env["AWS_DATA_PATH"] == "/models"
    assert "AWS_DATA_PATH" not in baseline.env
    for target in (baseline, one):
        assert target.env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
        assert target.env["TOPIC_ARN"] == "arn:topic"


@pytest.mark.parametrize(
    "function",
    [
        pytest.param("admit", id="given_admit_the_first_function"),
        # the world runs every handler before it with ITS variables (Render's policy ones)
        pytest.param("finish", id="given_finish_the_last_so_the_whole_pipeline_is_set_up"),
    ],
)
def test_given_the_repository_when_benchmarking_one_function_then_its_first_call_is_measured(
    function: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real thing, once: the local endpoint, the state before the function, a cold call."""
    status = cold_init.main(["--runs", "1", "--only", function, "--json", "--target", "1000"])

    out = capsys.readouterr().out
    assert status == 0, out
    report = json.loads(out)
    rows = {r["function"]: r for r in report["rows"]}
    assert set(rows) == {"baseline", function}
    measured = rows[function]
    assert measured["init_ms"] > 0
    # the first call imported boto3, botocore's clients and talked to the local endpoint
    assert measured["first_ms"] > measured["init_ms"]
    assert measured["modules_first"] > 100
    assert measured["ratio"] == round(measured["total_ms"] / rows["baseline"]["total_ms"], 2)
    assert measured["peak_rss_mib"] > 10


def test_given_an_unknown_function_when_benchmarking_then_exit_2_names_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cold_init.main(["--runs", "1", "--only", "no_such_function"]) == 2
    assert "no_such_function" in capsys.readouterr().err


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
