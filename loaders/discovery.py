"""Finding a source directory's files and naming them the way the raw layer does.

A file's identity in the warehouse is its path relative to the source directory, in
POSIX form (``shop/orders/orders.csv``): it is ``_source_file`` on every raw row and
the key under which a corrected version replaces an earlier one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from loaders.contract import Contract, Table
from loaders.errors import (
    EmptyFileError,
    FileNotFoundLoaderError,
    RefusedLinkError,
    SourceDirectoryNotFoundError,
    UnknownTableError,
    UnreadableFileError,
)

#: File name endings that look like feed data; others (README, .DS_Store) are ignored silently.
DATA_SUFFIXES = (".csv", ".jsonl", ".json", ".ndjson", ".gz", ".tsv", ".parquet")

_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class SourceFile:
    """A file to land.

    Attributes:
        path: absolute path on disk.
        table: the contract table it feeds.
        source_file: identity in the warehouse (relative POSIX path, see module docstring).
        bytes: size on disk.
        sha256: hex digest of the bytes on disk (of a mapped export: of its bytes and the mapping).
        mapped: for an export read through a mapping file, its ``loaders.mapping.MappedFeed``; else None.
    """

    path: Path
    table: Table
    source_file: str
    bytes: int
    sha256: str
    mapped: Any = None

    @property
    def format(self) -> str:
        """``mapped`` for an export read through a mapping, ``parquet`` for a ``.parquet`` file, else
        the table's text format (``csv`` or ``jsonl``)."""
        if self.mapped is not None:
            return "mapped"
        return "parquet" if self.path.name.lower().endswith(".parquet") else self.table.format


def resolve_tables(contract: Contract, names: Sequence[str] | None) -> tuple[Table, ...]:
    """The contract tables a run covers.

    Args:
        contract: the data contract.
        names: table names or fqns (``orders``, ``shop.orders``); None means every table.

    Returns:
        Tables in contract order, without duplicates.

    Raises:
        UnknownTableError: a name the contract does not define (the message lists the known ones).
    """
    if names is None:
        return contract.tables
    wanted = set()
    for n in names:
        try:
            wanted.add(contract.table(n.strip()).name)
        except KeyError as e:
            raise UnknownTableError(e.args[0]) from None
    return tuple(t for t in contract.tables if t.name in wanted)


def check_source_dir(source_dir: Path) -> Path:
    """Return ``source_dir`` resolved, or raise ``SourceDirectoryNotFoundError`` if it is not a directory."""
    p = Path(source_dir)
    if not p.is_dir():
        what = "does not exist" if not p.exists() else "is not a directory"
        raise SourceDirectoryNotFoundError(f"source directory {what}", file=p)
    return p.resolve()


def check_inside(path: Path, root: Path, source_file: str, others: Sequence[Path] = ()) -> None:
    """Refuse a file reached through a symbolic link that leaves the landing directory, or that
    leads to another file of the run (which lands under its own name).

    Args:
        path: the file as found under ``root`` (possibly a symbolic link).
        root: the landing directory, resolved (``check_source_dir``).
        source_file: the file's identity, for the message.
        others: the run's other files, as found (not resolved).

    Raises:
        RefusedLinkError: naming where the link leads; nothing of the file is read.
    """
    real = path.resolve()
    if not real.is_relative_to(root):
        raise RefusedLinkError(
            f"symbolic link leading outside the landing directory (to {real}): refused, nothing read", file=source_file
        )
    if real != path.absolute():
        twin = next((o for o in others if o != path and o.absolute() == real), None)
        if twin is not None:
            raise RefusedLinkError(
                f"symbolic link to {twin.relative_to(root).as_posix()}, which is loaded under its own name: "
                "refused, so its rows do not land twice",
                file=source_file,
            )


def table_files(source_dir: Path, table: Table) -> list[Path]:
    """Files of ``table`` under ``source_dir`` (the contract's ``files`` glob and the Parquet
    files beside them, ``Table.parquet_files``), sorted by path."""
    found = {p for pattern in (table.files, table.parquet_files) for p in source_dir.glob(pattern)}
    return sorted(p for p in found if p.is_file())


def unmatched_files(source_dir: Path, contract: Contract) -> tuple[str, ...]:
    """Data-looking files (``DATA_SUFFIXES``) under ``source_dir`` that no contract table's glob claims.

    Returns:
        Relative POSIX paths, sorted.
    """
    claimed = {p for t in contract.tables for p in table_files(source_dir, t)}
    found = (
        p
        for p in source_dir.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name.lower().endswith(DATA_SUFFIXES)
    )
    return tuple(sorted(p.relative_to(source_dir).as_posix() for p in found if p not in claimed))


def infer_source_file(path: Path, table: Table, source_dir: Path | None) -> str:
    """The warehouse identity of a single file (see module docstring).

    Args:
        path: the file.
        table: its contract table.
        source_dir: the landing root, when the caller knows it.

    Returns:
        ``path`` relative to ``source_dir``; without ``source_dir``, relative to the root
        implied by the table's glob when the path fits it (``.../shop/orders/x.csv`` ->
        ``shop/orders/x.csv``), else the file name alone.
    """
    path = path.resolve()
    if source_dir is not None:
        return path.relative_to(Path(source_dir).resolve()).as_posix()
    depth = len(PurePosixPath(table.files).parts)
    if len(path.parts) > depth:
        relative = PurePosixPath(*path.parts[-depth:])
        if relative.match(table.files) or relative.match(table.parquet_files):
            return relative.as_posix()
    return path.name


def describe_file(path: Path, table: Table, source_file: str) -> SourceFile:
    """Stat and hash a file.

    Args:
        path: the file on disk.
        table: the contract table it feeds.
        source_file: its warehouse identity.

    Returns:
        A ``SourceFile`` with size and sha256 (streamed, 1 MiB chunks).

    Raises:
        FileNotFoundLoaderError: the file does not exist.
        UnreadableFileError: it cannot be opened or read (permissions, I/O error, a directory).
        EmptyFileError: it has 0 bytes.
    """
    if not path.exists():
        raise FileNotFoundLoaderError("file does not exist", file=source_file)
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_HASH_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except OSError as e:
        raise UnreadableFileError(f"cannot read the file: {e.strerror or e}", file=source_file) from e
    if size == 0:
        raise EmptyFileError("file is empty (0 bytes)", file=source_file)
    return SourceFile(path=path.resolve(), table=table, source_file=source_file, bytes=size, sha256=digest.hexdigest())
