"""Numpy -> Arrow column builders shared by the table generators.

Money is carried as int64 cents through the whole generator (exact arithmetic) and
only turned into ``decimal128(18, 2)`` here; timestamps are int64 epoch seconds and
become ``timestamp[s]``. A boolean ``null`` mask (True = null) can be given to each builder.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _validity(null: np.ndarray | None, n: int) -> pa.Buffer | None:
    if null is None or not np.any(null):
        return None
    return pa.py_buffer(np.packbits(~np.asarray(null, dtype=bool), bitorder="little"))


def money(cents: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Build a ``decimal128(18, 2)`` array from integer cents without going through floats.

    Args:
        cents: int64 amounts in cents, shape (n,).
        null: optional bool mask, True where the value is null.

    Returns:
        Arrow decimal array of length n; 1234 cents -> 12.34.
    """
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    n = len(cents)
    words = np.empty((n, 2), dtype=np.int64)  # little-endian 128-bit two's complement
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(18, 2), n, [_validity(null, n), pa.py_buffer(words.tobytes())])


def timestamps(seconds: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Build a ``timestamp[s]`` (naive, UTC) array from int64 epoch seconds, shape (n,)."""
    values = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")
    return pa.array(values, type=pa.timestamp("s"), mask=None if null is None else np.asarray(null, dtype=bool))


def dates(days: np.ndarray) -> pa.Array:
    """Build a ``date32`` array from ``datetime64[D]`` values."""
    return pa.array(np.asarray(days, dtype="datetime64[D]"), type=pa.date32())


def integers(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Build an ``int64`` array, with nulls where ``null`` is True."""
    return pa.array(
        np.asarray(values, dtype=np.int64), type=pa.int64(), mask=None if null is None else np.asarray(null, dtype=bool)
    )


def booleans(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Build a ``bool`` array, with nulls where ``null`` is True."""
    return pa.array(
        np.asarray(values, dtype=bool), type=pa.bool_(), mask=None if null is None else np.asarray(null, dtype=bool)
    )


def pick(words: Sequence[str], codes: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Look codes up in a small vocabulary: ``words[codes]`` as an Arrow string array.

    Args:
        words: the vocabulary.
        codes: integer indexes into ``words``, shape (n,).
        null: optional mask, True where the result is null.
    """
    idx = pa.array(np.asarray(codes, dtype=np.int64), mask=None if null is None else np.asarray(null, dtype=bool))
    return pa.array(list(words), type=pa.string()).take(idx)


def concat(*parts: pa.Array | str, null: np.ndarray | None = None) -> pa.Array:
    """Concatenate string arrays and literals element-wise (``'a' + arr + 'b'``).

    Args:
        parts: Arrow string arrays (all the same length) or Python string literals.
        null: optional mask, True where the result is null.
    """
    cols = [pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in parts]
    out = pc.binary_join_element_wise(*cols, "")
    if null is not None and np.any(null):
        out = pc.if_else(pa.array(np.asarray(null, dtype=bool)), pa.scalar(None, pa.string()), out)
    return out


def digits(values: np.ndarray, width: int = 0) -> pa.Array:
    """Format non-negative integers as decimal strings, zero-padded to ``width``."""
    s = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(s, width, "0") if width else s


def weighted_choice(rng: np.random.Generator, weights: Sequence[float] | np.ndarray, n: int) -> np.ndarray:
    """Draw ``n`` indexes with probabilities proportional to ``weights`` (int64, shape (n,))."""
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum())


def with_superseded(table: pa.Table, dup: np.ndarray, newer_key: np.ndarray, **old: pa.Array) -> pa.Table:
    """Lay out an export in which some records appear twice, like two concatenated extracts.

    Args:
        table: current version of every record, one row each, in file order.
        dup: ascending row indexes (into ``table``) of the records that also have an earlier version.
        newer_key: sort key (e.g. updated_at) of the current versions of ``dup``, shape (len(dup),).
        old: column name -> values of the earlier versions, one per entry of ``dup``; columns not
            named are the same in both versions.

    Returns:
        ``table`` with the rows ``dup`` in their earlier version, followed by the current
        versions of ``dup`` ordered by ``newer_key`` (the later extract appended).
    """
    if np.any(np.diff(dup) <= 0):
        raise ValueError("dup must be strictly ascending")
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[dup] = True
    body = table
    for name, values in old.items():
        column = table.column(name).combine_chunks()
        body = body.set_column(
            body.schema.get_field_index(name), name, pc.replace_with_mask(column, pa.array(mask), values)
        )
    newer = table.take(pa.array(dup[np.argsort(newer_key, kind="stable")]))
    return pa.concat_tables([body, newer])
