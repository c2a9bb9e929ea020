"""Replay the SQL dbt compiled for a build straight in DuckDB: the baseline of dbt's own overhead.

Reads a ``manifest.json`` written by a ``dbt build`` (nodes carry their ``compiled_code``) and,
on a warehouse that already holds the raw layer and seeds, runs every model in dependency order
as ``CREATE OR REPLACE VIEW/TABLE <relation> AS <compiled select>``, then every data test as
``SELECT count(*) FROM (<compiled test>)``. No dbt process, no per-node bookkeeping, no
contracts, comments or temporary relations: what is left is DuckDB's own work. It runs under the
dbt profile's ``memory_limit`` (``loaders.backends.duckdb.memory_limit``, as the loader does),
so that the build and its baseline spill alike and the ratio is dbt's overhead alone.
Prints one JSON object: nodes run and seconds for models and for tests.

Usage: ``python tests/bench/replay_compiled.py <manifest.json> <warehouse.duckdb>`` (run by
bench_pipeline.py; the warehouse file must have the name dbt built, the catalog is its stem).
"""

from __future__ import annotations

import json
import sys
import time
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from loaders.backends.duckdb import memory_limit


def replay(manifest_path: Path, db: Path) -> dict[str, float]:
    """Run the compiled models then the compiled data tests of ``manifest_path`` on ``db``.

    Returns:
        ``{"models": n, "model_seconds": s, "tests": n, "test_seconds": s}`` (wall seconds).

    Raises:
        duckdb.Error: when a compiled statement fails.
    """
    manifest = json.loads(manifest_path.read_text())
    nodes = manifest["nodes"]
    models = {k: n for k, n in nodes.items() if n["resource_type"] == "model" and n.get("compiled_code")}
    order = TopologicalSorter({k: [p for p in n["depends_on"]["nodes"] if p in models] for k, n in models.items()})
    con = duckdb.connect(str(db), config={"memory_limit": memory_limit()})
    t0 = time.perf_counter()
    for key in order.static_order():
        node = models[key]
        kind = "VIEW" if node["config"]["materialized"] == "view" else "TABLE"
        if node["config"]["materialized"] == "ephemeral":
            continue
        con.execute(f"CREATE OR REPLACE {kind} {node['relation_name']} AS {node['compiled_code']}")
    model_seconds = time.perf_counter() - t0
    tests = [n for n in nodes.values() if n["resource_type"] == "test" and n.get("compiled_code")]
    t0 = time.perf_counter()
    for node in tests:
        con.execute(f"SELECT count(*) FROM ({node['compiled_code']}) AS dbt_test").fetchall()
    test_seconds = time.perf_counter() - t0
    con.close()
    return {"models": len(models), "model_seconds": model_seconds, "tests": len(tests), "test_seconds": test_seconds}


if __name__ == "__main__":
    print(json.dumps(replay(Path(sys.argv[1]), Path(sys.argv[2]))))
