"""The CLV fit reads the BTYD monetary value in the reporting currency, and says so in its currency column.

No dbt build: a DuckDB warehouse holds ``marts.dim_customer_btyd_summary`` created from the columns and types its
YAML declares (the mart's contract), filled with hand-written rows, and ``predictions.warehouse.export_inputs``
writes the Parquet file the fits read. Expected values are the rows' own reporting-currency figures, by hand.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from predictions import warehouse

ROOT = Path(__file__).resolve().parents[2]
BTYD_YAML = ROOT / "dbt/models/marts/customers/dim_customer_btyd_summary.yml"


def _declared_columns() -> list[tuple[str, str]]:
    (model,) = yaml.safe_load(BTYD_YAML.read_text())["models"]
    return [(column["name"], column["data_type"]) for column in model["columns"]]


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute("create schema marts")
    columns = ", ".join(f"{name} {data_type}" for name, data_type in _declared_columns())
    connection.execute(f"create table marts.dim_customer_btyd_summary ({columns})")
    connection.execute(
        "create table marts.fct_sales_daily (currency varchar, order_date date, net_sales_amount decimal(18,2))"
    )
    return connection


def _insert(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    names = [name for name, _ in _declared_columns()]
    for row in rows:
        values = [row.get(name) for name in names]
        con.execute(f"insert into marts.dim_customer_btyd_summary values ({', '.join('?' for _ in names)})", values)


BASE = {"frequency": 2, "recency": 30, "t": 40, "first_purchase_date": "2025-01-01"}
BASE |= {"last_purchase_date": "2025-01-31", "observation_date": "2025-02-10", "reporting_currency": "USD"}


def _export(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> list[tuple]:
    out = tmp_path / "inputs"
    out.mkdir()
    paths = warehouse.export_inputs(con, out)
    return con.execute(
        f"select customer_id, currency, monetary_value from read_parquet('{paths['btyd_summary']}') order by 1"
    ).fetchall()


def test_the_clv_fit_reads_the_monetary_value_in_the_reporting_currency(con, tmp_path):
    """A euro customer (repeat mean 100.00 EUR = 110.00 USD) and a dollar one (50.00 either way): the fit sees
    110.0 and 50.0, both labelled USD, never the EUR figure nor the order currency."""
    _insert(
        con,
        [
            {
                **BASE,
                "customer_id": "1",
                "currency": "EUR",
                "monetary_value": 100,
                "monetary_value_reporting_amount": 110,
            },
            {
                **BASE,
                "customer_id": "2",
                "currency": "USD",
                "monetary_value": 50,
                "monetary_value_reporting_amount": 50,
            },
        ],
    )
    assert _export(con, tmp_path) == [("1", "USD", 110.0), ("2", "USD", 50.0)]


def test_a_monetary_value_without_its_rate_reaches_the_fit_as_missing_not_zero(con, tmp_path):
    """Hostile: the reporting amount is null (an order's rate is missing): the input is null, not 0 nor the
    order-currency value, so the fit cannot silently treat the customer as spending nothing."""
    _insert(
        con,
        [
            {
                **BASE,
                "customer_id": "1",
                "currency": "EUR",
                "monetary_value": 100,
                "monetary_value_reporting_amount": None,
            }
        ],
    )
    assert _export(con, tmp_path) == [("1", "USD", None)]


def test_the_btyd_mart_declares_the_columns_the_fit_reads():
    names = [name for name, _ in _declared_columns()]
    assert {"reporting_currency", "monetary_value_reporting_amount", "monetary_value", "currency"} <= set(names)
    assert "monetary_value_reporting_amount" in warehouse.INPUTS["btyd_summary"]
