#!/usr/bin/env bash
# Installs what the browser tests need: Debian's Chromium (+ ChromeDriver) and the e2e suite's npm
# packages (playwright-core only drives the system Chromium; it never downloads a browser).
# Idempotent: does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-browser: /usr/bin/chromium is missing and this is not root." >&2
    echo "  Install it with: sudo apt-get update && sudo apt-get install -y chromium chromium-driver" >&2
    exit 1
  fi
  echo "setup-browser: installing Debian's chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends chromium chromium-driver
fi
echo "setup-browser: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium installed')"

if ! command -v npm >/dev/null; then
  echo "setup-browser: npm (Node.js 18 or later) is needed for the e2e suite" >&2
  exit 1
fi
cd tests/e2e
if [ -d node_modules/playwright-core ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "setup-browser: tests/e2e/node_modules is up to date"
else
  npm ci --no-audit --no-fund
fi
