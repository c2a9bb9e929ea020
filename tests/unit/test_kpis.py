"""KPI summary on a tiny hand-made marts schema (no dbt): figures computed by hand."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from loaders import kpis


@pytest.fixture()
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            """create table marts.fct_orders (order_id bigint, customer_id bigint, currency varchar,
               gross_sales_amount decimal(18,2), net_sales_amount decimal(18,2),
               is_cancelled boolean, is_returned boolean, order_date date)"""
        )
        con.execute(
            """insert into marts.fct_orders values
               (1, 7, 'EUR', 25.50, 22.50, false, false, '2025-01-06'),
               (2, 7, 'EUR', 12.00, 0.00, true, false, '2025-01-07'),
               (3, 8, 'EUR', 10.00, 0.00, false, true, '2025-01-07'),
               (4, null, 'EUR', 5.50, 5.50, false, false, '2025-01-07'),
               (5, 9, 'EUR', 10.00, 10.00, false, false, '2025-01-08'),
               (6, 9, 'USD', 3.00, 3.00, false, false, '2025-02-01')"""
        )
        con.execute(
            """create table marts.fct_order_items (order_item_id bigint, product_id bigint, currency varchar,
               net_sales_amount decimal(18,2))"""
        )
        con.execute(
            """insert into marts.fct_order_items values
               (1, 501, 'EUR', 17.00), (2, 502, 'EUR', 5.50), (3, 501, 'EUR', 0), (4, 502, 'EUR', 5.50),
               (5, 999, 'EUR', 10.00), (6, 502, 'USD', 3.00)"""
        )
        con.execute("create table marts.dim_products (product_id bigint, category varchar)")
        con.execute("insert into marts.dim_products values (501, 'Kitchen'), (502, 'Apparel'), (999, null)")
    return path


def test_compute_kpis_per_currency(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        eur, usd = kpis.compute_kpis(con)
    # EUR by hand: gross 25.50+12+10+5.50+10 = 63.00; net 22.50+5.50+10 = 38.00; 5 orders, 3 net
    # (1, 4, 5); customers with a non-cancelled order: 7, 8, 9 -> 3; AOV 38/3 = 12.67;
    # categories: Kitchen 17.00, Apparel 11.00, (unknown) 10.00.
    assert eur == kpis.KpiSummary(
        currency="EUR",
        first_order_date="2025-01-06",
        last_order_date="2025-01-08",
        gross_sales_amount=Decimal("63.00"),
        net_sales_amount=Decimal("38.00"),
        order_count=5,
        net_order_count=3,
        customer_count=3,
        average_order_value_amount=Decimal("12.67"),
        top_category="Kitchen",
        top_category_net_sales_amount=Decimal("17.00"),
    )
    assert (usd.currency, usd.order_count, usd.customer_count, usd.top_category) == ("USD", 1, 1, "Apparel")
    assert usd.average_order_value_amount == Decimal("3.00")


def test_unknown_category_wins_when_it_sells_most(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.fct_order_items set net_sales_amount = 100 where product_id = 999")
        eur = kpis.compute_kpis(con)[0]
    assert (eur.top_category, eur.top_category_net_sales_amount) == (kpis.UNKNOWN_CATEGORY, Decimal("100.00"))


def test_main_prints_summary_and_locations(warehouse, tmp_path, capsys):
    docs = tmp_path / "target" / "index.html"
    assert kpis.main(["--database", str(warehouse), "--docs", str(docs)]) == 0
    out = capsys.readouterr().out
    assert "net sales        38.00 EUR" in out
    assert "AOV              12.67 EUR" in out
    assert "top category     Kitchen (17.00 EUR net sales)" in out
    assert f"warehouse file   {warehouse}" in out
    assert f"docs site        {docs}  (not generated yet" in out


def test_main_missing_warehouse_exits_2(tmp_path, capsys):
    missing = tmp_path / "nope.duckdb"
    assert kpis.main(["--database", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "make run" in err


def test_main_without_marts_exits_2(tmp_path, capsys):
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    assert kpis.main(["--database", str(path)]) == 2
    assert "marts are not built" in capsys.readouterr().err
