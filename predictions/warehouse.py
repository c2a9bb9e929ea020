"""Reading the marts and writing the ``predictions`` schema of the DuckDB warehouse.

The prediction marts (``dbt/models/marts/predictions/``) select from the tables written here;
their column names and types are declared once more in ``_predictions__sources.yml`` and a test
keeps the two in step.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

SCHEMA = "predictions"

#: Column -> DuckDB type of each table written, in order.
TABLES: dict[str, dict[str, str]] = {
    "customer_clv_scores": {
        "customer_id": "bigint",
        "currency": "varchar",
        "model_name": "varchar",
        "model_version": "varchar",
        "probability_alive": "double",
        "expected_purchases_30d": "double",
        "expected_purchases_90d": "double",
        "expected_purchases_365d": "double",
        "expected_average_order_value": "double",
        "predicted_clv": "double",
        "clv_horizon_months": "bigint",
        "clv_monthly_discount_rate": "double",
        "training_start_date": "date",
        "training_end_date": "date",
        "fitted_at": "timestamp",
    },
    "revenue_forecast_daily": {
        "currency": "varchar",
        "model_name": "varchar",
        "model_version": "varchar",
        "is_baseline": "boolean",
        "forecast_net_sales": "double",
        "forecast_net_sales_lower_80": "double",
        "forecast_net_sales_upper_80": "double",
        "forecast_net_sales_lower_95": "double",
        "forecast_net_sales_upper_95": "double",
        "backtest_mase": "double",
        "backtest_origins": "bigint",
        "forecast_date": "date",
        "training_start_date": "date",
        "training_end_date": "date",
        "fitted_at": "timestamp",
    },
}


def read_btyd_summary(con: duckdb.DuckDBPyConnection, relation: str = "marts.customer_btyd_summary") -> pd.DataFrame:
    """The BTYD inputs per customer (days), as the CLV fit expects them.

    Args:
        con: an open DuckDB connection to the warehouse.
        relation: the BTYD summary mart.

    Returns:
        ``customer_id``, ``currency``, ``frequency``, ``recency``, ``T``, ``monetary_value``
        (float), ``first_purchase_date``, ``observation_date``, ordered by customer_id.
    """
    return con.sql(
        f"""select customer_id, currency, frequency, recency, t as "T",
                   cast(monetary_value as double) as monetary_value, first_purchase_date, observation_date
            from {relation} order by customer_id"""
    ).df()


def read_daily_sales(con: duckdb.DuckDBPyConnection, relation: str = "marts.fct_sales_daily") -> pd.DataFrame:
    """Daily net sales per currency: ``currency``, ``order_date``, ``net_sales_amount`` (float)."""
    return con.sql(
        f"""select currency, order_date, cast(net_sales_amount as double) as net_sales_amount
            from {relation} order by currency, order_date"""
    ).df()


def write_table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> int:
    """Replace ``predictions.<name>`` with ``frame``, cast to the declared column types.

    Args:
        con: an open, writable DuckDB connection.
        name: a key of ``TABLES``.
        frame: a DataFrame holding at least the declared columns (others are ignored).

    Returns:
        Rows written.

    Raises:
        KeyError: ``name`` is not a declared table.
        ValueError: a declared column is missing from ``frame``.
    """
    columns = TABLES[name]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"predictions.{name}: frame lacks column(s) {missing}")
    con.execute(f"create schema if not exists {SCHEMA}")
    con.register("_frame", frame[list(columns)])
    try:
        select = ", ".join(f"cast({c} as {t}) as {c}" for c, t in columns.items())
        con.execute(f"create or replace table {SCHEMA}.{name} as select {select} from _frame")
    finally:
        con.unregister("_frame")
    return len(frame)


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file (it must exist: the marts are built before the prediction step).

    Raises:
        FileNotFoundError: no file at ``path``.
    """
    if not path.exists():
        raise FileNotFoundError(f"{path}: no DuckDB warehouse (run `make run` or `dbt build` first)")
    return duckdb.connect(str(path), read_only=read_only)
