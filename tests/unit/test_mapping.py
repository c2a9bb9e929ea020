"""Mapping files (loaders.mapping): one test per mapping feature, each on a small hand-written
export, with expected values worked out by hand from the export's text."""

from __future__ import annotations

import textwrap
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from loaders.cli import main
from loaders.contract import load_contract
from loaders.discovery import describe_file
from loaders.errors import SchemaMismatchError
from loaders.mapping import MappingError, mapped_file, plan
from loaders.reader import validate_file

CONTRACT = load_contract()

LINES_HEADER = "Order,Line,Sku,Qty,Price,Placed"
#: order_items from a line export with its own column names.
ITEMS_MAPPING = """
exports:
  lines: {files: "lines.csv"}
tables:
  order_items:
    from: lines
    columns:
      order_item_id: Line
      order_id: Order
      product_id: Sku
      quantity: Qty
      unit_price: Price
      discount_amount: {default: "0"}
      updated_at: Placed
"""


def _write(root: Path, mapping: str, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "mapping.yml").write_text(textwrap.dedent(mapping), encoding="utf-8")
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def _run(root: Path, table: str) -> tuple[list[dict], list[dict], tuple[str, ...]]:
    """Validate the mapped landing of ``table`` in an in-memory DuckDB (the loaders' own path):
    (rows as dicts, quarantine rows as dicts, warnings)."""
    _, feeds = plan(root.resolve(), CONTRACT, CONTRACT.tables)
    ((t, path, feed),) = [f for f in feeds if f[0].name == table]
    file = mapped_file(describe_file(path, t, feed.source_file), feed)
    con = duckdb.connect()
    v = validate_file(con, file)
    out = []
    for rel in (v.rows, v.rejects):
        cur = con.execute(f"SELECT * FROM {rel.alias}")
        names = [d[0] for d in cur.description]
        out.append([dict(zip(names, r, strict=True)) for r in cur.fetchall()])
    con.close()
    return out[0], out[1], v.warnings


def _error(root: Path) -> MappingError:
    with pytest.raises(MappingError) as e:
        _, feeds = plan(root.resolve(), CONTRACT, CONTRACT.tables)
        con = duckdb.connect()
        for _, _, feed in feeds:
            feed.query(con)
    return e.value


# ------------------------------------------------------------------------------ features


def test_renamed_columns_land_as_the_contract_columns(tmp_path):
    root = _write(tmp_path, ITEMS_MAPPING, {"lines.csv": f"{LINES_HEADER}\n7,70,5,2,3.50,2024-01-02 10:00:00\n"})
    rows, rejects, _ = _run(root, "order_items")
    assert rejects == []
    assert rows == [
        {
            "line": 2,
            "order_item_id": "70",
            "order_id": "7",
            "product_id": "5",
            "quantity": 2,
            "unit_price": Decimal("3.50"),
            "discount_amount": Decimal("0"),
            "updated_at": datetime(2024, 1, 2, 10, 0),
        }
    ]


def test_timestamp_format_and_time_zone_give_utc(tmp_path):
    mapping = ITEMS_MAPPING.replace("updated_at: Placed", 'updated_at: {column: Placed, format: "%d.%m.%Y %H:%M"}')
    mapping = mapping.replace('files: "lines.csv"}', 'files: "lines.csv", timezone: Europe/Berlin}')
    # Berlin is UTC+2 in summer and UTC+1 in winter: 01:30 local on 1 July is 23:30 UTC the day before.
    export = f"{LINES_HEADER}\n7,70,5,2,3.50,01.07.2024 01:30\n7,71,5,2,3.50,15.01.2024 12:00\n"
    rows, rejects, _ = _run(_write(tmp_path, mapping, {"lines.csv": export}), "order_items")
    assert rejects == []
    assert [r["updated_at"] for r in rows] == [datetime(2024, 6, 30, 23, 30), datetime(2024, 1, 15, 11, 0)]


def test_timestamp_with_offset_format_is_converted_to_utc(tmp_path):
    mapping = ITEMS_MAPPING.replace(
        "updated_at: Placed", 'updated_at: {column: Placed, format: "%Y-%m-%d %H:%M:%S %z"}'
    )
    export = f"{LINES_HEADER}\n7,70,5,2,3.50,2024-03-05 22:30:00 -0500\n"
    rows, _, _ = _run(_write(tmp_path, mapping, {"lines.csv": export}), "order_items")
    assert rows[0]["updated_at"] == datetime(2024, 3, 6, 3, 30)


def test_date_format_gives_iso_dates(tmp_path):
    mapping = """
    exports:
      spend: {files: "ads.csv"}
    tables:
      ad_spend:
        from: spend
        columns:
          spend_date: {column: Day, format: "%m/%d/%Y"}
          platform: {default: google_ads}
          campaign_id: Campaign
          campaign_name: Campaign
          impressions: Impr
          clicks: Clicks
          spend: {column: Cost, decimal_separator: ",", thousands_separator: "."}
          currency: {default: EUR}
    """
    export = 'Day,Campaign,Impr,Clicks,Cost\n11/8/2016,c1,1000,10,"1.234,5"\n'
    rows, rejects, _ = _run(_write(tmp_path, mapping, {"ads.csv": export}), "ad_spend")
    assert rejects == []
    assert rows[0]["spend_date"].isoformat() == "2016-11-08"
    assert rows[0]["spend"] == Decimal("1234.50")
    assert rows[0]["platform"] == "google_ads" and rows[0]["currency"] == "EUR"


def test_scale_rounds_half_away_from_zero(tmp_path):
    mapping = ITEMS_MAPPING.replace("unit_price: Price", "unit_price: {column: Price, scale: 2}")
    export = f"{LINES_HEADER}\n7,70,5,2,3.345,2024-01-02 10:00\n7,71,5,2,-3.345,2024-01-02 10:00\n"
    rows, _, _ = _run(_write(tmp_path, mapping, {"lines.csv": export}), "order_items")
    assert [r["unit_price"] for r in rows] == [Decimal("3.35"), Decimal("-3.35")]


def test_default_fills_an_absent_column_and_empty_values(tmp_path):
    mapping = ITEMS_MAPPING.replace('discount_amount: {default: "0"}', 'discount_amount: {column: Disc, default: "0"}')
    rows, _, _ = _run(
        _write(tmp_path, mapping, {"lines.csv": f"{LINES_HEADER}\n7,70,5,2,3.50,2024-01-02 10:00\n"}), "order_items"
    )
    assert rows[0]["discount_amount"] == 0
    export = f"{LINES_HEADER},Disc\n7,70,5,2,3.50,2024-01-02 10:00,\n7,71,5,2,3.50,2024-01-02 10:00,1.25\n"
    rows, _, _ = _run(_write(tmp_path / "b", mapping, {"lines.csv": export}), "order_items")
    assert [r["discount_amount"] for r in rows] == [0, Decimal("1.25")]


def test_values_map_export_values_to_contract_values(tmp_path):
    mapping = """
    exports:
      t: {files: "t.csv"}
    tables:
      tickets:
        from: t
        columns:
          ticket_id: Id
          status: {column: State, values: {Offen: open, Geschlossen: closed}}
          channel: {default: email}
          created_at: Opened
          updated_at: {derive: same_as, of: created_at}
    """
    export = "Id,State,Opened\n1,Offen,2024-01-02\n2,Geschlossen,2024-01-03\n3,pending,2024-01-04\n"
    rows, _, _ = _run(_write(tmp_path, mapping, {"t.csv": export}), "tickets")
    assert [r["status"] for r in rows] == ["open", "closed", "pending"]
    assert [r["updated_at"] for r in rows] == [r["created_at"] for r in rows]


def test_extra_columns_ignore_warns_once(tmp_path):
    export = f"{LINES_HEADER},Gift wrap\n7,70,5,2,3.50,2024-01-02 10:00,yes\n"
    rows, _, warnings = _run(_write(tmp_path, ITEMS_MAPPING, {"lines.csv": export}), "order_items")
    assert len(rows) == 1
    assert warnings == (
        "lines.csv: column(s) Gift wrap not used by the mapping: ignored (extra_columns: ignore in mapping.yml)",
    )


def test_extra_columns_reject_refuses_the_file(tmp_path):
    mapping = ITEMS_MAPPING.replace('files: "lines.csv"}', 'files: "lines.csv", extra_columns: reject}')
    export = f"{LINES_HEADER},Gift wrap\n7,70,5,2,3.50,2024-01-02 10:00,yes\n"
    with pytest.raises(SchemaMismatchError, match="extra column.*Gift wrap.*refused") as e:
        _run(_write(tmp_path, mapping, {"lines.csv": export}), "order_items")
    assert e.value.file == "lines.csv"


def test_known_export_columns_are_not_extra(tmp_path):
    mapping = ITEMS_MAPPING.replace('files: "lines.csv"}', 'files: "lines.csv", columns: [Gift wrap]}')
    export = f"{LINES_HEADER},Gift wrap\n7,70,5,2,3.50,2024-01-02 10:00,yes\n"
    _, _, warnings = _run(_write(tmp_path, mapping, {"lines.csv": export}), "order_items")
    assert warnings == ()


ORDER_LINES = """
exports:
  lines:
    files: "lines.csv"
    fill_down: {by: Order, columns: [Placed]}
tables:
  order_items:
    from: lines
    columns:
      order_item_id: {derive: line_key, by: Order}
      order_id: Order
      product_id: Sku
      quantity: Qty
      unit_price: {column: Price, scale: 2}
      discount_amount: {derive: discount_from_line_total, of: LineTotal}
      updated_at: Placed
  orders:
    from: lines
    one_row_per: Order
    columns:
      order_id: Order
      status: {default: paid}
      currency: {default: EUR}
      subtotal_amount: {derive: lines_subtotal}
      discount_amount: {derive: lines_discount}
      shipping_amount: {column: Ship, aggregate: sum}
      tax_amount: {default: "0"}
      total_amount: {derive: order_total}
      created_at: {column: Placed, aggregate: min}
      updated_at: {derive: landing_time}
"""
# Order 7: lines 2 x 3.50 (total 6.30: discount 0.70) and 1 x 2.554 (scale 2: 2.55; total 2.55: no discount);
# subtotal 7 + 2.55 = 9.55, discount 0.70, shipping 4.00 + 0.90, total 9.55 - 0.70 + 4.90 = 13.75.
ORDER_EXPORT = """\
Order,Sku,Qty,Price,LineTotal,Ship,Placed
7,5,2,3.50,6.30,4.00,2024-01-02 10:00
7,6,1,2.554,2.55,0.90,
8,5,1,3.50,3.50,0,2024-01-03 09:00
"""


def test_order_headers_and_amounts_are_derived_from_lines(tmp_path):
    root = _write(tmp_path, ORDER_LINES, {"lines.csv": ORDER_EXPORT})
    orders, rejects, _ = _run(root, "orders")
    assert rejects == []
    by_id = {r["order_id"]: r for r in orders}
    assert [r["line"] for r in orders] == [2, 4]
    assert (by_id["7"]["subtotal_amount"], by_id["7"]["discount_amount"]) == (Decimal("9.55"), Decimal("0.70"))
    assert (by_id["7"]["shipping_amount"], by_id["7"]["total_amount"]) == (Decimal("4.90"), Decimal("13.75"))
    assert by_id["8"]["total_amount"] == Decimal("3.50")
    assert by_id["7"]["created_at"] == datetime(2024, 1, 2, 10, 0)
    assert by_id["7"]["updated_at"] >= datetime(2025, 1, 1)  # landing time


def test_a_store_directory_sets_its_store_and_prefixes_its_order_numbers(tmp_path):
    """A landing directory of one store: its mapping gives store_id as a default and prefixes the order numbers,
    so two stores that both number orders 7, 8, ... keep distinct keys (DECISIONLOG.md, stores)."""
    mapping = ORDER_LINES.replace(
        "      order_id: Order\n      status:",
        '      order_id: {sql: "\'eu-\' || \\"Order\\""}\n      store_id: {default: eu}\n      status:',
    )
    assert "store_id: {default: eu}" in mapping
    orders, rejects, _ = _run(_write(tmp_path, mapping, {"lines.csv": ORDER_EXPORT}), "orders")
    assert rejects == []
    assert sorted((r["order_id"], r["store_id"]) for r in orders) == [("eu-7", "eu"), ("eu-8", "eu")]


def test_an_order_with_a_bad_line_is_quarantined_naming_the_line(tmp_path):
    export = ORDER_EXPORT.replace("7,6,1,2.554,", "7,6,one,2.554,")
    root = _write(tmp_path, ORDER_LINES, {"lines.csv": export})
    orders, rejects, _ = _run(root, "orders")
    assert [r["order_id"] for r in orders] == ["8"]
    assert [(q["line"], q["column_name"]) for q in rejects] == [(2, "subtotal_amount"), (2, "total_amount")]
    assert "no subtotal: line 3 has no valid quantity and unit price" in rejects[0]["reason"]
    items, rejects, _ = _run(root, "order_items")
    assert [r["line"] for r in items] == [2, 4]
    assert [(q["line"], q["column_name"]) for q in rejects] == [(3, "quantity"), (3, "discount_amount")]
    assert "no discount: the line has no valid quantity and unit price" in rejects[1]["reason"]


def test_line_keys_discounts_and_fill_down(tmp_path):
    mapping = ORDER_LINES.replace(
        "order_item_id: {derive: line_key, by: Order}", "order_item_id: {derive: line_number}"
    )
    root = _write(tmp_path, mapping, {"lines.csv": ORDER_EXPORT})
    items, rejects, _ = _run(root, "order_items")
    assert rejects == []
    assert [(r["order_item_id"], r["discount_amount"]) for r in items] == [
        ("2", Decimal("0.70")),
        ("3", Decimal("0")),
        ("4", Decimal("0")),
    ]
    assert items[1]["updated_at"] == datetime(2024, 1, 2, 10, 0)  # filled down from the order's first line


def test_quarantine_names_the_export_line_and_masks_pii(tmp_path):
    mapping = """
    exports:
      c: {files: "people.csv"}
    tables:
      customers:
        from: c
        columns:
          customer_id: Id
          email: Mail
          city: Notes
          created_at: {column: Since, format: "%d.%m.%Y"}
          updated_at: {derive: same_as, of: created_at}
    """
    export = 'Id,Mail,Notes,Since\n1,a@example.com,"two\nlines",01.02.2024\n\n2,b@example.com,x,31.02.2024\n'
    rows, rejects, _ = _run(_write(tmp_path, mapping, {"people.csv": export}), "customers")
    assert [r["line"] for r in rows] == [2]
    assert [(q["line"], q["column_name"]) for q in rejects] == [(5, "created_at"), (5, "updated_at")]
    assert '"31.02.2024"' in rejects[0]["reason"]
    assert rejects[0]["raw_line"] == '{"Id":"2","Mail":"***","Notes":"x","Since":"31.02.2024"}'


def test_preset_is_one_line_and_overridable_key_by_key(tmp_path, fixtures_dir):
    export = (fixtures_dir / "exports" / "online_retail" / "online_retail.csv").read_text(encoding="utf-8")
    root = _write(tmp_path, "preset: online_retail\n", {"invoices.csv": export})
    orders, _, _ = _run(root, "orders")
    assert {r["currency"] for r in orders} == {"GBP"}
    by_id = {r["order_id"]: r for r in orders}
    # A C-invoice is a cancellation; 80 x 2.5512 = 204.096 -> subtotal 204.10; 536365: 6 x 2.55 + 6 x 3.39.
    assert (by_id["C536379"]["status"], by_id["C536379"]["cancelled_at"]) == ("cancelled", datetime(2010, 12, 1, 9, 41))
    assert (by_id["536371"]["subtotal_amount"], by_id["536365"]["total_amount"]) == (
        Decimal("204.10"),
        Decimal("35.64"),
    )
    assert by_id["536368"]["customer_id"] is None  # guest
    items, _, _ = _run(root, "order_items")
    assert [(r["order_item_id"], r["quantity"], r["unit_price"]) for r in items if r["line"] in (7, 10)] == [
        ("C536379-1", 2, Decimal("1.85")),
        ("536371-1", 80, Decimal("2.5512")),
    ]
    override = "preset: online_retail\ntables:\n  orders:\n    columns:\n      currency: {default: EUR}\n"
    orders, _, _ = _run(_write(tmp_path / "b", override, {"invoices.csv": export}), "orders")
    assert {r["currency"] for r in orders} == {"EUR"}
    assert {r["channel"] for r in orders} == {"web"}  # the preset's other keys stay


def test_landing_fingerprint_changes_with_the_mapping(tmp_path):
    root = _write(tmp_path, ITEMS_MAPPING, {"lines.csv": f"{LINES_HEADER}\n7,70,5,2,3.50,2024-01-02 10:00\n"})

    def digest() -> str:
        _, ((t, path, feed),) = plan(root.resolve(), CONTRACT, CONTRACT.tables)
        return mapped_file(describe_file(path, t, feed.source_file), feed).sha256

    before = digest()
    (root / "mapping.yml").write_text(ITEMS_MAPPING.replace("Qty", "Qty  # units"), encoding="utf-8")
    assert digest() == before  # a comment is no change
    (root / "mapping.yml").write_text(ITEMS_MAPPING.replace('{default: "0"}', '{default: "1"}'), encoding="utf-8")
    assert digest() != before


def test_explain_prints_the_resolved_mapping_without_loading(tmp_path, capsys, monkeypatch, fixtures_dir):
    export = (fixtures_dir / "exports" / "online_retail" / "online_retail.csv").read_text(encoding="utf-8")
    root = _write(tmp_path, "preset: online_retail\n", {"x.csv": export})
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    assert main(["load", "--source-dir", str(root), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "preset online_retail" in out
    assert "  subtotal_amount = derive lines_subtotal" in out
    assert """  updated_at      = "InvoiceDate"; format '%m/%d/%Y %H:%M'""" in out
    assert not (tmp_path / "w.duckdb").exists()
    (root / "x.csv").write_text("InvoiceNo\n", encoding="utf-8")  # the headers are checked too
    assert main(["load", "--source-dir", str(root), "--explain"]) == 2
    assert "unknown column 'CustomerID': x.csv has no such column" in capsys.readouterr().err


# ------------------------------------------------------------------------------ errors


def test_error_unknown_contract_table(tmp_path):
    e = _error(_write(tmp_path, "exports: {l: {files: x.csv}}\ntables:\n  invoices: {from: l}\n", {}))
    assert str(e).startswith(
        "mapping.yml: tables.invoices: unknown contract table 'invoices'; contract tables: customers"
    )


def test_error_unknown_contract_column(tmp_path):
    e = _error(_write(tmp_path, ITEMS_MAPPING.replace("quantity: Qty", "qty: Qty"), {}))
    assert str(e).startswith(
        "mapping.yml: tables.order_items.columns.qty: unknown column of contract table order_items"
    )


def test_error_required_column_unmapped(tmp_path):
    e = _error(_write(tmp_path, ITEMS_MAPPING.replace("      quantity: Qty\n", ""), {}))
    assert str(e).startswith(
        "mapping.yml: tables.order_items.columns.quantity: required contract column has no mapping"
    )


def test_error_unknown_export_column_names_the_export_file(tmp_path):
    root = _write(
        tmp_path, ITEMS_MAPPING, {"lines.csv": "Order,Line,Sku,Quantity,Price,Placed\n7,70,5,2,3.50,2024-01-02\n"}
    )
    assert str(_error(root)).startswith(
        "mapping.yml: tables.order_items.columns.quantity: unknown column 'Qty': lines.csv has no such column "
        "(its columns: Order, Line, Sku, Quantity, Price, Placed)"
    )


def test_error_format_that_parses_no_sample_names_file_line_and_column(tmp_path):
    mapping = ITEMS_MAPPING.replace("updated_at: Placed", 'updated_at: {column: Placed, format: "%d.%m.%Y"}')
    root = _write(tmp_path, mapping, {"lines.csv": f"{LINES_HEADER}\n\n7,70,5,2,3.50,12/31/2024\n"})
    assert str(_error(root)) == (
        "mapping.yml: tables.order_items.columns.updated_at.format: '%d.%m.%Y' does not parse the sample value "
        "'12/31/2024' (lines.csv:3, column Placed) nor any of the first 100 values"
    )


def test_error_unknown_preset(tmp_path):
    e = _error(_write(tmp_path, "preset: woocommerce\n", {}))
    assert str(e) == "mapping.yml: preset: unknown preset 'woocommerce'; shipped presets: online_retail, shopify_orders"


def test_error_unknown_key(tmp_path):
    e = _error(_write(tmp_path, ITEMS_MAPPING.replace("from: lines", "from: lines\n    rename: {}"), {}))
    assert str(e).startswith("mapping.yml: tables.order_items: Additional properties are not allowed ('rename' was")


def test_error_unknown_export(tmp_path):
    e = _error(_write(tmp_path, ITEMS_MAPPING.replace("from: lines", "from: invoices"), {}))
    assert str(e) == "mapping.yml: tables.order_items.from: unknown export 'invoices'; exports: lines"


def test_error_unknown_time_zone(tmp_path):
    e = _error(_write(tmp_path, "timezone: Europe/Londn\n" + ITEMS_MAPPING, {}))
    assert (
        str(e) == "mapping.yml: timezone: unknown time zone 'Europe/Londn' (expected an IANA name, e.g. Europe/London)"
    )


def test_error_format_on_a_number(tmp_path):
    e = _error(_write(tmp_path, ITEMS_MAPPING.replace("quantity: Qty", 'quantity: {column: Qty, format: "%d"}'), {}))
    assert (
        str(e) == "mapping.yml: tables.order_items.columns.quantity.format: "
        "only for date or timestamp columns, quantity is integer"
    )


def test_error_sql_that_does_not_run(tmp_path):
    mapping = ITEMS_MAPPING.replace("quantity: Qty", "quantity: {sql: 'abs(\"Quantity\")'}")
    root = _write(tmp_path, mapping, {"lines.csv": f"{LINES_HEADER}\n7,70,5,2,3.50,2024-01-02\n"})
    assert str(_error(root)).startswith(
        "mapping.yml: tables.order_items.columns.quantity.sql: DuckDB cannot run it over lines.csv (Binder Error"
    )


def test_error_derivation_outside_its_table(tmp_path):
    e = _error(_write(tmp_path, ITEMS_MAPPING.replace('{default: "0"}', "{derive: lines_discount}"), {}))
    assert (
        str(e) == "mapping.yml: tables.order_items.columns.discount_amount.derive: "
        "lines_discount is for an orders table with one_row_per"
    )
