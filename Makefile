# sockhound: two commands for a newcomer.
#   make demo   run the main job (local Neo4j + GDS, simulate, load, detect, report, serve)
#   make test   set up everything (venv, dependencies, Neo4j jars) and run the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every Python dependency pinned with its hashes (pip-compile); `make lock` rewrites both after a change to
# pyproject.toml's dependencies. The image installs requirements.lock, make install (and so CI) the dev one.
LOCK := requirements-dev.lock
COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url
DEMO_DIR ?= var/demo
CYTOSCAPE_VERSION ?= 3.35.0
VENDOR := api/static/vendor

.PHONY: install lock test lint unit integration demo demo-stop db-start db-stop db-status clean vendor-check vendor-update browser

install: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "sockhound needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

# The dev lock first, then the runtime lock constrained by it: a package both hold gets one version (a dev
# tool may cap a runtime dependency, e.g. openapi-python-client caps typer).
lock: install
	$(COMPILE) --extra dev -o requirements-dev.lock pyproject.toml
	$(COMPILE) -c requirements-dev.lock -o requirements.lock pyproject.toml

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy cli sockhound queries loaders detect api simulator reporting

unit: install
	$(BIN)/pytest tests/unit

integration: install
	$(BIN)/pytest tests/integration

# The whole suite: lint, unit tests, and integration tests against a real Neo4j that the test session
# starts itself (or the one NEO4J_URI names). It installs no system package: without chromium it stops and
# names `make browser`.
test: install lint
	@command -v chromium >/dev/null || { echo "chromium is missing: the network page's browser tests need it;" \
	  "run \`make browser\` (apt-get install chromium, needs root), then \`make test\` again" >&2; exit 1; }
	@command -v java >/dev/null || { echo "java is missing: the Spark engine's tests (pyspark local mode) need a" \
	  "Java 17+ runtime, e.g. apt-get install openjdk-17-jre-headless" >&2; exit 1; }
	$(BIN)/pytest

# Debian's chromium, which the network page's browser tests drive (through Python playwright, never
# `playwright install`). A separate, named step: it runs apt-get when chromium is missing (needs root).
browser:
	@command -v chromium >/dev/null || { echo "installing Debian's chromium for the browser tests"; \
	  apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; }

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

# The vendored cytoscape.js (api/static/vendor, see its README): fetch the pinned tarball from the npm registry
# with npm and compare (vendor-check) or replace the files and their checksums (vendor-update).
vendor-check vendor-update:
	@command -v npm >/dev/null || { echo "$@ needs npm"; exit 1; }
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent cytoscape@$(CYTOSCAPE_VERSION) >/dev/null && tar xzf cytoscape-$(CYTOSCAPE_VERSION).tgz) || exit 1; \
	if [ $@ = vendor-update ]; then \
	  cp "$$tmp/package/dist/cytoscape.min.js" $(VENDOR)/cytoscape.min.js; \
	  cp "$$tmp/package/LICENSE" $(VENDOR)/cytoscape.LICENSE; \
	  (cd $(VENDOR) && sha256sum cytoscape.min.js cytoscape.LICENSE > SHA256SUMS); \
	  echo "vendored cytoscape $(CYTOSCAPE_VERSION); update the version in $(VENDOR)/README.md"; \
	else \
	  cmp "$$tmp/package/dist/cytoscape.min.js" $(VENDOR)/cytoscape.min.js && \
	  cmp "$$tmp/package/LICENSE" $(VENDOR)/cytoscape.LICENSE && \
	  (cd $(VENDOR) && sha256sum --quiet -c SHA256SUMS) && \
	  echo "vendored cytoscape matches cytoscape@$(CYTOSCAPE_VERSION) from the npm registry"; \
	fi

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
