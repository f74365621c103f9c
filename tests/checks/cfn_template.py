"""Helpers for the checks: a CloudFormation-aware YAML loader and a `sam` runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
STATEMACHINES = ROOT / "statemachines"
SAM_TIMEOUT_S = 900


class CfnTag:
    """A CloudFormation short-form intrinsic (!Ref X, !Sub ..., !GetAtt A.B) as parsed."""

    def __init__(self, tag: str, value: Any) -> None:
        self.tag = tag  # e.g. "Ref", "Fn::Sub", "Fn::GetAtt"
        self.value = value

    def __repr__(self) -> str:
        return f"!{self.tag.removeprefix('Fn::')} {self.value!r}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CfnTag) and (self.tag, self.value) == (other.tag, other.value)

    def __hash__(self) -> int:
        return hash((self.tag, repr(self.value)))


_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "Sub": "Fn::Sub",
    "GetAtt": "Fn::GetAtt",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Join": "Fn::Join",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "FindInMap": "Fn::FindInMap",
    "Base64": "Fn::Base64",
    "Cidr": "Fn::Cidr",
    "GetAZs": "Fn::GetAZs",
    "ImportValue": "Fn::ImportValue",
    "Transform": "Fn::Transform",
    "ToJsonString": "Fn::ToJsonString",
    "Length": "Fn::Length",
}


class CfnLoader(yaml.SafeLoader):
    """PyYAML SafeLoader that understands CloudFormation's short-form tags."""


def _make_constructor(full_name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> CfnTag:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if full_name == "Fn::GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            assert isinstance(node, yaml.MappingNode)
            value = loader.construct_mapping(node, deep=True)
        return CfnTag(full_name, value)

    return construct


for _short, _full in _SHORT_TAGS.items():
    CfnLoader.add_constructor(f"!{_short}", _make_constructor(_full))


def load_template(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML template; errors name the file and position."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=CfnLoader)
    except yaml.YAMLError as exc:
        pytest.fail(f"{path}: not valid CloudFormation YAML: {exc}")
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        pytest.fail(f"{path}: no Resources mapping at the top level")
    return data


def find_tool(name: str, venv: str, override_env: str, what: str) -> Path:
    """A tool of its own venv (``make setup-<venv suffix>``), or ``$override_env``; the
    check fails (it does not skip) when it is missing."""
    override = os.environ.get(override_env)
    candidate = Path(override) if override else ROOT / venv / "bin" / name
    if not candidate.is_file():
        target = venv.removeprefix(".venv-")
        pytest.fail(
            f"{what} not found at {candidate}: run `make setup-{target}` (or set "
            f"{override_env} to a {name} executable)"
        )
    return candidate


def find_sam() -> Path:
    return find_tool("sam", ".venv-sam", "TURNOUT_SAM", "AWS SAM CLI")


def sam_environment(tmp_home: Path) -> dict[str, str]:
    """sam's environment: offline, no telemetry, a region, a python3.13 first on PATH."""
    env = dict(os.environ)
    python_dir = Path(sys.executable).parent  # the project venv: Python 3.13, with pip
    env.update(
        {
            "SAM_CLI_TELEMETRY": "0",
            "AWS_DEFAULT_REGION": "ap-northeast-2",
            "PATH": f"{python_dir}{os.pathsep}{env.get('PATH', '')}",
            # sam writes its config/metadata under HOME; keep the user's untouched.
            "__SAM_CLI_APP_DIR": str(tmp_home),
        }
    )
    env.pop("VIRTUAL_ENV", None)
    return env


def run_sam(args: list[str], tmp_home: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(find_sam()), *args],
        cwd=cwd,
        env=sam_environment(tmp_home),
        capture_output=True,
        text=True,
        timeout=SAM_TIMEOUT_S,
        check=False,
        stdin=subprocess.DEVNULL,
    )
