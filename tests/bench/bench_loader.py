"""Loader speed and memory per feed, next to DuckDB's bare typed read of the same files.

For every contract table with files in the landing directory, two child processes are
measured (``measure.run_measured``: wall, CPU, peak RSS):

- **bare**: DuckDB reads the table's files with its own typed reader (``read_csv`` /
  ``read_json`` with the contract's warehouse types) into a table of a fresh database;
- **loader**: ``python -m loaders load --tables <table>`` into a fresh database.

The ratio ``bare wall / loader wall`` is the loader's share of DuckDB's read rate (the
target is >= 0.70 for every feed). Child processes include each side's start-up (the
loader imports numpy, pyarrow and its CLI), which dominates small feeds, so a third child
also times both **in the same process**, after start-up: the bare read and
``loaders.api.load_directory`` one after the other, ``IN_PROCESS_REPEATS`` times each, the
fastest of each kept (``inproc_*``; CPU seconds of the whole process, DuckDB's threads
included). The same is then measured on a Parquet copy of the landing set (``write_parquet_landing``:
one typed ``.parquet`` file per feed file; rows ``<table> (parquet)``), unless ``--no-parquet``.
Writes JSON (``--json-out``) and prints a table.

Usage::

    python tests/bench/bench_loader.py --source-dir /tmp/landing
    python tests/bench/bench_loader.py --orders 100000   # generates the landing set first
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb
from measure import run_measured

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from loaders.contract import DUCKDB_TYPES, load_contract  # noqa: E402
from loaders.discovery import table_files  # noqa: E402

_BARE = """
import duckdb, json, sys
files, fmt, columns, db = json.loads(sys.argv[1])
con = duckdb.connect(db)
con.execute("SET TimeZone = 'UTC'")
con.execute("SET enable_progress_bar = false")
cols = "{" + ", ".join(f"'{n}': '{t}'" for n, t in columns) + "}"
paths = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
if fmt == "csv":
    src = f"read_csv({paths}, header = true, columns = {cols})"
elif fmt == "parquet":
    src = f"read_parquet({paths})"  # written typed by the contract (write_parquet_landing)
else:
    src = f"read_json({paths}, format = 'newline_delimited', columns = {cols})"
con.execute(f"CREATE TABLE t AS SELECT * FROM {src}")
print(con.execute("SELECT count(*) FROM t").fetchone()[0])
"""


#: Rounds of (bare read, loader) in the in-process measurement; the fastest of each is kept.
IN_PROCESS_REPEATS = 3

_IN_PROCESS = """
import duckdb, json, sys, time
from pathlib import Path
from loaders.api import load_directory
files, fmt, columns, table, source_dir, work, repeats = json.loads(sys.argv[1])
cols = "{" + ", ".join(f"'{n}': '{t}'" for n, t in columns) + "}"
paths = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
if fmt == "csv":
    src = f"read_csv({paths}, header = true, columns = {cols})"
elif fmt == "parquet":
    src = f"read_parquet({paths})"  # written typed by the contract (write_parquet_landing)
else:
    src = f"read_json({paths}, format = 'newline_delimited', columns = {cols})"
best = {"bare": [1e9, 1e9], "loader": [1e9, 1e9]}
def timed(side, run):
    w, c = time.perf_counter(), time.process_time()
    run()
    w, c = time.perf_counter() - w, time.process_time() - c
    best[side] = [min(best[side][0], w), min(best[side][1], c)]
for k in range(repeats):
    bare_db, load_db = Path(work) / f"inproc-bare-{k}.duckdb", Path(work) / f"inproc-load-{k}.duckdb"
    def bare():
        con = duckdb.connect(str(bare_db))
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"CREATE TABLE t AS SELECT * FROM {src}")
        con.close()
    timed("bare", bare)
    timed("loader", lambda: load_directory(Path(source_dir), tables=[table], database=load_db))
    bare_db.unlink(missing_ok=True)
    load_db.unlink(missing_ok=True)
print(json.dumps(best))
"""


def _files_by_table(source_dir: Path) -> dict[str, tuple[str, list[str], list[tuple[str, str]]]]:
    """Table name -> (format, file paths, [(column, DuckDB type)]) for the tables with files
    (format ``parquet`` when the table's files are Parquet)."""
    contract = load_contract()
    out = {}
    for table in contract.tables:
        files = sorted(str(f) for f in table_files(source_dir, table))
        if files:
            cols = [(c.name, DUCKDB_TYPES[c.type]) for c in table.columns]
            fmt = "parquet" if all(f.endswith(".parquet") for f in files) else table.format
            out[table.name] = (fmt, files, cols)
    return out


def write_parquet_landing(source_dir: Path, out: Path) -> None:
    """A copy of the landing tree ``source_dir`` in Parquet: each feed file becomes one
    ``.parquet`` file beside where it was (``shop/orders/orders.parquet``), its columns typed
    by the contract (as a warehouse export or the generator at scale would write them)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    for name, (fmt, files, cols) in _files_by_table(source_dir).items():
        del name
        typed = "{" + ", ".join(f"'{n}': '{t}'" for n, t in cols) + "}"
        for f in files:
            src = Path(f)
            target = out / src.parent.relative_to(source_dir) / (src.name.split(".")[0] + ".parquet")
            target.parent.mkdir(parents=True, exist_ok=True)
            path = "'" + f.replace("'", "''") + "'"
            if fmt == "csv":
                reader = f"read_csv({path}, header = true, columns = {typed})"
            else:
                reader = f"read_json({path}, format = 'newline_delimited', columns = {typed})"
            con.execute(f"COPY (SELECT * FROM {reader}) TO '{target}' (FORMAT parquet)")
    con.close()


def bench(source_dir: Path, work: Path) -> list[dict]:
    """Measure bare read and loader per table.

    Returns:
        One dict per table: ``table``, ``bytes`` (size of its files), ``rows``, ``bare_s``,
        ``loader_s`` (wall seconds), ``bare_cpu_s``, ``loader_cpu_s``, ``ratio`` (bare_s /
        loader_s), ``cpu_ratio`` (bare_cpu_s / loader_cpu_s: steadier than wall time on a shared
        machine), ``inproc_bare_s``, ``inproc_loader_s``, ``inproc_ratio``, ``inproc_cpu_ratio``
        (the same, timed in one process after start-up), ``bare_rss_mb``, ``loader_rss_mb``
        (peak RSS, MiB).

    Raises:
        RuntimeError: a child process failed (its stderr is in the message).
    """
    results = []
    py = sys.executable
    for name, (fmt, files, cols) in _files_by_table(source_dir).items():
        bare_db, load_db = work / f"bare-{name}.duckdb", work / f"load-{name}.duckdb"
        bare = run_measured([py, "-c", _BARE, json.dumps([files, fmt, cols, str(bare_db)])], cwd=REPO)
        if bare.returncode:
            raise RuntimeError(f"bare read of {name} failed: {bare.stderr}")
        env = dict(os.environ, DUCKDB_PATH=str(load_db))
        cmd = [py, "-m", "loaders", "load", "--target", "duckdb", "--source-dir", str(source_dir)]
        loader = run_measured([*cmd, "--tables", name, "--quiet", "--database", str(load_db)], cwd=REPO, env=env)
        if loader.returncode not in (0, 4):
            raise RuntimeError(f"loader on {name} failed ({loader.returncode}): {loader.stderr}")
        args = [files, fmt, cols, name, str(source_dir), str(work), IN_PROCESS_REPEATS]
        inproc = run_measured([py, "-c", _IN_PROCESS, json.dumps(args)], cwd=REPO)
        if inproc.returncode:
            raise RuntimeError(f"in-process measurement of {name} failed: {inproc.stderr}")
        best = json.loads(inproc.stdout.strip().splitlines()[-1])
        results.append(
            {
                "table": f"{name} (parquet)" if fmt == "parquet" else name,
                "bytes": sum(Path(f).stat().st_size for f in files),
                "rows": int(bare.stdout.strip()),
                "bare_s": round(bare.wall_s, 3),
                "loader_s": round(loader.wall_s, 3),
                "bare_cpu_s": round(bare.cpu_s, 3),
                "loader_cpu_s": round(loader.cpu_s, 3),
                "ratio": round(bare.wall_s / loader.wall_s, 3),
                "cpu_ratio": round(bare.cpu_s / loader.cpu_s, 3),
                "inproc_bare_s": round(best["bare"][0], 3),
                "inproc_loader_s": round(best["loader"][0], 3),
                "inproc_ratio": round(best["bare"][0] / best["loader"][0], 3),
                "inproc_cpu_ratio": round(best["bare"][1] / best["loader"][1], 3),
                "bare_rss_mb": round(bare.peak_rss_mb, 1),
                "loader_rss_mb": round(loader.peak_rss_mb, 1),
            }
        )
        for db in (bare_db, load_db):
            db.unlink(missing_ok=True)
    return results


def _table(results: list[dict]) -> str:
    head = (
        f"{'table':<20}{'rows':>11}{'bare s':>9}{'loader s':>10}{'ratio':>7}{'cpu ratio':>10}"
        f"{'bare MiB':>10}{'loader MiB':>12}{'in-proc':>9}{'in-proc cpu':>12}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r['table']:<20}{r['rows']:>11,}{r['bare_s']:>9.2f}{r['loader_s']:>10.2f}{r['ratio']:>7.2f}"
            f"{r['cpu_ratio']:>10.2f}{r['bare_rss_mb']:>10.0f}{r['loader_rss_mb']:>12.0f}"
            f"{r['inproc_ratio']:>9.2f}{r['inproc_cpu_ratio']:>12.2f}"
        )
    bare, load = sum(r["bare_s"] for r in results), sum(r["loader_s"] for r in results)
    cpu = sum(r["bare_cpu_s"] for r in results) / sum(r["loader_cpu_s"] for r in results)
    rows = sum(r["rows"] for r in results)
    inproc = sum(r["inproc_bare_s"] for r in results) / sum(r["inproc_loader_s"] for r in results)
    lines.append(
        f"{'all':<20}{rows:>11,}{bare:>9.2f}{load:>10.2f}{bare / load:>7.2f}{cpu:>10.2f}{'':>22}{inproc:>9.2f}"
    )
    return "\n".join(lines)


def main() -> int:
    """Parse arguments, generate a landing set when ``--orders`` is given, measure, print, write JSON."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--source-dir", type=Path, help="an existing landing directory")
    g.add_argument("--orders", type=int, help="generate a landing set of this many orders (seed 42) first")
    p.add_argument(
        "--no-parquet", dest="parquet", action="store_false", help="skip the Parquet copy of the landing set"
    )
    p.add_argument("--json-out", type=Path, default=REPO / "build" / "bench_loader.json")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-loader-") as tmp:
        work = Path(tmp)
        source = args.source_dir
        if source is None:
            source = work / "landing"
            gen = run_measured(
                [sys.executable, "-m", "generator", "--out", str(source), "--orders", str(args.orders), "--seed", "42"],
                cwd=REPO,
            )
            if gen.returncode:
                raise RuntimeError(f"generator failed: {gen.stderr}")
        results = bench(source, work)
        if args.parquet:
            # written by a child: a parent grown by DuckDB would lend its RSS to every child forked after
            parquet = work / "landing-parquet"
            code = (
                "from pathlib import Path; from bench_loader import write_parquet_landing; "
                f"write_parquet_landing(Path({str(source)!r}), Path({str(parquet)!r}))"
            )
            copy = run_measured([sys.executable, "-c", code], cwd=Path(__file__).parent)
            if copy.returncode:
                raise RuntimeError(f"Parquet copy failed: {copy.stderr}")
            results += bench(parquet, work)
        if args.source_dir is None:
            shutil.rmtree(source, ignore_errors=True)
    print(_table(results))
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    args.json_out.write_text(json.dumps({"load_average": load, "feeds": results}, indent=2) + "\n")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; JSON in {args.json_out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
