"""Orchestration: generate every contract table and write the landing-zone tree."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import duckdb
import numpy as np
import pyarrow as pa
import yaml

from loaders.contract import Contract, Table, load_contract

from .anomalies import plan_anomalies
from .catalog import generate_catalog
from .clickstream import generate_events
from .config import GeneratorConfig
from .customers import customers_table, generate_customers
from .fx import assign_order_currencies, assign_refund_currencies, fx_rates_table
from .marketing import generate_marketing
from .orders import generate_orders
from .refunds import generate_refunds
from .stores import assign_order_stores, stores_table
from .support import generate_tickets
from .timeline import Calendar
from .writer import write_csv, write_jsonl_gz

log = logging.getLogger(__name__)

#: Generator output layout version, recorded in the manifest.
LAYOUT_VERSION = 1
MANIFEST_NAME = "_generator.yml"
#: A month of events is split into files of at most this many events (written in parallel).
MAX_EVENTS_PER_FILE = 2_000_000


class _Clock:
    """Logs the wall-clock and CPU time (all threads) of each phase (INFO)."""

    def __init__(self) -> None:
        self._t, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, what: str) -> None:
        """Log the time since the previous lap under the label ``what``."""
        now, cpu = time.perf_counter(), time.process_time()
        log.info("%-42s %6.2f s  (cpu %6.2f s)", what, now - self._t, cpu - self._cpu)
        self._t, self._cpu = now, cpu


@dataclass
class Summary:
    """What a run wrote.

    Attributes:
        rows: rows written per table fqn (``'shop.orders'``), including superseded duplicates.
        files: relative POSIX paths written per table fqn.
        bytes: bytes on disk per table fqn.
        seconds: wall-clock time of the run.
    """

    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _check_path(rel: str, spec: Table) -> str:
    if not PurePosixPath(rel).match(spec.files):
        raise AssertionError(f"{rel} does not match the contract glob {spec.files} of {spec.fqn}")
    return rel


def clear_outputs(out: Path, contract: Contract) -> None:
    """Delete the files the contract's globs match under ``out`` (a previous run's output)."""
    for spec in contract.tables:
        for p in sorted(out.glob(spec.files)):
            if p.is_file():
                p.unlink()


def generate(cfg: GeneratorConfig, out: Path, contract: Contract | None = None, threads: int | None = None) -> Summary:
    """Generate every table of the contract into ``out/<source>/<table>/`` and a manifest.

    Files: ``<table>.csv`` for CSV feeds (``shop/stores`` only with two stores),
    ``events_<YYYY-MM>.jsonl.gz`` per month for the clickstream
    (``events_<YYYY-MM>_partNN.jsonl.gz`` when a month has more than ``MAX_EVENTS_PER_FILE``
    events), and ``_generator.yml`` (settings, rows per table written, injected anomalies).
    Existing files matched by the contract's globs under ``out`` are removed first, so the
    tree holds exactly one run's output. Same ``cfg`` -> byte-identical files.

    Args:
        cfg: what to generate.
        out: root of the landing tree (created if missing).
        contract: the data contract; defaults to ``loaders/contract.yml``.
        threads: DuckDB threads for writing (default: DuckDB's choice).

    Returns:
        A ``Summary`` of rows, files and bytes per table.

    Raises:
        ValueError: a generated table's columns differ from the contract.
    """
    t_start = time.perf_counter()
    contract = contract or load_contract()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    clock = _Clock()
    cal = Calendar.build(cfg.start_day, cfg.end_day, cfg.rng("calendar"))
    catalog = generate_catalog(cfg.products, cal, cfg.rng("products"))
    cust = generate_customers(cfg.n_customers, cal, cfg.rng("customers"))
    mkt = generate_marketing(cfg.orders, cal, cfg.rng("marketing"))
    anomalies = plan_anomalies(cfg, cal, catalog, cfg.rng("anomalies"))
    clock.lap("calendar, products, customers, campaigns")
    orders = generate_orders(cfg.orders, anomalies, cust, catalog, mkt, cal, cfg.rng("orders"))
    clock.lap("orders and items")
    last_order = np.full(cust.n, -1, dtype=np.int64)
    member = orders.customer >= 0
    np.maximum.at(last_order, orders.customer[member], orders.created_at[member])
    customers = customers_table(cust, last_order, cal.end_ts, cfg.rng("customers-export"))
    tickets = generate_tickets(cust, orders, cal, cfg.rng("tickets"))
    refunds = generate_refunds(orders, cal, cfg.rng("refunds"))
    clock.lap("customers export, tickets")
    clear_outputs(out, contract)
    summary = Summary()
    orders_export = assign_order_currencies(orders.orders_table, cfg.currencies)
    csv_tables = {
        "customers": customers,
        "products": catalog.table,
        "orders": assign_order_stores(orders_export, cfg.stores),
        "order_items": orders.items_table,
        "refunds": assign_refund_currencies(refunds, orders_export),
        "ad_spend": mkt.table,
        "tickets": tickets,
        "fx_rates": fx_rates_table(cfg.currencies, cfg.start_day, cfg.end_day, cfg.rng("fx")),
    }
    if cfg.stores > 1:
        csv_tables["stores"] = stores_table(cfg.stores, cal.start_ts)
    with ThreadPoolExecutor(max_workers=1) as pool:  # DuckDB writes the CSVs while numpy draws the clickstream
        csv_job = pool.submit(_write_csv_tables, csv_tables, contract, out, threads)
        events = generate_events(cfg, cal, cust, catalog, orders, mkt, anomalies, cfg.rng("events"))
        clock.lap(f"clickstream ({events.n:,} events)")
        for fqn, (rows, rel) in csv_job.result().items():
            summary.rows[fqn], summary.files[fqn] = rows, [rel]
        clock.lap("CSV files written (in the background)")

    spec = contract.table("events")
    parts, rels = [], []
    for month, first, end in events.month_bounds:
        n_parts = -(-(end - first) // MAX_EVENTS_PER_FILE)
        cuts = np.linspace(first, end, n_parts + 1).round().astype(np.int64)
        for i in range(n_parts):
            suffix = f"_part{i + 1:02d}" if n_parts > 1 else ""
            rel = _check_path(f"{spec.source}/{spec.name}/{spec.name}_{month}{suffix}.jsonl.gz", spec)
            parts.append((out / rel, int(cuts[i]), int(cuts[i + 1])))
            rels.append(rel)
    summary.rows[spec.fqn] = sum(write_jsonl_gz(events.json_lines, parts, cfg.gzip_level))
    summary.files[spec.fqn] = rels
    clock.lap("events written")
    for fqn, rels in summary.files.items():
        summary.bytes[fqn] = sum((out / r).stat().st_size for r in rels)
    _write_manifest(out, cfg, summary, anomalies, contract)
    summary.seconds = time.perf_counter() - t_start
    return summary


def _write_csv_tables(
    tables: dict[str, pa.Table], contract: Contract, out: Path, threads: int | None
) -> dict[str, tuple[int, str]]:
    """Write each CSV feed as ``<source>/<table>/<table>.csv``; returns fqn -> (rows, relative path)."""
    con = duckdb.connect(config={"threads": threads} if threads else {})
    con.execute("SET enable_progress_bar = false")
    written = {}
    try:
        for name, data in tables.items():
            spec = contract.table(name)
            rel = _check_path(f"{spec.source}/{spec.name}/{spec.name}.csv", spec)
            written[spec.fqn] = (write_csv(con, data, spec, out / rel), rel)
    finally:
        con.close()
    return written


def _write_manifest(out: Path, cfg: GeneratorConfig, summary: Summary, anomalies: list, contract: Contract) -> None:
    """Write ``_generator.yml``: settings, files and rows per table written, injected anomalies (no timings)."""
    manifest = {
        "generator": "generator",
        "layout_version": LAYOUT_VERSION,
        "settings": cfg.as_dict(),
        "tables": {
            t.fqn: {"files": summary.files[t.fqn], "rows": summary.rows[t.fqn]}
            for t in contract.tables
            if t.fqn in summary.files
        },
        "anomalies": [
            {
                "kind": "flash_sale",
                "product_id": a.product_index + 1,
                "hour_start_utc": str(np.datetime64(a.hour_start, "s")).replace("T", " "),
                "extra_orders": a.orders,
                "extra_view_item_sessions": a.view_sessions,
                "expect": "spike in product-hour sales (orders, units, revenue) and in view_item events",
            }
            for a in anomalies
        ],
    }
    header = (
        "# Written by `python -m generator`; describes the files beside it.\n"
        "# Not a data feed: no contract glob matches it.\n"
    )
    (out / MANIFEST_NAME).write_text(header + yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
