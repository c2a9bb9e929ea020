"""Run a command as a child process and measure it: wall time, CPU time and peak RSS (via ``os.wait4``).

Shared by the ``bench_*.py`` scripts (run as scripts, so this directory is on ``sys.path``).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    """Outcome of one child process.

    Attributes:
        returncode: exit code (negative: killed by that signal).
        stdout, stderr: its output, decoded as UTF-8.
        wall_s: elapsed seconds.
        cpu_s: user + system CPU seconds of the child (and its own waited-for children).
        peak_rss_mb: peak resident set size of the child, MiB (Linux ``ru_maxrss`` is in KiB).
    """

    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float


def run_measured(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Measured:
    """Run ``cmd`` in ``cwd`` with ``env``, collecting its output, and reap it with ``os.wait4``.

    Args:
        cmd: the command and its arguments.
        cwd: working directory.
        env: environment (default: inherit).

    Returns:
        A ``Measured``; the caller decides what a non-zero return code means.
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}

    def pump(stream, sink: list[bytes]) -> None:
        for block in iter(lambda: stream.read(65536), b""):
            sink.append(block)

    readers = [
        threading.Thread(target=pump, args=(proc.stdout, chunks["out"])),
        threading.Thread(target=pump, args=(proc.stderr, chunks["err"])),
    ]
    for t in readers:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)  # reap it ourselves to get its own rusage
    wall = time.perf_counter() - t0
    for t in readers:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        returncode=proc.returncode,
        stdout=b"".join(chunks["out"]).decode("utf-8", "replace"),
        stderr=b"".join(chunks["err"]).decode("utf-8", "replace"),
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,
    )
