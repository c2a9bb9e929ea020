"""Reading the marts and writing the ``predictions`` schema of the DuckDB warehouse, through Parquet files.

The inputs are exported to Parquet and the outputs loaded from Parquet, so the fits never hold the
warehouse open (DuckDB allows one writer process: the Airflow worker that runs dbt in-process keeps
it). Needs only ``duckdb``: the Airflow environment calls these functions in-process. The prediction
marts (``dbt/models/marts/predictions/``) select from the tables written here; their column names and
types are declared once more in ``_predictions__sources.yml`` and a test keeps the two in step.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

SCHEMA = "predictions"

#: Column -> DuckDB type of each table written, in order.
TABLES: dict[str, dict[str, str]] = {
    "customer_clv_scores": {
        "customer_id": "varchar",
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


#: The marts the step reads, as the fits expect them (file name -> query). Customers come in key
#: order, shorter keys first, so integer keys (text, e.g. '9' before '10') keep their numeric order.
#: The CLV fit reads the monetary value in the reporting currency (``monetary_value_reporting_amount``,
#: each order at its order day's rate), so customers who buy in different currencies are fitted on one
#: scale; ``currency`` is then the reporting currency, the currency of every CLV amount written.
INPUTS: dict[str, str] = {
    "btyd_summary": """select customer_id, reporting_currency as currency, frequency, recency, t as "T",
                              cast(monetary_value_reporting_amount as double) as monetary_value,
                              first_purchase_date, observation_date
                       from marts.dim_customer_btyd_summary order by length(customer_id), customer_id""",
    "daily_sales": """select currency, order_date, cast(net_sales_amount as double) as net_sales_amount
                      from marts.fct_sales_daily order by currency, order_date""",
}


def export_inputs(con: duckdb.DuckDBPyConnection, directory: Path) -> dict[str, Path]:
    """Write the step's inputs as Parquet files: ``<directory>/btyd_summary.parquet`` (one row per
    customer: customer_id, currency (the reporting currency), frequency, recency, T in days,
    monetary_value (in the reporting currency), first_purchase_date, observation_date) and
    ``daily_sales.parquet`` (currency, order_date, net_sales_amount).

    The fits then run without the warehouse open (``pipeline.fit_files``), e.g. in another process
    while the orchestrator's process holds DuckDB's single write lock.

    Args:
        con: an open connection to the warehouse.
        directory: an existing directory.

    Returns:
        Input name -> file written.
    """
    paths = {}
    for name, query in INPUTS.items():
        path = Path(directory) / f"{name}.parquet"
        con.execute(f"copy ({query}) to '{path}' (format parquet)")
        paths[name] = path
    return paths


def import_outputs(con: duckdb.DuckDBPyConnection, directory: Path) -> dict[str, int]:
    """Replace each ``predictions.<table>`` with ``<directory>/<table>.parquet``, cast to the declared types.

    Args:
        con: an open, writable connection to the warehouse.
        directory: holds one Parquet file per table of ``TABLES`` (``pipeline.fit_files`` output).

    Returns:
        Table -> rows written.

    Raises:
        FileNotFoundError: a table's file is missing.
        duckdb.BinderException: a file lacks a declared column.
    """
    counts = {}
    con.execute(f"create schema if not exists {SCHEMA}")
    for name, columns in TABLES.items():
        path = Path(directory) / f"{name}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{path}: no {name} output to load")
        select = ", ".join(f"cast({c} as {t}) as {c}" for c, t in columns.items())
        con.execute(f"create or replace table {SCHEMA}.{name} as select {select} from read_parquet('{path}')")
        counts[name] = con.execute(f"select count(*) from {SCHEMA}.{name}").fetchone()[0]
    return counts


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file (it must exist: the marts are built before the prediction step).

    Raises:
        FileNotFoundError: no file at ``path``.
    """
    if not path.exists():
        raise FileNotFoundError(f"{path}: no DuckDB warehouse (run `make run` or `dbt build` first)")
    return duckdb.connect(str(path), read_only=read_only)
