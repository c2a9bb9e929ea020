"""The daily DAG runs the prediction step inside the dbt graph: after the marts it reads, before its marts."""

from __future__ import annotations

from pathlib import Path

import pytest
from ecom_orchestration.config import load_settings
from ecom_orchestration.tasks import prediction_models, run_predictions


def _by_name(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def test_prediction_models_are_the_marts_of_the_predictions_folder(manifest_path: Path, manifest: dict) -> None:
    expected = sorted(
        n["name"]
        for n in _by_name(manifest).values()
        if n["original_file_path"].startswith("models/marts/predictions/")
    )
    assert expected == ["dim_customer_clv", "fct_revenue_forecast_daily"]
    assert prediction_models(manifest_path) == expected


def test_predict_runs_after_the_inputs_and_before_the_prediction_marts(dagbag, manifest: dict) -> None:
    dag = dagbag.dags["ecommerce_elt"]
    predict = dag.get_task("predict")
    models = _by_name(manifest)
    inputs = {
        models[uid.split(".")[-1]]["name"]
        for name in ("dim_customer_clv", "fct_revenue_forecast_daily")
        for uid in models[name]["depends_on"]["nodes"]
        if uid.startswith("model.")
    }
    assert inputs == {"dim_customer_btyd_summary", "fct_sales_daily"}
    assert predict.upstream_task_ids == {f"dbt.{name}.test" for name in inputs}
    assert predict.downstream_task_ids == {"dbt.dim_customer_clv.run", "dbt.fct_revenue_forecast_daily.run"}
    assert predict.pool == dag.get_task("dbt.fct_sales_daily.run").pool  # one DuckDB writer at a time


def test_bigquery_target_has_no_step_to_run() -> None:
    result = run_predictions(load_settings({"ECOM_DBT_TARGET": "bigquery"}))
    assert result == {"target": "bigquery", "ran": False, "summary": [], "rows": {}}


def test_a_missing_interpreter_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "no-venv" / "bin" / "python"
    settings = load_settings({"ECOM_PREDICTIONS_PYTHON": str(missing), "DUCKDB_PATH": str(tmp_path / "w.duckdb")})
    assert settings.predictions_python == missing
    with pytest.raises(FileNotFoundError, match="ECOM_PREDICTIONS_PYTHON"):
        run_predictions(settings)
