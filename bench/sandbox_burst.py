"""Benchmark: 100 pushes spread over N sandbox services in one burst, all settled correctly.

For each N (default 1 5 10 20) a fresh sandbox gets N demo services and N turnout stacks;
then 100 commits are pushed as fast as possible, round-robin over the services. The run is
settled when every build and deploy execution has ended, every service's queue is empty
and each service serves its newest commit; it is correct when no push is unaccounted for
in the ledgers (each push's commit is recorded as succeeded, superseded or duplicate).

    .venv/bin/python bench/sandbox_burst.py [N ...] [--pushes 100] [--speed 60]
        [--clock scaled|discrete]   (discrete: --speed is the cap; 0: none)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "turnout")]


def run(
    services: int, pushes: int, speed: float, timeout: float, clock: str = "scaled"
) -> dict[str, Any]:
    from turnout.adapters.store import Store
    from turnout_sandbox.demo import DemoService, Names
    from turnout_sandbox.emulators import events
    from turnout_sandbox.sandbox import Sandbox

    t0 = time.monotonic()
    sandbox = Sandbox(speed=speed or None, clock=clock).start()
    v0 = sandbox.runtime.clock.now()
    demos = []
    stacks = []
    try:
        for i in range(services):
            demo = DemoService(n=Names(f"svc-{i:02d}")).create()
            stack = sandbox.deploy_stack(demo.n.stack, demo.stack_parameters())
            demos.append(demo)
            stacks.append(stack)
        events.start_schedules()
        setup = time.monotonic() - t0
        t1 = time.monotonic()
        pushed: list[list[str]] = [[] for _ in range(services)]
        with sandbox.runtime.clock.busy():  # one burst: no virtual time between the pushes
            for k in range(pushes):
                i = k % services
                pushed[i].append(demos[i].push(f"burst push {k}"))
        sfn = sandbox.client("stepfunctions")
        ddb = sandbox.client("dynamodb")

        def settled() -> bool:
            for demo, stack, commits in zip(demos, stacks, pushed, strict=True):
                for key in ("BuildStateMachineArn", "DeployStateMachineArn"):
                    paginator = sfn.get_paginator("list_executions")
                    for page in paginator.paginate(
                        stateMachineArn=stack.outputs[key], statusFilter="RUNNING"
                    ):
                        if page["executions"]:
                            return False
                state = Store(stack.outputs["LedgerTableName"], ddb).load_state(
                    stack.outputs["ServiceKey"]
                )
                if state.running or state.queued or demo.serving()["commit"] != commits[-1]:
                    return False
            return True

        deadline = time.monotonic() + timeout
        while not settled():
            if time.monotonic() > deadline:
                raise SystemExit(f"{services} services: not settled after {timeout:.0f}s")
            # Each look is AWS calls competing with the sandbox for the CPU (every 0.1 s it was
            # an eighth of the run at 20 services): the settle time is known to 0.5 s.
            time.sleep(0.5)
        wall = time.monotonic() - t1
        lost = 0
        results: dict[str, int] = {}
        for stack, commits in zip(stacks, pushed, strict=True):
            rows = Store(stack.outputs["LedgerTableName"], ddb).attempts(
                stack.outputs["ServiceKey"]
            )
            deploy_rows = [r for r in rows if r.get("kind") == "deploy"]
            for r in deploy_rows:
                results[str(r.get("result"))] = results.get(str(r.get("result")), 0) + 1
            recorded = {r.get("commitId") for r in deploy_rows}
            lost += sum(1 for c in commits if c not in recorded)
        return {
            "clock": clock,
            "services": services,
            "pushes": pushes,
            "setupSeconds": round(setup, 1),
            "settleSeconds": round(wall, 1),
            "lost": lost,
            "deployResults": results,
            "virtualMinutes": round((sandbox.runtime.clock.now() - v0) / 60, 1),
        }
    finally:
        for demo in demos:
            demo.stop()
        sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("services", nargs="*", type=int, default=[1, 5, 10, 20])
    parser.add_argument("--pushes", type=int, default=100)
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--clock", choices=("scaled", "discrete"), default="scaled")
    args = parser.parse_args()
    import gc
    import logging

    from turnout_cli.main import GC_THRESHOLDS

    gc.set_threshold(*GC_THRESHOLDS)  # as `turnout sandbox serve` runs the sandbox
    logging.disable(logging.WARNING)
    rows = [run(n, args.pushes, args.speed, args.timeout, args.clock) for n in args.services]
    for row in rows:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
