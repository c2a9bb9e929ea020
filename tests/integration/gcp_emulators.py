"""Start and stop the local Google Cloud emulators the ``test_emulated_*`` tests use.

Both run from their own environment (``.venv-gcpemu``, built by ``make gcpemu-setup`` /
``make test``) as subprocesses on free 127.0.0.1 ports, each in its own process group
that is always killed on exit:

- ``gcp-storage-emulator``: the GCS JSON API; objects are plain files under
  ``<dir>/.cloudstorage/<bucket>/<object>``.
- ``bqemulator``: the BigQuery REST API on DuckDB, with ``BQEMU_GCS_LOCAL_ROOT`` pointed at
  the storage emulator's object directory so load jobs read ``gs://`` URIs from it.

These are emulations: what they cannot show (partition pruning, policy tags, IAM, dynamic
``insert_overwrite``) is covered by unit tests of the generated configuration instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EMU_VENV = REPO_ROOT / ".venv-gcpemu"
EMU_BIN = EMU_VENV / "bin"
#: Longest wait for an emulator to answer its first request (seconds).
START_TIMEOUT_S = 60.0

_SPATIAL = (
    "import duckdb, pathlib, duckdb_extension_spatial as s; "
    'p = pathlib.Path(s.__file__).parent / "extensions" / ("v" + duckdb.__version__) / "spatial.duckdb_extension"; '
    "duckdb.connect().install_extension(str(p))"
)


class EmulatorUnavailable(RuntimeError):
    """The emulator environment is missing or an emulator did not start."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _require(executable: str) -> Path:
    path = EMU_BIN / executable
    if not path.exists():
        raise EmulatorUnavailable(f"{path} is missing: run `make gcpemu-setup` (make test does it)")
    return path


@dataclass
class Emulator:
    """A running emulator: its base URL, process and log file."""

    name: str
    url: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the emulator's log, for failure messages."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def _wait_ready(emulator: Emulator, probe_path: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if emulator.process.poll() is not None:
            raise EmulatorUnavailable(f"{emulator.name} exited at start:\n{emulator.log_tail()}")
        try:
            with urllib.request.urlopen(emulator.url + probe_path, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers HTTP: up
        except OSError:
            time.sleep(0.2)
    raise EmulatorUnavailable(f"{emulator.name} did not answer within {START_TIMEOUT_S}s:\n{emulator.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    """Terminate the emulator's whole process group; kill it if it does not exit in 10 s."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def _run(
    name: str, argv: list[str], env: dict[str, str], workdir: Path, port: int, probe_path: str
) -> Iterator[Emulator]:
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=workdir,
            start_new_session=True,
        )
        emulator = Emulator(name=name, url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
        try:
            _wait_ready(emulator, probe_path)
            yield emulator
        finally:
            _stop(process)


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BQEMU_", "VIRTUAL_ENV"))}
    env["PATH"] = f"{EMU_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


@contextlib.contextmanager
def storage_emulator(data_dir: Path) -> Iterator[Emulator]:
    """Run ``gcp-storage-emulator`` with its data under ``data_dir``.

    Yields:
        The running emulator; set ``STORAGE_EMULATOR_HOST`` to its ``url`` for the client.
        Object ``o`` of bucket ``b`` is the file ``data_dir/.cloudstorage/b/o``.
    """
    exe = _require("gcp-storage-emulator")
    port = free_port()
    argv = [str(exe), "-d", str(data_dir), "start", "--host", "127.0.0.1", "--port", str(port)]
    logs = data_dir.parent / "gcs-logs"
    with _run("gcp-storage-emulator", argv, _clean_env({}), logs, port, "/storage/v1/b") as emu:
        yield emu


def ensure_spatial_extension() -> None:
    """Install DuckDB's spatial extension from its wheel into the emulator env's DuckDB (idempotent, offline)."""
    python = _require("python")
    subprocess.run([str(python), "-c", _SPATIAL], check=True, capture_output=True, timeout=120)


@contextlib.contextmanager
def bigquery_emulator(workdir: Path, *, project: str, gcs_root: Path | None = None) -> Iterator[Emulator]:
    """Run ``bqemulator`` (ephemeral, in memory) for ``project``.

    Args:
        workdir: where its log goes.
        project: default project id.
        gcs_root: directory that ``gs://bucket/object`` resolves under (the storage
            emulator's ``.cloudstorage``), or None.

    Yields:
        The running emulator; its ``url`` is the REST endpoint (``BIGQUERY_EMULATOR_HOST``
        for the Python client, ``api_endpoint`` for dbt-bigquery).
    """
    exe = _require("bqemulator")
    ensure_spatial_extension()
    port, grpc_port = free_port(), free_port()
    extra = {"BQEMU_GCS_LOCAL_ROOT": str(gcs_root)} if gcs_root is not None else {}
    argv = [
        str(exe),
        "start",
        "--rest-host",
        "127.0.0.1",
        "--rest-port",
        str(port),
        "--grpc-host",
        "127.0.0.1",
        "--grpc-port",
        str(grpc_port),
        "--project",
        project,
        "--ephemeral",
        "--log-level",
        "warning",
    ]
    probe = f"/bigquery/v2/projects/{project}/datasets"
    with _run("bqemulator", argv, _clean_env(extra), workdir, port, probe) as emu:
        yield emu
