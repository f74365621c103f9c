#!/usr/bin/env bash
# Set up the project's virtual environments, idempotently.
#
#   scripts/setup.sh python   print the path of a Python 3.13 interpreter (PATH, then pyenv)
#   scripts/setup.sh dev      .venv      <- requirements/dev.txt + the project (editable)
#   scripts/setup.sh sam      .venv-sam  <- requirements/sam.txt (aws-sam-cli, own boto3)
#   scripts/setup.sh checkov  .venv-checkov <- requirements/checkov.txt (checkov, own boto3)
#   scripts/setup.sh aws      .venv-aws  <- requirements/aws.txt (the aws CLI v1, for e2e tests)
#
# Each venv holds a stamp file with the sha256 of the files it was built from; when the stamp
# matches, nothing is installed (a no-op takes well under a second). Everything comes from
# PyPI: nothing installed by hand is assumed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQUIRED_MINOR="3.13"

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

is_python_313() {
    # True when $1 runs and reports version 3.13.x.
    local candidate="$1" version
    [[ -x "$candidate" ]] || return 1
    version="$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" || return 1
    [[ "$version" == "$REQUIRED_MINOR" ]]
}

find_python() {
    # 1. TURNOUT_PYTHON (explicit override), 2. python3.13 on PATH, 3. pyenv's 3.13.x.
    local candidate root
    if [[ -n "${TURNOUT_PYTHON:-}" ]]; then
        is_python_313 "$TURNOUT_PYTHON" && { echo "$TURNOUT_PYTHON"; return 0; }
        die "TURNOUT_PYTHON=$TURNOUT_PYTHON is not a Python $REQUIRED_MINOR interpreter"
    fi
    # pyenv shims answer `command -v python3.13` even when the active pyenv version is not
    # 3.13; is_python_313 runs the candidate, so a shim that fails is skipped.
    if candidate="$(command -v "python$REQUIRED_MINOR" 2>/dev/null)" && is_python_313 "$candidate"; then
        echo "$candidate"; return 0
    fi
    local roots=()
    if command -v pyenv >/dev/null 2>&1; then
        root="$(pyenv root 2>/dev/null || true)"
        [[ -n "$root" ]] && roots+=("$root")
    fi
    roots+=("${PYENV_ROOT:-$HOME/.pyenv}")
    for root in "${roots[@]}"; do
        # Newest 3.13.x first.
        while IFS= read -r candidate; do
            if is_python_313 "$candidate"; then echo "$candidate"; return 0; fi
        done < <(ls -1d "$root"/versions/"$REQUIRED_MINOR".*/bin/python"$REQUIRED_MINOR" 2>/dev/null | sort -rV)
    done
    die "no Python $REQUIRED_MINOR found: looked for python$REQUIRED_MINOR on PATH and in pyenv (${roots[*]}/versions/$REQUIRED_MINOR.*). Install one (e.g. 'pyenv install $REQUIRED_MINOR') or set TURNOUT_PYTHON=/path/to/python$REQUIRED_MINOR."
}

hash_files() {
    # sha256 over the contents of the given files (in order), plus the interpreter version.
    {
        for f in "$@"; do
            printf '== %s\n' "${f#"$ROOT"/}"
            cat "$f"
        done
        printf '== python %s\n' "$REQUIRED_MINOR"
    } | sha256sum | cut -d' ' -f1
}

pip_quiet() {
    # pip, with the noise of missing local mirror folders filtered out; keeps pip's exit code.
    local venv="$1"; shift
    local out rc=0
    out="$(mktemp)"
    "$venv/bin/python" -m pip --disable-pip-version-check install --quiet --no-input "$@" >"$out" 2>&1 || rc=$?
    grep -v -E "is ignored: it is neither a file nor a directory|^Requirement already satisfied" "$out" >&2 || true
    rm -f "$out"
    return "$rc"
}

ensure_venv() {
    # ensure_venv DIR STAMP_HASH INSTALL_ARGS...
    local venv="$1" want="$2"; shift 2
    local stamp="$venv/.turnout-setup-stamp"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && is_python_313 "$venv/bin/python"; then
        log "$(basename "$venv") is up to date"
        return 0
    fi
    local python
    python="$(find_python)"
    if [[ -d "$venv" ]] && ! is_python_313 "$venv/bin/python"; then
        log "$(basename "$venv") is not a Python $REQUIRED_MINOR venv: recreating it"
        rm -rf "$venv"
    fi
    if [[ ! -d "$venv" ]]; then
        log "creating $(basename "$venv") with $python"
        "$python" -m venv "$venv"
    fi
    local started=$SECONDS
    log "installing into $(basename "$venv"): $*"
    pip_quiet "$venv" "$@"
    echo "$want" >"$stamp"
    log "$(basename "$venv") ready in $((SECONDS - started)) s"
}

setup_dev() {
    local files=("$ROOT/requirements/dev.txt" "$ROOT/requirements/constraints.txt" "$ROOT/pyproject.toml")
    ensure_venv "$ROOT/.venv" "$(hash_files "${files[@]}")" \
        -r "$ROOT/requirements/dev.txt" -c "$ROOT/requirements/constraints.txt" -e "$ROOT"
}

setup_sam() {
    local files=("$ROOT/requirements/sam.txt" "$ROOT/requirements/sam-constraints.txt")
    ensure_venv "$ROOT/.venv-sam" "$(hash_files "${files[@]}")" -r "$ROOT/requirements/sam.txt"
}

setup_checkov() {
    local files=("$ROOT/requirements/checkov.txt" "$ROOT/requirements/checkov-constraints.txt")
    ensure_venv "$ROOT/.venv-checkov" "$(hash_files "${files[@]}")" -r "$ROOT/requirements/checkov.txt"
}

setup_aws() {
    local files=("$ROOT/requirements/aws.txt")
    ensure_venv "$ROOT/.venv-aws" "$(hash_files "${files[@]}")" -r "$ROOT/requirements/aws.txt"
}

main() {
    case "${1:-}" in
        python) find_python ;;
        dev) setup_dev ;;
        sam) setup_sam ;;
        checkov) setup_checkov ;;
        aws) setup_aws ;;
        all) setup_dev; setup_sam; setup_checkov; setup_aws ;;
        *) die "usage: $0 {python|dev|sam|checkov|aws|all}" ;;
    esac
}

main "$@"
