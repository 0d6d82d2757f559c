#!/usr/bin/env bash
# Installs the infrastructure tools pinned in scripts/requirements-infra.txt (cfn-lint, checkov,
# aws-sam-translator, cargo-lambda with zig, the AWS CLI) into <repo>/.venv-infra, a virtualenv of
# their own: checkov pins boto3/botocore versions that would downgrade what moto runs on in .venv.
# Idempotent: does nothing when the installed set matches the requirements file (about 40 s otherwise).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv-infra"
requirements="$repo/scripts/requirements-infra.txt"
stamp="$venv/.requirements.sha256"

fail() {
  echo "setup-infra-tools: $*" >&2
  exit 1
}

wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ -x "$venv/bin/checkov" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  echo "setup-infra-tools: tools already installed in $venv"
  exit 0
fi
command -v python3 >/dev/null 2>&1 || fail "python3 not found; install Python 3.9+ (and python3-venv on Debian/Ubuntu)"
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" || fail "python3 -m venv failed (on Debian/Ubuntu install python3-venv)"
echo "setup-infra-tools: installing $(grep -cv '^\s*\(#\|$\)' "$requirements") pinned packages into $venv (about a minute)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" ||
  fail "pip install -r scripts/requirements-infra.txt failed"
"$venv/bin/python" -m pip check >/dev/null || fail "the installed tools conflict: $("$venv/bin/python" -m pip check)"
echo "$wanted" >"$stamp"
echo "setup-infra-tools: ready ($venv/bin: cfn-lint, checkov, cargo-lambda, aws)"
