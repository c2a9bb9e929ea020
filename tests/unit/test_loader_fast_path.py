"""The fast path for plain CSV and JSON-lines files (DuckDB's readers) against the exact
line-by-line path.

``loaders.lines.plain_csv`` and ``plain_jsonl`` decide which files are plain; the decisions
below are written by hand from their definitions. For plain files, the same file is validated
twice, once by each path (the exact one forced by making them answer None), and the typed
rows, the quarantine rows (line, column, reason, masked raw line) and every count must be
identical.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from loaders import reader
from loaders.contract import load_contract
from loaders.discovery import describe_file
from loaders.errors import SchemaMismatchError
from loaders.lines import plain_csv, plain_jsonl

ITEMS = "order_item_id,order_id,product_id,quantity,unit_price,discount_amount,updated_at"
CUSTOMERS = "customer_id,email,first_name,last_name,phone,country_code,city,accepts_marketing,created_at,updated_at"


@pytest.mark.parametrize(
    ("content", "lines"),
    [
        (b"a,b\n1,2\n", 2),
        (b"a,b\r\n1,2\r\n3,4\r\n", 3),
        (b"a,b\n1,2", 2),  # no line break at the end
        (b"a,b\n,\n", 2),  # a record of empty fields
        (b"a,b\n1,2\n\n", None),  # a blank line
        (b"a,b\n1,2,3\n", None),  # a comma too many
        (b"a,b\n1\n", None),  # a field too few
        (b'a,b\n1,"2"\n', None),  # a quote
        (b"a,b\n1,2\x1f\n", None),  # U+001F
        (b"a,b\n1,2\r\n", None),  # CRLF after LF
        (b"a,b\r\n1,2\n", None),  # LF after CRLF
        (b"a,b\n1,\r2\n", None),  # a CR alone
        (b"\xef\xbb\xbfa,b\n1,2\n", None),  # byte-order mark
        (b"a,b\n" + b"1," + b"x" * 100 + b"\n", None),  # longer than max_line_bytes (64)
    ],
)
def test_plain_csv_decides_by_the_definition(tmp_path, content, lines):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    plain = plain_csv(path, max_line_bytes=64)
    assert (plain.lines if plain else None) == lines
    if plain:
        assert plain.header == ("a", "b") and not plain.gzip


def test_plain_csv_reads_gzip_and_refuses_a_corrupt_one(tmp_path):
    good = tmp_path / "f.csv.gz"
    good.write_bytes(gzip.compress(b"a,b\n1,2\n3,4\n"))
    plain = plain_csv(good, max_line_bytes=64)
    assert plain is not None and (plain.lines, plain.gzip) == (3, True)
    data = bytearray(good.read_bytes())
    data[-8] ^= 0xFF  # the CRC-32 in the trailer
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(bytes(data))
    assert plain_csv(bad, max_line_bytes=64) is None  # the exact path reports it


def _validate(path: Path, table: str, *, exact: bool, monkeypatch) -> tuple:
    """(rows, rejects, counts) of ``validate_file`` by one path."""
    taken = []
    name = "plain_jsonl" if table == "events" else "plain_csv"
    real = getattr(reader, name)

    def spy(*args, **kwargs):
        plain = None if exact else real(*args, **kwargs)
        taken.append(plain is not None)
        return plain

    monkeypatch.setattr(reader, name, spy)
    file = describe_file(path, load_contract().table(table), path.name)
    with duckdb.connect() as con:
        v = reader.validate_file(con, file)
        rows = con.execute(f"SELECT * FROM {v.rows.alias} ORDER BY line").fetchall()
        rejects = con.execute(f"SELECT * FROM {v.rejects.alias} ORDER BY line, column_name").fetchall()
        counts = (v.rows_read, v.rows_rejected, v.quarantine_rows, v.lines_read, v.blank_lines, v.warnings)
    assert taken == [not exact]
    return rows, rejects, counts


ITEM_LINES = [
    "1,10,100,2,19.99,0.00,2024-03-01 10:00:00",
    "2,10,101,1,5.00,1.00,2024-03-01T10:00:00Z",
    "3,10,102,12.5,5.00,0.00,2024-03-01 10:00:00",  # not an integer
    "4,11,100,1,5.001,0.00,2024-03-01 10:00:00",  # three decimals: a unit price keeps up to four
    "5,11,100,9223372036854775807,5.00,0.00,2024-03-01 10:00:00",  # beyond the contract bound
    "6,11,100,1,5.00,0.00,2024-03-01T10:00:00+25:00",  # impossible offset
    "7,12,100, 3 ,5.00,,2024-03-01",  # blanks trimmed; empty required value
    ",12,100,1,5.00,0.00,2024-02-30",  # empty key, impossible date
    "9,12,100,-1,0.50,0.00,2024-03-01 23:59:59.123456",
    "10,12,100,1,1e3,0.00,2024-03-01 24:00:00",
]
CUSTOMER_LINES = [
    "1,ann@example.com,Ann,Lee,+33123456789,FR,Paris,yes,2024-01-01,2024-01-02",
    "2,bob@example.com,Bob,Roe,,US,Austin,maybe,2024-01-01,2024-01-02",  # not a boolean: PII masked
    "x,c@example.com,Cy,Poe,,US,,no,2024-01-01,2024-01-02",  # bad key: PII masked
]


@pytest.mark.parametrize(
    ("table", "name", "content"),
    [
        ("order_items", "items.csv", ("\n".join([ITEMS, *ITEM_LINES]) + "\n").encode()),
        ("order_items", "items-crlf.csv", ("\r\n".join([ITEMS, *ITEM_LINES])).encode()),
        ("order_items", "items.csv.gz", gzip.compress(("\n".join([ITEMS, *ITEM_LINES]) + "\n").encode())),
        ("customers", "customers.csv", ("\n".join([CUSTOMERS, *CUSTOMER_LINES]) + "\n").encode()),
        # header in another order than the contract
        (
            "order_items",
            "reordered.csv",
            b"updated_at,quantity,order_item_id,order_id,product_id,unit_price,discount_amount\n"
            b"2024-03-01,2,1,10,100,1.00,0.00\n2024-03-01,x,2,10,100,1.00,0.00\n",
        ),
    ],
)
def test_fast_path_gives_what_the_exact_path_gives(tmp_path, monkeypatch, table, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    fast = _validate(path, table, exact=False, monkeypatch=monkeypatch)
    exact = _validate(path, table, exact=True, monkeypatch=monkeypatch)
    assert fast == exact
    assert fast[1]  # the files hold rejected records: their lines, reasons and raw lines match too


def test_fast_path_values_and_reasons_by_hand(tmp_path, monkeypatch):
    path = tmp_path / "items.csv"
    path.write_text("\n".join([ITEMS, *ITEM_LINES]) + "\n")
    rows, rejects, counts = _validate(path, "order_items", exact=False, monkeypatch=monkeypatch)
    assert [(r[0], r[1], r[4]) for r in rows] == [(2, "1", 2), (3, "2", 1), (5, "4", 1), (10, "9", -1)]
    assert {(line, col) for line, col, _, _ in rejects} == {
        (4, "quantity"),
        (6, "quantity"),
        (7, "updated_at"),
        (8, "discount_amount"),
        (9, "order_item_id"),
        (9, "updated_at"),
        (11, "unit_price"),
    }
    assert rejects[0][3] == ITEM_LINES[2]  # the raw line, as written
    assert counts[:5] == (10, 6, 7, 11, 0)


def test_a_file_the_reader_refuses_falls_back_to_the_exact_path(tmp_path, monkeypatch):
    """Invalid UTF-8 passes ``plain_csv`` (it checks bytes) but DuckDB's reader refuses it: the
    exact path then quarantines that line alone."""
    path = tmp_path / "items.csv"
    path.write_bytes((ITEMS + "\n" + ITEM_LINES[0] + "\n").encode() + b"2,10,101,1,5.00,0.00,2024-03-01 \xff\n")
    file = describe_file(path, load_contract().table("order_items"), path.name)
    with duckdb.connect() as con:
        v = reader.validate_file(con, file)
        assert (v.rows_read, v.rows_rejected) == (2, 1)
        rejects = con.execute(f"SELECT * FROM {v.rejects.alias}").fetchall()
        assert rejects[0][:3] == (3, None, "invalid UTF-8: the file must be UTF-8 encoded")


@pytest.mark.parametrize(
    ("content", "lines"),
    [
        (b'{"a": 1}\n{"a": 2}\n', 2),
        (b'{"a": 1}\r\n{"a": "x,\\"y\\""}\r\n', 2),  # quotes and commas are no concern in JSON
        (b'{"a": 1}', 1),
        (b'{"a": 1}\n\n{"a": 2}\n', None),  # a blank line
        (b'{"a": 1}\r{"a": 2}\n', None),  # a CR alone
        (b'\xef\xbb\xbf{"a": 1}\n', None),  # byte-order mark
    ],
)
def test_plain_jsonl_decides_by_the_definition(tmp_path, content, lines):
    path = tmp_path / "f.jsonl"
    path.write_bytes(content)
    plain = plain_jsonl(path, max_line_bytes=64)
    assert (plain.lines if plain else None) == lines


def _event(n: int, **extra: object) -> str:
    values = {
        "event_id": f"e{n}",
        "event_name": "page_view",
        "event_timestamp": "2024-03-01T10:00:00Z",
        "anonymous_id": f"a{n}",
        "customer_id": None,
        "page_url": "/p?x=1,2",
        **extra,
    }
    return json.dumps(values)


CLEAN_EVENTS = [_event(1), "  " + _event(2, customer_id=7) + " ", _event(3, order_id="12", device_type="mobile")]


@pytest.mark.parametrize(
    ("name", "lines", "fast_kept"),
    [
        ("events.jsonl", CLEAN_EVENTS, True),
        # a rejected record: the exact path decides (its raw line keeps the blanks around the object)
        ("rejects.jsonl", [*CLEAN_EVENTS, " " + _event(4, event_timestamp="yesterday"), "[1]"], False),
        # a value that looks nested: judged by the exact path
        ("nested.jsonl", [*CLEAN_EVENTS, _event(5, page_url={"p": 1})], False),
    ],
)
def test_jsonl_fast_path_gives_what_the_exact_path_gives(tmp_path, monkeypatch, name, lines, fast_kept):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    fast = _validate(path, "events", exact=False, monkeypatch=monkeypatch)
    exact = _validate(path, "events", exact=True, monkeypatch=monkeypatch)
    assert fast == exact
    assert bool(fast[1]) != fast_kept
    assert [r[0] for r in fast[0]][:3] == [1, 2, 3]


def test_jsonl_fast_path_on_gzip(tmp_path, monkeypatch):
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(CLEAN_EVENTS) + "\n").encode()))
    assert _validate(path, "events", exact=False, monkeypatch=monkeypatch) == _validate(
        path, "events", exact=True, monkeypatch=monkeypatch
    )


def test_jsonl_unknown_key_refuses_the_file_as_the_exact_path_does(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join([*CLEAN_EVENTS, _event(9, browser="x")]) + "\n")
    file = describe_file(path, load_contract().table("events"), path.name)
    with duckdb.connect() as con, pytest.raises(SchemaMismatchError, match="unexpected key\\(s\\) 'browser'") as e:
        reader.validate_file(con, file)
    assert e.value.line == 4
