"""Writing generated tables as the landing zone's files.

CSV: DuckDB ``COPY ... TO`` with a header row, columns cast to the contract's DuckDB
types (timestamps ``YYYY-MM-DD HH:MM:SS``, decimals with 2 decimals, booleans
true/false, empty field = null). JSONL: lines rendered by the caller in chunks,
gzip-compressed (``gzip.GzipFile`` without file name, mtime 0) in background threads, so
the bytes depend only on the content, the level and the zlib build.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa

from loaders.contract import Table

#: Rows of events turned into JSON per DuckDB query (bounds memory at large scale).
JSON_CHUNK_ROWS = 1_000_000

#: Types the CSV text is written in where they differ from the contract's: generated prices and
#: costs are whole cents, written with 2 decimals (valid ``decimal4`` values).
FILE_TYPES = {"decimal4": "DECIMAL(18,2)"}


def write_csv(con: duckdb.DuckDBPyConnection, data: pa.Table, spec: Table, path: Path) -> int:
    """Write ``data`` as the CSV file of contract table ``spec``.

    Args:
        con: DuckDB connection used for the COPY.
        data: Arrow table whose column names are ``spec.column_names`` in order, less any ``may_be_absent`` ones.
        spec: the contract table (gives column order and types).
        path: destination file; parent directories are created.

    Returns:
        Number of data rows written.

    Raises:
        ValueError: ``data``'s columns differ from the contract's (a ``may_be_absent`` column may
            be left out: the file then has no such header column).
    """
    columns = [c for c in spec.columns if c.name in data.column_names or not c.may_be_absent]
    if tuple(data.column_names) != tuple(c.name for c in columns):
        raise ValueError(
            f"{spec.fqn}: generated columns {data.column_names} differ from the contract {spec.column_names}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    con.register("_gen_table", data)
    try:
        select = ", ".join(
            f'CAST("{c.name}" AS {FILE_TYPES.get(c.type, c.duckdb_type)}) AS "{c.name}"' for c in columns
        )
        target = str(path).replace("'", "''")
        con.execute(f"COPY (SELECT {select} FROM _gen_table) TO '{target}' (FORMAT csv, HEADER true, DELIMITER ',')")
    finally:
        con.unregister("_gen_table")
    return data.num_rows


def _payload(lines: pa.Array) -> memoryview | bytes:
    """The concatenated bytes of a string array's values (zero-copy for string/large_string)."""
    if pa.types.is_string(lines.type) or pa.types.is_large_string(lines.type):
        width = 8 if pa.types.is_large_string(lines.type) else 4
        offsets, data = lines.buffers()[1], lines.buffers()[2]
        first = int.from_bytes(offsets[lines.offset * width : (lines.offset + 1) * width], "little", signed=True)
        end = lines.offset + len(lines)
        last = int.from_bytes(offsets[end * width : (end + 1) * width], "little", signed=True)
        return memoryview(data)[first:last] if data is not None else b""
    return "".join(lines.to_pylist()).encode()


def _open_gzip(path: Path, level: int) -> gzip.GzipFile:
    """A gzip writer whose header depends on nothing but the level: no file name, mtime 0.

    The returned file owns the underlying file object (closed with it).
    """
    raw = path.open("wb")
    gz = gzip.GzipFile(filename="", mode="wb", compresslevel=level, fileobj=raw, mtime=0)
    gz.myfileobj = raw  # GzipFile closes ``myfileobj`` on close()
    return gz


def write_jsonl_gz(
    render: Callable[[int, int], pa.Array], parts: list[tuple[Path, int, int]], level: int, lanes: int = 2
) -> list[int]:
    """Write events as gzip-compressed JSON lines, one file per part.

    The calling thread renders chunks of ``JSON_CHUNK_ROWS`` lines; each file is compressed
    by one of ``lanes`` single-thread workers (files alternate between lanes), so rendering
    and compressing several files run in parallel while every file is written in order.

    Args:
        render: ``render(first, end)`` returns the JSON lines (with newlines) of rows ``[first, end)``.
        parts: ``(path, first_row, end_row)`` per output file.
        level: zlib compression level 1..9.
        lanes: parallel compression workers.

    Returns:
        Rows written per part.
    """
    workers = [ThreadPoolExecutor(max_workers=1) for _ in range(max(1, lanes))]
    pending: list = []
    try:
        for i, (path, first, end) in enumerate(parts):
            lane = workers[i % len(workers)]
            path.parent.mkdir(parents=True, exist_ok=True)
            stream = _open_gzip(path, level)
            for a in range(first, end, JSON_CHUNK_ROWS):
                lines = render(a, min(a + JSON_CHUNK_ROWS, end))
                pending.append(lane.submit(stream.write, _payload(lines)))  # the view keeps its buffer alive
                while sum(not f.done() for f in pending) > len(workers):  # bound memory: wait for a feed
                    next(f for f in pending if not f.done()).result()
            pending.append(lane.submit(stream.close))
        for f in pending:
            f.result()
    finally:
        for w in workers:
            w.shutdown(wait=True)
    return [end - first for _, first, end in parts]
