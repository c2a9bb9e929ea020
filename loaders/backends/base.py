"""The backend seam: what a warehouse must do to receive validated files.

The orchestration (finding files, hashing, deciding loaded/unchanged/replaced, error
handling, reports) lives in ``loaders.api``; reading a file and the rules of what fits the
contract in ``loaders.reader`` and ``loaders.validation``, which every backend calls. A
backend lands the validated rows atomically: ``duckdb.py`` in a local DuckDB file,
``bigquery.py`` through the landing bucket, load jobs and one BigQuery transaction.

Shapes shared by every backend (logical types, mapped with the backend's types):
``RAW_METADATA_COLUMNS`` after the contract columns of every ``raw.<table>``,
``AUDIT_COLUMNS`` of ``raw._load_audit`` and ``QUARANTINE_COLUMNS`` of ``raw._quarantine``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

from loaders.contract import Table
from loaders.discovery import SourceFile
from loaders.report import FileResult

RAW_SCHEMA = "raw"
AUDIT_TABLE = "_load_audit"
QUARANTINE_TABLE = "_quarantine"
LANDING_TABLE = "_landing"

#: The raw column holding a mapped export's extra columns (``extra_columns: keep``, loaders.mapping):
#: a JSON object of header name -> text as written; NULL for a row whose file had none kept.
EXTRA_COLUMN = "_extra"

#: Appended to the contract columns of every raw table: file identity (relative POSIX path),
#: 1-based physical line where the record starts (CSV header = line 1), UTC load time of the file,
#: then ``EXTRA_COLUMN`` (last, so that a raw table created before it gains it with one
#: ``ALTER TABLE ... ADD COLUMN`` in the same place).
RAW_METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_file", "string"),
    ("_source_line", "integer"),
    ("_loaded_at", "timestamp"),
    (EXTRA_COLUMN, "json"),
)

#: ``raw._load_audit``: one row per file attempt. ``table_name`` rather than ``table`` (a reserved word
#: in DuckDB and BigQuery SQL). Times are UTC.
AUDIT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("table_name", "string"),
    ("source_file", "string"),
    ("sha256", "string"),
    ("bytes", "integer"),
    ("rows_read", "integer"),
    ("rows_loaded", "integer"),
    ("rows_rejected", "integer"),
    ("status", "string"),
    ("started_at", "timestamp"),
    ("finished_at", "timestamp"),
    ("duration_ms", "integer"),
    ("error", "string"),
)


def audit_values(result: FileResult) -> tuple:
    """The audit row of one file attempt, in ``AUDIT_COLUMNS`` order, for every backend.

    Args:
        result: the file's outcome.

    Returns:
        One value per ``AUDIT_COLUMNS`` entry (``table_name`` is ``result.table``; the other
        columns are the ``FileResult`` attributes of the same name).
    """
    return tuple(result.table if name == "table_name" else getattr(result, name) for name, _ in AUDIT_COLUMNS)


#: ``raw._quarantine``: one row per failing column of a rejected row (one row with a NULL
#: ``column_name`` when the whole line is unreadable). Rows of a file are replaced with the file.
QUARANTINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("table_name", "string"),
    ("source_file", "string"),
    ("line_number", "integer"),
    ("column_name", "string"),
    ("reason", "string"),
    ("raw_line", "string"),
    ("quarantined_at", "timestamp"),
    ("sha256", "string"),
)


#: ``raw._landing``: the landing directories whose files the warehouse holds (absolute paths), one row each.
LANDING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("landing_dir", "string"),
    ("first_loaded_at", "timestamp"),
    ("last_loaded_at", "timestamp"),
)


def raw_table_columns(table: Table) -> tuple[tuple[str, str], ...]:
    """(name, logical type) of ``raw.<table>``: the contract columns in order, then the metadata columns."""
    return tuple((c.name, c.type) for c in table.columns) + RAW_METADATA_COLUMNS


def nullable_raw_columns(table: Table) -> frozenset[str]:
    """Columns of ``raw.<table>`` that may hold NULL: contract columns that are not ``required``
    (optional or ``may_be_absent``) and ``EXTRA_COLUMN``. Only these can be added to an existing table."""
    return frozenset(c.name for c in table.columns if not c.required) | {EXTRA_COLUMN}


def addable_columns(
    have: Sequence[tuple[str, str]], expected: Sequence[tuple[str, str]], nullable: frozenset[str]
) -> list[tuple[str, str]] | None:
    """The columns an existing raw table lacks, when adding them in place makes it the contract's table.

    A table the loader created holds the contract's columns of its time in contract order; an
    in-place migration appends the nullable columns it lacked at the end (the only place
    BigQuery can add them). So a table is accepted when its columns are a subsequence of
    ``expected`` in order, followed only by nullable columns (added by earlier migrations),
    every column has its expected type, and every column it lacks is nullable.

    Args:
        have: (name, backend type) of the existing table, in table order.
        expected: (name, backend type) the contract expects, in contract order.
        nullable: names in ``expected`` that may hold NULL (``nullable_raw_columns``).

    Returns:
        The (name, type) pairs to add, in contract order (empty: the table is up to date),
        or None when the table cannot be migrated this way (an unknown column, a changed
        type, a required column missing, or columns reordered other than by a migration).
    """
    position = {n: i for i, (n, _) in enumerate(expected)}
    types = dict(expected)
    if len({n for n, _ in have}) != len(have) or any(types.get(n) != t for n, t in have):
        return None
    in_order = 0
    last = -1
    for n, _ in have:
        if position[n] < last:
            break
        last, in_order = position[n], in_order + 1
    if any(n not in nullable for n, _ in have[in_order:]):
        return None
    present = {n for n, _ in have}
    missing = [(n, t) for n, t in expected if n not in present]
    if any(n not in nullable for n, _ in missing):
        return None
    return missing


@dataclass(frozen=True)
class Landing:
    """The last successful landing of a file, as the warehouse remembers it.

    Attributes:
        sha256: content hash of the landed version.
        rows_loaded: rows that landing put in ``raw.<table>``.
        rows_present: rows of that file in ``raw.<table>`` now (differs if someone deleted them).
    """

    sha256: str
    rows_loaded: int
    rows_present: int


class Backend(ABC):
    """A warehouse that receives validated files. Use as a context manager (closes the connection)."""

    #: target name used on the command line (``--target``).
    name: str

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the data goes, for reports (a DuckDB file path, a BigQuery project.dataset)."""

    @abstractmethod
    def ensure_raw_tables(self, tables: Sequence[Table]) -> None:
        """Create the raw schema, ``raw.<table>`` for each table, the audit and quarantine tables, if absent.

        Raises:
            RawTableMismatchError: an existing raw table's columns differ from the contract.
        """

    @abstractmethod
    def last_landing(self, table: Table, source_file: str) -> Landing | None:
        """The last ``loaded``/``replaced`` landing of ``source_file`` into ``table``, or None if never landed."""

    @abstractmethod
    def land(self, file: SourceFile, *, started_at: datetime, replacing: bool) -> FileResult:
        """Read, validate and land one file atomically.

        In one transaction: delete the file's earlier rows from ``raw.<table>`` and
        ``raw._quarantine``, insert the rows that fit the contract and quarantine the others,
        check rows read = loaded + rejected, write the audit row. Readers see the old
        version or the new one, never both or neither.

        Args:
            file: the described file.
            started_at: UTC start of the attempt (also the rows' ``_loaded_at``).
            replacing: whether an earlier version landed (status ``replaced`` rather than ``loaded``).

        Returns:
            The attempt's result (status ``loaded`` or ``replaced``).

        Raises:
            LoaderError: file-level problems (``SchemaMismatchError``, ``EmptyFileError``,
                ``UnreadableFileError``, ``ReconciliationError``); nothing was changed.
        """

    @abstractmethod
    def record_attempt(self, result: FileResult) -> None:
        """Write the audit row of an attempt that landed nothing (``unchanged`` or ``failed``)."""

    #: Whether the backend remembers its landing directories and can prune (``landing_dirs``...).
    tracks_landing_dirs: bool = False

    def landing_dirs(self) -> list[str]:
        """The landing directories whose files the warehouse holds (none when not tracked)."""
        return []

    def record_landing_dir(self, landing_dir: str, *, at: datetime, only: bool) -> None:
        """Remember that the warehouse holds files of ``landing_dir`` (``only``: and of no other)."""
        raise NotImplementedError(f"the {self.name} backend does not track landing directories")

    def held_files(self, table: Table) -> list[str]:
        """The files whose rows ``raw.<table>`` holds: last landed, not pruned since."""
        raise NotImplementedError(f"the {self.name} backend does not prune")

    def prune(self, table: Table, source_file: str, *, started_at: datetime) -> FileResult:
        """Remove a file's rows from ``raw.<table>`` and ``raw._quarantine`` in one transaction,
        with a ``pruned`` audit row; returns that attempt (``rows_removed`` set)."""
        raise NotImplementedError(f"the {self.name} backend does not prune")

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
