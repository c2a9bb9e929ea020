"""Reading and validating a landing file in DuckDB: what every backend calls before landing.

``validate_file(con, file)`` reads one file in the given DuckDB connection and leaves two
temp views there, returned as relations: the rows that fit the contract, typed, and the
quarantine rows of those that do not. The DuckDB backend inserts them into its raw tables
in the same connection; the BigQuery backend validates in an in-memory DuckDB and exports
them for its load jobs. Both targets so get the same rows, physical line numbers and
reasons for a file. All in DuckDB SQL, no Python loop over rows:

1. Physical lines: ``loaders.lines`` gives every line with its exact 1-based number
   (literal path, gzip checked whole, LF/CRLF/mixed line breaks, byte-order mark); DuckDB
   decodes them, and lines that are not UTF-8, longer than ``MAX_LINE_BYTES`` or holding
   U+001F (the field splitter's separator) are kept with a problem, for quarantine.
2. Records: a CSV record is a line, or several lines when a quoted field contains line
   breaks (found from the parity of quote characters); blank lines are skipped. A JSON
   record is a non-blank line.
3. Fields: CSV fields are split by RFC 4180 rules (commas outside double quotes; ``""``
   inside quotes is a quote), records with stray quotes are refused; JSON values are
   extracted with DuckDB's JSON functions.
4. Validation: the rules of ``loaders.validation`` give each record its typed values and
   its list of (column, reason) problems.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb

from loaders.contract import Table
from loaders.discovery import SourceFile
from loaders.errors import EmptyFileError, SchemaMismatchError
from loaders.lines import decode_exact, physical_lines
from loaders.validation import (
    REASON_CONTROL_CHAR,
    REASON_INVALID_JSON,
    REASON_INVALID_UTF8,
    REASON_MALFORMED_QUOTES,
    REASON_NOT_OBJECT,
    check_json_keys,
    ident,
    match_header,
    normalized_sql,
    outside_accepted_values_sql,
    reason_line_too_long,
    reason_sql,
    sql_string,
    typed_sql,
)

log = logging.getLogger(__name__)

#: Longest physical line accepted (bytes); longer lines are quarantined.
MAX_LINE_BYTES = 8 * 1024 * 1024

# One CSV field (RFC 4180): quoted with "" as an escaped quote, or unquoted without quotes.
_CSV_FIELD = r'("([^"]|"")*"|[^,"]*)'
_CSV_RECORD = f"{_CSV_FIELD}(,{_CSV_FIELD})*"

# Split a record on commas outside quotes: split on '"' (odd pieces are outside quotes),
# turn the commas of outside pieces into U+001F, re-join, split on U+001F, then unquote.
_SPLIT_QUOTED = (
    "list_transform("
    "string_split(array_to_string(list_transform(string_split({rec}, '\"'), "
    "lambda s, i: CASE WHEN i % 2 = 1 THEN replace(s, ',', chr(31)) ELSE s END), '\"'), chr(31)), "
    "lambda f: CASE WHEN f LIKE '\"%\"' THEN replace(f[2:-2], '\"\"', '\"') ELSE f END)"
)


def _csv_fields_sql(rec: str) -> str:
    """SQL list of the fields of CSV record ``rec`` (fast path when it has no quote)."""
    return f"(CASE WHEN contains({rec}, '\"') THEN {_SPLIT_QUOTED.format(rec=rec)} ELSE string_split({rec}, ',') END)"


#: Temp views ``validate_file`` leaves in the connection (dropped by ``discard``).
ROWS_VIEW = "_ld_rows"
QUARANTINE_VIEW = "_ld_quarantine"


@dataclass(frozen=True)
class ValidatedFile:
    """One file read and checked against the contract, as relations in the caller's connection.

    Attributes:
        rows: the records that fit the contract: ``line`` (1-based physical line where the
            record starts) then the contract columns in contract order, typed
            (``contract.DUCKDB_TYPES``), ordered by line. A view named ``ROWS_VIEW``.
        rejects: one row per problem of a refused record: ``line``, ``column_name`` (NULL
            when the whole record is unreadable), ``reason``, ``raw_line`` (the record's
            text), ordered by line. A view named ``QUARANTINE_VIEW``.
        rows_read: records read (CSV: without the header and blank lines).
        rows_rejected: records refused (a record counts once however many problems it has).
        quarantine_rows: rows of ``rejects``.
        warnings: values outside a column's ``accepted_values`` (landed; see ``loaders.validation``).
    """

    rows: duckdb.DuckDBPyRelation
    rejects: duckdb.DuckDBPyRelation
    rows_read: int
    rows_rejected: int
    quarantine_rows: int
    warnings: tuple[str, ...]

    @property
    def rows_valid(self) -> int:
        """Records that fit the contract (rows_read - rows_rejected)."""
        return self.rows_read - self.rows_rejected


def validate_file(
    con: duckdb.DuckDBPyConnection, file: SourceFile, *, max_line_bytes: int = MAX_LINE_BYTES
) -> ValidatedFile:
    """Read ``file`` in ``con`` and split its records into typed rows and quarantine rows.

    Sets the connection's time zone to UTC (offsets in source timestamps are converted to
    UTC). Replaces the temp objects of an earlier call; ``discard(con)`` drops them.

    Args:
        con: a DuckDB connection (the warehouse's, or an in-memory one).
        file: the described file (its table says CSV or JSON lines).
        max_line_bytes: longest physical line accepted; longer ones are quarantined.

    Returns:
        A ``ValidatedFile`` whose relations live in ``con``.

    Raises:
        UnreadableFileError: the file cannot be read, or its compression is corrupt or not gzip.
        EmptyFileError: the file has only blank lines.
        SchemaMismatchError: the CSV header or the JSON keys do not match the contract.
    """
    con.execute("SET TimeZone = 'UTC'")
    _read_lines(con, file, max_line_bytes)
    header_line = _build_records(con, file)
    if file.table.format == "csv":
        _check_csv(con, file, header_line)
    else:
        _check_jsonl(con, file)
    warnings = _accepted_values_warnings(con, file)
    cols = ", ".join(ident(c) for c in file.table.column_names)
    con.execute(
        f"CREATE TEMP VIEW {ROWS_VIEW} AS SELECT line, {cols} FROM _ld_checked WHERE len(errors) = 0 ORDER BY line"
    )
    con.execute(
        f"""CREATE TEMP VIEW {QUARANTINE_VIEW} AS
        SELECT line, e.column_name, e.reason, raw_line
        FROM (SELECT line, raw_line, unnest(errors) AS e FROM _ld_checked WHERE len(errors) > 0)
        ORDER BY line"""
    )
    rows_read, rows_rejected, quarantine_rows = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE len(errors) > 0), coalesce(sum(len(errors)), 0) FROM _ld_checked"
    ).fetchone()
    return ValidatedFile(
        rows=con.view(ROWS_VIEW),
        rejects=con.view(QUARANTINE_VIEW),
        rows_read=rows_read,
        rows_rejected=rows_rejected,
        quarantine_rows=int(quarantine_rows),
        warnings=warnings,
    )


def discard(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the per-file temp views and tables (all named ``_ld_*``), views first."""
    for kind, catalog in (("VIEW", "duckdb_views()"), ("TABLE", "duckdb_tables()")):
        names = con.execute(
            f"SELECT {'view_name' if kind == 'VIEW' else 'table_name'} FROM {catalog} "
            f"WHERE temporary AND starts_with({'view_name' if kind == 'VIEW' else 'table_name'}, '_ld_')"
        ).fetchall()
        for (name,) in names:
            con.execute(f"DROP {kind} IF EXISTS temp.{ident(name)}")


def _read_lines(con: duckdb.DuckDBPyConnection, file: SourceFile, max_line_bytes: int) -> None:
    """Temp table ``_ld_lines(line, text, problem)``: every physical line with its exact number
    (``loaders.lines``), decoded as UTF-8; lines that are not UTF-8, too long or hold U+001F get a problem."""
    discard(con)
    lines = physical_lines(file.path, file.source_file)
    too_long = f"octet_length(raw) > {max_line_bytes}"
    con.register("_ld_arrow", lines)
    try:
        con.execute(
            f"""CREATE TEMP TABLE _ld_lines AS
            SELECT line,
                   CASE WHEN {too_long} THEN left(text, {max_line_bytes}) ELSE text END AS text,
                   CASE WHEN {too_long} THEN {sql_string(reason_line_too_long(max_line_bytes))}
                        WHEN text IS NULL THEN {sql_string(REASON_INVALID_UTF8)}
                        WHEN contains(text, chr(31)) THEN {sql_string(REASON_CONTROL_CHAR)}
                   END AS problem
            FROM (SELECT line, raw, try(decode(raw)) AS text FROM _ld_arrow)"""
        )
        invalid = con.execute(
            f"SELECT line, raw FROM _ld_arrow WHERE try(decode(raw)) IS NULL AND NOT {too_long}"
        ).fetchall()
    finally:
        con.unregister("_ld_arrow")
    if invalid:
        # Quarantine keeps the exact bytes of a line that is not UTF-8, undecodable ones as \xNN escapes.
        con.execute(
            "UPDATE _ld_lines SET text = x.text "
            "FROM (SELECT unnest(?::BIGINT[]) AS line, unnest(?::VARCHAR[]) AS text) x WHERE _ld_lines.line = x.line",
            [[n for n, _ in invalid], [decode_exact(raw) for _, raw in invalid]],
        )


def _build_records(con: duckdb.DuckDBPyConnection, file: SourceFile) -> int:
    """Temp table ``_ld_records(line, text, problem)``; returns the first record's line (CSV header)."""
    blank = "(text IS NULL OR text = '') AND problem IS NULL"
    multiline = (
        file.table.format == "csv"
        and con.execute(
            "SELECT coalesce(bool_or((length(text) - length(replace(text, '\"', ''))) % 2 = 1), false) "
            "FROM _ld_lines WHERE problem IS NULL"
        ).fetchone()[0]
    )
    if not multiline:
        con.execute(f"CREATE TEMP VIEW _ld_records AS SELECT line, text, problem FROM _ld_lines WHERE NOT ({blank})")
    else:
        # c = quotes opened before a line (mod 2: inside a quoted field). Lines with c even start
        # a record; a line with c odd continues the record opened by the last line with c - 1.
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _ld_records AS
            WITH l AS (
                SELECT line, coalesce(text, '') AS text, problem,
                       coalesce((length(text) - length(replace(text, '"', ''))) % 2, 0) AS odd
                FROM _ld_lines
            ),
            w AS (SELECT *, sum(odd) OVER (ORDER BY line) - odd AS c FROM l),
            opening AS (SELECT c, max(line) AS start FROM w WHERE c % 2 = 0 AND odd = 1 GROUP BY c),
            multi AS (
                SELECT o.start, w.line, w.text, w.problem
                FROM w JOIN opening o ON w.c = o.c + (w.c % 2) AND (w.line = o.start OR w.c % 2 = 1)
            )
            SELECT line, text, problem FROM w
            WHERE c % 2 = 0 AND odd = 0 AND NOT (text = '' AND problem IS NULL)
            UNION ALL
            SELECT start, string_agg(text, chr(10) ORDER BY line), min(problem) FROM multi GROUP BY start"""
        )
    first = con.execute("SELECT min(line), count(*) FROM _ld_records").fetchone()
    if first[1] == 0:
        raise EmptyFileError("file has no content (only blank lines)", file=file.source_file)
    return first[0]


def _check_csv(con: duckdb.DuckDBPyConnection, file: SourceFile, header_line: int) -> None:
    """Temp table ``_ld_checked`` for a CSV file, after checking its header."""
    table = file.table
    text, problem = con.execute("SELECT text, problem FROM _ld_records WHERE line = ?", [header_line]).fetchone()
    if problem is not None:
        raise SchemaMismatchError(f"header line is unreadable: {problem}", file=file.source_file, line=header_line)
    if '"' in text and not con.execute(f"SELECT regexp_full_match(?, '{_CSV_RECORD}')", [text]).fetchone()[0]:
        raise SchemaMismatchError(f"header line: {REASON_MALFORMED_QUOTES}", file=file.source_file, line=header_line)
    header = con.execute(f"SELECT {_csv_fields_sql('$1')}", [text]).fetchone()[0]
    positions = match_header(table, header, file.source_file)
    n = len(header)
    values = {c.name: f"f[{p + 1}]" for c, p in zip(table.columns, positions, strict=True)}
    structural = f"""
        SELECT line, text, problem, f,
               CASE WHEN problem IS NOT NULL THEN problem
                    WHEN contains(text, '"') AND NOT regexp_full_match(text, '{_CSV_RECORD}')
                        THEN {sql_string(REASON_MALFORMED_QUOTES)}
                    WHEN len(f) <> {n}
                        THEN concat('wrong column count: expected {n}, found ', len(f))
               END AS struct
        FROM (SELECT *, CASE WHEN problem IS NULL THEN {_csv_fields_sql("text")} END AS f
              FROM _ld_records WHERE line > {header_line})"""
    _validate(con, table, structural, values, nonscalar=None)


def _check_jsonl(con: duckdb.DuckDBPyConnection, file: SourceFile) -> None:
    """Temp table ``_ld_checked`` for a JSON-lines file, after checking its key set.

    Each line is parsed as few times as possible (JSON parsing dominates): one validity
    check, one ``from_json`` into a struct of text values (JSON numbers and booleans as
    their text, ``null`` and absent keys as NULL), one ``json_keys`` for unknown keys;
    ``json_type`` only for values that look like an object or array.
    """
    table = file.table
    known = ", ".join(sql_string(c) for c in table.column_names)
    keys = con.execute(
        f"""SELECT k, min(line) FROM (
               SELECT line,
                      unnest(list_filter(try(json_keys(text)), lambda k: NOT list_contains([{known}], k))) AS k
               FROM _ld_records WHERE problem IS NULL)
           GROUP BY k"""
    ).fetchall()
    check_json_keys(table, dict(keys), file.source_file)
    schema = "{" + ", ".join(f'"{c}": "VARCHAR"' for c in table.column_names) + "}"
    values = {c.name: f"j[{sql_string(c.name)}]" for c in table.columns}
    nonscalar = {
        c.name: f"""(CASE WHEN j[{sql_string(c.name)}][1] IN ('{{', '[')
                     THEN coalesce(json_type(text, {sql_string(f'$."{c.name}"')}) IN ('OBJECT', 'ARRAY'), false)
                     ELSE false END)"""
        for c in table.columns
    }
    structural = f"""
        SELECT line, text, problem, struct,
               CASE WHEN struct IS NULL THEN from_json(text, {sql_string(schema)}) END AS j
        FROM (SELECT *, CASE WHEN problem IS NOT NULL THEN problem
                             WHEN NOT json_valid(text) THEN {sql_string(REASON_INVALID_JSON)}
                             WHEN NOT starts_with(ltrim(text, ' ' || chr(9) || chr(13)), '{{')
                                 THEN {sql_string(REASON_NOT_OBJECT)}
                        END AS struct
              FROM _ld_records)"""
    _validate(con, table, structural, values, nonscalar=nonscalar)


def _validate(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    structural: str,
    values: dict[str, str],
    nonscalar: dict[str, str] | None,
) -> None:
    """Temp table ``_ld_checked(line, raw_line, <typed contract columns>, errors)`` from a query
    giving ``line, text, struct`` (structural problem or NULL) and per-column raw value expressions."""
    norm = [f"{normalized_sql(c, values[c.name])} AS __v{i}" for i, c in enumerate(table.columns)]
    typed = [f"{typed_sql(c, f'__v{i}')} AS __t{i}" for i, c in enumerate(table.columns)]
    errors = ["{'column_name': CAST(NULL AS VARCHAR), 'reason': struct}"]
    for i, c in enumerate(table.columns):
        ns = nonscalar[c.name] if nonscalar else None
        reason = reason_sql(c, f"__v{i}", f"__t{i}", ns)
        errors.append(f"{{'column_name': {sql_string(c.name)}, 'reason': CASE WHEN struct IS NULL THEN {reason} END}}")
    outputs = [f"__t{i} AS {ident(c.name)}" for i, c in enumerate(table.columns)]
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ld_checked AS
        WITH s AS ({structural}),
        v AS (SELECT *, {", ".join(norm)} FROM s),
        t AS (SELECT *, {", ".join(typed)} FROM v)
        SELECT line, CASE WHEN len(errors) > 0 THEN text END AS raw_line, * EXCLUDE (line, text)
        FROM (SELECT line, text, {", ".join(outputs)},
                     list_filter([{", ".join(errors)}], lambda e: e.reason IS NOT NULL) AS errors
              FROM t)"""
    )


def _accepted_values_warnings(con: duckdb.DuckDBPyConnection, file: SourceFile) -> tuple[str, ...]:
    checks = [(c, outside_accepted_values_sql(c, ident(c.name))) for c in file.table.columns]
    checks = [(c, p) for c, p in checks if p is not None]
    if not checks:
        return ()
    aggs = []
    for c, p in checks:
        aggs += [
            f"count(*) FILTER (WHERE {p})",
            f"arg_min(struct_pack(line, v := {ident(c.name)}), line) FILTER (WHERE {p})",
        ]
    row = con.execute(f"SELECT {', '.join(aggs)} FROM _ld_checked WHERE len(errors) = 0").fetchone()
    out = []
    for k, (c, _) in enumerate(checks):
        n, first = row[2 * k], row[2 * k + 1]
        if n:
            msg = (
                f"{file.source_file}: {n} row(s) with {c.name} outside accepted_values "
                f"(first at line {first['line']}: {first['v']!r}); landed, dbt tests will flag them"
            )
            log.warning(msg)
            out.append(msg)
    return tuple(out)
