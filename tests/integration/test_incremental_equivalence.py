"""Incremental runs give the same tables as a full refresh (DuckDB), row for row.

A generated landing zone (``python -m generator``) is split by each feed's
``loaded_at_field`` from the contract (orders and items by ``updated_at``, events by
``event_timestamp``...): everything up to day D forms the base, then each of the last
``APPENDED_DAYS`` days arrives as its own files, the way a daily export lands. A few
hand-written events (``CRAFTED_EVENTS``) add the cases an incremental run can get wrong:

- late events: events of older days (within the lookback) that arrive in a later day's files;
- sessions that cross the window start at midnight, derived (30-minute rule) and tracked;
- identity stitching that reaches back: a visitor anonymous weeks ago logs in on the last day,
  and a shared device changes hands;
- orders whose 30-day attribution window reaches days before the window come from the
  generated data (every appended day's orders have candidate sessions weeks earlier).

Paths, each built once per session and shared by the tests:
- full: load every file at once and build from scratch;
- incremental: load the base, build; then for each appended day, load that day's files and run
  the incremental models (plus everything upstream) again;
- control: the same with both lookbacks at 0 days and the built-row comparison off
  (var incremental_compare_built_rows), in one run: the late events and the late
  order status changes are then missed, so the tables must differ (the test can fail).

Every incremental model of the project (read from the manifest) must hold exactly the same
multiset of rows on the full and incremental paths.
"""

from __future__ import annotations

import json
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
LAST_DAY = date(2025, 12, 31)
LAST_BASE_DAY = LAST_DAY - timedelta(days=APPENDED_DAYS)
SELECT = ["+config.materialized:incremental"]
# Customers the crafted visitors log in as (the generator numbers customers from 1).
STITCHED_CUSTOMER, FIRST_OWNER, SECOND_OWNER = "1", "2", "3"  # customer ids are keys: text


def _event(event_id: str, at: str, visitor: str, name: str = "page_view", **extra: object) -> dict:
    return {
        "event_id": event_id,
        "event_name": name,
        "event_timestamp": at,
        "anonymous_id": visitor,
        "page_url": "/",
        "device_type": "desktop",
        "country_code": "US",
        **extra,
    }


#: Hand-written events by the day file they arrive in (None: the base). The first incremental
#: run's window starts at LAST_BASE_DAY - 3 days = 2025-12-26 (incremental_lookback_days: 3).
CRAFTED_EVENTS: dict[date | None, list[dict]] = {
    None: [
        # late_merge: 40 minutes apart, two sessions until the late event between them arrives
        _event("x_late_1", "2025-12-28 10:00:00", "late_merge"),
        _event("x_late_3", "2025-12-28 10:40:00", "late_merge"),
        # midnight: a derived session that starts before the window and continues into it
        _event("x_mid_1", "2025-12-25 23:50:00", "midnight"),
        _event("x_mid_2", "2025-12-26 00:15:00", "midnight"),
        # tracked: a tracker session across the window start (a tracker id ignores gaps)
        _event("x_trk_1", "2025-12-25 22:00:00", "tracked", session_id="t_cross"),
        _event("x_trk_2", "2025-12-26 01:00:00", "tracked", "view_item", session_id="t_cross", product_id=1),
        # stitched: anonymous three weeks before logging in
        _event("x_sti_1", "2025-12-05 14:00:00", "stitched"),
        _event("x_sti_2", "2025-12-05 14:10:00", "stitched", "view_item", product_id=2),
        # shared: logged in as one customer, then an anonymous session, then another customer
        _event("x_sha_1", "2025-12-10 12:00:00", "shared", customer_id=FIRST_OWNER),
        _event("x_sha_2", "2025-12-12 18:00:00", "shared"),
    ],
    LAST_BASE_DAY + timedelta(days=1): [
        _event("x_late_2", "2025-12-28 10:20:00", "late_merge", "view_item", product_id=3),
        _event("x_mid_3", "2025-12-26 00:35:00", "midnight", "view_item", product_id=4),
        _event("x_trk_3", "2025-12-26 02:00:00", "tracked", "add_to_cart", session_id="t_cross", product_id=1),
        _event("x_sha_3", "2025-12-30 08:00:00", "shared", customer_id=SECOND_OWNER),
    ],
    LAST_DAY: [
        _event("x_sti_3", "2025-12-31 09:00:00", "stitched", customer_id=STITCHED_CUSTOMER),
    ],
}


def _write_events(directory: Path, name: str, events: list[dict]) -> None:
    out = directory / "web" / "events" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")


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
    work.mkdir(parents=True, exist_ok=True)
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


def _incremental_models(manifest: Path) -> dict[str, str]:
    """``schema.table`` of every incremental model of the project, from a dbt manifest."""
    nodes = json.loads(manifest.read_text())["nodes"].values()
    return {
        n["name"]: f"{n['schema']}.{n['alias'] or n['name']}"
        for n in nodes
        if n["resource_type"] == "model" and n["config"]["materialized"] == "incremental"
    }


def _differences(a: Path, b: Path, models: dict[str, str]) -> dict[str, tuple[int, int, int, int]]:
    """Per model: (rows in a, rows in b, rows only in a, rows only in b); only models that differ.

    The loader's lineage columns (``_source_file``, ``_loaded_at``...) are left out: the two paths
    land the same rows from differently named files at different times.
    """
    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    out = {}
    for model, table in models.items():
        na = con.execute(f"SELECT count(*) FROM a.{table}").fetchone()[0]
        nb = con.execute(f"SELECT count(*) FROM b.{table}").fetchone()[0]
        names = [d[0] for d in con.execute(f"FROM b.{table} LIMIT 0").description]
        cols = ", ".join(f'"{c}"' for c in names if not c.startswith("_"))
        only_a = con.execute(
            f"SELECT count(*) FROM (SELECT {cols} FROM a.{table} EXCEPT ALL SELECT {cols} FROM b.{table})"
        ).fetchone()[0]
        only_b = con.execute(
            f"SELECT count(*) FROM (SELECT {cols} FROM b.{table} EXCEPT ALL SELECT {cols} FROM a.{table})"
        ).fetchone()[0]
        if (na, only_a, only_b) != (nb, 0, 0):
            out[model] = (na, nb, only_a, only_b)
    return out


@pytest.fixture(scope="session")
def split(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("landing")
    generated = root / "generated"
    cmd = [sys.executable, "-m", "generator", "--out", str(generated), "--orders", "1500"]
    cmd += ["--start", "2025-09-01", "--end", LAST_DAY.isoformat(), "--events-months", "1", "--threads", "2"]
    subprocess.run(cmd, check=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True)
    days = split_landing_zone(generated, root / "base", root / "days", LAST_BASE_DAY)
    assert days == [LAST_BASE_DAY + timedelta(days=i) for i in range(1, APPENDED_DAYS + 1)]
    for day, events in CRAFTED_EVENTS.items():
        _write_events(generated, f"crafted_{day or 'base'}.jsonl", events)
        target = root / "base" if day is None else root / "days" / day.isoformat()
        _write_events(target, f"crafted_{day or 'base'}.jsonl", events)
    return {"generated": generated, "base": root / "base", "days_dir": root / "days", "days": days}


@pytest.fixture(scope="session")
def full_build(split, tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("full")
    db = work / "warehouse.duckdb"
    env = _env(db, work)
    _load(split["generated"], env)
    _dbt(env)
    return {"db": db, "models": _incremental_models(work / "target" / "manifest.json")}


@pytest.fixture(scope="session")
def incremental_build(split, tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("incremental")
    return {"db": _incremental_path(split, work), "work": work}


def test_every_incremental_model_equals_the_full_refresh(full_build, incremental_build):
    models = full_build["models"]
    for expected in ("stg_web__events", "int_web_events_sessionized", "int_web_sessions_aggregated"):
        assert expected in models
    assert _differences(incremental_build["db"], full_build["db"], models) == {}


def test_appended_days_arrive_through_incremental_runs(split, incremental_build):
    work, con = incremental_build["work"], duckdb.connect(str(incremental_build["db"]), read_only=True)
    assert con.execute("SELECT max(event_date) FROM staging.stg_web__events").fetchone()[0] == LAST_DAY
    assert con.execute("SELECT max(session_date) FROM marts.fct_web_sessions").fetchone()[0] == LAST_DAY
    # The last run replaced days (delete + insert), it did not rebuild the table.
    run_sql = next((work / "target" / "run").rglob("stg_web__events.sql")).read_text()
    assert "delete from" in run_sql and "insert into" in run_sql
    compiled = next((work / "target" / "compiled").rglob("int_web_events_sessionized.sql")).read_text()
    assert "carried_derived_events" in compiled


def test_late_events_within_the_lookback_merge_sessions(incremental_build):
    """late_merge's events at 10:00, 10:20 (late) and 10:40 are one session (gaps of 20 minutes)."""
    con = duckdb.connect(str(incremental_build["db"]), read_only=True)
    sessions = con.execute(
        "SELECT session_started_at::varchar, event_count FROM marts.fct_web_sessions WHERE anonymous_id = 'late_merge'"
    ).fetchall()
    assert sessions == [("2025-12-28 10:00:00", 3)]


def test_sessions_crossing_the_window_start_keep_their_first_day(incremental_build):
    """midnight: 23:50, 00:15, 00:35 (late) is one session of 2025-12-25 lasting 45 minutes;
    t_cross: 22:00, 01:00, 02:00 (late) under one tracker id, from 2025-12-25."""
    con = duckdb.connect(str(incremental_build["db"]), read_only=True)
    rows = con.execute(
        "SELECT anonymous_id, session_date::varchar, event_count, session_duration_seconds, has_add_to_cart "
        "FROM marts.fct_web_sessions WHERE anonymous_id IN ('midnight', 'tracked') ORDER BY anonymous_id"
    ).fetchall()
    assert rows == [("midnight", "2025-12-25", 3, 45 * 60, False), ("tracked", "2025-12-25", 3, 4 * 3600, True)]


def test_identity_stitching_reaches_back(incremental_build):
    """stitched logs in on the last day: its session three weeks earlier gets that customer.
    shared: its own logged-in session keeps customer 2; its anonymous one follows the latest user."""
    con = duckdb.connect(str(incremental_build["db"]), read_only=True)
    rows = con.execute(
        "SELECT anonymous_id, session_date::varchar, customer_id FROM marts.fct_web_sessions "
        "WHERE anonymous_id IN ('stitched', 'shared') ORDER BY anonymous_id, session_date"
    ).fetchall()
    assert rows == [
        ("shared", "2025-12-10", FIRST_OWNER),
        ("shared", "2025-12-12", SECOND_OWNER),
        ("shared", "2025-12-30", SECOND_OWNER),
        ("stitched", "2025-12-05", STITCHED_CUSTOMER),
        ("stitched", "2025-12-31", STITCHED_CUSTOMER),
    ]


def test_attribution_windows_reach_days_before_the_window(incremental_build):
    """Orders of the appended days credited to sessions that started before the first run's window
    (2025-12-26): the attribution window reaches days that incremental runs do not recompute."""
    con = duckdb.connect(str(incremental_build["db"]), read_only=True)
    reaching_back = con.execute(
        "SELECT count(*) FROM intermediate.int_orders_attributed AS a "
        "JOIN intermediate.int_web_sessions_aggregated AS s ON a.first_touch_session_id = s.session_id "
        f"WHERE a.order_date > DATE '{LAST_BASE_DAY}' AND s.session_date < DATE '2025-12-26'"
    ).fetchone()[0]
    assert reaching_back > 0


def test_control_without_lookback_differs(split, full_build, tmp_path_factory):
    """With both lookbacks at 0 the late events and late order changes are missed: the test can fail."""
    work = tmp_path_factory.mktemp("control")
    no_lookback = (
        "{incremental_lookback_days: 0, order_incremental_lookback_days: 0, incremental_compare_built_rows: false}"
    )
    control = _incremental_path(split, work, "--vars", no_lookback, one_run=True)
    differences = _differences(control, full_build["db"], full_build["models"])
    assert {"stg_web__events", "int_web_events_sessionized", "fct_web_sessions"} <= differences.keys()
    assert {"fct_order_items", "fct_orders"} <= differences.keys()
