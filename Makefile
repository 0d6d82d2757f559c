# The two commands: `make run` (everything on this machine, with demo data) and `make test` (every
# test, installing what the tests need first). Other targets are conveniences.

CARGO ?= cargo
PORT ?= 8080

.PHONY: run test setup lint fmt check build bench clean help screenshots

help:
	@echo "make run    - ccm serve --demo on http://127.0.0.1:$(PORT)/ (portal, API, sign-in, outbox)"
	@echo "make test   - install test tools (moto, Chromium), then fmt check, clippy, every Rust test and the browser suite"
	@echo "make bench  - benchmarks (release build), results in docs/performance.md"
	@echo "make lint   - fmt check and clippy only"
	@echo "make screenshots - the browser suite, saving every page in docs/screenshots/"

run:
	$(CARGO) run -p ccm-cli --bin ccm -- serve --demo --port $(PORT)

# Test tools, installed by the project itself: the Python tools of scripts/requirements-test.txt
# (moto, schemathesis, … pinned, in .venv), Debian's Chromium + chromedriver (apt, as root) and the
# browser suite's npm packages.
setup:
	scripts/setup-python.sh
	scripts/setup-browser.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# CCM_REQUIRE_*=1: emulator and browser tests fail instead of skipping when their tools are missing.
test: setup lint
	CCM_REQUIRE_MOTO=1 CCM_REQUIRE_BROWSER=1 $(CARGO) test --workspace
	scripts/api-contract.sh
	scripts/e2e.sh

check:
	$(CARGO) check --workspace --all-targets

# The browser suite again, saving every page at desktop and phone widths in docs/screenshots/.
screenshots:
	CCM_SCREENSHOTS=1 scripts/e2e.sh

build:
	$(CARGO) build --workspace

# Benchmarks (not tests): each rewrites its own section of docs/performance.md.
bench:
	$(CARGO) bench -p ccm-embedded --bench index
	$(CARGO) bench -p ccm-processor --bench fanout
	$(CARGO) bench -p ccm-auth --bench acs
	$(CARGO) build -p ccm-cli --bin ccm
	cd tests/e2e && node bench/first-view.mjs 10000

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -rf .venv .data
