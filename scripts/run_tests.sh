#!/usr/bin/env bash
# Run the test suites. Two layouts (TESTS_LAYOUT):
#   per-file (the default): unit, integration and template checks in one pytest process, with
#      branch coverage of the core package (fails under 90 %); then every end-to-end file in a
#      pytest process of its own.
#   one: everything (unit, integration, checks and e2e) in ONE pytest process, coverage of
#      the core as above. Green since Sandbox.stop() restores the process
#      (tests/unit/sandbox/test_sandbox_restore.py) and no longer lets an earlier test leak
#      into a later sandbox: a Lambda log handler left on a stream typer's CliRunner had
#      closed made every later Lambda fail (ValueError from setStream's flush), and
#      executions still RUNNING at stop() kept their moto threads, which then called into
#      whatever ran next (cli_world's moto server and MOTO_PORT is module-scoped too).
#      Not the default: measured once each on the shared 2-core machine (other helpers'
#      tests running), 2026-12-02: one 1361 s (at 526956f; pytest 1284 s, 1652 passed),
#      per-file 806 s (at 48ba3d4: the sum of its 13 suites, 352 s of them the coverage
#      run; wall time the same). One is 1.7 times slower: in one process coverage traces
#      the core inside every sandbox Lambda too, so the e2e files run slower than per-file's
#      without coverage, and per-file's coverage run already enforces the floor.
#      Earlier: one 660 s and 1108 s against 677 s per-file.
# pytest's exit 5 (no tests collected) counts as a failure. Every suite runs even when an
# earlier one failed, so one run shows every problem.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PY:-.venv/bin/python}
LAYOUT=${TESTS_LAYOUT:-per-file}
COVERAGE=(--cov --cov-config=pyproject.toml --cov-report=term-missing)
failed=()

run() {
    local label=$1; shift
    echo "== pytest: $label"
    local started=$SECONDS rc=0
    "$PY" -m pytest "$@" || rc=$?
    echo "== pytest: $label exited $rc after $((SECONDS - started)) s"
    if [[ $rc -eq 5 ]]; then
        echo "== pytest: $label collected no tests" >&2
        rc=1
    fi
    [[ $rc -eq 0 ]] || failed+=("$label")
}

started=$SECONDS
case $LAYOUT in
    one)
        run "unit + integration + checks + e2e (coverage)" tests/unit tests/integration \
            tests/checks tests/e2e "${COVERAGE[@]}" ${PYTEST_ARGS:-}
        ;;
    per-file)
        run "unit + integration + checks (coverage)" tests/unit tests/integration tests/checks \
            "${COVERAGE[@]}" ${PYTEST_ARGS:-}
        while IFS= read -r file; do
            run "$file" "$file" -p no:cov ${PYTEST_ARGS:-}
        done < <(find tests/e2e -name 'test_*.py' | sort)
        ;;
    *)
        echo "TESTS_LAYOUT must be 'one' or 'per-file', not '$LAYOUT'" >&2
        exit 2
        ;;
esac
echo "== tests ($LAYOUT) took $((SECONDS - started)) s"

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "== failed: ${failed[*]}" >&2
    exit 1
fi
echo "== all test suites passed"
