#!/usr/bin/env bash
# make package: builds every Lambda function with cargo-lambda into
# {target}/lambda/{binary}/bootstrap.zip (provided.al2023 custom runtime; the binary is `bootstrap`).
#
#   ARCH=arm64 (default: Graviton, the deploy default) | x86-64
#   PROFILE=release (default) | debug (CI proves packaging with a debug build: faster)
#
# cargo-lambda and zig come from PyPI (scripts/requirements-infra.txt, into .venv-infra). arm64 needs
# the aarch64 Rust standard library (`rustup target add aarch64-unknown-linux-gnu`); without it this
# fails with that advice instead of a linker error.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

ARCH="${ARCH:-arm64}"
PROFILE="${PROFILE:-release}"

fail() {
  echo "package: $*" >&2
  exit 1
}

case "$ARCH" in
  arm64 | aarch64) arch_flag=--arm64 triple=aarch64-unknown-linux-gnu ;;
  x86-64 | x86_64) arch_flag=--x86-64 triple=x86_64-unknown-linux-gnu ;;
  *) fail "ARCH=$ARCH: use arm64 or x86-64" ;;
esac
case "$PROFILE" in
  release) profile_flag=--release ;;
  debug) profile_flag= ;;
  *) fail "PROFILE=$PROFILE: use release or debug" ;;
esac

libdir="$(rustc --print target-libdir --target "$triple" 2>/dev/null || true)"
if ! compgen -G "$libdir/libstd-*.rlib" >/dev/null; then
  fail "the Rust standard library for $triple is not installed, so $ARCH cannot be built here.
  Install it where the registry of Rust toolchains is reachable: rustup target add $triple
  (or build for x86-64: make package ARCH=x86-64, then deploy with ARCH=x86-64)."
fi

scripts/setup-infra-tools.sh >/dev/null
export PATH="$repo/.venv-infra/bin:$PATH"

# The Lambda binaries, all in crates/ccm-lambda.
packages=(-p ccm-lambda)
binaries=(ccm-api ccm-auth ccm-processor ccm-indexer ccm-reminders)
bin_flags=()
for b in "${binaries[@]}"; do bin_flags+=(--bin "$b"); done

started=$(date +%s)
# shellcheck disable=SC2086 # profile_flag is empty for debug
cargo lambda build $profile_flag "$arch_flag" --output-format zip "${packages[@]}" "${bin_flags[@]}"
elapsed=$(($(date +%s) - started))

target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
echo "package: $ARCH $PROFILE build in ${elapsed}s:"
# The benchmark (make bench) reports how long the release build took.
echo "$ARCH $PROFILE $elapsed" >"$target_dir/lambda/build-seconds"
for b in "${binaries[@]}"; do
  zip="$target_dir/lambda/$b/bootstrap.zip"
  [[ -f "$zip" ]] || fail "$zip was not built"
  echo "  $zip ($(($(stat -c %s "$zip") / 1024)) KiB)"
done
