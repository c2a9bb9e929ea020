"""The BigQuery path of the prediction marts compiles offline and is BigQuery SQL.

On BigQuery the forecast is BigQuery ML: the pre-hook of fct_revenue_forecast_daily retrains an
ARIMA_PLUS model (``CREATE OR REPLACE MODEL``) on fct_sales_daily, and the mart selects
``ML.FORECAST`` at the 80 % and 95 % confidence levels. Compiled with the same offline set-up as
test_bigquery_compile.py (throwaway key, every BigQuery API call an error) and parsed by sqlglot's
BigQuery dialect.
"""

from __future__ import annotations

from unittest import mock

import pytest
import sqlglot
from sqlglot import exp
from test_bigquery_compile import DBT_DIR, PROJECT, check_bigquery_sql, compile_offline
from test_bigquery_compile import bigquery_env as bigquery_env_fixture

#: The offline BigQuery profile environment of test_bigquery_compile.py, under the same fixture name.
bigquery_env = bigquery_env_fixture

pytestmark = pytest.mark.slow

MODEL = f"`{PROJECT}`.`marts`.`revenue_forecast_arima_plus`"


@pytest.fixture(scope="module")
def compiled(request, tmp_path_factory):
    request.getfixturevalue("bigquery_env")
    root = compile_offline(
        tmp_path_factory.mktemp("bq_predictions"), incremental=False, select=["path:models/marts/predictions"]
    )
    return {p.name: p.read_text() for p in (root / "marts" / "predictions").glob("*.sql")}


def _inline(macro_call: str, target_path) -> str:
    """``dbt compile --inline`` of one macro call for the bigquery target, offline."""
    from dbt.cli.main import dbtRunner
    from google.cloud.bigquery.client import Client

    def offline(*args, **kwargs):
        raise RuntimeError("a BigQuery API call was attempted during the offline compile")

    args = ["compile", "--target", "bigquery", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    args += ["--target-path", str(target_path), "--no-populate-cache", "--quiet", "--inline", macro_call]
    with mock.patch.object(Client, "_call_api", offline):
        result = dbtRunner().invoke(args)
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code


def test_forecast_mart_selects_ml_forecast_at_both_levels(compiled):
    sql = compiled["fct_revenue_forecast_daily.sql"]
    assert check_bigquery_sql(sql) == []
    tree = sqlglot.parse_one(sql, read="bigquery")
    forecasts = list(tree.find_all(exp.MLForecast))
    assert len(forecasts) == 2
    levels = sorted(sql.split(" as confidence_level")[i].rsplit(" ", 1)[-1] for i in range(2))
    assert levels == ["0.8", "0.95"]
    assert sql.count(f"model {MODEL}") == 2
    assert "prediction_interval_lower_bound" in sql and "'ARIMA_PLUS' as model_name" in sql


def test_clv_mart_reads_the_prediction_step_table(compiled):
    sql = compiled["dim_customer_clv.sql"]
    assert check_bigquery_sql(sql) == []
    assert f"`{PROJECT}`.`predictions`.`customer_clv_scores`" in sql


@pytest.mark.usefixtures("bigquery_env")
def test_the_pre_hook_trains_an_arima_plus_model(tmp_path):
    ddl = _inline("{{ prepare_revenue_forecast() }}", tmp_path / "target")
    (statement,) = sqlglot.parse(ddl, read="bigquery")
    assert isinstance(statement, exp.Create) and statement.args["kind"] == "MODEL"
    assert f"create or replace model {MODEL}" in ddl
    options = {
        prop.name.lower(): prop.text("value").lower() or prop.args["value"].sql().lower()
        for prop in statement.find_all(exp.Property)
    }
    assert options["model_type"] == "arima_plus"
    assert options["time_series_id_col"] == "currency" and options["time_series_timestamp_col"] == "order_date"
    assert options["horizon"] == "90" and options["data_frequency"] == "daily"
    assert f"`{PROJECT}`.`marts`.`fct_sales_daily`" in ddl
