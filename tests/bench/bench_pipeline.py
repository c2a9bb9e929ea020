"""Benchmark of the whole local pipeline at a given scale, each figure beside its baseline.

Steps, each a child process timed for wall, CPU and peak RSS (``measure.run_measured``), against
a warehouse, dbt target and log directory of its own under a temporary directory:

1. generate N orders (``generator``); the last day is then split off (``landing_days``);
2. DuckDB's bare read of the base files (``bare_read.py``): the loader's baseline;
3. load the base files; 4. full ``dbt build``; 5. no-op build (nothing new: dbt's fixed cost);
6. load the last day; 7. incremental build; 7b. a second no-op build (nothing new since 7);
8. ``dbt build --full-refresh``; 9. the SQL of that full refresh replayed straight in DuckDB under the same memory_limit
   (``replay_compiled.py``): dbt's baseline;
10. ``make run`` with nothing new to load, on the same warehouse and landing directory: the
    build fingerprint ``make run`` keeps after a successful build is written first (the builds
    above are that build), so the step is what a user's second ``make run`` costs: the loader
    finding every file already landed, the fingerprint, the KPI summary. The environments
    ``make run`` uses (``make setup predictions-setup``) are installed before any step, untimed:
    on a fresh checkout the first ``make run`` would otherwise time their installation.

Ratios: load / bare read (wall, CPU, and rows/s per feed from the load audit); the
data-proportional part of the incremental build, (incremental - no-op) / (full refresh - no-op),
where no-op is the mean of the two no-op builds on either side of the incremental one: a no-op
build varies by several seconds from run to run on a shared machine, and the difference of two
single runs carries both variations;
full refresh / replay; load + full build wall; the largest peak RSS; each beside its target
(``TARGETS``, README's Benchmark targets) and whether it is met. Writes the figures as JSON
(``--json``, default ``<workdir>/bench_pipeline.json``) and prints a table, with the load average.

Usage: ``python tests/bench/bench_pipeline.py [--orders N] [--events-months M] [--keep]``
(``make bench PIPELINE_ORDERS=N``). Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DBT = REPO / ".venv" / "bin" / "dbt"
sys.path.insert(0, str(REPO))  # landing_days reads the contract through the loaders package

from landing_days import split_last_day  # noqa: E402
from measure import Measured, run_measured  # noqa: E402

# The cost targets at 1M orders (README, Benchmark): figure -> (limit, "max" for at most / "min" for at least).
TARGETS: dict[str, tuple[float, str]] = {
    "incremental_data_part_wall": (0.10, "max"),
    "make_run_nothing_new_wall_s": (15.0, "max"),
    "load_plus_full_build_wall_s": (90.0, "max"),
    "full_refresh_vs_replay_wall": (1.3, "max"),
    "peak_rss_mb_max": (4096.0, "max"),
    "load_rate_vs_bare_read_wall": (0.70, "min"),
    "load_rate_vs_bare_read_worst_feed": (0.70, "min"),
}


def _audit_seconds(db: Path) -> dict[str, float]:
    """Seconds the loader spent per table (raw._load_audit, files loaded or replaced), or {}."""
    try:
        con = duckdb.connect(str(db), read_only=True)
        rows = con.execute(
            "SELECT table_name, sum(duration_ms) / 1000.0 FROM raw._load_audit "
            "WHERE status IN ('loaded', 'replaced') GROUP BY table_name"
        ).fetchall()
        con.close()
        return {t: float(s) for t, s in rows}
    except duckdb.Error:
        return {}


def _step(results: list[dict], name: str, cmd: list[str], cwd: Path, env: dict[str, str]) -> Measured:
    """Run one measured step, record it in ``results`` and raise on failure."""
    load_before = os.getloadavg()[0]
    m = run_measured(cmd, cwd=cwd, env=env)
    results.append(
        {
            "step": name,
            "wall_s": round(m.wall_s, 2),
            "cpu_s": round(m.cpu_s, 2),
            "peak_rss_mb": round(m.peak_rss_mb),
            "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "returncode": m.returncode,
        }
    )
    print(f"  {name:<28} {m.wall_s:8.1f} s wall {m.cpu_s:8.1f} s CPU {m.peak_rss_mb:8.0f} MB", file=sys.stderr)
    if m.returncode:
        raise RuntimeError(f"{name} failed (exit {m.returncode}):\n{m.stdout[-4000:]}\n{m.stderr[-4000:]}")
    return m


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def _ratios(steps: dict[str, dict], bare: dict, audit: dict[str, float], replay: dict) -> dict:
    """The target figures (``TARGETS``) from the measured steps."""
    load, read = steps["load base"], steps["bare read (duckdb)"]
    inc, full = steps["incremental build"], steps["full refresh"]
    noops = [steps[n] for n in ("no-op build", "no-op build, after") if n in steps]
    noop = {k: sum(s[k] for s in noops) / len(noops) for k in ("wall_s", "cpu_s")}
    per_feed = {
        t: _ratio(v["seconds"], audit[t]) for t, v in bare.items() if audit.get(t) and v["seconds"] > 0
    }  # bare seconds / loader seconds = loader rate as a share of DuckDB's
    return {
        "load_rate_vs_bare_read_wall": _ratio(read["wall_s"], load["wall_s"]),
        "load_rate_vs_bare_read_cpu": _ratio(read["cpu_s"], load["cpu_s"]),
        "load_rate_vs_bare_read_per_feed": per_feed,
        "incremental_data_part_wall": _ratio(inc["wall_s"] - noop["wall_s"], full["wall_s"] - noop["wall_s"]),
        "incremental_data_part_cpu": _ratio(inc["cpu_s"] - noop["cpu_s"], full["cpu_s"] - noop["cpu_s"]),
        "incremental_vs_full_refresh_wall": _ratio(inc["wall_s"], full["wall_s"]),
        "full_refresh_vs_replay_wall": _ratio(full["wall_s"], steps["replay compiled SQL"]["wall_s"]),
        "full_refresh_vs_replay_cpu": _ratio(full["cpu_s"], steps["replay compiled SQL"]["cpu_s"]),
        "replay_model_s": round(replay.get("model_seconds", 0), 2),
        "replay_test_s": round(replay.get("test_seconds", 0), 2),
        "load_rate_vs_bare_read_worst_feed": min(per_feed.values(), default=None),
        "load_plus_full_build_wall_s": round(load["wall_s"] + steps["full build"]["wall_s"], 1),
        "noop_build_wall_s": round(noop["wall_s"], 1),
        "noop_builds_wall_s": [s["wall_s"] for s in noops],
        "make_run_nothing_new_wall_s": steps.get("make run, nothing new", {}).get("wall_s"),
        # the pipeline's own steps (the generator and the bare read run without memory_limit)
        "peak_rss_mb_max": max(
            s["peak_rss_mb"] for n, s in steps.items() if n.startswith(("load", "full", "no-op", "incremental"))
        ),
    }


def _targets(ratios: dict) -> dict[str, dict]:
    """Each figure of ``TARGETS`` beside its limit: ``{figure: {"value", "limit", "met"}}``
    (``met`` is None where the figure is missing)."""
    out = {}
    for name, (limit, kind) in TARGETS.items():
        value = ratios.get(name)
        met = None if value is None else (value <= limit if kind == "max" else value >= limit)
        out[name] = {"value": value, "limit": f"{'<=' if kind == 'max' else '>='} {limit:g}", "met": met}
    return out


def _write_build_stamp(repo: Path, env: dict[str, str], build_dir: Path) -> None:
    """Write the fingerprint ``make run`` keeps after a successful build (the Makefile's
    BUILD_FINGERPRINT: load audit, DBT_VARS, dbt project files) into ``build_dir``, as if the
    builds this benchmark ran had been ``make run``'s own.

    Raises:
        subprocess.CalledProcessError: when make fails; RuntimeError when the fingerprint is empty.
    """
    rule = 'bench-fingerprint: ; @$(PY) -c "$$BUILD_FINGERPRINT"'
    done = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", rule, "bench-fingerprint"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    fingerprint = done.stdout.strip()
    if not fingerprint:
        raise RuntimeError("make run's build fingerprint is empty (no readable load audit)")
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / ".dbt-build-fingerprint").write_text(fingerprint + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run the steps in order, print the table and ratios, write the JSON; exit 1 on failure."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=int, default=100_000)
    p.add_argument("--events-months", type=int, default=3)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--end", type=date.fromisoformat, default=date(2025, 12, 31), help="last day; split off")
    p.add_argument("--workdir", type=Path, default=None, help="parent of the temporary directory")
    p.add_argument("--json", type=Path, default=None, help="where to write the figures (JSON)")
    p.add_argument("--keep", action="store_true", help="keep the landing tree and warehouse")
    p.add_argument("--repo", type=Path, default=REPO, help="checkout whose loaders and dbt project are measured")
    args = p.parse_args(argv)
    repo = args.repo.resolve()

    work = Path(tempfile.mkdtemp(prefix="bench-pipeline-", dir=args.workdir))
    landing, base, day = work / "landing", work / "base", work / "day"
    db = work / "warehouse" / "warehouse.duckdb"
    db.parent.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(repo),
        "DUCKDB_PATH": str(db),
        "DBT_TARGET_PATH": str(work / "dbt_target"),
        "DBT_LOG_PATH": str(work / "dbt_logs"),
        "DBT_PROFILES_DIR": str(repo / "dbt"),
        "DBT_PROJECT_DIR": str(repo / "dbt"),
        "DBT_TARGET": "duckdb",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    py, dbt_dir = sys.executable, repo / "dbt"
    load = [py, "-m", "loaders", "load", "--target", "duckdb", "--quiet", "--source-dir"]
    build = [str(DBT), "build", "--quiet"]
    results: list[dict] = []
    figures: dict = {"orders": args.orders, "events_months": args.events_months, "cpus": os.cpu_count()}
    status = 0
    try:
        # `make run` installs its environments on first use; a one-time install is not a run's cost.
        subprocess.run(["make", "-s", "--no-print-directory", "setup", "predictions-setup"], cwd=repo, check=True)
        generate = [py, "-m", "generator", "--out", str(landing), "--orders", str(args.orders)]
        generate += ["--events-months", str(args.events_months), "--seed", str(args.seed), "--end", str(args.end)]
        _step(results, "generate", generate, repo, env)
        t0 = time.perf_counter()
        figures["split_rows"] = split_last_day(landing, base, day, args.end)
        figures["split_s"] = round(time.perf_counter() - t0, 1)
        bare = _step(
            results,
            "bare read (duckdb)",
            [py, str(HERE / "bare_read.py"), str(base), str(work / "bare.duckdb")],
            REPO,
            env,
        )
        figures["bare_read"] = json.loads(bare.stdout)
        (work / "bare.duckdb").unlink()
        _step(results, "load base", [*load, str(base)], repo, env)
        audit = _audit_seconds(db)
        _step(results, "full build", build, dbt_dir, env)
        _step(results, "no-op build", build, dbt_dir, env)
        _step(results, "load one more day", [*load, str(day), "--add-landing-dir"], repo, env)
        _step(results, "incremental build", build, dbt_dir, env)
        _step(results, "no-op build, after", build, dbt_dir, env)
        _step(results, "full refresh", [*build, "--full-refresh"], dbt_dir, env)
        replay_db = work / "replay" / db.name
        replay_db.parent.mkdir()
        shutil.copyfile(db, replay_db)
        manifest = work / "dbt_target" / "manifest.json"
        replayed = _step(
            results,
            "replay compiled SQL",
            [py, str(HERE / "replay_compiled.py"), str(manifest), str(replay_db)],
            REPO,
            env,
        )
        figures["replay"] = json.loads(replayed.stdout)
        replay_db.unlink()
        _write_build_stamp(repo, env, work / "build")
        make_run = ["make", "--no-print-directory", "run", f"SEEDS_DIR={base}", "LOAD_ARGS=--add-landing-dir"]
        _step(results, "make run, nothing new", [*make_run, f"BUILD={work / 'build'}"], repo, env)
        figures["ratios"] = _ratios({r["step"]: r for r in results}, figures["bare_read"], audit, figures["replay"])
        figures["targets"] = _targets(figures["ratios"])
    except RuntimeError as e:
        print(e, file=sys.stderr)
        status = 1
    finally:
        figures["steps"] = results
        out = args.json or (args.workdir or Path(tempfile.gettempdir())) / "bench_pipeline.json"
        out.write_text(json.dumps(figures, indent=2, default=str))
        _print(figures, out)
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return status


def _print(figures: dict, out: Path) -> None:
    """The steps as a table, then the ratios."""
    print(
        f"\npipeline benchmark: {figures['orders']:,} orders, {figures['events_months']} month(s) of events, "
        f"{figures['cpus']} CPUs"
    )
    print(f"{'step':<22} {'wall s':>8} {'cpu s':>8} {'peak RSS MB':>12}  load avg (1 min, before/after)")
    for r in figures["steps"]:
        print(f"{r['step']:<22} {r['wall_s']:>8.1f} {r['cpu_s']:>8.1f} {r['peak_rss_mb']:>12}  {r['load_avg_1m']}")
    for name, value in figures.get("ratios", {}).items():
        print(f"  {name}: {value}")
    if figures.get("targets"):
        print(f"{'target':<36} {'value':>10} {'limit':>10}  met")
    for name, t in figures.get("targets", {}).items():
        print(f"{name:<36} {t['value'] if t['value'] is not None else '-':>10} {t['limit']:>10}  {t['met']}")
    print(f"figures: {out}")


if __name__ == "__main__":
    raise SystemExit(main())
