"""One answer on both engines: every model of one small generated shop, row for row, on DuckDB and on BigQuery.

Both sides build the same landing zone, generated once per module into a temporary directory
(``small_shop``: ``python -m generator`` with 400 orders, two stores selling in USD and EUR with
EUR->USD rates, refunds, one month of clickstream; seed and dates pinned). Its rates are rounded to
``FX_RATE_DECIMALS`` decimals first: the emulator keeps NUMERIC at 3 decimals, so a rate with more
would make every converted (reporting) amount differ for that reason alone. The DuckDB side is its
own build of that shop (the loader CLI and ``dbt build`` into a temporary ``DUCKDB_PATH``). The
BigQuery side is the same files through the loaders' BigQuery backend and ``dbt seed`` +
``dbt run --target bigquery`` on bqemulator (``gcp_emulators.emulated_bigquery_project``), or on
a real project with ``make bq-smoke``.

Every model's rows are compared as unordered multisets after normalising each column to an
engine-independent form (integers, decimals by value, floats bit for bit, timestamps as UTC,
dates, strings, booleans); a column whose kind differs (a decimal on one engine, a float on the
other) is a difference too. ``EXCEPTIONS`` is the one list of models that are not compared, or
are known to differ, each with its reason and its plan; a model listed as differing that becomes
identical fails the check too, so the list cannot go stale. A control shows the comparison fails
on one cent, one row or one column type changed. The macros whose SQL differs by engine
(``divide_money``, ``format_timestamp_iso``, ``shop_date`` around DST) are compiled for each
engine and run on both against values computed by hand.

What a match on the emulator proves: the project's SQL, translated to DuckDB by the emulator,
gives the same rows as the DuckDB target. It does not prove BigQuery's own semantics (the emulator
keeps NUMERIC at 3 decimals, ignores partitioning and contracts): ``make bq-smoke`` runs the same
comparison against a real project (dbt/README_BIGQUERY.md).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import duckdb
import pytest
import sqlglot
from analytics_warehouse import dbt_env, run
from gcp_emulators import (
    DBT,
    DBT_DIR,
    EMULATED_BUCKET,
    EMULATION_VARS,
    EMULATOR_EXCLUDES,
    create_events_stream_table,
    emulated_bigquery_project,
)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]

#: The small shop both engines build: ``python -m generator`` arguments (seed and dates pinned).
SHOP_ARGS = (
    "--orders", "400", "--stores", "2", "--currencies", "USD,EUR", "--seed", "42",
    "--start", "2025-10-01", "--end", "2025-12-31", "--events-months", "1", "--products", "40",
    "--threads", "1",
)  # fmt: skip
#: Decimals the shop's fx rates are rounded to (half-even, with Decimal) before either engine loads
#: them: bqemulator keeps NUMERIC at 3 decimals (its DuckDB DECIMAL(38, 3)), so a rate with more
#: decimals is cut on the emulator only, and every EUR amount converted to the reporting currency
#: would differ between the engines for that reason alone.
FX_RATE_DECIMALS = 3


@dataclass(frozen=True)
class ExceptedModel:
    """A model left out of the row-for-row requirement.

    ``kind``: ``"not built"`` (valid BigQuery the emulator cannot run; the model must be absent from
    the emulated build) or ``"differs"`` (built on both and known to differ; it must still differ).
    ``where``: the BigQuery sides it applies to (``"emulator"``, ``"bigquery"``).
    """

    kind: str
    reason: str
    plan: str
    where: tuple[str, ...] = ("emulator", "bigquery")


#: The one list of models not held to "identical row for row", with the reason and the plan.
#: An entry needs kind "not built" (valid BigQuery the emulator cannot run) or "differs" (built on
#: both, known to differ), and where.
_PREDICTION_MART = ExceptedModel(
    kind="not built",
    reason="BigQuery ML (CREATE MODEL ... ARIMA_PLUS, ML.FORECAST) and the prediction step's tables: the "
    "emulator runs neither; the SQL is compiled and checked offline by test_predictions_bigquery_compile.py",
    plan="compare on a real project with `make bq-smoke` (predictions are fitted per engine, so compare "
    "the forecast's shape and the CLV inputs, not the fitted values)",
    where=("emulator",),
)
EXCEPTIONS: dict[str, ExceptedModel] = {
    "dim_customer_clv": _PREDICTION_MART,
    "fct_revenue_forecast_daily": _PREDICTION_MART,
}

#: Columns left out of every comparison: ``_loaded_at`` is when the loader wrote the row (two
#: loads of the same files differ by their clock), not data.
IGNORED_COLUMNS = frozenset({"_loaded_at"})


# ------------------------------------------------------------------ comparison


def _column_kind(duckdb_type: str) -> str:
    """Engine-independent kind of a column from its DuckDB type name."""
    t = duckdb_type.upper()
    if t in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}:
        return "integer"
    if t.startswith("DECIMAL") and t.replace(" ", "").endswith(",0)"):
        return "integer"  # the emulator returns some INT64 sums as DECIMAL(38,0)
    if t.startswith("DECIMAL"):
        return "decimal"
    if t in {"DOUBLE", "FLOAT", "REAL"}:
        return "float"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    if t in {"VARCHAR", "DATE", "BOOLEAN"}:
        return {"VARCHAR": "string"}.get(t, t.lower())
    return t.lower()


def _normalised(name: str, duckdb_type: str) -> str:
    """SQL of one column in its normal form: the same value gives the same SQL value on both engines."""
    col = f'"{name}"'
    kind = _column_kind(duckdb_type)
    if kind == "integer":
        return f"cast({col} as hugeint) as {col}"
    if kind == "decimal":
        return f"cast({col} as decimal(38, 9)) as {col}"
    if kind == "float":
        return f"cast({col} as double) as {col}"
    if kind == "timestamp" and "TIME ZONE" in duckdb_type.upper():
        return f"timezone('UTC', {col}) as {col}"
    if kind == "timestamp":
        return f"cast({col} as timestamp) as {col}"
    return col


@dataclass
class Comparison:
    """Rows of one model on both engines: counts, rows found only on one side, column mismatches."""

    model: str
    duckdb_rows: int
    bigquery_rows: int
    only_duckdb: int
    only_bigquery: int
    column_mismatches: list[str]
    sample: list[str]

    @property
    def identical(self) -> bool:
        return not self.column_mismatches and self.only_duckdb == 0 and self.only_bigquery == 0


def compare_relations(con: duckdb.DuckDBPyConnection, model: str, duckdb_sql: str, bigquery_sql: str) -> Comparison:
    """Compare two relations as unordered multisets of normalised rows.

    Args:
        con: DuckDB connection that can read both relations.
        model: name used in the result.
        duckdb_sql, bigquery_sql: ``FROM``-clause SQL of the DuckDB build's relation and of the
            BigQuery build's rows (a table, a parquet scan, a registered Arrow table).

    Returns:
        The Comparison; ``sample`` holds up to 3 rows found on one side only, for the message.
    """
    describe = "select column_name, column_type from (describe select * from {})"
    left = {c: t for c, t in con.execute(describe.format(duckdb_sql)).fetchall() if c not in IGNORED_COLUMNS}
    right = {c: t for c, t in con.execute(describe.format(bigquery_sql)).fetchall() if c not in IGNORED_COLUMNS}
    mismatches = [f"{c}: only on DuckDB" for c in left if c not in right]
    mismatches += [f"{c}: only on BigQuery" for c in right if c not in left]
    common = [c for c in left if c in right]
    mismatches += [
        f"{c}: {left[c]} on DuckDB, {right[c]} on BigQuery"
        for c in common
        if _column_kind(left[c]) != _column_kind(right[c])
    ]
    lsel = ", ".join(_normalised(c, left[c]) for c in common)
    rsel = ", ".join(_normalised(c, right[c]) for c in common)
    con.execute(f"create or replace temp table _l as select {lsel} from {duckdb_sql}")
    con.execute(f"create or replace temp table _r as select {rsel} from {bigquery_sql}")
    n_left = con.execute("select count(*) from _l").fetchone()[0]
    n_right = con.execute("select count(*) from _r").fetchone()[0]
    only_l = con.execute("select * from (select * from _l except all select * from _r) limit 3").fetchall()
    only_r = con.execute("select * from (select * from _r except all select * from _l) limit 3").fetchall()
    n_only_l = con.execute("select count(*) from (select * from _l except all select * from _r)").fetchone()[0]
    n_only_r = con.execute("select count(*) from (select * from _r except all select * from _l)").fetchone()[0]
    sample = [f"DuckDB only: {r}" for r in only_l[:2]] + [f"BigQuery only: {r}" for r in only_r[:2]]
    return Comparison(model, n_left, n_right, n_only_l, n_only_r, mismatches, sample)


def comparison_table(results: list[Comparison]) -> str:
    """The per-model comparison as a Markdown table (model, rows on each side, rows on one side only, verdict)."""
    lines = [
        "| model | rows DuckDB | rows BigQuery | only DuckDB | only BigQuery | result |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        verdict = (
            "identical"
            if r.identical
            else "differs" + (f" ({'; '.join(r.column_mismatches)})" if r.column_mismatches else "")
        )
        lines.append(
            f"| {r.model} | {r.duckdb_rows} | {r.bigquery_rows} | {r.only_duckdb} | {r.only_bigquery} | {verdict} |"
        )
    return "\n".join(lines)


def check_against_exceptions(results: dict[str, Comparison], models: list[str], side: str) -> list[str]:
    """Problems of a comparison run with respect to ``EXCEPTIONS`` (empty = the check passes).

    Args:
        results: comparisons of the models built on both sides, by model name.
        models: every model of the project.
        side: ``"emulator"`` or ``"bigquery"``.
    """
    problems = []
    for model in models:
        exc = EXCEPTIONS.get(model)
        exc = exc if exc is not None and side in exc.where else None
        r = results.get(model)
        if exc is not None and exc.kind == "not built":
            if r is not None:
                problems.append(f"{model}: listed as not built on the {side} but it was built; compare it")
            continue
        if r is None:
            problems.append(f"{model}: not built on the {side} and not listed in EXCEPTIONS")
        elif exc is None and not r.identical:
            problems.append(
                f"{model}: differs (DuckDB {r.duckdb_rows} rows, BigQuery {r.bigquery_rows}, only DuckDB "
                f"{r.only_duckdb}, only BigQuery {r.only_bigquery}; {r.column_mismatches}) e.g. {r.sample}"
            )
        elif exc is not None and r.identical:
            problems.append(f"{model}: identical now; remove it from EXCEPTIONS")
    return problems


# ------------------------------------------------------------------ the two builds


def _project_models(manifest_path: Path) -> dict[str, tuple[str, str]]:
    """Every model of the manifest: name -> (schema, relation name)."""
    nodes = json.loads(manifest_path.read_text())["nodes"].values()
    return {n["name"]: (n["schema"], n["alias"]) for n in nodes if n["resource_type"] == "model"}


def round_fx_rates(landing: Path, decimals: int = FX_RATE_DECIMALS) -> int:
    """Round the ``rate`` of every ``finance/fx_rates`` CSV under ``landing`` in place (Decimal,
    half-even). Returns how many rates changed."""
    step = Decimal(1).scaleb(-decimals)
    changed = 0
    for path in sorted((landing / "finance" / "fx_rates").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            rows = list(reader)
        for row in rows:
            rounded = str(Decimal(row["rate"]).quantize(step, rounding=ROUND_HALF_EVEN))
            changed += Decimal(rounded) != Decimal(row["rate"])
            row["rate"] = rounded
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return changed


@pytest.fixture(scope="module")
def small_shop(tmp_path_factory) -> Path:
    """The landing zone both engines build: the generator's small two-store, two-currency shop
    (``SHOP_ARGS``), its fx rates rounded to ``FX_RATE_DECIMALS`` decimals."""
    landing = tmp_path_factory.mktemp("cross_engine_shop")
    run([sys.executable, "-m", "generator", "--out", str(landing), *SHOP_ARGS], dbt_env(landing), cwd=REPO)
    assert round_fx_rates(landing) > 0  # the generated rates have more decimals: the rounding is needed
    return landing


@pytest.fixture(scope="module")
def duckdb_sample(small_shop, tmp_path_factory) -> Path:
    """The small shop on DuckDB: the loader CLI, then ``dbt build`` (models, seeds, data tests; the
    unit tests do not read the data) into this module's own ``warehouse.duckdb``."""
    workdir = tmp_path_factory.mktemp("cross_engine_duckdb")
    env = dbt_env(workdir)
    load = [sys.executable, "-m", "loaders", "load", "--target", "duckdb", "--source-dir", str(small_shop)]
    run([*load, "--quiet"], env)
    run([str(DBT), "build", "--quiet", "--exclude", "resource_type:unit_test"], env)
    return workdir / "warehouse.duckdb"


@pytest.fixture(scope="module")
def emulated_sample(small_shop, tmp_path_factory):
    """The small shop built on bqemulator (loaders, dbt seed, dbt run), each model exported to Parquet.

    Yields a dict: ``emu`` (the running EmulatedProject), ``models`` (name -> (schema, alias) of
    every project model), ``exports`` (name -> Parquet glob of each model built on the emulator).
    """
    from loaders.api import load_directory

    workdir = tmp_path_factory.mktemp("cross_engine_bigquery")
    with emulated_bigquery_project(workdir) as emu:
        report = load_directory(small_shop, target="bigquery")
        assert report.ok, report
        create_events_stream_table(emu.client(), emu.project)  # empty: the shop lands as files
        emu.dbt("seed", "--target", "bigquery")
        emu.dbt("run", "--target", "bigquery", "--exclude", *EMULATOR_EXCLUDES, "--vars", json.dumps(EMULATION_VARS))
        models = _project_models(workdir / "target" / "manifest.json")
        run_results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
        built = {r["unique_id"].split(".")[-1] for r in run_results if r["status"] == "success"}
        client = emu.client()
        exports = {}
        for name in sorted(built & set(models)):
            schema, alias = models[name]
            uri = f"gs://{EMULATED_BUCKET}/cross_engine/{name}/part-*.parquet"
            client.query(
                f"EXPORT DATA OPTIONS (uri = '{uri}', format = 'PARQUET', overwrite = true) "
                f"AS SELECT * FROM `{emu.project}.{schema}.{alias}`"
            ).result()
            exports[name] = emu.gcs_root / EMULATED_BUCKET / "cross_engine" / name / "part-*.parquet"
        yield {"emu": emu, "models": models, "exports": exports}


@pytest.fixture(scope="module")
def emulated_comparison(duckdb_sample, emulated_sample) -> dict[str, Comparison]:
    """Every model built on both engines compared (name -> Comparison)."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"attach '{duckdb_sample}' as wh (read_only)")
    results = {}
    for name, path in emulated_sample["exports"].items():
        schema, alias = emulated_sample["models"][name]
        results[name] = compare_relations(con, name, f'wh."{schema}"."{alias}"', f"read_parquet('{path}')")
    return results


# ------------------------------------------------------------------ the check


def test_every_model_is_identical_on_duckdb_and_emulated_bigquery(emulated_sample, emulated_comparison):
    results = emulated_comparison
    table = comparison_table([results[m] for m in sorted(results)])
    print("\n" + table)
    problems = check_against_exceptions(results, sorted(emulated_sample["models"]), "emulator")
    assert not problems, "\n".join(problems) + "\n\n" + table


def test_the_comparison_fails_on_a_deliberate_divergence(duckdb_sample, emulated_sample, emulated_comparison):
    """Control: a model that matches stops matching when one cent, one row or one timestamp's text changes."""
    assert emulated_comparison["fct_orders"].identical
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"attach '{duckdb_sample}' as wh (read_only)")
    path = emulated_sample["exports"]["fct_orders"]
    one_cent = (
        f"(select * replace (case when order_id = (select min(order_id) from read_parquet('{path}')) "
        f"then net_sales_amount + 0.01 else net_sales_amount end as net_sales_amount) from read_parquet('{path}'))"
    )
    r = compare_relations(con, "fct_orders", "wh.marts.fct_orders", one_cent)
    assert (r.only_duckdb, r.only_bigquery, r.identical) == (1, 1, False)
    one_more = f"(select * from read_parquet('{path}') union all (select * from read_parquet('{path}') limit 1))"
    r = compare_relations(con, "fct_orders", "wh.marts.fct_orders", one_more)
    assert (r.only_duckdb, r.only_bigquery, r.identical) == (0, 1, False)
    as_float = f"(select * replace (cast(net_sales_amount as double) as net_sales_amount) from read_parquet('{path}'))"
    r = compare_relations(con, "fct_orders", "wh.marts.fct_orders", as_float)
    assert not r.identical and r.column_mismatches == ["net_sales_amount: DECIMAL(18,2) on DuckDB, DOUBLE on BigQuery"]
    # A real engine divergence: a timestamp written with cast(... as string) on each engine.
    text = "cast(timestamp '2025-10-18 18:00:00' as string)"
    bq_rows = list(emulated_sample["emu"].client().query(f"select {text} as t").result())
    con.execute("create or replace temp table emulated_text as select ? as t", [bq_rows[0]["t"]])
    r = compare_relations(con, "text", f"(select {text.replace('string', 'varchar')} as t)", "emulated_text")
    assert not r.identical, "cast(timestamp as string) was expected to differ between the engines"


# ------------------------------------------------------------------ the macros, on both engines' SQL

#: A money column (or a Jinja argument named like one) directly followed by "/": a division of
#: money that does not go through divide_money (casts to the float type end in "}})" instead).
_MONEY_DIVISION = re.compile(r"\w+_amount\s*(?:\}\})?\s*/(?![*/])")


def test_every_division_of_money_goes_through_divide_money():
    offenders = [
        f"{path.relative_to(REPO)}:{n}: {line.strip()}"
        for path in sorted((DBT_DIR / "models").rglob("*.sql")) + sorted((DBT_DIR / "macros").rglob("*.sql"))
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if _MONEY_DIVISION.search(line)
    ]
    assert offenders == []
    assert _MONEY_DIVISION.search("cast(net_sales_amount / nullif(net_order_count, 0) as numeric)")
    assert _MONEY_DIVISION.search("{{ spend_amount }} / nullif({{ clicks }}, 0)")
    assert not _MONEY_DIVISION.search("cast(spend_amount as {{ type_double() }}) / nullif(x, 0)")


#: divide_money(numerator, denominator[, scale]) -> expected, computed by hand (long division,
#: then half away from zero at the last kept decimal).
DIVISION_CASES = [
    ("157.95", "2", 2, "78.98"),  # 78.975: the exact half cent rounds up
    ("157.93", "2", 2, "78.97"),  # 78.965 -> up
    ("0.05", "2", 2, "0.03"),  # 0.025 -> up
    ("1.00", "8", 2, "0.13"),  # 0.125 -> up (banker's rounding would give 0.12)
    ("-157.95", "2", 2, "-78.98"),  # away from zero on negative amounts
    ("10.00", "3", 2, "3.33"),  # 3.333...
    ("20.00", "3", 2, "6.67"),  # 6.666...
    ("100.00", "1", 2, "100.00"),
    ("12345678.91", "7", 2, "1763668.42"),  # 1763668.415714...
    ("5.00", "0.40", 2, "12.50"),  # money / money
    ("1.00", "3", 3, "0.333"),
    ("2.00", "3", 3, "0.667"),
    ("100.00", "0", 2, None),  # no denominator
]


def _dbt_compile_inline(sql: str, env: dict[str, str], target: str, *extra: str) -> str:
    proc = subprocess.run(
        [str(DBT), "compile", "--quiet", "--target", target, "--inline", sql, *extra],
        env=env,
        cwd=DBT_DIR,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc.stdout.strip()


def _duckdb_env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DUCKDB_PATH=str(workdir / "compile.duckdb"),
        DBT_TARGET_PATH=str(workdir / "target"),
        DBT_LOG_PATH=str(workdir / "logs"),
        DBT_PROFILES_DIR=str(DBT_DIR),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env.pop("DBT_TARGET", None)
    return env


def _cases_sql() -> str:
    rows = []
    for i, (n, d, scale, _) in enumerate(DIVISION_CASES):
        rows.append(
            f'select {i} as case_id, {{{{ divide_money("cast(\'{n}\' as " ~ type_money() ~ ")", '
            f'"cast(\'{d}\' as " ~ type_money() ~ ")", {scale}) }}}} as quotient'
        )
    return "\nunion all\n".join(rows)


#: format_timestamp_iso(timestamp) -> expected text, by hand from ISO 8601 (fixed width, UTC 'Z').
TIMESTAMP_CASES = [
    ("2025-10-18 18:00:00", "2025-10-18T18:00:00.000000Z"),
    ("2025-01-02 03:04:05.123456", "2025-01-02T03:04:05.123456Z"),
    ("2024-02-29 23:59:59.5", "2024-02-29T23:59:59.500000Z"),
]


def _timestamp_sql() -> str:
    return "\nunion all\n".join(
        f"select {i} as case_id, {{{{ format_timestamp_iso(\"timestamp '{ts}'\") }}}} as iso, "
        f"{{{{ dbt.hash(format_timestamp_iso(\"timestamp '{ts}'\")) }}}} as id, "
        f"{{{{ shop_date(\"timestamp '{ts}'\") }}}} as utc_day"
        for i, (ts, _) in enumerate(TIMESTAMP_CASES)
    )


#: Between two queries compiled in one ``dbt compile --inline`` (a comment: Jinja leaves it as it is).
_QUERY_BREAK = "\n-- next query --\n"


@pytest.fixture(scope="module")
def compiled_macros(emulated_sample, tmp_path_factory) -> dict[str, dict[str, str]]:
    """The half-cent cases and the timestamp cases compiled for each target with the default vars, in one
    ``dbt compile`` per target (each is a full parse).

    Returns:
        ``{"duckdb": {"division": sql, "timestamp": sql}, "bigquery": {...}}``.
    """
    sql = _QUERY_BREAK.join([_cases_sql(), _timestamp_sql()])
    compiled = {
        "duckdb": _dbt_compile_inline(sql, _duckdb_env(tmp_path_factory.mktemp("compile_duckdb")), "duckdb"),
        "bigquery": _dbt_compile_inline(sql, emulated_sample["emu"].dbt_env, "bigquery"),
    }
    out = {}
    for target, text in compiled.items():
        division, timestamp = text.split(_QUERY_BREAK.strip())
        out[target] = {"division": division.strip(), "timestamp": timestamp.strip()}
    return out


def test_divide_money_hand_computed_cases_on_duckdb(compiled_macros):
    got = dict(duckdb.connect().execute(compiled_macros["duckdb"]["division"]).fetchall())
    expected = {i: (Decimal(e) if e is not None else None) for i, (*_, e) in enumerate(DIVISION_CASES)}
    assert got == expected


def test_divide_money_hand_computed_cases_on_emulated_bigquery(emulated_sample, compiled_macros):
    sql = compiled_macros["bigquery"]["division"]
    sqlglot.parse_one(sql, read="bigquery")  # valid BigQuery syntax, not only what the emulator accepts
    assert "div(" in sql.lower() and "//" not in sql
    rows = emulated_sample["emu"].client().query(sql).result()
    got = {r["case_id"]: r["quotient"] for r in rows}
    expected = {i: (Decimal(e) if e is not None else None) for i, (*_, e) in enumerate(DIVISION_CASES)}
    assert got == expected


def test_format_timestamp_iso_gives_the_same_text_and_id_on_both_engines(emulated_sample, compiled_macros):
    """format_timestamp_iso and its hash; beside them shop_date with the default zone (var shop_timezone UTC),
    which is the plain cast to date on both engines."""
    duck_sql = compiled_macros["duckdb"]["timestamp"]
    bq_sql = compiled_macros["bigquery"]["timestamp"]
    sqlglot.parse_one(bq_sql, read="bigquery")
    for ts, _ in TIMESTAMP_CASES:
        assert f"cast(timestamp '{ts}' as date) as utc_day" in duck_sql
        assert f"cast(timestamp '{ts}' as date) as utc_day" in bq_sql
    duck = {r[0]: (r[1], r[2], r[3]) for r in duckdb.connect().execute(duck_sql).fetchall()}
    bq = {
        r["case_id"]: (r["iso"], r["id"], r["utc_day"]) for r in emulated_sample["emu"].client().query(bq_sql).result()
    }
    expected = {
        i: (text, hashlib.md5(text.encode()).hexdigest(), date.fromisoformat(ts[:10]))
        for i, (ts, text) in enumerate(TIMESTAMP_CASES)
    }
    assert duck == expected
    assert bq == expected


#: (zone, UTC timestamp) -> the shop-local day, by hand from the 2026 DST changes (Berlin: CET/CEST switch at
#: 03-29 01:00Z and 10-25 01:00Z; Los Angeles: PST/PDT switch at 03-08 10:00Z and 11-01 09:00Z).
SHOP_DATE_CASES = [
    ("Europe/Berlin", "2026-03-28 22:59:00", "2026-03-28"),
    ("Europe/Berlin", "2026-03-28 23:30:00", "2026-03-29"),
    ("Europe/Berlin", "2026-10-24 21:59:00", "2026-10-24"),
    ("Europe/Berlin", "2026-10-24 22:30:00", "2026-10-25"),
    ("Europe/Berlin", "2026-10-25 23:00:00", "2026-10-26"),
    ("America/Los_Angeles", "2026-03-08 07:59:00", "2026-03-07"),
    ("America/Los_Angeles", "2026-03-09 06:59:00", "2026-03-08"),
    ("America/Los_Angeles", "2026-11-01 06:59:00", "2026-10-31"),
    ("America/Los_Angeles", "2026-11-02 07:59:00", "2026-11-01"),
]
#: The shop's zone of the shop_date compile (var shop_timezone); the other zone goes through the macro's
#: zone-expression argument (a store's time zone), so each engine compiles the cases once.
SHOP_DATE_VAR_ZONE = "Europe/Berlin"


def test_shop_date_gives_the_same_local_day_on_both_engines(emulated_sample, tmp_path):
    """shop_date on DuckDB (ICU) and on the emulator (BigQuery DATE(ts, zone)) around DST: Berlin through the var
    shop_timezone, Los Angeles through the zone-expression argument; one compile per engine."""

    def case(i: int, zone: str, ts: str) -> str:
        zone_arg = "" if zone == SHOP_DATE_VAR_ZONE else f", \"'{zone}'\""
        timestamp = f'"cast(\'{ts}\' as " ~ dbt.type_timestamp() ~ ")"'
        return f"select {i} as case_id, {{{{ shop_date({timestamp}{zone_arg}) }}}} as day"

    assert {z for z, _, _ in SHOP_DATE_CASES} - {SHOP_DATE_VAR_ZONE} == {"America/Los_Angeles"}
    sql = "\nunion all\n".join(case(i, zone, ts) for i, (zone, ts, _) in enumerate(SHOP_DATE_CASES))
    zone_vars = ("--vars", json.dumps({"shop_timezone": SHOP_DATE_VAR_ZONE}))
    duck_sql = _dbt_compile_inline(sql, _duckdb_env(tmp_path), "duckdb", *zone_vars)
    bq_sql = _dbt_compile_inline(sql, emulated_sample["emu"].dbt_env, "bigquery", *zone_vars)
    sqlglot.parse_one(bq_sql, read="bigquery")
    # Both paths of the macro are in the compiled SQL: the var's zone as a literal, the argument coalesced.
    assert "'Europe/Berlin')" in bq_sql and "coalesce('America/Los_Angeles', 'Europe/Berlin')" in bq_sql
    expected = {i: date.fromisoformat(day) for i, (_, _, day) in enumerate(SHOP_DATE_CASES)}
    assert dict(duckdb.connect().execute(duck_sql).fetchall()) == expected
    assert {r["case_id"]: r["day"] for r in emulated_sample["emu"].client().query(bq_sql).result()} == expected


# ------------------------------------------------------------------ the same comparison on a real project


@pytest.fixture(scope="module")
def real_bigquery() -> dict[str, str]:
    """Settings of ``make bq-smoke`` from the environment: project, dataset prefix, raw dataset.
    Skips (before anything is built), saying what is missing, unless ``BQ_SMOKE=1`` and a project,
    a landing bucket and Google credentials are present."""
    if os.environ.get("BQ_SMOKE") != "1":
        pytest.skip("real BigQuery comparison: run `make bq-smoke` (needs GCP_PROJECT_ID, LANDING_BUCKET, credentials)")
    missing = [v for v in ("GCP_PROJECT_ID", "LANDING_BUCKET") if not os.environ.get(v)]
    try:
        import google.auth

        google.auth.default()
    except Exception as exc:  # noqa: BLE001 - any failure means no usable credentials
        missing.append(f"Google credentials ({type(exc).__name__}: {exc})")
    if missing:
        pytest.skip("bq-smoke skipped: no real BigQuery project configured; missing " + ", ".join(missing))
    prefix = os.environ.get("DBT_SCHEMA_PREFIX") or "bq_smoke_"
    return {
        "project": os.environ["GCP_PROJECT_ID"],
        "prefix": prefix,
        "raw": os.environ.get("RAW_DATASET") or f"{prefix}raw",
    }


def test_real_bigquery_matches_duckdb(real_bigquery, small_shop, duckdb_sample, tmp_path, monkeypatch):
    """``make bq-smoke``: the small shop loaded and built on a real project (datasets prefixed
    ``DBT_SCHEMA_PREFIX``, default ``bq_smoke_``), every model compared with the DuckDB build."""
    settings = real_bigquery
    from google.cloud import bigquery

    from loaders.api import load_directory

    monkeypatch.setenv("RAW_DATASET", settings["raw"])
    report = load_directory(small_shop, target="bigquery")
    assert report.ok, report
    env = dict(os.environ)
    env.update(
        DBT_TARGET="bigquery",
        DBT_SCHEMA_PREFIX=settings["prefix"],
        DBT_TARGET_PATH=str(tmp_path / "target"),
        DBT_LOG_PATH=str(tmp_path / "logs"),
        DBT_PROFILES_DIR=str(DBT_DIR),
    )
    vars_ = json.dumps({"raw_schema": settings["raw"], "web_events_stream_enabled": False})
    for args in (["seed"], ["run", "--vars", vars_]):
        proc = subprocess.run([str(DBT), *args], env=env, cwd=DBT_DIR, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    models = _project_models(tmp_path / "target" / "manifest.json")
    client = bigquery.Client(project=settings["project"])
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"attach '{duckdb_sample}' as wh (read_only)")
    results = {}
    for name, (schema, alias) in sorted(models.items()):
        arrow = client.query(f"SELECT * FROM `{settings['project']}.{schema}.{alias}`").result().to_arrow()
        con.register(f"bq_{name}", arrow)
        results[name] = compare_relations(
            con, name, f'wh."{schema.removeprefix(settings["prefix"])}"."{alias}"', f"bq_{name}"
        )
    table = comparison_table([results[m] for m in sorted(results)])
    print("\n" + table)
    problems = check_against_exceptions(results, sorted(models), "bigquery")
    assert not problems, "\n".join(problems) + "\n\n" + table
