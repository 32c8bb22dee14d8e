# sockhound: two commands for a newcomer.
#   make demo   run the main job (local Neo4j + GDS, simulate, load, detect, report, serve)
#   make test   set up everything (venv, dependencies, Neo4j jars) and run the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= var/demo

.PHONY: install test lint unit integration demo demo-stop db-start db-stop db-status clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "sockhound needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy sockhound queries loaders detect api simulator reporting

unit: install
	$(BIN)/pytest tests/unit

integration: install
	$(BIN)/pytest tests/integration

# The whole suite: lint, unit tests, and integration tests against a real Neo4j that the test session
# starts itself (or the one NEO4J_URI names).
test: install lint
	$(BIN)/pytest

db-start: install
	$(BIN)/sockhound db start

db-stop: install
	$(BIN)/sockhound db stop

db-status: install
	$(BIN)/sockhound db status

demo: install
	scripts/demo.sh

demo-stop: install
	$(BIN)/sockhound serve --stop
	$(BIN)/sockhound db stop

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
