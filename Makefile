# The two commands: `make run` (everything on this machine, with demo data) and `make test` (every
# test, installing what the tests need first). Other targets are conveniences.

CARGO ?= cargo
PORT ?= 8080
# Lambda CPU architecture for package/deploy: arm64 (Graviton, the default) or x86-64.
ARCH ?= arm64

.PHONY: run test test-steps setup lint fmt check build bench clean help screenshots package deploy destroy check-infra lambda-e2e

help:
	@echo "make run    - ccm serve --demo on http://127.0.0.1:$(PORT)/ (portal, API, sign-in, outbox)"
	@echo "make test   - install test tools (moto, Chromium), then fmt check, clippy, every Rust test, the browser suite and the infra checks"
	@echo "make bench  - benchmarks (release build), results in docs/performance.md"
	@echo "make lint   - fmt check, clippy and rustdoc (warnings denied), unused dependencies (cargo machete)"
	@echo "make screenshots - the browser suite, saving every page in docs/screenshots/"
	@echo "make package  - cargo lambda build of every function into target/lambda/*/bootstrap.zip (ARCH=arm64|x86-64)"
	@echo "make deploy   - package, render infra/template.yaml from config.json, sam deploy, upload html/ and config (docs/deploy.md)"
	@echo "make destroy  - delete the stack (the metadata bucket and its key are kept)"
	@echo "make check-infra - cfn-lint, checkov, SAM translation and the moto smoke test of infra/"
	@echo "make lambda-e2e  - the real Lambda binaries under a Runtime API emulator against moto"

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
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --workspace
	scripts/setup-rust-tools.sh
	$(CARGO) machete

# `make test` runs the steps below and prints their total wall time at the end, pass or fail.
test:
	@scripts/timed.sh "make test" $(MAKE) --no-print-directory test-steps

# CCM_REQUIRE_*=1: emulator, browser and Lambda tests fail instead of skipping when their tools or
# binaries are missing. The Lambda binaries are built first for the Runtime API end-to-end test.
test-steps: setup lint
	$(CARGO) build -p ccm-lambda --bins
	CCM_REQUIRE_MOTO=1 CCM_REQUIRE_BROWSER=1 CCM_REQUIRE_LAMBDAS=1 $(CARGO) test --workspace
	node --test tests/unit/
	scripts/api-contract.sh
	scripts/e2e.sh
	scripts/check-infra.sh
	ARCH=x86-64 PROFILE=debug scripts/package-lambdas.sh

check:
	$(CARGO) check --workspace --all-targets

# The browser suite again, saving every page at desktop and phone widths in docs/screenshots/.
screenshots:
	CCM_SCREENSHOTS=1 scripts/e2e.sh

build:
	$(CARGO) build --workspace

# Benchmarks (not tests): each rewrites its own section of docs/performance.md.
# The Lambda start-up benchmark measures the release x86-64 packages (arm64 cannot be built here).
bench:
	ARCH=x86-64 PROFILE=release scripts/package-lambdas.sh
	$(CARGO) bench -p ccm-testkit --bench lambda_start
	$(CARGO) bench -p ccm-embedded --bench index
	$(CARGO) bench -p ccm-processor --bench fanout
	$(CARGO) bench -p ccm-auth --bench acs
	$(CARGO) build -p ccm-cli --bin ccm
	cd tests/e2e && node bench/first-view.mjs 10000

fmt:
	$(CARGO) fmt --all

# Deployment (docs/deploy.md). package needs cargo-lambda (installed into .venv-infra) and, for arm64,
# the aarch64 Rust standard library.
package:
	ARCH=$(ARCH) scripts/package-lambdas.sh

deploy:
	ARCH=$(ARCH) scripts/deploy.sh deploy

destroy:
	scripts/deploy.sh destroy

check-infra:
	scripts/check-infra.sh

lambda-e2e:
	scripts/lambda-e2e.sh

clean:
	$(CARGO) clean
	rm -rf .venv .venv-infra .data infra/build
