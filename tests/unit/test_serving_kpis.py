"""KPI summary text and CLI errors, without a warehouse (figures typed by hand)."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from serving import kpis


def _summary(**overrides) -> kpis.KpiSummary:
    fields = dict(
        currency="EUR",
        first_order_date="2025-01-06",
        last_order_date="2025-01-08",
        gross_sales_amount=Decimal("63.00"),
        net_sales_amount=Decimal("38.00"),
        order_count=5,
        net_order_count=3,
        customer_count=3,
        new_customer_count=2,
        average_order_value_amount=Decimal("12.67"),
        top_category="Kitchen",
        top_category_net_sales_amount=Decimal("17.00"),
    )
    fields.update(overrides)
    return kpis.KpiSummary(**fields)


def test_format_summary_shows_each_figure_and_the_locations(tmp_path):
    docs = tmp_path / "target" / "index.html"
    text = kpis.format_summary(
        [_summary(), _summary(currency="USD", net_sales_amount=Decimal("1234.5"))], tmp_path / "w.duckdb", docs
    )
    assert "  [EUR] orders placed 2025-01-06 .. 2025-01-08" in text
    assert "net sales        38.00 EUR  (net of discounts, cancellations, returns)" in text
    assert "net sales        1,234.50 USD" in text
    assert "orders           5 placed, 3 net of cancellations and returns" in text
    assert "customers        3 with a valid order, 2 new" in text
    assert "AOV              12.67 EUR" in text
    assert "top category     Kitchen (17.00 EUR net sales)" in text
    assert f"warehouse file   {tmp_path / 'w.duckdb'}" in text
    assert f"docs site        {docs}  (not generated yet" in text
    assert text.endswith("\n")


def test_format_summary_without_orders_or_aov(tmp_path):
    assert "no orders in the warehouse" in kpis.format_summary([], tmp_path / "w", tmp_path / "i.html")
    text = kpis.format_summary(
        [_summary(average_order_value_amount=None, top_category=None, top_category_net_sales_amount=None)],
        tmp_path / "w",
        tmp_path / "i.html",
    )
    assert "AOV              n/a" in text and "top category     n/a (n/a net sales)" in text


def test_main_missing_warehouse_exits_2(tmp_path, capsys):
    manifest = tmp_path / "semantic_manifest.json"
    manifest.write_text('{"semantic_models": [{"node_relation": {"database": "w"}}]}')
    missing = tmp_path / "nope.duckdb"
    assert kpis.main(["--database", str(missing), "--manifest", str(manifest)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "make run" in err


def test_main_missing_manifest_exits_2(tmp_path, capsys):
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    assert kpis.main(["--database", str(path), "--manifest", str(tmp_path / "none.json")]) == 2
    assert "dbt parse" in capsys.readouterr().err
