"""Deployment sizes after `sam build`: each function's code folder and each built layer.

    python bench/sizes.py [--build-dir .aws-sam/build] [--top 8]

Reads the built template (<build-dir>/template.yaml) to find functions (CodeUri) and layers
(ContentUri); prints bytes and a human size for each, and the largest top-level entries of
each layer. Lambda's limit is 250 MB unzipped for a function and all its layers.
Exit status: 0, or 2 when the build folder is missing or unreadable.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BUILD_DIR = ROOT / ".aws-sam" / "build"
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


class SizesError(Exception):
    """The build output is missing or unreadable."""


class _AnyTagLoader(yaml.SafeLoader):
    pass


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    assert isinstance(node, yaml.MappingNode)
    return loader.construct_mapping(node, deep=True)


_AnyTagLoader.add_multi_constructor("!", _ignore_tag)


def human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


@dataclass(frozen=True)
class Artifact:
    kind: str  # "function" or "layer"
    logical_id: str
    path: Path


def artifacts(build_dir: Path) -> list[Artifact]:
    built = build_dir / "template.yaml"
    try:
        template = yaml.load(built.read_text(encoding="utf-8"), Loader=_AnyTagLoader)  # noqa: S506
    except (OSError, yaml.YAMLError) as exc:
        raise SizesError(
            f"{built}: cannot read the built template ({exc}); run `make build`"
        ) from exc
    found = []
    for logical_id, resource in sorted((template.get("Resources") or {}).items()):
        kind = resource.get("Type")
        props = resource.get("Properties") or {}
        if kind == "AWS::Serverless::Function":
            uri, label = props.get("CodeUri"), "function"
        elif kind == "AWS::Serverless::LayerVersion":
            uri, label = props.get("ContentUri"), "layer"
        else:
            continue
        if not isinstance(uri, str):
            raise SizesError(f"{built} {logical_id}: no local CodeUri/ContentUri ({uri!r})")
        found.append(Artifact(label, logical_id, (build_dir / uri).resolve()))
    if not found:
        raise SizesError(f"{built}: no functions or layers")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR)
    parser.add_argument("--top", type=int, default=8, help="largest entries listed per layer")
    args = parser.parse_args(argv)
    try:
        items = artifacts(args.build_dir)
    except SizesError as exc:
        print(f"sizes: {exc}", file=sys.stderr)
        return 2

    print(f"Sizes of the sam build output in {args.build_dir}")
    print(f"{'kind':<9} {'resource':<28} {'bytes':>12} {'human':>10}")
    layer_total = 0
    largest_function = 0
    for item in items:
        size = tree_size(item.path)
        if item.kind == "layer":
            layer_total += size
        else:
            largest_function = max(largest_function, size)
        print(f"{item.kind:<9} {item.logical_id:<28} {size:>12} {human(size):>10}")
    for item in items:
        if item.kind != "layer":
            continue
        site = item.path / "python" if (item.path / "python").is_dir() else item.path
        entries = sorted(
            ((tree_size(p), p.name) for p in site.iterdir() if not p.name.endswith(".dist-info")),
            reverse=True,
        )
        print(f"largest entries of {item.logical_id}:")
        for size, name in entries[: args.top]:
            print(f"  {name:<36} {size:>12} {human(size):>10}")
    worst = layer_total + largest_function
    print(
        f"largest function + layers: {human(worst)} of the {human(LAMBDA_UNZIPPED_LIMIT)} "
        "unzipped limit"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
