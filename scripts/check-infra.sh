#!/usr/bin/env bash
# The infrastructure checks (docs/deploy.md, "What is checked here"), all offline:
#   1. infra/template.yaml is rendered from config.json (`ccm infra render --check`);
#   2. cfn-lint on both templates (zero findings);
#   3. checkov on both templates (zero failures; every skip is justified in the template);
#   4. the SAM template translated to plain CloudFormation (aws-sam-translator);
#   5. the translated stack created in moto's CloudFormation, its data plane checked
#      (scripts/infra/moto_smoke.py).
# Installs its tools first (scripts/setup-infra-tools.sh into .venv-infra, scripts/setup-python.sh
# into .venv). Ends with "N passed, N failed"; exits non-zero when any step fails.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

scripts/setup-infra-tools.sh || exit 1
scripts/setup-python.sh || exit 1
tools="$repo/.venv-infra/bin"
work="$repo/.tmp/infra"
mkdir -p "$work"

passed=0
failed=0
step() {
  local name="$1"
  shift
  echo "== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $name" >&2
  fi
}

templates=(infra/template.yaml infra/customer-role.yaml)
step "infra/template.yaml is rendered from config.json" \
  cargo run --quiet -p ccm-cli --bin ccm -- --config config.json infra render --check
step "cfn-lint" "$tools/cfn-lint" "${templates[@]}"
for t in "${templates[@]}"; do
  step "checkov $t" "$tools/checkov" --quiet --compact --skip-download --framework cloudformation -f "$t"
done
step "SAM -> CloudFormation (aws-sam-translator)" \
  "$tools/python" scripts/infra/translate.py infra/template.yaml "$work/template.json"
# The smoke test runs scripts/deploy.sh steps, which call the AWS CLI from .venv-infra.
step "the translated stack in moto" \
  env PATH="$tools:$PATH" "$repo/.venv/bin/python" scripts/infra/moto_smoke.py "$work/template.json" config.json

echo "check-infra: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
