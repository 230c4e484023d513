# Two entry points for a fresh machine: `make demo` and `make test`.
# Both create .venv if missing and (re)install when requirements.lock or pyproject.toml changes.
# requirements.lock pins every package (the dev extra included); `make lock` refreshes it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)
PYTEST_ARGS ?=

# The BigQuery emulator (tests only) lives in its own virtualenv: its sqlglot pin conflicts with
# fakesnow's. DuckDB's spatial extension comes from PyPI as a file (no internet needed at test
# time); the test fixture installs that file into the server's throwaway HOME.
BQ_VENV ?= .venv-bqemulator
BQ_REQUIREMENTS := bqemulator==1.4.0 duckdb==1.5.5 duckdb-extension-spatial==1.5.5 sqlglot==30.11.0 \
	pyarrow==26.0.1 numpy==2.4.6
BQ_STAMP := $(BQ_VENV)/.installed-$(shell echo '$(BQ_REQUIREMENTS)' | sha256sum | cut -c1-16)

# dlt, the baseline `make bench` compares against, lives in its own virtualenv, never in the project's deps.
DLT_VENV ?= .venv-dlt
DLT_REQUIREMENTS := dlt[duckdb]==1.31.0 duckdb==2.0.1
DLT_STAMP := $(DLT_VENV)/.installed-$(shell echo '$(DLT_REQUIREMENTS)' | sha256sum | cut -c1-16)

.PHONY: demo test install bqemulator dlt-venv sandbox webhooks dev lint format lock bench soak

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

bqemulator: $(BQ_STAMP)

$(BQ_STAMP):
	@test -x $(BQ_VENV)/bin/python || $(PYTHON) -m venv $(BQ_VENV)
	$(BQ_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BQ_VENV)/bin/python -m pip install --quiet $(BQ_REQUIREMENTS)
	@# smoke test: the extension file installs into an empty HOME and loads without a network
	@home=$$(mktemp -d) && trap 'rm -rf "$$home"' EXIT && HOME="$$home" $(BQ_VENV)/bin/python -c \
		"import duckdb, duckdb_extension_spatial as s, pathlib; \
		f = pathlib.Path(s.__file__).parent / 'extensions' / ('v' + duckdb.__version__) / 'spatial.duckdb_extension'; \
		c = duckdb.connect(); c.execute(\"INSTALL '\" + str(f) + \"'\"); c.execute('LOAD spatial')"
	@test -x $(BQ_VENV)/bin/bqemulator
	@rm -f $(BQ_VENV)/.installed-*
	@touch $@

dlt-venv: $(DLT_STAMP)

$(DLT_STAMP):
	@test -x $(DLT_VENV)/bin/python || $(PYTHON) -m venv $(DLT_VENV)
	$(DLT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DLT_VENV)/bin/python -m pip install --quiet $(DLT_REQUIREMENTS)
	@rm -f $(DLT_VENV)/.installed-*
	@touch $@

demo: $(STAMP)
	$(BIN)/integration-pipelines demo

test: $(STAMP) $(BQ_STAMP) lint
	BQ_VENV=$(abspath $(BQ_VENV)) $(BIN)/pytest $(PYTEST_ARGS)

sandbox: $(STAMP)
	$(BIN)/integration-pipelines sandbox --port 8765

webhooks: $(STAMP)
	INTEGRATION_PIPELINES_HOME=$(CURDIR)/.local $(BIN)/integration-pipelines webhooks serve --port 8900

dev: $(STAMP)
	@$(BIN)/python -m integration_pipelines.local_instance .local/dagster_home >/dev/null
	DAGSTER_HOME=$(CURDIR)/.local/dagster_home INTEGRATION_PIPELINES_HOME=$(CURDIR)/.local \
		$(BIN)/dagster dev -w workspace.yaml

bench: $(STAMP) $(DLT_STAMP)
	DLT_PYTHON=$(abspath $(DLT_VENV))/bin/python $(BIN)/python -m benchmarks

# Fault storms, kill -9, overlapping runs and hostile servers against real jobs (docs/reliability.md).
soak: $(STAMP)
	$(BIN)/python -m benchmarks.soak

LINTED := integration_pipelines vendor_sandbox integration_pipelines_tests benchmarks

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

format: $(STAMP)
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

# Exact versions for every install: resolve pyproject.toml (with the dev extra) again after changing it.
lock:
	@test -x $(BIN)/uv || { test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); $(BIN)/python -m pip install --quiet uv; }
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --upgrade -q \
		--custom-compile-command "make lock" -o requirements.lock
