"""The dbt project on the BigQuery target against a local *emulator* (bqemulator), not Google Cloud.

The whole path runs: generated files -> loaders (GCS emulator, then BigQuery load jobs from
the emulated bucket) -> ``dbt build --target bigquery`` (seeds, every model, every data test)
-> one more day of files -> a backfill of that day (every incremental model, static
partitions, after the tables it reads) -> a backfill of the late days -> a full refresh of the incremental models, the
other method: each backfill must replace exactly the partitions it names (no duplicate key,
every other day untouched) with the rows the full refresh computes for them.

What bqemulator 1.4.0 cannot do, and so is not exercised here (each covered elsewhere):

- Contract DDL (``CREATE TABLE t (cols ... PRIMARY KEY NOT ENFORCED) AS SELECT``): the run
  sets ``enforce_contracts: false``; contracts are enforced on DuckDB (tests/integration) and
  compiled for BigQuery (test_bigquery_compile.py).
- BigQuery ML (``CREATE MODEL``, ``ML.FORECAST``): the prediction marts are excluded (compiled
  offline by test_predictions_bigquery_compile.py).
- Dynamic ``insert_overwrite`` (its ``array_agg(distinct ... ignore nulls)`` script fails in the
  emulator's SQL translation): the second run uses the same strategy with *static* partitions
  (``incremental_partitions``, the project's backfill path); the dynamic window is checked by
  the offline compile and, for results, by the DuckDB equivalence test.
- The Pub/Sub BigQuery subscription itself: the test writes its table (raw.events_stream, as
  Terraform creates it) directly and checks that staging unions and de-duplicates the events.
- Partitioning, clustering, labels, policy tags are not recorded by the emulator: unit tests
  assert the generated configs (test_bigquery_dbt_config.py).
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from gcp_emulators import (
    EMULATED_PROJECT,
    EMULATION_VARS,
    EMULATOR_EXCLUDES,
    create_events_stream_table,
    emulated_bigquery_project,
)
from landing_split import split_landing_zone

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PROJECT = EMULATED_PROJECT
LAST_DAY = date(2025, 12, 31)


def _first_file_event(root: Path) -> dict:
    """The first event of the first landed events file, read straight from the file."""
    path = sorted(root.rglob("events*.jsonl*"))[0]
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return json.loads(fh.readline())


def _stream_messages(bq, duplicate_of: dict) -> dict:
    """Create raw.events_stream as Terraform does (Pub/Sub write-metadata columns) and write two
    messages into it: a new event, and a redelivery-like copy of an event already landed as a file."""
    table_id = create_events_stream_table(bq, PROJECT)
    new_event = {
        "event_id": "stream-evt-1",
        "event_name": "page_view",
        "event_timestamp": "2025-12-15 10:00:00",
        "anonymous_id": "stream-visitor-1",
        "page_url": "/",
        "device_type": "mobile",
    }
    rows = [
        {"subscription_name": "clickstream-to-bigquery", "message_id": "m-1", "publish_time": "2025-12-15T10:00:01Z",
         "data": json.dumps(new_event), "attributes": "{}"},
        {"subscription_name": "clickstream-to-bigquery", "message_id": "m-2", "publish_time": "2025-12-15T10:00:02Z",
         "data": json.dumps(duplicate_of), "attributes": "{}"},
    ]  # fmt: skip
    assert bq.insert_rows_json(table_id, rows) == []
    return new_event


def _distinct_orders_by_created_day(root: Path) -> Counter:
    """Independent count from the raw files: distinct order ids per created_at day."""
    first_day: dict[str, date] = {}
    for path in root.rglob("orders*.csv"):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                first_day[row["order_id"]] = date.fromisoformat(row["created_at"][:10])
    return Counter(first_day.values())


#: The key of every incremental model (its unique test in the YAML): a backfill must not duplicate it.
INCREMENTAL_KEYS = {
    "stg_web__events": ("event_id",),
    "int_web_events_sessionized": ("event_id",),
    "int_web_sessions_aggregated": ("session_id",),
    "int_web_visitors_identified": ("anonymous_id",),
    "fct_web_sessions": ("session_id",),
    "fct_web_conversion_daily": ("session_date", "channel_group"),
    "int_product_activity_hourly": ("product_id", "metric_name", "activity_hour_at"),
    "fct_product_alerts": ("alert_id",),
    "int_orders_attributed": ("order_id",),
    "fct_orders": ("order_id",),
    "fct_order_items": ("order_item_id",),
    "fct_sales_daily": ("order_date", "currency"),
}


def _incremental_models(manifest: Path) -> dict[str, dict]:
    """Every incremental model of a dbt manifest: its table id (``dataset.table``), its day column
    (none for a model keyed by entity) and whether it recomputes every day from the earliest named one."""
    nodes = json.loads(manifest.read_text())["nodes"].values()
    return {
        n["name"]: {
            "table": f"{n['schema']}.{n['alias'] or n['name']}",
            "day": n["config"].get("incremental_partition_column") if n["config"].get("partition_by") else None,
            "onwards": bool(n["config"].get("incremental_days_onwards")),
        }
        for n in nodes
        if n["resource_type"] == "model" and n["config"]["materialized"] == "incremental"
    }


def _normalised(value: object) -> object:
    """A cell in a form equal on equal values (floats to 9 significant digits)."""
    return float(f"{value:.9g}") if isinstance(value, float) else value


def _snapshot(bq, models: dict[str, dict]) -> dict[str, list[dict]]:
    """Every row of every incremental model, loader lineage columns (``_*``) left out."""
    out = {}
    for name, model in models.items():
        rows = bq.query(f"SELECT * FROM `{PROJECT}.{model['table']}`").result()
        out[name] = [{k: _normalised(v) for k, v in r.items() if not k.startswith("_")} for r in rows]
    return out


def _rows(rows: list[dict], keep=lambda row: True) -> Counter:
    """The multiset of ``rows`` (each a sorted tuple of its items) that ``keep`` accepts."""
    return Counter(tuple(sorted(r.items())) for r in rows if keep(r))


def _replaced(model: dict, named: list[date]):
    """Predicate over a row: its day is one a backfill of the ``named`` days replaces, as the
    README states it: those days, or every day from the earliest on for a model that recomputes
    onwards; none (the whole table) for a model keyed by entity."""
    if model["day"] is None:
        return lambda row: True
    if model["onwards"]:
        return lambda row: row[model["day"]] is not None and row[model["day"]] >= min(named)
    return lambda row: row[model["day"]] in set(named)


def _duplicate_keys(rows: list[dict], key: tuple[str, ...]) -> list[tuple]:
    return [k for k, n in Counter(tuple(r[c] for c in key) for r in rows).items() if n > 1]


def _backfill(emu, models: dict[str, dict], named: list[date], before: dict[str, list[dict]]) -> dict:
    """Build every incremental model and its tests as a backfill of the ``named`` days and check
    that each model replaced exactly those days: no duplicate key, every other row as ``before``.
    Returns the snapshot after the backfill."""
    vars_ = json.dumps({**EMULATION_VARS, "incremental_partitions": [d.isoformat() for d in named]})
    # The incremental models with the staging and intermediate tables they read (rebuilt from the
    # raw layer, as a daily run does), then the tests of the incremental models only (cautious): the
    # reconciliations with table marts (dbt/tests/*/horizontal_integrity_*) wait for those marts' next run.
    out = emu.dbt("run", "--target", "bigquery", "--select", "+config.materialized:incremental", "--vars", vars_)
    assert "ERROR=0" in out
    out = emu.dbt(
        "test", "--target", "bigquery", "--select", "config.materialized:incremental",
        "--indirect-selection", "cautious", "--vars", vars_,
    )  # fmt: skip
    assert "ERROR=0" in out
    after = _snapshot(emu.client(), models)
    for name, model in models.items():
        assert _duplicate_keys(after[name], INCREMENTAL_KEYS[name]) == [], name
        replaced = _replaced(model, named)
        if model["day"] is not None:
            untouched = lambda row, replaced=replaced: not replaced(row)  # noqa: E731
            assert _rows(after[name], untouched) == _rows(before[name], untouched), name
    return after


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("landing")
    generated = root / "generated"
    cmd = [sys.executable, "-m", "generator", "--out", str(generated), "--orders", "300"]
    cmd += ["--start", "2025-11-01", "--end", LAST_DAY.isoformat(), "--events-months", "1", "--threads", "2"]
    subprocess.run(cmd, check=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True)
    days = split_landing_zone(generated, root / "base", root / "days", date(2025, 12, 30))
    assert days == [LAST_DAY]
    return {"generated": generated, "base": root / "base", "last_day": root / "days" / LAST_DAY.isoformat()}


def test_emulated_bigquery_dbt_build_and_incremental_run(landing, tmp_path):
    from loaders.api import load_directory

    with emulated_bigquery_project(tmp_path) as emu:
        # 1. Raw layer through the loaders' BigQuery backend (GCS emulator -> load jobs).
        report = load_directory(landing["base"], target="bigquery")
        assert report.ok and {f.status for f in report.files} == {"loaded"}

        # 1b. Clickstream through the Pub/Sub BigQuery subscription's table (raw.events_stream).
        file_event = _first_file_event(landing["base"])
        stream_event = _stream_messages(emu.client(), duplicate_of=file_event)

        # 2. seed + run + test of the whole project on the BigQuery target.
        vars_ = json.dumps(EMULATION_VARS)
        out = emu.dbt("build", "--target", "bigquery", "--exclude", *EMULATOR_EXCLUDES, "--vars", vars_)
        assert "ERROR=0" in out and "SKIP=0" in out

        bq = emu.client()
        # Streamed events reach staging beside the file-landed ones, each event once.
        staged = {
            r["event_id"]: (r["n"], r["source_file"])
            for r in bq.query(
                f"SELECT event_id, COUNT(*) AS n, MAX(_source_file) AS source_file "
                f"FROM `{PROJECT}.staging.stg_web__events` "
                f"WHERE event_id IN ('{stream_event['event_id']}', '{file_event['event_id']}') GROUP BY 1"
            ).result()
        }
        assert staged[stream_event["event_id"]] == (1, "pubsub://clickstream-to-bigquery/m-1")
        assert staged[file_event["event_id"]][0] == 1

        base_days = _distinct_orders_by_created_day(landing["base"])
        got = Counter(
            {
                r["order_date"]: r["n"]
                for r in bq.query(
                    f"SELECT order_date, COUNT(*) AS n FROM `{PROJECT}.marts.fct_orders` GROUP BY 1"
                ).result()
            }
        )
        assert got == base_days
        before = {
            r["order_date"]: r["n"]
            for r in bq.query(
                f"SELECT order_date, COUNT(*) AS n FROM `{PROJECT}.marts.fct_order_items` GROUP BY 1"
            ).result()
        }

        # 3. One more day arrives; a backfill of that day (static partitions) replaces its
        #    partition in every incremental model, and no other day.
        models = _incremental_models(emu.workdir / "target" / "manifest.json")
        assert models.keys() == INCREMENTAL_KEYS.keys()
        snapshots = [_snapshot(bq, models)]
        assert load_directory(landing["last_day"], target="bigquery", add_landing_dir=True).ok
        snapshots.append(_backfill(emu, models, [LAST_DAY], snapshots[-1]))
        run_sql = (emu.workdir / "target" / "run" / "ecommerce_warehouse" / "models" / "marts" / "core").joinpath(
            "fct_orders.sql"
        )
        assert "merge into" in run_sql.read_text().lower()  # insert_overwrite's MERGE, not a rebuild

        all_days = _distinct_orders_by_created_day(landing["generated"])
        got = Counter(
            {
                r["order_date"]: r["n"]
                for r in bq.query(
                    f"SELECT order_date, COUNT(*) AS n FROM `{PROJECT}.marts.fct_orders` GROUP BY 1"
                ).result()
            }
        )
        # The named day is complete; older days are as before: orders placed earlier but first
        # exported on the last day (late data) wait for a backfill of their own days.
        assert got == {**base_days, LAST_DAY: all_days[LAST_DAY]} and all_days[LAST_DAY] > 0
        late_days = sorted(d for d in all_days if d != LAST_DAY and all_days[d] != base_days.get(d, 0))
        assert late_days, "the generated data has late-arriving orders"
        after = {
            r["order_date"]: r["n"]
            for r in bq.query(
                f"SELECT order_date, COUNT(*) AS n FROM `{PROJECT}.marts.fct_order_items` GROUP BY 1"
            ).result()
        }
        # Only the named partition changed; every other day is untouched.
        assert {d: n for d, n in after.items() if d != LAST_DAY} == before
        assert after[LAST_DAY] > 0

        # 4. Backfill exactly the late days (static partitions): now every day matches the files.
        snapshots.append(_backfill(emu, models, late_days, snapshots[-1]))
        got = Counter(
            {
                r["order_date"]: r["n"]
                for r in bq.query(
                    f"SELECT order_date, COUNT(*) AS n FROM `{PROJECT}.marts.fct_orders` GROUP BY 1"
                ).result()
            }
        )
        assert got == all_days

        # 5. The other method: a full refresh of the incremental models. Every day the backfills
        #    replaced holds exactly the full refresh's rows (the last day for the models that
        #    replace named days only, each late day, and every day from the first late one on
        #    for the models that recompute onwards).
        emu.dbt(
            "run", "--target", "bigquery", "--select", "config.materialized:incremental", "--full-refresh",
            "--vars", json.dumps(EMULATION_VARS),
        )  # fmt: skip
        full = _snapshot(bq, models)
        compared = {}
        for name, model in models.items():
            assert _duplicate_keys(full[name], INCREMENTAL_KEYS[name]) == [], name
            replaced = _replaced(model, [LAST_DAY, *late_days])
            assert _rows(snapshots[-1][name], replaced) == _rows(full[name], replaced), name
            compared[name] = sum(_rows(full[name], replaced).values())
        # Every model has rows on the replaced days, except the alerts of this small shop.
        assert {name for name, n in compared.items() if n == 0} <= {"fct_product_alerts"}, compared


def test_emulated_run_files_are_the_generated_ones(landing):
    """The split keeps every record: base + last day = the generated files (by record count)."""

    def records(root: Path) -> int:
        n = 0
        for p in root.rglob("*"):
            if p.suffix == ".csv":
                n += sum(1 for _ in csv.DictReader(p.open(newline="", encoding="utf-8")))
            elif p.name.endswith((".jsonl", ".jsonl.gz")):
                data = gzip.decompress(p.read_bytes()) if p.name.endswith(".gz") else p.read_bytes()
                n += sum(1 for line in data.decode("utf-8").splitlines() if line.strip())
        return n

    assert records(landing["base"]) + records(landing["last_day"]) == records(landing["generated"])
