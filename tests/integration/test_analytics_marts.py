"""The analytics marts and semantic layer against figures computed independently from the raw sample files.

One warehouse per session (analytics_warehouse.built_warehouse: loader CLI + one full `dbt build`, which also
runs every mart's data tests and unit tests). Each expected value below is computed in plain Python from
`seeds/` (csv/json + Decimal) with the documented definitions (DECISIONLOG.md); none reads the project's SQL.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from analytics_warehouse import (
    DBT,
    MF,
    ROOT,
    SEEDS,
    built_warehouse,
    dbt_env,
    local_day,
    order_zone,
    parse_ts,
    read_events,
    read_latest_csv,
    run,
    store_zones,
)

pytestmark = pytest.mark.slow

VARS = yaml.safe_load((ROOT / "dbt" / "dbt_project.yml").read_text())["vars"]


@pytest.fixture(scope="module")
def analytics_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's analytics warehouse (built on first use)."""
    db = built_warehouse(tmp_path_factory)
    _SESSION_DB[:] = [db]
    return db


@pytest.fixture(scope="module")
def con(analytics_db: Path):
    connection = duckdb.connect(str(analytics_db), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def raw() -> dict:
    """Orders and their revenue from the CSVs: net = gross - discounts - refunds of the refunds feed, or 0 when
    cancelled or returned without refund lines (DECISIONLOG.md "Finance terms")."""
    orders = read_latest_csv(SEEDS / "shop" / "orders", "order_id")
    items = read_latest_csv(SEEDS / "shop" / "order_items", "order_item_id")
    refunds = read_latest_csv(SEEDS / "shop" / "refunds", "refund_line_id")
    refunds = {
        k: r for k, r in refunds.items() if r["order_id"] in orders and orders[r["order_id"]]["status"] != "cancelled"
    }
    in_feed = {r["order_id"] for r in refunds.values()}
    gross: dict[str, Decimal] = defaultdict(Decimal)
    net: dict[str, Decimal] = defaultdict(Decimal)
    units: dict[str, int] = defaultdict(int)
    for item in items.values():
        order = orders.get(item["order_id"])
        if order is None:
            continue
        line_gross = int(item["quantity"]) * Decimal(item["unit_price"])
        gross[item["order_id"]] += line_gross
        units[item["order_id"]] += int(item["quantity"])
        if order["status"] != "cancelled" and (order["status"] != "returned" or item["order_id"] in in_feed):
            net[item["order_id"]] += line_gross - Decimal(item["discount_amount"])
    for refund in refunds.values():
        net[refund["order_id"]] -= Decimal(refund["amount"])
    zones = store_zones(SEEDS)
    # each order's store-local order day (the sample's stores close their books in New York and Berlin time)
    local = {o: local_day(row["created_at"], order_zone(row, zones)) for o, row in orders.items()}
    return {"orders": orders, "items": items, "gross": gross, "net": net, "units": units, "local_day": local}


_SESSION_DB: list[Path] = []


def _copy_of_session_warehouse(workdir: Path) -> Path:
    target = workdir / "warehouse_copy.duckdb"
    target.write_bytes(_SESSION_DB[0].read_bytes())
    return target


def _scalar(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


def _iso_week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


# ------------------------------------------------------------------ reconciliation


def test_order_fact_reconciles_with_raw_net_sales(con, raw):
    """fct_orders against the CSVs. The marts are reconciled with fct_orders inside dbt (singular tests
    dbt/tests/<domain>/horizontal_integrity_*.sql, run by the session's `dbt build` on every target), so this
    anchors the whole chain to the raw files."""
    expected = {}
    for currency in sorted({row["currency"] for row in raw["orders"].values()}):  # never add two currencies up
        orders = {o: row for o, row in raw["orders"].items() if row["currency"] == currency}
        total_net = sum((raw["net"][o] for o in orders), Decimal(0))
        customer_net = sum((raw["net"][o] for o, row in orders.items() if row["customer_id"]), Decimal(0))
        valid = [o for o, row in orders.items() if row["status"] != "cancelled"]
        valid_net = sum((raw["net"][o] for o in valid), Decimal(0))
        assert total_net > 0 and len(orders) > 1000 and 0 < len(valid) < len(orders)
        expected[currency] = (len(orders), total_net, customer_net, len(valid), valid_net)
    assert list(expected) == ["EUR", "USD"]
    got = con.execute(
        """select currency, count(*), sum(net_sales_amount),
                  sum(case when customer_id is not null then net_sales_amount else 0 end),
                  sum(case when not is_cancelled then 1 else 0 end),
                  sum(case when not is_cancelled then net_sales_amount else 0 end)
           from marts.fct_orders group by currency"""
    ).fetchall()
    assert {row[0]: tuple(row[1:]) for row in got} == expected


def test_reconciliations_run_inside_dbt(analytics_db):
    """The mart-to-fact reconciliations are dbt singular tests, one per domain: the session's `dbt build` ran and
    passed each of them."""
    results = json.loads((analytics_db.parent / "target" / "run_results.json").read_text(encoding="utf-8"))
    statuses = {
        r["unique_id"].split(".")[-1]: r["status"]
        for r in results["results"]
        if r["unique_id"].startswith("test.") and "horizontal_integrity_" in r["unique_id"]
    }
    assert statuses == {
        "horizontal_integrity_sales_marts_orders": "pass",
        "horizontal_integrity_net_sales_marts_orders": "pass",
        "horizontal_integrity_marketing_marts_orders": "pass",
        "horizontal_integrity_reporting_sales_daily_orders": "pass",
        "horizontal_integrity_sales_daily_by_store": "pass",
    }


def test_cohort_sizes_sum_to_the_customer_count(con, raw):
    first_order: dict[str, datetime] = {}
    for row in raw["orders"].values():
        if row["customer_id"] and row["status"] != "cancelled":
            ts = parse_ts(row["created_at"])
            if row["customer_id"] not in first_order or ts < first_order[row["customer_id"]]:
                first_order[row["customer_id"]] = ts
    expected = defaultdict(int)
    for ts in first_order.values():
        expected[date(ts.year, ts.month, 1)] += 1
    actual = dict(
        con.execute(
            "select cohort_month, cohort_customer_count from marts.fct_customer_cohorts"
            " where months_since_first_order = 0"
        ).fetchall()
    )
    assert actual == dict(expected)
    assert (
        sum(actual.values())
        == len(first_order)
        == _scalar(con, "select count(*) from marts.dim_customer_lifetime where order_count > 0")
    )
    # dense: every cohort has one row per month from its first month to the observation month, none missing
    last = max(parse_ts(r["created_at"]) for r in raw["orders"].values())
    expected_rows = sum((last.year - m.year) * 12 + last.month - m.month + 1 for m in expected)
    assert _scalar(con, "select count(*) from marts.fct_customer_cohorts") == expected_rows


def test_btyd_inputs_match_an_independent_computation(con, raw):
    """Fader-Hardie-Lee inputs per customer, as lifetimes' summary_data_from_transaction_data (daily period)."""
    observation = max(parse_ts(r["created_at"]).date() for r in raw["orders"].values())
    daily: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for order_id, row in raw["orders"].items():
        if row["customer_id"] and row["status"] != "cancelled":
            daily[row["customer_id"]][parse_ts(row["created_at"]).date()] += raw["net"][order_id]
    expected = {}
    for customer_id, days in daily.items():
        ordered = sorted(days)
        repeat = [days[d] for d in ordered[1:]]
        monetary = (sum(repeat, Decimal(0)) / len(repeat)).quantize(Decimal("0.01")) if repeat else Decimal("0.00")
        expected[customer_id] = (  # customer_id is a key: text, as in the file
            len(ordered) - 1,
            (ordered[-1] - ordered[0]).days,
            (observation - ordered[0]).days,
            monetary,
        )
    actual = {
        row[0]: tuple(row[1:])
        for row in con.execute(
            "select customer_id, frequency, recency, t, monetary_value from marts.dim_customer_btyd_summary"
        ).fetchall()
    }
    assert actual.keys() == expected.keys()
    for customer_id, (frequency, recency, age, monetary) in expected.items():
        assert actual[customer_id][:3] == (frequency, recency, age), customer_id
        # the mean is rounded to cents; SQL and Python may round a half-cent differently
        assert abs(actual[customer_id][3] - monetary) <= Decimal("0.01"), customer_id
    assert any(v[0] > 0 for v in expected.values()) and any(v[0] == 0 for v in expected.values())


def _sessions_from_events() -> dict[tuple, dict]:
    """Sessions by Google Analytics' rule: the tracker's session id, else a gap of more than the timeout
    (web_session_timeout_minutes) between a visitor's consecutive untracked events starts a new session."""
    timeout = timedelta(minutes=VARS["web_session_timeout_minutes"])
    sessions: dict[tuple, dict] = {}
    untracked: dict[str, list[tuple[datetime, str, str]]] = defaultdict(list)
    for event in read_events(SEEDS / "web" / "events"):
        ts = parse_ts(event["event_timestamp"])
        if event.get("session_id"):
            session = sessions.setdefault(("tracker", event["session_id"]), {"events": 0, "purchase": False})
            session["events"] += 1
            session["purchase"] |= event["event_name"] == "purchase"
        else:
            untracked[event["anonymous_id"]].append((ts, event["event_id"], event["event_name"]))
    for visitor, events in untracked.items():
        events.sort()
        start = previous = None
        for ts, _event_id, name in events:
            if previous is None or ts - previous > timeout:
                start = ts
            previous = ts
            session = sessions.setdefault(("derived", visitor, start), {"events": 0, "purchase": False})
            session["events"] += 1
            session["purchase"] |= name == "purchase"
    return sessions


def test_web_sessions_follow_the_ga_session_rule(con):
    sessions = _sessions_from_events()
    derived = sum(1 for key in sessions if key[0] == "derived")
    assert derived > 0 and len(sessions) > derived
    actual = con.execute(
        """select count(*), sum(case when is_session_id_derived then 1 else 0 end),
                  sum(case when has_purchase then 1 else 0 end), sum(event_count)
           from marts.fct_web_sessions"""
    ).fetchone()
    assert actual == (
        len(sessions),
        derived,
        sum(1 for s in sessions.values() if s["purchase"]),
        sum(s["events"] for s in sessions.values()),
    )
    # the daily conversion mart re-aggregates the same sessions
    assert con.execute(
        "select sum(session_count), sum(purchase_session_count) from marts.fct_web_conversion_daily"
    ).fetchone() == (len(sessions), sum(1 for s in sessions.values() if s["purchase"]))


def test_sales_calendars_are_dense(con, raw):
    """Every currency has a row per day (store-local order days: from the first to the last day of any store) and
    slice value, zeros on the quiet ones."""
    days = sorted(set(raw["local_day"].values()))
    n_days = (days[-1] - days[0]).days + 1
    # New York days start before 2025-01-01 UTC ends, Berlin days end after 2025-12-31 UTC
    assert (days[0], days[-1]) == (date(2024, 12, 31), date(2026, 1, 1))
    currencies = {r["currency"] for r in raw["orders"].values()}
    # a currency's slice values are those its orders have (the euro store ships to euro countries only)
    channels = {(r["currency"], r["channel"] or "unknown") for r in raw["orders"].values()}
    countries = {(r["currency"], r["country_code"] or "ZZ") for r in raw["orders"].values()}
    assert len(countries) < len(currencies) * len({c for _, c in countries})
    assert _scalar(con, "select count(*) from marts.fct_sales_daily_by_channel") == n_days * len(channels)
    assert _scalar(con, "select count(*) from marts.fct_sales_daily_by_country") == n_days * len(countries)
    weeks = (_iso_week_start(days[-1]) - _iso_week_start(days[0])).days // 7 + 1
    assert _scalar(con, "select count(*) from marts.fct_sales_weekly") == weeks * len(currencies)
    months = (days[-1].year - days[0].year) * 12 + days[-1].month - days[0].month + 1
    assert _scalar(con, "select count(*) from marts.fct_sales_monthly") == months * len(currencies)
    # days without orders exist in a dense calendar and carry zeros
    quiet = _scalar(con, "select count(*) from marts.fct_sales_daily_by_channel where order_count = 0")
    assert quiet == n_days * len(channels) - len(
        {(raw["local_day"][o], r["currency"], r["channel"] or "unknown") for o, r in raw["orders"].items()}
    )


def _expected_alerts(raw: dict) -> dict[tuple, float]:
    """Spike alerts recomputed from the raw files with the rule of fct_product_alerts and the project's vars."""
    activity: dict[tuple, int] = defaultdict(int)
    for event in read_events(SEEDS / "web" / "events"):
        if event["event_name"] == "view_item" and event.get("product_id") is not None:
            hour = parse_ts(event["event_timestamp"]).replace(minute=0, second=0, microsecond=0)
            activity[(str(event["product_id"]), "product_views", hour)] += 1
    for item in raw["items"].values():
        order = raw["orders"].get(item["order_id"])
        if order is not None:
            hour = parse_ts(order["created_at"]).replace(minute=0, second=0, microsecond=0)
            activity[(item["product_id"], "units_sold", hour)] += int(item["quantity"])
    first_day = {}
    for _product, metric, hour in activity:
        first_day[metric] = min(first_day.get(metric, hour.date()), hour.date())
    n = VARS["alert_baseline_days"]
    alerts = {}
    for (product, metric, hour), observed in activity.items():
        if observed < VARS["alert_min_count"] or (hour.date() - first_day[metric]).days < n:
            continue
        baseline = [activity.get((product, metric, hour - timedelta(days=k)), 0) for k in range(1, n + 1)]
        mean = sum(baseline) / n
        stddev = math.sqrt(sum((b - mean) ** 2 for b in baseline) / (n - 1))
        z = (observed - mean) / max(stddev, VARS["alert_min_stddev"])
        if z >= VARS["alert_z_score_threshold"] and observed >= VARS["alert_min_ratio"] * mean:
            alerts[(product, metric, hour)] = z
    return alerts


def test_spike_alerts_match_an_independent_recomputation(con, raw):
    expected = _expected_alerts(raw)
    actual = {
        (row[0], row[1], row[2]): row[3]
        for row in con.execute(
            "select product_id, metric_name, alert_hour_at, z_score from marts.fct_product_alerts"
        ).fetchall()
    }
    assert {"product_views", "units_sold"} <= {key[1] for key in expected}
    assert actual.keys() == expected.keys()
    assert all(math.isclose(actual[k], expected[k], rel_tol=1e-9) for k in expected)


def test_semantic_layer_weekly_revenue_and_orders(tmp_path, raw, analytics_db):
    """`mf query --metrics revenue,orders --group-by metric_time__week,order__currency` on the DuckDB warehouse
    equals gross sales and order counts per currency and ISO week of the store-local order day from the CSVs.
    MetricFlow reads <project>/target, so the query runs in a throwaway project folder that links to dbt/'s files."""
    workdir = tmp_path
    project = workdir / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "models", "macros", "seeds", "snapshots", "tests", "analyses"):
        if (ROOT / "dbt" / name).exists():
            (project / name).symlink_to(ROOT / "dbt" / name)
    env = dbt_env(workdir)
    # the session's warehouse, read through a copy: MetricFlow never writes, but DuckDB allows one process per file
    env["DUCKDB_PATH"] = str(_copy_of_session_warehouse(workdir))
    env.update(DBT_PROJECT_DIR=str(project), DBT_TARGET_PATH=str(project / "target"))
    run([str(DBT), "parse", "--quiet"], env, cwd=project)
    out = workdir / "weekly.csv"
    run(
        [
            *(str(MF), "query", "--metrics", "revenue,orders"),
            *("--group-by", "metric_time__week,order__currency", "--csv", str(out)),
        ],
        env,
        cwd=project,
    )
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    actual = {
        (row["metric_time__week"][:10], row["order__currency"]): (Decimal(row["revenue"]), int(float(row["orders"])))
        for row in rows
    }
    expected: dict[tuple[str, str], list] = defaultdict(lambda: [Decimal(0), 0])
    for order_id, order in raw["orders"].items():
        week = (_iso_week_start(raw["local_day"][order_id]).isoformat(), order["currency"])
        expected[week][0] += raw["gross"][order_id]
        expected[week][1] += 1
    assert actual.keys() == expected.keys()
    for week, (revenue, orders) in expected.items():
        assert actual[week][1] == orders, week
        assert abs(actual[week][0] - revenue) < Decimal("0.01"), week
