# One entry point for people and CI. Every target sets up what it needs, is safe to repeat,
# and honours DATAFLOW_HOME (all local state) and DAGSTER_HOME (default: under DATAFLOW_HOME).

SHELL := /bin/bash
.DEFAULT_GOAL := help

export DATAFLOW_HOME := $(abspath $(or $(DATAFLOW_HOME),data))
export DAGSTER_HOME := $(abspath $(or $(DAGSTER_HOME),$(DATAFLOW_HOME)/dagster))
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

PYTHON_BOOTSTRAP ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo $(PYTHON_BOOTSTRAP) -m uv)
DBT := $(BIN)/dbt --no-use-colors
# DATAFLOW_ENGINE=spark runs the same targets on Apache Spark (docs/scale-out.md). dbt parses per
# adapter, so Spark's manifest (and docs site) has a target folder of its own; lib/dbt.py agrees.
export DATAFLOW_ENGINE := $(or $(DATAFLOW_ENGINE),duckdb)
DBT_TARGET_PATH := target$(if $(filter spark,$(DATAFLOW_ENGINE)),/spark)
DBT_DIRS := --project-dir dbt_project --profiles-dir dbt_project --target-path $(DBT_TARGET_PATH)
MANIFEST := dbt_project/$(DBT_TARGET_PATH)/manifest.json

# Sample data: one year ending yesterday unless told otherwise (make run DAYS=30 SCALE=0.5).
DAYS ?= 365
SCALE ?= 1.0
SEED ?= 42
SAMPLE_ARGS ?= --days $(DAYS) --scale $(SCALE) --seed $(SEED)

.PHONY: help env manifest instance sample-data import-dump materialize run restore test lint dev docs bench clean mf

help:
	@echo "make run          set up, generate one year of sample data, materialize everything, summarize"
	@echo "make test         set up and run the whole test suite"
	@echo "make materialize  materialize every asset on the data present under DATAFLOW_HOME"
	@echo "make dev          Dagster UI and daemon on http://127.0.0.1:3000"
	@echo "make docs         build and serve the dbt docs on http://127.0.0.1:8080"
	@echo "make import-dump DUMP=<folder>  bring in a jafgen output folder as daily files"
	@echo "make restore      rebuild the warehouse from the newest backup, then reload files landed since"
	@echo "make bench        run the benchmarks (ratios, never pass/fail)"
	@echo "make mf ARGS=\"query --metrics revenue --group-by metric_time__day\"  MetricFlow on the warehouse"

# The environment: uv from PyPI if missing, then exactly the lock file.
$(BIN)/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON_BOOTSTRAP) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --python 3.11 --compile-bytecode
	@touch $@

env: $(BIN)/.synced

# Definitions load this prepared manifest; dbt is parsed here, never at import time.
$(MANIFEST): $(BIN)/.synced $(shell find dbt_project -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.md' \) -not -path 'dbt_project/target/*' 2>/dev/null)
	$(DBT) parse $(DBT_DIRS) --quiet
	@touch $@

manifest: $(MANIFEST)

instance:
	@mkdir -p "$(DAGSTER_HOME)"
	@cmp -s dagster.yaml "$(DAGSTER_HOME)/dagster.yaml" || cp dagster.yaml "$(DAGSTER_HOME)/dagster.yaml"

sample-data: env
	$(BIN)/python -m tools.sample_data $(SAMPLE_ARGS)

# A multi-day jafgen dump, split into the daily files the export would have dropped.
import-dump: env
	@test -n "$(DUMP)" || { echo "usage: make import-dump DUMP=<folder with raw_*.csv>"; exit 2; }
	$(BIN)/python -m dataflow_assets.cli.import_dump "$(DUMP)"

materialize: env manifest instance
	$(BIN)/python -m dataflow_assets.cli.materialize

run: sample-data materialize

# RESTORE_ARGS="--backup <dir>" picks a backup; RESTORE_ARGS=--no-reload skips reloading files.
restore: env instance
	$(BIN)/python -m dataflow_assets.cli.restore $(RESTORE_ARGS)

lint: env manifest instance
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project --disable-progress-bar --processes 2
	@# The semantic layer's own checks, on the prepared manifest; an in-memory database, not the warehouse.
	DATAFLOW_WAREHOUSE=:memory: DBT_PROJECT_DIR=dbt_project DBT_PROFILES_DIR=dbt_project $(BIN)/mf validate-configs --skip-dw
	@# Every definition loads from defs/ (dg re-parses dbt first, as under dg dev).
	$(BIN)/dg check defs

# Two test workers (pytest-xdist), a test file each at a time: most of the suite's time is spent
# waiting on the processes it starts (Dagster, dbt, PostgreSQL, Chromium), so two share 2 cores well.
TEST_WORKERS ?= 2
test: env manifest lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# dg dev: the UI, the daemon and a code server for this dg project; "Reload definitions" in the
# UI re-parses edited dbt models (DbtProject.prepare_if_dev). `dagster dev -w workspace.yaml`
# starts the same location.
dev: env manifest instance
	$(BIN)/dg dev --host 127.0.0.1 --port 3000

docs: env manifest
	$(DBT) docs generate $(DBT_DIRS) --static
	@echo "dbt docs: http://127.0.0.1:8080/static_index.html"
	$(BIN)/python -m http.server 8080 --bind 127.0.0.1 --directory dbt_project/$(DBT_TARGET_PATH)

bench: env manifest instance
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf dbt_project/target dbt_project/logs .pytest_cache .ruff_cache

# MetricFlow (dbt's semantic layer) on the warehouse of DATAFLOW_HOME, read-only; waits while a run writes it.
# make mf ARGS="query --metrics revenue --group-by metric_time__day --csv out.csv"
mf: env manifest
	$(BIN)/python -m dataflow_assets.cli.mf $(ARGS)
