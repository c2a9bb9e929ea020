"""The dbt project on the BigQuery target against a local *emulator* (bqemulator), not Google Cloud.

The whole path runs: generated files -> loaders (GCS emulator, then BigQuery load jobs from
the emulated bucket) -> ``dbt build --target bigquery`` (seeds, every model, every data test)
-> one more day of files -> the incremental models' second run -> their tests.

What bqemulator 1.4.0 cannot do, and so is not exercised here (each covered elsewhere):

- Contract DDL (``CREATE TABLE t (cols ... PRIMARY KEY NOT ENFORCED) AS SELECT``): the run
  sets ``enforce_contracts: false``; contracts are enforced on DuckDB (tests/integration) and
  compiled for BigQuery (test_bigquery_compile.py).
- ``EXTRACT(ISOWEEK ...)``: ``fct_sales_weekly`` (valid BigQuery, checked by the offline compile)
  and its tests are excluded.
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
from gcp_emulators import bigquery_emulator, storage_emulator
from landing_split import split_landing_zone

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt"
DBT = str(Path(sys.executable).parent / "dbt")
PROJECT = "emulated-project"
LAST_DAY = date(2025, 12, 31)
#: Valid BigQuery that bqemulator cannot run (see module docstring).
EMULATOR_EXCLUDES = ["fct_sales_weekly+", "resource_type:unit_test"]
EMULATION_VARS = "{enforce_contracts: false}"

PROFILE = """
ecommerce_warehouse:
  target: bigquery
  outputs:
    bigquery:
      type: bigquery
      method: oauth-secrets
      token: emulated-no-google
      project: {project}
      dataset: analytics
      location: EU
      threads: 4
      api_endpoint: {endpoint}
      job_retries: 0
"""


def _bq(endpoint: str):
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    return bigquery.Client(
        project=PROJECT, credentials=AnonymousCredentials(), client_options=ClientOptions(api_endpoint=endpoint)
    )


def _dbt(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([DBT, *args], env=env, cwd=DBT_DIR, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    return proc.stdout


def _first_file_event(root: Path) -> dict:
    """The first event of the first landed events file, read straight from the file."""
    path = sorted(root.rglob("events*.jsonl*"))[0]
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return json.loads(fh.readline())


def _stream_messages(bq, duplicate_of: dict) -> dict:
    """Create raw.events_stream as Terraform does (Pub/Sub write-metadata columns) and write two
    messages into it: a new event, and a redelivery-like copy of an event already landed as a file."""
    from google.cloud import bigquery

    schema = [
        bigquery.SchemaField("subscription_name", "STRING"),
        bigquery.SchemaField("message_id", "STRING"),
        bigquery.SchemaField("publish_time", "TIMESTAMP"),
        bigquery.SchemaField("data", "STRING"),
        bigquery.SchemaField("attributes", "STRING"),
    ]
    bq.create_table(bigquery.Table(f"{PROJECT}.raw.events_stream", schema=schema))
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
    assert bq.insert_rows_json(f"{PROJECT}.raw.events_stream", rows) == []
    return new_event


def _distinct_orders_by_created_day(root: Path) -> Counter:
    """Independent count from the raw files: distinct order ids per created_at day."""
    first_day: dict[str, date] = {}
    for path in root.rglob("orders*.csv"):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                first_day[row["order_id"]] = date.fromisoformat(row["created_at"][:10])
    return Counter(first_day.values())


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


def test_emulated_bigquery_dbt_build_and_incremental_run(landing, tmp_path, monkeypatch):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    from loaders.api import load_directory

    gcs_dir = tmp_path / "gcs"
    gcs_dir.mkdir()
    with storage_emulator(gcs_dir) as st:
        (gcs_dir / ".cloudstorage").mkdir(exist_ok=True)
        with bigquery_emulator(tmp_path / "bq", project=PROJECT, gcs_root=gcs_dir / ".cloudstorage") as bq_emu:
            monkeypatch.setenv("STORAGE_EMULATOR_HOST", st.url)
            monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", bq_emu.url)
            monkeypatch.setenv("GCP_PROJECT_ID", PROJECT)
            monkeypatch.setenv("LANDING_BUCKET", "landing")
            monkeypatch.setenv("RAW_DATASET", "raw")
            storage.Client(project=PROJECT, credentials=AnonymousCredentials()).create_bucket("landing")

            # 1. Raw layer through the loaders' BigQuery backend (GCS emulator -> load jobs).
            report = load_directory(landing["base"], target="bigquery")
            assert report.ok and {f.status for f in report.files} == {"loaded"}

            # 1b. Clickstream through the Pub/Sub BigQuery subscription's table (raw.events_stream).
            file_event = _first_file_event(landing["base"])
            stream_event = _stream_messages(_bq(bq_emu.url), duplicate_of=file_event)

            profiles = tmp_path / "profiles"
            profiles.mkdir()
            (profiles / "profiles.yml").write_text(PROFILE.format(project=PROJECT, endpoint=bq_emu.url))
            env = dict(os.environ)
            env.update(
                DBT_PROFILES_DIR=str(profiles),
                DBT_TARGET_PATH=str(tmp_path / "target"),
                DBT_LOG_PATH=str(tmp_path / "logs"),
                PII_SALT="emulated-bigquery-salt",
            )
            env.pop("BIGQUERY_EMULATOR_HOST", None)  # dbt talks to the emulator through api_endpoint

            # 2. seed + run + test of the whole project on the BigQuery target.
            out = _dbt(env, "build", "--target", "bigquery", "--exclude", *EMULATOR_EXCLUDES, "--vars", EMULATION_VARS)
            assert "ERROR=0" in out and "SKIP=0" in out

            bq = _bq(bq_emu.url)
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

            # 3. One more day arrives; the incremental models' second run replaces that day's partition.
            assert load_directory(landing["last_day"], target="bigquery").ok
            vars_ = json.dumps({"enforce_contracts": False, "incremental_partitions": [LAST_DAY.isoformat()]})
            out = _dbt(
                env, "build", "--target", "bigquery", "--select", "config.materialized:incremental", "--vars", vars_
            )
            assert "ERROR=0" in out
            run_sql = (tmp_path / "target" / "run" / "ecommerce_warehouse" / "models" / "marts" / "core").joinpath(
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
            vars_ = json.dumps(
                {"enforce_contracts": False, "incremental_partitions": [d.isoformat() for d in late_days]}
            )
            _dbt(env, "run", "--target", "bigquery", "--select", "config.materialized:incremental", "--vars", vars_)
            got = Counter(
                {
                    r["order_date"]: r["n"]
                    for r in bq.query(
                        f"SELECT order_date, COUNT(*) AS n FROM `{PROJECT}.marts.fct_orders` GROUP BY 1"
                    ).result()
                }
            )
            assert got == all_days
            dupes = list(
                bq.query(
                    f"SELECT order_item_id FROM `{PROJECT}.marts.fct_order_items` "
                    "WHERE order_date IS NOT NULL GROUP BY 1 HAVING COUNT(*) > 1"
                ).result()
            )
            assert dupes == []


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
