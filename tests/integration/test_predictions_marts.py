"""End to end on the committed sample: marts -> ``python -m predictions`` -> the prediction marts.

Runs the main job's order (``make run``) on a copy of the session's sample warehouse (one full ``dbt build``:
the models the step reads, and the prediction marts before the step has ever run, empty through the
on-run-start hook), then the step in its own environment
(.venv-predictions), the prediction marts and their tests again. Expectations come from the model
definitions (a one-time buyer is alive with probability 1 and gets the population's expected
spend), from fct_sales_daily (the seasonal-naive rows repeat its last week) and from the issue
(the forecast beats the seasonal-naive baseline in the backtest).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from analytics_warehouse import built_warehouse, dbt_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"
PREDICTIONS_PY = ROOT / ".venv-predictions" / "bin" / "python"
PREDICTION_MARTS = ["--select", "path:models/marts/predictions"]
HORIZON = 90


def _run(cmd: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(cmd, cwd=ROOT / "dbt", env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """A copy of the session's sample warehouse (every model built, the prediction marts empty), then the
    step and the prediction marts again."""
    if not PREDICTIONS_PY.exists():
        pytest.skip("no .venv-predictions (make predictions-setup)")
    tmp = tmp_path_factory.mktemp("predictions")
    shutil.copy(built_warehouse(tmp_path_factory), tmp / "warehouse.duckdb")
    env = {**dbt_env(tmp), "NIXTLA_NUMBA_CACHE": "1"}
    with duckdb.connect(env["DUCKDB_PATH"], read_only=True) as con:
        empty = [
            con.execute(f"select count(*) from marts.{m}").fetchone()[0]
            for m in ("dim_customer_clv", "fct_revenue_forecast_daily")
        ]
    assert empty == [0, 0], "before the step the prediction marts build empty"
    out = _run([str(PREDICTIONS_PY), "-m", "predictions", "run", "--target", "duckdb"], env)
    assert "customers scored" in out
    _run([str(DBT), "build", "--quiet", *PREDICTION_MARTS], env)
    return Path(env["DUCKDB_PATH"])


@pytest.fixture
def con(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        yield connection


def test_one_clv_row_per_btyd_customer(con):
    summary = con.execute("select customer_id from marts.dim_customer_btyd_summary order by 1").fetchall()
    clv = con.execute("select customer_id from marts.dim_customer_clv order by 1").fetchall()
    assert clv == summary and len(clv) > 3000


def test_one_time_buyers_are_alive_with_the_population_spend(con):
    rows = con.execute(
        """select clv.probability_alive, clv.expected_average_order_value_amount
           from marts.dim_customer_clv as clv
           inner join marts.dim_customer_btyd_summary as btyd using (customer_id)
           where btyd.frequency = 0"""
    ).fetchall()
    assert rows
    assert {round(p, 12) for p, _ in rows} == {1.0}  # BG/NBD: nobody drops out before a repeat purchase
    assert len({aov for _, aov in rows}) == 1  # Gamma-Gamma: no own average -> the population mean


def test_clv_uses_the_vars_and_the_training_window(con):
    horizon, rate, start, end = con.execute(
        """select distinct clv_horizon_months, clv_monthly_discount_rate, training_start_date, training_end_date
           from marts.dim_customer_clv"""
    ).fetchone()
    first, observed = con.execute(
        "select min(first_purchase_date), max(observation_date) from marts.dim_customer_btyd_summary"
    ).fetchone()
    assert (horizon, rate, start, end) == (12, 0.01, first, observed)


def test_forecast_covers_the_next_90_days_for_each_model(con):
    """Each currency's series ends on its own last store-local day (the sample's New York store on 2025-12-31, its
    Berlin store on 2026-01-01), and its forecast starts the day after."""
    last_days = dict(con.execute("select currency, max(order_date) from marts.fct_sales_daily group by 1").fetchall())
    assert len(set(last_days.values())) == 2  # the two stores' days end at different instants
    rows = con.execute(
        """select currency, model_name, min(forecast_date), max(forecast_date), count(*), count(distinct fitted_at)
           from marts.fct_revenue_forecast_daily group by 1, 2 order by 1, 2"""
    ).fetchall()
    expected = []
    for currency, last_day in sorted(last_days.items()):
        window = (last_day + timedelta(days=1), last_day + timedelta(days=HORIZON), HORIZON, 1)
        expected += [(currency, "MSTL", *window), (currency, "SeasonalNaive", *window)]
    assert rows == expected


def test_seasonal_naive_rows_repeat_the_last_observed_week(con):
    currencies = [
        r[0] for r in con.execute("select distinct currency from marts.fct_sales_daily order by 1").fetchall()
    ]
    assert currencies == ["EUR", "USD"]
    for currency in currencies:
        last_week = [
            r[0]
            for r in con.execute(
                """select net_sales_amount from marts.fct_sales_daily where currency = ?
                   order by order_date desc limit 7""",
                [currency],
            ).fetchall()
        ][::-1]
        naive = [
            r[0]
            for r in con.execute(
                """select forecast_net_sales_amount from marts.fct_revenue_forecast_daily
                   where model_name = 'SeasonalNaive' and currency = ? order by forecast_date limit 14""",
                [currency],
            ).fetchall()
        ]
        assert naive == [Decimal(v) for v in last_week * 2], currency  # both decimal(18,2): exact


def test_the_model_beats_the_seasonal_naive_baseline_in_the_backtest(con):
    rows = con.execute(
        "select distinct currency, model_name, backtest_mase from marts.fct_revenue_forecast_daily"
    ).fetchall()
    mase = {(currency, model): value for currency, model, value in rows}
    assert set(mase) == {(c, m) for c in ("EUR", "USD") for m in ("MSTL", "SeasonalNaive")}
    for currency in ("EUR", "USD"):
        assert mase[(currency, "MSTL")] < mase[(currency, "SeasonalNaive")], currency
    print(f"\nbacktest MASE on the sample: {mase}")


def test_kpi_summary_predictions_equal_sql_over_the_marts(warehouse, con):
    from serving import kpis
    from serving.semantic import SemanticLayer

    expected_forecast = con.execute(
        """select currency, cast(min(forecast_date) as varchar), cast(max(forecast_date) as varchar),
                  sum(forecast_net_sales_amount)
           from marts.fct_revenue_forecast_daily where not is_baseline group by currency order by currency"""
    ).fetchall()
    expected_clv = con.execute(
        "select currency, count(*), sum(predicted_clv_amount) from marts.dim_customer_clv group by currency"
    ).fetchall()
    layer = SemanticLayer(warehouse.parent / "target" / "semantic_manifest.json", warehouse)
    try:
        summaries = kpis.compute_predictions(layer)
    finally:
        layer.close()
    assert [
        (p.currency, p.forecast_first_date, p.forecast_last_date, p.forecast_net_sales_amount) for p in summaries
    ] == [tuple(row) for row in expected_forecast]
    # One summary per currency with a forecast or scored customers; the CLV is fitted in the reporting currency,
    # so a currency with a forecast and no CLV rows has 0 customers and no amount.
    clv_by_currency = {currency: (count, amount) for currency, count, amount in expected_clv}
    currencies = sorted({row[0] for row in expected_forecast} | set(clv_by_currency))
    assert [(p.currency, p.clv_customer_count, p.predicted_clv_amount) for p in summaries] == [
        (currency, *clv_by_currency.get(currency, (0, None))) for currency in currencies
    ]
    assert set(clv_by_currency) == {"USD"}
