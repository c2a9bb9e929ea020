"""Daily net revenue forecast per currency with statsforecast, backtested by rolling origin.

* Model: MSTL (multiple seasonal-trend decomposition by Loess; Bandara, Hyndman & Bergmeir
  2021) with a weekly season, plus a yearly one (365 days) once the series holds two full years,
  and an AutoETS model of the deseasonalised trend (``statsforecast.models.MSTL``). With less
  than two years a yearly cycle is seen once, indistinguishable from the trend, so it is left out.
* Baseline: seasonal naive with a weekly season (each day repeats the same weekday of the last
  observed week; ``statsforecast.models.SeasonalNaive``).
* Intervals: the models' own 80 % and 95 % prediction intervals.
* Backtest: rolling origin (``StatsForecast.cross_validation``): ``windows`` origins ``step``
  days apart, each forecasting ``horizon`` days from the data up to its origin. MASE (Hyndman &
  Koehler 2006) scales each origin's mean absolute error by the in-sample mean absolute error of
  the weekly seasonal naive forecast on the data up to that origin
  (``utilsforecast.losses.mase``); the reported MASE is the mean over origins.

Days without orders are absent from ``fct_sales_daily``; the series is made dense with zeros
from its first to its last day before fitting.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from importlib.metadata import version

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

#: The model published in the mart, and the baseline it must beat.
MODEL = "MSTL"
BASELINE = "SeasonalNaive"
#: Prediction interval levels (percent).
LEVELS = (80, 95)
WEEK = 7
YEAR = 365


@dataclass(frozen=True)
class Backtest:
    """Rolling-origin backtest of one series.

    Attributes:
        series_id: the currency.
        mase: mean MASE over the origins, per model name.
        origins: the origins (last training day of each window).
        per_origin: one row per origin with the MASE of each model.
    """

    series_id: str
    mase: dict[str, float]
    origins: list[pd.Timestamp]
    per_origin: pd.DataFrame


def model_version() -> str:
    """Library identifier written on every forecast row, e.g. ``statsforecast 2.0.3``."""
    return f"statsforecast {version('statsforecast')}"


def dense_daily(sales: pd.DataFrame) -> pd.DataFrame:
    """Daily series in statsforecast's long format, zero-filled between each series' first and last day.

    Args:
        sales: rows of ``currency``, ``order_date`` and ``net_sales_amount`` (one per day and currency).

    Returns:
        Columns ``unique_id`` (currency), ``ds`` (datetime64 day) and ``y`` (float net sales),
        sorted by currency and day.

    Raises:
        ValueError: a column is missing or a (currency, day) pair repeats.
    """
    required = {"currency", "order_date", "net_sales_amount"}
    if required - set(sales.columns):
        raise ValueError(f"daily sales lack column(s) {sorted(required - set(sales.columns))}")
    if sales.duplicated(["currency", "order_date"]).any():
        raise ValueError("daily sales repeat a (currency, order_date) pair")
    frames = []
    for currency, group in sales.groupby("currency", sort=True):
        days = pd.to_datetime(group["order_date"])
        y = pd.Series(group["net_sales_amount"].astype("float64").to_numpy(), index=days)
        full = pd.date_range(days.min(), days.max(), freq="D")
        frames.append(
            pd.DataFrame({"unique_id": currency, "ds": full, "y": y.reindex(full, fill_value=0.0).to_numpy()})
        )
    if not frames:
        return pd.DataFrame({"unique_id": pd.Series(dtype=str), "ds": pd.Series(dtype="datetime64[ns]"), "y": []})
    return pd.concat(frames, ignore_index=True)


def season_lengths(n_days: int) -> list[int]:
    """Seasons the MSTL model decomposes: weekly, plus yearly once two full years are observed.

    Args:
        n_days: length of the series in days.

    Returns:
        ``[7]`` or ``[7, 365]``.
    """
    return [WEEK, YEAR] if n_days >= 2 * YEAR else [WEEK]


def _models(n_days: int) -> list:
    from statsforecast.models import MSTL, AutoETS, SeasonalNaive

    return [
        MSTL(season_length=season_lengths(n_days), trend_forecaster=AutoETS(model="ZZN"), alias=MODEL),
        SeasonalNaive(season_length=WEEK, alias=BASELINE),
    ]


def _check_length(series: pd.DataFrame, needed: int, what: str) -> None:
    short = series.groupby("unique_id").size()
    short = short[short < needed]
    if len(short):
        raise ValueError(f"{what}: series {short.index[0]!r} has {short.iloc[0]} days, needs at least {needed}")


def forecast(series: pd.DataFrame, *, horizon: int = 90) -> pd.DataFrame:
    """Forecast each series ``horizon`` days past its last day with the model and the baseline.

    Args:
        series: ``dense_daily`` output (one or more currencies).
        horizon: days to forecast (>= 1).

    Returns:
        Long format, one row per currency x day x model: ``unique_id``, ``ds``, ``model``,
        ``forecast``, ``lo_80``, ``hi_80``, ``lo_95``, ``hi_95``.

    Raises:
        ValueError: a series shorter than two weeks (the seasonal models need two cycles).
    """
    from statsforecast import StatsForecast

    _check_length(series, 2 * WEEK, "forecast")
    frames = []
    # One StatsForecast per series: the seasons depend on each series' own length.
    for _, one in series.groupby("unique_id", sort=True):
        sf = StatsForecast(models=_models(len(one)), freq="D", n_jobs=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wide = sf.forecast(df=one, h=horizon, level=list(LEVELS))
        frames.append(_long(wide.reset_index() if "unique_id" not in wide.columns else wide))
    return pd.concat(frames, ignore_index=True)


def _long(wide: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for name in (MODEL, BASELINE):
        part = wide[["unique_id", "ds"]].copy()
        part["model"] = name
        part["forecast"] = wide[name].to_numpy()
        for level in LEVELS:
            part[f"lo_{level}"] = wide[f"{name}-lo-{level}"].to_numpy()
            part[f"hi_{level}"] = wide[f"{name}-hi-{level}"].to_numpy()
        rows.append(part)
    return pd.concat(rows, ignore_index=True)


def backtest(series: pd.DataFrame, *, horizon: int = 90, windows: int = 4, step: int = 30) -> list[Backtest]:
    """Rolling-origin backtest of the model and the baseline on each series.

    Args:
        series: ``dense_daily`` output.
        horizon: days forecast from each origin.
        windows: number of origins.
        step: days between consecutive origins.

    Returns:
        One ``Backtest`` per currency.

    Raises:
        ValueError: a series too short to leave at least eight weeks before the first origin.
    """
    from statsforecast import StatsForecast
    from utilsforecast.losses import mase

    test_days = horizon + step * (windows - 1)
    _check_length(series, test_days + 8 * WEEK, "backtest")
    results = []
    for series_id, one in series.groupby("unique_id", sort=True):
        sf = StatsForecast(models=_models(len(one) - test_days), freq="D", n_jobs=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cv = sf.cross_validation(df=one, h=horizon, n_windows=windows, step_size=step)
        if "unique_id" not in cv.columns:
            cv = cv.reset_index()
        per_origin = []
        for origin, window in cv.groupby("cutoff", sort=True):
            scores = mase(
                window.drop(columns="cutoff"), [MODEL, BASELINE], seasonality=WEEK, train_df=one[one["ds"] <= origin]
            )
            per_origin.append(
                {"origin": origin, MODEL: float(scores[MODEL].iloc[0]), BASELINE: float(scores[BASELINE].iloc[0])}
            )
        table = pd.DataFrame(per_origin)
        results.append(
            Backtest(
                series_id=str(series_id),
                mase={name: float(np.mean(table[name])) for name in (MODEL, BASELINE)},
                origins=list(table["origin"]),
                per_origin=table,
            )
        )
        log.info("backtest %s: MASE %s", series_id, results[-1].mase)
    return results
