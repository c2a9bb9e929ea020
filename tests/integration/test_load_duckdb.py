"""Load whole source trees into DuckDB and check every file against an independent count.

The expected record count and record start lines of each file are computed here with
Python's ``csv`` module (CSV) or by counting non-blank lines (JSON lines), never with
the loader's own code. Trees: the committed ``seeds/`` sample (when present) and the
hand-written ``bad_rows`` fixture.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import duckdb
import pytest

from loaders.api import load_directory
from loaders.contract import load_contract

REPO = Path(__file__).resolve().parents[2]
CONTRACT = load_contract()


def _contract_files(root: Path) -> list[tuple[str, Path]]:
    return [(t.name, p) for t in CONTRACT.tables for p in sorted(root.glob(t.files)) if p.is_file()]


def _text(path: Path) -> str:
    data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    return data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")


def record_start_lines(table: str, path: Path) -> list[int]:
    """1-based physical line where each data record starts (header and blank lines excluded)."""
    text = _text(path)
    if CONTRACT.table(table).format == "jsonl":
        return [i for i, line in enumerate(text.splitlines(), start=1) if line.strip()]
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, previous_end = [], 0
    for record in reader:
        if record:  # csv yields [] for a blank line
            starts.append(previous_end + 1)
        previous_end = reader.line_num
    return starts[1:]  # drop the header


TREES = [pytest.param(REPO / "tests/fixtures/loaders/bad_rows", id="fixture-bad_rows")]
if _contract_files(REPO / "seeds"):
    TREES.insert(0, pytest.param(REPO / "seeds", id="seeds"))


@pytest.mark.slow
@pytest.mark.parametrize("root", TREES)
def test_every_file_reconciles_with_an_independent_count(root: Path, tmp_path: Path):
    db = tmp_path / "warehouse.duckdb"
    report = load_directory(root, database=db)
    assert report.ok
    files = _contract_files(root)
    assert sorted(f.source_file for f in report.files) == sorted(p.relative_to(root).as_posix() for _, p in files)
    with duckdb.connect(str(db), read_only=True) as con:
        for table, path in files:
            rel = path.relative_to(root).as_posix()
            expected_lines = record_start_lines(table, path)
            loaded = [
                r[0]
                for r in con.execute(
                    f"SELECT _source_line FROM raw.{table} WHERE _source_file = ? ORDER BY 1", [rel]
                ).fetchall()
            ]
            rejected = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT line_number FROM raw._quarantine WHERE source_file = ? ORDER BY 1", [rel]
                ).fetchall()
            ]
            audit = con.execute(
                "SELECT rows_read, rows_loaded, rows_rejected FROM raw._load_audit WHERE source_file = ?", [rel]
            ).fetchall()
            # every record is either loaded or quarantined, exactly once, under its own line number
            assert sorted(loaded + rejected) == expected_lines, rel
            assert audit == [(len(expected_lines), len(loaded), len(rejected))], rel
        for t in CONTRACT.tables:  # every raw table exists, even for absent feeds
            con.execute(f"SELECT count(*) FROM raw.{t.name}").fetchone()
