"""DuckDB's bare read of a landing tree: every contract feed read into a table of a new DuckDB file.

The baseline the loader is measured against: DuckDB's own CSV/JSON readers with type detection,
no validation, quarantine or audit. Prints one JSON object: per table, rows and seconds.

Usage: ``python tests/bench/bare_read.py <landing dir> <new .duckdb file>`` (run by bench_pipeline.py).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

from loaders.contract import load_contract


def bare_read(src: Path, db: Path) -> dict[str, dict[str, float]]:
    """Read each contract feed's files under ``src`` into a table of ``db``.

    Returns:
        Per contract table with files: ``{"rows": int, "seconds": float}`` (wall seconds).
    """
    con = duckdb.connect(str(db))
    out: dict[str, dict[str, float]] = {}
    for table in load_contract().tables:
        files = sorted(str(p) for p in src.glob(table.files))
        if not files:
            continue
        reader = "read_csv" if table.format == "csv" else "read_json"
        options = "header = true" if table.format == "csv" else "format = 'newline_delimited'"
        t0 = time.perf_counter()
        con.execute(f"CREATE TABLE {table.name} AS SELECT * FROM {reader}({files!r}, {options})")
        seconds = time.perf_counter() - t0
        rows = con.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]
        out[table.name] = {"rows": rows, "seconds": seconds}
    con.close()
    return out


if __name__ == "__main__":
    print(json.dumps(bare_read(Path(sys.argv[1]), Path(sys.argv[2]))))
