#!/usr/bin/env bash
# Runs the browser end-to-end suite (tests/e2e) against a fresh `ccm serve --demo` per test file.
# Builds the debug `ccm` first (cargo does nothing when it is up to date; CARGO_TARGET_DIR is
# honoured) unless CCM_BIN names a binary to test instead. Exits non-zero on failure. With
# CCM_SCREENSHOTS=1 (`make screenshots`) every page is also saved at desktop and phone widths in
# docs/screenshots/. Arguments, if any, are test files (default: all of tests/).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CCM_BIN:-}" ]; then
  cargo build -p ccm-cli --bin ccm
  target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
  export CCM_BIN="$target_dir/debug/ccm"
else
  export CCM_BIN="$(realpath "$CCM_BIN")"
fi
if [ ! -x /usr/bin/chromium ] || [ ! -d tests/e2e/node_modules/playwright-core ]; then
  scripts/setup-browser.sh
fi
cd tests/e2e
# One file at a time: each starts its own server and browser, and the machine has few cores.
exec node --test --test-concurrency=1 --test-timeout=300000 "${@:-tests/}"
