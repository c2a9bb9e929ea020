"""Command line: ``python -m loaders <command> ...``.

``load`` lands a landing directory in the warehouse's raw layer; ``shop-vars`` prints the dbt vars
of the shop settings a landing directory's ``mapping.yml`` declares (what ``make run`` passes to dbt).

Exit codes of ``load`` (``EXIT_CODES``), the most serious one wins:

- 0: every file landed or was unchanged (quarantined rows are counted, not a failure,
  unless ``--fail-on-reject`` says otherwise);
- 1: an unexpected internal error (a bug: please report it with the traceback);
- 2: usage: bad arguments, an unknown table or target, a missing source directory,
  missing warehouse settings;
- 3: data: a file or the landing directory was refused (unreadable, corrupt, wrong
  header, missing required feed, a link leaving the directory, a warehouse holding
  another landing directory: ``--prune`` or ``--add-landing-dir``); the other files still landed;
- 4: more rows were quarantined than ``--fail-on-reject`` allows (everything landed);
- 5: warehouse: it cannot be opened or written (locked by another process, disk full,
  raw tables built for another contract);
- 130: interrupted (Ctrl-C, SIGTERM): the file being landed was rolled back, the files
  landed before it stay; the same command resumes (landed files are unchanged).

``--json`` prints one JSON object on stdout instead of the table (``summary_json``).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table as RichTable

from loaders import __version__
from loaders.api import load_directory
from loaders.backends import TARGETS
from loaders.errors import LoaderError
from loaders.report import LoadReport

EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, EXIT_DATA, EXIT_REJECTED, EXIT_WAREHOUSE = 0, 1, 2, 3, 4, 5
#: Interrupted (Ctrl-C or SIGTERM): 128 + SIGINT, as shells report it.
EXIT_INTERRUPTED = 130
#: Exit code -> what it means, for ``--help`` and the JSON summary.
EXIT_CODES = {
    EXIT_OK: "ok",
    EXIT_UNEXPECTED: "unexpected error",
    EXIT_USAGE: "usage error",
    EXIT_DATA: "data error: file(s) refused",
    EXIT_REJECTED: "rows rejected over --fail-on-reject",
    EXIT_WAREHOUSE: "warehouse error",
    EXIT_INTERRUPTED: "interrupted",
}
_EXIT_OF_KIND = {"usage": EXIT_USAGE, "data": EXIT_DATA, "warehouse": EXIT_WAREHOUSE}


@dataclass(frozen=True)
class RejectThreshold:
    """How many quarantined rows a run may have before it fails (``--fail-on-reject``).

    Attributes:
        rows: the largest accepted number of rejected rows, or None.
        percent: the largest accepted share of rejected rows among rows read, in percent, or None.
    """

    rows: int | None = None
    percent: float | None = None

    @classmethod
    def parse(cls, text: str) -> RejectThreshold:
        """``"0"`` (no rejected row), ``"25"`` (at most 25 rows) or ``"0.5%"`` (at most 0.5 % of rows read).

        Raises:
            argparse.ArgumentTypeError: anything else.
        """
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(%?)\s*", text)
        if not m or (not m.group(2) and "." in m.group(1)):
            raise argparse.ArgumentTypeError(
                f"expected a row count (e.g. 0, 25) or a percentage (e.g. 0.5%), got {text!r}"
            )
        if m.group(2):
            return cls(percent=float(m.group(1)))
        return cls(rows=int(m.group(1)))

    def exceeded(self, rows_read: int, rows_rejected: int) -> bool:
        """Whether ``rows_rejected`` of ``rows_read`` is more than the threshold allows."""
        if self.rows is not None:
            return rows_rejected > self.rows
        if self.percent is not None and rows_read:
            return rows_rejected * 100 > self.percent * rows_read
        return False

    def __str__(self) -> str:
        return f"{self.rows} row(s)" if self.rows is not None else f"{self.percent:g}% of rows read"


def _parser() -> argparse.ArgumentParser:
    codes = "; ".join(f"{code} {what}" for code, what in EXIT_CODES.items())
    p = argparse.ArgumentParser(
        prog="python -m loaders",
        description="E-commerce warehouse loaders.",
        epilog=f"Exit codes of load: {codes}.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}", help="print the version and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", help="what to do")
    load = sub.add_parser(
        "load",
        help="land source files in the warehouse's raw layer",
        description="Land the files of a landing directory in the warehouse's raw layer.",
        epilog=f"Exit codes: {codes}.",
    )
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
    load.add_argument(
        "--fail-on-reject",
        type=RejectThreshold.parse,
        default=None,
        metavar="N|P%",
        help=f"exit {EXIT_REJECTED} when more rows than N (0: any row), or more than P%% of the rows read, "
        "are quarantined (the rows still land)",
    )
    landing = load.add_mutually_exclusive_group()
    landing.add_argument(
        "--prune",
        action="store_true",
        help="remove the rows of files no longer in the landing directory (tables loaded by this run); "
        "also replaces another landing directory the warehouse was loaded from with this one",
    )
    landing.add_argument(
        "--add-landing-dir",
        action="store_true",
        help="load even though the warehouse holds another landing directory's files "
        "(directories that belong together, one per day say); by default that is refused",
    )
    load.add_argument(
        "--explain",
        action="store_true",
        help="print the mapping the source directory's mapping.yml would apply (preset, overrides, "
        "per contract column its source) and exit without loading",
    )
    load.add_argument("--json", action="store_true", help="print a JSON summary on stdout instead of the table")
    load.add_argument("--quiet", action="store_true", help="no progress bar or summary; warnings and errors only")
    load.add_argument("-v", "--verbose", action="store_true", help="log each file")
    shop = sub.add_parser(
        "shop-vars",
        help="print the dbt vars of a source directory's shop settings (mapping.yml, shop:) as JSON",
        description="Print, as one JSON object, the dbt vars a source directory's mapping.yml declares in its "
        "shop section (reporting_currency, shop_timezone) under --dbt-vars, which win; nothing when there are none.",
    )
    shop.add_argument("--source-dir", type=Path, required=True, help="landing directory holding mapping.yml")
    shop.add_argument("--dbt-vars", default=None, metavar="YAML", help="explicit dbt vars (e.g. $DBT_VARS)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: arguments without the program name; default ``sys.argv[1:]``.

    Returns:
        The process exit code (see module docstring).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # argparse: 2 on bad usage, 0 on --help / --version
        return int(e.code or 0)
    if args.command == "shop-vars":
        return _shop_vars(args.source_dir, args.dbt_vars)
    return _load(args)


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _warning(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


#: The stop signal received during the current load, if any (see ``_interrupt``).
_stopped_by: list[int] = []


def _interrupt(signum: int, frame: object) -> None:
    """Ctrl-C (SIGINT) and SIGTERM end a load alike: the current file's transaction is rolled back.

    The signal is recorded because DuckDB reports a query it cut short as a plain
    ``RuntimeError("Query interrupted")``, not as the ``KeyboardInterrupt`` raised here.
    """
    _stopped_by.append(signum)
    raise KeyboardInterrupt


def exit_code(report: LoadReport, threshold: RejectThreshold | None) -> int:
    """The exit code of a finished run (see module docstring).

    Args:
        report: the run's report.
        threshold: ``--fail-on-reject``, or None.

    Returns:
        ``EXIT_WAREHOUSE`` or ``EXIT_DATA`` when a file failed (the most serious kind among
        them), else ``EXIT_REJECTED`` when the rejected rows exceed ``threshold``, else ``EXIT_OK``.
    """
    kinds = {f.error_kind for f in report.failed}
    if "warehouse" in kinds:
        return EXIT_WAREHOUSE
    if report.failed or not report.reconciles:
        return EXIT_DATA
    totals = report.totals().values()
    rows_read = sum(t.rows_read for t in totals)
    rows_rejected = sum(t.rows_rejected for t in totals)
    if threshold is not None and threshold.exceeded(rows_read, rows_rejected):
        return EXIT_REJECTED
    return EXIT_OK


def _explain(source_dir: Path) -> int:
    """``load --explain``: print the mapping of ``source_dir`` (``loaders.mapping.explain``)."""
    from loaders.mapping import explain

    try:
        print(explain(source_dir))
    except LoaderError as e:
        _error(str(e))
        return _EXIT_OF_KIND.get(e.kind, EXIT_DATA)
    return EXIT_OK


def _shop_vars(source_dir: Path, explicit: str | None) -> int:
    """``shop-vars``: print the dbt vars of ``source_dir`` (``loaders.mapping.shop_dbt_vars``) as
    JSON; ``explicit`` as given when the directory declares none (nothing when both are empty)."""
    from loaders.mapping import shop_dbt_vars

    try:
        declared = shop_dbt_vars(source_dir)
        merged = shop_dbt_vars(source_dir, explicit) if declared else None
    except LoaderError as e:
        _error(str(e))
        return _EXIT_OF_KIND.get(e.kind, EXIT_DATA)
    if merged:
        print(json.dumps(merged, sort_keys=True, default=str))  # a YAML date var stays its ISO text
    elif explicit and explicit.strip():
        print(explicit)
    return EXIT_OK


def _load(args: argparse.Namespace) -> int:
    if args.explain:
        return _explain(args.source_dir)
    out = Console(highlight=False)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, format="%(levelname)s %(message)s")
    if not args.verbose:
        # The summary below reports warnings and errors; keep the log for --verbose and Airflow.
        logging.getLogger("loaders").setLevel(logging.CRITICAL)
    tables = [t for t in args.tables.split(",") if t.strip()] if args.tables else None
    in_main_thread = threading.current_thread() is threading.main_thread()  # only there can signals be handled
    # SIGINT keeps SIG_IGN when the caller ignores it (a shell's background job).
    stops = [signal.SIGTERM] + ([signal.SIGINT] if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN else [])
    previous = {s: signal.signal(s, _interrupt) for s in stops} if in_main_thread else {}
    _stopped_by.clear()
    try:
        report = load_directory(
            args.source_dir,
            target=args.target,
            database=args.database,
            tables=tables,
            progress=not (args.quiet or args.json),
            raise_on_error=False,
            prune=args.prune,
            add_landing_dir=args.add_landing_dir,
        )
    except (KeyboardInterrupt, duckdb.InterruptException, RuntimeError) as e:
        if isinstance(e, RuntimeError) and not _stopped_by:
            raise
        _error(
            "interrupted: the file being landed was rolled back, the files landed before it stay; "
            "run the same command again to finish"
        )
        return EXIT_INTERRUPTED
    except LoaderError as e:
        code = _EXIT_OF_KIND.get(e.kind, EXIT_DATA)
        _error(str(e))
        if args.json:
            print(json.dumps({"version": __version__, "exit_code": code, "outcome": EXIT_CODES[code], "error": str(e)}))
        return code
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    code = exit_code(report, args.fail_on_reject)
    if args.json:
        print(json.dumps(summary_json(report, code), indent=2))
    elif not args.quiet:
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
    if code == EXIT_REJECTED:
        rejected = sum(t.rows_rejected for t in report.totals().values())
        _error(f"{rejected:,} row(s) quarantined, more than --fail-on-reject {args.fail_on_reject} allows")
    return code


def summary_json(report: LoadReport, code: int) -> dict:
    """The machine-readable summary of a run (``--json``).

    Args:
        report: the run's report.
        code: the run's exit code.

    Returns:
        A JSON-ready dict: ``version``, ``exit_code``, ``outcome``, ``target``, ``database``,
        ``totals`` (files, files_failed, rows_read, rows_loaded, rows_rejected), ``tables``
        (the same per table), ``files`` (one object per file attempt: table, source_file,
        status, lines_read, rows_read, rows_loaded, rows_rejected, bytes, sha256, duration_ms,
        error, warnings, rows_removed), and ``unmatched_files``.
    """
    tables = {
        name: {
            "files": t.files,
            "files_failed": t.files_failed,
            "rows_read": t.rows_read,
            "rows_loaded": t.rows_loaded,
            "rows_rejected": t.rows_rejected,
        }
        for name, t in report.totals().items()
    }
    totals = {
        k: sum(t[k] for t in tables.values())
        for k in ("files", "files_failed", "rows_read", "rows_loaded", "rows_rejected")
    }
    files = [
        {
            "table": f.table,
            "source_file": f.source_file,
            "status": f.status,
            "lines_read": f.lines_read,
            "rows_read": f.rows_read,
            "rows_loaded": f.rows_loaded,
            "rows_rejected": f.rows_rejected,
            "bytes": f.bytes,
            "sha256": f.sha256,
            "duration_ms": f.duration_ms,
            "error": f.error,
            "warnings": list(f.warnings),
            "rows_removed": f.rows_removed,
        }
        for f in report.files
    ]
    return {
        "version": __version__,
        "exit_code": code,
        "outcome": EXIT_CODES[code],
        "target": report.target,
        "database": report.database,
        "totals": totals,
        "tables": tables,
        "files": files,
        "unmatched_files": list(report.unmatched_files),
    }


_STATUS_WORDS = {
    "loaded": "new",
    "replaced": "replaced",
    "unchanged": "same",
    "failed": "[red]failed[/red]",
    "pruned": "pruned",
}


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
        counts = {s: sum(f.status == s for f in fs) for s in _STATUS_WORDS}
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
    removed = [f for f in report.files if f.status == "pruned"]
    if removed:
        console.print(
            f"pruned {len(removed)} file(s) no longer in the landing directory: "
            f"{sum(f.rows_removed for f in removed):,} row(s) removed from the raw layer.",
            soft_wrap=True,
        )
    rejected = sum(x.rows_rejected for x in totals.values())
    if rejected:
        console.print(
            f"{rejected:,} row(s) quarantined: see raw._quarantine (file, line, column, reason, raw line).",
            soft_wrap=True,
        )
