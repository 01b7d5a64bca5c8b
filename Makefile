# Build contract. `make test` is what CI runs (.ci/run).
.PHONY: venv venv-test run test bench lint soak screenshots

VENV := .venv
TENANTRY_DATABASE_URL ?= sqlite:///./var/tenantry.db
export TENANTRY_DATABASE_URL

# `venv`: what the service needs and nothing more (what `make run` installs); `venv-test`
# adds the test tooling (pytest, Playwright, schemathesis, ruff, mypy, the benchmark's peer).
venv: $(VENV)/.installed
venv-test: $(VENV)/.installed-test

# Stamp files: reinstall only when pyproject.toml changed (or the venv is new).
$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-compile -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(VENV)/bin/pip install -q --disable-pip-version-check -e '.[test]'
	touch $@

run: venv
	mkdir -p var
	$(VENV)/bin/tenantry serve --demo

test: venv-test
	scripts/test.sh

# The cluster tests' long profile (tests/cluster) on a throwaway PostgreSQL, with the
# catalogue's figures as a table: make soak ROUNDS=1000 KILLS=200 WIDTH=50 (two tests at a
# time, each with its own servers and database: SOAK_WORKERS=2)
ROUNDS ?= 1000
KILLS ?= 200
WIDTH ?= 50
SOAK_WORKERS ?= 2
soak: venv-test
	scripts/with-postgres.sh $(VENV)/bin/python scripts/soak.py --rounds $(ROUNDS) --kills $(KILLS) --width $(WIDTH) -n $(SOAK_WORKERS) --dist load

bench: venv-test
	scripts/bench.sh

# The README's dashboard pictures, taken by the members journey in Chromium
screenshots: venv-test
	TENANTRY_SCREENSHOTS=docs/screenshots $(VENV)/bin/pytest -q tests/e2e/test_members_journey.py

lint: venv-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
