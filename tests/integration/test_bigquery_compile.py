"""Every dbt model compiles for BigQuery offline, and the compiled SQL is BigQuery SQL.

``dbt compile --target bigquery`` runs in-process with:

- a syntactically valid service-account key generated here (random RSA key; dbt-bigquery
  parses it, nothing ever signs a token with it),
- ``--no-populate-cache`` and the adapter's ``get_relation`` answered locally: ``None``
  (first run: every ``is_incremental()`` branch off) or an existing table (second run:
  the incremental branches on), so both versions of each incremental model are checked,
- any BigQuery API call turned into an immediate error (so "offline" is proven, not assumed).

Each compiled model is then parsed by sqlglot's BigQuery dialect and checked for function
names BigQuery does not have (``check_bigquery_sql``): a DuckDB-only function (``epoch_ms``,
``strftime``, ``bool_or``, ``list_value``...) or a DuckDB spelling sqlglot rewrites
(``datediff``, ``arg_max``, ``dayofweek``) fails the test with the model and the name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from unittest import mock

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt"
PROJECT = "offline-project"

#: Function names of BigQuery standard SQL (BigQuery's "Functions, operators, and conditionals"
#: reference) that models may call. A name outside this list fails the check: add one only after
#: checking it in that reference. Grouped as the reference groups them.
BIGQUERY_FUNCTIONS = frozenset(
    """
    ANY_VALUE ARRAY_AGG ARRAY_CONCAT_AGG AVG BIT_AND BIT_OR BIT_XOR COUNT COUNTIF GROUPING LOGICAL_AND LOGICAL_OR
    MAX MAX_BY MIN MIN_BY STRING_AGG SUM APPROX_COUNT_DISTINCT APPROX_QUANTILES APPROX_TOP_COUNT APPROX_TOP_SUM
    CORR COVAR_POP COVAR_SAMP STDDEV STDDEV_POP STDDEV_SAMP VARIANCE VAR_POP VAR_SAMP
    FIRST_VALUE LAST_VALUE NTH_VALUE LEAD LAG PERCENTILE_CONT PERCENTILE_DISC
    CUME_DIST DENSE_RANK NTILE PERCENT_RANK RANK ROW_NUMBER
    CAST SAFE_CAST PARSE_BIGNUMERIC PARSE_NUMERIC
    COALESCE IF IFNULL NULLIF
    ABS SIGN IS_INF IS_NAN IEEE_DIVIDE RAND SQRT POW POWER EXP LN LOG LOG10 GREATEST LEAST DIV SAFE_DIVIDE
    SAFE_MULTIPLY SAFE_NEGATE SAFE_ADD SAFE_SUBTRACT MOD ROUND TRUNC CEIL CEILING FLOOR RANGE_BUCKET CBRT
    COS SIN TAN ACOS ASIN ATAN ATAN2 COSH SINH TANH
    ASCII BYTE_LENGTH CHAR_LENGTH CHARACTER_LENGTH CHR CODE_POINTS_TO_BYTES CODE_POINTS_TO_STRING CONCAT
    CONTAINS_SUBSTR EDIT_DISTANCE ENDS_WITH FORMAT FROM_BASE32 FROM_BASE64 FROM_HEX INITCAP INSTR LEFT LENGTH
    LOWER LPAD LTRIM NORMALIZE NORMALIZE_AND_CASEFOLD OCTET_LENGTH REGEXP_CONTAINS REGEXP_EXTRACT
    REGEXP_EXTRACT_ALL REGEXP_INSTR REGEXP_REPLACE REGEXP_SUBSTR REPEAT REPLACE REVERSE RIGHT RPAD RTRIM
    SAFE_CONVERT_BYTES_TO_STRING SOUNDEX SPLIT STARTS_WITH STRPOS SUBSTR SUBSTRING TO_BASE32 TO_BASE64
    TO_CODE_POINTS TO_HEX TRANSLATE TRIM UNICODE UPPER
    FARM_FINGERPRINT MD5 SHA1 SHA256 SHA512
    CURRENT_DATE DATE DATE_ADD DATE_DIFF DATE_FROM_UNIX_DATE DATE_SUB DATE_TRUNC EXTRACT FORMAT_DATE LAST_DAY
    PARSE_DATE UNIX_DATE GENERATE_DATE_ARRAY
    CURRENT_DATETIME DATETIME DATETIME_ADD DATETIME_DIFF DATETIME_SUB DATETIME_TRUNC FORMAT_DATETIME PARSE_DATETIME
    CURRENT_TIME TIME TIME_ADD TIME_DIFF TIME_SUB TIME_TRUNC FORMAT_TIME PARSE_TIME
    CURRENT_TIMESTAMP TIMESTAMP TIMESTAMP_ADD TIMESTAMP_DIFF TIMESTAMP_SUB TIMESTAMP_TRUNC FORMAT_TIMESTAMP
    PARSE_TIMESTAMP TIMESTAMP_SECONDS TIMESTAMP_MILLIS TIMESTAMP_MICROS UNIX_SECONDS UNIX_MILLIS UNIX_MICROS
    GENERATE_TIMESTAMP_ARRAY
    MAKE_INTERVAL JUSTIFY_DAYS JUSTIFY_HOURS JUSTIFY_INTERVAL
    ARRAY ARRAY_CONCAT ARRAY_LENGTH ARRAY_REVERSE ARRAY_TO_STRING GENERATE_ARRAY OFFSET SAFE_OFFSET ORDINAL
    SAFE_ORDINAL UNNEST STRUCT
    JSON_EXTRACT JSON_EXTRACT_SCALAR JSON_EXTRACT_ARRAY JSON_QUERY JSON_QUERY_ARRAY JSON_VALUE JSON_VALUE_ARRAY
    TO_JSON TO_JSON_STRING PARSE_JSON JSON_TYPE
    ERROR SESSION_USER GENERATE_UUID
    """.split()  # noqa: SIM905 - a readable word list, grouped like BigQuery's reference
)

#: Spellings sqlglot normalises to another BigQuery name although BigQuery accepts both.
BIGQUERY_SYNONYMS = frozenset({"CEILING", "POW", "SUBSTRING", "CHARACTER_LENGTH", "CURRENT_DATE", "CURRENT_TIMESTAMP"})


def call_names(sql: str) -> list[str]:
    """Upper-cased names written immediately before ``(`` (function calls), skipping
    qualified names (``dataset.udf(``), as BigQuery's tokenizer sees them."""
    tokens = sqlglot.tokenize(sql, read="bigquery")
    out = []
    for i, tok in enumerate(tokens[:-1]):
        if tokens[i + 1].token_type != TokenType.L_PAREN or tok.token_type != TokenType.VAR:
            continue
        if i and tokens[i - 1].token_type == TokenType.DOT:
            continue
        out.append(tok.text.upper())
    return out


def check_bigquery_sql(sql: str) -> list[str]:
    """Problems that make ``sql`` not BigQuery SQL; empty when it passes.

    Args:
        sql: compiled SQL of one model (one or more statements).

    Returns:
        Human-readable problems: a sqlglot parse error, a function unknown to sqlglot's
        BigQuery dialect, a function missing from ``BIGQUERY_FUNCTIONS``, or a function
        sqlglot rewrites to another name when generating BigQuery SQL (a foreign spelling).
    """
    try:
        trees = [t for t in sqlglot.parse(sql, read="bigquery") if t is not None]
    except sqlglot.errors.ParseError as e:
        return [f"not parseable as BigQuery SQL: {str(e).splitlines()[0]}"]
    problems = []
    for tree in trees:
        for node in tree.find_all(exp.Anonymous):
            if node.name.upper() not in BIGQUERY_FUNCTIONS:
                problems.append(f"function {node.name}() is unknown to BigQuery")
    written = call_names(sql)
    regenerated = set(call_names(";\n".join(t.sql(dialect="bigquery") for t in trees)))
    for name in sorted(set(written)):
        if name not in BIGQUERY_FUNCTIONS:
            problems.append(f"function {name}() is not in BigQuery's function reference")
        elif name not in regenerated and name not in BIGQUERY_SYNONYMS:
            problems.append(f"function {name}() is not BigQuery's spelling (sqlglot rewrites it)")
    return sorted(set(problems))


def write_fake_service_account_key(path: Path) -> Path:
    """A service-account key file with a freshly generated 2048-bit RSA key: valid to parse, useless to sign in."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": PROJECT,
                "private_key_id": "0" * 40,
                "private_key": pem,
                "client_email": f"dbt-offline@{PROJECT}.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    return path


def compile_offline(target_path: Path, *, incremental: bool, select: Iterable[str] = ()) -> Path:
    """Run ``dbt compile --target bigquery`` in-process without any network.

    Args:
        target_path: dbt's target directory for this compile.
        incremental: whether existing relations are reported (``is_incremental()`` true).
        select: optional ``--select`` arguments.

    Returns:
        The directory of compiled models (``<target>/compiled/<project>/models``).

    Raises:
        AssertionError: dbt failed (its exception is in the message).
    """
    from dbt.adapters.bigquery.impl import BigQueryAdapter
    from dbt.adapters.bigquery.relation import BigQueryRelation
    from dbt.cli.main import dbtRunner
    from google.cloud.bigquery.client import Client

    def offline(*args, **kwargs):
        raise RuntimeError("a BigQuery API call was attempted during the offline compile")

    def get_relation(self, database, schema, identifier):
        if not incremental:
            return None
        return BigQueryRelation.create(database=database, schema=schema, identifier=identifier, type="table")

    args = ["compile", "--target", "bigquery", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    args += ["--target-path", str(target_path), "--no-populate-cache", "--exclude", "resource_type:unit_test"]
    args += ["--quiet"]
    if select:
        args += ["--select", *select]
    with (
        mock.patch.object(Client, "_call_api", offline),
        mock.patch.object(BigQueryAdapter, "get_relation", get_relation),
    ):
        result = dbtRunner().invoke(args)
    assert result.success, f"dbt compile --target bigquery failed offline: {result.exception}"
    return target_path / "compiled" / "ecommerce_warehouse" / "models"


@pytest.fixture(scope="module")
def bigquery_env(tmp_path_factory):
    """Environment of the profile's bigquery target with a throwaway key."""
    key = write_fake_service_account_key(tmp_path_factory.mktemp("key") / "service-account.json")
    env = {
        "BIGQUERY_AUTH_METHOD": "service-account",
        "BIGQUERY_KEYFILE": str(key),
        "GCP_PROJECT_ID": PROJECT,
        "DBT_LOG_PATH": str(tmp_path_factory.mktemp("dbt_logs")),
        "PII_SALT": "offline-compile-salt",
    }
    with mock.patch.dict("os.environ", env):
        yield env


@pytest.fixture(scope="module")
def first_run(bigquery_env, tmp_path_factory) -> Path:
    return compile_offline(tmp_path_factory.mktemp("bq_first"), incremental=False)


@pytest.fixture(scope="module")
def incremental_run(bigquery_env, tmp_path_factory) -> Path:
    return compile_offline(
        tmp_path_factory.mktemp("bq_incremental"), incremental=True, select=["config.materialized:incremental"]
    )


def _compiled(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(models, data tests) compiled under ``root``: path -> SQL. Tests sit under ``<yml>/``."""
    models, tests = {}, {}
    for p in sorted(root.rglob("*.sql")):
        rel = p.relative_to(root).as_posix()
        (tests if ".yml/" in rel else models)[rel] = p.read_text()
    return models, tests


def test_every_model_compiles_offline_and_is_bigquery_sql(first_run):
    sources = sorted(p.relative_to(DBT_DIR / "models").as_posix() for p in (DBT_DIR / "models").rglob("*.sql"))
    compiled, tests = _compiled(first_run)
    assert sorted(compiled) == sources  # every model compiled, nothing left out
    assert tests, "the data tests compile too"
    problems = {name: check_bigquery_sql(sql) for name, sql in {**compiled, **tests}.items()}
    assert {k: v for k, v in problems.items() if v} == {}
    # Relations are fully qualified BigQuery names in the offline project.
    assert any(f"`{PROJECT}`." in sql for sql in compiled.values())


def test_tests_on_partition_filtered_tables_filter_the_partition(first_run):
    _, tests = _compiled(first_run)
    guard = "(`order_date` is null or `order_date` is not null)"
    on_items = {k: v for k, v in tests.items() if "fct_order_items" in k.rsplit("/", 1)[-1]}
    on_orders = {k: v for k, v in tests.items() if "_fct_orders_" in k.rsplit("/", 1)[-1]}
    assert on_items and all(guard in sql for sql in on_items.values())
    assert on_orders and not any(guard in sql for sql in on_orders.values())  # no require_partition_filter


def test_incremental_branches_compile_and_are_bigquery_sql(incremental_run):
    compiled, _ = _compiled(incremental_run)
    incremental_sources = [
        p.relative_to(DBT_DIR / "models").as_posix()
        for p in (DBT_DIR / "models").rglob("*.sql")
        if re.search(r"materialized\s*=\s*['\"]incremental|incremental_(by_day|from_day|by_key)\(", p.read_text())
    ]
    assert sorted(compiled) == sorted(incremental_sources) and compiled
    # The window is BigQuery's partition-pruning form: dbt-bigquery's _dbt_max_partition constant
    # (tables not partitioned by day, one row per key, read their latest day instead).
    partitioned = {
        k: v for k, v in compiled.items() if "incremental_by_key(" not in (DBT_DIR / "models" / k).read_text()
    }
    assert all("_dbt_max_partition" in sql for sql in partitioned.values())
    problems = {name: check_bigquery_sql(sql) for name, sql in compiled.items()}
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select epoch_ms(x) from t", "function epoch_ms() is unknown to BigQuery"),
        ("select strftime(x, '%Y') from t", "function strftime() is unknown to BigQuery"),
        ("select list_value(1, 2)", "function list_value() is unknown to BigQuery"),
        ("select bool_or(x) from t", "function BOOL_OR() is not in BigQuery's function reference"),
        ("select median(x) from t", "function MEDIAN() is not in BigQuery's function reference"),
        ("select datediff('day', a, b) from t", "function DATEDIFF() is not in BigQuery's function reference"),
        ("select dayofweek(d) from t", "function DAYOFWEEK() is not in BigQuery's function reference"),
        ("select x from t where", "not parseable as BigQuery SQL"),
    ],
)
def test_check_catches_non_bigquery_sql(sql, expected):
    assert any(p.startswith(expected) for p in check_bigquery_sql(sql)), check_bigquery_sql(sql)


def test_check_accepts_bigquery_sql():
    sql = """
        select date_trunc(d, month) as m, timestamp_diff(a, b, second) as s, logical_or(f) as any_f,
               safe_cast(x as int64) as i, to_hex(sha256(e)) as h, countif(f) as n, split(p, '/')[safe_offset(0)] as p0
        from `p.d.t` where regexp_contains(e, r'^a') group by 1, 2, 4, 5, 7 qualify row_number() over () = 1
    """
    assert check_bigquery_sql(sql) == []
