"""Run-time configuration of the DAGs, read from environment variables only.

The same DAG files run locally (DuckDB, the repository checkout) and on Cloud Composer
(BigQuery, the Composer bucket): everything that differs is an environment variable, set by
``airflow/run_local.py`` / the tests locally and by the Composer environment's
``env_variables`` (Terraform) in production. Nothing here queries the Airflow metadata
database, so reading the configuration costs nothing at DAG parse time (Airflow Variables
read at parse time would hit the database on every parse).

Variables (all optional; defaults are the local set-up):

=================================  ==============================================================
``ECOM_DBT_TARGET``                dbt target and loader backend: ``duckdb`` (default) | ``bigquery``
``ECOM_DBT_PROJECT_DIR``           dbt project; default: ``<dags>/dbt/ecommerce_warehouse`` when
                                   the Composer bundle is deployed, else the checkout's ``dbt/``
``ECOM_DBT_MANIFEST_PATH``         pre-built ``manifest.json``; default ``<project>/target/manifest.json``
``ECOM_DBT_PROFILES_DIR``          directory holding ``profiles.yml``; default: the project dir
``ECOM_DBT_EXECUTABLE``            run dbt as a subprocess of this executable (a separate dbt env)
                                   instead of in-process through dbtRunner
``ECOM_LANDING_DIR``               landing zone the loaders read; default the checkout's ``seeds/``
                                   (on Composer: ``/home/airflow/gcs/data/landing``, the bucket's
                                   FUSE mount)
``DUCKDB_PATH``                    the local warehouse file (shared knob with loaders and dbt)
``ECOM_WRITE_POOL``                Airflow pool of every warehouse-writing task; default
                                   ``duckdb_writer`` (1 slot) for duckdb, ``default_pool`` otherwise
``ECOM_TASK_RETRIES``              retries per task (default 2, exponential backoff)
``ECOM_FRESHNESS_FAIL_ON_ERROR``   ``true``/``false``: fail the run when a source is past its
                                   ``error_after``; default false for duckdb (the committed sample
                                   is dated in the past), true for bigquery
``ECOM_ALERT_CONN_ID``             Airflow connection the alerts go to (smtp, slack webhook);
                                   unset: alerts are logged only (Cloud Logging on Composer)
``ECOM_ALERT_LOOKBACK_HOURS``      alert window: rows of the alert marts whose ``event_time`` is at
                                   most this many hours before the run's data interval (default
                                   48; 0 = every row)
``ECOM_PUBSUB_SUBSCRIPTION``       ``projects/<p>/subscriptions/<s>``: the micro-batch pulls events
                                   from it; unset: it lands new event files from the landing zone
``ECOM_CLICKSTREAM_SELECT``        dbt selection of the micro-batch; default ``tag:clickstream`` (the
                                   event-driven sessions, conversion, hourly activity and spike alerts);
                                   ``source:web.events+`` also refreshes attribution and customer 360
``ECOM_PREDICTIONS_PYTHON``        interpreter of the predictions environment (requirements/predictions.txt)
                                   that runs ``python -m predictions`` between the marts and the
                                   prediction marts; default the checkout's ``.venv-predictions``
``ECOM_PII_SALT_VARIABLE``         Airflow Variable holding the PII hash salt, handed to dbt as
                                   ``PII_SALT`` when a dbt task runs (on Composer the Secret Manager
                                   backend serves it, Terraform sets ``pii_salt``); default
                                   ``pii_salt`` for bigquery, unset for duckdb (dbt's local salt)
``ECOM_DAILY_SCHEDULE``            cron of the daily DAG (default ``0 4 * * *``, UTC)
``ECOM_MICROBATCH_SCHEDULE``       cron of the micro-batch DAG (default ``*/15 * * * *``)
=================================  ==============================================================
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: dbt profile and project name (dbt/dbt_project.yml, dbt/profiles.yml).
DBT_PROFILE = "ecommerce_warehouse"
#: Where the Composer bundle puts the dbt project, relative to the DAGs folder.
BUNDLE_DBT_DIR = Path("dbt") / DBT_PROFILE
#: The one-slot pool that serialises DuckDB writers (DuckDB allows one writer process per file).
DUCKDB_POOL = "duckdb_writer"

_DAGS_DIR = Path(__file__).resolve().parents[1]
_TARGETS = ("duckdb", "bigquery")


class ConfigError(ValueError):
    """An ``ECOM_*`` environment variable has a value the DAGs cannot use."""


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r}: expected true or false")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r}: expected a whole number") from exc
    if value < 0:
        raise ConfigError(f"{name}={raw!r}: expected a number >= 0")
    return value


def _variable_name(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", raw):
        raise ConfigError(f"{name}={raw!r}: expected an Airflow Variable name (letters, digits, _ . -)")
    return raw


def _repo_root() -> Path | None:
    """The checkout root when the DAGs run from the repository (``<root>/airflow/dags``)."""
    root = _DAGS_DIR.parents[1] if len(_DAGS_DIR.parents) > 1 else None
    if root is not None and (root / "dbt" / "dbt_project.yml").exists() and (root / "loaders").is_dir():
        return root
    return None


@dataclass(frozen=True)
class Settings:
    """Everything the DAGs need to know about where they run.

    Attributes:
        target: dbt target name and loader backend, ``"duckdb"`` or ``"bigquery"``.
        dbt_project_dir: the dbt project directory (holds ``dbt_project.yml``).
        manifest_path: the pre-built ``manifest.json`` Cosmos renders the graph from.
        profiles_dir: directory holding ``profiles.yml``.
        dbt_executable: dbt executable for subprocess invocation, or None for in-process dbtRunner.
        landing_dir: directory of source files (``<source>/<table>/*.csv|jsonl``) the loaders read.
        duckdb_path: the DuckDB warehouse file (only used with the duckdb target).
        write_pool: pool name for warehouse-writing tasks.
        retries: Airflow retries per task.
        freshness_fail_on_error: whether a source past ``error_after`` fails the run.
        alert_conn_id: Airflow connection id the alerts are sent to, or None (log only).
        alert_lookback_hours: the alert window in hours (0: every row of the alert marts).
        pubsub_subscription: full subscription path for the micro-batch, or None (file mode).
        clickstream_select: dbt selectors of the micro-batch's models.
        daily_schedule: cron expression of the daily DAG.
        microbatch_schedule: cron expression of the micro-batch DAG.
        predictions_python: interpreter of the predictions environment, or None (none configured).
        pii_salt_variable: name of the Airflow Variable whose value dbt receives as ``PII_SALT``,
            or None (dbt's default salt, accepted only on a local DuckDB target).
    """

    target: str
    dbt_project_dir: Path
    manifest_path: Path
    profiles_dir: Path
    dbt_executable: str | None
    landing_dir: Path
    duckdb_path: Path
    write_pool: str
    retries: int
    freshness_fail_on_error: bool
    alert_conn_id: str | None
    alert_lookback_hours: int
    pubsub_subscription: str | None
    clickstream_select: tuple[str, ...]
    daily_schedule: str
    microbatch_schedule: str
    predictions_python: Path | None = None
    pii_salt_variable: str | None = None

    @property
    def is_duckdb(self) -> bool:
        """True when the warehouse is the embedded DuckDB file (one writer at a time)."""
        return self.target == "duckdb"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the DAG configuration from environment variables.

    Args:
        env: the environment to read; defaults to ``os.environ``.

    Returns:
        The resolved ``Settings`` (absolute paths).

    Raises:
        ConfigError: an unknown target, a negative or non-integer number, a non-boolean flag;
            also when no dbt project can be located (neither ``ECOM_DBT_PROJECT_DIR``, the
            Composer bundle, nor a repository checkout).
    """
    env = os.environ if env is None else env
    target = env.get("ECOM_DBT_TARGET", "duckdb").strip() or "duckdb"
    if target not in _TARGETS:
        raise ConfigError(f"ECOM_DBT_TARGET={target!r}: expected one of {_TARGETS}")

    root = _repo_root()
    if env.get("ECOM_DBT_PROJECT_DIR"):
        project = Path(env["ECOM_DBT_PROJECT_DIR"])
    elif (_DAGS_DIR / BUNDLE_DBT_DIR / "dbt_project.yml").exists():
        project = _DAGS_DIR / BUNDLE_DBT_DIR
    elif root is not None:
        project = root / "dbt"
    else:
        raise ConfigError(
            f"no dbt project found: set ECOM_DBT_PROJECT_DIR or deploy it to {_DAGS_DIR / BUNDLE_DBT_DIR}"
        )
    project = project.resolve()

    landing_default = root / "seeds" if root is not None else Path("/home/airflow/gcs/data/landing")
    duckdb_default = (root / "build" / "warehouse.duckdb") if root is not None else Path("warehouse.duckdb")
    predictions_default = root / ".venv-predictions" / "bin" / "python" if root is not None else None
    predictions_python = env.get("ECOM_PREDICTIONS_PYTHON") or predictions_default

    retries = _int(env, "ECOM_TASK_RETRIES", 2)
    lookback = _int(env, "ECOM_ALERT_LOOKBACK_HOURS", 48)

    select = tuple(s for s in env.get("ECOM_CLICKSTREAM_SELECT", "tag:clickstream").split() if s)
    return Settings(
        target=target,
        dbt_project_dir=project,
        manifest_path=Path(env.get("ECOM_DBT_MANIFEST_PATH") or project / "target" / "manifest.json").resolve(),
        profiles_dir=Path(env.get("ECOM_DBT_PROFILES_DIR") or project).resolve(),
        dbt_executable=env.get("ECOM_DBT_EXECUTABLE") or None,
        landing_dir=Path(env.get("ECOM_LANDING_DIR") or landing_default).resolve(),
        duckdb_path=Path(env.get("DUCKDB_PATH") or duckdb_default).resolve(),
        write_pool=env.get("ECOM_WRITE_POOL") or (DUCKDB_POOL if target == "duckdb" else "default_pool"),
        retries=retries,
        freshness_fail_on_error=_bool(env, "ECOM_FRESHNESS_FAIL_ON_ERROR", default=target != "duckdb"),
        alert_conn_id=env.get("ECOM_ALERT_CONN_ID") or None,
        alert_lookback_hours=lookback,
        pubsub_subscription=env.get("ECOM_PUBSUB_SUBSCRIPTION") or None,
        clickstream_select=select,
        daily_schedule=env.get("ECOM_DAILY_SCHEDULE", "0 4 * * *"),
        microbatch_schedule=env.get("ECOM_MICROBATCH_SCHEDULE", "*/15 * * * *"),
        predictions_python=Path(predictions_python) if predictions_python else None,
        pii_salt_variable=_variable_name(
            env, "ECOM_PII_SALT_VARIABLE", default=None if target == "duckdb" else "pii_salt"
        ),
    )
