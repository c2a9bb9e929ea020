"""Shop time zone: a generated shop built with ``shop_timezone=Europe/Berlin`` against pandas over the raw CSVs.

The order models are built with the var set (the session's ``berlin_shop``: 1,500 orders in USD, EUR and GBP over
four months, loaded with the loader CLI, the order facts and the daily sales mart built); the expected order dates
come from pandas (``tz_localize('UTC').tz_convert(zone)``, the IANA
database Python ships with), never from the project's SQL. Net sales follow DECISIONLOG.md "Revenue": gross minus
line discounts, zero for cancelled and returned orders. The BigQuery side of the macro is checked by compiling it.
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from analytics_warehouse import DBT, ROOT, dbt_env
from test_incremental_equivalence import split  # noqa: F401 - the generated landing split into days (fixture)

pytestmark = pytest.mark.slow

ZONE = "Europe/Berlin"


def _read_latest(landing: Path, table: str, key: str) -> pd.DataFrame:
    """Every CSV of a shop feed as text, one row per key: latest updated_at, then later file, then later line."""
    frames = []
    for file_rank, path in enumerate(sorted((landing / "shop" / table).glob("*.csv"))):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["_file_rank"] = file_rank
        frame["_line"] = range(len(frame))
        frames.append(frame)
    rows = pd.concat(frames, ignore_index=True)
    rows = rows.sort_values(["updated_at", "_file_rank", "_line"])
    return rows.drop_duplicates(key, keep="last").set_index(key)


@pytest.fixture(scope="module")
def expected(berlin_shop) -> pd.DataFrame:
    """One row per order: order_id, currency, shop-local order_date (Berlin), gross and net sales as Decimal."""
    orders = _read_latest(berlin_shop["landing"], "orders", "order_id")
    items = _read_latest(berlin_shop["landing"], "order_items", "order_item_id")
    items = items[items["order_id"].isin(orders.index)]
    gross = items["quantity"].map(int) * items["unit_price"].map(Decimal)
    line_net = gross - items["discount_amount"].map(Decimal)
    lines = pd.DataFrame({"order_id": items["order_id"], "gross": gross, "net": line_net})
    per_order = lines.groupby("order_id").agg(gross=("gross", "sum"), net=("net", "sum"))
    ordered_at = pd.to_datetime(orders["created_at"]).dt.tz_localize("UTC").dt.tz_convert(ZONE)
    frame = pd.DataFrame(
        {
            "currency": orders["currency"],
            "status": orders["status"],
            "order_date": ordered_at.dt.date,
            "utc_date": pd.to_datetime(orders["created_at"]).dt.date,
        }
    ).join(per_order)
    frame[["gross", "net"]] = frame[["gross", "net"]].fillna(Decimal(0))
    frame.loc[frame["status"].isin(["cancelled", "returned"]), "net"] = Decimal(0)
    return frame


@pytest.fixture(scope="module")
def berlin_db(berlin_shop) -> Path:
    """The shop feeds loaded and the order models built with shop_timezone = Europe/Berlin.

    Returns are booked on the order day (returns_dated_on = order), so a day's net sales are those of
    its orders in their current state, which the pandas computation below rebuilds.
    """
    assert berlin_shop["vars"]["shop_timezone"] == ZONE and berlin_shop["vars"]["returns_dated_on"] == "order"
    return berlin_shop["database"]


def test_the_zone_moves_days_in_the_sample(expected):
    """Control: Berlin days differ from UTC days for orders placed 22:00-24:00 UTC (else the test proves nothing)."""
    moved = (expected["order_date"] != expected["utc_date"]).sum()
    assert 0 < moved < len(expected)


def test_every_order_date_is_the_berlin_day(berlin_db, expected):
    con = duckdb.connect(str(berlin_db), read_only=True)
    built = dict(con.execute("select order_id, order_date from marts.fct_orders").fetchall())
    assert built == expected["order_date"].to_dict()


def test_daily_orders_and_net_sales_match_pandas_to_the_cent(berlin_db, expected):
    daily = expected.groupby(["order_date", "currency"]).agg(
        order_count=("status", "size"), gross=("gross", "sum"), net=("net", "sum")
    )
    want = {
        (day, currency): (int(row.order_count), Decimal(row.gross), Decimal(row.net))
        for (day, currency), row in daily.iterrows()
    }
    con = duckdb.connect(str(berlin_db), read_only=True)
    got = {
        (day, currency): (count, gross, net)
        for day, currency, count, gross, net in con.execute(
            "select order_date, currency, order_count, gross_sales_amount, net_sales_amount from marts.fct_sales_daily"
        ).fetchall()
    }
    assert len(want) > 300
    assert got == want


def _compile_inline(sql: str, target: str, env: dict[str, str], zone: str) -> str:
    proc = subprocess.run(
        [
            str(DBT),
            "compile",
            "--quiet",
            "--no-populate-cache",
            "--target",
            target,
            "--inline",
            sql,
            "--vars",
            json.dumps({"shop_timezone": zone}),
        ],
        cwd=ROOT / "dbt",
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc.stdout.strip()


def test_shop_date_compiles_for_both_engines(tmp_path):
    """BigQuery: DATE(timestamp, zone), BigQuery SQL by sqlglot and the function list of test_bigquery_compile;
    DuckDB: ICU timezone() over the timestamp read as UTC. One compile per engine (each a full dbt parse): Berlin
    through the var shop_timezone, Los Angeles through the zone-expression argument (a store's zone, the var's zone
    where it is null). The UTC zone's plain cast is checked on both engines by test_cross_engine.py."""
    from test_bigquery_compile import PROJECT, check_bigquery_sql, write_fake_service_account_key

    sql = "select {{ shop_date('ordered_at') }} as order_date, "
    sql += "{{ shop_date('ordered_at', \"'America/Los_Angeles'\") }} as la_date from orders"
    env = dbt_env(tmp_path)
    duck = _compile_inline(sql, "duckdb", env, ZONE)
    berlin = "cast(timezone('Europe/Berlin', ordered_at at time zone 'UTC') as date)"
    la = "cast(timezone(coalesce('America/Los_Angeles', 'Europe/Berlin'), ordered_at at time zone 'UTC') as date)"
    assert duck.endswith(f"{berlin} as order_date, {la} as la_date from orders")
    env.update(
        BIGQUERY_AUTH_METHOD="service-account",
        BIGQUERY_KEYFILE=str(write_fake_service_account_key(tmp_path / "service-account.json")),
        GCP_PROJECT_ID=PROJECT,
    )
    bigquery = _compile_inline(sql, "bigquery", env, ZONE)
    berlin = "date(cast(ordered_at as timestamp), 'Europe/Berlin')"
    la = "date(cast(ordered_at as timestamp), coalesce('America/Los_Angeles', 'Europe/Berlin'))"
    assert bigquery.endswith(f"{berlin} as order_date, {la} as la_date from orders")
    assert check_bigquery_sql(bigquery) == []


def test_shop_date_refuses_a_value_that_is_not_a_zone_name(tmp_path):
    env = dbt_env(tmp_path)
    proc = subprocess.run(
        [
            str(DBT),
            "compile",
            "--quiet",
            "--inline",
            "select {{ shop_date('x') }}",
            "--vars",
            json.dumps({"shop_timezone": "UTC'); drop table x; --"}),
        ],
        cwd=ROOT / "dbt",
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "IANA time zone name" in proc.stdout + proc.stderr


# ------------------------------------------------------------------ incremental runs on local days


@pytest.fixture(scope="module")
def berlin_incremental_paths(split, tmp_path_factory) -> dict:  # noqa: F811 - the imported fixture
    """The incremental-equivalence landing (base + appended days) built in the Berlin zone both ways: one full
    build, and a base build followed by one incremental run per appended day."""
    from test_incremental_equivalence import (
        _dbt,
        _env,
        _incremental_models,
        _incremental_path,
        _load,
    )

    # One more day of lookback than the UTC paths: the crafted late events sit exactly at the UTC window start
    # (2025-12-26), and in Berlin the base's latest local event day is one later (events after 23:00Z on 12-29),
    # so with 3 days they would be late beyond the lookback, missed by design rather than by the local windows.
    zone = ("--vars", json.dumps({"shop_timezone": ZONE, "incremental_lookback_days": 4}))
    full_dir = tmp_path_factory.mktemp("berlin_full")
    env = _env(full_dir / "warehouse.duckdb", full_dir)
    _load(split["generated"], env)
    _dbt(env, *zone)
    incremental_db = _incremental_path(split, tmp_path_factory.mktemp("berlin_incremental"), *zone)
    models = _incremental_models(full_dir / "target" / "manifest.json")
    return {"full": full_dir / "warehouse.duckdb", "incremental": incremental_db, "models": models}


def test_incremental_runs_equal_the_full_build_on_local_days(berlin_incremental_paths):
    """Windows start at Berlin midnights: every incremental model equals the full build, row for row."""
    from test_incremental_equivalence import _differences

    paths = berlin_incremental_paths
    assert "stg_web__events" in paths["models"] and "fct_orders" in paths["models"]
    assert _differences(paths["incremental"], paths["full"], paths["models"]) == {}
