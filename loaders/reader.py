"""Reading and validating a landing file in DuckDB: what every backend calls before landing.

``validate_file(con, file)`` reads one file in the given DuckDB connection and leaves two
temp views there, returned as relations: the rows that fit the contract, typed, and the
quarantine rows of those that do not. The DuckDB backend inserts them into its raw tables
in the same connection; the BigQuery backend validates in an in-memory DuckDB and exports
them for its load jobs. Both targets so get the same rows, physical line numbers and
reasons for a file. All in DuckDB SQL, no Python loop over rows (the one sequential pass,
over lines holding quotes, runs only when a line has an odd number of quotes):

1. Physical lines: ``loaders.lines`` gives every line with its exact 1-based number
   (literal path, gzip checked whole, LF/CRLF/mixed line breaks, byte-order mark); DuckDB
   decodes them, and lines that are not UTF-8, longer than ``MAX_LINE_BYTES`` or holding
   U+001F (the field splitter's separator) are kept with a problem, for quarantine.
2. Records: a CSV record is a line, or several lines when a quoted field that really
   opens holds line breaks (``_csv_records``); a stray or unterminated quote affects only
   its own line; blank lines are skipped. A JSON record is a non-blank line. Every
   physical line is then accounted for exactly once (``_reconcile_lines``).
3. Fields: CSV fields are split by RFC 4180 rules (commas outside double quotes; ``""``
   inside quotes is a quote), records with malformed quoting are quarantined with the
   field and column where the quote is; JSON values are extracted with DuckDB's JSON functions.
4. Validation: the rules of ``loaders.validation`` give each record its typed values and
   its list of (column, reason) problems; PII values are masked in the quarantined line.

Plain CSV files (``loaders.lines.plain_csv``: no quote, no blank line, every line with the
header's field count, gzip checked whole) skip steps 1-3: DuckDB's CSV reader streams their
fields (no copy of the file's lines in memory) into the same step 4, with the same line
numbers, reasons and quarantine text (``_check_plain_csv``). Plain JSON-lines files (no blank
line) have their lines split by DuckDB's reader and are kept when every record fits
(``_check_plain_jsonl``). Every other file, or a plain file DuckDB's reader refuses, takes
the exact path above.

Landing straight from the reader: ``streamed_rows`` gives a plain CSV or JSON-lines file, or a
Parquet file, as one query that reads the file once, judges each record by the same SQL as it
streams and raises at the first record that does not fit. The query carries no line number:
in a plain file record ``k`` is line ``first_line + k``, so the DuckDB backend numbers the rows
by their position once the parallel read has kept them in file order (numbering them in the
query, ``row_number() OVER ()``, would run the whole read on one thread). When it raises, the
backend lands the file through ``validate_file``, so a file with a refused record gets the
quarantine above.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from loaders.contract import Table
from loaders.discovery import SourceFile
from loaders.errors import EmptyFileError, ReconciliationError, SchemaMismatchError, UnreadableFileError
from loaders.lines import PlainFile, decode_exact, physical_lines, plain_csv, plain_jsonl
from loaders.validation import (
    REASON_CONTROL_CHAR,
    REASON_INVALID_JSON,
    REASON_INVALID_UTF8,
    REASON_MALFORMED_QUOTES,
    REASON_NOT_OBJECT,
    REASON_STRAY_QUOTE,
    REASON_TEXT_AFTER_QUOTE,
    REASON_UNTERMINATED_QUOTE,
    check_json_keys,
    fits_sql,
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
# A line that ends inside a quoted field opened where a field starts (a record continues on the next line).
_CSV_OPEN = f'({_CSV_FIELD},)*"([^"]|"")*'
# Lines that start inside a quoted field: staying inside, closing it (the record ends), or closing and opening another.
_CSV_INSIDE = '([^"]|"")*'
_CSV_CLOSE = f'([^"]|"")*"(,{_CSV_FIELD})*'
_CSV_CLOSE_REOPEN = f'([^"]|"")*"(,{_CSV_FIELD})*,"([^"]|"")*'

# Split a record on commas outside quotes: split on '"' (odd pieces are outside quotes),
# turn the commas of outside pieces into U+001F, re-join, split on U+001F, then unquote.
_SPLIT_QUOTED = (
    "list_transform("
    "string_split(array_to_string(list_transform(string_split({rec}, '\"'), "
    "lambda s, i: CASE WHEN i % 2 = 1 THEN replace(s, ',', chr(31)) ELSE s END), '\"'), chr(31)), "
    "lambda f: CASE WHEN f LIKE '\"%\"' THEN replace(f[2:-2], '\"\"', '\"') ELSE f END)"
)


# The same split keeping each field's text as written (quotes included), to rebuild a line.
_SPLIT_WRITTEN = (
    "string_split(array_to_string(list_transform(string_split({rec}, '\"'), "
    "lambda s, i: CASE WHEN i % 2 = 1 THEN replace(s, ',', chr(31)) ELSE s END), '\"'), chr(31))"
)
#: What a PII value becomes in ``raw._quarantine.raw_line``.
PII_MASK = "***"


def _mask_all_sql(text: str) -> str:
    """SQL hiding every letter and digit of ``text`` (punctuation, quotes and commas stay, so
    the line's shape still shows where a quoting or column-count problem is)."""
    return f"regexp_replace({text}, '[\\pL\\pN]', '*', 'g')"


def _masked_csv_sql(text: str, pii_fields: list[int], n_fields: int) -> str:
    """SQL of a CSV record ``text`` with the values of its PII fields (1-based file positions)
    replaced by ``PII_MASK``; a record that does not split into ``n_fields`` fields cannot be
    masked field by field and has every letter and digit hidden. ``text`` itself without PII fields."""
    if not pii_fields:
        return text
    fields = _SPLIT_WRITTEN.format(rec=text)
    positions = ", ".join(str(p) for p in pii_fields)
    masked = (
        f"array_to_string(list_transform({fields}, "
        f"lambda v, i: CASE WHEN i IN ({positions}) AND v NOT IN ('', '\"\"') THEN '{PII_MASK}' ELSE v END), ',')"
    )
    return (
        f"CASE WHEN {text} IS NULL THEN NULL "
        f"WHEN NOT contains({text}, chr(31)) AND len({fields}) = {n_fields} THEN {masked} "
        f"ELSE {_mask_all_sql(text)} END"
    )


def _masked_json_sql(text: str, pii_keys: list[str]) -> str:
    """SQL of a JSON-lines record ``text`` with the values of its PII keys replaced by
    ``PII_MASK`` (the object re-serialised); a line that is not a JSON object has every letter
    and digit hidden. ``text`` itself without PII keys."""
    if not pii_keys:
        return text
    paths = {k: sql_string('$."' + k + '"') for k in pii_keys}
    patch = ", ".join(
        f"{sql_string(k)}, CASE WHEN try(json_extract({text}, {paths[k]})) IS NOT NULL THEN '{PII_MASK}' END"
        for k in pii_keys
    )
    return (
        f"CASE WHEN {text} IS NULL THEN NULL "
        f"WHEN json_valid({text}) AND json_type({text}) = 'OBJECT' "
        f"THEN CAST(try(json_merge_patch({text}, json_object({patch}))) AS VARCHAR) "
        f"ELSE {_mask_all_sql(text)} END"
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
            (``contract.DUCKDB_TYPES``), then ``_extra`` (JSON: a mapped export's kept extra
            columns, else NULL), ordered by line. A view named ``ROWS_VIEW``.
        rejects: one row per problem of a refused record: ``line``, ``column_name`` (NULL
            when the whole record is unreadable), ``reason``, ``raw_line`` (the record's
            text), ordered by line. A view named ``QUARANTINE_VIEW``.
        rows_read: records read (CSV: without the header and blank lines).
        rows_rejected: records refused (a record counts once however many problems it has).
        quarantine_rows: rows of ``rejects``.
        warnings: values outside a column's ``accepted_values`` (landed; see ``loaders.validation``).
        lines_read: physical lines of the file: the CSV header, ``blank_lines`` and the lines
            of the records read (a multi-line record counts all its lines).
        blank_lines: blank lines outside records.
    """

    rows: duckdb.DuckDBPyRelation
    rejects: duckdb.DuckDBPyRelation
    rows_read: int
    rows_rejected: int
    quarantine_rows: int
    warnings: tuple[str, ...]
    lines_read: int = 0
    blank_lines: int = 0

    @property
    def rows_valid(self) -> int:
        """Records that fit the contract (rows_read - rows_rejected)."""
        return self.rows_read - self.rows_rejected


def validate_file(
    con: duckdb.DuckDBPyConnection, file: SourceFile, *, max_line_bytes: int = MAX_LINE_BYTES
) -> ValidatedFile:
    """Read ``file`` in ``con`` and split its records into typed rows and quarantine rows.

    Sets the connection's time zone to UTC (offsets in source timestamps are converted to
    UTC) and keeps its insertion order (rows come out in line order without a sort).
    Replaces the temp objects of an earlier call; ``discard(con)`` drops them.

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
    prepare_connection(con)
    mapped_warnings: tuple[str, ...] = ()
    if file.format == "mapped":  # an export read through a mapping file (loaders.mapping)
        discard(con)
        structural, values, lines_read, mapped_warnings = file.mapped.query(con)
        _validate(con, file.table, structural, values, nonscalar=None, carried=("extra",))
        raw_line, blank_lines = "raw_line", 0
    elif file.format == "parquet":
        discard(con)
        _check_parquet(con, file)
        raw_line = _masked_json_sql("raw_line", [c.name for c in file.table.columns if c.pii])
        lines_read, blank_lines = con.execute("SELECT count(*) FROM _ld_checked").fetchone()[0], 0
    elif (fast := _check_plain(con, file, max_line_bytes)) is not None:
        raw_line, lines_read, blank_lines = fast
    else:
        _read_lines(con, file, max_line_bytes)
        if file.format == "csv":
            raw_line = _check_csv(con, file)
        else:
            _jsonl_records(con, file)
            _check_jsonl(con, file)
            raw_line = _masked_json_sql("raw_line", [c.name for c in file.table.columns if c.pii])
        lines_read, blank_lines = _reconcile_lines(con, file)
    warnings = mapped_warnings + accepted_values_warnings(con, file)
    cols = ", ".join(ident(c) for c in file.table.column_names)
    extra = "CAST(extra AS JSON)" if file.format == "mapped" else "CAST(NULL AS JSON)"
    con.execute(
        # _ld_checked is in line order (records are, and DuckDB keeps insertion order): no sort needed
        f"CREATE TEMP VIEW {ROWS_VIEW} AS SELECT line, {cols}, {extra} AS _extra FROM _ld_checked WHERE len(errors) = 0"
    )
    con.execute(
        f"""CREATE TEMP VIEW {QUARANTINE_VIEW} AS
        SELECT line, e.column_name, e.reason, {raw_line} AS raw_line
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
        lines_read=lines_read,
        blank_lines=blank_lines,
    )


#: Message of the error a streamed plain file raises at its first record that does not fit.
NOT_ALL_FIT = "loaders: a record of this file does not fit the contract"


@dataclass(frozen=True)
class StreamedRows:
    """A plain file's records as one streaming query, for a backend to insert straight from the reader.

    Attributes:
        sql: ``SELECT <contract columns typed, contract order>`` in file order (when the
            connection keeps insertion order), every record judged by the same rules as
            ``validate_file``; the query raises a DuckDB error (``NOT_ALL_FIT`` or the reader's
            own) at the first record that does not fit, so a backend that gets all its rows
            lands exactly what ``validate_file`` would.
        rows_read: records the file holds (the query must give exactly this many rows).
        lines_read: physical lines of the file.
        first_line: the physical line (Parquet: the 1-based row) of the first record; the
            record at 0-based position ``k`` of the query is at ``first_line + k`` (a plain
            file has one record per line and no blank line).
    """

    sql: str
    rows_read: int
    lines_read: int
    first_line: int


def streamed_rows(
    con: duckdb.DuckDBPyConnection, file: SourceFile, *, max_line_bytes: int = MAX_LINE_BYTES
) -> StreamedRows | None:
    """The rows of a plain CSV or JSON-lines file, or a Parquet file, as one streaming query (``StreamedRows``).

    The file is read once by DuckDB's reader (in parallel) and judged as it streams. Only for
    files whose every record fits: a backend runs the query and, when it raises, lands the file
    through ``validate_file``. The connection must run with ``TimeZone = 'UTC'`` and
    ``preserve_insertion_order = true`` (``prepare_connection``), which keeps the rows in file
    order for the backend to number them (``StreamedRows.first_line``).

    Args:
        con: the connection the query will run in (a Parquet file's batches are registered
            there as ``PARQUET_STREAM``; ``release_stream`` unregisters them).
        file: the described file.
        max_line_bytes: longest physical line accepted.

    Returns:
        The query, or None for a file that is not plain (``loaders.lines.plain_csv``,
        ``plain_jsonl``) or mapped, a CSV file whose header does not match, or a Parquet file
        that is unreadable or whose columns do not match.
    """
    table = file.table
    if file.format == "parquet":
        try:
            structural, values, nonscalar = _parquet_query(con, file, PARQUET_STREAM)
            rows = _parquet_rows(file)
        except (UnreadableFileError, SchemaMismatchError):
            release_stream(con)
            return None  # validate_file raises it, with the same message
        checked, rows_read, lines_read, first = _checked_sql(table, structural, values, nonscalar), rows, rows, 1
    elif file.format == "csv":
        found = _plain_csv_query(file, max_line_bytes)
        if found is None:
            return None
        plain, _, structural, values = found
        checked, rows_read, lines_read = _checked_sql(table, structural, values, None), plain.lines - 1, plain.lines
        first = 2
    elif file.format == "jsonl":
        if _GLOB_CHARS.intersection(str(file.path)):
            return None
        plain = plain_jsonl(file.path, max_line_bytes=max_line_bytes)
        if plain is None:
            return None
        known = ", ".join(sql_string(c) for c in table.column_names)
        # a record with a key the contract does not know is not streamed: the exact path refuses the
        # file; json_keys raises on invalid JSON (so does read_ndjson_objects), which is not streamed either
        records = f"""(SELECT CAST(0 AS BIGINT) AS line, json AS text,
                              CASE WHEN len(list_filter(json_keys(json), lambda k: NOT list_contains([{known}], k))) > 0
                                   THEN 'unknown key' END AS problem
                       FROM read_ndjson_objects({sql_string(str(file.path))},
                                                compression = '{"gzip" if plain.gzip else "none"}'))"""
        structural, values, nonscalar = _jsonl_query(table, records, check_valid=False)
        checked, rows_read, lines_read = _checked_sql(table, structural, values, nonscalar), plain.lines, plain.lines
        first = 1
    else:
        return None
    cols = ", ".join(ident(c) for c in table.column_names)
    sql = (
        f"SELECT {cols} FROM ({checked}) "
        f"WHERE CASE WHEN len(errors) = 0 THEN true ELSE error({sql_string(NOT_ALL_FIT)}) END"
    )
    return StreamedRows(sql=sql, rows_read=rows_read, lines_read=lines_read, first_line=first)


#: Name under which ``streamed_rows`` registers a Parquet file's batches.
PARQUET_STREAM = "_ld_parquet_stream"


def release_stream(con: duckdb.DuckDBPyConnection) -> None:
    """Unregister what ``streamed_rows`` registered in ``con`` (nothing for CSV and JSON lines)."""
    con.unregister(PARQUET_STREAM)


def _parquet_rows(file: SourceFile) -> int:
    """Rows of a Parquet file, from its footer.

    Raises:
        UnreadableFileError: not a readable Parquet file.
    """
    import pyarrow.parquet as pq  # only when a Parquet file lands

    try:
        return pq.ParquetFile(file.path).metadata.num_rows
    except (OSError, pa.ArrowException) as e:
        raise UnreadableFileError(f"not a readable Parquet file ({e})", file=file.source_file) from e


def prepare_connection(con: duckdb.DuckDBPyConnection) -> None:
    """Set what reading a file needs: UTC time zone (offsets in source timestamps are converted
    to UTC) and insertion order kept (records come out in line order without a sort)."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = true")


def _reconcile_lines(con: duckdb.DuckDBPyConnection, file: SourceFile) -> tuple[int, int]:
    """Check that every physical line is accounted for exactly once: the CSV header (and blank
    lines before it), a blank line, or one line of exactly one record (loaded or quarantined).

    Returns:
        (physical lines in the file, blank lines outside records).

    Raises:
        ReconciliationError: a line is in no record or in two (nothing is landed).
    """
    total, covered, distinct, blank, first = con.execute(
        """WITH covered AS (SELECT unnest(range(line, last_line + 1)) AS l FROM _ld_checked)
        SELECT (SELECT count(*) FROM _ld_lines), (SELECT count(*) FROM covered),
               (SELECT count(DISTINCT l) FROM covered),
               (SELECT count(*) FROM _ld_lines WHERE coalesce(text, '') = '' AND problem IS NULL
                    AND line NOT IN (SELECT l FROM covered)),
               (SELECT min(line) FROM _ld_lines WHERE coalesce(text, '') <> '' OR problem IS NOT NULL)"""
    ).fetchone()
    header = 1 if file.format == "csv" else 0
    if covered != distinct or total != covered + blank + header:
        raise ReconciliationError(
            f"physical lines do not reconcile: {total} line(s) in the file, {covered} in records "
            f"({covered - distinct} counted twice), {blank} blank, {header} header (first content line {first}); "
            "nothing was landed",
            file=file.source_file,
        )
    return total, blank


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


def _jsonl_records(con: duckdb.DuckDBPyConnection, file: SourceFile) -> None:
    """Temp view ``_ld_records(line, text, problem)`` of a JSON-lines file: its non-blank lines."""
    con.execute(
        "CREATE TEMP VIEW _ld_records AS SELECT line, text, problem FROM _ld_lines "
        "WHERE NOT ((text IS NULL OR text = '') AND problem IS NULL)"
    )
    if not con.execute("SELECT count(*) FROM _ld_records").fetchone()[0]:
        raise EmptyFileError("file has no content (only blank lines)", file=file.source_file)


def _csv_header(con: duckdb.DuckDBPyConnection, file: SourceFile) -> tuple[int, list[str]]:
    """The CSV header: the first non-blank line, a complete record on its own.

    Returns:
        (its line number, its fields).

    Raises:
        EmptyFileError: only blank lines.
        SchemaMismatchError: the header line is unreadable or its quoting is malformed.
    """
    row = con.execute(
        "SELECT line, text, problem FROM _ld_lines WHERE text <> '' OR problem IS NOT NULL ORDER BY line LIMIT 1"
    ).fetchone()
    if row is None:
        raise EmptyFileError("file has no content (only blank lines)", file=file.source_file)
    line, text, problem = row
    if problem is not None:
        raise SchemaMismatchError(f"header line is unreadable: {problem}", file=file.source_file, line=line)
    if '"' in text and not con.execute(f"SELECT regexp_full_match(?, '{_CSV_RECORD}')", [text]).fetchone()[0]:
        raise SchemaMismatchError(f"header line: {REASON_MALFORMED_QUOTES}", file=file.source_file, line=line)
    return line, con.execute(f"SELECT {_csv_fields_sql('$1')}", [text]).fetchone()[0]


def _csv_records(con: duckdb.DuckDBPyConnection, header_line: int, n_fields: int) -> None:
    """Temp table ``_ld_records(line, last_line, text, problem, unterminated)`` of a CSV file's data records.

    A record is one physical line, or several when a quoted field holds line breaks. A line
    opens a multi-line record only if it ends inside a quoted field that was opened where a
    field may start (``_CSV_OPEN``); the record then runs to the first later line that closes
    that field, provided every line between stays inside it, none of them is a complete
    record of ``n_fields`` fields by itself, and the joined record has exactly ``n_fields``
    fields. Otherwise the opening line alone is a record flagged ``unterminated`` and every
    later line is judged on its own: a stray quote, or a quote never closed, affects only
    the line that holds it. Blank lines outside records are skipped.

    The quote state only changes on lines with an odd number of quotes, so the sequential
    pass below visits only lines with quotes, and only when one has an odd count.
    """
    out_commas = _commas_outside_sql("text", first_piece_outside=True)
    in_commas = _commas_outside_sql("text", first_piece_outside=False)
    con.execute(
        f"""CREATE TEMP VIEW _ld_csvlines AS
        SELECT line, text, problem,
               coalesce(length(text) - length(replace(text, '"', '')), 0) AS quotes,
               coalesce((length(text) - length(replace(text, '"', ''))) % 2 = 1, false) AS odd
        FROM _ld_lines WHERE line > {header_line}"""
    )
    has_odd = con.execute("SELECT coalesce(bool_or(odd), false) FROM _ld_csvlines").fetchone()[0]
    spans: list[tuple[int, int]] = []
    unterminated: list[int] = []
    if has_odd:
        # complete: a line that is a well-formed record of n_fields fields by itself (never inside a span)
        quoted = con.execute(
            f"""WITH l AS (
                SELECT *, sum(CASE WHEN NOT odd AND problem IS NULL AND text <> ''
                                        AND (quotes = 0 OR regexp_full_match(text, '{_CSV_RECORD}'))
                                        AND {out_commas} = {n_fields - 1} THEN 1 ELSE 0 END)
                              OVER (ORDER BY line) AS complete_before
                FROM _ld_csvlines WHERE line >= (SELECT min(line) FROM _ld_csvlines WHERE odd)
            )
            SELECT line, odd,
                   odd AND regexp_full_match(text, '{_CSV_OPEN}') AS opens,
                   odd AND regexp_full_match(text, '{_CSV_CLOSE}') AS closes,
                   NOT odd AND (regexp_full_match(text, '{_CSV_INSIDE}')
                                OR regexp_full_match(text, '{_CSV_CLOSE_REOPEN}')) AS stays_inside,
                   {out_commas} AS out_commas, {in_commas} AS in_commas, complete_before
            FROM l WHERE quotes > 0 AND problem IS NULL
            ORDER BY line"""
        ).fetchall()
        spans, unterminated = _quote_spans(quoted, n_fields)
    if not spans and not unterminated:  # every record is one line: no copy of the file's text
        con.execute(
            "CREATE TEMP VIEW _ld_records AS SELECT line, line AS last_line, text, problem, false AS unterminated "
            "FROM _ld_csvlines WHERE NOT (coalesce(text, '') = '' AND problem IS NULL)"
        )
        return
    con.execute(
        "CREATE TEMP TABLE _ld_spans AS SELECT unnest(?::BIGINT[]) AS start, unnest(?::BIGINT[]) AS stop",
        [[a for a, _ in spans], [b for _, b in spans]],
    )
    con.execute(
        """CREATE TEMP TABLE _ld_records AS
        WITH placed AS (
            SELECT l.*, s.start
            FROM _ld_csvlines l LEFT JOIN _ld_spans s ON l.line BETWEEN s.start AND s.stop
        )
        SELECT line, line AS last_line, text, problem, list_contains(?::BIGINT[], line) AS unterminated
        FROM placed WHERE start IS NULL AND NOT (coalesce(text, '') = '' AND problem IS NULL)
        UNION ALL
        SELECT start, max(line), string_agg(coalesce(text, ''), chr(10) ORDER BY line), min(problem), false
        FROM placed WHERE start IS NOT NULL GROUP BY start
        ORDER BY line""",
        [unterminated],
    )


def _quote_spans(quoted: list[tuple], n_fields: int) -> tuple[list[tuple[int, int]], list[int]]:
    """The multi-line records and the unterminated quote lines, from the lines that hold quotes.

    Args:
        quoted: per line with a quote, in line order: (line, odd, opens, closes, stays_inside,
            out_commas, in_commas, complete_before) as computed in ``_csv_records``.
        n_fields: the header's field count.

    Returns:
        ([(first line, last line)] of multi-line records, [lines whose opened quote never closes]).
    """
    spans: list[tuple[int, int]] = []
    unterminated: list[int] = []
    opener: tuple | None = None
    commas = 0
    for row in quoted:
        line, odd, opens, closes, stays_inside, _, in_commas, complete_before = row
        if opener is not None:
            clean = complete_before == opener[7]  # no complete record between the opener and this line
            if odd and closes and clean and 1 + commas + in_commas == n_fields:
                spans.append((opener[0], line))
                opener = None
                continue
            if not odd and stays_inside and clean:
                commas += in_commas
                continue
            unterminated.append(opener[0])  # this line breaks the open field: judge it on its own
            opener = None
        if odd and opens:
            opener, commas = row, row[5]
    if opener is not None:
        unterminated.append(opener[0])
    return spans, unterminated


def _commas_outside_sql(text: str, *, first_piece_outside: bool) -> str:
    """SQL counting the field-separating commas of a line: commas outside quotes, the line
    starting outside a quoted field (``first_piece_outside``) or inside one."""
    outside = "i % 2 = 1" if first_piece_outside else "i % 2 = 0"
    return (
        f"list_sum(list_transform(string_split({text}, '\"'), "
        f"lambda s, i: CASE WHEN {outside} THEN length(s) - length(replace(s, ',', '')) ELSE 0 END))::BIGINT"
    )


def _check_csv(con: duckdb.DuckDBPyConnection, file: SourceFile) -> str:
    """Temp table ``_ld_checked`` for a CSV file, after checking its header.

    Returns:
        SQL masking the PII fields of a record ``raw_line`` (see ``_masked_csv_sql``).
    """
    table = file.table
    header_line, header = _csv_header(con, file)
    positions = match_header(table, header, file.source_file)
    n = len(header)
    _csv_records(con, header_line, n)
    values = {
        c.name: "CAST(NULL AS VARCHAR)" if p is None else f"f[{p + 1}]"
        for c, p in zip(table.columns, positions, strict=True)
    }
    names = "[" + ", ".join(sql_string(h.strip()) for h in header) + "]"
    # Where a quote problem is: the fields before it are the longest run of well-formed "field," at the start.
    prefix = f"regexp_extract(text, '^({_CSV_FIELD},)*')"
    bad_field = f"(1 + {_commas_outside_sql(prefix, first_piece_outside=True)})"
    rest = f"substr(text, length({prefix}) + 1)"
    structural = f"""
        SELECT line, last_line, text, problem, f,
               CASE WHEN problem IS NOT NULL THEN problem
                    WHEN unterminated
                        THEN concat({sql_string(REASON_UNTERMINATED_QUOTE)}, ' (field ', {bad_field}, ')')
                    WHEN contains(text, '"') AND NOT regexp_full_match(text, '{_CSV_RECORD}') THEN concat(
                        CASE WHEN starts_with({rest}, '"') THEN {sql_string(REASON_TEXT_AFTER_QUOTE)}
                             ELSE {sql_string(REASON_STRAY_QUOTE)} END,
                        ' (field ', {bad_field}, ')')
                    WHEN len(f) <> {n}
                        THEN concat('wrong column count: expected {n}, found ', len(f))
               END AS struct,
               CASE WHEN problem IS NULL AND (unterminated
                         OR (contains(text, '"') AND NOT regexp_full_match(text, '{_CSV_RECORD}')))
                    THEN {names}[{bad_field}] END AS struct_column
        FROM (SELECT *, CASE WHEN problem IS NULL THEN {_csv_fields_sql("text")} END AS f FROM _ld_records)"""
    _validate(con, table, structural, values, nonscalar=None)
    pii = [p + 1 for c, p in zip(table.columns, positions, strict=True) if c.pii and p is not None]
    return _masked_csv_sql("raw_line", pii, n)


#: Characters that would make DuckDB's reader take a path as a pattern (paths are literal).
_GLOB_CHARS = frozenset("*?[]{}")


def _plain_csv_query(
    file: SourceFile, max_line_bytes: int
) -> tuple[PlainFile, tuple[int, ...], str, dict[str, str]] | None:
    """The structural query of a plain CSV file for ``_checked_sql``, read by DuckDB's CSV reader
    (every column VARCHAR, strict RFC 4180 options); None when the file is not plain or its
    header does not match the contract (the exact path reports that). Its ``line`` is 0: the
    caller numbers the records by position (record ``k``, 1-based in file order, is line ``k + 1``).

    Args:
        file: the described CSV file.
        max_line_bytes: longest physical line accepted.

    Returns:
        (the ``PlainFile``, contract column -> file position, the query, contract column -> SQL of its raw value).
    """
    if _GLOB_CHARS.intersection(str(file.path)):
        return None
    plain = plain_csv(file.path, max_line_bytes=max_line_bytes)
    if plain is None or plain.lines < 2:
        return None
    table = file.table
    try:
        positions = match_header(table, plain.header, file.source_file)
    except SchemaMismatchError:
        return None  # the exact path raises it, with the same message
    n = len(plain.header)
    fields = [f"__f{i + 1}" for i in range(n)]
    columns = "{" + ", ".join(f"'{f}': 'VARCHAR'" for f in fields) + "}"
    values = {
        c.name: "CAST(NULL AS VARCHAR)" if p is None else fields[p]
        for c, p in zip(table.columns, positions, strict=True)
    }
    # the text of a rejected record: its fields joined by commas (evaluated for rejected records only)
    text = "concat_ws(',', " + ", ".join(f"coalesce({f}, '')" for f in fields) + ")"
    structural = f"""
        SELECT CAST(0 AS BIGINT) AS line, CAST(0 AS BIGINT) AS last_line, {text} AS text,
               CAST(NULL AS VARCHAR) AS struct, CAST(NULL AS VARCHAR) AS struct_column, *
        FROM read_csv({sql_string(str(file.path))}, columns = {columns}, header = true, auto_detect = false,
                      delim = ',', quote = '"', escape = '"', strict_mode = true, null_padding = false,
                      compression = '{"gzip" if plain.gzip else "none"}')"""
    return plain, positions, structural, values


def _check_plain_csv(
    con: duckdb.DuckDBPyConnection, file: SourceFile, max_line_bytes: int
) -> tuple[str, int, int] | None:
    """Temp table ``_ld_checked`` of a *plain* CSV file (``loaders.lines.plain_csv``), read by
    DuckDB's CSV reader instead of line by line; None (nothing created) for any other file.

    In a plain file every physical line after the header is one record of the header's field
    count, so DuckDB's reader (every column VARCHAR, strict RFC 4180 options) gives the same
    fields, and record ``k`` is line ``k + 1``, as the exact path (``_read_lines`` then
    ``_check_csv``). The values then go through the same ``_validate``. A rejected record's
    text is its fields joined by commas: exactly its line, as a plain line holds no quote.
    Whatever DuckDB's reader refuses (invalid UTF-8, say), or a record count that is not the
    line count less the header, falls back to the exact path, which reports it.

    Returns:
        (SQL masking the PII fields of ``raw_line``, physical lines, blank lines = 0), or None.
    """
    found = _plain_csv_query(file, max_line_bytes)
    if found is None:
        return None
    plain, positions, structural, values = found
    table, n = file.table, len(plain.header)
    discard(con)
    try:
        _validate(con, table, structural, values, nonscalar=None, target="_ld_plain")
        if con.execute("SELECT count(*) FROM _ld_plain").fetchone()[0] != plain.lines - 1:
            discard(con)
            return None
    except duckdb.Error:
        discard(con)
        return None
    # records are in file order (insertion order is kept): record k (rowid k - 1) is line k + 1
    con.execute("CREATE TEMP VIEW _ld_checked AS SELECT rowid + 2 AS line, * EXCLUDE (line) FROM _ld_plain")
    pii = [p + 1 for c, p in zip(table.columns, positions, strict=True) if c.pii and p is not None]
    return _masked_csv_sql("raw_line", pii, n), plain.lines, 0


def _check_plain(con: duckdb.DuckDBPyConnection, file: SourceFile, max_line_bytes: int) -> tuple[str, int, int] | None:
    """``_check_plain_csv`` or ``_check_plain_jsonl`` by the file's format."""
    if file.format == "csv":
        return _check_plain_csv(con, file, max_line_bytes)
    return _check_plain_jsonl(con, file, max_line_bytes)


def _check_plain_jsonl(
    con: duckdb.DuckDBPyConnection, file: SourceFile, max_line_bytes: int
) -> tuple[str, int, int] | None:
    """Temp table ``_ld_checked`` of a *plain* JSON-lines file (``loaders.lines.plain_jsonl``)
    whose records all fit the contract, its lines split by DuckDB's reader instead of
    ``_read_lines``; None (nothing created) otherwise, and the exact path decides.

    In a plain file each physical line is one record: DuckDB's ``read_ndjson_objects`` gives
    the lines (blanks around the object trimmed, which no JSON function sees), in order, and
    the same ``_check_jsonl`` judges them. A file with a rejected record falls back to the
    exact path (its quarantine keeps the line as written, blanks included), and so does a
    file DuckDB's reader refuses (invalid JSON) or one with unknown keys (the exact path
    raises the same error); so does a line count that differs.

    Returns:
        (SQL masking the PII keys of ``raw_line``, physical lines, blank lines = 0), or None.
    """
    if _GLOB_CHARS.intersection(str(file.path)):
        return None
    plain = plain_jsonl(file.path, max_line_bytes=max_line_bytes)
    if plain is None:
        return None
    discard(con)
    try:
        compression = "gzip" if plain.gzip else "none"
        con.execute(
            f"""CREATE TEMP TABLE _ld_objects AS SELECT json AS text
            FROM read_ndjson_objects({sql_string(str(file.path))}, compression = '{compression}')"""
        )
        if con.execute("SELECT count(*) FROM _ld_objects").fetchone()[0] != plain.lines:
            discard(con)
            return None
        # records are in file order (insertion order is kept): record k (rowid k - 1) is line k
        con.execute(
            "CREATE TEMP VIEW _ld_records AS SELECT rowid + 1 AS line, text, CAST(NULL AS VARCHAR) AS problem "
            "FROM _ld_objects"
        )
        _check_jsonl(con, file)
        rejected = con.execute("SELECT count(*) FROM _ld_checked WHERE len(errors) > 0").fetchone()[0]
    except (duckdb.Error, SchemaMismatchError):
        discard(con)
        return None
    if rejected:
        discard(con)
        return None
    con.execute("DROP VIEW temp._ld_records")
    con.execute("DROP TABLE temp._ld_objects")
    return _masked_json_sql("raw_line", [c.name for c in file.table.columns if c.pii]), plain.lines, 0


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
    structural, values, nonscalar = _jsonl_query(table, "_ld_records")
    _validate(con, table, structural, values, nonscalar=nonscalar)


def _jsonl_query(table: Table, records: str, *, check_valid: bool = True) -> tuple[str, dict[str, str], dict[str, str]]:
    """The structural query of JSON-lines records for ``_checked_sql``.

    Args:
        table: the contract table.
        records: SQL of a relation ``(line, text, problem)``: one record per line.
        check_valid: judge each record's JSON validity; False when ``records`` already raises
            a DuckDB error for invalid JSON (``json_keys`` does, with the parser ``json_valid`` uses).

    Returns:
        (the query, contract column -> SQL of its raw value, contract column -> SQL predicate true
        when the value is a JSON object or array).
    """
    schema = "{" + ", ".join(f'"{c}": "VARCHAR"' for c in table.column_names) + "}"
    values = {c.name: f"j[{sql_string(c.name)}]" for c in table.columns}
    nonscalar = {
        c.name: f"""(CASE WHEN j[{sql_string(c.name)}][1] IN ('{{', '[')
                     THEN coalesce(json_type(text, {sql_string(f'$."{c.name}"')}) IN ('OBJECT', 'ARRAY'), false)
                     ELSE false END)"""
        for c in table.columns
    }
    valid = f"WHEN NOT json_valid(text) THEN {sql_string(REASON_INVALID_JSON)}" if check_valid else ""
    structural = f"""
        SELECT line, line AS last_line, text, problem, struct, CAST(NULL AS VARCHAR) AS struct_column,
               CASE WHEN struct IS NULL THEN from_json(text, {sql_string(schema)}) END AS j
        FROM (SELECT *, CASE WHEN problem IS NOT NULL THEN problem
                             {valid}
                             WHEN NOT starts_with(ltrim(text, ' ' || chr(9) || chr(13)), '{{')
                                 THEN {sql_string(REASON_NOT_OBJECT)}
                        END AS struct
              FROM {records})"""
    return structural, values, nonscalar


#: Rows per Arrow batch read from a Parquet file (the file is streamed, never read whole).
PARQUET_BATCH_ROWS = 65_536


def _parquet_batches(file: SourceFile) -> pa.RecordBatchReader:
    """The rows of a Parquet file as a stream of Arrow batches with a first column ``__row``
    (1-based row number), read by pyarrow from the literal path.

    Raises:
        UnreadableFileError: the file is not a readable Parquet file.
    """
    import pyarrow.parquet as pq  # only when a Parquet file lands

    try:
        pf = pq.ParquetFile(file.path)
    except (OSError, pa.ArrowException) as e:
        raise UnreadableFileError(f"not a readable Parquet file ({e})", file=file.source_file) from e
    schema = pa.schema([pa.field("__row", pa.int64()), *pf.schema_arrow])

    def batches() -> Iterator[pa.RecordBatch]:
        first = 1
        try:
            for batch in pf.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                rows = pa.array(np.arange(first, first + batch.num_rows, dtype=np.int64))
                first += batch.num_rows
                yield pa.RecordBatch.from_arrays([rows, *batch.columns], schema=schema)
        except (OSError, pa.ArrowException) as e:
            raise UnreadableFileError(
                f"corrupt Parquet data after row {first - 1:,} ({e}); nothing of this file was loaded",
                file=file.source_file,
            ) from e

    return pa.RecordBatchReader.from_batches(schema, batches())


def _parquet_text_sql(col: str, arrow_type: pa.DataType, logical: str) -> tuple[str, str | None, str | None]:
    """How a Parquet column's value is judged: as the text a CSV field would hold.

    Args:
        col: SQL of the column.
        arrow_type: its Parquet (Arrow) type.
        logical: the contract column's logical type.

    Returns:
        (SQL of the value as text, SQL predicate true when the value is a nested object or
        list (or None), SQL predicate true when the value is bytes that are not UTF-8 (or None)).
        Decimals lose trailing zeros after the point (``12.5000`` is ``12.5``); timestamps in
        nanoseconds are read at microsecond precision, as the warehouse holds them; a float
        holding a whole number is that integer for an integer or key column (``3.0`` is ``3``: a
        nullable integer column written by pandas is float).
    """
    if pa.types.is_floating(arrow_type) and logical in ("integer", "key"):
        whole = f"({col} = trunc({col}) AND abs({col}) < 9007199254740992)"
        return (
            f"CASE WHEN {whole} THEN CAST(CAST({col} AS BIGINT) AS VARCHAR) ELSE CAST({col} AS VARCHAR) END",
            None,
            None,
        )
    if pa.types.is_nested(arrow_type):
        return f"CAST({col} AS VARCHAR)", f"({col} IS NOT NULL)", None
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        return f"try(decode({col}))", None, f"({col} IS NOT NULL AND try(decode({col})) IS NULL)"
    if pa.types.is_decimal(arrow_type) and arrow_type.scale > 0:
        text = f"CAST({col} AS VARCHAR)"
        return f"rtrim(rtrim({text}, '0'), '.')", None, None
    if pa.types.is_timestamp(arrow_type) and arrow_type.tz is None:
        return f"CAST(CAST({col} AS TIMESTAMP) AS VARCHAR)", None, None
    return f"CAST({col} AS VARCHAR)", None, None


def _check_parquet(con: duckdb.DuckDBPyConnection, file: SourceFile) -> None:
    """Temp table ``_ld_checked`` for a Parquet file, after checking its column names.

    Each row is a record numbered by its 1-based row number (``line``); every value is judged
    as the text a CSV field would hold (``_parquet_text_sql``), by the same rules, so a Parquet
    column of the wrong type is quarantined value by value like a CSV field. The quarantined
    record's text is the row as a JSON object of those texts.

    Raises:
        UnreadableFileError: not a readable Parquet file.
        SchemaMismatchError: missing, unknown or duplicated columns.
    """
    structural, values, nonscalar = _parquet_query(con, file, "_ld_parquet")
    try:
        _validate(con, file.table, structural, values, nonscalar=nonscalar)
    finally:
        con.unregister("_ld_parquet")


def _parquet_query(
    con: duckdb.DuckDBPyConnection, file: SourceFile, view: str
) -> tuple[str, dict[str, str], dict[str, str]]:
    """The structural query of a Parquet file for ``_checked_sql``, its rows streamed from the
    Arrow batches registered in ``con`` as ``view`` (the caller unregisters it).

    Returns:
        (the query, contract column -> SQL of its value as text, contract column -> SQL predicate
        true when the value is nested).

    Raises:
        UnreadableFileError: not a readable Parquet file.
        SchemaMismatchError: missing, unknown or duplicated columns (nothing registered).
    """
    table = file.table
    reader = _parquet_batches(file)
    names = reader.schema.names[1:]
    positions = match_header(table, names, file.source_file)
    texts, values, nonscalar, not_utf8 = [], {}, {}, []
    for c, p in zip(table.columns, positions, strict=True):
        if p is None:
            values[c.name], nonscalar[c.name] = "CAST(NULL AS VARCHAR)", "false"
            continue
        field = reader.schema.field(p + 1)
        text, nested, invalid = _parquet_text_sql(ident(field.name), field.type, c.type)
        texts.append(f"__p{p} := {text}")
        values[c.name] = f"p.__p{p}"
        nonscalar[c.name] = f"coalesce({nested}, false)" if nested else "false"
        if invalid:
            not_utf8.append(invalid)
    record = "json_object(" + ", ".join(f"{sql_string(c.name)}, {values[c.name]}" for c in table.columns) + ")"
    problem = "NULL"
    if not_utf8:
        problem = f"CASE WHEN {' OR '.join(not_utf8)} THEN {sql_string(REASON_INVALID_UTF8)} END"
    structural = f"""
        SELECT line, line AS last_line, CAST({record} AS VARCHAR) AS text, struct,
               CAST(NULL AS VARCHAR) AS struct_column, p
        FROM (SELECT "__row" AS line, {problem} AS struct, struct_pack({", ".join(texts)}) AS p FROM {view})"""
    con.register(view, reader)
    return structural, values, nonscalar


def _checked_sql(
    table: Table,
    structural: str,
    values: dict[str, str],
    nonscalar: dict[str, str] | None,
    carried: tuple[str, ...] = (),
) -> str:
    """The query judging every record: ``line, raw_line, last_line, struct, struct_column, <typed
    contract columns>, errors`` (``raw_line`` only for records with errors) from a query giving
    ``line, last_line, text, struct`` (structural problem or NULL), ``struct_column`` (the column a
    structural problem is in, or NULL) and per-column raw value expressions; the query's ``carried``
    columns are kept as they are."""
    norm = [f"{normalized_sql(c, values[c.name])} AS __v{i}" for i, c in enumerate(table.columns)]
    typed = [f"{typed_sql(c, f'__v{i}')} AS __t{i}" for i, c in enumerate(table.columns)]
    errors = ["{'column_name': struct_column, 'reason': struct}"]
    fits = ["struct IS NULL"]
    for i, c in enumerate(table.columns):
        ns = nonscalar[c.name] if nonscalar else None
        reason = reason_sql(c, f"__v{i}", f"__t{i}", ns)
        errors.append(f"{{'column_name': {sql_string(c.name)}, 'reason': CASE WHEN struct IS NULL THEN {reason} END}}")
        fits.append(fits_sql(c, f"__v{i}", f"__t{i}", ns))
    # The reasons' text is built only for the records that do not fit (most records fit).
    error_list = (
        f"CASE WHEN {' AND '.join(fits)} THEN []::STRUCT(column_name VARCHAR, reason VARCHAR)[] "
        f"ELSE list_filter([{', '.join(errors)}], lambda e: e.reason IS NOT NULL) END"
    )
    outputs = [f"__t{i} AS {ident(c.name)}" for i, c in enumerate(table.columns)]
    return f"""WITH s AS ({structural}),
        v AS (SELECT *, {", ".join(norm)} FROM s),
        t AS (SELECT *, {", ".join(typed)} FROM v)
        SELECT line, CASE WHEN len(errors) > 0 THEN text END AS raw_line, * EXCLUDE (line, text)
        FROM (SELECT line, last_line, text, {"".join(f"{ident(c)}, " for c in carried)}{", ".join(outputs)},
                     {error_list} AS errors
              FROM t)"""


def _validate(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    structural: str,
    values: dict[str, str],
    nonscalar: dict[str, str] | None,
    target: str = "_ld_checked",
    carried: tuple[str, ...] = (),
) -> None:
    """Temp table ``target(line, raw_line, <typed contract columns>, errors)`` of ``_checked_sql``."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {target} AS {_checked_sql(table, structural, values, nonscalar, carried)}"
    )


def accepted_values_warnings(
    con: duckdb.DuckDBPyConnection, file: SourceFile, rows: str = "(SELECT * FROM _ld_checked WHERE len(errors) = 0)"
) -> tuple[str, ...]:
    """Warnings for landed values outside a column's ``accepted_values``, one per column (logged too).

    Args:
        con: the connection holding ``rows``.
        file: the described file (its table gives the columns).
        rows: SQL of a relation of the file's landed rows: ``line`` and the contract columns, typed.

    Returns:
        One message per column with such values: how many, and the first (line and value).
    """
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
    row = con.execute(f"SELECT {', '.join(aggs)} FROM {rows}").fetchone()
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
