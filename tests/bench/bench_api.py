"""Benchmark of the metrics API: warm latency (p50/p95) and errors under concurrent clients.

Starts ``python -m serving api`` as a child process on a free loopback port over the warehouse at
``DUCKDB_PATH`` (default build/warehouse.duckdb) and ``SEMANTIC_MANIFEST`` (default the one ``make
serving-warehouse`` parses, build/serving-target/semantic_manifest.json), warms every
query of the mix once (MetricFlow plans it, the SQL is cached), then measures:
  * sequential: ``--requests`` requests, one client;
  * concurrent: ``--clients`` threads, ``--requests`` requests each.
Targets: p50 <= 50 ms warm, no error with 8 clients. Prints the figures with the
load average; exits 1 on any failed request, 0 otherwise (latency is reported, not enforced).

Usage: ``python tests/bench/bench_api.py [--clients 8] [--requests 200]`` (``make bench``). Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]

#: The request mix: a metric by week, a filtered and grouped query, a saved query, a CSV answer, and the BI
#: panels' heavier shapes: top products (order lines joined to orders and products) and the support backlog
#: (a semi-additive metric).
QUERIES = [
    ("/query", {"metrics": "revenue", "grain": "week"}),
    (
        "/query",
        {
            "metrics": "net_revenue,aov",
            "grain": "month",
            "group_by": "order__sales_channel",
            "filter": "order__sales_channel:web,mobile_app",
        },
    ),
    ("/saved-queries/sales_kpis_by_currency/query", {"start": "2025-10-01", "end": "2025-12-31"}),
    ("/saved-queries/web_conversion_by_channel/query", {"format": "csv"}),
    (
        "/query",
        {
            "metrics": "product_net_revenue,units_sold",
            "group_by": "product,product__product_title",
            "filter": ["product__category:Apparel", "order__sales_channel:web"],
            "start": "2025-11-01",
            "end": "2025-11-30",
            "order_by": "-product_net_revenue",
            "limit": 10,
        },
    ),
    ("/query", {"metrics": "tickets_created,ticket_backlog", "grain": "week"}),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _timed(client: httpx.Client, i: int, latencies: list[float], errors: list[str]) -> None:
    path, params = QUERIES[i % len(QUERIES)]
    t0 = time.perf_counter()
    try:
        response = client.get(path, params=params)
        if response.status_code != 200:
            errors.append(f"{path}: HTTP {response.status_code} {response.text[:200]}")
    except httpx.HTTPError as exc:
        errors.append(f"{path}: {exc!r}")
    latencies.append((time.perf_counter() - t0) * 1000)


def main() -> int:
    """Run the benchmark; returns 1 when a request failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    database = Path(os.environ.get("DUCKDB_PATH", REPO / "build" / "warehouse.duckdb"))
    manifest = Path(os.environ.get("SEMANTIC_MANIFEST", REPO / "build" / "serving-target" / "semantic_manifest.json"))
    if not database.is_file() or not manifest.is_file():
        print(f"api bench: skipped, no warehouse ({database}) or manifest ({manifest}); run `make run`")
        return 0
    token, port = secrets.token_urlsafe(16), _free_port()
    env = dict(os.environ, METRICS_API_TOKEN=token, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "serving", "api", "--port", str(port)]
    cmd += ["--database", str(database), "--manifest", str(manifest)]
    t_start = time.perf_counter()
    server = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            while True:
                if server.poll() is not None:
                    print(f"api bench: the server exited:\n{server.stderr.read() if server.stderr else ''}")
                    return 1
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            startup_s = time.perf_counter() - t_start
            t0 = time.perf_counter()
            warm_errors: list[str] = []
            for i in range(len(QUERIES)):
                _timed(client, i, [], warm_errors)
            first_s = time.perf_counter() - t0
            sequential: list[float] = []
            errors: list[str] = list(warm_errors)
            for i in range(args.requests):
                _timed(client, i, sequential, errors)

        concurrent: list[float] = []
        lock = threading.Lock()

        def worker(offset: int) -> None:
            local: list[float] = []
            local_errors: list[str] = []
            with httpx.Client(base_url=base, headers=headers, timeout=30) as own:
                for i in range(args.requests):
                    _timed(own, offset + i, local, local_errors)
            with lock:
                concurrent.extend(local)
                errors.extend(local_errors)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(timeout=10)

    load1, load5, _ = os.getloadavg()
    p50, p95 = statistics.median(sequential), _percentile(sequential, 0.95)
    c50, c95 = statistics.median(concurrent), _percentile(concurrent, 0.95)
    print(
        f"api bench ({len(QUERIES)} queries in the mix; load average {load1:.2f} / {load5:.2f}, {os.cpu_count()} cpus)"
    )
    print(f"  server ready          {startup_s:6.2f} s; first run of the mix (planning) {first_s * 1000:6.0f} ms")
    print(f"  sequential, warm      p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   ({len(sequential)} requests)")
    print(
        f"  {args.clients} concurrent clients p50 {c50:6.1f} ms   p95 {c95:6.1f} ms   "
        f"{len(concurrent) / wall:6.0f} req/s   errors {len(errors)}"
    )
    latency_met = "met" if p50 <= 50 else "NOT met"
    print(f"  target p50 <= 50 ms warm: {latency_met}; no error: {'met' if not errors else 'NOT met'}")
    for error in errors[:5]:
        print(f"  error: {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
