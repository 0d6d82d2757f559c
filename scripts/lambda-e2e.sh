#!/usr/bin/env bash
# The Lambdas as Lambdas (issue 11): builds the debug Lambda binaries (crates/ccm-lambda),
# then runs the end-to-end test that drives them under the Lambda Runtime API emulator against moto
# (crates/ccm-cli/tests/it/serve/lambdas.rs). Fails instead of skipping when moto or a binary is missing.
# About 30 s once built. `make test` builds the binaries first and runs the test inside the workspace
# tests with CCM_REQUIRE_LAMBDAS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-python.sh
cargo build -p ccm-lambda --bins
CCM_REQUIRE_MOTO=1 CCM_REQUIRE_LAMBDAS=1 exec cargo test -p ccm-cli --test it serve::lambdas
