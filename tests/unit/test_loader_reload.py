"""Idempotency and atomic replacement: loading a file again, or a corrected version of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from loaders.api import load_directory, load_file
from loaders.backends.duckdb import DuckDBBackend
from loaders.contract import load_contract
from loaders.discovery import infer_source_file
from loaders.errors import LoaderError, SchemaMismatchError

ORDERS = "shop/orders/orders.csv"


@pytest.fixture
def source(tmp_path: Path, fixtures_dir: Path) -> Path:
    """A writable copy of the ``bad_rows`` fixture tree."""
    dst = tmp_path / "landing"
    shutil.copytree(fixtures_dir / "loaders" / "bad_rows", dst)
    return dst


def _q(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every raw table's rows (and the quarantine) without load times."""
    out = {}
    for t in ("orders", "order_items", "products", "events"):
        out[t] = _q(db, f"SELECT * EXCLUDE (_loaded_at) FROM raw.{t} ORDER BY ALL")
    out["_quarantine"] = _q(db, "SELECT * EXCLUDE (quarantined_at) FROM raw._quarantine ORDER BY ALL")
    out["_loaded_at"] = _q(db, "SELECT _source_file, min(_loaded_at) FROM raw.orders GROUP BY ALL ORDER BY ALL")
    return out


def test_loading_the_same_files_again_changes_nothing(source, warehouse):
    first = load_directory(source)
    before = _snapshot(warehouse)
    second = load_directory(source)
    assert _snapshot(warehouse) == before
    assert [f.status for f in first.files] == ["loaded"] * 4
    assert [f.status for f in second.files] == ["unchanged"] * 4
    assert all((f.rows_read, f.rows_loaded, f.rows_rejected) == (0, 0, 0) for f in second.files)
    audit = _q(warehouse, "SELECT status, count(*) FROM raw._load_audit GROUP BY ALL ORDER BY ALL")
    assert audit == [("loaded", 4), ("unchanged", 4)]


def test_a_corrected_file_replaces_its_earlier_rows_and_quarantine(source, warehouse):
    load_directory(source)
    items_before = _q(warehouse, "SELECT * FROM raw.order_items ORDER BY ALL")
    lines = (source / ORDERS).read_bytes().split(b"\n")
    corrected = [
        lines[0],
        lines[1],  # 1001 unchanged
        lines[3].replace(b"   ,502,", b"1003,502,"),  # the empty id filled in
        lines[5].replace(b"1005,504,,", b"1005,504,paid,"),  # the missing status filled in
        lines[8],  # 1007 still has 6 fields
    ]
    (source / ORDERS).write_bytes(b"\n".join(corrected) + b"\n")
    report = load_directory(source)
    (orders,) = [f for f in report.files if f.table == "orders"]
    assert (orders.status, orders.rows_read, orders.rows_loaded, orders.rows_rejected) == ("replaced", 4, 3, 1)
    assert _q(warehouse, "SELECT order_id, status, _source_line FROM raw.orders ORDER BY order_id") == [
        ("1001", "delivered", 2),
        ("1003", "paid", 3),
        ("1005", "paid", 4),
    ]
    assert _q(warehouse, "SELECT line_number, reason FROM raw._quarantine WHERE table_name = 'orders'") == [
        (5, "wrong column count: expected 19, found 6")
    ]
    # other files untouched
    assert _q(warehouse, "SELECT * FROM raw.order_items ORDER BY ALL") == items_before
    assert [f.status for f in report.files if f.table != "orders"] == ["unchanged"] * 3


def test_a_failed_replacement_keeps_the_earlier_version(source, warehouse, fixtures_dir):
    load_directory(source)
    before = _snapshot(warehouse)
    shutil.copy(fixtures_dir / "loaders" / "bad_header" / ORDERS, source / ORDERS)
    with pytest.raises(SchemaMismatchError) as e:
        load_directory(source)
    assert e.value.file == ORDERS
    assert _snapshot(warehouse) == before
    last = _q(
        warehouse,
        "SELECT status, error FROM raw._load_audit WHERE source_file = ? ORDER BY started_at DESC LIMIT 1",
        [ORDERS],
    )
    assert last[0][0] == "failed" and "order_status" in last[0][1]


def test_an_error_inside_the_swap_rolls_everything_back(source, warehouse, monkeypatch):
    load_directory(source)
    before = _snapshot(warehouse)
    (source / ORDERS).write_bytes((source / ORDERS).read_bytes().replace(b"1001,", b"9001,"))
    real_audit = DuckDBBackend._insert_audit

    def failing_audit(self, result):
        if result.status != "failed":  # the audit row is the last statement of the swap
            raise LoaderError("injected failure after delete and insert", file=result.source_file)
        real_audit(self, result)

    monkeypatch.setattr(DuckDBBackend, "_insert_audit", failing_audit)
    with pytest.raises(LoaderError, match="injected failure"):
        load_directory(source)
    assert _snapshot(warehouse) == before
    assert _q(warehouse, "SELECT count(*) FROM raw.orders WHERE order_id = '9001'") == [(0,)]


def test_rows_deleted_from_the_warehouse_are_landed_again(source, warehouse):
    load_directory(source)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("DELETE FROM raw.orders")
    report = load_directory(source)
    (orders,) = [f for f in report.files if f.table == "orders"]
    assert (orders.status, orders.rows_loaded) == ("replaced", 5)
    assert _q(warehouse, "SELECT count(*) FROM raw.orders") == [(5,)]


def test_load_file_uses_the_same_identity_as_load_directory(source, warehouse):
    report = load_file(source / ORDERS, "shop.orders")
    assert report.files[0].source_file == ORDERS
    again = load_directory(source, tables=["orders"])
    assert [f.status for f in again.files] == ["unchanged"]


@pytest.mark.parametrize(
    ("path", "table", "source_dir", "identity"),
    [
        ("/landing/web/events/2024-03-01.jsonl.gz", "events", None, "web/events/2024-03-01.jsonl.gz"),
        ("/landing/shop/orders/o.csv", "orders", None, "shop/orders/o.csv"),
        ("/landing/shop/orders/o.csv", "orders", "/", "landing/shop/orders/o.csv"),
        ("/spool/batch-7.jsonl", "events", None, "batch-7.jsonl"),  # outside the contract's layout
    ],
)
def test_single_file_identity(path, table, source_dir, identity):
    t = load_contract().table(table)
    assert infer_source_file(Path(path), t, None if source_dir is None else Path(source_dir)) == identity
