"""The metrics API and the KPI summary on the session's sample warehouse: figures equal SQL over the marts.

The expected values are plain SQL over ``marts.fct_orders`` and ``marts.fct_web_sessions`` (a second
connection), never MetricFlow's SQL; errors are checked for their status and message.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import warnings
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from serving import kpis
from serving.api import create_app
from serving.semantic import SemanticLayer
from tests.integration.analytics_warehouse import built_warehouse

pytestmark = pytest.mark.slow

with warnings.catch_warnings():
    # FastAPI's TestClient is Starlette's, which asks for a package (httpx2) this project does not use.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    db = built_warehouse(tmp_path_factory)
    return db, db.parent / "target" / "semantic_manifest.json"


@pytest.fixture(scope="module")
def layer(warehouse):
    db, manifest = warehouse
    semantic = SemanticLayer(manifest, db)
    yield semantic
    semantic.close()


@pytest.fixture(scope="module")
def marts_sql(warehouse):
    con = duckdb.connect(str(warehouse[0]), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def client(layer):
    return TestClient(create_app(layer, TOKEN))


def test_kpi_summary_equals_sql_over_fct_orders(layer, marts_sql):
    expected = marts_sql.execute(
        """select currency, cast(min(order_date) as varchar), cast(max(order_date) as varchar),
                  sum(gross_sales_amount), sum(net_sales_amount), count(*),
                  count(*) filter (where not is_cancelled and not is_returned),
                  count(distinct customer_id) filter (where not is_cancelled)
           from marts.fct_orders group by currency order by currency"""
    ).fetchall()
    summaries = kpis.compute_kpis(layer)
    assert [s.currency for s in summaries] == [row[0] for row in expected]
    for s, (_, first, last, gross, net, orders, net_orders, customers) in zip(summaries, expected, strict=True):
        assert (s.first_order_date, s.last_order_date) == (first, last)
        assert (s.gross_sales_amount, s.net_sales_amount) == (gross, net)
        assert (s.order_count, s.net_order_count, s.customer_count) == (orders, net_orders, customers)
        assert s.average_order_value_amount == (net / net_orders).quantize(Decimal("0.01"))


def test_lists_exactly_the_manifest(client, warehouse):
    manifest = json.loads(warehouse[1].read_text())
    metrics = client.get("/metrics", headers=AUTH).json()
    assert sorted(m["name"] for m in metrics) == sorted(m["name"] for m in manifest["metrics"])
    assert all(m["description"] for m in metrics)
    saved = client.get("/saved-queries", headers=AUTH).json()
    assert sorted(q["name"] for q in saved) == sorted(q["name"] for q in manifest["saved_queries"])
    revenue = client.get("/metrics/revenue", headers=AUTH).json()
    assert "order__sales_channel" in revenue["dimensions"] and "session__channel_group" not in revenue["dimensions"]


def test_metrics_by_month_channel_filter_equal_sql(client, marts_sql):
    params = {
        "metrics": "revenue,orders",
        "grain": "month",
        "group_by": "order__sales_channel",
        "filter": "order__sales_channel:web,pos",
        "start": "2025-03-01",
        "end": "2025-05-31",
    }
    body = client.get("/query", params=params, headers=AUTH).json()
    got = {(r["metric_time__month"], r["order__sales_channel"]): (r["revenue"], r["orders"]) for r in body["rows"]}
    expected = marts_sql.execute(
        """select cast(date_trunc('month', order_date) as date), coalesce(channel, 'unknown'),
                  sum(gross_sales_amount), count(*)
           from marts.fct_orders
           where order_date between '2025-03-01' and '2025-05-31' and coalesce(channel, 'unknown') in ('web', 'pos')
           group by 1, 2"""
    ).fetchall()
    assert len(expected) == 6
    assert got == {(str(m), ch): (float(rev), n) for m, ch, rev, n in expected}


def test_saved_query_csv_equals_sql_exactly(client, marts_sql):
    response = client.get(
        "/saved-queries/web_conversion_by_channel/query",
        params={"start": "2025-10-01", "end": "2025-10-31", "format": "csv"},
        headers=AUTH,
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    expected = marts_sql.execute(
        """select channel_group, count(*), count(*) filter (where has_purchase)
           from marts.fct_web_sessions where session_date between '2025-10-01' and '2025-10-31'
           group by 1 order by 1"""
    ).fetchall()
    assert expected
    assert [(r["session__channel_group"], int(r["sessions"]), int(r["purchase_sessions"])) for r in rows] == expected
    for r, (_, sessions, purchases) in zip(rows, expected, strict=True):
        assert float(r["conversion_rate"]) == pytest.approx(purchases / sessions, rel=1e-12)


def test_no_or_wrong_token_is_401(client):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic dGVzdA=="}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
        assert "bearer token" in response.json()["detail"]
    assert client.get("/health").status_code == 200


def test_unknown_names_are_404(client):
    for path, params in (
        ("/metrics/no_such_metric", {}),
        ("/query", {"metrics": "revenue,no_such_metric"}),
        ("/saved-queries/no_such_query", {}),
        ("/saved-queries/no_such_query/query", {}),
    ):
        response = client.get(path, params=params, headers=AUTH)
        assert response.status_code == 404, path
        assert "no_such_" in response.json()["detail"]


def test_bad_dimension_grain_or_filter_is_422(client):
    cases = (
        {"metrics": "revenue", "group_by": "session__channel_group"},
        {"metrics": "revenue", "group_by": "order__no_such_dimension"},
        {"metrics": "revenue", "filter": "session__channel_group:Email"},
        {"metrics": "revenue", "filter": "order__currency"},
        {"metrics": "revenue", "grain": "fortnight"},
        {"metrics": "revenue", "order_by": "orders"},
        {"metrics": "revenue", "start": "not-a-date"},
    )
    for params in cases:
        response = client.get("/query", params=params, headers=AUTH)
        assert response.status_code == 422, params
        assert response.json()["detail"], params


def test_filter_values_are_data_not_sql(client):
    response = client.get(
        "/query", params={"metrics": "orders", "filter": "order__sales_channel:web') or (1=1"}, headers=AUTH
    )
    assert response.status_code == 200
    assert response.json()["rows"] == [{"orders": None}] or response.json()["rows"] == []


def test_clv_predictions_absent_is_404_not_500(client, layer):
    from serving.marts import Marts

    response = client.get("/predictions/clv/1", headers=AUTH)
    if Marts(layer).relation("customer_clv") is None:
        assert response.status_code == 404 and "not built" in response.json()["detail"]
    else:
        assert response.status_code in (200, 404)


def test_readers_share_the_file_and_cannot_write(layer, warehouse):
    with duckdb.connect(str(warehouse[0]), read_only=True) as other:
        assert other.execute("select count(*) from marts.fct_orders").fetchone()[0] > 0
    with pytest.raises(duckdb.Error, match="read-only|read only"):
        layer.client.select(f'create table "{layer.alias}".marts.x as select 1 as a')


def test_clv_predictions_are_served_per_customer_when_the_mart_exists(warehouse, tmp_path):
    db, manifest = warehouse
    copy = tmp_path / db.name  # same file name: the manifest's database alias
    shutil.copyfile(db, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            """create or replace table marts.dim_customer_clv as select * from (values
                   ('7', 0.82, 1.4, cast(310.25 as decimal(18, 2))),
                   ('gid://shopify/Customer/10', 0.50, 0.9, cast(99.90 as decimal(18, 2))),
                   ('10', 0.30, 0.5, cast(45.00 as decimal(18, 2))),
                   ('9', 0.10, 0.2, cast(12.00 as decimal(18, 2)))
               ) as t(customer_id, probability_alive, expected_purchases_90d, clv_amount)"""
        )
    layer = SemanticLayer(manifest, copy)
    try:
        client = TestClient(create_app(layer, TOKEN))
        # customer ids are keys (text); a key with slashes is one path parameter
        assert client.get("/predictions/clv/gid://shopify/Customer/10", headers=AUTH).json()["clv_amount"] == 99.90
        assert client.get("/predictions/clv/7", headers=AUTH).json() == {
            "customer_id": "7",
            "probability_alive": 0.82,
            "expected_purchases_90d": 1.4,
            "clv_amount": 310.25,
        }
        missing = client.get("/predictions/clv/8", headers=AUTH)
        assert missing.status_code == 404 and "customer 8" in missing.json()["detail"]
        listed = client.get("/predictions/clv", params={"format": "csv"}, headers=AUTH).text.splitlines()
        assert listed == [
            "customer_id,probability_alive,expected_purchases_90d,clv_amount",
            # key order, shorter keys first: integer keys in numeric order
            "7,0.82,1.4,310.25",
            "9,0.10,0.2,12.00",
            "10,0.30,0.5,45.00",
            "gid://shopify/Customer/10,0.50,0.9,99.90",
        ]
    finally:
        layer.close()


def test_unbuilt_marts_are_a_clear_error(warehouse, tmp_path, capsys):
    manifest = warehouse[1]
    empty = tmp_path / "warehouse.duckdb"  # the manifest's database name, no marts in it
    duckdb.connect(str(empty)).close()
    assert kpis.main(["--database", str(empty), "--manifest", str(manifest)]) == 2
    assert "fct_orders" in capsys.readouterr().err
    layer = SemanticLayer(manifest, empty)
    try:
        response = TestClient(create_app(layer, TOKEN)).get("/query", params={"metrics": "orders"}, headers=AUTH)
        assert response.status_code == 503 and "dbt build" in response.json()["detail"]
    finally:
        layer.close()


def test_concurrent_cold_queries_match_sequential_ones(warehouse):
    db, manifest = warehouse
    queries = [
        {"metrics": ["revenue"], "grain": grain, "filters": {"order__sales_channel": [channel]}}
        for grain in ("day", "week", "month", "quarter")
        for channel in ("web", "pos")
    ] + [{"metrics": ["sessions", "conversion_rate"], "group_by": ["session__channel_group"]}]
    concurrent_layer, sequential_layer = SemanticLayer(manifest, db), SemanticLayer(manifest, db)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            concurrent = list(pool.map(lambda q: concurrent_layer.query(**q).rows, queries * 2))
        sequential = [sequential_layer.query(**q).rows for q in queries]
        assert concurrent == sequential * 2
    finally:
        concurrent_layer.close()
        sequential_layer.close()
