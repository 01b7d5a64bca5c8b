# Build contract. `make test` is what CI runs (.ci/run).
.PHONY: venv run test bench lint soak

VENV := .venv
TENANTRY_DATABASE_URL ?= sqlite:///./var/tenantry.db
export TENANTRY_DATABASE_URL

venv: $(VENV)/.installed

# Stamp file: reinstall only when pyproject.toml changed (or the venv is new).
$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -e '.[dev]'
	touch $@

run: venv
	mkdir -p var
	$(VENV)/bin/tenantry serve --demo

test: venv
	scripts/test.sh

# The cluster tests' long profile (tests/cluster) on a throwaway PostgreSQL, with the
# catalogue's figures as a table: make soak ROUNDS=1000 KILLS=200 WIDTH=50
ROUNDS ?= 1000
KILLS ?= 200
WIDTH ?= 50
soak: venv
	scripts/with-postgres.sh $(VENV)/bin/python scripts/soak.py --rounds $(ROUNDS) --kills $(KILLS) --width $(WIDTH)

bench: venv
	scripts/bench.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
