"""Reporting currency end to end: a generated shop selling in USD, EUR and GBP, against pandas over the raw files.

The generator writes orders in three currencies and weekday USD rates (finance/fx_rates); the shop feeds and the
rates are loaded and the order models built with ``shop_timezone=Europe/Berlin`` (the session's ``berlin_shop``,
which the time-zone tests read too). pandas recomputes, from the CSVs
only: each order's Berlin day (``tz_convert``), its rate (``merge_asof`` backwards within the carry-forward
window), net sales = gross - line discounts (zero for cancelled and returned orders) converted and rounded to cents
half away from zero per order (``Decimal.quantize``), summed per day over every currency. The marts must equal it to
the cent. A build without carry-forward must fail the named test and list the weekend (currency, day) pairs.
The weekly and monthly marts (Berlin weeks and months), the sliced daily marts (per channel and country) and the
KPI summary's all-currencies block equal the same per-order USD amounts summed by pandas; a week whose EUR rates
are removed fails the named test with its (currency, day) pairs and its EUR week is null, never a partial sum.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from analytics_warehouse import BERLIN_VARS, DBT, ROOT, dbt_env, run

pytestmark = pytest.mark.slow

ZONE = BERLIN_VARS["shop_timezone"]
CARRY_DAYS = yaml.safe_load((ROOT / "dbt" / "dbt_project.yml").read_text())["vars"]["fx_rate_max_carry_forward_days"]
# Returns booked on the order day: a day's net sales are its orders' in their current state, as computed below.
VARS = BERLIN_VARS


@pytest.fixture(scope="module")
def landing(berlin_shop) -> Path:
    return berlin_shop["landing"]


@pytest.fixture(scope="module")
def built(berlin_shop) -> Path:
    """The landing loaded (shop feeds and rates) and the order models built in the Berlin zone, USD reporting."""
    return berlin_shop["database"]


def _csv(landing: Path, rel: str) -> pd.DataFrame:
    return pd.read_csv(landing / rel, dtype=str, keep_default_na=False)


def _latest(landing: Path, rel: str, key: str) -> pd.DataFrame:
    """A shop feed, one row per key: the latest updated_at, then the later line (DECISIONLOG "Deduplication")."""
    rows = _csv(landing, rel)
    rows["_line"] = range(len(rows))
    return rows.sort_values(["updated_at", "_line"]).drop_duplicates(key, keep="last")


@pytest.fixture(scope="module")
def expected(landing) -> pd.DataFrame:
    """One row per order: currency, Berlin order_date, rate, net sales and its USD amount (Decimal)."""
    orders = _latest(landing, "shop/orders/orders.csv", "order_id").set_index("order_id")
    items = _latest(landing, "shop/order_items/order_items.csv", "order_item_id")
    items = items[items["order_id"].isin(orders.index)]
    line_net = items["quantity"].map(int) * items["unit_price"].map(Decimal) - items["discount_amount"].map(Decimal)
    net = pd.DataFrame({"order_id": items["order_id"], "net": line_net}).groupby("order_id")["net"].sum()
    frame = orders[["currency", "status"]].join(net)
    frame["net"] = frame["net"].where(frame["net"].notna(), Decimal(0))
    frame.loc[frame["status"].isin(["cancelled", "returned"]), "net"] = Decimal(0)
    local = pd.to_datetime(orders["created_at"]).dt.tz_localize("UTC").dt.tz_convert(ZONE)
    frame["order_date"] = pd.to_datetime(local.dt.date).astype("datetime64[us]")
    rates = _csv(landing, "finance/fx_rates/fx_rates.csv")
    rates = rates[rates["quote_currency"] == "USD"]
    rates = pd.concat(
        [
            rates,
            pd.DataFrame(
                {"rate_date": frame["order_date"].dt.strftime("%Y-%m-%d").unique(), "currency": "USD", "rate": "1"}
            ),
        ]
    )
    rates["rate_date"] = pd.to_datetime(rates["rate_date"]).astype("datetime64[us]")
    frame = pd.merge_asof(
        frame.reset_index().sort_values("order_date"),
        rates[["rate_date", "currency", "rate"]].sort_values("rate_date"),
        left_on="order_date",
        right_on="rate_date",
        by="currency",
        tolerance=pd.Timedelta(days=CARRY_DAYS),
        direction="backward",
    )
    assert frame["rate"].notna().all()
    frame["net_usd"] = [
        (n * Decimal(r)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        for n, r in zip(frame["net"], frame["rate"], strict=True)
    ]
    frame["order_date"] = frame["order_date"].dt.date
    return frame.set_index("order_id")


def test_the_sample_sells_in_three_currencies_and_rates_skip_weekends(landing, expected):
    assert set(expected["currency"]) == {"USD", "EUR", "GBP"}
    rates = _csv(landing, "finance/fx_rates/fx_rates.csv")
    days = pd.to_datetime(rates["rate_date"])
    assert (days.dt.day_of_week < 5).all() and set(rates["currency"]) == {"EUR", "GBP"}


def test_every_order_converts_at_its_local_days_rate(built, expected):
    con = duckdb.connect(str(built), read_only=True)
    got = {
        order_id: (day, currency, rate, net_usd)
        for order_id, day, currency, rate, net_usd in con.execute(
            "select order_id, order_date, reporting_currency, fx_rate, net_sales_reporting_amount from marts.fct_orders"
        ).fetchall()
    }
    want = {
        order_id: (row.order_date, "USD", Decimal(row.rate).quantize(Decimal("0.000000001")), row.net_usd)
        for order_id, row in expected.iterrows()
    }
    assert got == want


def test_daily_net_sales_in_the_reporting_currency_match_pandas_to_the_cent(built, expected):
    want = {day: sum(group, Decimal(0)) for day, group in expected.groupby("order_date")["net_usd"]}
    con = duckdb.connect(str(built), read_only=True)
    got = dict(
        con.execute(
            "select order_date, sum(net_sales_reporting_amount) from marts.fct_sales_daily group by order_date"
        ).fetchall()
    )
    assert len(want) > 80 and got == want
    # the currencies' own net sales are not summed into one figure: EUR and GBP days differ from the USD twin
    native = dict(
        con.execute("select order_date, sum(net_sales_amount) from marts.fct_sales_daily group by 1").fetchall()
    )
    assert sum(native.values()) != sum(got.values())


def test_a_missing_rate_fails_the_named_test_with_currency_and_day(built, expected, tmp_path):
    """Without carry-forward (0 days), weekend orders in EUR and GBP have no rate: the test lists those pairs."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(built, db)
    env = dbt_env(tmp_path)
    no_carry = json.dumps({**VARS, "fx_rate_max_carry_forward_days": 0})
    # the rates and the orders' enrichment with them, which the named test reads
    run([str(DBT), "run", "--quiet", "--select", "int_fx_rates_daily", "int_orders_enriched", "--vars", no_carry], env)
    proc = subprocess.run(
        [str(DBT), "test", "--select", "fx_rate_missing_for_order_day", "--store-failures", "--vars", no_carry],
        cwd=ROOT / "dbt",
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0 and "fx_rate_missing_for_order_day" in proc.stdout
    weekend = expected[(pd.to_datetime(expected["order_date"]).dt.day_of_week >= 5) & (expected["currency"] != "USD")]
    want = {(c, d): n for (c, d), n in weekend.groupby(["currency", "order_date"]).size().items()}
    con = duckdb.connect(str(db), read_only=True)
    got = {
        (c, d): n
        for c, d, n in con.execute(
            "select currency, order_date, order_count from dbt_test__audit.fx_rate_missing_for_order_day"
        ).fetchall()
    }
    assert want and got == want


def _orders_with_slices(landing: Path, expected: pd.DataFrame) -> pd.DataFrame:
    """expected with each order's gross sales in USD (per order, rounded), sales channel and shipping country."""
    orders = _latest(landing, "shop/orders/orders.csv", "order_id").set_index("order_id")
    items = _latest(landing, "shop/order_items/order_items.csv", "order_item_id")
    gross = (
        pd.DataFrame(
            {"order_id": items["order_id"], "gross": items["quantity"].map(int) * items["unit_price"].map(Decimal)}
        )
        .groupby("order_id")["gross"]
        .sum()
    )
    frame = expected.join(gross)
    frame["gross"] = frame["gross"].where(frame["gross"].notna(), Decimal(0))
    frame["gross_usd"] = [
        (g * Decimal(r)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        for g, r in zip(frame["gross"], frame["rate"], strict=True)
    ]
    channel = orders["channel"].str.strip().str.lower()
    frame["sales_channel"] = channel.where(channel != "", "unknown")
    country = orders["country_code"].str.strip().str.upper()
    frame["country_code"] = country.where(country != "", "ZZ")
    day = pd.to_datetime(frame["order_date"])
    frame["week_start_date"] = (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).dt.date
    frame["month_start_date"] = day.dt.to_period("M").dt.start_time.dt.date
    return frame


def _sums(frame: pd.DataFrame, keys: list[str], column: str) -> dict:
    return {k: sum(g, Decimal(0)) for k, g in frame.groupby(keys)[column]}


def _mart(built: Path, sql: str) -> dict:
    con = duckdb.connect(str(built), read_only=True)
    try:
        return {tuple(row[:-1]): row[-1] for row in con.execute(sql).fetchall()}
    finally:
        con.close()


def _dense_equal(got: dict, want: dict) -> None:
    """Every expected key is in the mart with its value; the mart's other (dense) rows are zero."""
    assert set(want) <= set(got)
    assert got == {k: want.get(k, Decimal("0.00")) for k in got}


@pytest.mark.parametrize("grain", ["week", "month"])
def test_weekly_and_monthly_marts_in_the_reporting_currency_match_pandas(built, landing, expected, grain):
    """Berlin weeks (Monday start) and months: net and gross sales in USD per currency and over every currency."""
    frame = _orders_with_slices(landing, expected)
    start = f"{grain}_start_date"
    mart = f"marts.fct_sales_{grain}ly"
    for column, mart_column in (
        ("net_usd", "net_sales_reporting_amount"),
        ("gross_usd", "gross_sales_reporting_amount"),
    ):
        got = _mart(built, f"select {start}, currency, {mart_column} from {mart}")
        _dense_equal(got, _sums(frame, [start, "currency"], column))
        total = _mart(built, f"select {start}, sum({mart_column}) from {mart} group by 1")
        _dense_equal(total, _sums(frame, [start], column))
    assert set(_mart(built, f"select reporting_currency, count(*) from {mart} group by 1")) == {("USD",)}


@pytest.mark.parametrize("slice_column", ["sales_channel", "country_code"])
def test_sliced_daily_marts_in_the_reporting_currency_match_pandas(built, landing, expected, slice_column):
    frame = _orders_with_slices(landing, expected)
    mart = {"sales_channel": "marts.fct_sales_daily_by_channel", "country_code": "marts.fct_sales_daily_by_country"}
    got = _mart(
        built, f"select order_date, {slice_column}, currency, net_sales_reporting_amount from {mart[slice_column]}"
    )
    _dense_equal(got, _sums(frame, ["order_date", slice_column, "currency"], "net_usd"))
    total = _mart(
        built,
        f"select order_date, {slice_column}, sum(net_sales_reporting_amount) from {mart[slice_column]} group by 1, 2",
    )
    _dense_equal(total, _sums(frame, ["order_date", slice_column], "net_usd"))


def test_kpi_summary_and_app_cards_sum_every_currency_in_the_reporting_currency(built, landing, expected):
    from serving import bi, kpis
    from serving.semantic import SemanticLayer

    frame = _orders_with_slices(landing, expected)
    layer = SemanticLayer(built.parent / "target" / "semantic_manifest.json", built)
    try:
        summary = kpis.compute_reporting_kpis(layer)
        per_currency = kpis.compute_kpis(layer)
        days = (min(frame["order_date"]), max(frame["order_date"]))
        cards = bi.kpis(layer, bi.Filters(start=days[0], end=days[1], currency="EUR"))
    finally:
        layer.close()
    net_orders = int((~frame["status"].isin(["cancelled", "returned"])).sum())
    net = sum(frame["net_usd"], Decimal(0))
    assert summary is not None and summary.currency == "USD"
    assert (summary.order_count, summary.net_order_count) == (len(frame), net_orders)
    assert (summary.gross_sales_amount, summary.net_sales_amount) == (sum(frame["gross_usd"], Decimal(0)), net)
    assert summary.average_order_value_amount == (net / net_orders).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert (summary.first_order_date, summary.last_order_date) == (
        min(frame["order_date"]).isoformat(),
        max(frame["order_date"]).isoformat(),
    )
    # the app's cards: the currency filter picks the EUR figures, the all-currencies card ignores it
    eur = frame[frame["currency"] == "EUR"]
    assert cards["net_revenue"] == sum(eur["net"], Decimal(0)) and cards["orders"] == len(eur)
    assert (cards["reporting_currency"], cards["net_revenue_reporting"]) == ("USD", net)
    text = kpis.format_summary(per_currency, built, built.parent / "index.html", (), summary)
    assert "  [all currencies in USD] orders placed" in text and f"net sales        {net:,.2f} USD" in text


def test_a_week_missing_rates_fails_the_named_test_and_its_week_is_null_not_zero(built, expected, tmp_path):
    """The EUR rates of Mon 2026-02-09 .. Fri 02-13 removed: Wed .. Sun have no rate within the carry-forward window,
    Mon and Tue still carry the Friday before. The named test lists exactly those (EUR, day) pairs and the week's EUR
    reporting amounts are null (not the Mon-Tue part, not zero); other currencies and weeks are unchanged."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(built, db)
    with duckdb.connect(str(db)) as con:
        con.execute(
            "delete from raw.fx_rates where currency = 'EUR' and rate_date between '2026-02-09' and '2026-02-13'"
        )
    env = dbt_env(tmp_path)
    models = ["stg_finance__fx_rates", "int_fx_rates_daily", "int_orders_enriched", "int_orders_aggregated_daily"]
    models += [
        "int_orders_aggregated_by_period",
        "fct_sales_weekly",
        "int_orders_sliced_daily",
        "fct_sales_daily_by_channel",
        "fct_sales_daily_by_store",
    ]
    run([str(DBT), "run", "--quiet", "--full-refresh", "--select", *models, "--vars", json.dumps(VARS)], env)
    proc = subprocess.run(
        [str(DBT), "test", "--select", "fx_rate_missing_for_order_day", "--store-failures", "--vars", json.dumps(VARS)],
        cwd=ROOT / "dbt",
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0 and "fx_rate_missing_for_order_day" in proc.stdout
    days = pd.to_datetime(expected["order_date"])
    lost = expected[(expected["currency"] == "EUR") & days.between("2026-02-11", "2026-02-15")]
    kept = expected[(expected["currency"] == "EUR") & days.between("2026-02-09", "2026-02-10")]
    assert len(lost) and len(kept)
    want = {("EUR", d): n for d, n in lost.groupby("order_date").size().items()}
    with duckdb.connect(str(db), read_only=True) as con:
        got = {
            (c, d): n
            for c, d, n in con.execute(
                "select currency, order_date, order_count from dbt_test__audit.fx_rate_missing_for_order_day"
            ).fetchall()
        }
    assert got == want
    weekly = (
        "select week_start_date, currency, net_sales_amount, net_sales_reporting_amount from marts.fct_sales_weekly"
    )
    before = {(w, c): (n, r) for (w, c, n), r in _mart(built, weekly).items()}
    after = {(w, c): (n, r) for (w, c, n), r in _mart(db, weekly).items()}
    week = pd.Timestamp("2026-02-09").date()
    assert before[(week, "EUR")][1] is not None and after[(week, "EUR")] == (before[(week, "EUR")][0], None)
    assert {k: v for k, v in after.items() if k != (week, "EUR")} == {
        k: v for k, v in before.items() if k != (week, "EUR")
    }
    # The daily slices (by channel, by store): a slice's EUR day that sold on a rateless day is null, not the part
    # with rates; Mon and Tue carry the Friday before's rate (other numbers, not null); all else is unchanged.
    lost_days = set(lost["order_date"].map(lambda d: pd.Timestamp(d).date()))
    kept_days = set(kept["order_date"].map(lambda d: pd.Timestamp(d).date()))
    for mart, column in (("fct_sales_daily_by_channel", "sales_channel"), ("fct_sales_daily_by_store", "store_id")):
        sliced = (
            f"select order_date, {column}, currency, net_sales_amount, net_sales_reporting_amount from marts.{mart}"
        )
        before, after = _mart(built, sliced), _mart(db, sliced)
        hit = {k for k in before if k[2] == "EUR" and k[0] in lost_days and k[3] != 0}
        carried = {k for k in before if k[2] == "EUR" and k[0] in kept_days and k[3] != 0}
        assert hit and all(before[k] is not None and after[k] is None for k in hit), mart
        assert carried and all(after[k] is not None for k in carried), mart
        same = before.keys() - hit - carried
        assert after.keys() == before.keys() and {k: after[k] for k in same} == {k: before[k] for k in same}, mart


def test_customer_lifetime_net_sales_in_the_reporting_currency_match_pandas(built, landing, expected):
    """Each known customer's lifetime net sales in USD = the sum of their valid orders' USD net sales; the one
    customer who bought in two currencies is summed in USD, not by adding EUR and USD numbers."""
    orders = expected.join(_latest(landing, "shop/orders/orders.csv", "order_id").set_index("order_id")["customer_id"])
    valid = orders[(orders["customer_id"] != "") & (orders["status"] != "cancelled")]
    want = {c: sum(g, Decimal(0)) for c, g in valid.groupby("customer_id")["net_usd"]}
    got = _mart(
        built, "select customer_id, net_sales_reporting_amount from marts.dim_customer_lifetime where order_count > 0"
    )
    assert {k[0]: v for k, v in got.items()} == want
    assert (valid.groupby("customer_id")["currency"].nunique() > 1).any()


def test_cohort_net_sales_in_the_reporting_currency_match_pandas(built, landing, expected):
    """Per cohort month (first valid order's Berlin month) and activity month: the USD net sales of valid orders."""
    orders = expected.join(_latest(landing, "shop/orders/orders.csv", "order_id").set_index("order_id")["customer_id"])
    valid = orders[(orders["customer_id"] != "") & (orders["status"] != "cancelled")].copy()
    month = pd.to_datetime(valid["order_date"]).dt.to_period("M").dt.start_time.dt.date
    valid["activity_month"] = month
    valid["cohort_month"] = month.groupby(valid["customer_id"]).transform("min")
    want = _sums(valid, ["cohort_month", "activity_month"], "net_usd")
    got = _mart(
        built, "select cohort_month, activity_month, net_sales_reporting_amount from marts.fct_customer_cohorts"
    )
    _dense_equal(got, want)


def test_product_net_sales_in_the_reporting_currency_match_pandas(built, landing, expected):
    """Per product: each line's net (quantity x unit price - discount; 0 on returned orders, none on cancelled ones)
    converted at its order's rate and rounded per line, summed over every currency."""
    items = _latest(landing, "shop/order_items/order_items.csv", "order_item_id")
    items = items[items["order_id"].isin(expected.index)]
    lines = items.join(expected[["status", "rate"]], on="order_id")
    lines = lines[lines["status"] != "cancelled"]
    net = lines["quantity"].map(int) * lines["unit_price"].map(Decimal) - lines["discount_amount"].map(Decimal)
    net = net.where(lines["status"] != "returned", Decimal(0))
    cents = Decimal("0.01")
    usd = [(n * Decimal(r)).quantize(cents, rounding=ROUND_HALF_UP) for n, r in zip(net, lines["rate"], strict=True)]
    lines = lines.assign(net_usd=usd)
    want = _sums(lines, ["product_id"], "net_usd")
    got = _mart(built, "select product_id, net_sales_reporting_amount from marts.dim_product_performance")
    _dense_equal(got, want)
