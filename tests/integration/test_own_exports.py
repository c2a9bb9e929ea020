"""Shops' own exports, read through a shipped preset, build the marts the sample builds.

For each preset fixture (``tests/fixtures/exports/<preset>/``: a hand-made export with
cancellations, guest checkouts, multi-line orders, a 4-decimal price, an extra column and one
bad row, beside a one-line ``mapping.yml``), the directory is loaded with the loader CLI and the
whole project is built (the session's ``dbt_project``). Daily orders, guests, customers, gross
and net sales are then recomputed from the export with pandas, by the preset's documented rules
(DECISIONLOG "Online Retail cancellations and guests", "Shopify order status"), not with the
project's SQL; the bad row is quarantined under the export's name and physical line.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from shop_landing import InProcessDbt, connect, load

pytestmark = pytest.mark.slow

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
CENT = Decimal("0.01")


def _build(dbt_project: InProcessDbt, preset: str, tmp: Path, dbt_vars: str | None = None) -> Path:
    database = tmp / "warehouse.duckdb"
    load(EXPORTS / preset, database)
    result = dbt_project.build(database, dbt_vars=dbt_vars)
    assert result.success and not result.problems(), result.problems() or result.exception
    return database


@pytest.fixture(scope="module")
def online_retail(dbt_project, tmp_path_factory) -> Path:
    # a GBP shop without an fx_rates feed reports in its own currency (else every day's rate is missing)
    return _build(
        dbt_project, "online_retail", tmp_path_factory.mktemp("online_retail"), dbt_vars="{reporting_currency: GBP}"
    )


@pytest.fixture(scope="module")
def shopify(dbt_project, tmp_path_factory) -> Path:
    return _build(dbt_project, "shopify_orders", tmp_path_factory.mktemp("shopify"))


def _money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _daily(lines: pd.DataFrame) -> dict:
    """{order_date: (orders, cancelled, net orders, guest orders, customers, gross, net sales)} from
    one row per valid line with order_id, order_date, is_cancelled, is_returned, customer, gross."""
    out = {}
    for day, d in lines.groupby("order_date"):
        orders = d.drop_duplicates("order_id")
        valid = orders[~orders.is_cancelled]
        net = d[~d.is_cancelled & ~d.is_returned]
        out[day] = (
            len(orders),
            int(orders.is_cancelled.sum()),
            int((~orders.is_cancelled & ~orders.is_returned).sum()),
            int(valid.customer.isna().sum()),
            valid.customer.dropna().nunique(),
            _money(sum(d.gross, Decimal(0))),
            _money(sum(net.gross, Decimal(0))),
        )
    return out


def _mart_daily(database: Path) -> dict:
    with connect(database) as con:
        rows = con.execute(
            """select order_date, order_count, cancelled_order_count, net_order_count, guest_order_count,
                      customer_count, gross_sales_amount, net_sales_amount
               from marts.fct_sales_daily where order_count > 0 order by order_date"""
        ).fetchall()
    return {r[0]: (*r[1:6], _money(r[6]), _money(r[7])) for r in rows}


def _quarantined(database: Path) -> set[tuple[str, str, int]]:
    with connect(database) as con:
        return set(con.execute("select table_name, source_file, line_number from raw._quarantine").fetchall())


def _whole(text: str) -> bool:
    return text.strip().lstrip("+-").isdigit()


def test_online_retail_marts_equal_the_export(online_retail):
    df = pd.read_csv(EXPORTS / "online_retail" / "online_retail.csv", dtype=str, keep_default_na=False)
    bad_orders = set(df.loc[~df.Quantity.map(_whole), "InvoiceNo"])
    df = df[~df.InvoiceNo.isin(bad_orders)].copy()
    at = pd.to_datetime(df.InvoiceDate, format="%m/%d/%Y %H:%M").dt.tz_localize("Europe/London").dt.tz_convert("UTC")
    df["order_date"] = at.dt.date
    df["order_date"] = df.groupby("InvoiceNo").order_date.transform("min")
    df["order_id"] = df.InvoiceNo
    df["is_cancelled"] = df.InvoiceNo.str.startswith("C")
    df["is_returned"] = False
    df["customer"] = df.CustomerID.replace("", None)
    df["gross"] = [abs(int(q)) * Decimal(p) for q, p in zip(df.Quantity, df.UnitPrice, strict=True)]
    expected = _daily(df)
    # The hand check: 16 June 2011 00:30 in London is 15 June 23:30 UTC.
    assert pd.Timestamp("2011-06-15").date() in expected
    assert _mart_daily(online_retail) == expected
    assert ("order_items", "online_retail.csv", 11) in _quarantined(online_retail)


def test_shopify_marts_equal_the_export(shopify):
    df = pd.read_csv(EXPORTS / "shopify_orders" / "orders_export.csv", dtype=str, keep_default_na=False)
    first = df.groupby("Name").head(1).set_index("Name")
    bad_orders = set(df.loc[~df["Lineitem quantity"].map(_whole), "Name"])
    df = df[~df.Name.isin(bad_orders)].copy()
    created = pd.to_datetime(first["Created at"], format="%Y-%m-%d %H:%M:%S %z", utc=True)
    df["order_date"] = df.Name.map(created.dt.date)
    df["order_id"] = df.Name
    financial = df.Name.map(first["Financial Status"])
    df["is_cancelled"] = (df.Name.map(first["Cancelled at"]) != "") | (financial == "voided")
    df["is_returned"] = ~df.is_cancelled & (financial == "refunded")
    df["customer"] = df.Name.map(first.Email.str.strip().str.lower()).replace("", None)
    df["gross"] = [int(q) * Decimal(p) for q, p in zip(df["Lineitem quantity"], df["Lineitem price"], strict=True)]
    assert _mart_daily(shopify) == _daily(df)
    # The bad line is physical line 8: line 3 continues the quoted note of line 2.
    assert {("order_items", "orders_export.csv", 8), ("orders", "orders_export.csv", 8)} <= _quarantined(shopify)
