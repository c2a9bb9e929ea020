"""Command line: ``python -m generator --out DIR --orders N --seed S ...``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .config import GeneratorConfig
from .core import generate


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the generator CLI (``python -m generator``)."""
    d = GeneratorConfig()
    p = argparse.ArgumentParser(
        prog="python -m generator",
        description="Generate a deterministic e-commerce landing zone (every table of loaders/contract.yml).",
    )
    p.add_argument(
        "--out", type=Path, required=True, help="root directory of the landing tree (<out>/<source>/<table>/)"
    )
    p.add_argument("--orders", type=int, default=d.orders, help=f"distinct orders (default {d.orders})")
    p.add_argument("--seed", type=int, default=d.seed, help=f"random seed (default {d.seed})")
    p.add_argument("--start", default=d.start, help=f"first day YYYY-MM-DD (default {d.start})")
    p.add_argument("--end", default=d.end, help=f"last day YYYY-MM-DD, inclusive (default {d.end})")
    p.add_argument(
        "--events-months",
        type=int,
        default=d.events_months,
        help=f"months of clickstream ending with the end month (default {d.events_months}; 0 = none)",
    )
    p.add_argument("--customers", type=int, default=None, help="customer accounts (default orders / 5)")
    p.add_argument("--products", type=int, default=d.products, help=f"catalogue size (default {d.products})")
    p.add_argument(
        "--gzip-level", type=int, default=d.gzip_level, help=f"events gzip level 1-9 (default {d.gzip_level})"
    )
    p.add_argument(
        "--currencies",
        default=",".join(d.currencies),
        help="order currencies, USD first, e.g. USD,EUR,GBP (default USD; rates in finance/fx_rates)",
    )
    p.add_argument(
        "--stores",
        type=int,
        default=d.stores,
        help="stores: 1 (default, no store ids) or 2 (a US store in New York time and a euro store in Berlin time, "
        "with shop/stores; needs --currencies with EUR)",
    )
    p.add_argument("--threads", type=int, default=None, help="DuckDB threads for writing (default: all cores)")
    p.add_argument("-v", "--verbose", action="store_true", help="log the time of each phase")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the generator CLI.

    Args:
        argv: arguments without the program name; ``None`` reads ``sys.argv[1:]``.

    Returns:
        Process exit code: 0 on success, 2 on invalid settings.
    """
    args = build_parser().parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        cfg = GeneratorConfig(
            orders=args.orders,
            seed=args.seed,
            start=args.start,
            end=args.end,
            events_months=args.events_months,
            customers=args.customers,
            products=args.products,
            gzip_level=args.gzip_level,
            currencies=tuple(c.strip().upper() for c in args.currencies.split(",")),
            stores=args.stores,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summary = generate(cfg, args.out, threads=args.threads)
    print(f"{'table':<22}{'rows':>12}{'files':>7}{'MB':>10}")
    for fqn, rows in summary.rows.items():
        print(f"{fqn:<22}{rows:>12,}{len(summary.files[fqn]):>7}{summary.bytes[fqn] / 1e6:>10.2f}")
    total_mb = sum(summary.bytes.values()) / 1e6
    print(f"{'total':<22}{sum(summary.rows.values()):>12,}{'':>7}{total_mb:>10.2f}")
    print(f"wrote {args.out} in {summary.seconds:.1f} s (seed {cfg.seed}, {cfg.orders:,} orders)")
    return 0
