"""``python -m predictions run``: the prediction step between the marts and the prediction marts.

``run`` reads the DuckDB warehouse and writes ``predictions.*`` itself; ``fit`` works on files
exported by ``predictions.warehouse.export_inputs`` and leaves the loading to the caller (the
Airflow task, whose process holds the warehouse).

Settings default to the dbt vars of the same names in ``dbt/dbt_project.yml`` (one place for
the CLV horizon and discount rate that the marts also publish); options override them.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import yaml

from predictions.pipeline import Settings, fit_files, run

REPO = Path(__file__).resolve().parents[1]
#: dbt vars read as defaults: var name -> Settings field.
DBT_VARS = {
    "clv_horizon_months": "clv_horizon_months",
    "clv_monthly_discount_rate": "clv_monthly_discount_rate",
    "revenue_forecast_horizon_days": "forecast_horizon_days",
    "revenue_forecast_backtest_windows": "backtest_windows",
    "revenue_forecast_backtest_step_days": "backtest_step_days",
    "prediction_seed": "seed",
}


def settings_from_dbt_project(project_file: Path) -> Settings:
    """``Settings`` whose fields take the values of the matching dbt vars (``DBT_VARS``).

    Args:
        project_file: ``dbt_project.yml``.

    Returns:
        Settings; a var that is absent keeps the dataclass default.

    Raises:
        FileNotFoundError: no such file.
    """
    project = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
    values = project.get("vars") or {}
    kwargs = {field: values[var] for var, field in DBT_VARS.items() if values.get(var) is not None}
    return Settings(**kwargs)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the step, print a summary; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m predictions", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="fit CLV and the revenue forecast on the marts, write predictions.*")
    p_run.add_argument("--target", choices=["duckdb"], default="duckdb", help="warehouse backend")
    p_run.add_argument(
        "--duckdb-path", type=Path, default=Path(os.environ.get("DUCKDB_PATH", REPO / "build/warehouse.duckdb"))
    )
    p_run.add_argument("--dbt-project", type=Path, default=REPO / "dbt" / "dbt_project.yml")
    p_run.add_argument("--seed", type=int, help="random seed (default: var prediction_seed)")
    p_run.add_argument("-v", "--verbose", action="store_true")
    p_fit = sub.add_parser("fit", help="fit from exported input files, write the output files (no warehouse)")
    p_fit.add_argument("--inputs", type=Path, required=True, help="directory of warehouse.export_inputs files")
    p_fit.add_argument("--outputs", type=Path, required=True, help="directory for the predictions.* Parquet files")
    p_fit.add_argument("--dbt-project", type=Path, default=REPO / "dbt" / "dbt_project.yml")
    p_fit.add_argument("--seed", type=int, help="random seed (default: var prediction_seed)")
    p_fit.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(name)s: %(message)s")

    settings = settings_from_dbt_project(args.dbt_project)
    if args.seed is not None:
        settings = Settings(**{**settings.__dict__, "seed": args.seed})
    try:
        if args.command == "fit":
            args.outputs.mkdir(parents=True, exist_ok=True)
            report = fit_files(args.inputs, args.outputs, settings)
        else:
            report = run(args.duckdb_path, settings)
    except (FileNotFoundError, ValueError) as exc:
        print(f"predictions: {exc}", file=sys.stderr)
        return 1
    bgnbd = ", ".join(f"{k}={v:.4g}" for k, v in report.bgnbd.items())
    gamma = ", ".join(f"{k}={v:.4g}" for k, v in report.gamma_gamma.items())
    if report.clv_skipped:
        print(f"CLV: no customers scored ({report.clv_skipped}); dim_customer_clv builds empty")
    else:
        print(f"CLV: {report.clv_rows:,} customers scored; BG/NBD {bgnbd}; Gamma-Gamma {gamma}")
    for currency, mase in report.mase.items():
        scores = ", ".join(f"{k} {v:.3f}" for k, v in mase.items())
        print(f"revenue forecast [{currency}]: backtest MASE {scores}")
    seconds = ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items())
    print(f"predictions: {report.forecast_rows:,} forecast rows; {seconds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
