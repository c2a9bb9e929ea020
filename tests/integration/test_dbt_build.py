"""End to end: `seeds/` loaded with the loader CLI and built, the marts reconciled with the raw files.

The sample's warehouse is the session's (``analytics_warehouse.built_warehouse``: loader CLI and one full
``dbt build``); the partial-feed case loads two feeds of the session's generated shop and builds the
foundation (in-process, the session's ``dbt_project``).

The expected figures are computed here in plain Python from the CSV files (csv module + Decimal),
applying the documented rules (DECISIONLOG.md): dedup on the primary key keeps the latest
`updated_at`, then the later file, then the later line; net sales = gross - discounts for orders
neither cancelled nor returned, 0 otherwise; a customer's first non-cancelled order is "new".
None of it reads the warehouse's SQL.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from analytics_warehouse import PII_SALT, built_warehouse, local_day, order_zone, store_zones
from shop_landing import load

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
#: The salt of the session warehouse: the expected e-mail hashes are computed with it.
SALT = PII_SALT
# The foundation's models (test_analytics_marts covers the others); tests run only when all their parents are built.
SELECTION = [
    "--select",
    "path:models/staging path:models/intermediate/sales path:models/intermediate/core "
    "path:models/intermediate/finance path:models/marts/core fct_sales_daily",
    "--indirect-selection",
    "cautious",
]


# ------------------------------------------------------------------ independent computation from the CSVs


def _read_latest(table_dir: Path, key: str) -> dict[str, dict[str, str]]:
    """Rows of every CSV in table_dir, one per key: latest updated_at, then later file, then later line."""
    best: dict[str, tuple[tuple, dict[str, str]]] = {}
    for file_rank, path in enumerate(sorted(table_dir.glob("*.csv"))):
        with path.open(newline="", encoding="utf-8") as fh:
            for line_no, row in enumerate(csv.DictReader(fh), start=2):
                rank = (row["updated_at"], file_rank, line_no)
                if row[key] not in best or rank > best[row[key]][0]:
                    best[row[key]] = (rank, row)
    return {k: v[1] for k, v in best.items()}


def _expected(source_dir: Path) -> dict:
    orders = _read_latest(source_dir / "shop" / "orders", "order_id")
    items = _read_latest(source_dir / "shop" / "order_items", "order_item_id")
    refunds = _read_latest(source_dir / "shop" / "refunds", "refund_line_id")
    # The refunds feed wins for the orders it covers; other `returned` orders come back whole (DECISIONLOG
    # "Finance terms"); refunds of cancelled or unknown orders count nowhere.
    refunds = {
        k: r for k, r in refunds.items() if r["order_id"] in orders and orders[r["order_id"]]["status"] != "cancelled"
    }
    in_feed = {r["order_id"] for r in refunds.values()}
    zones = store_zones(source_dir)

    def day_of(order: dict, ts: str) -> str:
        """The order's store-local day of ``ts`` (DECISIONLOG "Stores": a store's days are its zone's days)."""
        return local_day(ts, order_zone(order, zones)).isoformat()

    per_order = defaultdict(lambda: {"gross": Decimal(0), "discount": Decimal(0), "net": Decimal(0)})
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))  # currency -> term -> amount
    # (store-local day, currency) -> net sales booked that day: sales on the order day, returns on the refund day
    booked: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for item in items.values():
        order = orders.get(item["order_id"])
        if order is None:  # lines without an order header are dropped (DECISIONLOG "Revenue")
            continue
        gross = int(item["quantity"]) * Decimal(item["unit_price"])
        discount = Decimal(item["discount_amount"])
        status = order["status"]
        whole_return = status == "returned" and item["order_id"] not in in_feed
        per_order[item["order_id"]]["gross"] += gross
        per_order[item["order_id"]]["discount"] += discount
        cur = totals[order["currency"]]
        cur["gross"] += gross
        cur["discount"] += discount
        cur["cancellation"] += gross - discount if status == "cancelled" else 0
        cur["return"] += gross - discount if whole_return else 0
        if status != "cancelled":
            booked[(day_of(order, order["created_at"]), order["currency"])] += gross - discount
        if whole_return:
            day = day_of(order, order["returned_at"] or order["created_at"])
            booked[(day, order["currency"])] -= gross - discount
        if status != "cancelled" and not whole_return:
            per_order[item["order_id"]]["net"] += gross - discount
            cur["net"] += gross - discount
            cur["line_net"] += gross - discount
    for refund in refunds.values():
        amount = Decimal(refund["amount"])
        order = orders[refund["order_id"]]
        per_order[refund["order_id"]]["net"] -= amount
        cur = totals[order["currency"]]
        cur["return"] += amount
        cur["net"] -= amount
        cur["line_net"] -= amount if refund["order_item_id"] else 0
        booked[(day_of(order, refund["refunded_at"]), order["currency"])] -= amount
    daily = defaultdict(lambda: {"orders": 0, "net_orders": 0, "net": Decimal(0), "customers": set(), "new": set()})
    first_valid: dict[str, tuple[str, int]] = {}
    for key, net in booked.items():
        daily[key]["net"] += net
    for order_id, order in orders.items():
        day = daily[(day_of(order, order["created_at"]), order["currency"])]
        day["orders"] += 1
        if order["status"] not in ("cancelled", "returned"):
            day["net_orders"] += 1
        if order["customer_id"] and order["status"] != "cancelled":
            day["customers"].add(order["customer_id"])
            rank = (order["created_at"], int(order_id))
            if order["customer_id"] not in first_valid or rank < first_valid[order["customer_id"]]:
                first_valid[order["customer_id"]] = rank
    for customer_id, (created_at, order_id) in first_valid.items():
        first = orders[str(order_id)]
        daily[(day_of(first, created_at), first["currency"])]["new"].add(customer_id)
    return {
        "orders": orders,
        "items": items,
        "totals": {c: dict(t) for c, t in totals.items()},
        "currencies": {
            c: (
                sum(o["currency"] == c for o in orders.values()),
                sum(o["currency"] == c and o["status"] not in ("cancelled", "returned") for o in orders.values()),
                sum((Decimal(o["total_amount"]) for o in orders.values() if o["currency"] == c), Decimal(0)),
            )
            for c in totals
        },
        "daily": {
            k: (v["orders"], v["net_orders"], v["net"], len(v["customers"]), len(v["new"])) for k, v in daily.items()
        },
        "customers_with_valid_order": len(first_valid),
        "order_days": {day_of(o, o["created_at"]) for o in orders.values()},
        "product_ids": {i["product_id"] for i in items.values() if i["order_id"] in orders},
        "customer_ids": {o["customer_id"] for o in orders.values() if o["customer_id"]},
    }


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    if not (SEEDS / "shop" / "orders").is_dir():
        pytest.fail("seeds/shop/orders is missing: the committed sample is needed for the end-to-end test")
    database = built_warehouse(tmp_path_factory)
    with duckdb.connect(str(database), read_only=True) as con:
        yield con, _expected(SEEDS)


def _one(con, sql: str):
    return con.execute(sql).fetchone()


def test_loaded_orders_without_quarantine(full):
    con, _ = full
    # The reconciliation below is exact only if no order / order line was quarantined.
    rejected = _one(con, "select count(*) from raw._quarantine where table_name in ('orders', 'order_items')")[0]
    assert rejected == 0


def test_staging_deduplicates_to_one_row_per_key(full):
    con, exp = full
    assert _one(con, "select count(*) from staging.stg_shop__orders")[0] == len(exp["orders"])
    assert _one(con, "select count(*) from staging.stg_shop__order_items")[0] == len(exp["items"])
    # raw keeps the re-exports: the sample has more raw order rows than orders
    assert _one(con, "select count(*) from raw.orders")[0] >= len(exp["orders"])
    statuses = dict(con.execute("select order_id, order_status from staging.stg_shop__orders").fetchall())
    assert statuses == {k: v["status"] for k, v in exp["orders"].items()}  # keys are text


def test_revenue_reconciles_exactly_with_the_raw_files(full):
    """Per currency: amounts of two currencies are never added up."""
    con, exp = full
    expected, items_expected, daily_expected = {}, {}, {}
    for c, t in exp["totals"].items():
        n_orders, net_orders, total_amount = exp["currencies"][c]
        terms = (t["gross"], t["discount"], t["cancellation"], t["return"], t["net"])
        expected[c] = (n_orders, net_orders, *terms, total_amount)
        items_expected[c] = (t["gross"], t["line_net"])
        daily_expected[c] = (n_orders, net_orders, t["gross"], t["net"])
    assert set(expected) == {"EUR", "USD"}  # the sample's two stores sell in two currencies

    def by_currency(sql: str) -> dict:
        return {row[0]: tuple(row[1:]) for row in con.execute(sql).fetchall()}

    assert (
        by_currency(
            """select currency, count(*), count(*) filter (where not is_cancelled and not is_returned),
                      sum(gross_sales_amount), sum(discount_amount), sum(cancellation_amount),
                      sum(return_amount), sum(net_sales_amount), sum(total_amount)
               from marts.fct_orders group by currency"""
        )
        == expected
    )
    assert (
        by_currency(
            """select o.currency, sum(i.gross_sales_amount), sum(i.net_sales_amount)
               from marts.fct_order_items as i join marts.fct_orders as o using (order_id) group by o.currency"""
        )
        == items_expected
    )
    assert (
        by_currency(
            "select currency, sum(order_count), sum(net_order_count), sum(gross_sales_amount), sum(net_sales_amount) "
            "from marts.fct_sales_daily group by currency"
        )
        == daily_expected
    )


def test_daily_mart_matches_per_day_and_currency(full):
    con, exp = full
    rows = con.execute(
        """select order_date, currency, order_count, net_order_count, net_sales_amount,
                  customer_count, new_customer_count, returning_customer_count, average_order_value_amount
           from marts.fct_sales_daily"""
    ).fetchall()
    got = {(d.isoformat(), c): (o, no, net, cust, new) for d, c, o, no, net, cust, new, _, _ in rows}
    assert got == exp["daily"]
    for _, _, _, net_orders, net, customers, new, returning, aov in rows:
        assert returning == customers - new
        # AOV is a rounded ratio (DuckDB divides decimals in double precision): within half a cent
        # of the exact quotient; revenue and counts above are exact.
        if net_orders:
            assert abs(aov - net / net_orders) <= Decimal("0.005")
        else:
            assert aov is None


def test_customers_and_products_dimensions(full):
    con, exp = full
    assert (
        _one(con, "select count(*) from marts.dim_customers where valid_order_count > 0")[0]
        == exp["customers_with_valid_order"]
    )
    # every customer / product referenced by the facts has a dimension row
    ids = {str(r[0]) for r in con.execute("select customer_id from marts.dim_customers").fetchall()}
    assert exp["customer_ids"] <= ids
    pids = {str(r[0]) for r in con.execute("select product_id from marts.dim_products").fetchall()}
    assert exp["product_ids"] <= pids
    # the calendar follows the data: whole years, from the first order's year to the year after the last
    first, last = _one(con, "select min(date_day), max(date_day) from marts.dim_date")
    # (store-local order days: the New York store's first orders fall on 2024-12-31, the Berlin store's last on
    # 2026-01-01)
    years = {day[:4] for day in exp["order_days"]}
    assert (first, last) == (date(int(min(years)), 1, 1), date(int(max(years)) + 1, 12, 31))


def test_pii_leaves_staging_only_as_salted_hashes(full):
    con, _ = full
    customers = _read_latest(SEEDS / "shop" / "customers", "customer_id")
    sample = [c for c in customers.values() if c["email"]][:50]
    assert sample, "the sample has customers with e-mails"
    got = dict(
        con.execute(
            "select customer_id, email_hash from marts.dim_customers where customer_id in ("
            + ", ".join(f"'{c['customer_id']}'" for c in sample)
            + ")"
        ).fetchall()
    )
    for c in sample:
        expected = hashlib.sha256((SALT + c["email"].strip().lower()).encode()).hexdigest()
        assert got[c["customer_id"]] == expected
    # no clear e-mail anywhere in the marts or staging views
    emails = [c["email"] for c in sample]
    for schema, table in con.execute(
        "select table_schema, table_name from information_schema.tables where table_schema in ('staging', 'marts')"
    ).fetchall():
        cols = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                "and data_type = 'VARCHAR'",
                [schema, table],
            ).fetchall()
        ]
        for col in cols:
            hit = con.execute(
                f'select count(*) from {schema}."{table}" where "{col}" in (select unnest(?::varchar[]))', [emails]
            ).fetchone()[0]
            assert hit == 0, f"clear e-mail found in {schema}.{table}.{col}"


def test_partial_feed_builds_with_empty_downstream_relations(dbt_project, generated_shop, tmp_path):
    """Only orders + order_items present (the generated shop's): the foundation builds, the other feeds'
    models are empty."""
    feed = tmp_path / "feed"
    for table in ("orders", "order_items"):
        shutil.copytree(generated_shop["landing"] / "shop" / table, feed / "shop" / table)
    database = tmp_path / "warehouse.duckdb"
    load(feed, database)
    result = dbt_project.build(database, *SELECTION)
    assert result.success and not result.problems(), result.problems() or result.exception
    exp = _expected(feed)
    with duckdb.connect(str(database), read_only=True) as con:
        for model in (
            "stg_shop__customers",
            "stg_shop__products",
            "stg_web__events",
            "stg_marketing__ad_spend",
            "stg_support__tickets",
        ):
            assert _one(con, f"select count(*) from staging.{model}")[0] == 0, model
        per_currency = con.execute(
            "select currency, count(*), sum(net_sales_amount) from marts.fct_orders group by currency"
        ).fetchall()
        assert {c: (n, net) for c, n, net in per_currency} == {
            c: (exp["currencies"][c][0], t["net"]) for c, t in exp["totals"].items()
        }
        # dimensions hold only inferred members: every referenced id, no feed attributes
        assert _one(con, "select count(*), count(*) filter (where is_in_product_feed) from marts.dim_products") == (
            len(exp["product_ids"]),
            0,
        )
        assert _one(con, "select count(*), count(*) filter (where is_in_customer_feed) from marts.dim_customers") == (
            len(exp["customer_ids"]),
            0,
        )


def test_every_built_model_and_column_is_described(full, tmp_path_factory):
    """Every foundation model, and every column its relation actually has, carries a description."""
    con, _ = full
    manifest_path = built_warehouse(tmp_path_factory).parent / "target" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    checked = 0
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        path = node["original_file_path"]
        if not (
            path.startswith(("models/staging/", "models/intermediate/sales/", "models/marts/core/"))
            or node["name"] == "fct_sales_daily"
        ):
            continue
        assert node["description"].strip(), f"{node['name']} has no description"
        actual = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [node["schema"], node["alias"]],
            ).fetchall()
        ]
        assert actual, f"{node['schema']}.{node['alias']} was not built"
        for column in actual:
            documented = node["columns"].get(column)
            assert documented and documented["description"].strip(), f"{node['name']}.{column} is not described"
        checked += 1
    assert checked == 10 + 9 + 7 + 1  # staging, intermediate/sales, marts/core (with the time spine), fct_sales_daily
