"""File- and run-level errors: a specific exception naming the file, nothing already loaded lost,
the command line's exit code of its kind (2 usage, 3 data, 5 warehouse); and shops with only some feeds."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from loaders.api import load_directory, load_file
from loaders.cli import main
from loaders.contract import load_contract
from loaders.errors import (
    EmptyFileError,
    MissingRequiredFeedError,
    SchemaMismatchError,
    SourceDirectoryNotFoundError,
    UnknownTableError,
    UnreadableFileError,
    WarehouseUnavailableError,
)


@pytest.fixture
def source(tmp_path: Path, fixtures_dir: Path) -> Path:
    """A writable copy of the ``partial`` fixture tree (3 orders, 3 order items)."""
    dst = tmp_path / "landing"
    shutil.copytree(fixtures_dir / "loaders" / "partial", dst)
    return dst


def _q(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def _counts(db: Path) -> dict[str, int]:
    return {t: _q(db, f"SELECT count(*) FROM raw.{t}")[0][0] for t in ("orders", "order_items")}


def test_missing_directory(tmp_path, warehouse, capsys):
    missing = tmp_path / "nowhere"
    with pytest.raises(SourceDirectoryNotFoundError, match="nowhere: source directory does not exist"):
        load_directory(missing)
    assert not warehouse.exists()  # nothing was opened or created
    assert main(["load", "--source-dir", str(missing), "--quiet"]) == 2
    assert capsys.readouterr().err.strip() == f"error: {missing}: source directory does not exist"


def test_empty_file_fails_alone_and_is_named(source, warehouse, capsys):
    (source / "shop/orders/orders-2024-03-02.csv").write_bytes(b"")
    with pytest.raises(EmptyFileError) as e:
        load_directory(source)
    assert str(e.value) == "shop/orders/orders-2024-03-02.csv: file is empty (0 bytes)"
    # the other files of the run were loaded, the failure is audited
    assert _counts(warehouse) == {"orders": 3, "order_items": 3}
    assert [(f.source_file, f.status) for f in e.value.report.failed] == [
        ("shop/orders/orders-2024-03-02.csv", "failed")
    ]
    assert _q(warehouse, "SELECT source_file, status FROM raw._load_audit WHERE status = 'failed'") == [
        ("shop/orders/orders-2024-03-02.csv", "failed")
    ]
    assert main(["load", "--source-dir", str(source), "--quiet"]) == 3
    assert "error: shop/orders/orders-2024-03-02.csv: file is empty (0 bytes)" in capsys.readouterr().err


def test_blank_lines_only_is_empty(source, warehouse):
    (source / "shop/orders/blank.csv").write_text("\n\n\n")
    with pytest.raises(EmptyFileError, match="shop/orders/blank.csv: file has no content"):
        load_directory(source)


def test_header_only_file_loads_zero_rows(source, warehouse):
    header = (source / "shop/orders/orders-2024-03-01.csv").read_text().splitlines()[0]
    (source / "shop/orders/orders-2024-03-02.csv").write_text(header + "\n")
    report = load_directory(source)
    result = [f for f in report.files if f.source_file.endswith("03-02.csv")][0]
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 0, 0)


def test_unknown_table(source, warehouse, capsys):
    with pytest.raises(UnknownTableError, match="unknown table 'payouts'; the contract defines: shop.customers"):
        load_directory(source, tables=["orders", "payouts"])
    with pytest.raises(UnknownTableError):
        load_file(source / "shop/orders/orders-2024-03-01.csv", "payouts")
    assert main(["load", "--source-dir", str(source), "--tables", "payouts", "--quiet"]) == 2
    assert "error: unknown table 'payouts'" in capsys.readouterr().err


def test_a_gz_name_without_gzip_content_is_unreadable(source, warehouse, capsys):
    bad = source / "web/events/2024-03-01.jsonl.gz"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"this is not gzip data\n")
    with pytest.raises(UnreadableFileError) as e:
        load_directory(source)
    assert e.value.file == "web/events/2024-03-01.jsonl.gz"
    assert "named .gz but its content is not gzip-compressed" in str(e.value)
    assert _counts(warehouse) == {"orders": 3, "order_items": 3}
    assert main(["load", "--source-dir", str(source), "--quiet"]) == 3
    assert "error: web/events/2024-03-01.jsonl.gz: named .gz but" in capsys.readouterr().err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied_is_unreadable(source, warehouse):
    f = source / "shop/orders/orders-2024-03-01.csv"
    f.chmod(0)
    try:
        with pytest.raises(UnreadableFileError, match="orders-2024-03-01.csv: cannot read the file"):
            load_directory(source)
    finally:
        f.chmod(0o644)


def test_gzip_files_are_read(source, warehouse):
    events = source / "web/events/2024-03-01.jsonl.gz"
    events.parent.mkdir(parents=True)
    lines = [
        '{"event_id":"g1","event_name":"page_view","event_timestamp":"2024-03-01T10:00:00Z","anonymous_id":"a"}',
        '{"event_id":"g2","event_name":"page_view","event_timestamp":"bad","anonymous_id":"a"}',
    ]
    events.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    load_directory(source)
    assert _q(warehouse, "SELECT event_id, _source_file, _source_line FROM raw.events") == [
        ("g1", "web/events/2024-03-01.jsonl.gz", 1)
    ]
    assert _q(warehouse, "SELECT line_number, column_name FROM raw._quarantine") == [(2, "event_timestamp")]


def test_header_mismatch_refuses_the_file(fixtures_dir, warehouse, tmp_path):
    src = tmp_path / "landing"
    shutil.copytree(fixtures_dir / "loaders" / "partial", src)
    shutil.copy(fixtures_dir / "loaders/bad_header/shop/orders/orders.csv", src / "shop/orders/orders.csv")
    with pytest.raises(SchemaMismatchError) as e:
        load_directory(src)
    assert str(e.value).startswith(
        "shop/orders/orders.csv:1: header does not match the contract for shop.orders: "
        "missing column(s) status; unexpected column(s) 'order_status', 'note'."
    )
    assert _q(warehouse, "SELECT count(*) FROM raw._quarantine") == [(0,)]  # a file error, not row quarantine


def test_unknown_json_key_refuses_the_file(fixtures_dir, warehouse):
    with pytest.raises(SchemaMismatchError) as e:
        load_directory(fixtures_dir / "loaders" / "bad_keys", tables=["events"])
    assert (e.value.file, e.value.line) == ("web/events/events.jsonl", 2)
    assert "unexpected key(s) 'pageUrl'" in str(e.value)
    assert _q(warehouse, "SELECT count(*) FROM raw.events") == [(0,)]


def test_missing_required_feed(source, warehouse, capsys):
    shutil.rmtree(source / "shop/order_items")
    with pytest.raises(
        MissingRequiredFeedError, match=r"required feed\(s\) shop.order_items \(shop/order_items/\*.csv\*\)"
    ):
        load_directory(source)
    assert not warehouse.exists()
    # asking for specific tables is allowed
    report = load_directory(source, tables=["orders"])
    assert [f.rows_loaded for f in report.files] == [3]
    assert main(["load", "--source-dir", str(source), "--quiet"]) == 3
    assert "no file for the required feed(s) shop.order_items" in capsys.readouterr().err


def test_partial_feeds_create_every_raw_table(source, warehouse):
    report = load_directory(source)
    assert report.ok
    tables = dict(_q(warehouse, "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'raw'"))
    contract_tables = [t.name for t in load_contract().tables]
    assert set(tables) == {*contract_tables, "_load_audit", "_quarantine", "_landing"}
    counts = {t: _q(warehouse, f"SELECT count(*) FROM raw.{t}")[0][0] for t in contract_tables}
    assert counts == {
        "customers": 0,
        "products": 0,
        "orders": 3,
        "order_items": 3,
        "refunds": 0,
        "stores": 0,
        "events": 0,
        "ad_spend": 0,
        "tickets": 0,
        "fx_rates": 0,
    }
    columns = _q(
        warehouse,
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND table_name = 'ad_spend' ORDER BY ordinal_position",
    )
    assert columns == [
        ("spend_date", "DATE"),
        ("platform", "VARCHAR"),
        ("campaign_id", "VARCHAR"),
        ("campaign_name", "VARCHAR"),
        ("impressions", "BIGINT"),
        ("clicks", "BIGINT"),
        ("spend", "DECIMAL(18,2)"),
        ("currency", "VARCHAR"),
        ("_source_file", "VARCHAR"),
        ("_source_line", "BIGINT"),
        ("_loaded_at", "TIMESTAMP"),
        ("_extra", "JSON"),
    ]


def test_nothing_loaded_is_lost_when_a_later_run_fails(source, warehouse):
    load_directory(source)
    before = _q(warehouse, "SELECT * FROM raw.orders ORDER BY ALL")
    (source / "shop/orders/orders-2024-03-01.csv").write_text("order_id,oops\n1,2\n")
    (source / "shop/order_items/order_items-2024-03-02.csv").write_bytes(b"")
    report = load_directory(source, raise_on_error=False)
    assert not report.ok
    assert sorted(f.status for f in report.failed) == ["failed", "failed"]
    assert _q(warehouse, "SELECT * FROM raw.orders ORDER BY ALL") == before
    assert _counts(warehouse) == {"orders": 3, "order_items": 3}


def test_a_warehouse_locked_by_another_process_is_a_clear_error(source, warehouse, capsys):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
         "sys.stdin.read()", str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(WarehouseUnavailableError, match="cannot open the DuckDB database for writing") as e:
            load_directory(source)
        assert e.value.file == str(warehouse)
        assert main(["load", "--source-dir", str(source), "--quiet"]) == 5
        assert "is another process (dbt, a notebook) using it?" in capsys.readouterr().err
    finally:
        holder.communicate("")
