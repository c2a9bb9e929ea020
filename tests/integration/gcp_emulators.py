"""Start and stop the local Google Cloud emulators the ``test_emulated_*`` tests use.

Both run from their own environment (``.venv-gcpemu``, built by ``make gcpemu-setup`` /
``make test``) as subprocesses on free 127.0.0.1 ports, each in its own process group
that is always killed on exit:

- ``gcp-storage-emulator``: the GCS JSON API; objects are plain files under
  ``<dir>/.cloudstorage/<bucket>/<object>``.
- ``bqemulator``: the BigQuery REST API on DuckDB, with ``BQEMU_GCS_LOCAL_ROOT`` pointed at
  the storage emulator's object directory so load jobs read ``gs://`` URIs from it.

``emulated_bigquery_project`` runs both for one project the way the loaders and dbt meet them
in production: a landing bucket, the loaders' environment variables, a dbt profile whose
BigQuery target talks to the emulator, and ``raw.events_stream`` as Terraform creates it.

These are emulations: what they cannot show (partition pruning, policy tags, IAM, dynamic
``insert_overwrite``) is covered by unit tests of the generated configuration instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from analytics_warehouse import PII_SALT

REPO_ROOT = Path(__file__).resolve().parents[2]
EMU_VENV = REPO_ROOT / ".venv-gcpemu"
EMU_BIN = EMU_VENV / "bin"
#: Longest wait for an emulator to answer its first request (seconds).
START_TIMEOUT_S = 60.0
#: Project id, landing bucket and raw dataset of an emulated project.
EMULATED_PROJECT = "emulated-project"
EMULATED_BUCKET = "landing"
EMULATED_RAW_DATASET = "raw"
#: Left out of emulated builds: dbt unit tests (they test model logic and run on DuckDB) and the
#: prediction marts (BigQuery ML, which the emulator cannot run; compiled offline instead).
EMULATOR_EXCLUDES = ("resource_type:unit_test", "path:models/marts/predictions")
#: bqemulator cannot parse contract DDL (CREATE TABLE t (cols ...) AS SELECT).
EMULATION_VARS = {"enforce_contracts": False}
DBT_DIR = REPO_ROOT / "dbt"
#: dbt of the environment running the tests.
DBT = Path(sys.executable).parent / "dbt"

_PROFILE = """
ecommerce_warehouse:
  target: bigquery
  outputs:
    bigquery:
      type: bigquery
      method: oauth-secrets
      token: emulated-no-google
      project: {project}
      dataset: analytics
      location: EU
      threads: 4
      api_endpoint: {endpoint}
      job_retries: 0
      # The emulator runs a query inside the jobs.insert request: wait for it instead of timing
      # out after dbt's default minute and resubmitting the same query.
      job_creation_timeout_seconds: 3600
"""

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


@dataclass
class EmulatedProject:
    """A BigQuery project on bqemulator with its landing bucket on gcp-storage-emulator.

    ``dbt_env`` is the environment for ``dbt --target bigquery`` against the emulator (its own
    profiles, target and log directories under ``workdir``); ``gcs_root`` is the directory that
    ``gs://<bucket>/<object>`` resolves under (exports land there as plain files).
    """

    project: str
    bigquery: Emulator
    storage: Emulator
    gcs_root: Path
    workdir: Path
    dbt_env: dict[str, str] = field(default_factory=dict)

    def client(self):
        """A ``google.cloud.bigquery.Client`` of the emulator (anonymous credentials)."""
        from google.api_core.client_options import ClientOptions
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import bigquery

        return bigquery.Client(
            project=self.project,
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=self.bigquery.url),
        )

    def dbt(self, *args: str) -> str:
        """Run ``dbt <args>`` in dbt/ with ``dbt_env``; fail the test with its output tail unless it exits 0.

        Returns:
            dbt's stdout.
        """
        proc = subprocess.run([str(DBT), *args], env=self.dbt_env, cwd=DBT_DIR, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
        return proc.stdout


def create_events_stream_table(client, project: str, dataset: str = EMULATED_RAW_DATASET) -> str:
    """Create ``<dataset>.events_stream`` with the columns the Pub/Sub BigQuery subscription writes
    (write-metadata on: subscription_name, message_id, publish_time, data, attributes), as
    ``terraform/pubsub.tf`` declares it. Returns the table id ``project.dataset.events_stream``."""
    from google.cloud import bigquery

    schema = [
        bigquery.SchemaField("subscription_name", "STRING"),
        bigquery.SchemaField("message_id", "STRING"),
        bigquery.SchemaField("publish_time", "TIMESTAMP"),
        bigquery.SchemaField("data", "STRING"),
        bigquery.SchemaField("attributes", "STRING"),
    ]
    table_id = f"{project}.{dataset}.events_stream"
    client.create_table(bigquery.Table(table_id, schema=schema))
    return table_id


@contextlib.contextmanager
def emulated_bigquery_project(workdir: Path, project: str = EMULATED_PROJECT) -> Iterator[EmulatedProject]:
    """Start gcp-storage-emulator and bqemulator for ``project`` with everything the loaders and
    dbt need, and stop both on exit.

    Inside the block the loaders' variables point at the emulators (``STORAGE_EMULATOR_HOST``,
    ``BIGQUERY_EMULATOR_HOST``, ``GCP_PROJECT_ID``, ``LANDING_BUCKET``, ``RAW_DATASET``; restored on
    exit), the landing bucket exists, and ``dbt_env`` holds a profile for the emulator.

    Args:
        workdir: directory for the emulators' data and logs and dbt's profile, target and logs.
        project: project id.

    Yields:
        The running ``EmulatedProject``.

    Raises:
        EmulatorUnavailable: ``.venv-gcpemu`` is missing or an emulator did not start.
    """
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    gcs_dir = workdir / "gcs"
    gcs_root = gcs_dir / ".cloudstorage"
    gcs_root.mkdir(parents=True, exist_ok=True)
    with (
        storage_emulator(gcs_dir) as st,
        bigquery_emulator(workdir / "bq", project=project, gcs_root=gcs_root) as bq,
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.setenv("STORAGE_EMULATOR_HOST", st.url)
        mp.setenv("BIGQUERY_EMULATOR_HOST", bq.url)
        mp.setenv("GCP_PROJECT_ID", project)
        mp.setenv("LANDING_BUCKET", EMULATED_BUCKET)
        mp.setenv("RAW_DATASET", EMULATED_RAW_DATASET)
        storage.Client(project=project, credentials=AnonymousCredentials()).create_bucket(EMULATED_BUCKET)
        profiles = workdir / "profiles"
        profiles.mkdir(parents=True, exist_ok=True)
        (profiles / "profiles.yml").write_text(_PROFILE.format(project=project, endpoint=bq.url))
        env = {k: v for k, v in os.environ.items() if k not in ("BIGQUERY_EMULATOR_HOST", "DBT_TARGET")}
        env.update(  # dbt talks to the emulator through the profile's api_endpoint
            DBT_PROFILES_DIR=str(profiles),
            DBT_TARGET_PATH=str(workdir / "target"),
            DBT_LOG_PATH=str(workdir / "logs"),
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
            PII_SALT=PII_SALT,
        )
        yield EmulatedProject(project=project, bigquery=bq, storage=st, gcs_root=gcs_root, workdir=workdir, dbt_env=env)
