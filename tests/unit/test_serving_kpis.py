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


def test_format_summary_shows_the_predictions_or_says_they_are_not_built(tmp_path):
    predictions = [
        kpis.PredictionSummary("EUR", "2026-01-01", "2026-03-31", Decimal("1043977.691"), 3214, Decimal("3138020.2")),
        kpis.PredictionSummary("USD", None, None, None, 12, Decimal("99.5")),
    ]
    text = kpis.format_summary([_summary()], tmp_path / "w", tmp_path / "i.html", predictions)
    assert "  [EUR] forecast net sales 2026-01-01 .. 2026-03-31: 1,043,977.69 EUR" in text
    assert "  [EUR] predicted CLV      3,138,020.20 EUR over 3,214 customers" in text
    assert "  [USD] predicted CLV      99.50 USD over 12 customers" in text
    assert "[USD] forecast" not in text and "not built" not in text
    assert "predictions      not built" in kpis.format_summary([_summary()], tmp_path / "w", tmp_path / "i.html")


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


def test_format_summary_opens_with_every_currency_in_the_reporting_currency(tmp_path):
    eur, usd = _summary(), _summary(currency="USD", net_sales_amount=Decimal("100.00"))
    total = _summary(currency="USD", net_sales_amount=Decimal("141.80"), average_order_value_amount=Decimal("23.63"))
    text = kpis.format_summary([eur, usd], tmp_path / "w", tmp_path / "i.html", (), total)
    assert text.index("  [all currencies in USD] orders placed") < text.index("  [EUR] orders placed")
    assert "net sales        141.80 USD" in text and "AOV              23.63 USD" in text
    assert "saved queries sales_kpis_reporting, sales_kpis_by_currency" in text
    # one currency that is the reporting currency: the block would repeat it
    alone = kpis.format_summary([usd], tmp_path / "w", tmp_path / "i.html", (), total)
    assert "all currencies" not in alone and "141.80" not in alone
