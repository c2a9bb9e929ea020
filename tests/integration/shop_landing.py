"""Tiny real-shaped landing zones and an in-process dbt for the whole-project build tests.

A landing zone comes from the project's deterministic generator (every contract feed, a few
hundred orders), then is edited the way real exports differ from the sample: older years, feeds
missing, a catalogue that lags the orders, rows that break a business rule. ``InProcessDbt``
parses the project once and runs every later ``dbt build`` on that manifest through
``dbtRunner`` (no subprocess, no re-parse), each against its own DuckDB file.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import redirect_stdout
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from unittest import mock

import duckdb

from loaders.contract import load_contract

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt"
#: Feeds a build needs (contract ``required: true``); every other feed is optional.
REQUIRED_FEEDS = frozenset(t.name for t in load_contract().tables if t.required)
#: The optional feeds the generated one-store shop writes. The stores feed is written only for a
#: group of stores (generator --stores 2): tests/integration/test_stores.py builds with it, and every
#: build of a one-store shop builds without it.
OPTIONAL_FEEDS = tuple(sorted(t.name for t in load_contract().tables if not t.required and t.name != "stores"))
#: The contract table name -> its folder under the landing root (``shop/orders``).
FEED_DIRS = {t.name: Path(t.files).parent for t in load_contract().tables}


def generate(out: Path, *, orders: int = 240, start: str = "2025-10-01", end: str = "2025-12-31") -> Path:
    """Write a generated landing zone (every feed, one month of events) under ``out``.

    Args:
        out: target directory (created).
        orders: distinct orders.
        start: first order day, ISO date.
        end: last order day, ISO date (inclusive).

    Returns:
        ``out``.
    """
    cmd = [sys.executable, "-m", "generator", "--out", str(out), "--orders", str(orders)]
    cmd += ["--start", start, "--end", end, "--events-months", "1", "--products", "40", "--threads", "1"]
    subprocess.run(cmd, check=True, cwd=REPO, capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    return out


def copy_feeds(src: Path, dst: Path, feeds: Iterable[str]) -> Path:
    """Copy the files of the named contract tables from landing zone ``src`` to ``dst``."""
    for feed in feeds:
        shutil.copytree(src / FEED_DIRS[feed], dst / FEED_DIRS[feed])
    dst.mkdir(parents=True, exist_ok=True)
    return dst


def feed_csv(root: Path, feed: str) -> Path:
    """The one CSV file of a generated feed."""
    (path,) = sorted((root / FEED_DIRS[feed]).glob("*.csv"))
    return path


def edit_csv(path: Path, change: Callable[[list[dict[str, str]]], list[dict[str, str]] | None]) -> None:
    """Rewrite a CSV file through ``change`` (edits the rows in place or returns new rows)."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    rows = change(rows) or rows
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts."""
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load(source_dir: Path, database: Path) -> None:
    """Land ``source_dir`` into the DuckDB file ``database`` with the loader CLI."""
    cmd = [sys.executable, "-m", "loaders", "load", "--target", "duckdb", "--source-dir", str(source_dir)]
    cmd += ["--database", str(database), "--quiet"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stdout + proc.stderr


@dataclass
class BuildResult:
    """One ``dbt build``: success, per-node statuses, what it printed and how long it took."""

    success: bool
    statuses: dict[str, str]
    printed: str
    seconds: float
    exception: BaseException | None

    def problems(self) -> dict[str, str]:
        """Nodes that errored, failed or were skipped (name -> status)."""
        return {k: v for k, v in self.statuses.items() if v in ("error", "fail", "skipped", "runtime error")}


class InProcessDbt:
    """The dbt project parsed once; builds run in-process on that manifest.

    Args:
        work: directory for dbt's target and logs.
    """

    def __init__(self, work: Path) -> None:
        from dbt.cli.main import dbtRunner

        self.work = work
        self.env = {
            "DBT_TARGET_PATH": str(work / "target"),
            "DBT_LOG_PATH": str(work / "logs"),
            "DBT_PROFILES_DIR": str(DBT_DIR),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            # The manifest names the catalog after the DuckDB file's stem: every build's file is
            # called warehouse.duckdb (in its own directory).
            "DUCKDB_PATH": str(work / "parse" / "warehouse.duckdb"),
        }
        started = time.monotonic()
        with mock.patch.dict(os.environ, self.env):
            os.environ.pop("DBT_TARGET", None)
            result = dbtRunner().invoke(["parse", "--project-dir", str(DBT_DIR), "--quiet"])
        assert result.success, f"dbt parse failed: {result.exception}"
        self.manifest = result.result
        self.parse_seconds = time.monotonic() - started

    def build(self, database: Path, *args: str, dbt_vars: str | None = None) -> BuildResult:
        """``dbt build [args]`` against the DuckDB file ``database``.

        Args:
            database: a DuckDB file named ``warehouse.duckdb`` (the manifest's catalog name).
            args: further ``dbt build`` arguments (selectors, flags).
            dbt_vars: ``--vars`` YAML; the project is then parsed again for this build (vars can
                change configs), otherwise the manifest parsed once is reused.

        Returns:
            The build's ``BuildResult``.
        """
        from dbt.cli.main import dbtRunner

        assert database.name == "warehouse.duckdb", "the parsed manifest expects catalog 'warehouse'"

        printed: list[str] = []

        def on_event(event) -> None:
            if event.info.name == "PrintEvent":
                printed.append(event.info.msg)

        started = time.monotonic()
        with mock.patch.dict(os.environ, {**self.env, "DUCKDB_PATH": str(database)}), redirect_stdout(StringIO()):
            os.environ.pop("DBT_TARGET", None)
            runner = dbtRunner(callbacks=[on_event]) if dbt_vars else dbtRunner(self.manifest, callbacks=[on_event])
            extra = ["--vars", dbt_vars] if dbt_vars else []
            command = ["build", "--project-dir", str(DBT_DIR), "--quiet", "--target", "duckdb", *args, *extra]
            result = runner.invoke(command)
        _release_duckdb()
        seconds = time.monotonic() - started
        statuses = {}
        for node_result in getattr(result.result, "results", None) or []:
            statuses[node_result.node.name] = str(node_result.status)
        return BuildResult(bool(result.success), statuses, "\n".join(printed), seconds, result.exception)


def _release_duckdb() -> None:
    """Close the DuckDB instance dbt-duckdb keeps open in this process after a build.

    Without it the file stays locked (a loader process cannot land the next export) and a
    read-only connection is refused. dbt-duckdb offers no public call for it.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def connect(database: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a built warehouse."""
    return duckdb.connect(str(database), read_only=True)
