"""Writing generated tables as the landing zone's files.

CSV: DuckDB ``COPY ... TO`` with a header row, columns cast to the contract's DuckDB
types (timestamps ``YYYY-MM-DD HH:MM:SS``, decimals with 2 decimals, booleans
true/false, empty field = null). JSONL: lines rendered by the caller in chunks,
gzip-compressed by zlib in a background thread with a fixed header (mtime 0, OS unknown)
so the bytes depend only on the content and the zlib build.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa

from loaders.contract import Table

#: Rows of events turned into JSON per DuckDB query (bounds memory at large scale).
JSON_CHUNK_ROWS = 1_000_000
#: gzip member header: magic, deflate, no flags, mtime 0, no extra flags, OS 255 (unknown).
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def write_csv(con: duckdb.DuckDBPyConnection, data: pa.Table, spec: Table, path: Path) -> int:
    """Write ``data`` as the CSV file of contract table ``spec``.

    Args:
        con: DuckDB connection used for the COPY.
        data: Arrow table whose column names are exactly ``spec.column_names``, in order.
        spec: the contract table (gives column order and types).
        path: destination file; parent directories are created.

    Returns:
        Number of data rows written.

    Raises:
        ValueError: ``data``'s columns differ from the contract's.
    """
    if tuple(data.column_names) != spec.column_names:
        raise ValueError(
            f"{spec.fqn}: generated columns {data.column_names} differ from the contract {spec.column_names}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    con.register("_gen_table", data)
    try:
        select = ", ".join(f'CAST("{c.name}" AS {c.duckdb_type}) AS "{c.name}"' for c in spec.columns)
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


class _GzipStream:
    """Incremental gzip writer with a content-only header; ``feed``/``close`` run in one worker thread."""

    def __init__(self, path: Path, level: int):
        self._fh = path.open("wb")
        self._fh.write(GZIP_HEADER)
        self._z = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
        self._crc = 0
        self._size = 0

    def feed(self, data: memoryview | bytes) -> None:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        self._fh.write(self._z.compress(data))

    def close(self) -> None:
        self._fh.write(self._z.flush())
        self._fh.write(struct.pack("<II", self._crc & 0xFFFFFFFF, self._size & 0xFFFFFFFF))
        self._fh.close()


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
            stream = _GzipStream(path, level)
            for a in range(first, end, JSON_CHUNK_ROWS):
                lines = render(a, min(a + JSON_CHUNK_ROWS, end))
                pending.append(lane.submit(stream.feed, _payload(lines)))  # the view keeps its buffer alive
                while sum(not f.done() for f in pending) > 2 * len(workers):  # bound memory: wait for a feed
                    next(f for f in pending if not f.done()).result()
            pending.append(lane.submit(stream.close))
        for f in pending:
            f.result()
    finally:
        for w in workers:
            w.shutdown(wait=True)
    return [end - first for _, first, end in parts]
