"""Row validation and quarantine on hand-written files with injected bad rows.

The fixture tree ``tests/fixtures/loaders/bad_rows`` holds one file per feed kind; the
expected quarantine rows below were written by hand from those files (line numbers
are physical lines, the CSV header is line 1). See ``tests/fixtures/loaders/README.md``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from loaders.api import load_directory
from loaders.backends.duckdb import DuckDBBackend
from loaders.contract import load_contract
from loaders.discovery import describe_file
from loaders.report import LoadReport

INT = 'not a valid integer (expected a whole number): "{}"'
DEC = 'not a valid decimal (expected a number with at most 2 decimal places): "{}"'
DEC4 = 'not a valid decimal4 (expected a number with at most 4 decimal places): "{}"'
KEY = 'not a valid key (expected text without control characters): "{}"'
TS = 'not a valid timestamp (expected an ISO-8601 timestamp): "{}"'
BOOL = 'not a valid boolean (expected true/false): "{}"'
REQ = "required value is empty"
UTF8 = "invalid UTF-8: the file must be UTF-8 encoded"
STRAY_QUOTE = 'malformed CSV quoting: a quote (") inside an unquoted field (field 9)'

EXPECTED_QUARANTINE = {
    "orders": [
        (4, "order_id", REQ),  # a whitespace-only key is empty
        (5, "subtotal_amount", DEC.format("12.345")),
        (6, "status", REQ),
        (7, "created_at", TS.format("2024-02-30 08:00:00")),
        (9, None, "wrong column count: expected 19, found 6"),
        (10, None, "wrong column count: expected 19, found 20"),
        (11, None, UTF8),
        (13, "utm_campaign", STRAY_QUOTE),
        (17, "subtotal_amount", DEC.format("abc")),
        (17, "total_amount", REQ),
        (17, "updated_at", TS.format("not-a-date")),
    ],
    "products": [
        (4, "is_active", BOOL.format("maybe")),
        (5, "sku", REQ),
        (6, "price", DEC4.format("-")),
    ],
    "events": [
        (3, None, "invalid JSON"),
        (4, None, "not a JSON object"),
        (6, "order_id", KEY.format("12\ufffd")),  # U+0007 shown as U+FFFD
        (7, "anonymous_id", REQ),
        (8, "anonymous_id", "expected a scalar value, got a JSON object or array"),
    ],
    "order_items": [],
}

#: (rows read, loaded, rejected) per table, counted by hand from the fixture files.
EXPECTED_COUNTS = {"orders": (14, 5, 9), "products": (5, 2, 3), "events": (8, 3, 5), "order_items": (3, 3, 0)}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, fixtures_dir: Path) -> tuple[LoadReport, Path]:
    db = tmp_path_factory.mktemp("validation") / "warehouse.duckdb"
    report = load_directory(fixtures_dir / "loaders" / "bad_rows", database=db)
    return report, db


def _query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.mark.parametrize("table", sorted(EXPECTED_QUARANTINE))
def test_each_bad_row_is_quarantined_with_line_column_and_reason(loaded, table):
    _, db = loaded
    rows = _query(
        db,
        "SELECT line_number, column_name, reason FROM raw._quarantine WHERE table_name = ? "
        "ORDER BY line_number, column_name NULLS FIRST",
        [table],
    )
    assert rows == EXPECTED_QUARANTINE[table]


@pytest.mark.parametrize("table", sorted(EXPECTED_COUNTS))
def test_counts_reconcile_per_file(loaded, table):
    report, db = loaded
    (result,) = [f for f in report.files if f.table == table]
    read, loaded_, rejected = EXPECTED_COUNTS[table]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (read, loaded_, rejected)
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    assert _query(db, f"SELECT count(*) FROM raw.{table}")[0][0] == loaded_
    audit = _query(
        db,
        "SELECT status, rows_read, rows_loaded, rows_rejected FROM raw._load_audit WHERE table_name = ?",
        [table],
    )
    assert audit == [("loaded", read, loaded_, rejected)]


def test_report_is_ok_and_reconciles(loaded):
    report, _ = loaded
    assert report.ok and report.reconciles
    assert report.totals()["orders"].rows_rejected == 9


def test_quarantine_keeps_the_exact_raw_line(loaded, fixtures_dir):
    _, db = loaded
    raw = (fixtures_dir / "loaders/bad_rows/shop/orders/orders.csv").read_bytes().split(b"\n")
    got = dict(_query(db, "SELECT DISTINCT line_number, raw_line FROM raw._quarantine WHERE table_name = 'orders'"))
    assert got[9] == raw[8].decode()
    # Invalid UTF-8 is kept byte for byte, the undecodable byte as an escape.
    assert raw[10].count(b"\xe9") == 1
    assert got[11] == raw[10].decode("utf-8", errors="backslashreplace")
    assert "Caf\\xe9,," in got[11]


def test_good_csv_rows_are_typed_and_carry_their_origin(loaded):
    _, db = loaded
    rows = _query(
        db,
        "SELECT order_id, customer_id, status, utm_campaign, subtotal_amount, created_at, "
        "_source_file, _source_line FROM raw.orders ORDER BY order_id",
    )
    F = "shop/orders/orders.csv"
    assert rows == [
        # ids are keys: text, whatever they look like
        ("1001", "501", "delivered", "spring_sale", Decimal("100.00"), datetime(2024, 3, 1, 9, 15), F, 2),
        # +02:00 offset converted to UTC; empty customer_id is NULL (guest checkout)
        ("1002", None, "placed", None, Decimal("25.50"), datetime(2024, 3, 1, 8, 0), F, 3),
        # quoted comma and doubled quotes
        ("1010", "509", "paid", 'winter "VIP" sale, EU', Decimal("10.00"), datetime(2024, 3, 3, 8), F, 12),
        # a quoted field spanning lines 14-15 is one record, numbered by its first line
        ("1012", "511", "returned", "line one\nline two", Decimal("10.00"), datetime(2024, 3, 4, 8), F, 14),
        ("1013", "512", "on_hold", None, Decimal("10.00"), datetime(2024, 3, 3, 8), F, 16),
    ]  # fmt: skip
    loaded_at = _query(db, "SELECT DISTINCT _loaded_at FROM raw.orders")
    assert len(loaded_at) == 1


def test_crlf_bom_file_and_boolean_spellings(loaded):
    _, db = loaded
    rows = _query(
        db, "SELECT product_id, title, price, cost, is_active, _source_line FROM raw.products ORDER BY product_id"
    )
    assert rows == [
        # price and cost are unit prices: DECIMAL(18,4)
        ("1", "Shirt, blue", Decimal("19.9900"), Decimal("7.5000"), True, 2),
        ("2", "Mug", Decimal("9.0000"), None, True, 3),
    ]


def test_good_json_rows(loaded):
    _, db = loaded
    rows = _query(
        db, "SELECT event_id, event_timestamp, product_id, order_id, _source_line FROM raw.events ORDER BY event_id"
    )
    assert rows == [
        ("e1", datetime(2024, 3, 1, 10, 0), None, None, 1),
        ("e2", datetime(2024, 3, 1, 9, 0, 5), "7", None, 2),  # +01:00 -> UTC
        ("e9", datetime(2024, 3, 1, 10, 4), None, "1001", 9),
    ]


def test_values_outside_accepted_values_land_with_a_warning(loaded):
    report, db = loaded
    (orders,) = [f for f in report.files if f.table == "orders"]
    assert orders.warnings == (
        "shop/orders/orders.csv: 1 row(s) with status outside accepted_values "
        "(first at line 16: 'on_hold'); landed, dbt tests will flag them",
    )
    assert _query(db, "SELECT order_id FROM raw.orders WHERE status = 'on_hold'") == [("1013",)]


def test_lines_the_reader_refuses_are_quarantined_in_place(tmp_path, fixtures_dir):
    """Over-long lines and lines with U+001F (the field splitter's separator) are quarantined; they keep their
    line numbers and the lines after them keep theirs."""
    header, first, second, third = (
        (fixtures_dir / "loaders/partial/shop/orders/orders-2024-03-01.csv").read_text().splitlines()
    )
    lines = [header, first.replace("spring_sale", "x" * 300), second.replace("marketplace", "market\x1fplace"), third]
    path = tmp_path / "shop/orders/o.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(lines) + "\n")
    table = load_contract().table("orders")
    described = describe_file(path, table, "shop/orders/o.csv")
    with DuckDBBackend(tmp_path / "w.duckdb", max_line_bytes=260) as backend:
        backend.ensure_raw_tables(load_contract().tables)
        result = backend.land(described, started_at=datetime(2024, 3, 2), replacing=False)
        quarantine = backend._con.execute(
            "SELECT line_number, column_name, reason, length(raw_line) FROM raw._quarantine ORDER BY 1"
        ).fetchall()
        loaded = backend._con.execute("SELECT order_id, _source_line FROM raw.orders").fetchall()
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 1, 2)
    assert quarantine == [
        (2, None, "line longer than 260 bytes", 260),  # kept up to the limit
        (3, None, "line contains the control character U+001F, which no feed may contain", len(lines[2])),
    ]
    assert loaded == [("2003", 4)]
