"""Start the BI app: ``streamlit run serving/app.py`` headless, on loopback, without telemetry or file watching."""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"


def command(port: int, host: str = "127.0.0.1") -> list[str]:
    """The ``streamlit run`` command line of the app.

    Args:
        port: TCP port to listen on.
        host: address to bind (loopback by default).

    Returns:
        argv list, starting with this Python interpreter.
    """
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port), "--server.address", host, "--server.headless", "true",
        "--server.fileWatcherType", "none", "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
        "--client.toolbarMode", "viewer", "--theme.base", "light",
    ]  # fmt: skip


def environment(manifest: Path | None, database: Path | None) -> dict[str, str]:
    """The process environment with the repository on ``PYTHONPATH`` and ``SERVING_MANIFEST``/``SERVING_DATABASE``
    set where given."""
    env = dict(os.environ)
    # streamlit puts the script's folder on sys.path, not the repository that holds the package
    root = str(APP.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    if manifest:
        env["SERVING_MANIFEST"] = str(Path(manifest).resolve())
    if database:
        env["SERVING_DATABASE"] = str(Path(database).resolve())
    return env


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry of ``make bi``: run the app in the foreground until interrupted.

    Args:
        argv: ``--port`` (8501), ``--host`` (127.0.0.1), ``--manifest PATH``, ``--database PATH``.

    Returns:
        Streamlit's exit status (0 after Ctrl-C).
    """
    parser = argparse.ArgumentParser(prog="python -m serving bi", description="Serve the BI app.")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--manifest", type=Path, default=None)
    parser.add_argument("--database", type=Path, default=None)
    args = parser.parse_args(list(argv) if argv is not None else sys.argv[1:])
    print(f"BI app on http://{args.host}:{args.port} (Ctrl-C to stop)", file=sys.stderr)
    try:
        return subprocess.call(command(args.port, args.host), env=environment(args.manifest, args.database))
    except KeyboardInterrupt:
        return 0


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(
    manifest: Path | None = None, database: Path | None = None, timeout_s: float = 60.0
) -> Iterator[tuple[str, float]]:
    """Run the app in a child process for the duration of a ``with`` block.

    Args:
        manifest, database: passed to the app (defaults: the dbt target's manifest, ``DUCKDB_PATH``).
        timeout_s: how long to wait for Streamlit's health endpoint.

    Yields:
        (base URL, seconds the server took to answer its health check).

    Raises:
        RuntimeError: the server exited or did not answer in time (with its output).
    """
    port = free_port()
    started = time.monotonic()
    url = f"http://127.0.0.1:{port}"
    # the output goes to a file, not a pipe: a long run cannot block on a full pipe
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen(
            command(port), env=environment(manifest, database), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"the app exited ({proc.returncode}):\n{log.read()[-5000:]}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() - started > timeout_s:
                    raise RuntimeError(f"the app did not answer on {url} within {timeout_s:.0f} s")
                time.sleep(0.2)
            yield url, time.monotonic() - started
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
