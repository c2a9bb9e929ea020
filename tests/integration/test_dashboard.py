"""The local dashboard: built from the session's analytics warehouse, checked as HTML and in headless Chromium.

The KPI figures are compared with values computed from the raw CSVs; Chromium (Debian's package, installed by
`make test` through the Makefile's setup-extra hook) must render every chart offline.
"""

from __future__ import annotations

import re
import struct
import zlib
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from analytics_warehouse import SEEDS, built_warehouse, read_latest_csv

from dashboard.build import build_dashboard
from dashboard.data import MissingMartError, read_dashboard_data
from dashboard.screenshot import dump_dom, find_chromium, screenshot

CHARTS = 9


@pytest.fixture(scope="module")
def dashboard_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = built_warehouse(tmp_path_factory)
    return build_dashboard(db, tmp_path_factory.mktemp("dashboard") / "dashboard.html")


def _raw_kpis() -> tuple[Decimal, int, str]:
    orders = read_latest_csv(SEEDS / "shop" / "orders", "order_id")
    items = read_latest_csv(SEEDS / "shop" / "order_items", "order_item_id")
    net = Decimal(0)
    for item in items.values():
        order = orders.get(item["order_id"])
        if order is not None and order["status"] not in ("cancelled", "returned"):
            net += int(item["quantity"]) * Decimal(item["unit_price"]) - Decimal(item["discount_amount"])
    currencies = {o["currency"] for o in orders.values()}
    assert len(currencies) == 1, "the sample is single-currency; the KPI tiles show its currency"
    return net, len(orders), currencies.pop()


def _tile(page: str, label: str) -> str:
    match = re.search(rf'data-kpi="{re.escape(label)}">([^<]*)<', page)
    assert match, f"no KPI tile {label!r}"
    return match.group(1)


@pytest.mark.slow
def test_dashboard_is_self_contained_and_shows_the_raw_kpis(dashboard_html: Path):
    page = dashboard_html.read_text(encoding="utf-8")
    # no network: no external script, stylesheet or image; plotly.js is inlined
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page)
    assert "Plotly.newPlot" in page and len(page) > 3_000_000
    net, orders, currency = _raw_kpis()
    assert _tile(page, "Net revenue") == f"{net:,.2f} {currency}"
    assert _tile(page, "Orders") == f"{orders:,}"
    assert page.count('class="card') == CHARTS


@pytest.mark.slow
def test_dashboard_renders_every_chart_in_headless_chromium(dashboard_html: Path):
    find_chromium()
    dom = dump_dom(dashboard_html)
    # Plotly.newPlot adds js-plotly-plot and an SVG per chart once it has drawn it
    assert dom.count("js-plotly-plot") >= CHARTS
    assert dom.count('class="main-svg"') >= CHARTS
    assert "no data in the marts" not in dom


def _png_size_and_distinct_bytes(png: Path) -> tuple[int, int, int]:
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


@pytest.mark.slow
def test_dashboard_screenshot(dashboard_html: Path, tmp_path: Path):
    png = screenshot(dashboard_html, tmp_path / "dashboard.png", width=1400, height=2900)
    width, height, distinct = _png_size_and_distinct_bytes(png)
    assert (width, height) == (1400, 2900)
    # a blank or unstyled page has a handful of byte values; rendered charts have nearly all 256
    assert distinct > 200


def test_dashboard_names_a_missing_warehouse(tmp_path: Path):
    missing = tmp_path / "nowhere.duckdb"
    with pytest.raises(FileNotFoundError, match="nowhere.duckdb"):
        read_dashboard_data(missing)


def test_dashboard_names_missing_marts(tmp_path: Path):
    db = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema marts")
    con.execute("create table marts.fct_sales_weekly (x integer)")
    con.close()
    with pytest.raises(MissingMartError, match="fct_sales_monthly") as excinfo:
        read_dashboard_data(db)
    assert "fct_sales_weekly" not in str(excinfo.value)
