"""Plain CSV and JSON-lines files, and Parquet files, landed straight from DuckDB's reader
(``loaders.reader.streamed_rows``) against the same files landed through ``validate_file``.

The DuckDB backend streams a plain CSV or JSON-lines file into ``raw.<table>`` when every record
fits, and rolls back to ``validate_file`` at the first record that does not. Each file below is
loaded twice into fresh warehouses, once with streaming and once with it switched off: the raw
rows (values, ``_source_line``), the quarantine and the audit counts must be identical, and
which files were streamed is decided by hand.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loaders.api import load_directory
from loaders.backends import duckdb as duckdb_backend

ITEMS = "order_item_id,order_id,product_id,quantity,unit_price,discount_amount,updated_at"
CLEAN_ITEMS = [
    "1,10,100,2,19.99,0.00,2024-03-01 10:00:00",
    "2,10,101,1,5.001,1.00,2024-03-01T10:00:00Z",
    "3,10,102, 3 ,5.00,0.00,2024-03-01",
    "4,11,100,-1,0.50,0.00,2024-03-01 23:59:59.123456+02:00",
]


def _event(n: int, **extra) -> str:
    values = {"event_id": f"e{n}", "event_name": "page_view", "event_timestamp": "2024-03-01 10:00:00"}
    values["anonymous_id"] = "a1"
    values.update(extra)
    return json.dumps(values)


CLEAN_EVENTS = [_event(1), "  " + _event(2, customer_id=7) + " ", _event(3, order_id="12", device_type="mobile")]


def _csv(lines: list[str]) -> bytes:
    return ("\n".join([ITEMS, *lines]) + "\n").encode()


def _jsonl(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def _load(src: Path, db: Path, table: str, *, stream: bool, monkeypatch) -> tuple[list, list, list, list[bool]]:
    """(raw rows, quarantine rows, audit rows, [streamed?] per file) of one load of ``src``."""
    streamed: list[bool] = []
    real = duckdb_backend.DuckDBBackend._land_streamed

    def spy(self, file, **kwargs):
        result = real(self, file, **kwargs) if stream else None
        streamed.append(result is not None)
        return result

    monkeypatch.setattr(duckdb_backend.DuckDBBackend, "_land_streamed", spy)
    load_directory(src, tables=[table], database=db, raise_on_error=False)
    with duckdb.connect(str(db), read_only=True) as con:
        raw = con.execute(
            f"SELECT * EXCLUDE (_loaded_at) FROM raw.{table} ORDER BY _source_file, _source_line"
        ).fetchall()
        quarantine = con.execute(
            "SELECT * EXCLUDE (quarantined_at) FROM raw._quarantine ORDER BY source_file, line_number, column_name"
        ).fetchall()
        audit = con.execute(
            "SELECT source_file, rows_read, rows_loaded, rows_rejected, status, error FROM raw._load_audit "
            "ORDER BY source_file, finished_at"
        ).fetchall()
    return raw, quarantine, audit, streamed


@pytest.mark.parametrize(
    ("table", "name", "content", "expected_streamed"),
    [
        ("order_items", "items.csv", _csv(CLEAN_ITEMS), True),
        ("order_items", "items.csv.gz", gzip.compress(_csv(CLEAN_ITEMS)), True),
        ("order_items", "crlf.csv", ("\r\n".join([ITEMS, *CLEAN_ITEMS])).encode(), True),
        # a record that does not fit, after records that do: rolled back, then quarantined
        ("order_items", "bad.csv", _csv([*CLEAN_ITEMS, "5,11,100,12.5,5.00,0.00,2024-03-01"]), False),
        ("order_items", "offset.csv", _csv([*CLEAN_ITEMS, "6,11,100,1,5.00,0.00,2024-03-01T10:00:00+25:00"]), False),
        ("order_items", "quoted.csv", _csv([*CLEAN_ITEMS, '7,11,100,1,5.00,0.00,"2024-03-01"']), False),  # not plain
        ("events", "events.jsonl", _jsonl(CLEAN_EVENTS), True),
        ("events", "events.jsonl.gz", gzip.compress(_jsonl(CLEAN_EVENTS)), True),
        ("events", "late.jsonl", _jsonl([*CLEAN_EVENTS, _event(4, event_timestamp="yesterday")]), False),
        ("events", "array.jsonl", _jsonl([*CLEAN_EVENTS, "[1]"]), False),
        ("events", "invalid.jsonl", _jsonl([*CLEAN_EVENTS, '{"event_id": "e5",}x']), False),
        ("events", "nested.jsonl", _jsonl([*CLEAN_EVENTS, _event(6, page_url={"p": 1})]), False),
    ],
)
def test_streamed_file_lands_what_validate_file_lands(tmp_path, monkeypatch, table, name, content, expected_streamed):
    folder = {"order_items": "shop/order_items", "events": "web/events"}[table]
    src = tmp_path / "src"
    (src / folder).mkdir(parents=True)
    (src / folder / name).write_bytes(content)
    streamed = _load(src, tmp_path / "streamed.duckdb", table, stream=True, monkeypatch=monkeypatch)
    exact = _load(src, tmp_path / "exact.duckdb", table, stream=False, monkeypatch=monkeypatch)
    assert streamed[:3] == exact[:3]
    assert streamed[3] == [expected_streamed]
    if expected_streamed:
        assert streamed[1] == []  # a streamed file quarantines nothing


def test_streamed_lines_and_values_by_hand(tmp_path, monkeypatch):
    src = tmp_path / "src"
    (src / "shop/order_items").mkdir(parents=True)
    (src / "shop/order_items/items.csv").write_bytes(_csv(CLEAN_ITEMS))
    raw, quarantine, audit, streamed = _load(
        src, tmp_path / "w.duckdb", "order_items", stream=True, monkeypatch=monkeypatch
    )
    assert streamed == [True] and quarantine == []
    # (order_item_id, quantity, unit_price as text, updated_at as text, _source_line)
    got = [(r[0], r[3], str(r[4]), str(r[6]), r[8]) for r in raw]
    assert got == [
        ("1", 2, "19.9900", "2024-03-01 10:00:00", 2),
        ("2", 1, "5.0010", "2024-03-01 10:00:00", 3),
        ("3", 3, "5.0000", "2024-03-01 00:00:00", 4),
        ("4", -1, "0.5000", "2024-03-01 21:59:59.123456", 5),
    ]
    assert audit == [("shop/order_items/items.csv", 4, 4, 0, "loaded", None)]


def test_streamed_reload_is_idempotent(tmp_path, monkeypatch):
    """A second load of an unchanged file lands nothing new; a changed file replaces its rows."""
    src = tmp_path / "src"
    (src / "shop/order_items").mkdir(parents=True)
    path = src / "shop/order_items/items.csv"
    path.write_bytes(_csv(CLEAN_ITEMS))
    db = tmp_path / "w.duckdb"
    first = _load(src, db, "order_items", stream=True, monkeypatch=monkeypatch)
    again = _load(src, db, "order_items", stream=True, monkeypatch=monkeypatch)
    assert again[0] == first[0] and again[3] == []  # unchanged: not read again
    path.write_bytes(_csv(CLEAN_ITEMS[:2]))
    replaced = _load(src, db, "order_items", stream=True, monkeypatch=monkeypatch)
    assert replaced[0] == first[0][:2] and replaced[3] == [True]
    assert [a[1:5] for a in replaced[2]] == [(4, 4, 0, "loaded"), (0, 0, 0, "unchanged"), (2, 2, 0, "replaced")]


def _items_parquet(path: Path, quantity: pa.Array) -> None:
    """Four order lines as a Parquet export types them (ids and quantity as integers, money as
    decimals, timestamps), with the given quantity column."""
    pq.write_table(
        pa.table(
            {
                "order_item_id": pa.array([1, 2, 3, 4], pa.int64()),
                "order_id": pa.array([10, 10, 10, 11], pa.int64()),
                "product_id": pa.array([100, 101, 102, 100], pa.int64()),
                "quantity": quantity,
                "unit_price": pa.array(
                    [Decimal("19.99"), Decimal("5.001"), Decimal("1"), Decimal("0.5")], pa.decimal128(18, 4)
                ),
                "discount_amount": pa.array([Decimal("0")] * 4, pa.decimal128(18, 2)),
                "updated_at": pa.array([datetime(2024, 3, 1, 10, 0, 0)] * 4, pa.timestamp("us")),
            }
        ),
        path,
    )


@pytest.mark.parametrize(
    ("quantity", "expected_streamed"),
    [
        (pa.array([2, 1, 3, -1], pa.int64()), True),
        (pa.array([2.0, 1.0, 3.0, -1.0], pa.float64()), True),  # whole floats are integers
        (pa.array([2.0, 1.5, 3.0, -1.0], pa.float64()), False),  # 1.5 is not: row 2 quarantined
        (pa.array(["2", "1", "x", None], pa.string()), False),
    ],
)
def test_streamed_parquet_lands_what_validate_file_lands(tmp_path, monkeypatch, quantity, expected_streamed):
    src = tmp_path / "src"
    (src / "shop/order_items").mkdir(parents=True)
    _items_parquet(src / "shop/order_items/items.parquet", quantity)
    streamed = _load(src, tmp_path / "streamed.duckdb", "order_items", stream=True, monkeypatch=monkeypatch)
    exact = _load(src, tmp_path / "exact.duckdb", "order_items", stream=False, monkeypatch=monkeypatch)
    assert streamed[:3] == exact[:3]
    assert streamed[3] == [expected_streamed]
    assert [r[8] for r in streamed[0]] == ([1, 2, 3, 4] if expected_streamed else [r[8] for r in exact[0]])


def _big_items(path: Path, n: int) -> None:
    """A plain order-lines CSV of ``n`` records whose order_item_id is its physical line number."""
    rows = "".join(f"{k},{k // 3},{k % 97},1,2.50,0.00,2024-03-01 10:00:00\n" for k in range(2, n + 2))
    path.write_text(ITEMS + "\n" + rows)


def _big_events(path: Path, n: int) -> None:
    """A plain gzip JSON-lines events file of ``n`` records whose event_id is ``e<physical line>``."""
    fixed = '"event_name":"page_view","event_timestamp":"2024-03-01 10:00:00"'
    rows = "".join(f'{{"event_id":"e{k}",{fixed},"anonymous_id":"a{k % 89}"}}\n' for k in range(1, n + 1))
    with gzip.open(path, "wt", compresslevel=1) as fh:
        fh.write(rows)


# Sizes DuckDB reads in several parts on two threads (a CSV above its 32 MB buffer, a JSON-lines
# file above several of its buffers): with insertion order not kept, these rows come out of order.
@pytest.mark.parametrize(
    ("table", "name", "write", "n", "line_of"),
    [
        ("order_items", "shop/order_items/big.csv", _big_items, 2_000_000, "CAST(order_item_id AS BIGINT)"),
        ("events", "web/events/big.jsonl.gz", _big_events, 1_000_000, "CAST(event_id[2:] AS BIGINT)"),
    ],
)
def test_streamed_rows_read_in_parallel_keep_their_physical_lines(
    tmp_path, monkeypatch, table, name, write, n, line_of
):
    """The backend numbers a streamed file's rows by their position after a parallel read; each
    row's ``_source_line`` must be the line its key was written on. The control reads the same
    file with insertion order not kept, and the same check must then find rows out of place."""
    src = tmp_path / "src"
    (src / name).parent.mkdir(parents=True)
    write(src / name, n)

    def misplaced(db: Path) -> tuple[int, int]:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(
                f"SELECT count(*), count(*) FILTER (WHERE _source_line <> {line_of}) FROM raw.{table}"
            ).fetchone()

    real_prepare = duckdb_backend.prepare_connection

    def on_two_threads(con, *, keep_order=True):
        real_prepare(con)
        con.execute("SET threads = 2")
        if not keep_order:
            con.execute("SET preserve_insertion_order = false")

    monkeypatch.setattr(duckdb_backend, "prepare_connection", on_two_threads)
    load_directory(src, tables=[table], database=tmp_path / "w.duckdb", raise_on_error=False)
    assert misplaced(tmp_path / "w.duckdb") == (n, 0)

    monkeypatch.setattr(duckdb_backend, "prepare_connection", lambda con: on_two_threads(con, keep_order=False))
    # which thread reads which part is up to the scheduler: a busy machine may, rarely, give one
    # thread every part in order, so the control gets three tries to show rows out of place
    for attempt in range(3):
        control = tmp_path / f"control{attempt}.duckdb"
        load_directory(src, tables=[table], database=control, raise_on_error=False)
        rows, out_of_place = misplaced(control)
        assert rows == n
        if out_of_place:
            break
    assert out_of_place > 0
