"""The mypy-boto3 stubs type the adapters for mypy only: the Lambda layer does not ship them,
so the adapters must import, build their clients and call through them without the stubs
(and without loading them when they are installed: cold start, bench/cold_init.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

_CHILD = """
import importlib.abc, sys

class NoStubs(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0].startswith(("mypy_boto3", "boto3_stubs", "botocore_stubs")):
            raise ImportError(f"{name} is not in the Lambda layer")
        return None

sys.meta_path.insert(0, NoStubs())

from turnout.adapters import aws, codedeploy, ecr, ecs, health, notify, sfn

adapters = [
    codedeploy.CodeDeploy("app", "group").api,
    ecr.Ecr("repository").api,
    ecs.Ecs("cluster", "service").api,
    sfn.StepFunctions().api,
    health.Health().cloudwatch,
    health.Health().elbv2,
    aws.client("sns"),
    aws.client("events"),
]
print(",".join(type(c).__name__ for c in adapters))
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter with only the layer's source on the path (the tests'
    AWS-free environment, see tests/conftest.py, passed on)."""
    env = os.environ | {"PYTHONPATH": str(ROOT / "layers" / "turnout")}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )


def test_given_no_stubs_installed_when_the_adapters_build_their_clients_then_they_work() -> None:
    out = _run(_CHILD)

    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (
        "CodeDeploy,ECR,ECS,SFN,CloudWatch,ElasticLoadBalancingv2,SNS,EventBridge"
    )


def test_given_the_stubs_installed_when_the_adapters_are_imported_then_none_is_loaded() -> None:
    out = _run(
        "import sys\n"
        "from turnout.adapters import aws, codedeploy, ecr, ecs, health, notify, sfn\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('mypy_boto3'))))\n"
    )

    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
