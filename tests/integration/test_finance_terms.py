"""Shopify's finance terms end to end: daily net and total sales recomputed from the raw sample files.

The reference figures come from plain DuckDB over the CSV files of ``seeds/`` (the documented
dedup rule: the latest ``updated_at`` per key), never from the project's SQL: an order's sales
(gross - discounts of its lines, shipping and tax) on its order day unless cancelled; returns
on the refund's day from the refunds feed for the orders it covers, and for the other
``returned`` orders the whole order (lines, shipping, tax) on its ``returned_at`` day
(DECISIONLOG.md "Finance terms"); every day is the order's store-local day (the sample's two
stores close their books in New York and Berlin time: DECISIONLOG.md "Stores"). A hostile landing
zone (a refund of an unknown order, a refund larger than its line) must warn, never stop the marts.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from analytics_warehouse import SEEDS, built_warehouse
from shop_landing import connect, edit_csv, feed_csv, generate, load

pytestmark = pytest.mark.slow

#: Daily net sales, shipping and tax net of refunds, per currency and store-local day, from the raw CSV files only
#: (DuckDB's own time zone conversion: UTC timestamp -> TIMESTAMPTZ -> the store's wall clock).
RAW_DAILY_SQL = """
with
orders as (
    select * from read_csv('{seeds}/shop/orders/*.csv*', header = true, all_varchar = true)
    qualify row_number() over (partition by order_id order by cast(updated_at as timestamp) desc) = 1
),
items as (
    select * from read_csv('{seeds}/shop/order_items/*.csv*', header = true, all_varchar = true)
    qualify row_number() over (partition by order_item_id order by cast(updated_at as timestamp) desc) = 1
),
refunds as (
    select * from read_csv('{seeds}/shop/refunds/*.csv*', header = true, all_varchar = true)
    qualify row_number() over (partition by refund_line_id order by cast(updated_at as timestamp) desc) = 1
),
stores as (
    select store_id, timezone from read_csv('{seeds}/shop/stores/*.csv*', header = true, all_varchar = true)
    qualify row_number() over (partition by store_id order by cast(updated_at as timestamp) desc) = 1
),
lines as (
    select order_id, sum(cast(quantity as integer) * cast(unit_price as decimal(18, 2))
        - cast(discount_amount as decimal(18, 2))) as line_net
    from items group by order_id
),
live as (
    select orders.*, coalesce(lines.line_net, 0) as line_net,
        order_id in (select order_id from refunds) as in_feed, stores.timezone as zone
    from orders left join lines using (order_id)
    left join stores on stores.store_id = orders.store_id
    where lower(trim(status)) <> 'cancelled'
),
booked as (
    select upper(trim(currency)) as currency, {local}(created_at, zone) as day,
        line_net as net, cast(shipping_amount as decimal(18, 2)) + cast(tax_amount as decimal(18, 2)) as extra
    from live
    union all
    select upper(trim(live.currency)), {local}(refunds.refunded_at, live.zone),
        -cast(refunds.amount as decimal(18, 2)),
        -coalesce(cast(nullif(refunds.shipping_amount, '') as decimal(18, 2)), 0)
        - coalesce(cast(nullif(refunds.tax_amount, '') as decimal(18, 2)), 0)
    from refunds inner join live using (order_id)
    union all
    select upper(trim(currency)), {local}(coalesce(returned_at, created_at), zone),
        -line_net, -(cast(shipping_amount as decimal(18, 2)) + cast(tax_amount as decimal(18, 2)))
    from live
    where lower(trim(status)) = 'returned' and not in_feed
)
select currency, day, sum(net) as net_sales, sum(net) + sum(extra) as total_sales
from booked group by currency, day
"""


@pytest.fixture(scope="module")
def analytics_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_warehouse(tmp_path_factory)


def _raw_daily() -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    con = duckdb.connect()
    # the local day of a UTC timestamp text in an IANA zone (UTC when the order has no store)
    con.execute(
        "create macro local_day(ts, zone) as "
        "cast((cast(ts as timestamp) at time zone 'UTC') at time zone coalesce(zone, 'UTC') as date)"
    )
    rows = con.sql(RAW_DAILY_SQL.format(seeds=SEEDS.as_posix(), local="local_day")).fetchall()
    return {(c, str(d)): (Decimal(n), Decimal(t)) for c, d, n, t in rows}


def test_the_sample_has_partial_refunds_in_later_months():
    refunds = (
        duckdb.connect()
        .execute(
            f"""
        select
            count(*) filter (where order_item_id is null) as adjustments,
            count(*) filter (where order_item_id is not null) as line_refunds,
            count(*) filter (where shipping_amount is not null) as shipping_refunds,
            count(distinct order_id) filter (where n > 1) as orders_refunded_twice,
            count(*) filter (where date_trunc('month', refunded_at) > date_trunc('month', created_at)) as later_month
        from (
            select r.*, o.created_at, count(*) over (partition by r.order_id) as n
            from read_csv('{SEEDS.as_posix()}/shop/refunds/*.csv*', header = true) as r
            inner join (select distinct order_id, created_at from read_csv('{SEEDS.as_posix()}/shop/orders/*.csv*',
                header = true)) as o using (order_id)
        )
        """
        )
        .fetchone()
    )
    adjustments, line_refunds, shipping_refunds, twice, later_month = refunds
    assert adjustments > 100 and line_refunds > 500 and shipping_refunds > 50
    assert twice > 50 and later_month > 300


def test_daily_net_and_total_sales_equal_the_raw_files_to_the_cent(analytics_db):
    expected = _raw_daily()
    with duckdb.connect(str(analytics_db), read_only=True) as con:
        mart = {
            (c, str(d)): (Decimal(n), Decimal(t))
            for c, d, n, t in con.execute(
                "select currency, order_date, net_sales_amount, total_sales_amount from marts.fct_sales_daily"
            ).fetchall()
        }
    zero = (Decimal("0.00"), Decimal("0.00"))
    differ = {k: (mart.get(k, zero), expected.get(k, zero)) for k in mart.keys() | expected.keys()}
    differ = {k: v for k, v in differ.items() if v[0] != v[1]}
    assert not differ, sorted(differ.items())[:10]
    assert len(mart) >= 365


def test_hostile_refunds_warn_and_the_marts_still_build(dbt_project, tmp_path):
    landing = generate(tmp_path / "landing", orders=120)

    def add_hostile(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        line = next(r for r in rows if r["order_item_id"])
        unknown = {**line, "refund_line_id": "900001", "refund_id": "900001", "order_id": "999999999"}
        too_big = {**line, "refund_line_id": "900002", "refund_id": "900002", "amount": "999999.00"}
        return [*rows, unknown, too_big]

    edit_csv(feed_csv(landing, "refunds"), add_hostile)
    database = tmp_path / "warehouse.duckdb"
    load(landing, database)
    select = ["--select", "+fct_sales_daily", "+fct_orders", "stg_shop__refunds", "--indirect-selection", "cautious"]
    result = dbt_project.build(database, *select)
    warned = {name for name, status in result.statuses.items() if status == "warn"}
    assert any("relationships_stg_shop__refunds_order_id" in name for name in warned), warned
    assert any("int_order_items_priced" in name and "expression_is_true" in name for name in warned), warned
    assert result.success and not [name for name, status in result.statuses.items() if status in ("error", "fail")]
    with connect(database) as con:
        assert con.execute("select count(*) from marts.fct_sales_daily").fetchone()[0] > 0
        unknown = con.execute("select count(*) from intermediate.int_refunds_dated where order_id = '999999999'")
        assert unknown.fetchone()[0] == 0
