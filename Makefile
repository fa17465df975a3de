# The two commands: `make run` and `make test`. `make check` is what CI adds.
SHELL := /bin/bash
CARGO ?= cargo
NPM ?= npm

.PHONY: bench bench-full fuzz spec-fuzz run test test-rust test-frontend e2e chromium check fmt clippy spec-drift deps-check openapi frontend-build clean-data

## Build the SPA and the server, load demo data into SQLite (./data/app.db), serve.
run: frontend-build
	$(CARGO) build -p server
	$(CARGO) run -q -p server -- serve --demo

## Every test: Rust (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
## frontend, browser, and spec fuzzing.
test: test-rust test-frontend e2e spec-fuzz

test-rust:
	$(CARGO) test --workspace

## Vitest: components, formatting, the generated API types not stale.
test-frontend: frontend/node_modules/.installed
	cd frontend && $(NPM) test

## Playwright drives Debian's Chromium (installed here when missing; no
## test tool downloads its own browser) against `serve --demo` on a
## throwaway SQLite database; screenshots land in frontend/test-results/.
e2e: frontend/node_modules/.installed chromium
	cd frontend && $(NPM) run e2e

chromium:
	@test -x /usr/bin/chromium || { echo "installing Debian's chromium"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; }

## fmt, clippy with warnings denied, OpenAPI drift, crate-graph rule.
check: fmt clippy spec-drift deps-check

fmt:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

spec-drift:
	@$(CARGO) run -q -p server -- openapi > /tmp/openapi.$$$$.json && \
	  if diff -u openapi/openapi.json /tmp/openapi.$$$$.json; then rm -f /tmp/openapi.$$$$.json; \
	  else rm -f /tmp/openapi.$$$$.json; echo "openapi/openapi.json is stale: run make openapi" >&2; exit 1; fi

## domain is pure: no database, no web framework.
deps-check:
	@if $(CARGO) tree -p domain -e normal --prefix none | grep -Ei '^(diesel|actix|tokio|calamine|rust_xlsxwriter)[ -]'; then \
	  echo "crates/domain must not depend on frameworks or I/O crates" >&2; exit 1; fi
	@echo "crate graph ok: domain depends on no framework"

## Regenerate the committed OpenAPI document.
openapi:
	$(CARGO) run -q -p server -- openapi > openapi/openapi.json

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund
	touch $@

frontend-build: frontend/node_modules/.installed
	cd frontend && $(NPM) run build

## Forget the local SQLite database and generated secret.
clean-data:
	rm -rf data/app.db data/app.db-wal data/app.db-shm data/jwt_secret

## The quick benchmark set (figures and how to read them: BENCHMARKS.md).
bench:
	$(CARGO) bench -p server --bench board
	$(CARGO) bench -p domain --bench rules
	python3 bench/ratios.py timeliness permission fold money
	$(CARGO) bench -p interchange --bench interchange
	python3 bench/load.py --quick

## The load tests at full size with the framework floor and Redmine, and the
## Excel interchange against pandas and Python XlsxWriter.
bench-full:
	python3 bench/load.py --redmine
	bench/excel/run.sh

## The hostile-input property tests at length (release build): arbitrary
## and damaged files into every importer, grids into header detection,
## text into the encoding repair and the number and date parsers.
## `make test` runs the same targets with 64 cases each.
FUZZ_CASES ?= 20000
fuzz:
	FUZZ_CASES=$(FUZZ_CASES) $(CARGO) test -p interchange --release --test hostile_input
	SPEC_FUZZ_EXAMPLES=$(SPEC_FUZZ_EXAMPLES_LONG) tests/spec-fuzz/run.sh

## schemathesis (pinned, in a virtual environment it creates) against a live
## server on a throwaway SQLite database: every operation of
## openapi/openapi.json, signed in, every check (tests/spec-fuzz/run.sh).
## `make fuzz` runs it with more examples per operation.
SPEC_FUZZ_EXAMPLES ?= 25
SPEC_FUZZ_EXAMPLES_LONG ?= 200
spec-fuzz:
	SPEC_FUZZ_EXAMPLES=$(SPEC_FUZZ_EXAMPLES) tests/spec-fuzz/run.sh
