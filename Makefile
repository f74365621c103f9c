# turnout: the two commands are `make demo` and `make test`.
#
#   make demo       set up .venv (Python 3.13) and run the offline demo (`turnout demo`)
#   make test       set up .venv, .venv-sam, .venv-checkov and .venv-aws, lint, type-check, then
#                   every test with branch coverage of the core package (fails under 90 %)
#   make lint       ruff
#   make typecheck  mypy --strict on the core, the sandbox, the CLI, the handlers, bench/
#   make checks     template / ASL / build checks only (sam validate --lint, checkov, statelint, sam build)
#   make build      sam build (offline, no Docker) into .aws-sam/build
#   make bench      cold-start (INIT) import times and code sizes
#   make bench-sandbox  `turnout demo` wall times (5- and 60-minute bakes), scenario transitions/wall times, 100 pushes over 1..20 services
#   make lock       regenerate requirements/*constraints.txt from fresh venvs
#   make lock-layer the Lambda layer's hash lock (layers/turnout/requirements.txt)
#   make clean      remove build and test outputs (keeps the venvs)

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ROOT      := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV      := $(ROOT)/.venv
SAM_VENV  := $(ROOT)/.venv-sam
PY        := $(VENV)/bin/python
SAM       := $(SAM_VENV)/bin/sam
SETUP     := bash $(ROOT)/scripts/setup.sh
BUILD_DIR := $(ROOT)/.aws-sam/build

# No credentials, no telemetry, a region: nothing here may reach real AWS.
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= ap-northeast-2

FUNCTION_APPS := $(sort $(wildcard $(ROOT)/functions/*/app.py))
MYPY_PACKAGES := $(wildcard $(ROOT)/layers/turnout/turnout $(ROOT)/turnout_sandbox $(ROOT)/turnout_cli)
RUFF_PATHS    := $(wildcard $(ROOT)/layers $(ROOT)/functions $(ROOT)/turnout_sandbox \
                   $(ROOT)/turnout_cli $(ROOT)/tests $(ROOT)/bench $(ROOT)/scripts)

.PHONY: help setup setup-sam setup-checkov setup-aws demo test lint format typecheck pytest checks build bench bench-sandbox lock lock-layer clean

help:
	@awk '/^#/ { sub(/^# ?/, ""); print; next } { exit }' $(ROOT)/Makefile

setup:
	@$(SETUP) dev

setup-sam:
	@$(SETUP) sam

setup-checkov:
	@$(SETUP) checkov

setup-aws:
	@$(SETUP) aws

demo: setup
	$(VENV)/bin/turnout demo

# -k: run all three even when one fails, so one CI run shows every problem.
test: setup setup-sam setup-checkov setup-aws
	@$(MAKE) -k lint typecheck pytest

lint: setup
	@echo "== ruff check"
	$(VENV)/bin/ruff check $(RUFF_PATHS)

format: setup
	$(VENV)/bin/ruff format $(RUFF_PATHS)
	$(VENV)/bin/ruff check --fix $(RUFF_PATHS)

# One strict run over the core, the sandbox, the CLI, every handler and the benchmarks. The
# handlers all have the module name `app` (as in Lambda); with explicit_package_bases (see
# pyproject) mypy names them functions.<name>.app, so they are checked side by side.
typecheck: setup
	@echo "== mypy --strict"
	cd $(ROOT) && $(PY) -m mypy $(MYPY_PACKAGES) $(FUNCTION_APPS) $(wildcard $(ROOT)/bench/*.py)

# pytest's exit code 5 ("no tests collected") is a failure here.
pytest: setup setup-sam setup-checkov setup-aws
	@echo "== pytest (branch coverage of the core package, fail under 90 %; e2e files one process each)"
	cd $(ROOT) && PY=$(PY) PYTEST_ARGS="$(PYTEST_ARGS)" bash scripts/run_tests.sh

checks: setup setup-sam setup-checkov
	cd $(ROOT) && rc=0; $(PY) -m pytest -m checks tests/checks $(PYTEST_ARGS) || rc=$$?; \
		if [ $$rc -eq 5 ]; then echo "pytest collected no checks: failing" >&2; exit 1; fi; exit $$rc

# sam build for python3.13 without Docker needs a python3.13 on PATH: the project venv's.
build: setup setup-sam
	cd $(ROOT) && PATH="$(VENV)/bin:$$PATH" $(SAM) build --template-file template.yaml \
		--build-dir $(BUILD_DIR) --parallel

# Sizes first (needs the build); cold_init exits 1 when a handler is over 1.5x `import boto3`.
bench: build
	$(PY) $(ROOT)/bench/sizes.py --build-dir $(BUILD_DIR)
	$(PY) $(ROOT)/bench/cold_init.py --runs 5

# The sandbox benchmarks (minutes): every scenario with 5- and 60-minute bakes, and 100
# pushes spread over 1, 5, 10 and 20 services.
bench-sandbox: setup
	$(PY) $(ROOT)/bench/demo_time.py --runs 3 --bake-minutes 5 60
	$(PY) $(ROOT)/bench/scenarios.py --bake-minutes 5 60
	$(PY) $(ROOT)/bench/sandbox_burst.py 1 5 10 20 --pushes 100

lock:
	@bash $(ROOT)/scripts/lock.sh

# The Lambda layer's hash lock (layers/turnout/requirements.in -> requirements.txt).
lock-layer: setup
	$(PY) $(ROOT)/scripts/lock_layer.py

clean:
	rm -rf $(ROOT)/.aws-sam $(ROOT)/.coverage $(ROOT)/.coverage.* $(ROOT)/htmlcov \
		$(ROOT)/.mypy_cache $(ROOT)/.ruff_cache $(ROOT)/.pytest_cache
	find $(ROOT) -path $(VENV) -prune -o -path $(SAM_VENV) -prune -o \
		-name __pycache__ -type d -prune -exec rm -rf {} +
