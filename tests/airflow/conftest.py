"""Fixtures of the Airflow suite (run in .venv-airflow by ``make airflow-test``).

Everything is built in pytest temporary directories: a throwaway ``AIRFLOW_HOME`` with SQLite,
a dbt manifest parsed into a tmp target path, a fresh DuckDB warehouse. Nothing touches
``build/`` or ``dbt/target``. There is deliberately no ``__init__.py`` in this directory: a
package named ``airflow`` under ``tests/`` would shadow the real Airflow.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = ROOT / "airflow" / "dags"
DBT_DIR = ROOT / "dbt"
SEEDS_DIR = ROOT / "seeds"
#: The landing zone the e2e runs read: ``seeds/`` unless pointed elsewhere (e.g. a bigger generated
#: sample: ``ECOM_TEST_LANDING_DIR=/tmp/landing make airflow-test``).
LANDING = Path(os.environ.get("ECOM_TEST_LANDING_DIR") or SEEDS_DIR)
#: A DAG run is killed after this many seconds.
RUN_TIMEOUT_S = 1500
#: Measured figures, printed at the end of the run (``pytest_terminal_summary``).
FIGURES: dict[str, object] = {}
#: The PII salt of the e2e run: an Airflow Variable (from the environment, as Secret Manager serves it
#: on Composer) that the dbt tasks receive as PII_SALT.
E2E_PII_SALT = "e2e-airflow-variable-salt"
#: dbt of the environment running the tests (.venv-airflow pins the same dbt as the main env).
DBT = Path(sys.executable).with_name("dbt")

# Airflow puts a DAG bundle's folder on sys.path; do the same so tests import the helper package.
if str(DAGS_FOLDER) not in sys.path:
    sys.path.append(str(DAGS_FOLDER))


def load_module(path: Path, name: str) -> ModuleType:
    """Import a script of ``airflow/`` by path (``import airflow.x`` would find Airflow itself)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def run_local() -> ModuleType:
    """``airflow/run_local.py`` as a module (the local runner the e2e tests drive)."""
    return load_module(ROOT / "airflow" / "run_local.py", "ecom_run_local")


def dbt_parse(target_dir: Path, duckdb_path: Path) -> Path:
    """``dbt parse`` the project into ``target_dir``; return the manifest path."""
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(DBT_DIR),
        "DBT_TARGET_PATH": str(target_dir),
        "DBT_LOG_PATH": str(target_dir / "logs"),
        "DUCKDB_PATH": str(duckdb_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    proc = subprocess.run(
        [str(DBT), "parse", "--quiet", "--target", "duckdb"],
        cwd=DBT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, f"dbt parse failed:\n{proc.stdout}\n{proc.stderr}"
    manifest = target_dir / "manifest.json"
    assert manifest.exists(), f"dbt parse wrote no {manifest}"
    return manifest


@pytest.fixture(scope="session")
def manifest_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A manifest freshly parsed from dbt/ (LoadMode.DBT_MANIFEST reads it; the DAG never parses)."""
    tmp = tmp_path_factory.mktemp("dbt-target")
    return dbt_parse(tmp, tmp / "parse-only.duckdb")


@pytest.fixture(scope="session")
def manifest(manifest_path: Path) -> dict:
    """The parsed manifest as a dict."""
    return json.loads(manifest_path.read_text())


@pytest.fixture(scope="session")
def dag_env(manifest_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Process environment for importing the DAGs in this process (restored afterwards)."""
    home = tmp_path_factory.mktemp("airflow-home-import")
    values = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos-cache"),
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "ECOM_DBT_MANIFEST_PATH": str(manifest_path),
        "DUCKDB_PATH": str(home / "unused.duckdb"),
    }
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield values
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def dagbag(dag_env: dict[str, str]):
    """The DAGs folder imported the way Airflow's DAG processor imports a bundle."""
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(DAGS_FOLDER, bundle_path=DAGS_FOLDER)


@pytest.fixture(scope="session")
def daily_run(run_local, manifest_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """Run the daily DAG once on a fresh warehouse; return (AIRFLOW_HOME, DuckDB path, env, seconds, log)."""
    if not (LANDING / "shop" / "orders").is_dir():
        pytest.fail(f"{LANDING}/shop/orders is missing: the committed sample (seeds/) is needed for the e2e run")
    tmp = tmp_path_factory.mktemp("e2e-daily")
    home, db = tmp / "airflow-home", tmp / "warehouse.duckdb"
    salt = {
        "ECOM_PII_SALT_VARIABLE": "pii_salt",
        "AIRFLOW_VAR_PII_SALT": E2E_PII_SALT,
        "AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES": "pii_salt",
    }
    env = run_local.airflow_env(home, manifest_path, db, LANDING, {"ECOM_TASK_RETRIES": "0", **salt})
    log = tmp / "airflow.log"
    run_local.prepare_home(env, log)
    started = time.monotonic()
    rc = run_local.run_airflow(["dags", "test", "ecommerce_elt"], env, RUN_TIMEOUT_S, log)
    seconds = time.monotonic() - started
    assert rc == 0, f"airflow dags test failed ({rc}); last log lines:\n{log.read_text()[-8000:]}"
    FIGURES["airflow dags test ecommerce_elt (s)"] = round(seconds, 1)
    return home, db, env, seconds, log


def metadata(home: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of a query on a local run's SQLite metadata database."""
    with sqlite3.connect(home / "airflow.db") as con:
        return con.execute(sql, params).fetchall()


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the measured figures (parse and run times) after the test results."""
    if FIGURES:
        terminalreporter.section("airflow figures")
        for name, value in FIGURES.items():
            terminalreporter.write_line(f"{name}: {value}")
