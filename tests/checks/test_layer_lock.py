"""The Lambda layer is built hash-locked (issue 12 item 5, security-review row 18): every
requirement of layers/turnout/requirements.txt is pinned with a sha256, the lock holds every
direct pin of requirements.in, it was made for the template's Runtime and Architectures, and
the layer's Makefile installs it with --require-hashes for that same target."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.checks

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "turnout"
sys.path.insert(0, str(ROOT / "scripts"))

from lock_layer import PLATFORMS, target  # noqa: E402  (scripts/ is not a package)

HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")


def requirements(path: Path) -> list[tuple[str, list[str]]]:
    """(requirement, its options) per logical line: comments dropped, "\\" continued."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        pending += line
        if pending.strip():
            logical.append(pending.strip())
        pending = ""
    found = []
    for entry in logical:
        spec, *options = entry.split()
        found.append((spec, options))
    return found


def pins(path: Path) -> dict[str, str]:
    found = {}
    for spec, _ in requirements(path):
        req = Requirement(spec)
        (only,) = req.specifier
        found[canonicalize_name(req.name)] = only.version
    return found


def test_given_the_layer_lock_when_read_then_every_requirement_is_pinned_with_a_hash() -> None:
    entries = requirements(LAYER / "requirements.txt")
    assert len(entries) >= 3
    wrong = [
        spec
        for spec, options in entries
        if not re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+", spec)
        or not options
        or not all(HASH.match(o) for o in options)
    ]
    assert not wrong, f"layers/turnout/requirements.txt: not ==-pinned with sha256: {wrong}"


def test_given_the_direct_pins_when_locked_then_each_is_in_the_lock_at_its_version() -> None:
    direct = pins(LAYER / "requirements.in")
    locked = pins(LAYER / "requirements.txt")
    assert {"aws-lambda-powertools", "pyyaml"} <= set(direct)
    # no pydantic: the event shapes are turnout.shapes dataclasses (cold start, README)
    assert "pydantic" not in locked
    drift = {name: (version, locked.get(name)) for name, version in direct.items()}
    assert {n: v for n, v in drift.items() if v[0] != v[1]} == {}, "run `make lock-layer`"


def test_given_the_lock_when_read_then_it_was_made_for_the_templates_runtime_and_arch() -> None:
    python, arch = target(ROOT / "template.yaml")
    assert (python, arch) == ("3.13", "arm64")
    header = (LAYER / "requirements.txt").read_text(encoding="utf-8")
    assert f"# target: python {python}, {arch}\n" in header, "run `make lock-layer`"


def test_given_the_layer_makefile_when_read_then_it_installs_the_lock_with_require_hashes() -> None:
    makefile = (LAYER / "Makefile").read_text(encoding="utf-8")
    python, arch = target(ROOT / "template.yaml")
    assert "--require-hashes --no-deps --only-binary=:all:" in makefile
    assert "-r requirements.txt" in makefile
    assert f"PYTHON_VERSION := {python}\n" in makefile
    assert f"PLATFORMS := {' '.join(PLATFORMS[arch])}\n" in makefile


def test_given_a_requirement_without_a_hash_when_checked_then_it_is_found(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text(
        "# c\npyyaml==6.0.4 \\\n    --hash=sha256:" + "a" * 64 + "\njmespath==1.1.0\n",
        encoding="utf-8",
    )
    entries = requirements(lock)
    assert entries == [("pyyaml==6.0.4", ["--hash=sha256:" + "a" * 64]), ("jmespath==1.1.0", [])]


# DeploymentEngine=ecs's own layer (template.yaml EcsSdkLayer): boto3 that knows ECS built-in
# blue/green, locked the same way, at the version the project is tested with.
SDK_IN, SDK_LOCK = LAYER / "requirements-ecs-sdk.in", LAYER / "requirements-ecs-sdk.txt"


def test_given_the_ecs_sdk_lock_when_read_then_pinned_with_hashes_for_the_target_and_its_pins() -> (
    None
):
    entries = requirements(SDK_LOCK)
    assert {spec.split("==")[0] for spec, _ in entries} >= {"boto3", "botocore", "s3transfer"}
    assert all(options and all(HASH.match(o) for o in options) for _, options in entries)
    python, arch = target(ROOT / "template.yaml")
    assert f"# target: python {python}, {arch}\n" in SDK_LOCK.read_text(encoding="utf-8")
    locked = pins(SDK_LOCK)
    assert {n: v for n, v in pins(SDK_IN).items() if locked.get(n) != v} == {}, "make lock-layer"


def test_given_the_ecs_sdk_pins_when_compared_then_they_are_the_tested_boto3_and_botocore() -> None:
    tested = pins(ROOT / "requirements" / "constraints.txt")
    assert {n: pins(SDK_IN)[n] for n in ("boto3", "botocore")} == {
        n: tested[n] for n in ("boto3", "botocore")
    }
    assert "-r requirements-ecs-sdk.txt" in (LAYER / "Makefile").read_text(encoding="utf-8")
