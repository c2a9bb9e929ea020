"""Unit tests of the DAGs' helper package: configuration, alert reading and delivery (no Airflow run)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import ROOT
from ecom_orchestration.config import DUCKDB_POOL, ConfigError, load_settings
from ecom_orchestration.notify import LOG_PREFIX, Alert, format_rows, send_alert
from ecom_orchestration.tasks import AlertModel, alert_models, alert_sql, row_key


def test_defaults_are_the_local_duckdb_setup() -> None:
    s = load_settings({})
    assert s.target == "duckdb" and s.is_duckdb
    assert s.dbt_project_dir == ROOT / "dbt"
    assert s.manifest_path == ROOT / "dbt" / "target" / "manifest.json"
    assert s.profiles_dir == ROOT / "dbt"
    assert s.landing_dir == ROOT / "seeds"
    assert s.duckdb_path == ROOT / "build" / "warehouse.duckdb"
    assert s.write_pool == DUCKDB_POOL
    assert s.freshness_fail_on_error is False
    assert s.retries == 2 and s.alert_lookback_hours == 48
    assert s.clickstream_select == ("tag:clickstream",)
    assert s.pubsub_subscription is None and s.alert_conn_id is None and s.dbt_executable is None


def test_bigquery_target_changes_pool_and_freshness_policy(tmp_path: Path) -> None:
    s = load_settings(
        {
            "ECOM_DBT_TARGET": "bigquery",
            "ECOM_DBT_MANIFEST_PATH": str(tmp_path / "m.json"),
            "ECOM_CLICKSTREAM_SELECT": "tag:clickstream path:models/marts/alerts",
            "ECOM_FRESHNESS_FAIL_ON_ERROR": "no",
        }
    )
    assert s.target == "bigquery" and not s.is_duckdb
    assert s.write_pool == "default_pool"
    assert s.manifest_path == tmp_path / "m.json"
    assert s.clickstream_select == ("tag:clickstream", "path:models/marts/alerts")
    assert s.freshness_fail_on_error is False  # explicit setting wins over the bigquery default
    assert load_settings({"ECOM_DBT_TARGET": "bigquery"}).freshness_fail_on_error is True


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ECOM_DBT_TARGET": "snowflake"}, "ECOM_DBT_TARGET='snowflake': expected one of"),
        ({"ECOM_TASK_RETRIES": "two"}, "ECOM_TASK_RETRIES='two': expected a whole number"),
        ({"ECOM_ALERT_LOOKBACK_HOURS": "-1"}, "ECOM_ALERT_LOOKBACK_HOURS='-1': expected a number >= 0"),
        ({"ECOM_FRESHNESS_FAIL_ON_ERROR": "maybe"}, "ECOM_FRESHNESS_FAIL_ON_ERROR='maybe': expected true or false"),
    ],
)
def test_bad_settings_name_the_variable(env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_settings(env)


def _manifest(tmp_path: Path, nodes: dict) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"nodes": nodes, "sources": {}}))
    return path


def test_alert_models_are_found_by_folder_or_meta_with_their_key_and_time(tmp_path: Path) -> None:
    nodes = {
        "model.p.fct_product_alerts": {
            "resource_type": "model",
            "unique_id": "model.p.fct_product_alerts",
            "name": "fct_product_alerts",
            "original_file_path": "models/marts/alerts/fct_product_alerts.sql",
            "config": {"event_time": "alert_hour_at", "meta": {}},
            "columns": {"alert_id": {"constraints": [{"type": "primary_key"}]}, "product_id": {"constraints": []}},
        },
        "model.p.stock_outs": {
            "resource_type": "model",
            "unique_id": "model.p.stock_outs",
            "name": "stock_outs",
            "original_file_path": "models/marts/ops/stock_outs.sql",
            "config": {"meta": {"alert": {"severity": "error"}}},
            "constraints": [{"type": "primary_key", "columns": ["sku", "day"]}],
            "columns": {},
        },
        "model.p.fct_orders": {
            "resource_type": "model",
            "unique_id": "model.p.fct_orders",
            "name": "fct_orders",
            "original_file_path": "models/marts/core/fct_orders.sql",
            "config": {"meta": {}},
            "columns": {},
        },
        "model.p.fct_web_alerts": {
            "resource_type": "model",
            "unique_id": "model.p.fct_web_alerts",
            "name": "fct_web_alerts",
            "original_file_path": "models/marts/alerts/fct_web_alerts.sql",
            "config": {"meta": {}},
            "columns": {"web_alert_id": {"constraints": [{"type": "not_null"}]}},
        },
        "test.p.unique_web_alert_id": {
            "resource_type": "test",
            "name": "unique_fct_web_alerts_web_alert_id",
            "attached_node": "model.p.fct_web_alerts",
            "column_name": "web_alert_id",
            "test_metadata": {"name": "unique"},
            "original_file_path": "models/marts/alerts/_alerts__models.yml",
        },
    }
    assert alert_models(_manifest(tmp_path, nodes)) == [
        AlertModel("fct_product_alerts", "warning", "alert_hour_at", ("alert_id",)),
        AlertModel("fct_web_alerts", "warning", None, ("web_alert_id",)),  # key from the unique test
        AlertModel("stock_outs", "error", None, ("sku", "day")),
    ]


def test_alert_sql_reads_the_window_portably() -> None:
    model = AlertModel("fct_product_alerts", "warning", "alert_hour_at", ("alert_id",))
    since = datetime(2026, 5, 1, 10, 30, tzinfo=UTC)
    assert alert_sql(model, since) == (
        "select * from {{ ref('fct_product_alerts') }} where alert_hour_at >= "
        "cast('2026-05-01 10:30:00' as {{ dbt.type_timestamp() }}) order by alert_hour_at desc"
    )
    assert alert_sql(model, None) == "select * from {{ ref('fct_product_alerts') }} order by alert_hour_at desc"
    untimed = AlertModel("stock_outs", "error", None, ())
    assert alert_sql(untimed, since) == "select * from {{ ref('stock_outs') }}"


def test_row_key_uses_the_primary_key_else_the_whole_row() -> None:
    keyed = AlertModel("a", "warning", None, ("alert_id",))
    assert row_key(keyed, {"alert_id": "x1", "observed": 9}) == "a:x1"
    assert row_key(keyed, {"alert_id": "x1", "observed": 12}) == "a:x1"  # same alert, grown evidence
    unkeyed = AlertModel("b", "warning", None, ())
    one, two = row_key(unkeyed, {"v": 1}), row_key(unkeyed, {"v": 2})
    assert one != two and one == row_key(unkeyed, {"v": 1}) and one.startswith("b:")


def test_alerts_are_logged_as_one_structured_line(caplog: pytest.LogCaptureFixture) -> None:
    alert = Alert(title="t", severity="warning", lines=("p=7",), dag_id="d", run_id="r")
    with caplog.at_level(logging.WARNING, logger="ecom_orchestration.notify"):
        send_alert(alert, None)
    (record,) = [r for r in caplog.records if r.getMessage().startswith(LOG_PREFIX)]
    payload = json.loads(record.getMessage()[len(LOG_PREFIX) + 1 :])
    assert payload == {"dag_id": "d", "lines": ["p=7"], "run_id": "r", "severity": "warning", "title": "t"}
    assert alert.as_text() == "[WARNING] t\n  - p=7"


def test_format_rows_caps_the_body() -> None:
    rows = [{"product_id": i, "n": i * 2} for i in range(5)]
    assert format_rows(rows, limit=2) == ("product_id=0, n=0", "product_id=1, n=2", "... and 3 more")


@pytest.mark.slow
@pytest.mark.parametrize("executable", [None, "dbt"], ids=["in-process", "subprocess"])
def test_run_dbt_reads_show_rows_in_process_and_as_a_subprocess(tmp_path: Path, executable: str | None) -> None:
    from dataclasses import replace

    from conftest import DBT
    from ecom_orchestration.dbt_invoke import run_dbt

    settings = replace(
        load_settings({"DUCKDB_PATH": str(tmp_path / "w.duckdb")}),
        dbt_executable=str(DBT) if executable else None,
    )
    import os

    os.environ["DUCKDB_PATH"] = str(tmp_path / "w.duckdb")
    try:
        result = run_dbt(
            settings, ["show", "--inline", "select 7 as product_id, 'x' as t", "--no-write-json"], tmp_path
        )
    finally:
        os.environ.pop("DUCKDB_PATH", None)
    assert result.success
    assert [{k: (int(v) if k == "product_id" else v) for k, v in r.items()} for r in result.rows] == [
        {"product_id": 7, "t": "x"}
    ]
