"""Revenue forecast: densification, seasons, the backtest's MASE recomputed by hand, determinism.

The series is synthetic (a weekly pattern, a trend and seeded noise), so what a good model must do
on it is known; the sample warehouse's own backtest runs in tests/integration/test_predictions_marts.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("statsforecast", reason="runs in the predictions test env (make predictions-test)")
from predictions import forecast  # noqa: E402

WEEKLY = np.array([1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7])


def synthetic_sales(days: int = 365, seed: int = 7) -> pd.DataFrame:
    """Daily net sales: 1,000 + 2/day trend, times a weekly pattern, plus N(0, 40) noise."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2025-01-01", periods=days, freq="D")
    level = 1000 + 2 * np.arange(days)
    y = level * WEEKLY[np.arange(days) % 7] + rng.normal(0, 40, days)
    return pd.DataFrame({"currency": "EUR", "order_date": dates.date, "net_sales_amount": y.round(2)})


def test_dense_daily_fills_missing_days_with_zero():
    sales = pd.DataFrame(
        {
            "currency": ["USD", "USD", "EUR"],
            "order_date": pd.to_datetime(["2025-01-01", "2025-01-04", "2025-01-02"]).date,
            "net_sales_amount": [10.0, 40.0, 5.0],
        }
    )
    series = forecast.dense_daily(sales)
    usd = series[series["unique_id"] == "USD"]
    assert list(usd["y"]) == [10.0, 0.0, 0.0, 40.0]
    assert list(usd["ds"].dt.day) == [1, 2, 3, 4]
    assert list(series["unique_id"]) == ["EUR", "USD", "USD", "USD", "USD"]
    with pytest.raises(ValueError, match="repeat"):
        forecast.dense_daily(pd.concat([sales, sales]))


def test_yearly_season_needs_two_years():
    assert forecast.season_lengths(729) == [7]
    assert forecast.season_lengths(730) == [7, 365]


def test_forecast_rows_intervals_and_days():
    series = forecast.dense_daily(synthetic_sales())
    rows = forecast.forecast(series, horizon=90)
    assert sorted(rows["model"].unique()) == ["MSTL", "SeasonalNaive"]
    for _, one in rows.groupby("model"):
        assert list(one["ds"]) == list(pd.date_range("2026-01-01", periods=90, freq="D"))
    assert (rows["lo_95"] <= rows["lo_80"]).all() and (rows["lo_80"] <= rows["forecast"]).all()
    assert (rows["forecast"] <= rows["hi_80"]).all() and (rows["hi_80"] <= rows["hi_95"]).all()
    # The seasonal naive repeats the last observed week (2025-12-25 .. 2025-12-31).
    naive = rows[rows["model"] == "SeasonalNaive"]["forecast"].to_numpy()
    last_week = series["y"].to_numpy()[-7:]
    np.testing.assert_allclose(naive[:14], np.tile(last_week, 2))
    # MSTL keeps the weekly shape: Wednesdays (2025-01-01 was one: the top of WEEKLY) above Tuesdays (its bottom).
    mstl = rows[rows["model"] == "MSTL"].set_index("ds")["forecast"]
    assert mstl[mstl.index.day_of_week == 2].mean() > mstl[mstl.index.day_of_week == 1].mean()


def test_backtest_mase_is_the_hand_computed_one_and_the_model_beats_the_baseline():
    series = forecast.dense_daily(synthetic_sales())
    (result,) = forecast.backtest(series, horizon=28, windows=3, step=28)
    y = series["y"].to_numpy()
    dates = series["ds"]
    for _, row in result.per_origin.iterrows():
        cut = int((dates <= row["origin"]).sum())
        train, test = y[:cut], y[cut : cut + 28]
        naive = np.tile(train[-7:], 4)
        scale = np.mean(np.abs(train[7:] - train[:-7]))
        assert row["SeasonalNaive"] == pytest.approx(np.mean(np.abs(test - naive)) / scale, rel=1e-9)
    assert len(result.origins) == 3
    assert result.mase["MSTL"] < result.mase["SeasonalNaive"]


def test_same_data_same_forecast():
    series = forecast.dense_daily(synthetic_sales())
    pd.testing.assert_frame_equal(forecast.forecast(series, horizon=30), forecast.forecast(series, horizon=30))


def test_too_short_a_series_is_refused():
    series = forecast.dense_daily(synthetic_sales(days=10))
    with pytest.raises(ValueError, match="needs at least 14"):
        forecast.forecast(series)
