"""Render a local HTML file in headless Chromium (Debian's `chromium` package): screenshot or DOM dump."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
# Flags for a sandbox-less, offline, reproducible render (no first-run UI, no background network).
BASE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def find_chromium() -> str:
    """Path of the Chromium executable on PATH.

    Raises:
        FileNotFoundError: no chromium / chromium-browser / google-chrome on PATH (install Debian's `chromium`;
            `make dashboard` does it).
    """
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise FileNotFoundError(f"none of {', '.join(CHROMIUM_NAMES)} on PATH: apt-get install chromium")


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        cmd = [find_chromium(), *BASE_FLAGS, f"--user-data-dir={profile}", *args]
        log.debug("running %s", cmd)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc


def screenshot(html_path: Path, png_path: Path, width: int = 1400, height: int = 3000, timeout: float = 180) -> Path:
    """Save a PNG of ``html_path`` as headless Chromium renders it once its scripts have run.

    Args:
        html_path: local HTML file.
        png_path: PNG to write (parent folders are created).
        width, height: viewport in CSS pixels (the PNG has the same size).
        timeout: seconds before giving up.

    Returns:
        png_path.

    Raises:
        FileNotFoundError: no Chromium, or html_path is missing.
        RuntimeError: Chromium exited with an error or wrote no file.
    """
    if not html_path.exists():
        raise FileNotFoundError(html_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    png_path.unlink(missing_ok=True)
    _run(
        [
            f"--window-size={width},{height}",
            "--virtual-time-budget=20000",
            f"--screenshot={png_path.resolve()}",
            html_path.resolve().as_uri(),
        ],
        timeout,
    )
    if not png_path.exists():
        raise RuntimeError(f"chromium wrote no screenshot to {png_path}")
    return png_path


def dump_dom(html_path: Path, timeout: float = 180) -> str:
    """The DOM of ``html_path`` serialized after its scripts ran (what a browser shows), as HTML text.

    Raises:
        FileNotFoundError: no Chromium, or html_path is missing.
        RuntimeError: Chromium exited with an error.
    """
    if not html_path.exists():
        raise FileNotFoundError(html_path)
    return _run(["--virtual-time-budget=20000", "--dump-dom", html_path.resolve().as_uri()], timeout).stdout
