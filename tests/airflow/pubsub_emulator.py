"""Start and stop the Google Cloud Pub/Sub emulator on loopback for a test.

The emulator (``/usr/lib/google-cloud-sdk/platform/pubsub-emulator``, Java) runs in its own
process group under ``timeout -s KILL`` and the whole group is killed when the test is done,
so it never outlives the test run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path

EMULATOR = Path(
    os.environ.get(
        "PUBSUB_EMULATOR_BIN", "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator"
    )
)
#: The emulator is killed after this many seconds whatever happens.
HARD_LIMIT_S = 1800
STARTUP_LIMIT_S = 60


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def pubsub_emulator(log_dir: Path) -> Iterator[str]:
    """Run the emulator; yield its ``host:port`` (the value for ``PUBSUB_EMULATOR_HOST``).

    Args:
        log_dir: where ``pubsub-emulator.log`` is written.

    Raises:
        FileNotFoundError: the emulator is not installed.
        RuntimeError: it did not listen within ``STARTUP_LIMIT_S`` seconds (the log tail is included).
    """
    if not EMULATOR.exists():
        raise FileNotFoundError(f"Pub/Sub emulator not found at {EMULATOR}")
    port = free_port()
    log_path = log_dir / "pubsub-emulator.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            ["timeout", "-s", "KILL", str(HARD_LIMIT_S), str(EMULATOR), "--host=127.0.0.1", f"--port={port}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + STARTUP_LIMIT_S
            while not _listening(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Pub/Sub emulator did not start:\n{log_path.read_text()[-2000:]}")
                time.sleep(0.2)
            yield f"127.0.0.1:{port}"
        finally:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
