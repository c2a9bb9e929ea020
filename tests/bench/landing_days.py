"""Split a landing tree into the files up to the day before ``day`` and the files of ``day`` on.

The benchmark's "one more day": each contract feed is split by its ``loaded_at_field`` (orders
by ``updated_at``, events by ``event_timestamp``...), with DuckDB so that millions of rows split in
seconds. CSV values are read and written as text (unchanged); JSONL lines are copied byte for byte.
Files without a row of ``day`` or later are hard-linked into the base unchanged (copied where the
two trees are on different file systems): the loader refuses symbolic links that lead outside
its landing directory.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb

from loaders.contract import load_contract


def _copy(con: duckdb.DuckDBPyConnection, select: str, out: Path, options: str) -> int:
    """Write ``select`` to ``out`` (COPY ... TO with ``options``); returns the rows written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    n = con.execute(f"SELECT count(*) FROM ({select})").fetchone()[0]
    if n:
        con.execute(f"COPY ({select}) TO '{out}' ({options})")
    return n


def split_last_day(src: Path, base_dir: Path, day_dir: Path, day: date) -> dict[str, tuple[int, int]]:
    """Split every contract feed under ``src`` into ``base_dir`` (rows before ``day``) and
    ``day_dir`` (rows of ``day`` and later), keeping each file's path relative to ``src``.

    Args:
        src: landing tree (``<source>/<table>/<files>`` as the contract's globs expect).
        base_dir, day_dir: output trees (created).
        day: first day of the second part.

    Returns:
        Per contract table: (rows in the base, rows from ``day`` on).
    """
    con = duckdb.connect()
    cutoff = day.isoformat()
    counts: dict[str, tuple[int, int]] = {}
    for table in load_contract().tables:
        base_rows = day_rows = 0
        for path in sorted(src.glob(table.files)):
            rel = path.relative_to(src)
            stem = path.name.split(".")[0]
            if table.format == "csv":
                rows = f"read_csv('{path}', all_varchar = true, header = true, auto_detect = true)"
                day_of = f"substr({table.loaded_at_field}, 1, 10)"
                options, ext = "FORMAT csv, HEADER true", ".csv"
            else:
                rows = (
                    f"read_csv('{path}', columns = {{'line': 'varchar'}}, delim = chr(1), quote = '', "
                    "escape = '', header = false, auto_detect = false)"
                )
                day_of = f"substr(json_extract_string(line, '$.{table.loaded_at_field}'), 1, 10)"
                options, ext = "FORMAT csv, HEADER false, DELIMITER chr(1), QUOTE '', ESCAPE ''", ".jsonl"
            later = con.execute(f"SELECT count(*) FROM {rows} WHERE {day_of} >= '{cutoff}'").fetchone()[0]
            if not later:
                target = base_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    target.hardlink_to(path)
                except OSError:
                    shutil.copyfile(path, target)
                base_rows += con.execute(f"SELECT count(*) FROM {rows}").fetchone()[0]
                continue
            base_rows += _copy(
                con, f"SELECT * FROM {rows} WHERE {day_of} < '{cutoff}'", base_dir / rel.parent / (stem + ext), options
            )
            day_rows += _copy(
                con,
                f"SELECT * FROM {rows} WHERE {day_of} >= '{cutoff}'",
                day_dir / rel.parent / f"{stem}_{cutoff}{ext}",
                options,
            )
        counts[table.name] = (base_rows, day_rows)
    return counts
