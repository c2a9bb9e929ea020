"""The dbt node configs BigQuery receives, read from ``dbt parse`` manifests (no warehouse).

Emulators do not record partitioning, clustering, labels, policy tags or
``require_partition_filter``, so these are asserted on the parsed project instead. Expected
values are written out by hand from dbt/README_BIGQUERY.md (the strategy) and the folders.
"""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt"
POLICY_TAG = "projects/acme/locations/eu/taxonomies/123/policyTags/456"

#: model -> (day column, BigQuery clustering, lookback days, require_partition_filter)
INCREMENTAL = {
    "fct_order_items": ("order_date", ["product_id", "customer_id"], 45, True),
    "fct_orders": ("order_date", ["customer_id"], 45, False),
    "fct_sales_daily": ("order_date", ["currency"], 45, False),
}
#: models recomputed from a start day onwards (incremental_from_day): model -> (day column, clustering, lookback)
FROM_DAY = {
    "stg_web__events": ("event_date", ["anonymous_id"], 3),
    "int_web_events_sessionized": ("event_date", ["anonymous_id"], 3),
    "int_web_sessions_aggregated": ("session_date", ["channel_group"], 3),
    "fct_web_sessions": ("session_date", ["channel_group", "customer_id"], 3),
    "fct_web_conversion_daily": ("session_date", ["channel_group"], 3),
    "int_product_activity_hourly": ("activity_date", None, 45),
    "fct_product_alerts": ("alert_date", None, 45),
    "int_orders_attributed": ("order_date", None, 45),
}
#: one row per key (incremental_by_key): model -> key
BY_KEY = {"int_web_visitors_identified": "anonymous_id"}


def _parse(tmp_path: Path, target: str, *extra: str, env: dict[str, str] | None = None) -> dict:
    from dbt.cli.main import dbtRunner

    out = tmp_path / f"parse_{target}_{len(extra)}"
    args = ["parse", "--target", target, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    args += ["--target-path", str(out), "--quiet", *extra]
    with mock.patch.dict("os.environ", {"DBT_LOG_PATH": str(tmp_path / "logs"), **(env or {})}):
        result = dbtRunner().invoke(args)
    assert result.success, result.exception
    manifest = json.loads((out / "manifest.json").read_text())
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


@pytest.fixture(scope="module")
def bigquery_models(tmp_path_factory) -> dict:
    return _parse(tmp_path_factory.mktemp("bq"), "bigquery", env={"PII_POLICY_TAG": POLICY_TAG})


def test_incremental_facts_on_bigquery(bigquery_models):
    incremental = {n for n, m in bigquery_models.items() if m["config"]["materialized"] == "incremental"}
    assert incremental == set(INCREMENTAL) | set(FROM_DAY) | set(BY_KEY)
    for name, (column, cluster, lookback) in FROM_DAY.items():
        c = bigquery_models[name]["config"]
        assert c["incremental_strategy"] == "insert_overwrite", name
        assert c["partition_by"] == {"field": column, "data_type": "date", "granularity": "day"}, name
        assert (c["cluster_by"], c["incremental_lookback_days"], c["on_schema_change"]) == (cluster, lookback, "fail")
        assert c.get("partitions") is None, name
    for name, key in BY_KEY.items():
        c = bigquery_models[name]["config"]
        assert (c["incremental_strategy"], c["unique_key"], c.get("partition_by")) == ("merge", key, None), name
    for name, (column, cluster, lookback, rpf) in INCREMENTAL.items():
        c = bigquery_models[name]["config"]
        assert c["incremental_strategy"] == "insert_overwrite", name
        assert c["partition_by"] == {"field": column, "data_type": "date", "granularity": "day"}, name
        assert c["cluster_by"] == cluster, name
        assert c["incremental_lookback_days"] == lookback, name
        assert c["require_partition_filter"] is rpf, name
        assert c["on_schema_change"] == "fail", name
        assert c.get("partitions") is None, name  # dynamic partitions unless a backfill names days


def test_labels_and_persist_docs_on_every_model(bigquery_models):
    for name, m in bigquery_models.items():
        parts = Path(m["original_file_path"]).parts  # models/<layer>/<domain>/<file>
        layer = parts[1]
        c = m["config"]
        if layer in ("staging", "intermediate", "marts"):
            assert c["labels"] == {"layer": layer, "domain": parts[2]}, name
        assert c["persist_docs"] == {"relation": True, "columns": True}, name


def test_pii_policy_tag_only_on_pii_hash_columns(bigquery_models):
    tagged = {
        (name, col): spec.get("policy_tags")
        for name, m in bigquery_models.items()
        for col, spec in m["columns"].items()
        if spec.get("policy_tags")
    }
    assert tagged == {("dim_customers", "email_hash"): [POLICY_TAG]}


def test_backfill_uses_static_partitions(tmp_path):
    models = _parse(tmp_path, "bigquery", "--vars", "{incremental_partitions: [2025-03-01, 2025-03-02]}")
    assert models["fct_order_items"]["config"]["partitions"] == ["date '2025-03-01'", "date '2025-03-02'"]
    # recomputed from the earliest named day on: every partition from that day is replaced
    assert models["fct_web_sessions"]["config"]["partitions"][:3] == [
        "date '2025-03-01'",
        "date '2025-03-02'",
        "date '2025-03-03'",
    ]


def test_backfill_rejects_non_dates(tmp_path):
    from dbt.cli.main import dbtRunner

    args = ["parse", "--target", "bigquery", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    args += ["--target-path", str(tmp_path / "t"), "--quiet", "--vars", "{incremental_partitions: [2025-3-1]}"]
    with mock.patch.dict("os.environ", {"DBT_LOG_PATH": str(tmp_path / "logs")}):
        result = dbtRunner().invoke(args)
    assert not result.success
    assert "is not an ISO date" in str(result.exception)


def test_same_models_are_incremental_on_duckdb(tmp_path):
    models = _parse(tmp_path, "duckdb")
    for name, (column, *_rest) in INCREMENTAL.items():
        c = models[name]["config"]
        assert (c["materialized"], c["incremental_strategy"], c["unique_key"]) == (
            "incremental",
            "delete+insert",
            column,
        ), name
        assert c.get("partition_by") is None, name  # dbt-duckdb refuses BigQuery's partition_by dict
    for name in FROM_DAY:
        assert models[name]["config"]["incremental_strategy"] == "days_onwards", name
