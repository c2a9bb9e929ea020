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

import contextlib
import io
import json
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from shop_landing import InProcessDbt, connect, load

from loaders.cli import main

pytestmark = pytest.mark.slow

EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
CENT = Decimal("0.01")


def _shop_vars(source: Path) -> str | None:
    """What ``make run`` passes to dbt as ``--vars`` for ``source`` (``python -m loaders shop-vars``)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["shop-vars", "--source-dir", str(source)]) == 0
    return out.getvalue().strip() or None


def _build(dbt_project: InProcessDbt, preset: str, tmp: Path) -> Path:
    database = tmp / "warehouse.duckdb"
    load(EXPORTS / preset, database)
    result = dbt_project.build(database, dbt_vars=_shop_vars(EXPORTS / preset))
    assert result.success and not result.problems(), result.problems() or result.exception
    return database


@pytest.fixture(scope="module")
def online_retail(dbt_project, tmp_path_factory) -> Path:
    # the mapping's shop settings alone (London days; GBP, which the preset pins every invoice to:
    # no fx_rates feed needed) make the build pass, as `make run SEEDS_DIR=...` does
    assert json.loads(_shop_vars(EXPORTS / "online_retail")) == {
        "reporting_currency": "GBP",
        "shop_timezone": "Europe/London",
    }
    return _build(dbt_project, "online_retail", tmp_path_factory.mktemp("online_retail"))


@pytest.fixture(scope="module")
def shopify(dbt_project, tmp_path_factory) -> Path:
    return _build(dbt_project, "shopify_orders", tmp_path_factory.mktemp("shopify"))


def _money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _daily(lines: pd.DataFrame, returns: dict | None = None) -> dict:
    """{order_date: (orders, cancelled, net orders, guest orders, customers, gross, net sales)} from
    one row per valid line with order_id, order_date, is_cancelled, is_returned, customer, gross
    (and optionally in_net_sales, default: neither cancelled nor returned); ``returns``: {day:
    refunded merchandise booked that day}, deducted from net sales."""
    returns = returns or {}
    out = {}
    for day, d in lines.groupby("order_date"):
        orders = d.drop_duplicates("order_id")
        valid = orders[~orders.is_cancelled]
        net = d[d.in_net_sales] if "in_net_sales" in d else d[~d.is_cancelled & ~d.is_returned]
        out[day] = (
            len(orders),
            int(orders.is_cancelled.sum()),
            int((~orders.is_cancelled & ~orders.is_returned).sum()),
            int(valid.customer.isna().sum()),
            valid.customer.dropna().nunique(),
            _money(sum(d.gross, Decimal(0))),
            _money(sum(net.gross, Decimal(0)) - returns.get(day, Decimal(0))),
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
    # London wall-clock times, and the shop's reporting days are London days: the day as written
    at = pd.to_datetime(df.InvoiceDate, format="%m/%d/%Y %H:%M").dt.tz_localize("Europe/London")
    df["order_date"] = at.dt.date
    df["order_date"] = df.groupby("InvoiceNo").order_date.transform("min")
    df["order_id"] = df.InvoiceNo
    df["is_cancelled"] = df.InvoiceNo.str.startswith("C")
    df["is_returned"] = False
    df["customer"] = df.CustomerID.replace("", None)
    df["gross"] = [abs(int(q)) * Decimal(p) for q, p in zip(df.Quantity, df.UnitPrice, strict=True)]
    expected = _daily(df)
    # The hand check: 16 June 2011 00:30 in London (15 June 23:30 UTC) is a 16 June order.
    assert pd.Timestamp("2011-06-16").date() in expected and pd.Timestamp("2011-06-15").date() not in expected
    assert _mart_daily(online_retail) == expected
    assert ("order_items", "online_retail.csv", 11) in _quarantined(online_retail)


def _shopify_refunds(first: pd.DataFrame) -> pd.DataFrame:
    """The preset's refund rule over the orders' first lines, in Decimal arithmetic (DECISIONLOG
    "Shopify refunded amounts"): one order-level refund per order with a Refunded Amount, shipping
    and tax its refunded share of Shipping and Taxes (cents, half up), merchandise the rest, dated
    on the order's Created at (UTC)."""
    rows = []
    for name, r in first.iterrows():
        refunded = Decimal(r["Refunded Amount"] or "0")
        if refunded <= 0:
            continue
        share = min(refunded / Decimal(r["Total"]), Decimal(1))
        shipping = (Decimal(r["Shipping"] or "0") * share).quantize(CENT, rounding=ROUND_HALF_UP)
        tax = (Decimal(r["Taxes"] or "0") * share).quantize(CENT, rounding=ROUND_HALF_UP)
        at = pd.to_datetime(r["Created at"], format="%Y-%m-%d %H:%M:%S %z").tz_convert("UTC").tz_localize(None)
        rows.append((name, refunded - shipping - tax, shipping, tax, r["Currency"], at.to_pydatetime()))
    return pd.DataFrame(
        rows, columns=["order_id", "amount", "shipping_amount", "tax_amount", "currency", "refunded_at"]
    )


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
    refunds = _shopify_refunds(first.drop(index=list(bad_orders)))
    df["is_returned"] = ~df.is_cancelled & (financial == "refunded")
    # a returned order is no net order, but the refund rows covering it say what it returns
    # (DECISIONLOG "Finance terms": the feed wins): its lines stay in net sales, less the refund
    df["in_net_sales"] = ~df.is_cancelled & (~df.is_returned | df.Name.isin(refunds.order_id))
    df["customer"] = df.Name.map(first.Email.str.strip().str.lower()).replace("", None)
    df["gross"] = [int(q) * Decimal(p) for q, p in zip(df["Lineitem quantity"], df["Lineitem price"], strict=True)]
    cancelled = set(df.loc[df.is_cancelled, "Name"])
    booked = refunds[~refunds.order_id.isin(cancelled)]
    returns = {}
    for at, amount in zip(booked.refunded_at, booked.amount, strict=True):
        returns[at.date()] = returns.get(at.date(), Decimal(0)) + amount
    assert len(booked) == 2  # #1004 refunded in full, #1007 in part
    assert _mart_daily(shopify) == _daily(df, returns)
    # The bad line is physical line 8: line 3 continues the quoted note of line 2.
    assert {("order_items", "orders_export.csv", 8), ("orders", "orders_export.csv", 8)} <= _quarantined(shopify)
    with connect(shopify) as con:
        landed = con.execute(
            """select order_id, amount, shipping_amount, tax_amount, currency, refunded_at from raw.refunds
               where order_item_id is null and refunded_at = updated_at order by order_id"""
        ).fetchall()
    assert landed == list(refunds.itertuples(index=False, name=None))
    # by hand: #1007 refunds 10.00 of 32.99 with 4.99 shipping: shipping 4.99 x 10/32.99 = 1.51, merchandise 8.49
    assert landed[1][1:4] == (Decimal("8.49"), Decimal("1.51"), Decimal("0.00"))


def test_shopify_extra_columns_kept_in_raw_equal_the_export(tmp_path):
    """The Shopify fixture under ``extra_columns: keep``: its two extra columns (``Gift Wrap``, and
    ``Gift Message`` with a comma, doubled quotes and non-ASCII text) land in ``_extra`` of every
    line and order, exactly as pandas reads them; the bad line is still quarantined at line 8."""
    source = tmp_path / "shop"
    shutil.copytree(EXPORTS / "shopify_orders", source)
    (source / "mapping.yml").write_text(
        "preset: shopify_orders\nexports: {orders_export: {extra_columns: keep}}\n", encoding="utf-8"
    )
    load(source, tmp_path / "w.duckdb")
    df = pd.read_csv(source / "orders_export.csv", dtype=str, keep_default_na=False)
    df["order_item_id"] = df.Name + "-" + (df.groupby("Name").cumcount() + 1).astype(str)
    extras = {
        r.order_item_id: {"Gift Wrap": r["Gift Wrap"], "Gift Message": r["Gift Message"]} for _, r in df.iterrows()
    }
    with connect(tmp_path / "w.duckdb") as con:
        items = con.execute("select order_item_id, _extra::varchar from raw.order_items").fetchall()
        orders = con.execute("select order_id, _extra::varchar from raw.orders").fetchall()
        quarantined = con.execute("select distinct line_number from raw._quarantine").fetchall()
    assert {i: json.loads(e) for i, e in items} == {k: v for k, v in extras.items() if not k.startswith("#1005-")}
    first_lines = {n: extras[f"{n}-1"] for n in df.Name if n != "#1005"}
    assert {o: json.loads(e) for o, e in orders} == first_lines
    assert extras["#1001-1"]["Gift Message"] == 'Für Ada, "happy birthday" 🎂'  # by hand
    assert quarantined == [(8,)]
