"""What a load did: one ``FileResult`` per file attempt and a ``LoadReport`` per run.

The same figures go to ``raw._load_audit`` (one row per file attempt), the CLI summary
and Airflow's task log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from loaders.discovery import SourceFile


def utc_now() -> datetime:
    """The current UTC time as a naive ``datetime`` (every time the loaders record is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


#: Status of a file attempt, as written to ``raw._load_audit.status``.
STATUSES = ("loaded", "unchanged", "replaced", "failed", "pruned")


@dataclass(frozen=True)
class FileResult:
    """The outcome of one file attempt.

    Attributes:
        table: contract table name (``orders``).
        source_file: path relative to the source directory, POSIX (``shop/orders/orders.csv``).
        sha256: hex digest of the file's bytes as stored (compressed bytes for ``.gz``);
            None when the file could not be read.
        bytes: file size in bytes (0 when unknown).
        status: ``loaded`` (first time), ``unchanged`` (same content already landed: nothing
            read or written), ``replaced`` (new content of a file landed before: its earlier rows
            and quarantine rows were swapped atomically), ``failed`` (nothing changed) or
            ``pruned`` (the file left the landing directory and ``--prune`` removed its rows).
        rows_read: data records read (CSV: excluding the header and blank lines).
        rows_loaded: rows landed in ``raw.<table>``.
        rows_rejected: rows sent to ``raw._quarantine`` (a row counts once however many columns failed).
        started_at, finished_at: UTC, naive.
        error: the error message for ``failed``; None otherwise.
        error_kind: for ``failed``, the error's ``LoaderError.kind`` (``data``, ``warehouse``...).
        rows_removed: for ``pruned``, the rows removed from ``raw.<table>``.
        lines_read: physical lines of the file (header, blank lines and every line of every
            record), checked to reconcile with the records before landing; 0 when not read.
        warnings: non-fatal findings, e.g. values outside a column's ``accepted_values``.
    """

    table: str
    source_file: str
    sha256: str | None
    bytes: int
    status: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    started_at: datetime
    finished_at: datetime
    error: str | None = None
    warnings: tuple[str, ...] = ()
    error_kind: str | None = None
    rows_removed: int = 0
    lines_read: int = 0

    @classmethod
    def without_rows(
        cls,
        *,
        table: str,
        source_file: str,
        sha256: str | None,
        bytes: int,
        status: str,
        started_at: datetime,
        error: str | None = None,
        error_kind: str | None = None,
    ) -> FileResult:
        """An attempt that landed nothing (``unchanged`` or ``failed``), finished now: every row count is 0."""
        return cls(
            table=table,
            source_file=source_file,
            sha256=sha256,
            bytes=bytes,
            status=status,
            rows_read=0,
            rows_loaded=0,
            rows_rejected=0,
            started_at=started_at,
            finished_at=utc_now(),
            error=error,
            error_kind=error_kind,
        )

    @classmethod
    def landed(
        cls,
        file: SourceFile,
        *,
        replacing: bool,
        rows_read: int,
        rows_loaded: int,
        rows_rejected: int,
        started_at: datetime,
        warnings: tuple[str, ...] = (),
        lines_read: int = 0,
    ) -> FileResult:
        """A landing of ``file`` that succeeded, finished now: status ``replaced`` if an earlier
        version had landed, else ``loaded``."""
        return cls(
            table=file.table.name,
            source_file=file.source_file,
            sha256=file.sha256,
            bytes=file.bytes,
            status="replaced" if replacing else "loaded",
            rows_read=rows_read,
            rows_loaded=rows_loaded,
            rows_rejected=rows_rejected,
            started_at=started_at,
            finished_at=utc_now(),
            warnings=warnings,
            lines_read=lines_read,
        )

    @property
    def duration_ms(self) -> int:
        """Wall-clock duration of the attempt in milliseconds."""
        return round((self.finished_at - self.started_at).total_seconds() * 1000)

    @property
    def reconciles(self) -> bool:
        """rows_read == rows_loaded + rows_rejected."""
        return self.rows_read == self.rows_loaded + self.rows_rejected


@dataclass(frozen=True)
class TableTotals:
    """Sums over the files of one table in one run (unchanged files count 0 rows)."""

    table: str
    files: int
    files_failed: int
    bytes: int
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    duration_ms: int


@dataclass
class LoadReport:
    """The result of ``load_directory`` / ``load_file``.

    Attributes:
        target: backend name (``duckdb``).
        database: where the data went (DuckDB file path, BigQuery project.dataset).
        files: one result per file attempt, in load order.
        tables: the contract tables the run covered (all raw tables exist after a run).
        unmatched_files: data-looking files under the source directory that no contract
            table claims (ignored, reported so a misplaced feed is noticed).
    """

    target: str
    database: str
    files: list[FileResult] = field(default_factory=list)
    tables: tuple[str, ...] = ()
    unmatched_files: tuple[str, ...] = ()

    @property
    def failed(self) -> list[FileResult]:
        """The failed file attempts."""
        return [f for f in self.files if f.status == "failed"]

    @property
    def reconciles(self) -> bool:
        """Every file satisfies rows read = rows loaded + rows rejected."""
        return all(f.reconciles for f in self.files)

    @property
    def ok(self) -> bool:
        """No file failed and every file reconciles."""
        return not self.failed and self.reconciles

    def totals(self) -> dict[str, TableTotals]:
        """Per-table totals over this run's files, for every covered table (zeros for absent feeds).

        Returns:
            table name -> ``TableTotals``, in contract order.
        """
        out = {}
        for t in self.tables or tuple(dict.fromkeys(f.table for f in self.files)):
            fs = [f for f in self.files if f.table == t]
            out[t] = _sum(t, fs)
        return out


def _sum(table: str, fs: Iterable[FileResult]) -> TableTotals:
    fs = list(fs)
    return TableTotals(
        table=table,
        files=len(fs),
        files_failed=sum(f.status == "failed" for f in fs),
        bytes=sum(f.bytes for f in fs),
        rows_read=sum(f.rows_read for f in fs),
        rows_loaded=sum(f.rows_loaded for f in fs),
        rows_rejected=sum(f.rows_rejected for f in fs),
        duration_ms=sum(f.duration_ms for f in fs),
    )
