#!/usr/bin/env bash
# Installs the local AWS emulator (moto server, pinned) into <repo>/.venv for the integration tests.
# Idempotent: does nothing when .venv/bin/moto_server exists at the pinned version.
set -euo pipefail

MOTO_VERSION="5.2.5"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"

fail() {
    echo "setup-moto: $*" >&2
    exit 1
}

installed_version() {
    "$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || true
}

if [[ -x "$venv/bin/moto_server" && "$(installed_version)" == "$MOTO_VERSION" ]]; then
    echo "setup-moto: moto $MOTO_VERSION already installed in $venv"
    exit 0
fi

command -v python3 >/dev/null 2>&1 || fail "python3 not found; install Python 3.9+ (e.g. apt-get install python3 python3-venv) and rerun"

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv" || fail "python3 -m venv failed (on Debian/Ubuntu install python3-venv)"
fi

echo "setup-moto: installing moto[server]==$MOTO_VERSION into $venv (about a minute)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" \
    || fail "pip install moto[server]==$MOTO_VERSION failed"

[[ -x "$venv/bin/moto_server" ]] || fail "moto_server missing from $venv/bin after install"
[[ "$(installed_version)" == "$MOTO_VERSION" ]] || fail "installed moto is $(installed_version), expected $MOTO_VERSION"
echo "setup-moto: moto $MOTO_VERSION ready ($venv/bin/moto_server)"
