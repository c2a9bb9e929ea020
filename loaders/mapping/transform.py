"""Applying a mapping: an export file turned into contract-shaped rows, in DuckDB SQL.

``MappedFeed.prepare(con)`` reads one export file in the caller's DuckDB connection and
returns the query ``loaders.reader`` validates like any landing file: one row per contract
record with ``line`` (the export's 1-based physical line where the record starts, or for a
row grouped from lines, ``one_row_per``, its first line), ``text`` (the export record as a
JSON object of its fields, PII fields masked) and one text value per contract column. So the
contract's rules, the quarantine and the load audit apply unchanged and name the original
export file and line, whatever the mapping did.

Reading: DuckDB's ``read_csv`` (every field as text) gives the records; the physical lines
(``loaders.lines``) give each record its line: a record starts on a non-blank line outside a
quoted field (an even number of quotes before it). Values that a format cannot parse are
passed on as written, so the contract check quarantines them quoting the export's value.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from loaders.backends.base import EXTRA_COLUMN, RAW_METADATA_COLUMNS
from loaders.contract import Column, Table, load_contract
from loaders.discovery import SourceFile
from loaders.errors import SchemaMismatchError, UnreadableFileError
from loaders.lines import physical_lines
from loaders.mapping.spec import NUMBER_TYPES, ColumnSpec, ExportSpec, Mapping, MappingError, TableSpec
from loaders.validation import ident, sql_string

#: Non-empty values a date/timestamp format is tried on; a format parsing none of them is refused.
SAMPLE_VALUES = 100
#: Temp objects created here start with ``_ld_`` so that ``loaders.reader.discard`` drops them.
_SRC = "_ld_mp_src"
_ISO = "%Y-%m-%d %H:%M:%S"
_NUM = "DECIMAL(38,9)"
#: Decimals of the order amounts summed from lines (``lines_subtotal``, ``lines_discount``): rounded
#: half away from zero, as DuckDB's ``round`` on a DECIMAL does (DECISIONLOG "Mapped money").
ORDER_SCALE = 2


def _num_text(expr: str) -> str:
    """SQL: a DECIMAL value as text without trailing zeros after the point (``12.500`` -> ``12.5``)."""
    text = f"CAST({expr} AS VARCHAR)"
    return f"(CASE WHEN contains({text}, '.') THEN rtrim(rtrim({text}, '0'), '.') ELSE {text} END)"


def _number(expr: str) -> str:
    return f"TRY_CAST(NULLIF(TRIM({expr}), '') AS {_NUM})"


@dataclass(frozen=True)
class ExportHeader:
    """The header of one export file: its column names in file order (surrounding blanks
    removed) and its physical line."""

    names: tuple[str, ...]
    line: int = 1

    def position(self, name: str) -> str:
        """``<1-based field position> (<name>)`` of the first column called ``name``, for messages."""
        return f"{self.names.index(name) + 1} ({name!r})"


def folded(name: str) -> str:
    """A column name compared the way a reader would: blanks collapsed, case folded
    (``' Unit  Price'`` -> ``'unit price'``)."""
    return " ".join(name.split()).casefold()


def read_header(path: Path, source_file: str) -> ExportHeader:
    """The export's header (first physical line, RFC 4180 fields).

    Raises:
        UnreadableFileError: the file cannot be read, is not UTF-8 or has no header line.
    """
    lines = physical_lines(path, source_file)
    for n, raw in enumerate(lines.column("raw").to_pylist(), start=1):
        try:
            text = raw.decode("utf-8").lstrip("\ufeff")
        except UnicodeDecodeError as e:
            raise UnreadableFileError("the header line is not UTF-8", file=source_file, line=n) from e
        if text.strip():
            return ExportHeader(tuple(h.strip() for h in next(csv.reader(io.StringIO(text)))), line=n)
    raise UnreadableFileError("the export has no header line", file=source_file)


@dataclass(frozen=True)
class MappedFeed:
    """One export file feeding one contract table through a mapping.

    Attributes:
        mapping: the resolved mapping.
        table: the contract table fed.
        spec: the table's mapping.
        export: the export shape.
        path: the export file.
        source_file: its warehouse identity (relative to the source directory).
    """

    mapping: Mapping
    table: Table
    spec: TableSpec
    export: ExportSpec
    path: Path
    source_file: str

    def where(self, column: str) -> str:
        """Key path of a contract column's mapping, for messages."""
        return f"tables.{self.spec.name}.columns.{column}"

    def fail(self, message: str) -> MappingError:
        return MappingError(message, file=self.mapping.path.name)

    # ---------------------------------------------------------------- reading
    def referenced_columns(self) -> dict[str, str]:
        """Export columns the mapping names for this table (and the lines it sums) -> key path."""
        refs: dict[str, str] = {}
        specs = [(self.spec, c) for c in self.spec.columns]
        items = _items_spec(self.mapping, self.spec)
        if items is not None:
            specs += [(items, c) for c in items.columns if c.name in ("quantity", "unit_price", "discount_amount")]
        for ts, c in specs:
            where = f"tables.{ts.name}.columns.{c.name}"
            for name, key in ((c.column, ""), (c.by, ".by")):
                if name is not None:
                    refs.setdefault(name, where + key)
            if c.derive == "discount_from_line_total" and c.of is not None:
                refs.setdefault(c.of, where + ".of")
        if self.spec.one_row_per is not None:
            refs.setdefault(self.spec.one_row_per, f"tables.{self.spec.name}.one_row_per")
        if self.export.fill_down_by is not None:
            refs.setdefault(self.export.fill_down_by, f"exports.{self.export.name}.fill_down.by")
        return refs

    def _absent_with_default(self, header: ExportHeader) -> set[str]:
        """Columns named by a spec with a default that the header lacks (their default applies)."""
        present = set(header.names)
        items = _items_spec(self.mapping, self.spec)
        specs = [*self.spec.columns, *(items.columns if items is not None else ())]
        return {c.column for c in specs if c.column and c.column not in present and c.default is not None}

    def check_header(self, header: ExportHeader) -> tuple[str, ...]:
        """Check the export's header against the mapping.

        Returns:
            The extra columns (in the header, neither known to the export shape nor used), in file order.

        Raises:
            SchemaMismatchError: naming the file, the header line and the column: a column name
                twice in the header; an empty column name (unless ``extra_columns: ignore``);
                under ``extra_columns: keep``, an extra column whose name, blanks collapsed and
                case folded, is a column the mapping uses, a contract column of a table the
                export feeds or a loader column (``_extra``, ``_source_file``...); extra columns
                under ``extra_columns: reject``.
            MappingError: a column the mapping names is not in the header (and has no default).
        """
        mode = self.export.extra_columns
        seen: set[str] = set()
        for i, name in enumerate(header.names, start=1):
            if name and name in seen:  # unnamed columns: below
                raise SchemaMismatchError(
                    f"the header names column {name!r} twice (first at field {header.names.index(name) + 1}); "
                    "a mapping could not tell them apart: rename one in the export",
                    file=self.source_file,
                    line=header.line,
                    column=f"{i} ({name!r})",
                )
            seen.add(name)
            if name == "" and mode != "ignore":
                raise SchemaMismatchError(
                    f"field {i} of the header has no column name (extra_columns: {mode} needs a name to "
                    "keep or refuse it by); name it in the export, or drop unnamed columns with extra_columns: ignore",
                    file=self.source_file,
                    line=header.line,
                    column=f"{i} (no name)",
                )
        present = set(header.names)
        absent_ok = self._absent_with_default(header)
        for name, where in self.referenced_columns().items():
            if name not in present and name not in absent_ok:
                raise self.fail(
                    f"{where}: unknown column {name!r}: {self.source_file} has no such column "
                    f"(its columns: {', '.join(header.names)})"
                )
        for name in self.export.fill_down:
            if name not in present:
                raise self.fail(
                    f"exports.{self.export.name}.fill_down.columns: unknown column {name!r}: "
                    f"{self.source_file} has no such column"
                )
        used = self._all_referenced()
        known = set(self.export.columns) | used
        extras = tuple(h for h in header.names if h not in known)
        if extras and mode == "reject":
            raise SchemaMismatchError(
                f"extra column(s) {', '.join(extras)} not in the mapping's export {self.export.name!r} "
                "(extra_columns: reject); the file is refused",
                file=self.source_file,
                line=header.line,
            )
        if mode == "keep":
            self._check_kept_names(header, extras, used)
        return extras

    def _check_kept_names(self, header: ExportHeader, extras: tuple[str, ...], used: set[str]) -> None:
        """Refuse an extra column kept in ``_extra`` whose name, blanks collapsed and case folded,
        is that of a used export column, a contract column of a table this export feeds or a
        loader column: the user most likely meant it to feed that column."""
        contract = load_contract()
        names: dict[str, str] = {folded(u): f"the export column {u!r} the mapping uses" for u in used}
        for ts in self.mapping.tables:
            if ts.export == self.export.name:
                for c in contract.table(ts.name).columns:
                    names.setdefault(folded(c.name), f"contract column {ts.name}.{c.name}")
        for n, _ in RAW_METADATA_COLUMNS:
            names.setdefault(folded(n), f"the loader column {n}")
        for h in extras:
            clash = names.get(folded(h))
            if clash is not None:
                raise SchemaMismatchError(
                    f"extra column {h!r} (extra_columns: keep) reads as {clash} once blanks and case are "
                    f"ignored; map it in {self.mapping.path.name}, list it under exports.{self.export.name}.columns "
                    "to drop it, or rename it in the export",
                    file=self.source_file,
                    line=header.line,
                    column=header.position(h),
                )

    def _all_referenced(self) -> set[str]:
        """Export columns any table of the mapping fed by this export names (an unused column is extra)."""
        out: set[str] = set()
        for ts in self.mapping.tables:
            if ts.export != self.export.name:
                continue
            for c in ts.columns:
                out.update(x for x in (c.column, c.by, c.of if c.derive == "discount_from_line_total" else None) if x)
                if c.sql:
                    out.update(re.findall(r'"((?:[^"]|"")+)"', c.sql))
            if ts.where:
                out.update(re.findall(r'"((?:[^"]|"")+)"', ts.where))
            if ts.one_row_per:
                out.add(ts.one_row_per)
        if self.export.fill_down_by:
            out.add(self.export.fill_down_by)
        out.update(self.export.fill_down)
        return out

    def _pii_columns(self) -> set[str]:
        """Export columns that feed a PII contract column of any table (masked in quarantined text)."""
        contract = load_contract()
        out: set[str] = set()
        for ts in self.mapping.tables:
            if ts.export != self.export.name:
                continue
            pii = {c.name for c in contract.table(ts.name).columns if c.pii}
            for c in ts.columns:
                if c.name in pii:
                    out.update(x for x in (c.column,) if x)
                    if c.sql:
                        out.update(re.findall(r'"((?:[^"]|"")+)"', c.sql))
        return out

    def _load_source(self, con: duckdb.DuckDBPyConnection, header: ExportHeader, kept: tuple[str, ...] = ()) -> int:
        """Temp table ``_ld_mp_src``: one row per export record, ``line``, ``struct`` (a structural
        problem or NULL), ``text`` (the record as JSON, PII masked), ``extra`` (the ``kept`` columns
        as a JSON object of header name -> text as written, an empty field as ``""``; NULL when
        nothing is kept) and the header's columns as text (``fill_down`` applied).

        Returns:
            The number of physical lines of the export.

        Raises:
            UnreadableFileError: DuckDB cannot read it as CSV, or records and lines do not align.
        """
        lines = physical_lines(self.path, self.source_file)
        con.register("_ld_mp_arrow", lines)
        try:
            con.execute(
                """CREATE OR REPLACE TEMP TABLE _ld_mp_lines AS
                WITH l AS (SELECT line, coalesce(try(decode(raw)), '') AS text FROM _ld_mp_arrow),
                q AS (SELECT line, text, coalesce(sum(length(text) - length(replace(text, '"', '')))
                          OVER (ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before FROM l)
                SELECT line, row_number() OVER (ORDER BY line) - 1 AS rec
                FROM q WHERE before % 2 = 0 AND trim(text, ' ' || chr(13)) <> ''"""
            )
            n_lines = con.execute("SELECT count(*) FROM _ld_mp_arrow").fetchall()[0][0]
        finally:
            con.unregister("_ld_mp_arrow")
        try:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _ld_mp_csv AS
                SELECT row_number() OVER () AS __rec, * FROM read_csv({sql_string(str(self.path))}, all_varchar = true,
                    header = true, delim = ',', quote = '"', escape = '"', null_padding = true, strict_mode = false,
                    parallel = false, normalize_names = false)"""
            )
        except duckdb.Error as e:
            raise UnreadableFileError(
                f"DuckDB cannot read the export as CSV ({str(e).splitlines()[0]})", file=self.source_file
            ) from e
        cols = [r[0] for r in con.execute("DESCRIBE _ld_mp_csv").fetchall()][1:]  # after __rec
        named, surplus = cols[: len(header.names)], cols[len(header.names) :]
        records, starts = con.execute(
            "SELECT (SELECT count(*) FROM _ld_mp_csv), (SELECT count(*) FROM _ld_mp_lines WHERE rec > 0)"
        ).fetchall()[0]
        if records != starts:
            raise UnreadableFileError(
                f"{records} CSV record(s) but {starts} record start(s) among the physical lines; "
                "the export's quoting is broken, nothing of it was mapped",
                file=self.source_file,
            )
        pii = self._pii_columns()
        fields = ", ".join(
            f"{sql_string(h)}, "
            + (f"CASE WHEN coalesce(c.{ident(col)}, '') <> '' THEN '***' END" if h in pii else f"c.{ident(col)}")
            for h, col in zip(header.names, named, strict=True)
        )
        struct = "NULL"
        if surplus:
            more = " OR ".join(f"c.{ident(s)} IS NOT NULL" for s in surplus)
            count = " + ".join(f"(c.{ident(s)} IS NOT NULL)::INT" for s in surplus)
            n = len(named)
            struct = f"CASE WHEN {more} THEN concat('wrong column count: expected {n}, found ', {n} + {count}) END"
        values = []
        for h, col in zip(header.names, named, strict=True):
            if not h:
                continue  # a column without a name (extra_columns: ignore) is in the record's text only
            v = f"c.{ident(col)}"
            if h in self.export.fill_down and self.export.fill_down_by is not None:
                by = f"c.{ident(named[header.names.index(self.export.fill_down_by)])}"
                v = (
                    f"coalesce(NULLIF({v}, ''), first_value(NULLIF({v}, '') IGNORE NULLS) "
                    f"OVER (PARTITION BY {by} ORDER BY l.line "
                    "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))"
                )
            values.append(f"{v} AS {ident(h)}")
        absent = "".join(f", CAST(NULL AS VARCHAR) AS {ident(a)}" for a in sorted(self._absent_with_default(header)))
        extra = "CAST(NULL AS VARCHAR)"
        if kept:
            pairs = ", ".join(f"{sql_string(h)}, coalesce(c.{ident(named[header.names.index(h)])}, '')" for h in kept)
            extra = f"CAST(json_object({pairs}) AS VARCHAR)"
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {_SRC} AS
            SELECT l.line AS __line, {struct} AS __struct, CAST(json_object({fields}) AS VARCHAR) AS __text,
                   {extra} AS __extra, {", ".join(values)}{absent}
            FROM _ld_mp_csv c JOIN _ld_mp_lines l ON l.rec = c.__rec ORDER BY l.line"""
        )
        return n_lines

    # ---------------------------------------------------------------- values
    def value_sql(self, spec: ColumnSpec, column: Column) -> str:
        """SQL (text) of a contract column's value for one export record of ``_ld_mp_src``,
        before grouping; derivations that need other columns or groups are resolved in ``query``."""
        if spec.unmapped:
            return "CAST(NULL AS VARCHAR)"
        if spec.derive == "line_number":
            return "CAST(__line AS VARCHAR)"
        if spec.derive == "landing_time":
            return f"strftime(timezone('UTC', current_timestamp), '{_ISO}')"
        if spec.derive == "line_key":
            return f"concat({ident(spec.by)}, '-', row_number() OVER (PARTITION BY {ident(spec.by)} ORDER BY __line))"
        if spec.derive is not None:
            return "CAST(NULL AS VARCHAR)"  # computed from other columns in query()
        if spec.sql is not None:
            v = f"CAST(({spec.sql}) AS VARCHAR)"
        elif spec.column is not None:
            v = ident(spec.column)
        else:
            v = "CAST(NULL AS VARCHAR)"
        if spec.values:
            whens = " ".join(
                f"WHEN {sql_string(k)} THEN {'NULL' if t is None else sql_string(t)}" for k, t in spec.values
            )
            v = f"(CASE TRIM({v}) {whens} ELSE {v} END)"
        v = self._parse(spec, column, v)
        if spec.default is not None:
            v = f"coalesce(NULLIF(TRIM({v}), ''), {sql_string(spec.default)})"
        return v

    def _zone(self, spec: ColumnSpec) -> str:
        return spec.timezone or self.export.timezone

    def _parse(self, spec: ColumnSpec, column: Column, v: str) -> str:
        """SQL turning the export's text into the contract's text form (ISO dates and timestamps in
        UTC, numbers with a point); a value that does not parse stays as written."""
        if column.type in NUMBER_TYPES:
            if spec.thousands_separator:
                v = f"replace({v}, {sql_string(spec.thousands_separator)}, '')"
            if spec.decimal_separator != ".":
                v = f"replace({v}, {sql_string(spec.decimal_separator)}, '.')"
            if spec.scale is not None:
                rounded = f"CAST(round({_number(v)}, {spec.scale}) AS DECIMAL(38,{spec.scale}))"
                v = f"coalesce({_num_text(rounded)}, {v})"
            return v
        if column.type == "date" and spec.format:
            return f"coalesce(strftime(try_strptime(TRIM({v}), {sql_string(spec.format)}), '%Y-%m-%d'), {v})"
        if column.type != "timestamp":
            return v
        zone = self._zone(spec)
        if spec.format:
            parsed = f"try_strptime(TRIM({v}), {sql_string(spec.format)})"
            if "%z" in spec.format or "%Z" in spec.format:
                utc = f"timezone('UTC', {parsed})"
            elif zone == "UTC":
                utc = parsed
            else:
                utc = f"timezone('UTC', timezone({sql_string(zone)}, {parsed}))"
            return f"coalesce(strftime({utc}, '{_ISO}'), {v})"
        if zone == "UTC":
            return v
        naive = f"NOT regexp_matches(TRIM({v}), '(Z|[+-][0-9]{{2}}(:?[0-9]{{2}})?)$')"
        utc = f"timezone('UTC', timezone({sql_string(zone)}, TRY_CAST(TRIM({v}) AS TIMESTAMP)))"
        return f"(CASE WHEN {naive} THEN coalesce(strftime({utc}, '{_ISO}'), {v}) ELSE {v} END)"

    def check_samples(self, con: duckdb.DuckDBPyConnection, columns: dict[str, Column]) -> None:
        """Refuse a format that parses none of the first ``SAMPLE_VALUES`` non-empty values of its
        column, and an SQL expression DuckDB cannot run (needs ``_ld_mp_src``).

        Raises:
            MappingError: naming the key path, the export file, the first sample's line and column.
        """
        if self.spec.where is not None:
            try:
                con.execute(f"SELECT count(*) FROM {_SRC} WHERE ({self.spec.where})").fetchall()
            except duckdb.Error as e:
                raise self.fail(
                    f"tables.{self.spec.name}.where: DuckDB cannot run it over {self.source_file} "
                    f"({str(e).splitlines()[0]})"
                ) from e
        for spec in self.spec.columns:
            col = columns[spec.name]
            if spec.sql is not None:
                try:
                    con.execute(f"SELECT {self.value_sql(spec, col)} FROM {_SRC} LIMIT 1").fetchall()
                except duckdb.Error as e:
                    raise self.fail(
                        f"{self.where(spec.name)}.sql: DuckDB cannot run it over {self.source_file} "
                        f"({str(e).splitlines()[0]})"
                    ) from e
            if not spec.format or spec.column is None or spec.values:
                continue
            raw = ident(spec.column)
            parsed = f"try_strptime(TRIM({raw}), {sql_string(spec.format)})"
            row = con.execute(
                f"""SELECT count(*) FILTER (WHERE {parsed} IS NOT NULL), arg_min({raw}, __line), min(__line)
                FROM (SELECT * FROM {_SRC} WHERE NULLIF(TRIM({raw}), '') IS NOT NULL
                      ORDER BY __line LIMIT {SAMPLE_VALUES})"""
            ).fetchall()[0]
            if row[2] is not None and row[0] == 0:
                raise self.fail(
                    f"{self.where(spec.name)}.format: {spec.format!r} does not parse the sample value {row[1]!r} "
                    f"({self.source_file}:{row[2]}, column {spec.column}) nor any of the first "
                    f"{SAMPLE_VALUES} values"
                )

    def query(self, con: duckdb.DuckDBPyConnection) -> tuple[str, dict[str, str], int, tuple[str, ...]]:
        """Read the export in ``con`` and build the contract-shaped query.

        Returns:
            (SQL of ``line, last_line, text, struct, struct_column``, ``extra`` (the JSON text
            of the record's extra columns under ``extra_columns: keep``, else NULL; a row grouped
            from lines takes its first line's) and one text column ``__m<i>`` per contract column;
            {contract column: SQL of its value in that query};
            physical lines of the export; warnings (extra columns ignored)).

        Raises:
            MappingError: a column the mapping names is absent, a format parses no sample, an
                expression does not run.
            SchemaMismatchError: extra columns under ``extra_columns: reject``.
            UnreadableFileError: the export cannot be read as CSV.
        """
        header = read_header(self.path, self.source_file)
        extras = self.check_header(header)
        kept = extras if self.export.extra_columns == "keep" else ()
        n_lines = self._load_source(con, header, kept)
        columns = {c.name: c for c in self.table.columns}
        self.check_samples(con, columns)
        warnings: tuple[str, ...] = ()
        first_fed = next(t for t in self.mapping.tables if t.export == self.export.name)
        if first_fed.name != self.spec.name:
            extras = ()  # said once per export file, with the first table it feeds
        if extras and self.export.extra_columns == "ignore":
            shown = [h or f"(field {i}, no name)" for i, h in enumerate(header.names, start=1) if h in set(extras)]
            warnings = (
                f"{self.source_file}: column(s) {', '.join(shown)} not used by the mapping: ignored "
                f"(extra_columns: ignore in {self.mapping.path.name})",
            )
        elif extras:
            fed = ", ".join(f"raw.{t.name}" for t in self.mapping.tables if t.export == self.export.name)
            warnings = (
                f"{self.source_file}: column(s) {', '.join(extras)} not used by the mapping: kept in "
                f"{EXTRA_COLUMN} of {fed} (extra_columns: keep in {self.mapping.path.name})",
            )
        names = [c.name for c in self.table.columns]
        out = {n: f"__m{i}" for i, n in enumerate(names)}
        row_values = {n: self.value_sql(self.spec.column(n), columns[n]) for n in names}
        items = _items_spec(self.mapping, self.spec)
        extra_row: dict[str, str] = {}
        if items is not None:
            icols = {c.name: c for c in load_contract().table("order_items").columns}
            sub = replace(self, spec=items, table=load_contract().table("order_items"))
            extra_row = {
                "__q": _number(sub.value_sql(items.column("quantity"), icols["quantity"])),
                "__p": _number(sub.value_sql(items.column("unit_price"), icols["unit_price"])),
                "__d": _number(sub.derived_row(items.column("discount_amount"), icols)),
            }
        for n in names:
            spec = self.spec.column(n)
            if spec.derive == "discount_from_line_total":
                row_values[n] = self.derived_row(spec, columns)
        select = ", ".join(f"{v} AS {out[n]}" for n, v in row_values.items())
        select_extra = "".join(f", {v} AS {k}" for k, v in extra_row.items())
        # records the table's ``where`` leaves out are not read by it (a structural problem still is)
        source = _SRC if self.spec.where is None else f"{_SRC} WHERE __struct IS NOT NULL OR ({self.spec.where})"
        rows = (
            f"SELECT __line AS line, __struct AS struct, __text AS text, __extra, {select}{select_extra} FROM {source}"
        )
        if self.spec.one_row_per is None:
            base = f"SELECT line, line AS last_line, text, struct, __extra, {', '.join(out.values())} FROM ({rows})"
        else:
            key = ident(self.spec.one_row_per)
            rows = (
                f"SELECT __line AS line, __struct AS struct, __text AS text, __extra, {key} AS __key, "
                f"{select}{select_extra} FROM {source}"
            )
            aggs = []
            for n in names:
                spec, o = self.spec.column(n), out[n]
                if spec.derive == "lines_subtotal":
                    # A line without a valid quantity and unit price leaves the sum undefined: the
                    # order is quarantined naming that line rather than landing short of it.
                    bad = "__q IS NULL OR __p IS NULL"
                    aggs.append(
                        f"CASE WHEN bool_or({bad}) THEN concat('no subtotal: line ', min(line) FILTER (WHERE {bad}), "
                        f"' has no valid quantity and unit price') "
                        f"ELSE {_num_text(f'round(sum(__q * __p), {ORDER_SCALE})')} END AS {o}"
                    )
                elif spec.derive == "lines_discount":
                    aggs.append(f"{_num_text(f'round(coalesce(sum(__d), 0), {ORDER_SCALE})')} AS {o}")
                elif spec.aggregate == "sum":
                    bad = f"NULLIF(TRIM({o}), '') IS NOT NULL AND {_number(o)} IS NULL"
                    aggs.append(
                        f"CASE WHEN bool_or({bad}) THEN arg_min({o}, line) FILTER (WHERE {bad}) "
                        f"ELSE {_num_text(f'sum({_number(o)})')} END AS {o}"
                    )
                elif spec.aggregate in ("min", "max"):
                    aggs.append(f"{spec.aggregate}(NULLIF({o}, '')) AS {o}")
                else:
                    aggs.append(f"arg_min({o}, line) FILTER (WHERE NULLIF({o}, '') IS NOT NULL) AS {o}")
            base = f"""SELECT min(line) AS line, min(line) AS last_line, arg_min(text, line) AS text,
                   CAST(NULL AS VARCHAR) AS struct, arg_min(__extra, line) AS __extra, {", ".join(aggs)}
                FROM ({rows}) WHERE struct IS NULL AND NULLIF(TRIM(__key), '') IS NOT NULL GROUP BY __key"""
        # Derivations over the record's own mapped values.
        final = []
        for n in names:
            spec, o = self.spec.column(n), out[n]
            if spec.derive == "same_as":
                final.append(f"{out[spec.of]} AS {o}")
            elif spec.derive == "order_total":
                parts = {
                    k: f"coalesce({_number(out[k])}, 0)" for k in ("discount_amount", "shipping_amount", "tax_amount")
                }
                total = (
                    f"{_number(out['subtotal_amount'])} - {parts['discount_amount']} "
                    f"+ {parts['shipping_amount']} + {parts['tax_amount']}"
                )
                final.append(f"{_num_text(total)} AS {o}")
            else:
                final.append(o)
        structural = f"""SELECT line, last_line, text, struct, CAST(NULL AS VARCHAR) AS struct_column, __extra AS extra,
                {", ".join(final)}
            FROM ({base}) ORDER BY line"""
        return structural, out, n_lines, warnings

    def derived_row(self, spec: ColumnSpec, columns: dict[str, Column]) -> str:
        """SQL of a line-level value that needs other mapped values (``discount_from_line_total``),
        else ``value_sql``."""
        if spec.derive != "discount_from_line_total":
            return self.value_sql(spec, columns[spec.name])
        q = _number(self.value_sql(self.spec.column("quantity"), columns["quantity"]))
        p = _number(self.value_sql(self.spec.column("unit_price"), columns["unit_price"]))
        total = _number(self._parse(replace(spec, scale=None), columns[spec.name], ident(spec.of)))
        of = ident(spec.of)
        # A line total that does not parse is passed on as written (quarantined quoting it).
        return (
            f"(CASE WHEN {total} IS NULL THEN NULLIF(TRIM({of}), '') "
            f"WHEN {q} IS NULL OR {p} IS NULL THEN 'no discount: the line has no valid quantity and unit price' "
            f"ELSE {_num_text(f'{q} * {p} - {total}')} END)"
        )


def _items_spec(mapping: Mapping, spec: TableSpec) -> TableSpec | None:
    """The order_items mapping whose lines an orders table sums (same export), when it sums lines."""
    if spec.name != "orders" or not any(c.derive in ("lines_subtotal", "lines_discount") for c in spec.columns):
        return None
    return next((t for t in mapping.tables if t.name == "order_items" and t.export == spec.export), None)


def export_files(mapping: Mapping, export: ExportSpec) -> list[Path]:
    """The files of an export shape under the mapping's directory (its globs), sorted."""
    found = {p for g in export.files for p in mapping.root.glob(g)}
    return sorted(p for p in found if p.is_file() and p.name != mapping.path.name)


def mapped_file(described: SourceFile, feed: MappedFeed) -> SourceFile:
    """``described`` (the export file, stat'ed and hashed) as a mapped landing: its sha256 covers
    the export's bytes and the resolved mapping, so a changed mapping lands the export again."""
    digest = hashlib.sha256(f"{described.sha256}\n{feed.mapping.digest_text}".encode()).hexdigest()
    return replace(described, sha256=digest, mapped=feed)
