# Two entry points for a fresh machine: `make demo` and `make test`.
# Both create .venv if missing and (re)install when pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)
PYTEST_ARGS ?=

# The BigQuery emulator (tests only) lives in its own virtualenv: its sqlglot pin conflicts with
# fakesnow's. DuckDB's spatial extension comes from PyPI as a file (no internet needed at test
# time); the test fixture installs that file into the server's throwaway HOME.
BQ_VENV ?= .venv-bqemulator
BQ_REQUIREMENTS := bqemulator==1.4.0 duckdb==1.5.5 duckdb-extension-spatial==1.5.5 sqlglot==30.11.0 \
	pyarrow==26.0.1 numpy==2.4.6
BQ_STAMP := $(BQ_VENV)/.installed-$(shell echo '$(BQ_REQUIREMENTS)' | sha256sum | cut -c1-16)

.PHONY: demo test install bqemulator sandbox dev lint bench

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
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

demo: $(STAMP)
	$(BIN)/integration-pipelines demo

test: $(STAMP) $(BQ_STAMP)
	BQ_VENV=$(abspath $(BQ_VENV)) $(BIN)/pytest $(PYTEST_ARGS)

sandbox: $(STAMP)
	$(BIN)/integration-pipelines sandbox --port 8765

dev: $(STAMP)
	@mkdir -p .local/dagster_home
	@test -f .local/dagster_home/dagster.yaml || printf 'telemetry:\n  enabled: false\n' > .local/dagster_home/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/.local/dagster_home INTEGRATION_PIPELINES_HOME=$(CURDIR)/.local \
		$(BIN)/dagster dev -w workspace.yaml

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check integration_pipelines integration_pipelines_tests
