"""The DuckDB backend: lands files in a local DuckDB database file.

Each file is read and validated in the warehouse's own connection by
``loaders.reader.validate_file``; then one transaction replaces the file's rows in
``raw.<table>`` and ``raw._quarantine``, checks the reconciliation by reading back, and
writes the audit row.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import duckdb

from loaders.backends.base import (
    AUDIT_COLUMNS,
    AUDIT_TABLE,
    EXTRA_COLUMN,
    LANDING_COLUMNS,
    LANDING_TABLE,
    QUARANTINE_COLUMNS,
    QUARANTINE_TABLE,
    RAW_METADATA_COLUMNS,
    RAW_SCHEMA,
    Backend,
    Landing,
    addable_columns,
    audit_values,
    nullable_raw_columns,
    raw_table_columns,
)
from loaders.contract import DUCKDB_TYPES, Table
from loaders.discovery import SourceFile
from loaders.errors import (
    RawTableMismatchError,
    ReconciliationError,
    WarehouseUnavailableError,
    WarehouseWriteError,
)
from loaders.reader import (
    MAX_LINE_BYTES,
    ValidatedFile,
    accepted_values_warnings,
    discard,
    prepare_connection,
    release_stream,
    streamed_rows,
    validate_file,
)
from loaders.report import FileResult
from loaders.validation import ident, sql_string

log = logging.getLogger(__name__)


#: DuckDB's ``memory_limit`` for the loader's connection unless ``DUCKDB_MEMORY_LIMIT`` says otherwise
#: (the default of dbt's DuckDB profile).
MEMORY_LIMIT = "3GB"

#: Temp table a streamed file's checked rows pass through (``_land_streamed``; dropped by ``discard``).
STREAM_TABLE = "_ld_stream"


def memory_limit() -> str:
    """DuckDB's ``memory_limit`` for the warehouse, as dbt's DuckDB profile sets it (``dbt/profiles.yml``).

    Returns:
        ``DUCKDB_MEMORY_LIMIT`` when set, else ``MEMORY_LIMIT``; DuckDB's size syntax, e.g. ``"3GB"``.
    """
    return os.environ.get("DUCKDB_MEMORY_LIMIT", MEMORY_LIMIT)


#: DuckDB errors meaning the database file could not be written (disk full, file size limit, I/O).
_WRITE_ERRORS = (duckdb.IOException, duckdb.TransactionException, duckdb.FatalException, duckdb.OutOfMemoryException)
_FULL = ("No space left on device", "File too large", "Disk quota exceeded")


def _write_failure(error: duckdb.Error, source_file: str | None) -> str:
    first = str(error).splitlines()[0]
    landing = f" while landing {source_file}" if source_file else ""
    if any(s in first for s in _FULL):
        return (
            f"the disk holding the warehouse is full, or a file size limit was reached{landing} ({first}); "
            "that file's load was rolled back and the warehouse keeps its earlier state: free some space and load again"
        )
    return f"cannot write to the warehouse{landing} ({first}); that file's load was rolled back"


class _NotStreamed(Exception):
    """A streamed file gave another row count than its records: it is landed by ``validate_file``."""


def _ddl_columns(columns: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{ident(n)} {DUCKDB_TYPES[t]}" for n, t in columns)


class DuckDBBackend(Backend):
    """Lands files into a DuckDB database file.

    Args:
        database: the DuckDB file (created with its parent directories if absent).
        max_line_bytes: longest physical line accepted; longer ones are quarantined.

    One instance holds one read-write connection; DuckDB allows one writer per file. Its
    ``memory_limit`` is ``DUCKDB_MEMORY_LIMIT`` (default ``MEMORY_LIMIT``), as for dbt.

    Raises:
        WarehouseUnavailableError: the file is locked by another process or cannot be created.
    """

    name = "duckdb"

    def __init__(self, database: Path, *, max_line_bytes: int = MAX_LINE_BYTES):
        self.database = Path(database)
        self.database.parent.mkdir(parents=True, exist_ok=True)
        self.max_line_bytes = max_line_bytes
        try:
            self._con = duckdb.connect(str(self.database))
        except duckdb.IOException as e:
            raise WarehouseUnavailableError(
                f"cannot open the DuckDB database for writing ({str(e).splitlines()[0]}); "
                "is another process (dbt, a notebook) using it?",
                file=self.database,
            ) from e
        self._con.execute("SET enable_progress_bar = false")
        # the cap dbt's profile gives DuckDB (dbt/profiles.yml): what is landed beyond it is spilled, not held
        self._con.execute("SET memory_limit = ?", [memory_limit()])
        self._failed_write = False

    @property
    def location(self) -> str:
        return str(self.database)

    def close(self) -> None:
        if not self._failed_write:
            with self._writing():
                self._con.close()
            return
        # After a refused write the connection may be invalidated; closing it reports that again.
        with contextlib.suppress(duckdb.Error):
            self._con.close()

    @contextlib.contextmanager
    def _writing(self, source_file: str | None = None) -> Iterator[None]:
        """Turn DuckDB's write failures into ``WarehouseWriteError`` (see ``_write_failure``)."""
        try:
            yield
        except _WRITE_ERRORS as e:
            self._failed_write = True
            raise WarehouseWriteError(_write_failure(e, source_file), file=self.database) from e

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            # A COMMIT that failed (disk full) has already ended the transaction.
            with contextlib.suppress(duckdb.TransactionException):
                con.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------------ tables
    def ensure_raw_tables(self, tables: Sequence[Table]) -> None:
        with self._writing():
            self._ensure_raw_tables(tables)

    def _ensure_raw_tables(self, tables: Sequence[Table]) -> None:
        con = self._con
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
        wanted = {t.name: raw_table_columns(t) for t in tables}
        nullable = {t.name: nullable_raw_columns(t) for t in tables}
        wanted[AUDIT_TABLE] = AUDIT_COLUMNS
        wanted[QUARANTINE_TABLE] = QUARANTINE_COLUMNS
        wanted[LANDING_TABLE] = LANDING_COLUMNS
        have: dict[str, list[tuple[str, str]]] = {}
        for table_name, column, data_type in con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? ORDER BY table_name, ordinal_position",
            [RAW_SCHEMA],
        ).fetchall():
            have.setdefault(table_name, []).append((column, data_type))
        missing = []
        for name, cols in wanted.items():
            existing = have.get(name)
            expected = [(n, DUCKDB_TYPES[t]) for n, t in cols]
            if not existing:
                missing.append(f"CREATE TABLE {RAW_SCHEMA}.{ident(name)} ({_ddl_columns(cols)})")
                continue
            # a raw table landed before some nullable columns existed (_extra, orders.store_id)
            # gains them at the end, NULL for the rows it holds; loads insert by column name
            added = addable_columns(existing, expected, nullable[name]) if name in nullable else None
            if added:
                by_name = dict(cols)
                for column, _ in added:
                    log.info("adding column %s to %s.%s", column, RAW_SCHEMA, name)
                    missing.append(
                        f"ALTER TABLE {RAW_SCHEMA}.{ident(name)} ADD COLUMN {_ddl_columns([(column, by_name[column])])}"
                    )
            elif added is None and existing != expected:
                raise RawTableMismatchError(
                    f"{RAW_SCHEMA}.{name} has columns {existing} but the contract expects {expected}; "
                    "the contract changed since this warehouse was built: rebuild it (delete the DuckDB file) "
                    "or migrate the table",
                    file=self.database,
                )
        if missing:  # one commit for all of them (tables created, columns added)
            with self._transaction():
                for ddl in missing:
                    con.execute(ddl)

    def last_landing(self, table: Table, source_file: str) -> Landing | None:
        with self._writing():
            return self._last_landing(table, source_file)

    def _last_landing(self, table: Table, source_file: str) -> Landing | None:
        row = self._con.execute(
            f"SELECT sha256, rows_loaded, status FROM {RAW_SCHEMA}.{AUDIT_TABLE} "
            "WHERE table_name = ? AND source_file = ? AND status IN ('loaded', 'replaced', 'pruned') "
            "ORDER BY finished_at DESC LIMIT 1",
            [table.name, source_file],
        ).fetchone()
        if row is None or row[2] == "pruned":
            return None
        present = self._con.execute(
            f"SELECT count(*) FROM {RAW_SCHEMA}.{ident(table.name)} WHERE _source_file = ?", [source_file]
        ).fetchone()[0]
        return Landing(sha256=row[0], rows_loaded=row[1], rows_present=present)

    def record_attempt(self, result: FileResult) -> None:
        with self._writing():
            self._insert_audit(result)

    # ------------------------------------------------------------------ landing directories
    tracks_landing_dirs = True

    def landing_dirs(self) -> list[str]:
        with self._writing():
            rows = self._con.execute(
                f"SELECT landing_dir FROM {RAW_SCHEMA}.{LANDING_TABLE} ORDER BY first_loaded_at, landing_dir"
            ).fetchall()
        return [r[0] for r in rows]

    def record_landing_dir(self, landing_dir: str, *, at: datetime, only: bool) -> None:
        with self._writing(), self._transaction() as con:
            if only:
                con.execute(f"DELETE FROM {RAW_SCHEMA}.{LANDING_TABLE} WHERE landing_dir <> ?", [landing_dir])
            con.execute(
                f"UPDATE {RAW_SCHEMA}.{LANDING_TABLE} SET last_loaded_at = ? WHERE landing_dir = ?", [at, landing_dir]
            )
            con.execute(
                f"INSERT INTO {RAW_SCHEMA}.{LANDING_TABLE} ({', '.join(n for n, _ in LANDING_COLUMNS)}) "
                "SELECT ?, ?, ? "
                f"WHERE NOT EXISTS (SELECT 1 FROM {RAW_SCHEMA}.{LANDING_TABLE} WHERE landing_dir = ?)",
                [landing_dir, at, at, landing_dir],
            )

    def held_files(self, table: Table) -> list[str]:
        with self._writing():
            rows = self._con.execute(
                f"""SELECT source_file FROM (
                    SELECT source_file, arg_max(status, finished_at) AS last_status
                    FROM {RAW_SCHEMA}.{AUDIT_TABLE}
                    WHERE table_name = ? AND status IN ('loaded', 'replaced', 'pruned') GROUP BY source_file)
                WHERE last_status <> 'pruned' ORDER BY source_file""",
                [table.name],
            ).fetchall()
        return [r[0] for r in rows]

    def prune(self, table: Table, source_file: str, *, started_at: datetime) -> FileResult:
        raw = f"{RAW_SCHEMA}.{ident(table.name)}"
        with self._writing(source_file), self._transaction() as con:
            removed = con.execute(f"DELETE FROM {raw} WHERE _source_file = ?", [source_file]).fetchone()[0]
            con.execute(
                f"DELETE FROM {RAW_SCHEMA}.{QUARANTINE_TABLE} WHERE table_name = ? AND source_file = ?",
                [table.name, source_file],
            )
            result = FileResult.without_rows(
                table=table.name, source_file=source_file, sha256=None, bytes=0, status="pruned", started_at=started_at
            )
            result = dataclasses.replace(result, rows_removed=removed)
            self._insert_audit(result)
        return result

    def _insert_audit(self, r: FileResult) -> None:
        placeholders = ", ".join("?" for _ in AUDIT_COLUMNS)
        names = ", ".join(n for n, _ in AUDIT_COLUMNS)
        self._con.execute(
            f"INSERT INTO {RAW_SCHEMA}.{AUDIT_TABLE} ({names}) VALUES ({placeholders})", list(audit_values(r))
        )

    # ------------------------------------------------------------------ landing
    def land(self, file: SourceFile, *, started_at: datetime, replacing: bool) -> FileResult:
        try:
            with self._writing(file.source_file):
                streamed = self._land_streamed(file, started_at=started_at, replacing=replacing)
                if streamed is not None:
                    return streamed
                validated = validate_file(self._con, file, max_line_bytes=self.max_line_bytes)
                return self._commit(file, validated, started_at=started_at, replacing=replacing)
        finally:
            if not self._failed_write:
                discard(self._con)

    def _land_streamed(self, file: SourceFile, *, started_at: datetime, replacing: bool) -> FileResult | None:
        """Land a plain file whose records all fit straight from DuckDB's reader
        (``loaders.reader.streamed_rows``: one read), in one transaction as ``_commit`` does;
        None, with nothing changed, for any other file (not plain, or a record that does not
        fit: ``validate_file`` then lands it with its quarantine).

        The checked rows go through a temp table, ``STREAM_TABLE``: the read fills it in parallel
        and in file order (insertion order is kept), so the row at position ``rowid`` is at line
        ``first_line + rowid``. The temp table lives in DuckDB's buffer pool under the
        connection's ``memory_limit`` and spills to disk beyond it."""
        con = self._con
        prepare_connection(con)
        stream = streamed_rows(con, file, max_line_bytes=self.max_line_bytes)
        if stream is None:
            return None
        t = file.table
        raw = f"{RAW_SCHEMA}.{ident(t.name)}"
        cols = ", ".join(ident(c) for c in t.column_names)
        # a plain file has no extra columns: _extra stays NULL
        meta = ", ".join(ident(n) for n, _ in RAW_METADATA_COLUMNS if n != EXTRA_COLUMN)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {STREAM_TABLE} AS {stream.sql}")
            with self._transaction():
                con.execute(f"DELETE FROM {raw} WHERE _source_file = ?", [file.source_file])
                con.execute(
                    f"DELETE FROM {RAW_SCHEMA}.{QUARANTINE_TABLE} WHERE table_name = ? AND source_file = ?",
                    [t.name, file.source_file],
                )
                con.execute(
                    f"INSERT INTO {raw} ({cols}, {meta}) "
                    f"SELECT {cols}, ?, rowid + {int(stream.first_line)}, ? FROM temp.{STREAM_TABLE}",
                    [file.source_file, started_at],
                )
                # Reconcile by reading back what the table now holds for this file.
                loaded = con.execute(
                    f"SELECT count(*) FROM {raw} WHERE _source_file = ?", [file.source_file]
                ).fetchone()[0]
                if loaded != stream.rows_read:
                    raise _NotStreamed
                this_file = f"_source_file = {sql_string(file.source_file)}"
                landed = f"(SELECT _source_line AS line, {cols} FROM {raw} WHERE {this_file})"
                result = FileResult.landed(
                    file,
                    replacing=replacing,
                    rows_read=stream.rows_read,
                    rows_loaded=loaded,
                    rows_rejected=0,
                    started_at=started_at,
                    warnings=accepted_values_warnings(con, file, landed),
                    lines_read=stream.lines_read,
                )
                self._insert_audit(result)
            return result
        except _WRITE_ERRORS:
            raise
        except (duckdb.Error, _NotStreamed):
            return None
        finally:
            release_stream(con)

    def _commit(
        self, file: SourceFile, validated: ValidatedFile, *, started_at: datetime, replacing: bool
    ) -> FileResult:
        con = self._con
        t = file.table
        raw = f"{RAW_SCHEMA}.{ident(t.name)}"
        cols = ", ".join(ident(c) for c in t.column_names)
        raw_meta = ", ".join(n for n, _ in RAW_METADATA_COLUMNS)
        rows_read = validated.rows_read
        with self._transaction():
            con.execute(f"DELETE FROM {raw} WHERE _source_file = ?", [file.source_file])
            con.execute(
                f"DELETE FROM {RAW_SCHEMA}.{QUARANTINE_TABLE} WHERE table_name = ? AND source_file = ?",
                [t.name, file.source_file],
            )
            con.execute(
                f"INSERT INTO {raw} ({cols}, {raw_meta}) SELECT {cols}, ?, line, ?, {EXTRA_COLUMN} "
                f"FROM {validated.rows.alias}",
                [file.source_file, started_at],
            )
            con.execute(
                f"""INSERT INTO {RAW_SCHEMA}.{QUARANTINE_TABLE} ({", ".join(n for n, _ in QUARANTINE_COLUMNS)})
                SELECT ?, ?, line, column_name, reason, raw_line, ?, ?
                FROM {validated.rejects.alias}""",
                [t.name, file.source_file, started_at, file.sha256],
            )
            # Reconcile by reading back what the tables now hold for this file.
            loaded = con.execute(f"SELECT count(*) FROM {raw} WHERE _source_file = ?", [file.source_file]).fetchone()[0]
            rejected = con.execute(
                f"SELECT count(DISTINCT line_number) FROM {RAW_SCHEMA}.{QUARANTINE_TABLE} "
                "WHERE table_name = ? AND source_file = ?",
                [t.name, file.source_file],
            ).fetchone()[0]
            if rows_read != loaded + rejected:
                raise ReconciliationError(
                    f"rows read ({rows_read}) != rows loaded ({loaded}) + rows rejected ({rejected}); rolled back",
                    file=file.source_file,
                )
            result = FileResult.landed(
                file,
                replacing=replacing,
                rows_read=rows_read,
                rows_loaded=loaded,
                rows_rejected=rejected,
                started_at=started_at,
                warnings=validated.warnings,
                lines_read=validated.lines_read,
            )
            self._insert_audit(result)
        return result
