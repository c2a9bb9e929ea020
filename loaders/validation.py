"""Validation rules derived from the data contract, written once, as DuckDB SQL.

What makes a row *fit the contract* is defined here and nowhere else. ``loaders.reader``
runs these rules in DuckDB for every backend (the BigQuery backend validates locally
before its load jobs), so the checks are vectorised, with no Python loop over rows, and a
file gets the same rows, lines and reasons whatever the warehouse.

Rules, per value (the first failing rule of a column is the one reported):

1. Empty means missing: an empty field (CSV ``,,`` or ``""``), a JSON ``null`` or an
   absent JSON key is NULL. For non-string types surrounding blanks are ignored.
2. ``required: true`` and missing -> ``required value is empty``.
3. JSON object/array where a scalar is expected -> ``expected a scalar value ...``.
4. The text must have the logical type's form (RE2 patterns below) *and* cast to the
   warehouse type:

   - integer: optional sign and 1-19 digits, within 64-bit range. ``12.5`` or ``1e3``
     are refused rather than rounded (a cast alone would round ``12.5`` to ``13``).
   - decimal: optional sign, up to 16 digits, optional point and 1-2 decimals (money is
     DECIMAL(18,2); more decimals would be rounded silently, so they are refused).
   - boolean: ``true/false, t/f, yes/no, y/n, 1/0`` in any letter case.
   - date: ``YYYY-MM-DD`` and a real calendar date.
   - timestamp: ISO-8601 ``YYYY-MM-DD[(T| )hh:mm[:ss[.ffffff]]][Z|(+|-)hh[:mm]]``; naive
     values are UTC, values with an offset are converted to UTC (contract definition).
   - string: any text.

Contract ``accepted_values`` are *not* enforced here: a row with an unexpected enum
value (a new sales channel, say) is type-valid and lands, so revenue never disappears
into quarantine; the loader counts such values as warnings (file, first line) and
dbt's ``accepted_values`` tests fail or warn on them, pointing at
``_source_file``/``_source_line``. Structural problems (bad encoding, wrong column
count, malformed quoting, invalid JSON) make the whole row unreadable: one quarantine
row with no column. Type/required problems give one quarantine row *per failing
column*, so a user sees every problem of a line at once; a row counts once in
``rows_rejected`` however many of its columns failed.

File-level rules (the whole file is refused, nothing lands, ``SchemaMismatchError``): a CSV
header must name exactly the contract's columns (any order); a JSON-lines file may not
carry a key the contract does not define (contract keys may be absent: NULL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from loaders.contract import DUCKDB_TYPES, Column, Table
from loaders.errors import SchemaMismatchError

TRUE_STRINGS = ("true", "t", "yes", "y", "1")
FALSE_STRINGS = ("false", "f", "no", "n", "0")

#: RE2 patterns (full match) that a non-empty, trimmed value must satisfy, per logical type.
PATTERNS: Mapping[str, str] = {
    "integer": r"[+-]?[0-9]{1,19}",
    "decimal": r"[+-]?[0-9]{1,16}(\.[0-9]{1,2})?",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "timestamp": (
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}"  # date
        r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?"  # optional time, seconds, fraction
        r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"  # optional UTC designator or offset
    ),
}

#: What a value of each logical type should look like, for quarantine reasons.
EXPECTED: Mapping[str, str] = {
    "integer": "a whole number",
    "decimal": "a number with at most 2 decimal places",
    "boolean": "true/false",
    "date": "a date YYYY-MM-DD",
    "timestamp": "an ISO-8601 timestamp",
}

#: Longest excerpt of an offending value quoted in a reason (characters).
VALUE_EXCERPT_CHARS = 80

# Reasons for row-level structural problems (no column concerned).
REASON_INVALID_UTF8 = "invalid UTF-8: the file must be UTF-8 encoded"
REASON_CONTROL_CHAR = "line contains the control character U+001F, which no feed may contain"
REASON_MALFORMED_QUOTES = "malformed CSV quoting: a quote inside an unquoted field, or text after a closing quote"
REASON_STRAY_QUOTE = 'malformed CSV quoting: a quote (") inside an unquoted field'
REASON_TEXT_AFTER_QUOTE = 'malformed CSV quoting: text after the closing quote (") of a quoted field'
REASON_UNTERMINATED_QUOTE = (
    'malformed CSV quoting: a quoted field opened on this line is never closed (unterminated quote ")'
)

REASON_INVALID_JSON = "invalid JSON"
REASON_NOT_OBJECT = "not a JSON object"
REASON_REQUIRED = "required value is empty"
REASON_NOT_SCALAR = "expected a scalar value, got a JSON object or array"


def reason_column_count(expected: int, found: int) -> str:
    """Quarantine reason for a CSV record with the wrong number of fields."""
    return f"wrong column count: expected {expected}, found {found}"


def reason_line_too_long(max_bytes: int) -> str:
    """Quarantine reason for a line longer than the reader accepts."""
    return f"line longer than {max_bytes} bytes"


def sql_string(text: str) -> str:
    """A DuckDB SQL string literal of any text (single quotes doubled; DuckDB has no backslash escapes)."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A DuckDB quoted identifier of any name (double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


#: Full-match RE2 predicate of DuckDB.
_FULL_MATCH = "regexp_full_match({expr}, '{pattern}')"
#: ISO-8601 text to a UTC TIMESTAMP or NULL; the connection runs with ``SET TimeZone = 'UTC'``
#: so that TIMESTAMPTZ -> TIMESTAMP is UTC (``loaders.reader`` sets it).
_TIMESTAMP = "CAST(TRY_CAST({expr} AS TIMESTAMPTZ) AS TIMESTAMP)"


def normalized_sql(column: Column, value: str) -> str:
    """SQL for a column's value after rule 1 (empty -> NULL; non-strings trimmed).

    Args:
        column: the contract column.
        value: SQL expression of the raw text value (VARCHAR/STRING, possibly NULL).
    """
    if column.type == "string":
        return f"NULLIF({value}, '')"
    return f"NULLIF(TRIM({value}), '')"


def typed_sql(column: Column, value: str) -> str:
    """SQL converting a normalized text value to the column's warehouse type (NULL if it does not fit).

    Args:
        column: the contract column.
        value: SQL expression of the *normalized* value (see ``normalized_sql``).

    Returns:
        A SQL expression of type ``DUCKDB_TYPES[column.type]``.
    """
    t = column.type
    if t == "string":
        return value
    if t == "boolean":
        trues = ", ".join(sql_string(s) for s in TRUE_STRINGS)
        falses = ", ".join(sql_string(s) for s in FALSE_STRINGS)
        return f"(CASE WHEN LOWER({value}) IN ({trues}) THEN TRUE WHEN LOWER({value}) IN ({falses}) THEN FALSE END)"
    cast = _TIMESTAMP.format(expr=value) if t == "timestamp" else f"TRY_CAST({value} AS {DUCKDB_TYPES[t]})"
    return f"(CASE WHEN {_FULL_MATCH.format(expr=value, pattern=PATTERNS[t])} THEN {cast} END)"


def reason_sql(column: Column, value: str, typed: str, nonscalar: str | None = None) -> str:
    """SQL giving the first rule the value breaks, as reason text, or NULL when the value fits.

    Args:
        column: the contract column.
        value: SQL of the normalized text value.
        typed: SQL of the typed value (``typed_sql``), or a column holding it.
        nonscalar: SQL predicate true when the source value is a JSON object/array (JSON feeds only).

    Returns:
        A SQL string expression, e.g. ``not a valid integer (expected a whole number): "12.5"``.
    """
    whens = []
    if column.required:
        whens.append(f"WHEN {value} IS NULL THEN {sql_string(REASON_REQUIRED)}")
    if nonscalar is not None:
        whens.append(f"WHEN {nonscalar} THEN {sql_string(REASON_NOT_SCALAR)}")
    if column.type != "string":
        prefix = sql_string(f'not a valid {column.type} (expected {EXPECTED[column.type]}): "')
        excerpt = f"SUBSTR({value}, 1, {VALUE_EXCERPT_CHARS})"
        whens.append(f"WHEN {value} IS NOT NULL AND {typed} IS NULL THEN CONCAT({prefix}, {excerpt}, '\"')")
    if not whens:
        return "CAST(NULL AS VARCHAR)"
    return "(CASE " + " ".join(whens) + " END)"


def outside_accepted_values_sql(column: Column, typed: str) -> str | None:
    """SQL predicate true when a present value is not in the column's ``accepted_values``;
    None for columns without a closed list. Used for warnings only (see module docstring)."""
    if not column.accepted_values:
        return None
    values = ", ".join(sql_string(v) for v in column.accepted_values)
    return f"({typed} IS NOT NULL AND {typed} NOT IN ({values}))"


def match_header(table: Table, header: Sequence[str], file: str) -> tuple[int, ...]:
    """Check a CSV header against the contract and map contract columns to file positions.

    Column order in the file may differ from the contract; names must match exactly
    (after stripping surrounding blanks and a UTF-8 byte-order mark).

    Args:
        table: the contract table the file belongs to.
        header: the header fields in file order.
        file: the file's name, for the error message.

    Returns:
        For each contract column in contract order, its 0-based position in the file.

    Raises:
        SchemaMismatchError: missing, extra (unknown) or duplicated columns, naming them
            and the expected header; raised on line 1.
    """
    names = [h.strip().lstrip("\ufeff").strip() for h in header]
    expected = list(table.column_names)
    problems = []
    dupes = sorted({n for n in names if names.count(n) > 1})
    missing = [c for c in expected if c not in names]
    extra = [n for n in names if n not in expected]
    if missing:
        problems.append("missing column(s) " + ", ".join(missing))
    if extra:
        problems.append("unexpected column(s) " + ", ".join(repr(e) for e in extra))
    if dupes:
        problems.append("duplicated column(s) " + ", ".join(dupes))
    if problems:
        raise SchemaMismatchError(
            f"header does not match the contract for {table.fqn}: {'; '.join(problems)}. "
            f"Expected: {','.join(expected)}",
            file=file,
            line=1,
        )
    return tuple(names.index(c) for c in expected)


def check_json_keys(table: Table, unknown_keys_first_line: Mapping[str, int], file: str) -> None:
    """Refuse a JSON-lines file that carries keys the contract does not define.

    A key the contract does not know (a renamed or new field) refuses the file, like an
    unexpected CSV header column. Contract keys may be absent from a line (NULL; a
    required one is then quarantined as empty), as trackers omit null fields.

    Args:
        table: the contract table.
        unknown_keys_first_line: each key found in the file but not in the contract -> first
            line it appears on (empty when every key is known).
        file: the file's name, for the error message.

    Raises:
        SchemaMismatchError: naming the unknown keys, located at the first line of the first one.
    """
    extra = sorted(unknown_keys_first_line, key=lambda k: (unknown_keys_first_line[k], k))
    if extra:
        raise SchemaMismatchError(
            f"keys do not match the contract for {table.fqn}: unexpected key(s) "
            f"{', '.join(repr(k) for k in extra)}. Expected keys: {','.join(table.column_names)}",
            file=file,
            line=unknown_keys_first_line[extra[0]],
        )
