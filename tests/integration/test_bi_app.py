"""The BI app in headless Chromium: filters (URL and widgets) change the KPI cards to figures computed by SQL.

The expected figures are plain SQL over ``marts.fct_orders`` and ``marts.fct_web_sessions`` through a
second read-only connection, formatted as the cards show them; the app itself runs in its own process
(``streamlit run``) on the session's sample warehouse.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from serving.app_launcher import running_app
from serving.screenshot import browser, chromium_path, wait_for_run, wait_until_rendered
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


def cards(page) -> dict[str, str]:
    """KPI card label -> value text as shown."""
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    return {label.strip(): value.strip() for label, value in zip(labels, values, strict=True)}


def open_view(page, query: str) -> dict[str, str]:
    page.goto(f"{page.base_url}/?{query}")
    wait_until_rendered(page)
    return cards(page)


def expected_orders(sql, start: str, end: str, channel: str | None = None, country: str | None = None) -> dict:
    where = ["order_date between ? and ?"]
    params: list = [start, end]
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
    shown = open_view(page, "start=2025-11-01&end=2025-11-30&country=US")
    expected = expected_orders(sql, "2025-11-01", "2025-11-30", country="US")
    assert {k: shown[k] for k in expected} == expected
    sessions, purchases = sql.execute(
        """select count(*), count(*) filter (where has_purchase) from marts.fct_web_sessions
           where session_date between '2025-11-01' and '2025-11-30'"""
    ).fetchone()
    assert shown["Conversion rate"] == f"{purchases / sessions * 100:.2f} %"


def test_changing_a_filter_widget_changes_the_cards(page, sql):
    before = open_view(page, "start=2025-06-01&end=2025-06-30")
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
