"""Benchmark of the data generator: rows, seconds, MB and peak memory at real volumes.

Runs ``python -m generator`` in a child process per scenario (so peak RSS and CPU
time are the child's own, from ``os.wait4``) and prints one line per scenario plus the
generator's per-phase timings. Target: 1M orders with items, events, spend and tickets
in <= 60 s on a 2-core machine.

Usage: ``python tests/bench/bench_generator.py [--orders N] [--events-months 1 3] [--gzip-level L]``
(``make bench`` runs it at 1M orders). Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml
from measure import run_measured

REPO = Path(__file__).resolve().parents[2]
TARGET_SECONDS = 60.0


def run_scenario(orders: int, events_months: int, gzip_level: int, seed: int, out: Path) -> dict:
    """Generate one landing tree in a child process and measure it.

    Returns:
        dict with rows (all tables), events, items, wall and CPU seconds, MB on disk,
        peak RSS in MB, and the child's phase log lines.

    Raises:
        SystemExit: the generator failed (its output is shown).
    """
    cmd = [sys.executable, "-m", "generator", "--out", str(out), "--orders", str(orders), "--seed", str(seed)]
    cmd += ["--events-months", str(events_months), "--gzip-level", str(gzip_level), "-v"]
    m = run_measured(cmd, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    if m.returncode:
        raise SystemExit(f"generator failed ({m.returncode}):\n{m.stdout}\n{m.stderr}")
    manifest = yaml.safe_load((out / "_generator.yml").read_text())
    rows = {fqn: t["rows"] for fqn, t in manifest["tables"].items()}
    return {
        "orders": orders,
        "events_months": events_months,
        "rows": sum(rows.values()),
        "events": rows["web.events"],
        "items": rows["shop.order_items"],
        "wall_s": m.wall_s,
        "cpu_s": m.cpu_s,
        "mb": sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6,
        "peak_rss_mb": m.peak_rss_mb,
        "phases": [line for line in m.stderr.splitlines() if line.strip()],
    }


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios and print a table; with ``--strict``, exit 1 when one exceeds the 60 s target."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=int, default=1_000_000)
    p.add_argument("--events-months", type=int, nargs="+", default=[1, 3])
    p.add_argument("--gzip-level", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--workdir", type=Path, default=None, help="where to write (default: a temporary directory)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a scenario takes more than the target")
    args = p.parse_args(argv)

    results = []
    for months in args.events_months:
        root = Path(tempfile.mkdtemp(prefix="bench-gen-", dir=args.workdir))
        try:
            results.append(run_scenario(args.orders, months, args.gzip_level, args.seed, root / "landing"))
        finally:
            shutil.rmtree(root, ignore_errors=True)

    print(f"\ngenerator benchmark ({os.cpu_count()} CPUs, gzip level {args.gzip_level})")
    header = f"{'orders':>10} {'ev.months':>9} {'items':>11} {'events':>12} {'all rows':>12} "
    header += f"{'wall s':>8} {'cpu s':>8} {'MB':>8} {'peak RSS MB':>12} {'rows/s':>11}"
    print(header)
    for r in results:
        print(
            f"{r['orders']:>10,} {r['events_months']:>9} {r['items']:>11,} {r['events']:>12,} {r['rows']:>12,} "
            f"{r['wall_s']:>8.1f} {r['cpu_s']:>8.1f} {r['mb']:>8.1f} {r['peak_rss_mb']:>12.0f} "
            f"{r['rows'] / r['wall_s']:>11,.0f}"
        )
    for r in results:
        print(f"\nphases, {r['events_months']} month(s) of events:")
        for line in r["phases"]:
            print(f"  {line}")
    slow = [r for r in results if r["wall_s"] > TARGET_SECONDS]
    print()
    for r in results:
        verdict = "above" if r in slow else "within"
        print(
            f"{r['events_months']} month(s) of events: {r['wall_s']:.1f} s, {verdict} the {TARGET_SECONDS:.0f} s target"
        )
    print("(wall time depends on other load on the machine; cpu s is the generator's own work)")
    return 1 if slow and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
