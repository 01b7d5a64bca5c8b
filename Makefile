# Build contract. `make test` is what CI runs (.ci/run).
.PHONY: venv run test bench lint

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

bench: venv
	$(VENV)/bin/python -m benchmarks

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
