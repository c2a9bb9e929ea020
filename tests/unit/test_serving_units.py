"""Pure parts of the serving package (no warehouse): app filters from URL parameters, API filter syntax,
Looker Studio data source parameters and the partition-filter rule, on values written by hand."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from fastapi import HTTPException

from serving import bi, looker_studio
from serving.api import _filters, _split
from serving.semantic import SemanticLayer, SemanticLayerError, _quote_value, _without_grain

OPTIONS = bi.Options(
    first_date=dt.date(2025, 1, 1),
    last_date=dt.date(2025, 12, 31),
    currencies=["USD", "EUR"],
    sales_channels=["mobile_app", "web"],
    countries=["DE", "US"],
    channel_groups=["Email", "Paid Search"],
    categories=["Apparel"],
    devices=["desktop", "mobile"],
)


def test_filters_default_to_everything_over_the_data_range():
    f = bi.filters_from_params({}, OPTIONS)
    assert (f.start, f.end, f.currency) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31), "USD")
    assert f.orders() == {bi.CURRENCY: ("USD",)}
    assert f.sessions() == {} and f.marketing() == {}


def test_filters_from_params_keep_known_values_only():
    params = {
        "start": "2025-03-01",
        "end": "2025-03-31",
        "currency": "EUR",
        "channel": "web,fax",
        "country": "US",
        "channel_group": "Email,Paid Search",
        "category": "Garden",
    }
    f = bi.filters_from_params(params, OPTIONS)
    assert (f.start, f.end, f.currency) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31), "EUR")
    assert f.orders() == {bi.SALES_CHANNEL: ("web",), bi.COUNTRY: ("US",), bi.CURRENCY: ("EUR",)}
    assert f.sessions() == {bi.SESSION_CHANNEL: ("Email", "Paid Search")}
    assert f.marketing() == {bi.MARKETING_CHANNEL: ("Email", "Paid Search")}
    assert f.categories == ()
    with pytest.raises(ValueError):
        bi.filters_from_params({"start": "03/01/2025"}, OPTIONS)


def test_each_panel_gets_the_filters_of_its_dimensions():
    params = {"channel": "web", "channel_group": "Email", "device": "mobile,watch", "category": "Apparel"}
    f = bi.filters_from_params(params, OPTIONS)
    assert f.devices == ("mobile",)
    assert f.sessions() == {bi.SESSION_CHANNEL: ("Email",), bi.DEVICE: ("mobile",)}
    assert f.products() == {bi.SALES_CHANNEL: ("web",), bi.CURRENCY: ("USD",), bi.CATEGORY: ("Apparel",)}
    assert f.alerts() == {bi.CATEGORY: ("Apparel",)}
    assert f.marketing() == {bi.MARKETING_CHANNEL: ("Email",)}  # ad spend has no device
    everything = bi.filters_from_params({}, OPTIONS)
    assert everything.alerts() == {} and everything.products() == {bi.CURRENCY: ("USD",)}


def test_store_filter_applies_only_when_the_manifest_has_a_store_dimension():
    f = bi.Filters(dt.date(2025, 1, 1), dt.date(2025, 1, 2), stores=("Berlin",), store_dimension="order__store")
    assert f.orders() == {"order__store": ("Berlin",)}
    assert bi.Filters(dt.date(2025, 1, 1), dt.date(2025, 1, 2), stores=("Berlin",)).orders() == {}


def test_api_filter_and_list_syntax():
    assert _filters(["order__currency:USD,EUR", "order__sales_channel:web", "order__currency:GBP"]) == {
        "order__currency": ["USD", "EUR", "GBP"],
        "order__sales_channel": ["web"],
    }
    assert _split(["revenue, orders", "aov"]) == ["revenue", "orders", "aov"]
    for bad in ("order__currency", ":USD", "order__currency:"):
        with pytest.raises(HTTPException) as err:
            _filters([bad])
        assert err.value.status_code == 422


def test_names_and_values_for_metricflow():
    assert _without_grain("metric_time__week") == "metric_time"
    assert _without_grain("cohort_period__cohort_month__month") == "cohort_period__cohort_month"
    assert _without_grain("order__currency") == "order__currency"
    assert _quote_value("O'Brien") == "'O''Brien'"


def _source(**overrides) -> looker_studio.DataSource:
    fields = dict(
        alias="ds0",
        model="fct_sales_daily",
        project="p",
        dataset="marts",
        table="fct_sales_daily",
        partition_field="order_date",
        partition_type="date",
        require_partition_filter=True,
        date_dimension="order_date",
    )
    fields.update(overrides)
    return looker_studio.DataSource(**fields)


def test_data_source_parameters():
    assert _source().parameters() == {
        "ds.ds0.connector": "bigQuery",
        "ds.ds0.type": "TABLE",
        "ds.ds0.projectId": "p",
        "ds.ds0.datasetId": "marts",
        "ds.ds0.tableId": "fct_sales_daily",
        "ds.ds0.isPartitioned": "true",
    }
    assert "ds.ds1.isPartitioned" not in _source(alias="ds1", partition_field=None, partition_type=None).parameters()
    assert not _source(partition_type="int64").is_time_partitioned
    assert _source(partition_type="timestamp").is_time_partitioned


def test_partition_filter_rule_on_a_hand_made_manifest():
    def node(name, partition, required):
        return {
            "name": name,
            "database": "p",
            "schema": "marts",
            "alias": name,
            "columns": {},
            "config": {"partition_by": partition, "require_partition_filter": required},
        }

    manifest = {
        "nodes": {
            "model.x.by_day": node("by_day", {"field": "d", "data_type": "date"}, True),
            "model.x.by_int": node("by_int", {"field": "i", "data_type": "int64"}, True),
            "model.x.plain": node("plain", None, False),
        },
        "exposures": {
            "exposure.x.ok": {"name": "ok", "depends_on": {"nodes": ["model.x.by_day", "model.x.plain"]}},
            "exposure.x.bad": {"name": "bad", "depends_on": {"nodes": ["model.x.plain", "model.x.by_int"]}},
        },
    }
    problems = looker_studio.unsupplied_partition_filters(manifest)
    assert len(problems) == 1 and problems[0].startswith("bad: by_int requires a partition filter on i (int64)")
    ok = looker_studio.exposure_sources(manifest)["ok"]
    assert [(s.alias, s.model, s.is_time_partitioned) for s in ok] == [("ds0", "by_day", True), ("ds1", "plain", False)]


def test_a_manifest_parsed_for_bigquery_is_refused(tmp_path):
    manifest = tmp_path / "semantic_manifest.json"
    relation = {
        "database": "p",
        "schema_name": "marts",
        "alias": "fct_orders",
        "relation_name": "`p`.`marts`.`fct_orders`",
    }
    manifest.write_text(json.dumps({"semantic_models": [{"node_relation": relation}]}))
    database = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(database)).close()
    with pytest.raises(SemanticLayerError, match="parsed for BigQuery"):
        SemanticLayer(manifest, database)
