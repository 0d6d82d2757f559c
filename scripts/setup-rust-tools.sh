#!/usr/bin/env bash
# Installs the cargo subcommands `make lint` uses, pinned, from crates.io with `cargo install
# --locked` (into cargo's bin directory, normally ~/.cargo/bin). Idempotent: does nothing when the
# pinned version is already installed. Today: cargo-machete (unused dependencies; a few minutes to
# build the first time).
set -euo pipefail

MACHETE_VERSION=0.9.2

fail() {
    echo "setup-rust-tools: $*" >&2
    exit 1
}

if [[ "$(cargo machete --version 2>/dev/null || true)" == *"$MACHETE_VERSION"* ]]; then
    echo "setup-rust-tools: cargo-machete $MACHETE_VERSION already installed"
    exit 0
fi
echo "setup-rust-tools: installing cargo-machete $MACHETE_VERSION (a few minutes the first time)"
cargo install cargo-machete --version "$MACHETE_VERSION" --locked \
    || fail "cargo install cargo-machete failed (it needs crates.io)"
