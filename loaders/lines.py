"""A landing file's physical lines, exactly: decompression, integrity, line breaks and encoding.

``physical_lines(path)`` returns every physical line of a file with its 1-based number as
an Arrow table, for ``loaders.reader`` to judge in DuckDB. Decisions made here, once:

- **Paths are literal.** The file is opened by Python, so a name with ``*``, ``?``, ``[``
  or ``{`` is that one file, never a pattern.
- **Compression is read from the content**, not the name: gzip (magic bytes ``1f 8b``,
  several members allowed) is decompressed and its CRC-32 and length checked, so a
  corrupt or truncated archive fails whole (``UnreadableFileError``) instead of landing
  damaged rows. A ``.gz`` name without gzip content, or zip/bzip2/xz/zstd content, is refused.
- **Line breaks**: LF ends a line and a CR before it is dropped, so LF, CRLF and files
  mixing both number their lines as an editor does; a file with CR alone (classic Mac)
  is split on CR. A UTF-8 byte-order mark at the start is dropped.
- **Encoding** is left to the caller: lines are bytes (DuckDB decodes them and flags the
  invalid UTF-8 ones, see ``decode_exact`` for their quarantine text).

The split is vectorised (numpy over 64 MiB blocks, Arrow arrays built from buffers, which
keeps pandas from being imported); no Python loop over lines.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa

from loaders.errors import UnreadableFileError

#: Bytes read (after decompression) per block.
BLOCK_BYTES = 64 << 20
_GZIP_MAGIC = b"\x1f\x8b"
#: Leading bytes of compressed formats the loaders do not read -> their name.
_OTHER_FORMATS = {
    b"PK\x03\x04": "zip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}
_BOM = b"\xef\xbb\xbf"


def _open(path: Path, name: str) -> BinaryIO:
    """Open ``path`` for reading its content, decompressing gzip (decided by the magic bytes).

    Raises:
        UnreadableFileError: the file cannot be opened, or is compressed in a format not read here.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(6)
    except OSError as e:
        raise UnreadableFileError(f"cannot read the file: {e.strerror or e}", file=name) from e
    if head.startswith(_GZIP_MAGIC):
        return gzip.open(path, "rb")
    for magic, fmt in _OTHER_FORMATS.items():
        if head.startswith(magic):
            raise UnreadableFileError(
                f"{fmt}-compressed content: the loaders read plain or gzip-compressed text; decompress it first",
                file=name,
            )
    if path.name.lower().endswith(".gz"):
        raise UnreadableFileError(
            "named .gz but its content is not gzip-compressed (no gzip header): rename or recompress it", file=name
        )
    return path.open("rb")


def _corrupt(e: Exception, lines_before: int) -> str:
    text = str(e)
    if isinstance(e, EOFError):
        what = "truncated gzip data (the archive ends before its end marker)"
    elif "CRC check failed" in text or "Incorrect length" in text:
        what = f"corrupt gzip data ({text.split(' 0x')[0]}: the content does not match its checksum)"
    else:
        what = f"corrupt gzip data ({text})"
    return f"{what}, found after line {lines_before:,}; nothing of this file was loaded"


def physical_lines(path: Path, name: str) -> pa.Table:
    """Every physical line of ``path``, numbered from 1.

    Args:
        path: the file on disk (plain or gzip-compressed, see module docstring).
        name: the file's identity, for error messages.

    Returns:
        Arrow table ``(line int64, raw large_binary)``: 1-based line number and the line's
        bytes without its line break (and without a leading byte-order mark on line 1).
        A final line without a line break counts; a file ending with a line break has no
        extra empty line.

    Raises:
        UnreadableFileError: unreadable (permissions, I/O error), corrupt or truncated gzip,
            or another compression format.
    """
    pieces: list[pa.Array] = []
    count = 0
    carry = b""
    try:
        with _open(path, name) as fh:
            first = True
            while block := fh.read(BLOCK_BYTES):
                data = carry + block if carry else block
                if first:
                    data, first = data.removeprefix(_BOM), False
                cut = data.rfind(b"\n")
                if cut < 0:
                    carry = data
                    continue
                piece = _split_lines(data[: cut + 1])
                pieces.append(piece)
                count += len(piece)
                carry = data[cut + 1 :]
    except UnreadableFileError:
        raise
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise UnreadableFileError(_corrupt(e, count), file=name) from e
    except OSError as e:
        raise UnreadableFileError(f"cannot read the file: {e.strerror or e}", file=name) from e
    if carry:
        if not pieces and b"\r" in carry:  # no LF at all: classic Mac line breaks
            pieces.append(_split_lines(carry.rstrip(b"\r").replace(b"\r", b"\n") + b"\n"))
        else:
            pieces.append(_split_lines(carry + b"\n"))
    raw = pa.chunked_array(pieces or [_split_lines(b"")], pa.large_binary())
    numbers = np.arange(1, len(raw) + 1, dtype=np.int64)
    line = pa.Array.from_buffers(pa.int64(), len(raw), [None, pa.py_buffer(numbers)])
    return pa.table({"line": line, "raw": raw})


def _split_lines(data: bytes) -> pa.Array:
    """The lines of ``data`` (which ends with LF) without their LF or CRLF, as one Arrow array.

    Vectorised with numpy: the line breaks are removed from a copy of the bytes and the
    line starts become the Arrow offsets.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    lf = np.flatnonzero(buf == 10)
    if not len(lf):
        return pa.LargeBinaryArray.from_buffers(
            pa.large_binary(), 0, [None, pa.py_buffer(np.zeros(1, dtype=np.int64)), pa.py_buffer(b"")]
        )
    cr = np.zeros(len(lf), dtype=bool)
    cr[lf > 0] = buf[lf[lf > 0] - 1] == 13
    values = np.delete(buf, np.concatenate((lf, lf[cr] - 1)) if cr.any() else lf)
    # line i starts after the i previous LFs and the CRs before them were removed
    starts = np.concatenate(([0], lf[:-1] + 1)).astype(np.int64)
    removed = np.arange(len(lf), dtype=np.int64) + np.concatenate(([0], np.cumsum(cr)[:-1]))
    offsets = np.concatenate((starts - removed, [len(values)])).astype(np.int64)
    return pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(lf), [None, pa.py_buffer(offsets), pa.py_buffer(values)]
    )


def decode_exact(raw: bytes) -> str:
    """The text of a line that is not valid UTF-8, as quarantine keeps it: valid characters as
    they are, each undecodable byte as a ``\\xNN`` escape."""
    return raw.decode("utf-8", errors="backslashreplace")


#: Bytes read per block by ``plain_csv`` (its memory stays within a few blocks whatever the file size).
SCAN_BLOCK_BYTES = 16 << 20


@dataclass(frozen=True)
class PlainFile:
    """A text file whose physical lines are its records, one each (see ``plain_csv``, ``plain_jsonl``).

    Attributes:
        lines: physical lines, a CSV header included (a CSV file's records are lines 2..lines).
        header: a CSV header's fields (text between commas, as written); empty for JSON lines.
        gzip: whether the content is gzip-compressed (its CRC and length were checked).
    """

    lines: int
    header: tuple[str, ...]
    gzip: bool


def plain_jsonl(path: Path, *, max_line_bytes: int) -> PlainFile | None:
    """Whether ``path`` is a *plain* JSON-lines file: as ``plain_csv`` without the rules on
    quotes, commas and a header (no byte-order mark, no U+001F, all LF or all CRLF, no blank
    line, no line longer than ``max_line_bytes``), so that each physical line is one record.

    Returns:
        A ``PlainFile`` (``header`` empty), or None.
    """
    return _plain(path, max_line_bytes=max_line_bytes, csv=False)


def plain_csv(path: Path, *, max_line_bytes: int) -> PlainFile | None:
    """Whether ``path`` is a *plain* CSV file, for which a CSV reader and ``physical_lines``
    followed by a split on commas give the same records, fields and line numbers.

    Plain means: plain or gzip content (gzip checked whole, as ``physical_lines`` does), no
    byte-order mark, no double quote, no U+001F, line breaks all LF or all CRLF (no other CR),
    no blank line, every line at most ``max_line_bytes`` bytes and holding as many commas as
    the first line (the header). Every record then has the header's field count, and record
    ``k`` is physical line ``k + 1``. The file is read once, a block at a time, with numpy.

    Args:
        path: the file on disk.
        max_line_bytes: longest line accepted.

    Returns:
        A ``PlainFile``, or None when the file is not plain (or cannot be read, or its gzip
        data is corrupt: ``physical_lines`` then raises the error the user sees).
    """
    return _plain(path, max_line_bytes=max_line_bytes, csv=True)


def _plain(path: Path, *, max_line_bytes: int, csv: bool) -> PlainFile | None:
    """``plain_csv`` (``csv``) or ``plain_jsonl``."""
    try:
        fh = _open(path, str(path))
    except UnreadableFileError:
        return None
    compressed = isinstance(fh, gzip.GzipFile)
    lines, carry, commas, crlf = 0, b"", -1, None
    header: tuple[str, ...] = ()
    try:
        with fh:
            while True:
                block = fh.read(SCAN_BLOCK_BYTES)
                data = carry + block if carry else block
                if not block:
                    if not data:
                        break
                    data += b"\r\n" if crlf else b"\n"  # a last line without a line break
                cut = data.rfind(b"\n")
                if cut < 0:
                    carry = data
                    continue
                chunk, carry = data[: cut + 1], data[cut + 1 :]
                if lines == 0:
                    first = chunk[: chunk.find(b"\n")].removesuffix(b"\r")
                    if first.startswith(_BOM):
                        return None
                    if csv:
                        header = tuple(first.decode("utf-8").split(","))
                        commas = len(header) - 1
                    crlf = first != chunk[: chunk.find(b"\n")]
                counted = _plain_chunk(chunk, commas=commas, crlf=bool(crlf), max_line_bytes=max_line_bytes, csv=csv)
                if counted is None:
                    return None
                lines += counted
                if not block:
                    break
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile, UnicodeDecodeError):
        return None
    return PlainFile(lines=lines, header=header, gzip=compressed) if lines else None


def _plain_chunk(chunk: bytes, *, commas: int, crlf: bool, max_line_bytes: int, csv: bool) -> int | None:
    """The number of lines of ``chunk`` (whole lines, ending with LF) when each is plain (see
    ``plain_csv``, ``plain_jsonl``), else None."""
    if (csv and b'"' in chunk) or b"\x1f" in chunk:
        return None
    n_lf = chunk.count(b"\n")
    n_cr = chunk.count(b"\r")
    if n_cr != (n_lf if crlf else 0) or (crlf and chunk.count(b"\r\n") != n_lf):
        return None
    buf = np.frombuffer(chunk, dtype=np.uint8)
    lf = np.flatnonzero(buf == 10)
    lengths = np.diff(lf, prepend=-1) - (2 if crlf else 1)
    if lengths.min() <= 0 or lengths.max() > max_line_bytes:
        return None
    if not csv:
        return len(lf)
    # commas before each line break, less those before the previous one: the line's commas
    per_line = np.diff(np.searchsorted(np.flatnonzero(buf == 44), lf), prepend=0)
    if per_line.min() != commas or per_line.max() != commas:
        return None
    return len(lf)
