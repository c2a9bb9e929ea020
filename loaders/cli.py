"""Command line: ``python -m loaders <command> ...``.

``load`` is implemented here; ``kpis`` is dispatched to
the module that owns it (exposing ``main(argv) -> int``), imported only when used.

Exit codes: 0 success (quarantined rows are not a failure: the summary counts them),
2 a user or data error (bad arguments, missing directory, a file refused), 1 anything unexpected.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table as RichTable

from loaders.api import load_directory
from loaders.backends import TARGETS
from loaders.errors import LoaderError
from loaders.report import LoadReport

EXIT_OK, EXIT_UNEXPECTED, EXIT_USER = 0, 1, 2

#: Subcommands owned by other modules: name -> (module, one-line help).
DISPATCH = {
    "kpis": ("loaders.kpis", "print the KPI summary of the built warehouse"),
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m loaders", description="E-commerce warehouse loaders.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    load = sub.add_parser("load", help="land source files in the warehouse's raw layer")
    load.add_argument("--target", choices=TARGETS, default="duckdb", help="warehouse (default: duckdb)")
    load.add_argument("--source-dir", type=Path, required=True, help="landing directory, e.g. seeds/")
    load.add_argument(
        "--database", type=Path, default=None, help="DuckDB file (default: $DUCKDB_PATH or build/warehouse.duckdb)"
    )
    load.add_argument(
        "--tables",
        default=None,
        help="comma-separated tables to load (e.g. orders,order_items); absent required feeds are then allowed",
    )
    load.add_argument("--quiet", action="store_true", help="no progress bar or summary; warnings and errors only")
    load.add_argument("-v", "--verbose", action="store_true", help="log each file")
    for name, (_, help_) in DISPATCH.items():
        sub.add_parser(name, help=help_, add_help=False)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: arguments without the program name; default ``sys.argv[1:]``.

    Returns:
        The process exit code (0, 1 or 2, see module docstring).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DISPATCH:
        return _dispatch(argv[0], argv[1:])
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # argparse: 2 on bad usage, 0 on --help
        return int(e.code or 0)
    return _load(args)


def _dispatch(command: str, argv: list[str]) -> int:
    module_name = DISPATCH[command][0]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name != module_name:
            raise
        _error(f"`{command}` is not available in this version ({module_name} is missing)")
        return EXIT_USER
    return int(module.main(argv) or 0)


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _warning(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _load(args: argparse.Namespace) -> int:
    out = Console(highlight=False)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, format="%(levelname)s %(message)s")
    if not args.verbose:
        # The summary below reports warnings and errors; keep the log for --verbose and Airflow.
        logging.getLogger("loaders").setLevel(logging.CRITICAL)
    tables = [t for t in args.tables.split(",") if t.strip()] if args.tables else None
    try:
        report = load_directory(
            args.source_dir,
            target=args.target,
            database=args.database,
            tables=tables,
            progress=not args.quiet,
            raise_on_error=False,
        )
    except LoaderError as e:
        _error(str(e))
        return EXIT_USER
    if not args.quiet:
        print_summary(report, out)
    for f in report.files:
        for w in f.warnings:
            _warning(w)
    for u in report.unmatched_files:
        _warning(f"{u}: no contract table claims this file; ignored")
    for f in report.failed:
        _error(str(f.error))
    if not report.reconciles:
        _error("reconciliation failed (rows read != loaded + rejected)")
    return EXIT_OK if report.ok else EXIT_USER


_STATUS_WORDS = {"loaded": "new", "replaced": "replaced", "unchanged": "same", "failed": "[red]failed[/red]"}


def print_summary(report: LoadReport, console: Console) -> None:
    """Print the per-table summary of a load (rich table) and the quarantine hint.

    Args:
        report: the run's report.
        console: where to print.
    """
    t = RichTable(title=f"raw layer load ({report.target}: {report.database})", title_justify="left")
    t.add_column("table", no_wrap=True)
    t.add_column("files", no_wrap=True)
    for col in ("rows read", "loaded", "rejected", "seconds", "rows/s"):
        t.add_column(col, justify="right", no_wrap=True)
    totals = report.totals()
    for name, tot in totals.items():
        fs = [f for f in report.files if f.table == name]
        counts = {s: sum(f.status == s for f in fs) for s in ("loaded", "replaced", "unchanged", "failed")}
        files = ", ".join(f"{n} {_STATUS_WORDS[s]}" for s, n in counts.items() if n) or "[dim]none: empty[/dim]"
        secs = tot.duration_ms / 1000
        t.add_row(
            name,
            files,
            f"{tot.rows_read:,}",
            f"{tot.rows_loaded:,}",
            f"[red]{tot.rows_rejected:,}[/red]" if tot.rows_rejected else "0",
            f"{secs:.1f}",
            f"{tot.rows_read / secs:,.0f}" if secs and tot.rows_read else "",
        )
    console.print(t)
    rejected = sum(x.rows_rejected for x in totals.values())
    if rejected:
        console.print(
            f"{rejected:,} row(s) quarantined: see raw._quarantine (file, line, column, reason, raw line).",
            soft_wrap=True,
        )
