"""The prediction step: read the marts, fit and score CLV, forecast revenue, write ``predictions.*``."""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from predictions import clv, forecast, warehouse

log = logging.getLogger(__name__)

#: The per-customer predictions of ``clv.score`` checked by ``clv_unusable_reason``.
PREDICTION_COLUMNS = (
    "probability_alive",
    *(f"expected_purchases_{days}d" for days in clv.PURCHASE_HORIZONS_DAYS),
    "expected_average_order_value",
    "predicted_clv",
)


@dataclass(frozen=True)
class Settings:
    """What the step fits and publishes (defaults: ``dbt/dbt_project.yml`` vars of the same names).

    Attributes:
        clv_horizon_months: CLV horizon in 30-day months.
        clv_monthly_discount_rate: monthly discount rate of the CLV (0.01 = 1 %).
        forecast_horizon_days: days forecast past the last observed day.
        backtest_windows: rolling-origin origins.
        backtest_step_days: days between origins.
        seed: random seed handed to the fits.
    """

    clv_horizon_months: int = 12
    clv_monthly_discount_rate: float = 0.01
    forecast_horizon_days: int = 90
    backtest_windows: int = 4
    backtest_step_days: int = 30
    seed: int = 42


@dataclass
class Report:
    """What one run did: row counts, why no CLV rows were written (None when they were), fitted
    parameters, backtest MASE and seconds per phase."""

    clv_rows: int = 0
    clv_skipped: str | None = None
    forecast_rows: int = 0
    bgnbd: dict[str, float] = field(default_factory=dict)
    gamma_gamma: dict[str, float] = field(default_factory=dict)
    mase: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def clv_unusable_reason(scores: pd.DataFrame) -> str | None:
    """Why a fit's per-customer predictions cannot be published, or None when they can.

    A maximum a posteriori fit on very few customers can run off to parameters of 1e10 and
    more (the likelihood keeps rising along a ridge), and its predictions then come out as NaN
    or infinity. Such a fit says nothing about the shop, so its rows are not written.

    Args:
        scores: ``clv.score`` output (one row per customer).

    Returns:
        A sentence naming how many customers got a non-finite prediction or a probability
        outside 0-1, or a negative CLV; None when every row is usable.
    """
    numeric = scores.drop(columns=["customer_id"]).astype(float)
    non_finite = int((~np.isfinite(numeric)).any(axis=1).sum())
    if non_finite:
        return f"{non_finite} of {len(scores)} customers got a non-finite prediction (the fit is degenerate)"
    alive = numeric["probability_alive"]
    outside = int(((alive < 0) | (alive > 1) | (numeric["predicted_clv"] < 0)).sum())
    if outside:
        return f"{outside} of {len(scores)} customers got a probability outside 0-1 or a negative CLV"
    return None


def clv_scores(
    summary: pd.DataFrame, settings: Settings, fitted_at: datetime
) -> tuple[pd.DataFrame, clv.ClvFit | None, str | None]:
    """Fit both CLV models and build the rows of ``predictions.customer_clv_scores``.

    Too little history yields no rows rather than a failed run: fewer than two repeat customers
    with a positive average (the Gamma-Gamma model needs them), or a degenerate fit
    (``clv_unusable_reason``). The marts that read the scores then build empty.

    Args:
        summary: ``warehouse.read_btyd_summary`` output (days).
        settings: CLV horizon, discount rate and seed.
        fitted_at: timestamp written on every row.

    Returns:
        (the rows, one per customer of ``summary``, or none; the fitted models and parameters,
        None when nothing was fitted; why no rows were written, None when they were).

    Raises:
        ValueError: a required column is missing or recency > T (see ``clv.fit``).
    """
    empty = pd.DataFrame(columns=list(warehouse.TABLES["customer_clv_scores"]))
    repeat = int(((summary["frequency"] > 0) & (summary["monetary_value"].astype(float) > 0)).sum())
    if repeat < 2:
        reason = f"{repeat} repeat customer(s) with a positive average: the Gamma-Gamma model needs at least 2"
        log.warning("CLV not scored: %s", reason)
        return empty, None, reason
    fitted = clv.fit(summary, seed=settings.seed)
    scores = clv.score(
        fitted,
        summary,
        horizon_months=settings.clv_horizon_months,
        monthly_discount_rate=settings.clv_monthly_discount_rate,
    )
    scores["currency"] = summary["currency"].to_numpy()
    scores["model_name"] = clv.MODEL_NAME
    scores["model_version"] = clv.model_version()
    scores["clv_horizon_months"] = settings.clv_horizon_months
    scores["clv_monthly_discount_rate"] = settings.clv_monthly_discount_rate
    scores["training_start_date"] = summary["first_purchase_date"].min()
    scores["training_end_date"] = summary["observation_date"].max()
    scores["fitted_at"] = fitted_at
    reason = clv_unusable_reason(scores[["customer_id", *PREDICTION_COLUMNS]])
    if reason:
        log.warning("CLV not scored: %s", reason)
        return empty, fitted, reason
    return scores, fitted, None


def revenue_forecast(
    daily_sales: pd.DataFrame, settings: Settings, fitted_at: datetime
) -> tuple[pd.DataFrame, list[forecast.Backtest]]:
    """Backtest and forecast daily net sales into the rows of ``predictions.revenue_forecast_daily``.

    Args:
        daily_sales: ``warehouse.read_daily_sales`` output.
        settings: horizon and backtest shape.
        fitted_at: timestamp written on every row.

    Returns:
        (the rows, one per currency x forecast day x model; one backtest per currency).
    """
    series = forecast.dense_daily(daily_sales)
    backtests = forecast.backtest(
        series,
        horizon=settings.forecast_horizon_days,
        windows=settings.backtest_windows,
        step=settings.backtest_step_days,
    )
    rows = forecast.forecast(series, horizon=settings.forecast_horizon_days)
    spans = series.groupby("unique_id")["ds"].agg(["min", "max"])
    mase = {(b.series_id, name): value for b in backtests for name, value in b.mase.items()}
    out = pd.DataFrame(
        {
            "currency": rows["unique_id"].astype(str),
            "model_name": rows["model"],
            "model_version": forecast.model_version(),
            "is_baseline": rows["model"] == forecast.BASELINE,
            "forecast_net_sales": rows["forecast"],
            "forecast_net_sales_lower_80": rows["lo_80"],
            "forecast_net_sales_upper_80": rows["hi_80"],
            "forecast_net_sales_lower_95": rows["lo_95"],
            "forecast_net_sales_upper_95": rows["hi_95"],
            "backtest_mase": [mase[(c, m)] for c, m in zip(rows["unique_id"], rows["model"], strict=True)],
            "backtest_origins": settings.backtest_windows,
            "forecast_date": pd.to_datetime(rows["ds"]).dt.date,
            "training_start_date": rows["unique_id"].map(spans["min"]).dt.date,
            "training_end_date": rows["unique_id"].map(spans["max"]).dt.date,
            "fitted_at": fitted_at,
        }
    )
    return out, backtests


def fit_files(input_dir: Path, output_dir: Path, settings: Settings, *, fitted_at: datetime | None = None) -> Report:
    """Fit and score from ``warehouse.export_inputs`` files; write one Parquet file per ``warehouse.TABLES`` table.

    Args:
        input_dir: holds ``btyd_summary.parquet`` and ``daily_sales.parquet``.
        output_dir: receives ``customer_clv_scores.parquet`` and ``revenue_forecast_daily.parquet``.
        settings: horizons, discount rate, backtest shape, seed.
        fitted_at: timestamp written on every row (default: now, UTC, to the second).

    Returns:
        A ``Report`` (row counts are the rows written).

    Raises:
        FileNotFoundError: an input file is missing.
        ValueError: inputs the models cannot be fitted on (see ``clv.fit``, ``forecast.forecast``).
    """
    fitted_at = fitted_at or datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    report = Report()
    start = time.perf_counter()
    summary = pd.read_parquet(Path(input_dir) / "btyd_summary.parquet")
    daily = pd.read_parquet(Path(input_dir) / "daily_sales.parquet")
    report.seconds["read"] = time.perf_counter() - start

    start = time.perf_counter()
    scores, fitted, report.clv_skipped = clv_scores(summary, settings, fitted_at)
    report.seconds["clv"] = time.perf_counter() - start
    if fitted is not None:
        report.bgnbd, report.gamma_gamma = fitted.bgnbd, fitted.gamma_gamma

    start = time.perf_counter()
    rows, backtests = revenue_forecast(daily, settings, fitted_at)
    report.seconds["forecast"] = time.perf_counter() - start
    report.mase = {b.series_id: b.mase for b in backtests}

    for name, frame in (("customer_clv_scores", scores), ("revenue_forecast_daily", rows)):
        frame[list(warehouse.TABLES[name])].to_parquet(Path(output_dir) / f"{name}.parquet", index=False)
    report.clv_rows, report.forecast_rows = len(scores), len(rows)
    return report


def run(duckdb_path: Path, settings: Settings, *, fitted_at: datetime | None = None) -> Report:
    """The whole step on a DuckDB warehouse whose marts are built: export, fit, load.

    Args:
        duckdb_path: the warehouse file.
        settings: horizons, discount rate, backtest shape, seed.
        fitted_at: timestamp written on every row (default: now, UTC, to the second).

    Returns:
        A ``Report``.

    Raises:
        FileNotFoundError: no warehouse file.
        ValueError: inputs the models cannot be fitted on (see ``clv.fit``, ``forecast.forecast``).
    """
    with tempfile.TemporaryDirectory(prefix="predictions-") as tmp:
        inputs, outputs = Path(tmp) / "inputs", Path(tmp) / "outputs"
        inputs.mkdir()
        outputs.mkdir()
        with warehouse.connect(duckdb_path, read_only=True) as con:
            warehouse.export_inputs(con, inputs)
        report = fit_files(inputs, outputs, settings, fitted_at=fitted_at)
        start = time.perf_counter()
        with warehouse.connect(duckdb_path) as con:
            warehouse.import_outputs(con, outputs)
        report.seconds["write"] = time.perf_counter() - start
    return report
