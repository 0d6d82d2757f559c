# The two commands: `make run` (everything on this machine, with demo data) and `make test` (every
# test, installing what the tests need first). Other targets are conveniences.

CARGO ?= cargo
PORT ?= 8080

.PHONY: run test setup lint fmt check build bench clean help

help:
	@echo "make run    - ccm serve --demo on http://127.0.0.1:$(PORT)/ (portal, API, sign-in, outbox)"
	@echo "make test   - install test tools, then fmt check, clippy and every test"
	@echo "make bench  - benchmarks (release build), results in docs/performance.md"
	@echo "make lint   - fmt check and clippy only"

run:
	$(CARGO) run -p ccm-cli --bin ccm -- serve --demo --port $(PORT)

setup:
	scripts/setup-moto.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# CCM_REQUIRE_MOTO=1: emulator tests fail instead of skipping when the emulator is missing.
test: setup lint
	CCM_REQUIRE_MOTO=1 $(CARGO) test --workspace

check:
	$(CARGO) check --workspace --all-targets

build:
	$(CARGO) build --workspace

bench:
	$(CARGO) bench -p ccm-embedded --bench index

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -rf .venv .data
