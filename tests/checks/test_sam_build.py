"""`sam build` (python3.13, arm64, no Docker) produces a layer with the core package and its
dependencies only, and functions that hold only their handler."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfn_template import CfnTag

pytestmark = [pytest.mark.checks, pytest.mark.slow]

# Local-only or test-only packages that must never ship to Lambda (boto3 comes with the runtime).
FORBIDDEN_IN_LAYER = {
    "moto",
    "boto3",
    "botocore",
    "s3transfer",
    "turnout_sandbox",
    "turnout_cli",
    "pytest",
    "_pytest",
    "mypy",
    "samtranslator",
    "cfnlint",
    "typer",
    "rich",
}
ELF_MAGIC = b"\x7fELF"
EM_AARCH64 = 183


def _resources_of(template: dict[str, Any], kind: str) -> list[str]:
    return sorted(k for k, r in template["Resources"].items() if r.get("Type") == kind)


#: DeploymentEngine=ecs's boto3 (layers/turnout/requirements-ecs-sdk.in): not the core's.
SDK_LAYER = "EcsSdkLayer"


def _core_layers(template: dict[str, Any]) -> list[str]:
    return [
        layer
        for layer in _resources_of(template, "AWS::Serverless::LayerVersion")
        if layer != SDK_LAYER
    ]


def elf_machine(path: Path) -> int | None:
    """The ELF e_machine of a shared object (183 = AArch64), None if it is not ELF."""
    header = path.read_bytes()[:20]
    if len(header) < 20 or header[:4] != ELF_MAGIC:
        return None
    if header[5] == 1:
        return int.from_bytes(header[18:20], "little")
    return int.from_bytes(header[18:20], "big")


def test_given_build_when_listing_layers_then_each_ships_the_core_package(
    template: dict[str, Any], sam_build_dir: Path
) -> None:
    layers = _core_layers(template)
    assert layers, "template.yaml has no layer"
    for layer in layers:
        package = sam_build_dir / layer / "python" / "turnout"
        assert (package / "__init__.py").is_file(), f"{package}/__init__.py missing after sam build"
        assert (sam_build_dir / layer / "python" / "aws_lambda_powertools").is_dir(), (
            f"{layer}: aws_lambda_powertools (layers/turnout/requirements.txt) not in the build"
        )


def _layer_top_level(sam_build_dir: Path, layer: str) -> set[str]:
    return {p.name.split("-")[0] for p in (sam_build_dir / layer / "python").iterdir()}


def test_given_build_when_listing_layers_then_no_local_or_test_package_ships(
    template: dict[str, Any], sam_build_dir: Path
) -> None:
    for layer in _core_layers(template):
        leaked = sorted(
            _layer_top_level(sam_build_dir, layer) & (FORBIDDEN_IN_LAYER - {"botocore"})
        )
        assert not leaked, f"{layer}: the built layer contains {leaked}"


# aws-lambda-powertools[tracer] -> aws-xray-sdk -> botocore would put ~20 MiB of botocore (and
# urllib3) in the layer, shadowing the runtime's botocore under its boto3: the layer has no tracer.
def test_given_build_when_listing_layers_then_botocore_is_left_to_the_runtime(
    template: dict[str, Any], sam_build_dir: Path
) -> None:
    for layer in _core_layers(template):
        assert "botocore" not in _layer_top_level(sam_build_dir, layer), (
            f"{layer}: the built layer ships botocore (the Lambda runtime provides it with boto3)"
        )


def test_given_build_when_reading_native_modules_then_they_are_built_for_arm64(
    template: dict[str, Any], sam_build_dir: Path
) -> None:
    for layer in _resources_of(template, "AWS::Serverless::LayerVersion"):
        native = sorted((sam_build_dir / layer).rglob("*.so"))
        wrong = [
            f"{p.relative_to(sam_build_dir)}: e_machine {elf_machine(p)}"
            for p in native
            if elf_machine(p) not in (None, EM_AARCH64)
        ]
        assert not wrong, f"{layer}: native modules not built for arm64:\n" + "\n".join(wrong)


def test_given_build_when_listing_functions_then_each_holds_only_its_handler(
    template: dict[str, Any], sam_build_dir: Path
) -> None:
    functions = _resources_of(template, "AWS::Serverless::Function")
    assert functions, "template.yaml has no function"
    wrong = []
    for function in functions:
        files = sorted(
            str(p.relative_to(sam_build_dir / function))
            for p in (sam_build_dir / function).rglob("*")
            if p.is_file()
        )
        if files != ["app.py"]:
            wrong.append(f"{function}: {files}")
    assert not wrong, (
        "built functions must contain only app.py (code lives in the layer):\n" + "\n".join(wrong)
    )


def test_given_an_elf_header_when_reading_machine_then_aarch64_is_recognised(
    tmp_path: Path,
) -> None:
    arm = tmp_path / "arm.so"
    arm.write_bytes(ELF_MAGIC + bytes([2, 1, 1]) + bytes(11) + EM_AARCH64.to_bytes(2, "little"))
    text = tmp_path / "text.so"
    text.write_bytes(b"not an elf file at all")
    assert elf_machine(arm) == EM_AARCH64
    assert elf_machine(text) is None


def test_given_build_when_listing_layers_then_their_sources_ship_compiled_for_the_runtime(
    template: dict[str, Any], sam_build_dir: Path
) -> None:
    # Lambda's /opt is read-only: a layer without .pyc is compiled at every cold start.
    for layer in _resources_of(template, "AWS::Serverless::LayerVersion"):
        root = sam_build_dir / layer / "python"
        sources = sorted(root.glob("turnout/**/*.py")) + sorted(root.glob("yaml/*.py"))
        sources += sorted(root.glob("botocore/*.py")) + sorted(root.glob("boto3/*.py"))
        missing = [
            str(src.relative_to(root))
            for src in sources
            if not (src.parent / "__pycache__" / f"{src.stem}.cpython-313.pyc").is_file()
        ]
        assert sources
        assert not missing, f"{layer}: not compiled for CPython 3.13: {missing[:5]}"


def test_given_build_when_reading_the_ecs_sdk_layer_then_its_botocore_knows_continue_service_deployment(
    template: dict[str, Any], sam_build_dir: Path
) -> None:
    """The ecs engine's layer ships a botocore whose ECS model has the operations of ECS
    built-in blue/green turnout calls (the Lambda runtime's own boto3 may predate them)."""
    import gzip
    import json

    assert template["Resources"][SDK_LAYER]["Condition"] == "IsEcsEngine"
    root = sam_build_dir / SDK_LAYER / "python"
    assert {"boto3", "botocore", "s3transfer"} <= _layer_top_level(sam_build_dir, SDK_LAYER)
    models = sorted((root / "botocore" / "data" / "ecs").glob("*/service-2.json*"))
    assert models, f"{SDK_LAYER}: botocore ships no ECS model"
    raw = models[-1].read_bytes()
    model = json.loads(gzip.decompress(raw) if models[-1].suffix == ".gz" else raw)
    wanted = {"ContinueServiceDeployment", "DescribeServiceDeployments", "StopServiceDeployment"}
    assert wanted <= set(model["operations"]), f"{SDK_LAYER}: {models[-1]} lacks {wanted}"
    leaked = sorted(
        _layer_top_level(sam_build_dir, SDK_LAYER)
        & (FORBIDDEN_IN_LAYER - {"boto3", "botocore", "s3transfer"} | {"turnout"})
    )
    assert not leaked, f"{SDK_LAYER}: the built layer contains {leaked}"


def test_given_the_template_when_reading_layers_then_only_the_ecs_functions_carry_the_sdk_layer(
    template: dict[str, Any],
) -> None:
    carriers = {
        name: resource["Properties"]["Layers"]
        for name, resource in template["Resources"].items()
        if "Layers" in resource.get("Properties", {})
    }
    sdk = CfnTag("Ref", SDK_LAYER)
    no_value = CfnTag("Ref", "AWS::NoValue")
    assert carriers == {
        "EcsDeploymentFunction": [sdk],
        "GateTickFunction": [CfnTag("Fn::If", ["IsEcsEngine", sdk, no_value])],
    }
    assert template["Resources"]["EcsDeploymentFunction"]["Condition"] == "IsEcsEngine"
