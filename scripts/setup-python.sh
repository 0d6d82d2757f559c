#!/usr/bin/env bash
# Installs the Python tools of the test suite (scripts/requirements-test.txt, all pinned) into
# <repo>/.venv. Idempotent: does nothing when the installed set already matches the file.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"
requirements="$repo/scripts/requirements-test.txt"
stamp="$venv/.requirements.sha256"

fail() {
    echo "setup-python: $*" >&2
    exit 1
}

want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "setup-python: .venv already has every tool of scripts/requirements-test.txt"
    exit 0
fi

command -v python3 >/dev/null 2>&1 || fail "python3 not found; install Python 3.9+ (e.g. apt-get install python3 python3-venv) and rerun"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv" || fail "python3 -m venv failed (on Debian/Ubuntu install python3-venv)"
fi
echo "setup-python: installing scripts/requirements-test.txt into $venv (a few minutes the first time)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" \
    || fail "pip install -r scripts/requirements-test.txt failed"
[[ -x "$venv/bin/moto_server" ]] || fail "moto_server missing from $venv/bin after install"
echo "$want" > "$stamp"
echo "setup-python: ready ($venv)"
