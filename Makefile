# Two entry points for a fresh machine: `make demo` and `make test`.
# Both create .venv if missing and (re)install when pyproject.toml changes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)
PYTEST_ARGS ?=

.PHONY: demo test install sandbox dev lint bench

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: $(STAMP)
	$(BIN)/integration-pipelines demo

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

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
