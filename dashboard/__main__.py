"""CLI: `python -m dashboard build` writes the HTML, `python -m dashboard screenshot` renders it to PNG."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from dashboard.build import build_dashboard
from dashboard.data import MissingMartError
from dashboard.screenshot import screenshot


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run one subcommand; returns the process exit code (0 ok, 1 error)."""
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="write the static HTML dashboard from the DuckDB marts")
    build.add_argument(
        "--duckdb",
        type=Path,
        default=Path(os.environ.get("DUCKDB_PATH", "build/warehouse.duckdb")),
        help="warehouse file (default: $DUCKDB_PATH or build/warehouse.duckdb)",
    )
    build.add_argument("--schema", default=os.environ.get("DASHBOARD_SCHEMA", "marts"), help="schema of the marts")
    build.add_argument("--out", type=Path, default=Path("build/dashboard.html"), help="HTML file to write")
    shot = sub.add_parser("screenshot", help="render the HTML in headless Chromium and save a PNG")
    shot.add_argument("--html", type=Path, default=Path("build/dashboard.html"))
    shot.add_argument("--out", type=Path, default=Path("assets/dashboard.png"))
    shot.add_argument("--width", type=int, default=1400)
    shot.add_argument("--height", type=int, default=2750)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.command == "build":
            path = build_dashboard(args.duckdb, args.out, schema=args.schema)
        else:
            path = screenshot(args.html, args.out, width=args.width, height=args.height)
    except (FileNotFoundError, MissingMartError, RuntimeError) as exc:
        print(f"dashboard: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
