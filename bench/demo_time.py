"""Benchmark: the whole ``turnout demo`` command, as a user runs it, per bake length.

    .venv/bin/python bench/demo_time.py [--runs 3] [--bake-minutes 5 60] [--scenario happy]
                                        [--clock discrete] [--json]

Each run is a fresh ``turnout`` process (the venv's console script): imports, the sandbox's
start, the stack's deploy, the scenario and the exit, timed from outside (wall, and the
child's user + system CPU). Runs interleave the bake lengths, so load on a shared machine
hits them alike. Reported per bake: the median, min and max wall seconds, the median CPU
seconds, and each bake's median as a ratio to the first bake's; every run must end ``ok``
(exit 1 otherwise). The load average before and after is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TURNOUT = ROOT / ".venv" / "bin" / "turnout"


def _one(scenario: str, bake: int, clock: str) -> tuple[float, float, bool]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(  # our own console script
        [
            str(TURNOUT),
            "demo",
            "-s",
            scenario,
            "--bake-minutes",
            str(bake),
            "--clock",
            clock,
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        ok = done.returncode == 0 and bool(json.loads(done.stdout)["ok"])
    except (ValueError, KeyError, TypeError):
        ok = False
    return wall, cpu, ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bake-minutes", nargs="+", type=int, default=[5, 60])
    parser.add_argument("--scenario", default="happy")
    parser.add_argument("--clock", default="discrete", choices=("discrete", "scaled"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not TURNOUT.exists():
        print(f"{TURNOUT} is missing: run `make setup` first", file=sys.stderr)
        return 2
    load_before = os.getloadavg()[0]
    walls: dict[int, list[float]] = {b: [] for b in args.bake_minutes}
    cpus: dict[int, list[float]] = {b: [] for b in args.bake_minutes}
    failed = 0
    for _ in range(args.runs):
        for bake in args.bake_minutes:
            wall, cpu, ok = _one(args.scenario, bake, args.clock)
            walls[bake].append(wall)
            cpus[bake].append(cpu)
            failed += not ok
    first = statistics.median(walls[args.bake_minutes[0]])
    rows = [
        {
            "bakeMinutes": bake,
            "medianWall": round(statistics.median(walls[bake]), 2),
            "minWall": round(min(walls[bake]), 2),
            "maxWall": round(max(walls[bake]), 2),
            "medianCpu": round(statistics.median(cpus[bake]), 2),
            "ratio": round(statistics.median(walls[bake]) / first, 2),
        }
        for bake in args.bake_minutes
    ]
    load = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
    if args.json:
        print(
            json.dumps(
                {
                    "scenario": args.scenario,
                    "runs": args.runs,
                    "load": load,
                    "failed": failed,
                    "rows": rows,
                }
            )
        )
    else:
        print(
            f"turnout demo -s {args.scenario} --clock {args.clock}, {args.runs} runs each, "
            f"load {load['before']} -> {load['after']}, failed {failed}"
        )
        for r in rows:
            print(
                f"  bake {r['bakeMinutes']:>3} min: median {r['medianWall']:.2f} s "
                f"({r['minWall']:.2f}-{r['maxWall']:.2f}), CPU {r['medianCpu']:.2f} s, "
                f"x{r['ratio']:.2f}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
