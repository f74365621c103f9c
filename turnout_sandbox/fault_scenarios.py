"""The fault scenarios (issue 9): each runs the real stack with faults injected
(:mod:`turnout_sandbox.faults`) and ends ``ok`` only if nothing was lost and what serves is
right. Their bodies take any :class:`ScenarioRun` (:class:`turnout_sandbox.scenarios.Run`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from turnout_sandbox.demo import DemoService
from turnout_sandbox.sandbox import Sandbox, Stack

__all__ = ["FAULT_BODIES", "SCENARIO_FAULTS", "Checks", "ScenarioRun"]

Checks = list[tuple[str, bool]]


class ScenarioRun(Protocol):
    """What a fault scenario drives and watches (a scenario's Run)."""

    sandbox: Sandbox
    demo: DemoService
    stack: Stack

    def wait(self, what: str, predicate: Callable[[], bool], timeout: float = 90.0) -> None: ...

    def executions(self, which: str) -> list[dict[str, Any]]: ...

    def deploys_done(self, count: int) -> bool: ...

    def deploy_rows(self, commit: str) -> list[dict[str, Any]]: ...

    def store(self) -> Any: ...


def _latest_row(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


def _function_ids() -> list[str]:
    """The functions of the default (codedeploy) engine's stack (logical ids), in the
    template's order: the ecs engine's exist only with DeploymentEngine=ecs."""
    from turnout_sandbox.cfn import load_template
    from turnout_sandbox.sandbox import REPO_ROOT

    resources = load_template(REPO_ROOT / "template.yaml")["Resources"]
    return [
        k
        for k, r in resources.items()
        if r.get("Type") == "AWS::Serverless::Function" and r.get("Condition") != "IsEcsEngine"
    ]


def _lambda_faults_spec() -> str:
    """Each function fails its first call: an error, a timeout or a crash, in turn."""
    kinds = ("lambda-error", "lambda-timeout", "lambda-crash")
    return ",".join(
        f"{kinds[i % len(kinds)]}:{name}=first" for i, name in enumerate(_function_ids())
    )


#: The faults a scenario runs with (added to the caller's ``faults``).
SCENARIO_FAULTS: dict[str, Callable[[], str]] = {
    "throttled": lambda: "throttle=0.2,seed=9",
    "lambda-faults": _lambda_faults_spec,
    "lost-event": lambda: "event-lost:aws.ecr=first",
    "dead-letter": lambda: "lambda-error:GateTickFunction=1",
}


def _create_deployment_calls(run: ScenarioRun) -> int:
    """How many CreateDeployment calls reached CodeDeploy (IAM evaluates each one)."""
    return sum(
        1
        for _, call in run.sandbox.iam.calls
        if (call.service, call.operation) == ("codedeploy", "CreateDeployment")
    )


def _deployed_each(run: ScenarioRun, checks: Checks, commits: list[str]) -> dict[str, Any] | None:
    """The checks every fault scenario ends with: each commit deployed exactly once."""
    rows = {c: run.deploy_rows(c) for c in commits}
    checks.append(
        (
            "every push deployed (the ledger: succeeded)",
            all(any(r.get("result") == "succeeded" for r in rows[c]) for c in commits),
        )
    )
    checks.append(("the last commit serves", run.demo.serving()["commit"] == commits[-1]))
    checks.append(("the original task set is gone", len(run.demo.serving()["taskSets"]) == 1))
    checks.append(
        (
            "no execution failed",
            all(
                e["status"] == "SUCCEEDED"
                for e in run.executions("build") + run.executions("deploy")
            ),
        )
    )
    checks.append(
        (
            f"one CreateDeployment per push ({len(commits)})",
            _create_deployment_calls(run) == len(commits),
        )
    )
    checks.append(("faults were injected", bool(run.sandbox.faults.injected)))
    return _latest_row(rows[commits[-1]])


def _throttled(run: ScenarioRun, checks: Checks) -> dict[str, Any] | None:
    commits = []
    for n, message in enumerate(("Throttled change A", "Throttled change B"), start=1):
        commits.append(run.demo.push(message))
        run.wait(f"push {n} to deploy", lambda n=n: run.deploys_done(n), timeout=150)  # type: ignore[misc]
    throttled = [f for f in run.sandbox.faults.injected if f.kind == "throttle"]
    checks.append(
        (
            "throttles hit the stack's Lambdas and state machines",
            {f.where.split(".")[0] for f in throttled} >= {"dynamodb", "lambda"},
        )
    )
    return _deployed_each(run, checks, commits)


def _lambda_faults(run: ScenarioRun, checks: Checks) -> dict[str, Any] | None:
    commit = run.demo.push("A change deployed through failing functions")
    run.wait("the deployment to finish", lambda: run.deploys_done(1), timeout=150)
    invoked = {i.function for i in run.sandbox.runner.invocations}
    failed_once = {
        spec.name
        for spec in run.stack.functions.values()
        if any(f.where == f"function {spec.logical}" for f in run.sandbox.faults.injected)
    }
    checks.append(("every function invoked failed its first call", invoked <= failed_once))
    kinds = {f.kind for f in run.sandbox.faults.injected}
    checks.append(
        (
            "errors, timeouts and crashes were injected",
            kinds == {"lambda-error", "lambda-timeout", "lambda-crash"},
        )
    )
    return _deployed_each(run, checks, [commit])


def _serving_digests(run: ScenarioRun) -> set[str]:
    """The image digests of the task definition production traffic goes to."""
    arn = run.demo.serving()["taskDefinitionArn"]
    if not arn:
        return set()
    ecs = run.sandbox.client("ecs")
    containers = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"][
        "containerDefinitions"
    ]
    return {str(c["image"]).rpartition("@")[2] for c in containers if "@" in str(c["image"])}


def _lost_event(run: ScenarioRun, checks: Checks) -> dict[str, Any] | None:
    commit = run.demo.push("A change whose ECR push event is lost")
    run.wait(
        "the build to finish",
        lambda: any(e["status"] != "RUNNING" for e in run.executions("build")),
    )
    # The grace (turnout.reconcile: 600 s) and a tick later, the reconciliation deploys it.
    run.wait("the reconciliation to deploy it", lambda: run.deploys_done(1), timeout=150)
    rows = run.deploy_rows(commit)
    build = run.store().get_build(run.stack.outputs["ServiceKey"], commit) or {}
    lost = [f for f in run.sandbox.faults.injected if f.kind == "event-lost"]
    checks.append(
        (
            "the image's ECR push event was lost (injected once)",
            len(lost) == 1 and "aws.ecr ECR Image Action" in lost[0].where,
        )
    )
    checks.append(
        (
            "one deploy, started by the reconciliation (no event started one)",
            [r.get("trigger") for r in rows] == ["reconcile"],
        )
    )
    row = _latest_row(rows) or {}
    checks.append(
        (
            "the ledger records why",
            "no ECR push event started its deploy" in str(row.get("reconcileReason", "")),
        )
    )
    checks.append(("nothing lost: the build deployed", row.get("result") == "succeeded"))
    checks.append(
        (
            "what serves is the built digest",
            bool(build.get("digest")) and _serving_digests(run) == {build.get("digest")},
        )
    )
    checks.append(("the commit serves", run.demo.serving()["commit"] == commit))
    checks.append(("one CreateDeployment", _create_deployment_calls(run) == 1))
    checks.append(
        (
            "no execution failed",
            all(
                e["status"] == "SUCCEEDED"
                for e in run.executions("build") + run.executions("deploy")
            ),
        )
    )
    return row or None


#: The fault scenarios' bodies (added to turnout_sandbox.scenarios' own).
# -- dead-letter: the gate tick fails on every call (lambda-error:GateTickFunction=1). Its
# scheduled events are invoked asynchronously, so Lambda retries each twice (one and two minutes
# later), then sends it to the function's dead-letter queue, AsyncFailureQueue, with the
# attributes RequestID, ErrorCode, ErrorMessage (Lambda DG, "Retaining records of asynchronous
# invocations"). UndeliveredFunction, the queue's SQS event source, records each one in the
# ledger (UNDELIVERED#<message id>) and notifies; the queue is left empty.
def _undelivered(run: ScenarioRun) -> list[dict[str, Any]]:
    service = run.stack.outputs["ServiceKey"]
    return list(run.store().query(f"SERVICE#{service}", "UNDELIVERED#"))


def _left_on_queue(run: ScenarioRun) -> int:
    sqs = run.sandbox.client("sqs")
    urls = [u for u in sqs.list_queues().get("QueueUrls", []) if "AsyncFailureQueue" in u]
    attributes = sqs.get_queue_attributes(
        QueueUrl=urls[0], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def _read_back(run: ScenarioRun) -> bool:
    """UndeliveredFunction ran to the end (recorded and notified) at least once."""
    return any(
        "UndeliveredFunction" in i.function and i.error is None
        for i in list(run.sandbox.runner.invocations)
    )


def _dead_letter(run: ScenarioRun, checks: Checks) -> dict[str, Any] | None:
    run.wait("a failed tick's event read back", lambda: _read_back(run), timeout=90)
    row = _undelivered(run)[0]
    checks.append(
        (
            "the ledger holds the tick's scheduled event, from Lambda's dead-letter queue",
            row.get("origin") == "lambda" and row.get("what") == "Scheduled Event",
        )
    )
    checks.append(
        (
            "the row says why: the function's error and the request id",
            "injected function error" in str(row.get("error"))
            and "(request " in str(row.get("error")),
        )
    )
    checks.append(("AsyncFailureQueue is read back (left empty)", _left_on_queue(run) == 0))
    checks.append(("nothing was denied", run.sandbox.iam.denials == []))
    return None


FAULT_BODIES: dict[str, Callable[[ScenarioRun, Checks], dict[str, Any] | None]] = {
    "throttled": _throttled,
    "lambda-faults": _lambda_faults,
    "lost-event": _lost_event,
    "dead-letter": _dead_letter,
}
