"""Mapping files (loaders.mapping): one test per mapping feature, each on a small hand-written
export, with expected values worked out by hand from the export's text."""

from __future__ import annotations

import csv
import json
import textwrap
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from loaders.api import load_directory
from loaders.backends.base import raw_table_columns
from loaders.backends.bigquery import (
    BigQueryBackend,
    BigQuerySettings,
    export_validated,
    raw_schema,
    raw_table_definition,
)
from loaders.backends.duckdb import DuckDBBackend
from loaders.cli import main
from loaders.contract import DUCKDB_TYPES, load_contract
from loaders.discovery import describe_file
from loaders.errors import RawTableMismatchError, SchemaMismatchError
from loaders.mapping import MappingError, mapped_file, plan, shop_dbt_vars
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


def _run(root: Path, table: str, *, extra: bool = False) -> tuple[list[dict], list[dict], tuple[str, ...]]:
    """Validate the mapped landing of ``table`` in an in-memory DuckDB (the loaders' own path):
    (rows as dicts, without ``_extra`` unless ``extra``, quarantine rows as dicts, warnings)."""
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
    if not extra:
        out[0] = [{k: v for k, v in r.items() if k != "_extra"} for r in out[0]]
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


KEEP_MAPPING = ITEMS_MAPPING.replace('files: "lines.csv"}', 'files: "lines.csv", extra_columns: keep}')
#: Two extra columns: one with a comma, doubled quotes, non-ASCII text and a line break inside
#: its quoted values, one left empty on a line; line 4 holds a bad quantity (quarantined).
KEEP_EXPORT = (
    f"{LINES_HEADER},Gift message,Wrap\n"
    '7,70,5,2,3.50,2024-01-02 10:00,"Für Zoë, ""mit Liebe"" ☃",yes\n'
    '7,71,6,1,2.00,2024-01-02 10:00,"two\nlines",\n'
    "8,80,5,x,3.50,2024-01-03 09:00,plain,no\n"
)


def _extras_by_csv_module(path: Path) -> dict[str, dict[str, str]]:
    """{Line value: {extra header: value}} of an export, read with the csv module (not DuckDB)."""
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["Line"]: {k: r[k] for k in ("Gift message", "Wrap")} for r in csv.DictReader(fh)}


def test_extra_columns_keep_lands_them_in_extra_as_written(tmp_path):
    root = _write(tmp_path, KEEP_MAPPING, {})
    (root / "lines.csv").write_text(KEEP_EXPORT, encoding="utf-8")
    rows, rejects, warnings = _run(root, "order_items", extra=True)
    expected = _extras_by_csv_module(root / "lines.csv")
    assert {r["order_item_id"]: json.loads(r["_extra"]) for r in rows} == {k: expected[k] for k in ("70", "71")}
    assert json.loads(rows[0]["_extra"])["Gift message"] == 'Für Zoë, "mit Liebe" ☃'  # by hand
    assert [q["line"] for q in rejects] == [5]  # the physical line: line 3's quoted value runs onto line 4
    assert warnings == (
        "lines.csv: column(s) Gift message, Wrap not used by the mapping: kept in _extra of raw.order_items "
        "(extra_columns: keep in mapping.yml)",
    )


def test_extra_columns_keep_lands_nothing_when_the_file_has_none(tmp_path):
    export = f"{LINES_HEADER}\n7,70,5,2,3.50,2024-01-02 10:00\n"
    rows, _, warnings = _run(_write(tmp_path, KEEP_MAPPING, {"lines.csv": export}), "order_items", extra=True)
    assert [r["_extra"] for r in rows] == [None] and warnings == ()


def test_extra_columns_keep_on_rows_grouped_from_lines_take_the_first_lines(tmp_path):
    mapping = ORDER_LINES.replace(
        "fill_down: {by: Order, columns: [Placed]}",
        "extra_columns: keep\n    fill_down: {by: Order, columns: [Placed]}",
    )
    export = ORDER_EXPORT.replace("Placed\n", "Placed,Note\n", 1).replace("10:00\n", "10:00,first\n")
    export = export.replace(",\n8,", ",second\n8,")
    orders, _, _ = _run(_write(tmp_path, mapping, {"lines.csv": export}), "orders", extra=True)
    assert {r["order_id"]: json.loads(r["_extra"]) for r in orders} == {"7": {"Note": "first"}, "8": {"Note": ""}}


def test_extra_columns_keep_lands_in_the_duckdb_raw_table(tmp_path):
    root = _write(tmp_path / "src", KEEP_MAPPING, {})
    (root / "lines.csv").write_text(KEEP_EXPORT, encoding="utf-8")
    report = load_directory(root, database=tmp_path / "w.duckdb", tables=["order_items"])
    assert report.ok
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        typ = con.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = 'order_items' AND column_name = '_extra'"
        ).fetchone()[0]
        landed = con.execute(
            "SELECT order_item_id, _extra ->> '$.\"Gift message\"', _extra::VARCHAR FROM raw.order_items ORDER BY 1"
        ).fetchall()
        quarantined = con.execute("SELECT source_file, line_number FROM raw._quarantine").fetchall()
    expected = _extras_by_csv_module(root / "lines.csv")
    assert typ == "JSON"
    assert [(i, json.loads(text)) for i, _, text in landed] == [(k, expected[k]) for k in ("70", "71")]
    assert [m for _, m, _ in landed] == ['Für Zoë, "mit Liebe" ☃', "two\nlines"]
    assert quarantined == [("lines.csv", 5)]


def test_extra_columns_keep_is_json_text_in_the_bigquery_load_file(tmp_path):
    root = _write(tmp_path / "src", KEEP_MAPPING, {})
    (root / "lines.csv").write_text(KEEP_EXPORT, encoding="utf-8")
    _, feeds = plan(root.resolve(), CONTRACT, CONTRACT.tables)
    ((t, path, feed),) = [f for f in feeds if f[0].name == "order_items"]
    file = mapped_file(describe_file(path, t, feed.source_file), feed)
    rows_path, q_path = tmp_path / "rows.jsonl", tmp_path / "q.jsonl"
    export_validated(file, started_at=datetime(2025, 1, 1), rows_path=rows_path, quarantine_path=q_path)
    landed = [json.loads(line) for line in rows_path.read_text(encoding="utf-8").splitlines()]
    expected = _extras_by_csv_module(root / "lines.csv")
    # a STRING column: the load file holds the object as JSON text, not as a nested record
    assert [json.loads(r["_extra"]) for r in landed] == [expected["70"], expected["71"]]
    (field,) = [f for f in raw_schema(t) if f.name == "_extra"]
    assert (field.field_type, field.mode) == ("STRING", "NULLABLE")


def _header_error(tmp_path: Path, mapping: str, header: str) -> SchemaMismatchError:
    root = _write(tmp_path, mapping, {})
    # a blank first line: the header is physical line 2
    (root / "lines.csv").write_text(f"\n{header}\n7,70,5,2,3.50,2024-01-02 10:00,a,b\n", encoding="utf-8")
    with pytest.raises(SchemaMismatchError) as e:
        _run(root, "order_items")
    return e.value


def test_error_kept_extra_column_reads_as_a_contract_or_used_column(tmp_path):
    e = _header_error(tmp_path / "a", KEEP_MAPPING, f"{LINES_HEADER},Note, Unit_Price ")
    assert (e.file, e.line, e.column) == ("lines.csv", 2, "8 ('Unit_Price')")
    assert "reads as contract column order_items.unit_price" in str(e)
    e = _header_error(tmp_path / "b", KEEP_MAPPING, f"{LINES_HEADER},Note,QTY")
    assert (e.line, e.column) == (2, "8 ('QTY')") and "the export column 'Qty' the mapping uses" in str(e)
    e = _header_error(tmp_path / "c", KEEP_MAPPING, f"{LINES_HEADER},Note,_EXTRA")
    assert "the loader column _extra" in str(e)
    # under ignore the same header loads (the column is dropped with the warning)
    _, _, warnings = _run(
        _write(tmp_path / "d", ITEMS_MAPPING, {"lines.csv": f"{LINES_HEADER},unit_price\n"}), "order_items"
    )
    assert "unit_price not used by the mapping: ignored" in warnings[0]


def test_error_empty_header_name(tmp_path):
    e = _header_error(tmp_path / "a", KEEP_MAPPING, f"{LINES_HEADER},Note,")
    assert (e.file, e.line, e.column) == ("lines.csv", 2, "8 (no name)")
    # under ignore the unnamed column is dropped with the warning naming its field
    export = f"{LINES_HEADER},,\n7,70,5,2,3.50,2024-01-02 10:00,x,\n"  # two unnamed (a spreadsheet's trailing commas)
    _, _, warnings = _run(_write(tmp_path / "i", ITEMS_MAPPING, {"lines.csv": export}), "order_items")
    assert warnings[0].startswith(
        "lines.csv: column(s) (field 7, no name), (field 8, no name) not used by the mapping: ignored"
    )
    assert "field 8 of the header has no column name" in str(e)
    reject = ITEMS_MAPPING.replace('files: "lines.csv"}', 'files: "lines.csv", extra_columns: reject}')
    assert _header_error(tmp_path / "b", reject, f"{LINES_HEADER},Note,").column == "8 (no name)"


def test_error_duplicate_header_name(tmp_path):
    for sub, mapping in (("a", KEEP_MAPPING), ("b", ITEMS_MAPPING)):
        e = _header_error(tmp_path / sub, mapping, f"{LINES_HEADER},Note,Note")
        assert (e.file, e.line, e.column) == ("lines.csv", 2, "8 ('Note')")
        assert "names column 'Note' twice (first at field 7)" in str(e)


def test_raw_tables_built_before_extra_gain_it(tmp_path):
    """A warehouse whose raw tables lack ``_extra`` (built before it existed) gets the column
    added by the loader, its rows kept with a NULL ``_extra``, and loads on."""
    db = tmp_path / "old.duckdb"
    items = CONTRACT.table("order_items")
    old = ", ".join(f"{n} {DUCKDB_TYPES[t]}" for n, t in raw_table_columns(items) if n != "_extra")
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(f"CREATE TABLE raw.order_items ({old})")
        con.execute("INSERT INTO raw.order_items (order_item_id, _source_file) VALUES ('1', 'old.csv')")
    with DuckDBBackend(db) as backend:
        backend.ensure_raw_tables([items])
        backend.ensure_raw_tables([items])  # once added, nothing more to do
    with duckdb.connect(str(db), read_only=True) as con:
        cols = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = 'order_items' ORDER BY ordinal_position"
        ).fetchall()
        assert con.execute("SELECT order_item_id, _extra FROM raw.order_items").fetchall() == [("1", None)]
    assert cols[-4:] == [
        ("_source_file", "VARCHAR"),
        ("_source_line", "BIGINT"),
        ("_loaded_at", "TIMESTAMP"),
        ("_extra", "JSON"),
    ]
    # any other difference is still refused with the message naming the table
    with duckdb.connect(str(db)) as con:
        con.execute("ALTER TABLE raw.order_items DROP COLUMN _source_line")
    with DuckDBBackend(db) as backend, pytest.raises(RawTableMismatchError, match="raw.order_items has columns"):
        backend.ensure_raw_tables([items])


def test_bigquery_raw_tables_built_before_extra_gain_it(fake_bigquery):
    settings = BigQuerySettings("p", "raw", "b")
    items = CONTRACT.table("order_items")
    old = raw_table_definition(items, settings)
    old.schema = [f for f in old.schema if f.name != "_extra"]
    fake = fake_bigquery({"order_items": old})
    storage = type("Storage", (), {"bucket": lambda self, name: name})()
    BigQueryBackend(settings=settings, bq_client=fake, storage_client=storage).ensure_raw_tables([items])
    assert [(t, fields, [name for name, _ in schema]) for t, fields, schema in fake.updated] == [
        ("order_items", ("schema",), [f.name for f in raw_schema(items)])
    ]
    assert fake.tables["order_items"].schema[-1].mode == "NULLABLE"


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


def test_where_selects_the_records_feeding_a_table(tmp_path):
    # refunds from the order lines that carry a refunded amount: order 7 (line 2) and order 9 (line 5)
    mapping = """
    exports:
      lines: {files: "lines.csv"}
    tables:
      refunds:
        from: lines
        one_row_per: Order
        where: TRY_CAST("Refunded" AS DECIMAL(18,2)) > 0
        columns:
          refund_line_id: Order
          refund_id: Order
          order_id: Order
          amount: Refunded
          currency: {default: EUR}
          refunded_at: Placed
          updated_at: {derive: same_as, of: refunded_at}
    """
    export = """\
    Order,Refunded,Placed
    7,2.50,2024-01-02 10:00
    7,,2024-01-02 10:00
    8,0.00,2024-01-03 09:00
    9,1,2024-01-04 09:00
    """
    rows, rejects, warnings = _run(_write(tmp_path, mapping, {"lines.csv": export}), "refunds")
    assert [(r["line"], r["order_id"], r["amount"]) for r in rows] == [
        (2, "7", Decimal("2.50")),
        (5, "9", Decimal("1")),
    ]
    assert rejects == [] and warnings == ()


def test_error_where_that_does_not_run(tmp_path):
    mapping = ITEMS_MAPPING.replace("    from: lines\n", "    from: lines\n    where: '\"Nope\" > 0'\n")
    root = _write(tmp_path, mapping, {"lines.csv": f"{LINES_HEADER}\n7,70,5,2,3.50,2024-01-02 10:00\n"})
    e = _error(root)
    assert str(e).startswith("mapping.yml: tables.order_items.where: DuckDB cannot run it over lines.csv")


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


def _shop(tmp_path: Path, mapping: str, explicit: str | None = None) -> dict:
    return shop_dbt_vars(_write(tmp_path, mapping, {}), explicit)


def test_shop_settings_become_dbt_vars_under_the_explicit_ones(tmp_path, capsys):
    mapping = ITEMS_MAPPING + "shop: {reporting_currency: EUR, timezone: Europe/Berlin}\n"
    assert _shop(tmp_path / "a", mapping) == {"reporting_currency": "EUR", "shop_timezone": "Europe/Berlin"}
    merged = _shop(tmp_path / "b", mapping, "{reporting_currency: CHF, date_spine_start: '2020-01-01'}")
    assert merged == {"reporting_currency": "CHF", "shop_timezone": "Europe/Berlin", "date_spine_start": "2020-01-01"}
    # what `make run` reads: one JSON object on stdout
    assert main(["shop-vars", "--source-dir", str(tmp_path / "a"), "--dbt-vars", "{x: 2024-01-31}"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {"reporting_currency": "EUR", "shop_timezone": "Europe/Berlin", "x": "2024-01-31"}


def test_shop_vars_of_a_directory_without_shop_settings_are_the_explicit_ones_as_given(tmp_path, capsys):
    assert _shop(tmp_path / "a", ITEMS_MAPPING) == {}  # orders not mapped: nothing decided
    (tmp_path / "plain").mkdir()
    assert main(["shop-vars", "--source-dir", str(tmp_path / "plain"), "--dbt-vars", "{a: 'x y'}"]) == 0
    assert capsys.readouterr().out == "{a: 'x y'}\n"
    assert main(["shop-vars", "--source-dir", str(tmp_path / "plain")]) == 0
    assert capsys.readouterr().out == ""


def test_reporting_currency_follows_a_currency_the_mapping_pins_every_order_to(tmp_path):
    # ORDER_LINES maps orders.currency as {default: EUR}: every order is EUR
    assert _shop(tmp_path / "a", ORDER_LINES) == {"reporting_currency": "EUR"}
    # the preset pins GBP; a declared reporting currency wins over it
    assert _shop(tmp_path / "b", "preset: online_retail\n") == {"reporting_currency": "GBP"}
    declared = "preset: online_retail\nshop: {reporting_currency: USD}\n"
    assert _shop(tmp_path / "c", declared) == {"reporting_currency": "USD"}
    # currency read from a column (Shopify's Currency, default USD): the shop may sell in several: not followed
    assert _shop(tmp_path / "d", "preset: shopify_orders\n") == {}


def test_error_shop_settings(tmp_path):
    cases = {
        "shop: {currency: GBP}": "shop: Additional properties are not allowed ('currency' was unexpected); "
        "allowed keys: reporting_currency, timezone",
        "shop: {reporting_currency: gbp}": "shop.reporting_currency: 'gbp' does not match '^[A-Z]{3}$'",
        "shop: {reporting_currency: XYZ}": "shop.reporting_currency: 'XYZ' is not an ISO 4217 currency code",
        "shop: {timezone: Europe/Londres}": "shop.timezone: unknown time zone 'Europe/Londres'",
    }
    for i, (text, message) in enumerate(cases.items()):
        with pytest.raises(MappingError) as e:
            _shop(tmp_path / str(i), "preset: online_retail\n" + text + "\n")
        assert e.value.file == "mapping.yml" and message in str(e.value), str(e.value)
    with pytest.raises(MappingError, match="DBT_VARS must be a mapping"):
        _shop(tmp_path / "v", ITEMS_MAPPING, "[1, 2]")


def test_the_full_example_of_the_walk_through_lands_what_it_says(tmp_path):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "your-own-data.md").read_text(encoding="utf-8")
    section = doc.split("## A full example", 1)[1]
    export = section.split("```csv\n", 1)[1].split("```", 1)[0]
    mapping = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    root = _write(tmp_path, mapping, {})
    (root / "Auftragspositionen_2025-03.csv").write_text(export, encoding="utf-8")
    items, rejects, _ = _run(root, "order_items", extra=True)
    orders, _, _ = _run(root, "orders")
    assert rejects == []
    assert [(r["order_item_id"], r["quantity"], r["unit_price"], r["discount_amount"]) for r in items] == [
        ("A-1001-1", 2, Decimal("12.50"), Decimal("2.50")),
        ("A-1001-2", 1, Decimal("8"), Decimal("0")),
    ]
    assert [json.loads(r["_extra"]) for r in items] == [{"Geschenk": "ja, mit Karte"}, {"Geschenk": ""}]
    ((order,),) = [orders]
    assert (order["order_id"], order["customer_id"], order["status"], order["currency"]) == (
        "A-1001",
        "K-17",
        "paid",
        "EUR",
    )
    amounts = [
        order[k] for k in ("subtotal_amount", "discount_amount", "shipping_amount", "tax_amount", "total_amount")
    ]
    assert amounts == [Decimal("33.00"), Decimal("2.50"), Decimal("4.90"), Decimal("0"), Decimal("35.40")]
    assert order["created_at"] == datetime(2025, 3, 3, 8, 15)  # 09:15 in Berlin (CET, UTC+1)
    assert shop_dbt_vars(root) == {"reporting_currency": "EUR", "shop_timezone": "Europe/Berlin"}


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
