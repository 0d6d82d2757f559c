#!/usr/bin/env bash
# Installs what the browser tests need: Debian's Chromium (+ ChromeDriver, and a colour emoji font
# so the type icons show in screenshots) and the e2e suite's npm packages (playwright-core only
# drives the system Chromium; it never downloads a browser). Idempotent: does nothing already done.
set -euo pipefail
cd "$(dirname "$0")/.."

packages="chromium chromium-driver fonts-noto-color-emoji"
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || [ ! -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-browser: Chromium (or its driver or emoji font) is missing and this is not root." >&2
    echo "  Install them with: sudo apt-get update && sudo apt-get install -y $packages" >&2
    [ -x /usr/bin/chromium ] || exit 1
  else
    echo "setup-browser: installing Debian's $packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends $packages
  fi
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
