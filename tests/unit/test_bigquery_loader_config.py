"""The BigQuery backend's generated configuration, checked without Google or an emulator.

Covers what emulation cannot show: the exact load-job configuration (schema from the
contract, source format, write disposition, partitioning), raw table partitioning,
clustering, labels and policy tags, staging-table naming (idempotent per file), the
settings read from Terraform's environment, and the transaction script.
Expected values are written out by hand from ``loaders/contract.yml``.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from google.cloud import bigquery

from loaders import gcs
from loaders.backends.bigquery import (
    BigQueryConfigError,
    BigQuerySettings,
    bookkeeping_table_definition,
    bq_string,
    load_job_config,
    raw_schema,
    raw_table_definition,
    replace_file_script,
    staging_table_name,
)
from loaders.contract import load_contract
from loaders.report import FileResult

SETTINGS = BigQuerySettings(project="acme-prod", dataset="raw", bucket="acme-landing", pii_policy_tag="projects/p/t/1")
CONTRACT = load_contract()


def test_load_job_config_is_exact():
    orders = CONTRACT.table("orders")
    cfg = load_job_config(raw_schema(orders), "_loaded_at")
    api = cfg.to_api_repr()["load"]
    assert api["sourceFormat"] == "NEWLINE_DELIMITED_JSON"
    assert api["writeDisposition"] == "WRITE_TRUNCATE"
    assert api["createDisposition"] == "CREATE_IF_NEEDED"
    assert api["autodetect"] is False
    assert api["maxBadRecords"] == 0
    assert api["ignoreUnknownValues"] is False
    assert api["timePartitioning"] == {"type": "DAY", "field": "_loaded_at"}
    fields = [(f["name"], f["type"], f["mode"]) for f in api["schema"]["fields"]]
    # Hand-copied from loaders/contract.yml (shop.orders), then the three metadata columns.
    assert fields == [
        ("order_id", "STRING", "REQUIRED"),
        ("customer_id", "STRING", "NULLABLE"),
        ("status", "STRING", "REQUIRED"),
        ("currency", "STRING", "REQUIRED"),
        ("country_code", "STRING", "NULLABLE"),
        ("channel", "STRING", "NULLABLE"),
        ("utm_source", "STRING", "NULLABLE"),
        ("utm_medium", "STRING", "NULLABLE"),
        ("utm_campaign", "STRING", "NULLABLE"),
        ("discount_code", "STRING", "NULLABLE"),
        ("subtotal_amount", "NUMERIC", "REQUIRED"),
        ("discount_amount", "NUMERIC", "REQUIRED"),
        ("shipping_amount", "NUMERIC", "REQUIRED"),
        ("tax_amount", "NUMERIC", "REQUIRED"),
        ("total_amount", "NUMERIC", "REQUIRED"),
        ("created_at", "TIMESTAMP", "REQUIRED"),
        ("cancelled_at", "TIMESTAMP", "NULLABLE"),
        ("returned_at", "TIMESTAMP", "NULLABLE"),
        ("updated_at", "TIMESTAMP", "REQUIRED"),
        ("store_id", "STRING", "NULLABLE"),
        ("_source_file", "STRING", "REQUIRED"),
        ("_source_line", "INT64", "REQUIRED"),
        ("_loaded_at", "TIMESTAMP", "REQUIRED"),
        ("_extra", "STRING", "NULLABLE"),
    ]
    money = next(f for f in api["schema"]["fields"] if f["name"] == "total_amount")
    assert (int(money["precision"]), int(money["scale"])) == (18, 2)  # DECIMAL(18,2) like DuckDB


def test_key_and_unit_price_columns_map_to_string_and_numeric_18_4():
    # contract.yml: order_items ids are `key`, unit_price is `decimal4`, discount_amount `decimal`.
    fields = {f.name: f for f in raw_schema(CONTRACT.table("order_items"))}
    assert [(n, fields[n].field_type) for n in ("order_item_id", "order_id", "product_id")] == [
        ("order_item_id", "STRING"),
        ("order_id", "STRING"),
        ("product_id", "STRING"),
    ]
    assert "precision" not in fields["order_id"].to_api_repr()
    price = fields["unit_price"].to_api_repr()
    assert (price["type"], int(price["precision"]), int(price["scale"])) == ("NUMERIC", 18, 4)
    amount = fields["discount_amount"].to_api_repr()
    assert (amount["type"], int(amount["precision"]), int(amount["scale"])) == ("NUMERIC", 18, 2)
    assert fields["quantity"].field_type == "INT64"


def test_raw_tables_partitioned_clustered_labelled_and_pii_tagged():
    customers = raw_table_definition(CONTRACT.table("customers"), SETTINGS)
    assert customers.table_id == "customers" and customers.dataset_id == "raw" and customers.project == "acme-prod"
    assert customers.time_partitioning.type_ == "DAY"
    assert customers.time_partitioning.field == "_loaded_at"
    assert customers.clustering_fields == ["_source_file"]
    assert customers.labels == {"layer": "raw", "managed_by": "loaders", "domain": "shop", "table": "customers"}
    tagged = [f.name for f in customers.schema if f.policy_tags and f.policy_tags.names]
    # contract.yml: customers.email, first_name, last_name and phone are pii: true.
    assert tagged == ["email", "first_name", "last_name", "phone"]
    assert customers.schema[1].policy_tags.names == ("projects/p/t/1",)
    # No PII anywhere else in the contract, so no other raw table carries a tag.
    for t in CONTRACT.tables:
        if t.name != "customers":
            definition = raw_table_definition(t, SETTINGS)
            assert not [f.name for f in definition.schema if f.policy_tags and f.policy_tags.names], t.name
    # Without a configured tag (local/dev), nothing is tagged.
    untagged = raw_table_definition(CONTRACT.table("customers"), BigQuerySettings("p", "raw", "b"))
    assert not [f.name for f in untagged.schema if f.policy_tags and f.policy_tags.names]


def test_bookkeeping_tables():
    audit = bookkeeping_table_definition("_load_audit", SETTINGS)
    quarantine = bookkeeping_table_definition("_quarantine", SETTINGS)
    assert audit.time_partitioning.field == "started_at"
    assert quarantine.time_partitioning.field == "quarantined_at"
    assert [f.name for f in quarantine.schema] == [
        "table_name",
        "source_file",
        "line_number",
        "column_name",
        "reason",
        "raw_line",
        "quarantined_at",
        "sha256",
    ]
    with pytest.raises(ValueError, match="not a bookkeeping table"):
        bookkeeping_table_definition("orders", SETTINGS)


def test_staging_table_is_per_file_and_stable():
    a = staging_table_name("orders", "shop/orders/a.csv", "rows")
    assert a == staging_table_name("orders", "shop/orders/a.csv", "rows")  # a retry truncates its own table
    assert a != staging_table_name("orders", "shop/orders/b.csv", "rows")
    assert a != staging_table_name("orders", "shop/orders/a.csv", "quarantine")
    assert a.startswith("_stage_orders_rows_") and len(a) == len("_stage_orders_rows_") + 12


def test_landing_object_layout():
    assert (
        gcs.landing_object_name("web", "events", date(2024, 3, 1), "web/events/2024-03-01.jsonl.gz")
        == "web/events/dt=2024-03-01/2024-03-01.jsonl.gz"
    )
    assert gcs.content_type("x.jsonl.gz") == "application/gzip"
    assert gcs.content_type("x.csv") == "text/csv"
    with pytest.raises(ValueError, match="invalid table"):
        gcs.landing_object_name("shop", "../x", date(2024, 1, 1), "a.csv")


def test_settings_from_terraform_environment():
    env = {
        "GCP_PROJECT_ID": "acme-prod",
        "RAW_DATASET": "prod_raw",
        "LANDING_BUCKET": "gs://acme-landing/",
        "BIGQUERY_LOCATION": "europe-west1",
        "PII_POLICY_TAG": "projects/acme-prod/locations/eu/taxonomies/1/policyTags/2",
        "LOADER_IMPERSONATE_SERVICE_ACCOUNT": "loader@acme-prod.iam.gserviceaccount.com",
    }
    s = BigQuerySettings.from_env(env=env)
    assert (s.project, s.dataset, s.bucket, s.location) == ("acme-prod", "prod_raw", "acme-landing", "europe-west1")
    assert s.pii_policy_tag.endswith("/policyTags/2")
    assert s.impersonate_service_account.startswith("loader@")
    assert BigQuerySettings.from_env("other.raw2", env=env).table_id("orders") == "other.raw2.orders"
    with pytest.raises(BigQueryConfigError, match="LANDING_BUCKET"):
        BigQuerySettings.from_env(env={"GCP_PROJECT_ID": "p"})
    with pytest.raises(BigQueryConfigError, match="GCP_PROJECT_ID"):
        BigQuerySettings.from_env(env={"LANDING_BUCKET": "b"})
    with pytest.raises(BigQueryConfigError, match="project.dataset"):
        BigQuerySettings.from_env("a.b.c", env=env)


def test_replace_file_script_is_one_transaction_with_reconciliation():
    t = CONTRACT.table("order_items")
    result = FileResult(
        table="order_items",
        source_file="shop/order_items/it's.csv",
        sha256="ab" * 32,
        bytes=10,
        status="loaded",
        rows_read=7,
        rows_loaded=5,
        rows_rejected=2,
        started_at=datetime(2024, 3, 1, 10, 0, 0),
        finished_at=datetime(2024, 3, 1, 10, 0, 1, 500000),
    )
    script = replace_file_script(
        SETTINGS, t, result.source_file, rows_staging="_stage_r", quarantine_staging="_stage_q", result=result
    )
    statements = [s.strip() for s in script.split(";\n") if s.strip()]
    assert statements[0] == "BEGIN TRANSACTION" and statements[-1] == "COMMIT TRANSACTION"
    f = "'shop/order_items/it\\'s.csv'"
    assert statements[1] == f"DELETE FROM `acme-prod.raw.order_items` WHERE _source_file = {f}"
    assert (
        statements[2]
        == f"DELETE FROM `acme-prod.raw._quarantine` WHERE table_name = 'order_items' AND source_file = {f}"
    )
    assert statements[3].startswith("INSERT INTO `acme-prod.raw.order_items` (`order_item_id`, ")
    assert statements[3].endswith("FROM `acme-prod.raw._stage_r`")
    assert statements[4].startswith("INSERT INTO `acme-prod.raw._quarantine`")
    assert "= 7, 'reconciled', ERROR(" in statements[5]
    assert statements[6].startswith("INSERT INTO `acme-prod.raw._load_audit`")
    assert (
        "'loaded', TIMESTAMP '2024-03-01 10:00:00.000000', TIMESTAMP '2024-03-01 10:00:01.500000', 1500"
        in (statements[6])
    )
    # Nothing rejected: no quarantine insert.
    no_q = replace_file_script(SETTINGS, t, "a.csv", rows_staging="_stage_r", quarantine_staging=None, result=result)
    assert "INSERT INTO `acme-prod.raw._quarantine`" not in no_q


def test_bq_string_escapes():
    assert bq_string("a'b\\c\nd") == "'a\\'b\\\\c\\nd'"


def test_job_config_round_trips_through_the_client_library():
    cfg = load_job_config(raw_schema(CONTRACT.table("events")), "_loaded_at")
    again = bigquery.LoadJobConfig.from_api_repr(cfg.to_api_repr())
    assert again.source_format == "NEWLINE_DELIMITED_JSON"
    assert [f.name for f in again.schema][:3] == ["event_id", "event_name", "event_timestamp"]
