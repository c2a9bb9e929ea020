"""Screenshot of the running BI app in headless Chromium (``make screenshot`` writes assets/bi-app.png).

Playwright drives Debian's ``chromium`` (``CHROMIUM`` overrides the path); no browser is downloaded.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from serving.app_launcher import running_app

#: Chromium flags for a quiet, offline, sandbox-free headless run (containers, CI).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> str:
    """Path of the system Chromium: ``$CHROMIUM``, else ``chromium``/``chromium-browser`` on PATH.

    Raises:
        FileNotFoundError: none is installed (``make screenshot`` installs Debian's package).
    """
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    raise FileNotFoundError("no chromium found; install Debian's package (the Makefile's chromium stamp does)")


@contextlib.contextmanager
def browser() -> Iterator[Browser]:
    """A headless Chromium driven by Playwright, closed on exit."""
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_FLAGS))
        try:
            yield instance
        finally:
            instance.close()


def wait_for_run(page: Page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished running the script (after a load, a filter change or a tab click)."""
    page.wait_for_timeout(300)  # a rerun starts a moment after the event that triggers it
    page.wait_for_selector('[data-testid="stTabs"]', timeout=timeout_ms)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)
    page.wait_for_timeout(500)  # plotly draws its charts after the script run ends


def wait_until_rendered(page: Page, timeout_ms: int = 60_000) -> None:
    """Wait until the Executive tab's KPI cards are shown and the script run has finished."""
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=timeout_ms)
    wait_for_run(page, timeout_ms)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry: start the app, load it in headless Chromium and save a full-page PNG.

    Args:
        argv: ``--out PATH`` (required), ``--manifest PATH``, ``--database PATH``, ``--query STRING`` (URL
            filters, e.g. ``start=2025-10-01&end=2025-12-31``), ``--width`` (1440).

    Returns:
        0 when the file is written; 2 when Chromium is missing or the app fails to start.
    """
    parser = argparse.ArgumentParser(prog="python -m serving screenshot", description="Screenshot the BI app.")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--manifest", type=Path, default=None)
    parser.add_argument("--database", type=Path, default=None)
    parser.add_argument("--query", default="start=2025-10-01&end=2025-12-31")
    parser.add_argument("--width", type=int, default=1440)
    args = parser.parse_args(list(argv) if argv is not None else sys.argv[1:])
    try:
        with running_app(args.manifest, args.database) as (url, _), browser() as chromium:
            page = chromium.new_page(viewport={"width": args.width, "height": 1300})
            page.goto(f"{url}/?{args.query}")
            wait_until_rendered(page)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out), full_page=False)
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
