"""Benchmark: every sandbox scenario's outcome, state transitions and wall time.

    .venv/bin/python bench/scenarios.py [NAME ...] [--bake-minutes 5 60]

Transitions are the states the scenario's main deploy (or build) execution entered.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "turnout")]


def main() -> None:
    from turnout_sandbox.scenarios import SCENARIOS, run_scenario

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", default=list(SCENARIOS))
    parser.add_argument("--bake-minutes", nargs="*", type=int, default=[5])
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    for name in args.names:
        for bake in args.bake_minutes:
            result = run_scenario(name, bake_minutes=bake)
            s = result.summary
            print(
                json.dumps(
                    {
                        "scenario": name,
                        "bakeMinutes": bake,
                        "ok": result.ok,
                        "transitions": s.get("transitions"),
                        "wallSeconds": s.get("wallSeconds"),
                        "result": s.get("result"),
                        "failedChecks": [c for c, ok in result.checks if not ok],
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
