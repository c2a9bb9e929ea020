"""Two stores end to end: a generated group with a US store (New York time, USD) and a euro store (Berlin time,
EUR), refunds and weekday EUR rates, against plain pandas/Decimal over the raw CSV files.

The generator writes orders with ``store_id`` and the ``shop/stores`` file; the shop feeds, the stores and the
rates are loaded and the sales models built with the default vars (shop_timezone UTC, returns on the refund day).
pandas recomputes from the CSVs only, following DECISIONLOG.md ("Finance terms", "Currencies", "Stores"): each
order's net (lines at quantity x unit price rounded to cents, less line discounts; zero when cancelled) booked on
its store-local order day, each refund line's merchandise amount (orders not cancelled) booked negative on its
store-local refund day, a ``returned`` order without refund lines returned whole on its store-local return day;
each booked amount converted at the order's store-local day rate (carried forward at most the configured days),
rounded half away from zero to cents. Per store and store-local day the marts must equal it to the cent.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from analytics_warehouse import DBT, ROOT, dbt_env, run

pytestmark = pytest.mark.slow

CARRY_DAYS = yaml.safe_load((ROOT / "dbt" / "dbt_project.yml").read_text())["vars"]["fx_rate_max_carry_forward_days"]
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("stores_landing")
    cmd = [sys.executable, "-m", "generator", "--out", str(out), "--orders", "400", "--start", "2026-01-01"]
    cmd += ["--end", "2026-03-31", "--events-months", "0", "--products", "20", "--customers", "80"]
    cmd += ["--currencies", "USD,EUR", "--stores", "2", "--threads", "1"]
    subprocess.run(cmd, check=True, cwd=ROOT, env={**dbt_env(out), "PYTHONPATH": str(ROOT)}, capture_output=True)
    return out


@pytest.fixture(scope="module")
def built(landing, tmp_path_factory) -> Path:
    """The landing loaded and the sales models built with their data tests (the stores' reconciliation too)."""
    workdir = tmp_path_factory.mktemp("stores_build")
    env = dbt_env(workdir)
    load = [sys.executable, "-m", "loaders", "load", "--target", "duckdb", "--source-dir", str(landing), "--quiet"]
    run([*load, "--tables", "orders,order_items,customers,products,refunds,fx_rates,stores"], env)
    select = ["+fct_sales_daily_by_store", "+fct_sales_daily", "+fct_orders", "dim_stores"]
    tests = ["horizontal_integrity_sales_daily_by_store", "order_ids_unique_across_stores"]
    run(
        [
            str(DBT),
            "build",
            "--quiet",
            "--select",
            *select,
            *tests,
            "--exclude",
            "test_type:unit",
            "--indirect-selection",
            "cautious",
        ],
        env,
    )
    return workdir / "warehouse.duckdb"


def _latest(landing: Path, rel: str, key: str) -> pd.DataFrame:
    """A feed, one row per key: the latest updated_at, then the later line (DECISIONLOG "Deduplication")."""
    rows = pd.read_csv(landing / rel, dtype=str, keep_default_na=False)
    rows["_line"] = range(len(rows))
    return rows.sort_values(["updated_at", "_line"]).drop_duplicates(key, keep="last")


def _local_day(utc_text: pd.Series, zones: pd.Series) -> list:
    """The local calendar day, in each row's IANA zone, of naive UTC timestamps given as text."""
    stamps = pd.to_datetime(utc_text).dt.tz_localize("UTC")
    return [ts.tz_convert(zone).date() for ts, zone in zip(stamps, zones, strict=True)]


@pytest.fixture(scope="module")
def booked(landing) -> pd.DataFrame:
    """One row per booked amount: store_id, store-local day, currency, net amount and its USD amount (Decimal)."""
    stores = pd.read_csv(landing / "shop/stores/stores.csv", dtype=str).set_index("store_id")
    orders = _latest(landing, "shop/orders/orders.csv", "order_id").set_index("order_id")
    orders["zone"] = orders["store_id"].map(stores["timezone"])
    items = _latest(landing, "shop/order_items/order_items.csv", "order_item_id")
    items = items[items["order_id"].isin(orders.index)]
    line_net = [
        (int(q) * Decimal(p)).quantize(CENT, rounding=ROUND_HALF_UP) - Decimal(d)
        for q, p, d in zip(items["quantity"], items["unit_price"], items["discount_amount"], strict=True)
    ]
    order_net = pd.Series(line_net, index=items["order_id"].values).groupby(level=0).sum()
    orders["net"] = [order_net.get(o, Decimal(0)) for o in orders.index]
    orders["order_date"] = _local_day(orders["created_at"], orders["zone"])
    cancelled = orders["status"] == "cancelled"

    refunds = _latest(landing, "shop/refunds/refunds.csv", "refund_line_id")
    refunds = refunds[refunds["order_id"].isin(orders.index[~cancelled])]
    in_feed = set(refunds["order_id"])
    rows = [
        (o, row.store_id, row.order_date, row.currency, Decimal(0) if cancelled[o] else row.net)
        for o, row in orders.iterrows()
    ]
    refund_days = _local_day(refunds["refunded_at"], refunds["order_id"].map(orders["zone"]))
    for o, amount, day in zip(refunds["order_id"], refunds["amount"], refund_days, strict=True):
        rows.append((o, orders.at[o, "store_id"], day, orders.at[o, "currency"], -Decimal(amount)))
    whole = orders[(orders["status"] == "returned") & ~orders.index.isin(in_feed)]
    returned_at = whole["returned_at"].where(whole["returned_at"] != "", whole["created_at"])
    for o, day in zip(whole.index, _local_day(returned_at, whole["zone"]), strict=True):
        rows.append((o, whole.at[o, "store_id"], day, whole.at[o, "currency"], -whole.at[o, "net"]))
    frame = pd.DataFrame(rows, columns=["order_id", "store_id", "day", "currency", "net"])

    rates = pd.read_csv(landing / "finance/fx_rates/fx_rates.csv", dtype=str)
    rates = rates[rates["quote_currency"] == "USD"]
    rates["rate_date"] = pd.to_datetime(rates["rate_date"]).astype("datetime64[us]")
    eur = orders[orders["currency"] == "EUR"].copy()
    eur["order_day"] = pd.to_datetime(pd.Series(eur["order_date"], index=eur.index)).astype("datetime64[us]")
    eur = pd.merge_asof(
        eur.reset_index().sort_values("order_day"),
        rates[rates["currency"] == "EUR"][["rate_date", "rate"]].sort_values("rate_date"),
        left_on="order_day",
        right_on="rate_date",
        tolerance=pd.Timedelta(days=CARRY_DAYS),
        direction="backward",
    ).set_index("order_id")
    assert eur["rate"].notna().all()
    rate = {o: Decimal(1) for o in orders.index} | {o: Decimal(r) for o, r in eur["rate"].items()}
    frame["net_usd"] = [
        (n * rate[o]).quantize(CENT, rounding=ROUND_HALF_UP)
        for o, n in zip(frame["order_id"], frame["net"], strict=True)
    ]
    return frame


def test_the_group_has_two_stores_in_two_zones_and_currencies(built, booked):
    con = duckdb.connect(str(built), read_only=True)
    assert con.execute(
        "select store_id, currency, timezone, is_in_stores_feed from marts.dim_stores order by 1"
    ).fetchall() == [
        ("eu", "EUR", "Europe/Berlin", True),
        ("us", "USD", "America/New_York", True),
    ]
    assert set(booked.groupby("store_id")["currency"].unique().map(tuple)) == {("EUR",), ("USD",)}
    assert (booked["net"] < 0).sum() > 10  # refunds and returns are booked


def test_some_orders_fall_on_another_day_than_their_utc_day(built):
    """The zones matter: the marts' order days are not the UTC days for orders of either store."""
    con = duckdb.connect(str(built), read_only=True)
    moved = dict(
        con.execute(
            "select store_id, count(*) from marts.fct_orders where order_date <> cast(ordered_at as date) group by 1"
        ).fetchall()
    )
    assert moved.get("eu", 0) > 0 and moved.get("us", 0) > 0


def _dense(booked: pd.DataFrame, value: str, keys: list[str]) -> dict:
    """Sums of ``value`` per ``keys`` + day on the mart's dense calendar: every day from the first to the last
    booked day (over all stores) for every store and currency that ever booked, zero on quiet days."""
    days = pd.date_range(min(booked["day"]), max(booked["day"])).date
    sums = {k: sum(g, Decimal(0)) for k, g in booked.groupby([*keys, "day"])[value]}
    series = booked[keys].drop_duplicates().itertuples(index=False)
    return {(*key, day): sums.get((*key, day), Decimal(0)) for key in series for day in days}


def test_daily_net_sales_per_store_in_the_reporting_currency_match_pandas_to_the_cent(built, booked):
    want = _dense(booked, "net_usd", ["store_id"])
    want_native = _dense(booked, "net", ["store_id", "currency"])
    con = duckdb.connect(str(built), read_only=True)
    got = {
        (s, d): v
        for s, d, v in con.execute(
            "select store_id, order_date, sum(net_sales_reporting_amount)"
            " from marts.fct_sales_daily_by_store group by 1, 2"
        ).fetchall()
    }
    got_native = {
        (s, c, d): v
        for s, d, c, v in con.execute(
            "select store_id, order_date, currency, net_sales_amount from marts.fct_sales_daily_by_store"
        ).fetchall()
    }
    assert len(want) > 100 and got == want
    assert got_native == want_native
    assert sum(1 for v in want_native.values() if v == 0) > 0  # quiet store days are rows of zeros


def test_store_days_compare_with_the_previous_day_like_the_other_sliced_marts(built, booked):
    """Day-on-day growth per store and currency on the dense series: (net - previous day's net) / previous,
    null on the first day and after a day of zero net sales (DECISIONLOG "Sales periods and growth")."""
    dense = _dense(booked, "net", ["store_id", "currency"])
    want = {}
    for (store, currency, day), net in sorted(dense.items()):
        previous = dense.get((store, currency, day - pd.Timedelta(days=1)))
        growth = None if previous in (None, 0) else float((net - previous) / previous)
        want[(store, currency, day)] = (previous, growth)
    con = duckdb.connect(str(built), read_only=True)
    got = {
        (s, c, d): (p, g)
        for s, c, d, p, g in con.execute(
            "select store_id, currency, order_date, previous_day_net_sales_amount, net_sales_dod_growth_rate"
            " from marts.fct_sales_daily_by_store"
        ).fetchall()
    }
    assert got.keys() == want.keys()
    for key, (previous, growth) in want.items():
        assert got[key][0] == previous, key
        assert (got[key][1] is None) == (growth is None), key
        if growth is not None:
            assert got[key][1] == pytest.approx(growth, rel=1e-9), key


def test_stores_add_up_to_the_daily_mart(built, booked):
    """fct_sales_daily's days are the sum of the stores' days (the group consolidates its stores' reports)."""
    con = duckdb.connect(str(built), read_only=True)
    daily = dict(
        con.execute(
            "select order_date, sum(net_sales_reporting_amount) from marts.fct_sales_daily group by 1"
        ).fetchall()
    )
    want = {d: sum(g, Decimal(0)) for d, g in booked.groupby("day")["net_usd"]}
    assert daily == want


def test_an_order_id_reused_by_two_stores_fails_the_named_test(built, tmp_path):
    """Hostile: the US store's file carries an order number the euro store already used; staging would keep one."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(built, db)
    con = duckdb.connect(str(db))
    order_id = con.execute("select min(order_id) from raw.orders where store_id = 'eu'").fetchone()[0]
    con.execute(
        f"insert into raw.orders select * replace ('us' as store_id) from raw.orders where order_id = '{order_id}'"
    )
    con.close()
    proc = subprocess.run(
        [str(DBT), "test", "--select", "order_ids_unique_across_stores", "--store-failures"],
        cwd=ROOT / "dbt",
        env=dbt_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0 and "order_ids_unique_across_stores" in proc.stdout
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        "select order_id, store_count, first_store_id, last_store_id"
        " from dbt_test__audit.order_ids_unique_across_stores"
    ).fetchall() == [(order_id, 2, "eu", "us")]
