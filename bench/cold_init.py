"""Cold-start (Lambda INIT) cost of each handler, compared with `import boto3` alone.

For every functions/<name>/app.py, a fresh interpreter (the project venv's Python) imports the
handler module the way the Lambda runtime does: the layer source (layers/turnout) on the path
with the project venv's packages standing in for the layer's dependencies and the runtime's
boto3 (the built layer holds arm64 binaries), the function's folder on the path, and the environment
variables of template.yaml (Globals + the function's own) with dummy values. Each import is
timed inside the child (perf_counter around the import), N runs per module, and the median is
reported next to the median of `import boto3` measured the same way in the same run.

    python bench/cold_init.py [--runs 5] [--target 1.5]

Exit status: 0 when every handler is within --target x boto3, 1 otherwise, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
LAYER_SOURCE = ROOT / "layers" / "turnout"
DUMMY_ACCOUNT = "123456789012"
DUMMY_REGION = "ap-northeast-2"
DUMMY_STACK = "turnout-bench"

# The child: time one import, print the milliseconds as JSON.
CHILD = """
import importlib, json, sys, time
name = sys.argv[1]
start = time.perf_counter()
importlib.import_module(name)
elapsed = (time.perf_counter() - start) * 1000.0
print(json.dumps({"ms": elapsed}))
"""


class BenchError(Exception):
    """A benchmark input (template, function folder, child run) is unusable."""


class _Tag:
    def __init__(self, tag: str, value: Any) -> None:
        self.tag = tag
        self.value = value


class _CfnLoader(yaml.SafeLoader):
    pass


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Tag:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    return _Tag(suffix, value)


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506
    except (OSError, yaml.YAMLError) as exc:
        raise BenchError(f"{path}: cannot read the template: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise BenchError(f"{path}: no Resources mapping")
    return data


class DummyResolver:
    """Turns template values (intrinsics included) into plausible dummy strings."""

    def __init__(self, template: dict[str, Any]) -> None:
        self._parameters: dict[str, Any] = template.get("Parameters") or {}
        self._pseudo = {
            "AWS::StackName": DUMMY_STACK,
            "AWS::Region": DUMMY_REGION,
            "AWS::AccountId": DUMMY_ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def ref(self, name: str) -> str:
        if name in self._pseudo:
            return self._pseudo[name]
        parameter = self._parameters.get(name)
        if isinstance(parameter, dict):
            default = parameter.get("Default")
            if default not in (None, ""):
                return str(default)
        return f"dummy-{name.lower()}"

    def resolve(self, value: Any) -> str:
        if isinstance(value, _Tag):
            return self._resolve_tag(value)
        if isinstance(value, dict) and len(value) == 1:
            ((key, inner),) = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return self._resolve_tag(_Tag(key.removeprefix("Fn::"), inner))
        if isinstance(value, list):
            return ",".join(self.resolve(v) for v in value)
        return "" if value is None else str(value)

    def _resolve_tag(self, tag: _Tag) -> str:
        name = tag.tag.removeprefix("Fn::")
        if name == "Ref":
            return self.ref(str(tag.value))
        if name == "Sub":
            text, extra = (tag.value, {}) if isinstance(tag.value, str) else tag.value
            return self._substitute(str(text), extra)
        if name == "Join" and isinstance(tag.value, list) and len(tag.value) == 2:
            separator, items = tag.value
            parts = items if isinstance(items, list) else [items]
            return str(separator).join(self.resolve(v) for v in parts)
        if name == "GetAtt":
            target = tag.value if isinstance(tag.value, str) else ".".join(map(str, tag.value))
            return f"dummy-{target.lower().replace('.', '-')}"
        if name == "If" and isinstance(tag.value, list) and len(tag.value) == 3:
            return self.resolve(tag.value[1])
        return f"dummy-{name.lower()}"

    def _substitute(self, text: str, extra: dict[str, Any]) -> str:
        out, index = [], 0
        while (start := text.find("${", index)) != -1:
            end = text.find("}", start)
            if end == -1:
                break
            out.append(text[index:start])
            key = text[start + 2 : end]
            if key in extra:
                out.append(self.resolve(extra[key]))
            elif "." in key:
                out.append(f"dummy-{key.lower().replace('.', '-')}")
            else:
                out.append(self.ref(key))
            index = end + 1
        out.append(text[index:])
        return "".join(out)


@dataclass(frozen=True)
class Handler:
    logical_id: str
    code_dir: Path
    module: str
    environment: dict[str, str]


def handlers_of(template: dict[str, Any], root: Path = ROOT) -> list[Handler]:
    """Every AWS::Serverless::Function, with its merged, dummy-valued environment."""
    resolver = DummyResolver(template)
    globals_fn = (template.get("Globals") or {}).get("Function") or {}
    global_env = ((globals_fn.get("Environment") or {}).get("Variables")) or {}
    found = []
    for logical_id, resource in sorted(template["Resources"].items()):
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties") or {}
        code_uri = props.get("CodeUri", globals_fn.get("CodeUri"))
        handler = props.get("Handler", globals_fn.get("Handler"))
        if not isinstance(code_uri, str) or not isinstance(handler, str) or "." not in handler:
            raise BenchError(
                f"template.yaml {logical_id}: CodeUri={code_uri!r} Handler={handler!r} "
                "(need a local folder and module.function)"
            )
        own_env = ((props.get("Environment") or {}).get("Variables")) or {}
        variables = {**global_env, **own_env}
        environment = {name: resolver.resolve(value) for name, value in variables.items()}
        environment["AWS_LAMBDA_FUNCTION_NAME"] = resolver.resolve(
            props.get("FunctionName", f"{DUMMY_STACK}-{logical_id}")
        )
        found.append(Handler(logical_id, root / code_uri, handler.rsplit(".", 1)[0], environment))
    return found


def lambda_environment(extra: dict[str, str], python_path: list[Path]) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "LANG": "C.UTF-8",
        "AWS_REGION": DUMMY_REGION,
        "AWS_DEFAULT_REGION": DUMMY_REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
        "PYTHONPATH": os.pathsep.join(str(p) for p in python_path),
    }
    env.update(extra)
    return env


def time_import(python: str, module: str, env: dict[str, str], cwd: Path, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        result = subprocess.run(
            [python, "-c", CHILD, module],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise BenchError(f"import {module} (in {cwd}) failed:\n{result.stderr.strip()}")
        samples.append(float(json.loads(result.stdout.strip().splitlines()[-1])["ms"]))
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per module (median)")
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--target", type=float, default=1.5, help="max handler/boto3 median ratio")
    parser.add_argument("--python", default=sys.executable, help="interpreter to run")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    try:
        template = load_template(args.template)
        handlers = handlers_of(template)
        layer = LAYER_SOURCE
        base_env = lambda_environment({}, [layer])
        # Warm the OS file cache and .pyc files once, outside the measurement.
        time_import(args.python, "boto3", base_env, ROOT, 1)
        boto3_ms = statistics.median(time_import(args.python, "boto3", base_env, ROOT, args.runs))
        rows = []
        for handler in handlers:
            if not (handler.code_dir / f"{handler.module}.py").is_file():
                raise BenchError(
                    f"{handler.logical_id}: {handler.code_dir}/{handler.module}.py missing"
                )
            env = lambda_environment(handler.environment, [handler.code_dir, layer])
            time_import(args.python, handler.module, env, handler.code_dir, 1)
            samples = time_import(args.python, handler.module, env, handler.code_dir, args.runs)
            rows.append((handler, statistics.median(samples), min(samples), max(samples)))
    except BenchError as exc:
        print(f"cold_init: {exc}", file=sys.stderr)
        return 2

    print(f"Cold INIT (import of the handler module), median of {args.runs} fresh interpreters")
    print(f"layer: {layer.relative_to(ROOT) if layer.is_relative_to(ROOT) else layer}")
    print(f"{'function':<28} {'median ms':>10} {'min':>8} {'max':>8} {'x boto3':>8}")
    print(f"{'import boto3 (baseline)':<28} {boto3_ms:>10.1f} {'':>8} {'':>8} {1.0:>8.2f}")
    over = []
    for handler, median, low, high in rows:
        ratio = median / boto3_ms
        flag = "" if ratio <= args.target else "  > target"
        name = handler.code_dir.name
        print(f"{name:<28} {median:>10.1f} {low:>8.1f} {high:>8.1f} {ratio:>8.2f}{flag}")
        if ratio > args.target:
            over.append(handler.code_dir.name)
    worst = max((m / boto3_ms for _, m, _, _ in rows), default=0.0)
    print(f"worst ratio {worst:.2f} (target <= {args.target:.2f})")
    if over:
        print(f"over target: {', '.join(over)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
