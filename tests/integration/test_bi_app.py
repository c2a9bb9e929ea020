"""The BI app: each panel's figures equal SQL written here, and in headless Chromium filters (URL and widgets)
change the KPI cards to figures computed by SQL.

The expected figures are plain SQL over the marts (``fct_orders``, ``fct_order_items`` with ``dim_products``,
``fct_web_sessions``, ``fct_web_conversion_daily``, ``fct_support_tickets``, ``fct_product_alerts``) through
a second read-only connection, never MetricFlow's SQL, and the prediction panels are checked on rows written
by hand into a copy of the warehouse. The app itself runs in its own process (``streamlit run``) on the
session's sample warehouse.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from serving import bi
from serving.app_launcher import running_app
from serving.marts import Marts
from serving.screenshot import browser, chromium_path, wait_for_run, wait_until_rendered
from serving.semantic import SemanticLayer
from tests.integration.analytics_warehouse import built_warehouse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    db = built_warehouse(tmp_path_factory)
    return db, db.parent / "target" / "semantic_manifest.json"


@pytest.fixture(scope="module")
def page(warehouse):
    try:
        chromium_path()
    except FileNotFoundError as exc:
        pytest.fail(f"{exc}: `make setup-extra` installs it")
    db, manifest = warehouse
    with running_app(manifest, db) as (url, _), browser() as chromium:
        tab = chromium.new_page(viewport={"width": 1440, "height": 1200})
        tab.base_url = url
        yield tab


@pytest.fixture(scope="module")
def sql(warehouse):
    con = duckdb.connect(str(warehouse[0]), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def layer(warehouse):
    db, manifest = warehouse
    semantic = SemanticLayer(manifest, db)
    yield semantic
    semantic.close()


#: One filter combination for every panel: November 2025, USD, web orders, Apparel, organic search on mobile.
NOVEMBER = bi.Filters(
    start=dt.date(2025, 11, 1),
    end=dt.date(2025, 11, 30),
    currency="USD",
    sales_channels=("web",),
    channel_groups=("Organic Search", "Paid Search"),
    devices=("mobile",),
    categories=("Apparel",),
)


def test_funnel_equals_session_counts(layer, sql):
    (row,) = bi.funnel(layer, NOVEMBER).rows
    expected = sql.execute(
        """select count(*), count(*) filter (where has_view_item), count(*) filter (where has_add_to_cart),
                  count(*) filter (where has_begin_checkout), count(*) filter (where has_purchase)
           from marts.fct_web_sessions
           where session_date between '2025-11-01' and '2025-11-30'
             and channel_group in ('Organic Search', 'Paid Search') and device_type = 'mobile'"""
    ).fetchone()
    assert expected[0] > expected[1] > expected[4] > 0
    assert row == expected
    # Without the device filter, the same counts as the daily conversion mart's (another model, summed here).
    all_devices = bi.Filters(NOVEMBER.start, NOVEMBER.end, channel_groups=NOVEMBER.channel_groups)
    daily = sql.execute(
        """select sum(session_count), sum(view_item_session_count), sum(add_to_cart_session_count),
                  sum(begin_checkout_session_count), sum(purchase_session_count)
           from marts.fct_web_conversion_daily
           where session_date between '2025-11-01' and '2025-11-30'
             and channel_group in ('Organic Search', 'Paid Search')"""
    ).fetchone()
    assert bi.funnel(layer, all_devices).rows == [daily]


def test_top_products_equal_order_lines_by_product(layer, sql):
    shown = bi.top_products(layer, NOVEMBER, limit=5)
    expected = sql.execute(
        """select i.product_id, p.product_title, p.category, sum(i.net_sales_amount),
                  sum(i.quantity) filter (where not i.is_cancelled)
           from marts.fct_order_items as i
           join marts.fct_orders as o on o.order_id = i.order_id
           join marts.dim_products as p on p.product_id = i.product_id
           where i.order_date between '2025-11-01' and '2025-11-30' and o.currency = 'USD'
             and coalesce(o.channel, 'unknown') = 'web' and p.category = 'Apparel'
           group by 1, 2, 3 order by 4 desc, 1 limit 5"""
    ).fetchall()
    assert len(expected) == 5
    got = [
        (r["product"], r["product__product_title"], r["product__category"], r["product_net_revenue"], r["units_sold"])
        for r in shown.records()
    ]
    assert got == expected
    # Another category, the whole year and every channel: the ranking follows the filters.
    home = bi.top_products(layer, bi.Filters(dt.date(2025, 1, 1), dt.date(2025, 12, 31), categories=("Home",)), 3)
    assert {r["product__category"] for r in home.records()} == {"Home"}
    assert home.rows[0][0] != shown.rows[0][0]


def test_support_backlog_equals_ticket_counts(layer, sql):
    shown = bi.support_backlog(layer, NOVEMBER)
    expected = sql.execute(
        """with days as (select cast(d as date) as day from generate_series(date '2025-11-01', date '2025-11-30',
                                                                              interval 1 day) as t(d))
           select day,
                  (select count(*) from marts.fct_support_tickets where created_date = day),
                  (select count(*) from marts.fct_support_tickets where is_solved and solved_date = day),
                  (select count(*) from marts.fct_support_tickets
                   where created_date <= day and (solved_date is null or solved_date > day))
           from days order by day"""
    ).fetchall()
    assert shown.columns == ["metric_time__day", "tickets_created", "tickets_solved", "ticket_backlog"]
    assert shown.rows == expected
    # Over the whole month the backlog is the last day's, not a sum of days.
    (total,) = layer.query(list(bi.SUPPORT), start=NOVEMBER.start, end=NOVEMBER.end).rows
    assert total == (sum(r[1] for r in expected), sum(r[2] for r in expected), expected[-1][3])


def test_alert_counts_and_list_equal_the_alerts_mart(layer, sql):
    counts = bi.alert_counts(layer, NOVEMBER)
    expected = sql.execute(
        """select alert_date, metric_name, count(*) from marts.fct_product_alerts
           where alert_date between '2025-11-01' and '2025-11-30' and category = 'Apparel'
           group by 1, 2 order by 1, 2"""
    ).fetchall()
    assert expected and sorted(counts.rows) == expected
    listed = bi.alerts(Marts(layer), NOVEMBER)
    assert len(listed.rows) == min(50, sum(n for _, _, n in expected))
    assert {r["category"] for r in listed.records()} == {"Apparel"}


def test_prediction_panels_equal_rows_written_by_hand(warehouse, tmp_path):
    db, manifest = warehouse
    copy = tmp_path / db.name  # same file name: the manifest's database alias
    shutil.copyfile(db, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("delete from marts.dim_customer_clv")
        con.execute(
            """insert into marts.dim_customer_clv
                   (customer_id, currency, probability_alive, predicted_clv_amount, training_end_date)
               values ('7', 'USD', 0.82, 310.25, date '2025-12-31'), ('9', 'USD', 0.10, 12.00, date '2025-12-31'),
                      ('11', 'USD', 0.50, 999.99, date '2025-12-31')"""
        )
        con.execute("delete from marts.fct_revenue_forecast_daily")
        con.execute(
            """insert into marts.fct_revenue_forecast_daily
                   (currency, model_name, is_baseline, forecast_date, forecast_net_sales_amount,
                    forecast_net_sales_lower_95_amount, forecast_net_sales_lower_80_amount,
                    forecast_net_sales_upper_80_amount, forecast_net_sales_upper_95_amount)
               values ('USD', 'MSTL', false, date '2026-01-01', 100.00, 60.00, 80.00, 120.00, 140.00),
                      ('USD', 'MSTL', false, date '2026-01-02', 110.50, 70.00, 90.00, 130.00, 150.00),
                      ('USD', 'SeasonalNaive', true, date '2026-01-01', 555.00, 1, 2, 3, 4),
                      ('EUR', 'MSTL', false, date '2026-01-01', 777.00, 1, 2, 3, 4)"""
        )
    layer = SemanticLayer(manifest, copy)
    try:
        f = bi.Filters(dt.date(2025, 1, 1), dt.date(2025, 12, 31), currency="USD")
        # The CLV is stated in the reporting currency (USD): every scored customer whatever the currency chosen.
        by_clv = [("11", Decimal("999.99"), 0.50), ("7", Decimal("310.25"), 0.82), ("9", Decimal("12.00"), 0.10)]
        assert bi.customer_clv(layer, f).rows == by_clv
        assert bi.customer_clv(layer, dataclasses.replace(f, currency="EUR")).rows == by_clv
        assert bi.clv_currency(layer) == "USD"
        assert bi.revenue_forecast(layer, f).rows == [
            (dt.date(2026, 1, 1), Decimal("100.00")),
            (dt.date(2026, 1, 2), Decimal("110.50")),
        ]
        bands = bi.forecast_intervals(Marts(layer), f)
        assert [row[2:] for row in bands.rows] == [
            (Decimal("60.00"), Decimal("80.00"), Decimal("120.00"), Decimal("140.00")),
            (Decimal("70.00"), Decimal("90.00"), Decimal("130.00"), Decimal("150.00")),
        ]
    finally:
        layer.close()


def cards(page) -> dict[str, str]:
    """KPI card label -> value text as shown."""
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    return {label.strip(): value.strip() for label, value in zip(labels, values, strict=True)}


def open_view(page, query: str) -> dict[str, str]:
    page.goto(f"{page.base_url}/?{query}")
    wait_until_rendered(page)
    return cards(page)


def expected_orders(
    sql, start: str, end: str, channel: str | None = None, country: str | None = None, currency: str = "USD"
) -> dict:
    """The KPI cards of one currency (the app shows one at a time: the URL's, else the one with the most revenue)."""
    where = ["order_date between ? and ?", "currency = ?"]
    params: list = [start, end, currency]
    if channel:
        where.append("coalesce(channel, 'unknown') = ?")
        params.append(channel)
    if country:
        where.append("shipping_country_code = ?")
        params.append(country)
    net, orders, net_orders, customers, new = sql.execute(
        f"""select sum(net_sales_amount), count(*), count(*) filter (where not is_cancelled and not is_returned),
                   count(distinct customer_id) filter (where not is_cancelled),
                   count(*) filter (where is_new_customer_order)
            from marts.fct_orders where {" and ".join(where)}""",
        params,
    ).fetchone()
    return {
        "Net revenue (USD)": f"{net:,.2f}",
        "Orders": f"{orders:,}",
        "Net orders": f"{net_orders:,}",
        "AOV (USD)": f"{(net / net_orders).quantize(Decimal('0.01')):,.2f}",
        "Customers": f"{customers:,}",
        "New customers": f"{new:,}",
    }


def test_url_filters_set_the_cards(page, sql):
    shown = open_view(page, "start=2025-11-01&end=2025-11-30&country=US&currency=USD")
    expected = expected_orders(sql, "2025-11-01", "2025-11-30", country="US")
    assert {k: shown[k] for k in expected} == expected
    sessions, purchases = sql.execute(
        """select count(*), count(*) filter (where has_purchase) from marts.fct_web_sessions
           where session_date between '2025-11-01' and '2025-11-30'"""
    ).fetchone()
    assert shown["Conversion rate"] == f"{purchases / sessions * 100:.2f} %"


def test_changing_a_filter_widget_changes_the_cards(page, sql):
    before = open_view(page, "start=2025-06-01&end=2025-06-30")  # no currency: the one with the most revenue, USD
    assert {k: before[k] for k in expected_orders(sql, "2025-06-01", "2025-06-30")} == expected_orders(
        sql, "2025-06-01", "2025-06-30"
    )
    widget = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Sales channel")
    widget.locator("input").click()
    page.keyboard.type("mobile_app")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_function(
        "(before) => document.querySelector('[data-testid=\"stMetricValue\"]').innerText.trim() !== before",
        arg=before["Net revenue (USD)"],
        timeout=30_000,
    )
    wait_until_rendered(page)
    expected = expected_orders(sql, "2025-06-01", "2025-06-30", channel="mobile_app")
    after = cards(page)
    assert {k: after[k] for k in expected} == expected
    assert "channel=mobile_app" in page.url


def test_empty_period_shows_empty_states_not_errors(page):
    shown = open_view(page, "start=2024-01-01&end=2024-01-31")
    assert shown["Orders"] == "n/a" and shown["AOV (USD)"] == "n/a"
    assert page.get_by_text("No orders in this period and selection.").count() == 1
    for name in ("Marketing", "Customers", "Operations", "Predictions"):
        page.get_by_role("tab", name=name).click()
        wait_for_run(page)
        assert f"tab={name}" in page.url
        assert page.locator('[data-testid="stException"]').count() == 0, name
        assert page.locator('[data-testid="stAlert"]').count() > 0, name  # each tab says what is empty


def test_operations_tab_shows_the_filtered_top_products(page, sql):
    page.goto(f"{page.base_url}/?start=2025-11-01&end=2025-11-30&category=Home&currency=USD&tab=Operations")
    page.get_by_text("Top products by net sales (USD)").wait_for(timeout=60_000)
    wait_for_run(page)
    (title,) = sql.execute(
        """select p.product_title from marts.fct_order_items as i
           join marts.fct_orders as o on o.order_id = i.order_id
           join marts.dim_products as p on p.product_id = i.product_id
           where i.order_date between '2025-11-01' and '2025-11-30' and p.category = 'Home' and o.currency = 'USD'
           group by i.product_id, p.product_title order by sum(i.net_sales_amount) desc, i.product_id limit 1"""
    ).fetchone()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Top products by net sales (USD)").count() == 1
    assert page.locator("svg text", has_text=title).count() >= 1  # the bar chart's product axis
