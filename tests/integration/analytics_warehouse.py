"""One DuckDB warehouse built from `seeds/` for the analytics tests, shared by every module in a pytest session.

`built_warehouse(tmp_path_factory)` loads the sample with the loader CLI and runs one full `dbt build`
(models, seeds, data tests and unit tests) into the session's temporary directory; later callers reuse it.
It also offers small independent readers of the raw sample files (csv/json + Decimal, the documented
dedup rule) so tests compare the marts with figures that never went through the project's SQL.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
DBT = Path(sys.executable).parent / "dbt"
MF = Path(sys.executable).parent / "mf"


#: PII salt of the integration warehouses (the emulated BigQuery builds use it too, so hashed columns
#: compare across engines; BigQuery refuses dbt's local default salt).
PII_SALT = "integration-test-salt"

#: The vars of the session's ``berlin_shop`` build (tests/conftest.py): returns booked on the order day, so a
#: day's net sales are those of its orders in their current state, as the currency and time-zone tests recompute.
BERLIN_VARS = {"shop_timezone": "Europe/Berlin", "reporting_currency": "USD", "returns_dated_on": "order"}


def dbt_env(workdir: Path) -> dict[str, str]:
    """Environment for dbt/mf/loader subprocesses writing only under ``workdir``."""
    env = dict(os.environ)
    env.update(
        DUCKDB_PATH=str(workdir / "warehouse.duckdb"),
        DBT_TARGET_PATH=str(workdir / "target"),
        DBT_LOG_PATH=str(workdir / "logs"),
        DBT_PROFILES_DIR=str(ROOT / "dbt"),
        DBT_PROJECT_DIR=str(ROOT / "dbt"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DO_NOT_TRACK="1",
        PYTHONPATH=str(ROOT),
        PII_SALT=PII_SALT,
    )
    env.pop("DBT_TARGET", None)
    return env


def run(cmd: list[str], env: dict[str, str], cwd: Path | None = None, timeout: int = 1200) -> str:
    """Run a command, fail the test with its output tail when it exits non-zero; returns stdout."""
    proc = subprocess.run(cmd, cwd=cwd or ROOT / "dbt", env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (
        f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    )
    return proc.stdout


def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the session's analytics warehouse, building it on first use (load seeds/, full dbt build)."""
    workdir = tmp_path_factory.getbasetemp() / "analytics_warehouse"
    db = workdir / "warehouse.duckdb"
    done = workdir / "built.ok"
    if done.exists():
        return db
    workdir.mkdir(parents=True, exist_ok=True)
    env = dbt_env(workdir)
    run([sys.executable, "-m", "loaders", "load", "--target", "duckdb", "--source-dir", str(SEEDS), "--quiet"], env)
    run([str(DBT), "build", "--quiet"], env)
    done.touch()
    return db


# ------------------------------------------------------------------ independent readers of the raw sample


def read_latest_csv(table_dir: Path, key: str | tuple[str, ...], order_field: str | None = "updated_at") -> dict:
    """Rows of every CSV under ``table_dir``, one per key: the latest ``order_field``, then later file, later line
    (DECISIONLOG.md "Deduplication of re-exports"). Returns {key value(s): row dict}."""
    keys = (key,) if isinstance(key, str) else key
    best: dict = {}
    for file_rank, path in enumerate(sorted(table_dir.glob("*.csv"))):
        with path.open(newline="", encoding="utf-8") as fh:
            for line_no, row in enumerate(csv.DictReader(fh), start=2):
                k = tuple(row[c] for c in keys) if len(keys) > 1 else row[keys[0]]
                rank = (row[order_field] if order_field else "", file_rank, line_no)
                if k not in best or rank > best[k][0]:
                    best[k] = (rank, row)
    return {k: v[1] for k, v in best.items()}


def read_events(events_dir: Path) -> Iterator[dict]:
    """Web events of every JSONL(.gz) file, one per event_id (the last file and line win)."""
    latest: dict[str, dict] = {}
    for path in sorted(events_dir.glob("*.jsonl*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    row = json.loads(line)
                    latest[row["event_id"]] = row
    return iter(latest.values())


def parse_ts(value: str) -> datetime:
    """ISO-8601 timestamp of the sample as a naive UTC datetime (offsets converted, naive values are UTC)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def store_zones(source_dir: Path, default_zone: str = "UTC") -> dict[str, ZoneInfo]:
    """Store id -> its IANA zone from the raw ``shop/stores`` files (latest row per store; an empty zone, or a store
    the feed does not list, takes ``default_zone``, the dbt var shop_timezone), read with Python's ``zoneinfo``,
    not the project's SQL. The key ``""`` is the zone of orders without a store id."""
    zones: dict[str, ZoneInfo] = {"": ZoneInfo(default_zone)}
    if (source_dir / "shop" / "stores").is_dir():
        for store_id, row in read_latest_csv(source_dir / "shop" / "stores", "store_id").items():
            zones[store_id] = ZoneInfo(row["timezone"].strip() or default_zone)
    return zones


def local_day(utc_text: str, zone: ZoneInfo) -> date:
    """The calendar day in ``zone`` of a timestamp of the sample (ISO-8601; naive values are UTC)."""
    return parse_ts(utc_text).replace(tzinfo=UTC).astimezone(zone).date()


def order_zone(order: dict, zones: dict[str, ZoneInfo]) -> ZoneInfo:
    """The zone an order's days close in: its store's (``store_id`` of the raw row), else the default zone."""
    return zones.get((order.get("store_id") or "").strip(), zones[""])
