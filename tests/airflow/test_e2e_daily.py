"""End to end: ``airflow dags test ecommerce_elt`` on a fresh DuckDB warehouse built from ``seeds/``.

One real DAG run (no scheduler; SQLite metadata in a tmp AIRFLOW_HOME) lands every feed, runs
every dbt model and test through Cosmos, checks freshness and alerts. The figures it must
produce are computed here from the raw files with the csv/json/gzip modules, not from SQL.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import duckdb
import pytest
from conftest import LANDING, metadata

from loaders.contract import load_contract

pytestmark = pytest.mark.slow


def _files(table_glob: str) -> list[Path]:
    return sorted(LANDING.glob(table_glob))


def _distinct_order_ids() -> set[str]:
    ids = set()
    for path in _files("shop/orders/*.csv"):
        with path.open(newline="", encoding="utf-8") as fh:
            ids.update(row["order_id"].strip() for row in csv.DictReader(fh) if row["order_id"].strip())
    return ids


def _event_lines() -> int:
    n = 0
    for path in _files("web/events/*.jsonl*"):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            n += sum(1 for line in fh if line.strip())
    return n


def test_every_task_succeeded(daily_run, dagbag) -> None:
    home, *_ = daily_run
    states = dict(metadata(home, "select task_id, state from task_instance where dag_id = 'ecommerce_elt'"))
    expected = {t.task_id for t in dagbag.dags["ecommerce_elt"].tasks}
    assert set(states) == expected
    assert {t for t, s in states.items() if s != "success"} == set()


def test_every_model_and_seed_exists_in_the_warehouse(daily_run, manifest) -> None:
    _, db, *_ = daily_run
    expected = {
        (n["schema"], n["alias"])
        for n in manifest["nodes"].values()
        if n["resource_type"] in ("model", "seed") and n["config"].get("materialized") != "ephemeral"
    }
    with duckdb.connect(str(db), read_only=True) as con:
        present = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
    assert expected - present == set()
    assert {s for s, _ in expected} >= {"staging", "intermediate", "marts"}


def test_marts_reconcile_with_the_raw_files(daily_run) -> None:
    _, db, *_ = daily_run
    order_ids = _distinct_order_ids()
    event_lines = _event_lines()
    with duckdb.connect(str(db), read_only=True) as con:
        fct_orders = con.execute("select count(*), count(distinct order_id) from marts.fct_orders").fetchone()
        raw_events = con.execute("select count(*) from raw.events").fetchone()[0]
        quarantined_events = con.execute(
            "select count(distinct (source_file, line_number)) from raw._quarantine where table_name = 'events'"
        ).fetchone()[0]
        stg_events, raw_distinct = con.execute(
            "select (select count(*) from staging.stg_web__events), (select count(distinct event_id) from raw.events)"
        ).fetchone()
    assert fct_orders == (len(order_ids), len(order_ids))
    assert raw_events + quarantined_events == event_lines  # nothing lost between the files and raw
    assert stg_events == raw_distinct  # staging keeps one row per event_id


def test_alerts_task_saw_no_failed_dbt_task(daily_run) -> None:
    home, *_ = daily_run
    rows = metadata(
        home,
        "select value from xcom where dag_id = 'ecommerce_elt' and task_id = 'alerts' and key = 'return_value'",
    )
    assert len(rows) == 1
    value = json.loads(rows[0][0])
    assert value["failed_tasks"] == []


def test_freshness_is_warn_only_on_the_past_dated_sample(daily_run) -> None:
    home, *_ = daily_run
    rows = metadata(
        home,
        "select value from xcom where dag_id = 'ecommerce_elt' and task_id = 'source_freshness' "
        "and key = 'return_value'",
    )
    summary = json.loads(rows[0][0])
    checked = sorted(name for names in summary.values() for name in names)
    assert checked == sorted(t.fqn for t in load_contract().tables)  # every source table was checked
    assert "shop.orders" in summary["error"]  # dated in the past: stale, yet the task succeeded


def test_rerunning_a_land_task_duplicates_nothing(daily_run, run_local) -> None:
    home, db, env, _, log = daily_run
    with duckdb.connect(str(db), read_only=True) as con:
        before = con.execute("select count(*) from raw.orders").fetchone()[0]
    rc = run_local.run_airflow(["tasks", "test", "ecommerce_elt", "land.orders"], env, 300, log)
    assert rc == 0, log.read_text()[-4000:]
    with duckdb.connect(str(db), read_only=True) as con:
        after = con.execute("select count(*) from raw.orders").fetchone()[0]
        statuses = con.execute(
            "select status, count(*) from raw._load_audit where table_name = 'orders' group by 1 order by 1"
        ).fetchall()
    assert after == before
    n_files = len(_files("shop/orders/*.csv"))
    assert statuses == [("loaded", n_files), ("unchanged", n_files)]
