"""Cost of IAM enforcement per API call: ``turnout_sandbox.iam.principals.authorize`` for
calls the stack makes, with principals that carry the policies the deployed stack gives them
(template.yaml's statements, SAM's DynamoDBCrudPolicy and LambdaInvokePolicy expansions,
AWSLambdaBasicExecutionRole and AWSXrayWriteOnlyAccess from moto's copy).

For each call it reports the median over --rounds rounds of --calls calls each, in
microseconds per call, for the whole ``authorize`` and for its two halves: the mapping from
the call to authorizations (``actions.authorizations``) and the policy evaluation. The first
call of a fresh process (SAR files read) and the setup (policies parsed, moto's managed
policies loaded) are timed apart.

    python bench/iam_eval.py [--calls 2000] [--rounds 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from turnout_sandbox.iam.actions import ApiCall, authorizations
from turnout_sandbox.iam.policy import Request, evaluate
from turnout_sandbox.iam.principals import Principal, authorize, global_keys

R, A, STACK = "ap-northeast-2", "123456789012", "turnout-hello-aws"
TABLE = f"arn:aws:dynamodb:{R}:{A}:table/{STACK}-ledger"
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
XRAY = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"
TASK_ROLE = f"arn:aws:iam::{A}:role/web-task"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# SAM's DynamoDBCrudPolicy, as samtranslator's policy_templates.json expands it.
CRUD = _doc(
    {
        "Effect": "Allow",
        "Action": [
            "dynamodb:GetItem",
            "dynamodb:DeleteItem",
            "dynamodb:PutItem",
            "dynamodb:Scan",
            "dynamodb:Query",
            "dynamodb:UpdateItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:BatchGetItem",
            "dynamodb:DescribeTable",
            "dynamodb:ConditionCheckItem",
        ],
        "Resource": [TABLE, f"{TABLE}/index/*"],
    }
)


def _function(name: str, *statements: dict[str, Any]) -> Principal:
    return Principal.of(
        f"arn:aws:iam::{A}:role/{STACK}-{name}Role-ABC",
        f"{STACK}-{name}-XYZ",
        inline={f"{name}RolePolicy0": CRUD, f"{name}RolePolicy1": _doc(*statements)},
        managed=[BASIC, XRAY],
    )


def _cases() -> list[tuple[str, Principal, ApiCall]]:
    """The principals (policies parsed, moto's managed policies loaded) and their calls."""
    RENDER = _function(
        "RenderFunction",
        {
            "Effect": "Allow",
            "Action": ["codecommit:GetFile"],
            "Resource": f"arn:aws:codecommit:{R}:{A}:web",
        },
        {
            "Effect": "Allow",
            "Action": ["ecs:RegisterTaskDefinition"],
            "Resource": f"arn:aws:ecs:{R}:{A}:task-definition/*",
        },
        {
            "Effect": "Allow",
            "Action": "ecs:TagResource",
            "Resource": f"arn:aws:ecs:{R}:{A}:task-definition/*",
            "Condition": {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}},
        },
        {
            "Sid": "PassTaskRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": [TASK_ROLE],
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
    )
    GATE_TICK = _function(
        "GateTickFunction",
        {
            "Effect": "Allow",
            "Action": ["elasticloadbalancing:DescribeTargetHealth"],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": ["cloudwatch:DescribeAlarms"],
            "Resource": f"arn:aws:cloudwatch:{R}:{A}:alarm:*",
        },
        {
            "Effect": "Allow",
            "Action": ["states:SendTaskSuccess", "states:SendTaskFailure"],
            "Resource": "*",
        },
    )
    DEPLOY_MACHINE = Principal.of(
        f"arn:aws:iam::{A}:role/{STACK}-DeployStateMachineRole-ABC",
        "execution-session",
        inline={
            f"LambdaInvokePolicy{i}": _doc(
                {
                    "Effect": "Allow",
                    "Action": ["lambda:InvokeFunction"],
                    "Resource": f"arn:aws:lambda:{R}:{A}:function:{STACK}-{fn}*",
                }
            )
            for i, fn in enumerate(["ResolveImage", "Admit", "Render", "ArmWait", "Finish"])
        },
    )

    return [
        (
            "ecs.RegisterTaskDefinition (tags, task role)",
            RENDER,
            ApiCall(
                "ecs",
                "RegisterTaskDefinition",
                {
                    "family": "web",
                    "taskRoleArn": TASK_ROLE,
                    "containerDefinitions": [{"name": "app", "image": "i"}],
                    "tags": [
                        {"key": "turnout:commit", "value": "c"},
                        {"key": "turnout:digest", "value": "d"},
                    ],
                },
                R,
                A,
            ),
        ),
        (
            "dynamodb.UpdateItem",
            GATE_TICK,
            ApiCall("dynamodb", "UpdateItem", {"TableName": f"{STACK}-ledger"}, R, A),
        ),
        (
            "cloudwatch.DescribeAlarms (2 names)",
            GATE_TICK,
            ApiCall("cloudwatch", "DescribeAlarms", {"AlarmNames": ["a", "b"]}, R, A),
        ),
        (
            "stepfunctions.SendTaskSuccess",
            GATE_TICK,
            ApiCall("stepfunctions", "SendTaskSuccess", {"taskToken": "t", "output": "{}"}, R, A),
        ),
        (
            "lambda.Invoke (deploy machine, 5 grants)",
            DEPLOY_MACHINE,
            ApiCall(
                "lambda",
                "Invoke",
                {"FunctionName": f"arn:aws:lambda:{R}:{A}:function:{STACK}-FinishFunction-X"},
                R,
                A,
            ),
        ),
    ]


def _per_call_us(run: Callable[[], object], calls: int, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            run()
        samples.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(samples)


def _authorize(principal: Principal, call: ApiCall) -> Callable[[], object]:
    return lambda: authorize(principal, call, now=NOW)


def _mapping(call: ApiCall) -> Callable[[], object]:
    return lambda: authorizations(call)


def _evaluate_only(principal: Principal, call: ApiCall) -> Callable[[], object]:
    base = global_keys(principal, call, NOW)
    requests = [
        Request.of(a.action, a.resource, {**base, **a.context}) for a in authorizations(call)
    ]
    return lambda: [evaluate(principal.policies, r) for r in requests]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    cases = _cases()
    setup_ms = (time.perf_counter() - start) * 1e3
    name, principal, call = cases[0]
    start = time.perf_counter()
    first = authorize(principal, call, now=NOW)
    first_ms = (time.perf_counter() - start) * 1e3
    assert first.allowed, first.reason

    rows = []
    for name, principal, call in cases:
        decision = authorize(principal, call, now=NOW)
        assert decision.allowed, decision.reason
        rows.append(
            {
                "call": name,
                "authorizations": len(decision.checks),
                "policies": len(principal.policies),
                "authorize_us": _per_call_us(_authorize(principal, call), args.calls, args.rounds),
                "mapping_us": _per_call_us(_mapping(call), args.calls, args.rounds),
                "evaluation_us": _per_call_us(
                    _evaluate_only(principal, call), args.calls, args.rounds
                ),
            }
        )
    result = {
        "setup_ms": setup_ms,
        "first_call_ms": first_ms,
        "calls": args.calls,
        "rounds": args.rounds,
        "rows": rows,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"setup (policies parsed, moto's managed policies loaded): {setup_ms:.1f} ms")
    print(f"first call in a fresh process (the SAR files of ECS and IAM read): {first_ms:.1f} ms")
    print(f"median of {args.rounds} rounds x {args.calls} calls, microseconds per call")
    print(f"{'call':46} {'auths':>5} {'pols':>4} {'authorize':>10} {'mapping':>8} {'eval':>8}")
    for row in rows:
        print(
            f"{row['call']:46} {row['authorizations']:>5} {row['policies']:>4} "
            f"{row['authorize_us']:>10.1f} {row['mapping_us']:>8.1f} {row['evaluation_us']:>8.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
