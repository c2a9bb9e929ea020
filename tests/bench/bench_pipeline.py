"""Benchmark of the whole local pipeline: generate N orders -> load into DuckDB -> dbt build.

Each step runs as a child process against a warehouse, dbt target and log directory of
its own under a temporary directory (never build/ or dbt/target), and is timed (wall, CPU,
peak RSS). Steps whose code is not there yet (loader CLI, dbt project) are reported as
skipped rather than failing.

Usage: ``python tests/bench/bench_pipeline.py [--orders N] [--events-months M] [--keep]``
(``make bench`` runs it with the defaults). Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb
from measure import Measured, run_measured

REPO = Path(__file__).resolve().parents[2]


def _steps(args: argparse.Namespace, work: Path) -> list[tuple[str, list[str], Path, str | None]]:
    """(name, command, cwd, reason to skip or None) per step."""
    landing = work / "landing"
    dbt = REPO / ".venv" / "bin" / "dbt"
    have_loader = (REPO / "loaders" / "__main__.py").exists()
    have_dbt = (REPO / "dbt" / "dbt_project.yml").exists() and dbt.exists()
    generate = [sys.executable, "-m", "generator", "--out", str(landing), "--orders", str(args.orders)]
    generate += ["--events-months", str(args.events_months), "--seed", str(args.seed)]
    load = [sys.executable, "-m", "loaders", "load", "--target", "duckdb", "--source-dir", str(landing)]
    build = [str(dbt), "build", "--quiet"]
    return [
        ("generate", generate, REPO, None),
        ("load (duckdb)", load, REPO, None if have_loader else "no loader CLI (loaders/__main__.py)"),
        ("dbt build", build, REPO / "dbt", None if have_dbt else "no dbt project or dbt executable"),
    ]


def _raw_rows(db: Path) -> int | None:
    """Total rows in the warehouse's raw tables, or None when it cannot be read."""
    try:
        con = duckdb.connect(str(db), read_only=True)
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema LIKE '%raw%' AND table_type = 'BASE TABLE'"
        ).fetchall()
        total = sum(con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0] for s, t in tables)
        con.close()
        return total
    except duckdb.Error:
        return None


def main(argv: list[str] | None = None) -> int:
    """Run the steps in order, stop at the first failure, print a table; exit 1 on failure."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=int, default=200_000)
    p.add_argument("--events-months", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--workdir", type=Path, default=None, help="parent of the temporary directory")
    p.add_argument("--keep", action="store_true", help="keep the landing tree and warehouse")
    args = p.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-pipeline-", dir=args.workdir))
    db = work / "warehouse.duckdb"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "DUCKDB_PATH": str(db),
        "DBT_TARGET_PATH": str(work / "dbt_target"),
        "DBT_LOG_PATH": str(work / "dbt_logs"),
        "DBT_PROFILES_DIR": str(REPO / "dbt"),
        "DBT_PROJECT_DIR": str(REPO / "dbt"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    results: list[tuple[str, Measured | None, str]] = []
    failed = False
    try:
        for name, cmd, cwd, skip in _steps(args, work):
            if skip or failed:
                results.append((name, None, skip or "skipped after a failure"))
                continue
            m = run_measured(cmd, cwd=cwd, env=env)
            note = "ok" if m.returncode == 0 else f"FAILED (exit {m.returncode})"
            if name.startswith("load") and m.returncode == 0:
                raw = _raw_rows(db)
                note += f", {raw:,} raw rows" if raw is not None else ""
            results.append((name, m, note))
            if m.returncode:
                failed = True
                print(f"--- {name} output ---\n{m.stdout[-4000:]}\n{m.stderr[-4000:]}", file=sys.stderr)

        scale = f"{args.orders:,} orders, {args.events_months} month(s) of events"
        print(f"\npipeline benchmark: {scale}, {os.cpu_count()} CPUs")
        print(f"{'step':<16} {'wall s':>8} {'cpu s':>8} {'peak RSS MB':>12}  result")
        total = 0.0
        for name, m, note in results:
            if m is None:
                print(f"{name:<16} {'-':>8} {'-':>8} {'-':>12}  skipped: {note}")
            else:
                total += m.wall_s
                print(f"{name:<16} {m.wall_s:>8.1f} {m.cpu_s:>8.1f} {m.peak_rss_mb:>12.0f}  {note}")
        print(f"{'total':<16} {total:>8.1f}")
        if args.keep:
            print(f"kept: {work}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
