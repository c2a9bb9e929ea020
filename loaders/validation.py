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

   - key: any text without a control character (U+0000-U+001F, U+007F-U+009F, tab
     included), at most 255 characters once surrounding spaces are trimmed (rule 1): ``42``,
     ``INV-2016-152156``, ``gid://shopify/Order/450789469`` and ``85123A`` are keys; a
     whitespace-only key is empty. Keys are compared as text (``042`` is not ``42``).
   - timezone: a name of the IANA tz database as Python's ``zoneinfo`` knows it
     (``Europe/Berlin``, ``America/New_York``, ``UTC``), letter case included; the
     host-specific ``localtime`` and the placeholder ``Factory`` are not zones. An offset
     (``+02:00``), an abbreviation (``CET``) or a misspelling (``Europe/Berlinn``) is refused
     here, where the mapping's ``shop.timezone`` is checked the same way
     (``loaders.mapping.spec``), rather than failing the time zone conversions in dbt.
   - integer: optional sign and digits. ``12.5`` or ``1e3`` are refused rather than
     rounded (a cast alone would round ``12.5`` to ``13``).
   - decimal: optional sign, digits, optional point and 1-2 decimals (money is
     DECIMAL(18,2); more decimals would be rounded silently, so they are refused).
   - rate: the same with 1-9 decimals (an exchange rate, DECIMAL(18,9)).
   - decimal4: the same with 1-4 decimals (unit prices and costs, DECIMAL(18,4)); a fifth
     decimal is refused.
   - boolean: ``true/false, t/f, yes/no, y/n, 1/0`` in any letter case.
   - date: ``YYYY-MM-DD`` and a real calendar date.
   - timestamp: ISO-8601 ``YYYY-MM-DD[(T| )hh:mm[:ss[.ffffff]]][Z|(+|-)hh[:mm]]``; naive
     values are UTC, values with an offset are converted to UTC (contract definition).
   - string: any text.

5. The value must fit the warehouse type (the same ranges in DuckDB and BigQuery), with
   its own reason, so nothing fails later in dbt: an integer within 64 bits
   (BIGINT/INT64), money within DECIMAL(18,2)/NUMERIC(18,2) (at most 16 digits before
   the point), a unit price within DECIMAL(18,4) (at most 14), a key of at most 255
   characters, a UTC offset that exists on Earth (from -12:00 to +14:00, minutes under 60:
   ``+25:00`` or ``+99`` are refused).
6. An integer or decimal value must lie within the column's contract bounds (``min``/``max``,
   inclusive), chosen so that what dbt derives from it (a line amount = quantity x unit
   price) still fits money's DECIMAL(18,2): ``outside the contract bound ...``.

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
from functools import cache
from zoneinfo import available_timezones

from loaders.contract import DECIMAL_SCALES, DUCKDB_TYPES, KEY_MAX_CHARS, Column, Table
from loaders.errors import SchemaMismatchError

TRUE_STRINGS = ("true", "t", "yes", "y", "1")
FALSE_STRINGS = ("false", "f", "no", "n", "0")

#: RE2 character class of the control characters no key may contain (C0, DEL and C1).
KEY_CONTROL_CHARS = r"[\x00-\x1F\x7F-\x9F]"

#: Shown in a quarantine reason in place of a control character of a refused key.
CONTROL_CHAR_MARK = "\ufffd"

#: RE2 patterns (full match) that a non-empty, trimmed value must satisfy, per logical type.
PATTERNS: Mapping[str, str] = {
    "key": "[^" + KEY_CONTROL_CHARS[1:-1] + "]+",
    "timezone": r"[A-Za-z0-9_+/-]+",  # the characters of tz database names; the name list decides
    "integer": r"[+-]?[0-9]+",
    "decimal": rf"[+-]?[0-9]+(\.[0-9]{{1,{DECIMAL_SCALES['decimal']}}})?",
    "decimal4": rf"[+-]?[0-9]+(\.[0-9]{{1,{DECIMAL_SCALES['decimal4']}}})?",
    "rate": rf"[+-]?[0-9]+(\.[0-9]{{1,{DECIMAL_SCALES['rate']}}})?",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "timestamp": (
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}"  # date
        r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?"  # optional time, seconds, fraction
        r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"  # optional UTC designator or offset
    ),
}

#: The timestamp pattern without its UTC designator or offset (a naive value: UTC).
_NAIVE_TIMESTAMP = PATTERNS["timestamp"].rsplit("(Z|", 1)[0]

#: What a value of each logical type should look like, for quarantine reasons.
EXPECTED: Mapping[str, str] = {
    "key": "text without control characters",
    "timezone": "an IANA time zone name such as Europe/Berlin",
    "integer": "a whole number",
    "decimal": "a number with at most 2 decimal places",
    "rate": "a number with at most 9 decimal places",
    "decimal4": "a number with at most 4 decimal places",
    "boolean": "true/false",
    "date": "a date YYYY-MM-DD",
    "timestamp": "an ISO-8601 timestamp",
}

#: Why a value of the right form does not fit the warehouse type (rule 5).
OUT_OF_RANGE: Mapping[str, str] = {
    "integer": "out of range for a 64-bit integer (-9223372036854775808 to 9223372036854775807)",
    "key": f"key longer than {KEY_MAX_CHARS} characters",
    "decimal": "out of range for money, DECIMAL(18,2) (at most 16 digits before the decimal point)",
    "rate": "out of range for a rate, DECIMAL(18,9) (at most 9 digits before the decimal point)",
    "decimal4": "out of range for a unit price, DECIMAL(18,4) (at most 14 digits before the decimal point)",
    "timestamp": "impossible UTC offset (offsets go from -12:00 to +14:00)",
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


#: Names ``available_timezones`` lists that are no time zone: the host's own zone file and tzdata's placeholder.
NOT_ZONES = frozenset({"localtime", "Factory"})


@cache
def iana_zones() -> tuple[str, ...]:
    """The time zone names a ``timezone`` value may take, sorted: Python's tz database
    (``zoneinfo.available_timezones``: the system's, else the ``tzdata`` package) without ``NOT_ZONES``."""
    return tuple(sorted(available_timezones() - NOT_ZONES))


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


def _offset_ok_sql(value: str) -> str:
    """SQL predicate: the ISO-8601 timestamp text ``value`` has no UTC offset, or one from -12:00 to +14:00."""
    off = f"replace(regexp_extract({value}, '[T ][0-9:.]+([+-][0-9]{{2}}(:?[0-9]{{2}})?)$', 1), ':', '')"
    hours = f"TRY_CAST(substr({off}, 2, 2) AS INTEGER)"
    minutes = f"coalesce(TRY_CAST(nullif(substr({off}, 4, 2), '') AS INTEGER), 0)"
    limit = f"CASE WHEN starts_with({off}, '+') THEN 840 ELSE 720 END"
    return f"({off} = '' OR ({minutes} < 60 AND {hours} * 60 + {minutes} <= {limit}))"


def _bound_sql(column: Column, typed: str) -> str | None:
    """SQL predicate: the typed value lies outside the column's contract bounds (None: no bounds)."""
    tests = []
    if column.minimum is not None:
        tests.append(f"{typed} < {column.minimum:f}")
    if column.maximum is not None:
        tests.append(f"{typed} > {column.maximum:f}")
    return "(" + " OR ".join(tests) + ")" if tests else None


def reason_bound(column: Column) -> str:
    """The start of the quarantine reason for a value outside the column's contract bounds."""
    low = "" if column.minimum is None else f"{column.minimum:f}"
    high = "" if column.maximum is None else f"{column.maximum:f}"
    return f"outside the contract bound for {column.name} (min {low or 'none'}, max {high or 'none'})"


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
    form = _FULL_MATCH.format(expr=value, pattern=PATTERNS[t])
    if t == "key":
        return f"(CASE WHEN {form} AND length({value}) <= {KEY_MAX_CHARS} THEN {value} END)"
    if t == "timezone":
        zones = ", ".join(sql_string(z) for z in iana_zones())
        return f"(CASE WHEN {form} AND {value} IN ({zones}) THEN {value} END)"
    if t == "timestamp":
        # a naive value (no Z, no offset) needs no offset check, and is the same TIMESTAMP read directly
        naive = _FULL_MATCH.format(expr=value, pattern=_NAIVE_TIMESTAMP)
        return (
            f"(CASE WHEN {naive} THEN TRY_CAST({value} AS TIMESTAMP) "
            f"WHEN {form} AND {_offset_ok_sql(value)} THEN {_TIMESTAMP.format(expr=value)} END)"
        )
    return f"(CASE WHEN {form} THEN TRY_CAST({value} AS {DUCKDB_TYPES[t]}) END)"


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
        # a PII value is not repeated in clear in the reason (the raw line masks it too)
        excerpt = "'***'" if column.pii else f"SUBSTR({value}, 1, {VALUE_EXCERPT_CHARS})"
        if column.type in ("key", "timezone"):
            # a control character is shown as U+FFFD, so the reason stays one printable line
            excerpt = f"regexp_replace({excerpt}, '{KEY_CONTROL_CHARS}', {sql_string(CONTROL_CHAR_MARK)}, 'g')"
        if column.type in OUT_OF_RANGE:
            in_form = _FULL_MATCH.format(expr=value, pattern=PATTERNS[column.type])
            if column.type == "timestamp":
                in_form += f" AND NOT {_offset_ok_sql(value)}"
            range_reason = sql_string(f'{OUT_OF_RANGE[column.type]}: "')
            out_of_range = f"{value} IS NOT NULL AND {typed} IS NULL AND {in_form}"
            whens.append(f"WHEN {out_of_range} THEN CONCAT({range_reason}, {excerpt}, '\"')")
        prefix = sql_string(f'not a valid {column.type} (expected {EXPECTED[column.type]}): "')
        whens.append(f"WHEN {value} IS NOT NULL AND {typed} IS NULL THEN CONCAT({prefix}, {excerpt}, '\"')")
        if (outside := _bound_sql(column, typed)) is not None:
            bound_reason = sql_string(f'{reason_bound(column)}: "')
            whens.append(f"WHEN {outside} THEN CONCAT({bound_reason}, {excerpt}, '\"')")
    if not whens:
        return "CAST(NULL AS VARCHAR)"
    return "(CASE " + " ".join(whens) + " END)"


def fits_sql(column: Column, value: str, typed: str, nonscalar: str | None = None) -> str:
    """SQL predicate true exactly when ``reason_sql`` of the same arguments is NULL (the value
    fits), without building any reason text: no rule of the module docstring is broken.

    Args:
        column, value, typed, nonscalar: as for ``reason_sql``.
    """
    parts = []
    if column.required:
        parts.append(f"{value} IS NOT NULL")
    if nonscalar is not None:
        parts.append(f"NOT coalesce({nonscalar}, false)")
    if column.type != "string":
        parts.append(f"({value} IS NULL OR {typed} IS NOT NULL)")
        if (outside := _bound_sql(column, typed)) is not None:
            parts.append(f"NOT coalesce({outside}, false)")
    return "(" + " AND ".join(parts) + ")" if parts else "true"


def outside_accepted_values_sql(column: Column, typed: str) -> str | None:
    """SQL predicate true when a present value is not in the column's ``accepted_values``;
    None for columns without a closed list. Used for warnings only (see module docstring)."""
    if not column.accepted_values:
        return None
    values = ", ".join(sql_string(v) for v in column.accepted_values)
    return f"({typed} IS NOT NULL AND {typed} NOT IN ({values}))"


def match_header(table: Table, header: Sequence[str], file: str) -> tuple[int | None, ...]:
    """Check a CSV header against the contract and map contract columns to file positions.

    Column order in the file may differ from the contract; names must match exactly
    (after stripping surrounding blanks and a UTF-8 byte-order mark). A column the contract
    marks ``may_be_absent`` may be missing from the header: its position is None (every
    record has it empty).

    Args:
        table: the contract table the file belongs to.
        header: the header fields in file order.
        file: the file's name, for the error message.

    Returns:
        For each contract column in contract order, its 0-based position in the file, or None
        for an absent ``may_be_absent`` column.

    Raises:
        SchemaMismatchError: missing, extra (unknown) or duplicated columns, naming them
            and the expected header; raised on line 1.
    """
    names = [h.strip().lstrip("\ufeff").strip() for h in header]
    expected = list(table.column_names)
    problems = []
    dupes = sorted({n for n in names if names.count(n) > 1})
    missing = [c.name for c in table.columns if c.name not in names and not c.may_be_absent]
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
    return tuple(names.index(c) if c in names else None for c in expected)


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
