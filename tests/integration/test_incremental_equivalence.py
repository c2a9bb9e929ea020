"""Incremental runs give the same tables as a full refresh (DuckDB), row for row.

A generated landing zone (``python -m generator``) is split by each feed's
``loaded_at_field`` from the contract (orders and items by ``updated_at``, events by
``event_timestamp``...): everything up to day D forms the base, then each of the last
``APPENDED_DAYS`` days arrives as its own files, the way a daily export lands.

- Incremental path: load the base, build; then for each appended day, load that day's files
  and run the incremental models (plus everything upstream) again.
- Full path: load every file at once and build from scratch.

Every incremental model must then hold exactly the same multiset of rows on both paths.
A control run with the order lookback set to 0 days and the built-row comparison off
(var incremental_compare_built_rows) shows the test can fail: late status
changes (returns reach an order weeks after it was placed) are then missed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from landing_split import split_landing_zone

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt"
DBT = str(Path(sys.executable).parent / "dbt")
APPENDED_DAYS = 2
#: The incremental models and the day column each is partitioned by.
INCREMENTAL_MODELS = {
    "fct_order_items": "order_date",
    "fct_orders": "order_date",
    "fct_sales_daily": "order_date",
    "fct_web_sessions": "session_date",
    "fct_web_conversion_daily": "session_date",
}
SELECT = ["+config.materialized:incremental"]


def _env(db: Path, work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DUCKDB_PATH=str(db),
        DBT_TARGET_PATH=str(work / "target"),
        DBT_LOG_PATH=str(work / "logs"),
        DBT_PROFILES_DIR=str(DBT_DIR),
        DBT_TARGET="duckdb",
        PYTHONPATH=str(REPO),
    )
    return env


def _load(src: Path, env: dict[str, str]) -> None:
    # the base and each appended day are landing directories of one warehouse, on purpose
    cmd = [sys.executable, "-m", "loaders", "load", "--target", "duckdb", "--source-dir", str(src), "--quiet"]
    subprocess.run([*cmd, "--add-landing-dir"], env=env, check=True, cwd=REPO)


def _dbt(env: dict[str, str], *args: str) -> None:
    cmd = [DBT, "build", "--target", "duckdb", "--select", *SELECT, "--exclude", "resource_type:test"]
    cmd += ["resource_type:unit_test", "--quiet", *args]
    proc = subprocess.run(cmd, env=env, cwd=DBT_DIR, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def _incremental_path(split: dict, work: Path, *vars_args: str, one_run: bool = False) -> Path:
    """Base build, then the appended days: one incremental run per day (or one for all days)."""
    db = work / "warehouse.duckdb"
    env = _env(db, work)
    _load(split["base"], env)
    _dbt(env, *vars_args)
    for day in split["days"]:
        _load(split["days_dir"] / day.isoformat(), env)
        if not one_run:
            _dbt(env, *vars_args)
    if one_run:
        _dbt(env, *vars_args)
    return db


def _differences(a: Path, b: Path) -> dict[str, tuple[int, int, int, int]]:
    """Per model: (rows in a, rows in b, rows only in a, rows only in b); only models that differ."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    out = {}
    for model in INCREMENTAL_MODELS:
        na = con.execute(f"SELECT count(*) FROM a.marts.{model}").fetchone()[0]
        nb = con.execute(f"SELECT count(*) FROM b.marts.{model}").fetchone()[0]
        only_a = con.execute(
            f"SELECT count(*) FROM (SELECT * FROM a.marts.{model} EXCEPT ALL SELECT * FROM b.marts.{model})"
        ).fetchone()[0]
        only_b = con.execute(
            f"SELECT count(*) FROM (SELECT * FROM b.marts.{model} EXCEPT ALL SELECT * FROM a.marts.{model})"
        ).fetchone()[0]
        if (na, only_a, only_b) != (nb, 0, 0):
            out[model] = (na, nb, only_a, only_b)
    return out


@pytest.fixture(scope="module")
def split(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("landing")
    generated = root / "generated"
    cmd = [sys.executable, "-m", "generator", "--out", str(generated), "--orders", "3000"]
    cmd += ["--start", "2025-09-01", "--end", "2025-12-31", "--events-months", "1", "--threads", "2"]
    subprocess.run(cmd, check=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True)
    last_base_day = date(2025, 12, 31) - timedelta(days=APPENDED_DAYS)
    days = split_landing_zone(generated, root / "base", root / "days", last_base_day)
    assert days == [last_base_day + timedelta(days=i) for i in range(1, APPENDED_DAYS + 1)]
    return {"generated": generated, "base": root / "base", "days_dir": root / "days", "days": days}


@pytest.fixture(scope="module")
def full_build(split, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("full")
    db = work / "warehouse.duckdb"
    env = _env(db, work)
    _load(split["generated"], env)
    _dbt(env)
    return db


def test_incremental_runs_equal_full_refresh_row_for_row(split, full_build, tmp_path):
    incremental = _incremental_path(split, tmp_path)
    assert _differences(incremental, full_build) == {}
    con = duckdb.connect(str(incremental), read_only=True)
    # The appended days did arrive through incremental runs (not a rebuild of everything).
    for model, column in INCREMENTAL_MODELS.items():
        latest = con.execute(f"SELECT max({column}) FROM marts.{model}").fetchone()[0]
        assert latest == split["days"][-1], model
    compiled = (tmp_path / "target" / "run" / "ecommerce_warehouse" / "models" / "marts" / "core").glob("*.sql")
    run_sql = {p.stem: p.read_text() for p in compiled}
    assert (
        "delete from" in run_sql["fct_order_items"]
        and "order_date >="
        in (
            tmp_path
            / "target"
            / "compiled"
            / "ecommerce_warehouse"
            / "models"
            / "marts"
            / "core"
            / "fct_order_items.sql"
        ).read_text()
    )


def test_control_without_order_lookback_misses_late_returns(split, full_build, tmp_path):
    no_lookback = "{order_incremental_lookback_days: 0, incremental_compare_built_rows: false}"
    incremental = _incremental_path(split, tmp_path, "--vars", no_lookback, one_run=True)
    differences = _differences(incremental, full_build)
    assert "fct_order_items" in differences and "fct_orders" in differences
