"""Run one of the project's DAGs once, locally, with ``airflow dags test`` in a throwaway Airflow home.

No scheduler, no webserver: ``airflow dags test`` runs the DAG's tasks one by one in one process
against a SQLite metadata database in ``--home``. Used by ``make airflow-run`` and by the
end-to-end tests (tests/airflow). Every Airflow command runs in its own process group under
``timeout -s KILL``, and the group is killed on exit, so nothing is left running.

Usage::

    .venv-airflow/bin/python airflow/run_local.py --manifest-dir build/airflow/dbt-target \\
        --home build/airflow/home [--dag ecommerce_elt] [--duckdb build/warehouse.duckdb] \\
        [--landing seeds] [--timeout 1200] [--set ECOM_X=value ...]

Exit status: 0 when the DAG run succeeded, 1 when it failed or timed out, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAGS_FOLDER = ROOT / "airflow" / "dags"
DUCKDB_POOL = "duckdb_writer"

#: Environment for offline, quiet runs (no example DAGs, no telemetry).
OFFLINE_ENV = {
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
}


def airflow_env(
    home: Path, manifest_path: Path, duckdb_path: Path, landing_dir: Path, extra: Mapping[str, str] = ()
) -> dict[str, str]:
    """The environment of every Airflow command of a local run.

    Args:
        home: the throwaway ``AIRFLOW_HOME`` (SQLite database, logs, Cosmos cache).
        manifest_path: the pre-built dbt ``manifest.json``.
        duckdb_path: the DuckDB warehouse file the loaders and dbt write.
        landing_dir: the landing zone the loaders read (``seeds/`` by default).
        extra: further ``ECOM_*`` (or any) variables, applied last.

    Returns:
        A full environment (a copy of ``os.environ`` plus the settings above).
    """
    env = dict(os.environ)
    env.update(OFFLINE_ENV)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos-cache"),
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
            "ECOM_DBT_MANIFEST_PATH": str(manifest_path),
            "ECOM_DBT_PROJECT_DIR": str(ROOT / "dbt"),
            "ECOM_LANDING_DIR": str(landing_dir),
            "DUCKDB_PATH": str(duckdb_path),
            "DBT_PROFILES_DIR": str(ROOT / "dbt"),
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
        }
    )
    env.update(dict(extra))
    return env


def run_airflow(args: Sequence[str], env: Mapping[str, str], timeout_s: int, log_file: Path | None = None) -> int:
    """Run ``airflow <args>`` in its own process group, killed when it exceeds ``timeout_s``.

    Args:
        args: the Airflow CLI arguments, e.g. ``["db", "migrate"]``.
        env: the environment (see ``airflow_env``).
        timeout_s: wall-clock limit in seconds; ``timeout -s KILL`` enforces it too.
        log_file: where stdout+stderr go (appended); None: inherit the caller's.

    Returns:
        The command's exit status (137 or -9 when it was killed).
    """
    cmd = ["timeout", "-s", "KILL", str(timeout_s), sys.executable, "-m", "airflow", *args]
    out = log_file.open("ab") if log_file else None
    try:
        proc = subprocess.Popen(
            cmd, env=dict(env), stdout=out, stderr=subprocess.STDOUT if out else None, start_new_session=True
        )
        try:
            return proc.wait(timeout=timeout_s + 10)
        finally:
            # the CLI may have left children (task runners) behind: kill the whole group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    finally:
        if out:
            out.close()


def prepare_home(env: Mapping[str, str], log_file: Path | None = None) -> None:
    """Create the SQLite metadata database (``airflow db migrate``) and the DuckDB writer pool.

    Args:
        env: the run's environment (``AIRFLOW_HOME`` must be set).
        log_file: where the commands' output goes.

    Raises:
        RuntimeError: a command failed; the message names it.
    """
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    for args in (
        ["db", "migrate"],
        ["pools", "set", DUCKDB_POOL, "1", "DuckDB allows one writer process per file"],
    ):
        rc = run_airflow(args, env, timeout_s=300, log_file=log_file)
        if rc != 0:
            raise RuntimeError(f"`airflow {' '.join(args)}` failed with exit status {rc} (AIRFLOW_HOME={home})")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; see the module docstring for the arguments and exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="throwaway AIRFLOW_HOME")
    parser.add_argument("--manifest-dir", type=Path, required=True, help="dbt target dir holding manifest.json")
    parser.add_argument("--dag", default="ecommerce_elt", help="DAG id (default ecommerce_elt)")
    parser.add_argument("--logical-date", default=None, help="logical date of the run (default: now)")
    parser.add_argument(
        "--duckdb", type=Path, default=Path(os.environ.get("DUCKDB_PATH", ROOT / "build" / "warehouse.duckdb"))
    )
    parser.add_argument("--landing", type=Path, default=ROOT / "seeds", help="landing zone (default seeds/)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds before the run is killed")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="extra environment variable")
    ns = parser.parse_args(argv)

    manifest = ns.manifest_dir.resolve() / "manifest.json"
    if not manifest.exists():
        parser.error(f"{manifest} does not exist: run `make airflow-manifest` first")
    extra = {}
    for item in ns.set:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--set {item!r}: expected NAME=VALUE")
        extra[name] = value
    home = ns.home.resolve()
    env = airflow_env(home, manifest, ns.duckdb.resolve(), ns.landing.resolve(), extra)
    prepare_home(env)
    started = time.monotonic()
    args = ["dags", "test", ns.dag] + ([ns.logical_date] if ns.logical_date else [])
    rc = run_airflow(args, env, timeout_s=ns.timeout)
    print(f"airflow dags test {ns.dag}: exit {rc} in {time.monotonic() - started:.1f} s (AIRFLOW_HOME={home})")
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
