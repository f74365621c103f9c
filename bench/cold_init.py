"""Cold start of each handler, INIT plus the FIRST invocation, against a local AWS endpoint.

The handlers defer boto3, botocore's models and pydantic to their first call, so timing the
import alone (INIT) hides what a cold invocation pays. Here every run of a function is a fresh
interpreter (the project venv's Python) that does what the Lambda runtime does on a cold start:

* INIT: import functions/<name>/app.py the way the runtime does (the layer source
  layers/turnout on the path, the project venv's packages standing in for the layer's
  dependencies and the runtime's boto3; the environment of template.yaml, Globals plus the
  function's own, with the parameters' defaults or dummy values);
* FIRST: one ``handler(event, context)`` call: config parsing, client creation and every AWS
  call of that invocation, sent to a local endpoint (AWS_ENDPOINT_URL): bench/cold_world.py,
  the sandbox's AWS (moto 5.2.5 plus turnout's emulators) served by moto's ThreadedMotoServer
  on 127.0.0.1 in a process of its own. Before each run it empties the ledger table and runs the
  real handlers that precede the function in the state machines, so the event is the one the
  state machines send (events/*.json samples made to match the world, the payload shapes of
  statemachines/*.asl.json) and the first call meets the state it meets in a deployment.

The baseline is measured the same way in the same run: a fresh interpreter doing
``import boto3`` (its INIT), then one DynamoDB client and one GetItem on the ledger table
(its FIRST). Runs interleave the baseline and the functions (one warm-up pass first, not
counted), so load on a shared machine hits them alike. Reported per function, the medians of
N runs: INIT ms, FIRST ms, total, the total's ratio to the baseline's median total, and the
peak memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss`` read by the child at its end: the
peak resident set of the whole interpreter, in MiB). Interpreter start-up itself (the same for
all) is outside every figure.

    python bench/cold_init.py [--runs 5] [--target 1.3] [--json] [--explain] [--only NAME]
                              [--layer DIR] [--child-env NAME=VALUE]

``--layer`` and ``--child-env`` change what the functions' children import or see (a
candidate core package, ``AWS_DATA_PATH=...`` for other botocore models), never the
baseline: so a proposal is measured against the same baseline in the same run.

``--explain`` adds one more run per function with ``python -X importtime`` and timers around
botocore's client creation, model file loading, API calls and HTTP sends, and prints where
INIT and FIRST go (import self-time by top-level package, what is imported lazily on the
first call, clients, calls, and the compile time of turnout's own sources when shipped
without .pyc files).

Exit status: 0 when every function's total is within --target x the baseline, 1 otherwise,
2 on bad input (template, function folder, a handler's first call failing, the world).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from turnout_sandbox import cfn

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
LAYER_SOURCE = ROOT / "layers" / "turnout"
DUMMY_ACCOUNT = "123456789012"
DUMMY_REGION = "ap-northeast-2"
DUMMY_STACK = "turnout-bench"
#: The stack parameters of the benchmark's user: the console pipeline's taskdef.json and
#: appspec.yaml (the world's repository) ask for these roles, secrets, hooks, network and
#: capacity providers, so a user deploying turnout for them passes them (README, "What the
#: repository may ask for"); with the defaults Render refuses the files (PolicyViolation).
BENCH_PARAMETERS: dict[str, str] = {
    "TaskRoleArn": f"arn:aws:iam::{DUMMY_ACCOUNT}:role/task-hello-aws-role",
    "ExecutionRoleArn": f"arn:aws:iam::{DUMMY_ACCOUNT}:role/ecsTaskExecutionRole",
    "TaskDefinitionFamily": "task-hello-aws",
    "SecretArnPrefixes": (
        f"arn:aws:secretsmanager:{DUMMY_REGION}:{DUMMY_ACCOUNT}:secret:hello-aws/,"
        f"arn:aws:ssm:{DUMMY_REGION}:{DUMMY_ACCOUNT}:parameter/hello-aws/"
    ),
    "AllowedHookFunctions": "hello-aws-before-install,hello-aws-smoke-test",
    "AllowNetworkChange": "true",
    "AllowCapacityProviderChange": "true",
    # the default engine (codedeploy) needs both (template.yaml Rules; empty by default)
    "CodeDeployApplication": "app-hello-aws",
    "DeploymentGroupName": "dg-hello-aws",
}
WORLD = ROOT / "bench" / "cold_world.py"
WORLD_MARK = "COLDWORLD "
CHILD_MARK = "COLDSTART "
BASELINE = "baseline"

#: The child (stdlib only; what it imports is what it measures). argv: baseline|handler,
#: module, event file, explain (1/0). Prints one ``COLDSTART <json>`` line on stdout.
CHILD = r"""
import importlib, json, os, resource, sys, time
kind, module, event_path, explain = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
out = {"error": None, "parts": {}}
def phase(name):
    if explain:
        sys.stderr.write("COLDSTART-PHASE " + name + "\n")
        sys.stderr.flush()
class Context:
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "bench")
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:ap-northeast-2:123456789012:function:" + function_name
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/" + function_name
    log_stream_name = "2026/12/01/[$LATEST]0"
    def get_remaining_time_in_millis(self):
        return 60000
def instrument():
    # explain only: boto3 imported now (its time reported apart), then timers on botocore
    t = time.perf_counter()
    import boto3  # noqa: F401
    out["parts"]["boto3_import_ms"] = (time.perf_counter() - t) * 1000.0
    import botocore.client, botocore.endpoint, botocore.loaders, botocore.session
    def timed(owner, name, key):
        original = getattr(owner, name)
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                parts = out["parts"]
                spent = (time.perf_counter() - start) * 1000.0
                parts[key + "_ms"] = parts.get(key + "_ms", 0.0) + spent
                parts[key + "_n"] = parts.get(key + "_n", 0) + 1
        setattr(owner, name, wrapper)
    timed(botocore.session.Session, "create_client", "create_client")
    timed(botocore.loaders.JSONFileLoader, "load_file", "model_files")
    timed(botocore.client.BaseClient, "_make_api_call", "api_calls")
    timed(botocore.endpoint.Endpoint, "_send", "http_send")
before = set(sys.modules)
phase("init")
c0, t0 = time.process_time(), time.perf_counter()
if kind == "baseline":
    import boto3
else:
    handler = importlib.import_module(module).handler
t1, c1 = time.perf_counter(), time.process_time()
init_modules = set(sys.modules) - before
event = json.load(open(event_path)) if event_path != "-" else None
phase("first")
if explain:
    instrument()
c2, t2 = time.process_time(), time.perf_counter()
try:
    if kind == "baseline":
        client = boto3.client("dynamodb")
        client.get_item(
            TableName=os.environ["TABLE_NAME"], Key={"pk": {"S": "bench"}, "sk": {"S": "bench"}}
        )
    else:
        result = handler(event, Context())
        out["result"] = sorted(result) if isinstance(result, dict) else repr(result)[:200]
except Exception as exc:
    out["error"] = type(exc).__name__ + ": " + str(exc)[:500]
t3, c3 = time.perf_counter(), time.process_time()
phase("end")
first_modules = set(sys.modules) - before - init_modules
out["init_ms"] = (t1 - t0) * 1000.0
out["first_ms"] = (t3 - t2) * 1000.0 + out["parts"].get("boto3_import_ms", 0.0)
out["init_cpu_ms"] = (c1 - c0) * 1000.0
out["first_cpu_ms"] = (c3 - c2) * 1000.0
out["maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out["modules_init"] = len(init_modules)
out["modules_first"] = len(first_modules)
if explain:
    roots = {os.path.realpath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p}
    compile_ms, files = 0.0, 0
    for name in init_modules | first_modules:
        path = getattr(sys.modules.get(name), "__file__", None) or ""
        real = os.path.realpath(path)
        if path.endswith(".py") and any(real.startswith(r + os.sep) for r in roots):
            source = open(path, "rb").read()
            start = time.perf_counter()
            compile(source, path, "exec")
            compile_ms += (time.perf_counter() - start) * 1000.0
            files += 1
    out["parts"]["own_compile_ms"], out["parts"]["own_files"] = compile_ms, files
    out["first_packages"] = sorted({m.split(".")[0] for m in first_modules})
sys.stdout.write("COLDSTART " + json.dumps(out) + "\n")
"""


class BenchError(Exception):
    """A benchmark input (template, function folder, child run) is unusable."""


def load_template(path: Path) -> dict[str, Any]:
    """The template, its intrinsics as ``{"Ref": ...}`` / ``{"Fn::X": ...}`` (the sandbox's)."""
    try:
        return cfn.load_template(path)
    except cfn.SandboxError as exc:
        raise BenchError(str(exc)) from exc


class DummyResolver:
    """Turns template values (intrinsics included) into plausible dummy strings."""

    def __init__(self, template: dict[str, Any], overrides: dict[str, str] | None = None) -> None:
        self._parameters: dict[str, Any] = template.get("Parameters") or {}
        self._overrides = BENCH_PARAMETERS if overrides is None else overrides
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
        if name in self._overrides:
            return self._overrides[name]
        parameter = self._parameters.get(name)
        if isinstance(parameter, dict) and "Default" in parameter:
            default = parameter["Default"]  # "" stays "" (e.g. no alarms, no HTTP probe)
            return "" if default is None else str(default)
        return f"dummy-{name.lower()}"

    def resolve(self, value: Any) -> str:
        if isinstance(value, dict) and len(value) == 1:
            ((key, inner),) = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return self._resolve_tag(key.removeprefix("Fn::"), inner)
        if isinstance(value, list):
            return ",".join(self.resolve(v) for v in value)
        return "" if value is None else str(value)

    def _resolve_tag(self, name: str, value: Any) -> str:
        if name == "Ref":
            return self.ref(str(value))
        if name == "Sub":
            text, extra = (value, {}) if isinstance(value, str) else value
            return self._substitute(str(text), extra)
        if name == "Join" and isinstance(value, list) and len(value) == 2:
            separator, items = value
            parts = items if isinstance(items, list) else [items]
            return str(separator).join(self.resolve(v) for v in parts)
        if name == "GetAtt":
            target = value if isinstance(value, str) else ".".join(map(str, value))
            return f"dummy-{target.lower().replace('.', '-')}"
        if name == "If" and isinstance(value, list) and len(value) == 3:
            return self.resolve(value[1])
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


#: The template's condition on what only DeploymentEngine=ecs creates.
ECS_ENGINE_ONLY = "IsEcsEngine"


@dataclass(frozen=True)
class Handler:
    logical_id: str
    code_dir: Path
    module: str
    environment: dict[str, str]


def handlers_of(template: dict[str, Any], root: Path = ROOT) -> list[Handler]:
    """Every AWS::Serverless::Function of the default engine (DeploymentEngine codedeploy:
    bench/cold_world.py builds a CodeDeploy service, so the functions only the ecs engine
    creates, ``Condition: IsEcsEngine``, are left out), with its merged, dummy-valued
    environment."""
    resolver = DummyResolver(template)
    globals_fn = (template.get("Globals") or {}).get("Function") or {}
    global_env = ((globals_fn.get("Environment") or {}).get("Variables")) or {}
    found = []
    for logical_id, resource in sorted(template["Resources"].items()):
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        if resource.get("Condition") == ECS_ENGINE_ONLY:
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
        # no ~/.aws files in Lambda: botocore must not read the user's
        "AWS_CONFIG_FILE": "/nonexistent/cold-init-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/cold-init-credentials",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        # the venv has aws_xray_sdk, the layer has not: the tracer stays a no-op as in Lambda
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PYTHONPATH": os.pathsep.join(str(p) for p in python_path),
    }
    env.update(extra)
    return env


@dataclass
class Sample:
    """One fresh interpreter: INIT and FIRST in ms, peak RSS in KiB, and what it reported."""

    init_ms: float
    first_ms: float
    maxrss_kib: int
    report: dict[str, Any]
    #: CPU time of the child (time.process_time): what load on a shared machine barely moves
    cpu_ms: float = 0.0

    @property
    def total_ms(self) -> float:
        return self.init_ms + self.first_ms


def run_child(
    python: str,
    kind: str,
    module: str,
    event: Any,
    *,
    env: dict[str, str],
    cwd: Path,
    explain: bool = False,
) -> tuple[Sample, str]:
    """One cold start in a fresh interpreter; returns the sample and the child's stderr.

    Raises BenchError when the child dies or the first call raises (the figure would be
    that of an error path)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(event, handle)
        event_path = handle.name
    try:
        flags = ["-X", "importtime"] if explain else []
        argv = [python, *flags, "-c", CHILD, kind, module, event_path, "1" if explain else "0"]
        result = subprocess.run(
            argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
        )
    finally:
        os.unlink(event_path)
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith(CHILD_MARK)]
    if result.returncode != 0 or not lines:
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        raise BenchError(f"{kind} {module} (in {cwd}) failed (exit {result.returncode}):\n{tail}")
    report: dict[str, Any] = json.loads(lines[-1][len(CHILD_MARK) :])
    if report.get("error"):
        raise BenchError(f"{module}: the first call raised {report['error']}")
    sample = Sample(
        float(report["init_ms"]),
        float(report["first_ms"]),
        int(report["maxrss_kib"]),
        report,
        float(report["init_cpu_ms"]) + float(report["first_cpu_ms"]),
    )
    return sample, result.stderr


class WorldProcess:
    """bench/cold_world.py in a process of its own: the local endpoint, and each run's state."""

    def __init__(self, python: str, env: dict[str, str]) -> None:
        server_env = {k: v for k, v in lambda_environment(env, []).items() if k != "PYTHONPATH"}
        self._log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed in stop)
        self._proc = subprocess.Popen(
            [python, str(WORLD), json.dumps({"env": env})],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            cwd=ROOT,
            env=server_env,
        )
        first = self._read()
        if "url" not in first:
            self.stop()
            raise BenchError(f"the local AWS endpoint did not start: {first.get('error')}")
        self.url = str(first["url"])
        self.overrides: dict[str, str] = dict(first.get("env") or {})

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            if line.startswith(WORLD_MARK):
                found: dict[str, Any] = json.loads(line[len(WORLD_MARK) :])
                return found
        self._log.seek(0)
        tail = "\n".join(self._log.read().strip().splitlines()[-15:])
        return {"error": f"bench/cold_world.py exited {self._proc.wait()}:\n{tail}"}

    def prepare(self, target: str) -> Any:
        """Reset the ledger and run what precedes ``target``; the event ``target`` gets."""
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"prepare": target}) + "\n")
        self._proc.stdin.flush()
        answer = self._read()
        if "event" not in answer:
            raise BenchError(f"setting up the first call of {target}: {answer.get('error')}")
        return answer["event"]

    def stop(self) -> None:
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._log.close()


@dataclass
class Target:
    """What one column of runs measures: the baseline or one function."""

    name: str
    kind: str  # "baseline" or "handler"
    module: str
    cwd: Path
    env: dict[str, str]
    samples: list[Sample] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return float(statistics.median(getattr(s, attribute) for s in self.samples))

    def spread(self, attribute: str) -> tuple[float, float]:
        values = [float(getattr(s, attribute)) for s in self.samples]
        return min(values), max(values)


class Endpoint(Protocol):
    """What the functions' environment needs of the world: its URL and overrides."""

    url: str
    overrides: dict[str, str]


def targets_of(
    handlers: list[Handler],
    world: Endpoint,
    layer: Path = LAYER_SOURCE,
    extra_env: dict[str, str] | None = None,
) -> list[Target]:
    """The baseline, then each function; ``layer`` and ``extra_env`` reach the functions'
    children only (to measure a candidate layer or botocore data path against the same
    baseline)."""
    shared = {"AWS_ENDPOINT_URL": world.url, **world.overrides}
    common = handlers[0].environment if handlers else {}
    found = [
        Target(
            BASELINE,
            "baseline",
            "boto3",
            ROOT,
            lambda_environment({**common, **shared}, [layer]),
        )
    ]
    for handler in handlers:
        if not (handler.code_dir / f"{handler.module}.py").is_file():
            raise BenchError(
                f"{handler.logical_id}: {handler.code_dir}/{handler.module}.py missing"
            )
        env = lambda_environment(
            {**handler.environment, **shared, **(extra_env or {})}, [handler.code_dir, layer]
        )
        found.append(
            Target(handler.code_dir.name, "handler", handler.module, handler.code_dir, env)
        )
    return found


def measure(python: str, targets: list[Target], world: WorldProcess, runs: int) -> None:
    """One warm-up pass (files cached, .pyc written), then ``runs`` interleaved passes."""
    for run in range(runs + 1):
        for target in targets:
            event = world.prepare(target.name)
            sample, _ = run_child(
                python, target.kind, target.module, event, env=target.env, cwd=target.cwd
            )
            if run > 0:
                target.samples.append(sample)


# ------------------------------------------------------------------------------ explain


def import_self_times(stderr: str) -> dict[str, dict[str, float]]:
    """``-X importtime`` self time (ms) per top-level package, per phase of the child."""
    phases: dict[str, dict[str, float]] = {}
    current = "startup"
    for line in stderr.splitlines():
        if line.startswith("COLDSTART-PHASE "):
            current = line.split(maxsplit=1)[1].strip()
            continue
        if not line.startswith("import time:") or "|" not in line:
            continue
        fields = line[len("import time:") :].split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue  # the header line
        package = fields[2].strip().split(".")[0]
        bucket = phases.setdefault(current, {})
        bucket[package] = bucket.get(package, 0.0) + int(fields[0]) / 1000.0
    return phases


def explain(python: str, targets: list[Target], world: WorldProcess) -> list[dict[str, Any]]:
    rows = []
    for target in targets:
        event = world.prepare(target.name)
        sample, stderr = run_child(
            python, target.kind, target.module, event, env=target.env, cwd=target.cwd, explain=True
        )
        phases = import_self_times(stderr)
        rows.append(
            {
                "name": target.name,
                "init_ms": sample.init_ms,
                "first_ms": sample.first_ms,
                "parts": sample.report.get("parts", {}),
                "first_packages": sample.report.get("first_packages", []),
                "imports_init_ms": phases.get("init", {}),
                "imports_first_ms": phases.get("first", {}),
            }
        )
    return rows


def _top(times: dict[str, float], count: int = 5) -> str:
    ranked = sorted(times.items(), key=lambda kv: -kv[1])[:count]
    return ", ".join(f"{name} {ms:.0f}" for name, ms in ranked if ms >= 0.5) or "-"


def print_explain(rows: list[dict[str, Any]]) -> None:
    print()
    print("Where the time goes (one -X importtime run each, timers on botocore; ms)")
    for row in rows:
        p = row["parts"]
        init_imports = sum(row["imports_init_ms"].values())
        first_imports = sum(row["imports_first_ms"].values())
        boto3_ms = p.get("boto3_import_ms", 0)
        print(f"- {row['name']}: INIT {row['init_ms']:.0f}, FIRST {row['first_ms']:.0f}")
        print(f"    INIT import self-time {init_imports:.0f}: {_top(row['imports_init_ms'])}")
        print(
            f"    FIRST lazy imports {first_imports:.0f} (boto3 {boto3_ms:.0f}): "
            f"{_top(row['imports_first_ms'], 7)}"
        )
        print(
            f"    clients {p.get('create_client_n', 0)} in {p.get('create_client_ms', 0):.0f}"
            f" (model files {p.get('model_files_n', 0)} in {p.get('model_files_ms', 0):.0f});"
            f" calls {p.get('api_calls_n', 0)} in {p.get('api_calls_ms', 0):.0f}"
            f" (HTTP {p.get('http_send_ms', 0):.0f}); own sources {p.get('own_files', 0)}"
            f" files, compile {p.get('own_compile_ms', 0):.0f}"
        )


# ------------------------------------------------------------------------------ report


def summary(targets: list[Target], target_ratio: float) -> dict[str, Any]:
    baseline = targets[0]
    base_total = baseline.median("total_ms")
    base_cpu = baseline.median("cpu_ms")
    rows: list[dict[str, Any]] = []
    for t in targets:
        low, high = t.spread("total_ms")
        ratio = t.median("total_ms") / base_total if base_total > 0 else float("inf")
        rows.append(
            {
                "function": t.name,
                "init_ms": round(t.median("init_ms"), 1),
                "first_ms": round(t.median("first_ms"), 1),
                "total_ms": round(t.median("total_ms"), 1),
                "total_min_ms": round(low, 1),
                "total_max_ms": round(high, 1),
                "ratio": round(ratio, 2),
                "cpu_ms": round(t.median("cpu_ms"), 1),
                "cpu_ratio": round(t.median("cpu_ms") / base_cpu, 2) if base_cpu > 0 else None,
                "peak_rss_mib": round(t.median("maxrss_kib") / 1024.0, 1),
                "over_target": t.kind != "baseline" and ratio > target_ratio,
                "modules_init": t.samples[-1].report.get("modules_init"),
                "modules_first": t.samples[-1].report.get("modules_first"),
            }
        )
    return {
        "runs": len(baseline.samples),
        "target": target_ratio,
        "cpu": "time.process_time of the child, INIT + FIRST (the server's share not in it)",
        "memory": "ru_maxrss of the child (getrusage RUSAGE_SELF at its end), MiB",
        "baseline": "import boto3 + boto3.client('dynamodb') + one GetItem, same endpoint",
        "rows": rows,
        "worst_ratio": max((r["ratio"] for r in rows[1:]), default=0.0),
        "over_target": [r["function"] for r in rows if r["over_target"]],
    }


def print_table(report: dict[str, Any]) -> None:
    print(
        f"Cold start = INIT (import) + FIRST invocation (against a local endpoint), "
        f"median of {report['runs']} fresh interpreters"
    )
    print(
        f"{'function':<22} {'INIT ms':>8} {'FIRST ms':>9} {'total ms':>9} {'min-max':>13} "
        f"{'x base':>7} {'CPU ms':>7} {'x CPU':>6} {'peak MiB':>9}"
    )
    for row in report["rows"]:
        flag = "  > target" if row["over_target"] else ""
        spread = f"{row['total_min_ms']:.0f}-{row['total_max_ms']:.0f}"
        print(
            f"{row['function']:<22} {row['init_ms']:>8.1f} {row['first_ms']:>9.1f} "
            f"{row['total_ms']:>9.1f} {spread:>13} {row['ratio']:>7.2f} "
            f"{row['cpu_ms']:>7.1f} {row['cpu_ratio'] or 0:>6.2f} {row['peak_rss_mib']:>9.1f}{flag}"
        )
    print(f"baseline: {report['baseline']}")
    print(f"CPU: {report['cpu']}; memory: {report['memory']}")
    print(f"worst ratio {report['worst_ratio']:.2f} (target <= {report['target']:.2f})")
    if report["over_target"]:
        print(f"over target: {', '.join(report['over_target'])}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per function (median)")
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument(
        "--target", type=float, default=1.3, help="max ratio of a function's total to the baseline"
    )
    parser.add_argument("--python", default=sys.executable, help="interpreter to run")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--explain", action="store_true", help="also show where the time goes")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="only functions/NAME"
    )
    parser.add_argument(
        "--layer",
        type=Path,
        default=LAYER_SOURCE,
        help="the core package's folder the functions import (default: layers/turnout)",
    )
    parser.add_argument(
        "--child-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the functions' children (e.g. AWS_DATA_PATH)",
    )
    return parser


def _options(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parsed and checked (argparse exits 2 on a bad option); ``extra_env`` added."""
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    if not args.target > 0:
        parser.error(f"--target must be positive, got {args.target}")
    args.extra_env = {}
    for item in args.child_env:
        name, sep, value = item.partition("=")
        if not sep or not name:
            parser.error(f"--child-env wants NAME=VALUE, got {item!r}")
        args.extra_env[name] = value
    if not (args.layer / "turnout" / "__init__.py").is_file():
        parser.error(f"--layer {args.layer}: no turnout/__init__.py in it")
    return args


def world_environment(handlers: list[Handler]) -> dict[str, str]:
    """What the world process runs the pipeline's handlers with: every function's variables
    (each function gets only those it reads, and the world runs them all up to the target)."""
    merged: dict[str, str] = {}
    for handler in handlers:
        merged.update(handler.environment)
    return merged


def _selected(args: argparse.Namespace) -> tuple[list[Handler], dict[str, str]]:
    """The functions to measure, and the world's environment (of all functions)."""
    handlers = every = handlers_of(load_template(args.template))
    if args.only:
        unknown = sorted(set(args.only) - {h.code_dir.name for h in handlers})
        if unknown:
            raise BenchError(f"--only: no function folder {', '.join(unknown)}")
        handlers = [h for h in handlers if h.code_dir.name in args.only]
    if not handlers:
        raise BenchError(f"{args.template}: no AWS::Serverless::Function")
    return handlers, world_environment(every)


def main(argv: list[str] | None = None) -> int:
    args = _options(_parser(), argv)
    world: WorldProcess | None = None
    try:
        handlers, world_env = _selected(args)
        world = WorldProcess(args.python, world_env)
        targets = targets_of(handlers, world, args.layer, args.extra_env)
        measure(args.python, targets, world, args.runs)
        explained = explain(args.python, targets, world) if args.explain else []
    except BenchError as exc:
        print(f"cold_init: {exc}", file=sys.stderr)
        return 2
    finally:
        if world is not None:
            world.stop()
    report = summary(targets, args.target)
    if explained:
        report["explain"] = explained
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
        if explained:
            print_explain(explained)
    return 1 if report["over_target"] else 0


if __name__ == "__main__":
    sys.exit(main())
