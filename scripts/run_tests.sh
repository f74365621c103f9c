#!/usr/bin/env bash
# Run the test suites, each where it cannot disturb the others:
#   1. unit, integration and template checks in one pytest process, with branch coverage of
#      the core package (fails under 90 %);
#   2. every end-to-end file in a pytest process of its own: each starts embedded sandboxes
#      (process-global moto backends, patched botocore, background threads), and a fresh
#      process per file keeps one file's leftovers out of the next.
# pytest's exit 5 (no tests collected) counts as a failure. Every suite runs even when an
# earlier one failed, so one run shows every problem.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PY:-.venv/bin/python}
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

run "unit + integration + checks (coverage)" tests/unit tests/integration tests/checks \
    --cov --cov-config=pyproject.toml --cov-report=term-missing ${PYTEST_ARGS:-}
while IFS= read -r file; do
    run "$file" "$file" -p no:cov ${PYTEST_ARGS:-}
done < <(find tests/e2e -name 'test_*.py' | sort)

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "== failed: ${failed[*]}" >&2
    exit 1
fi
echo "== all test suites passed"
