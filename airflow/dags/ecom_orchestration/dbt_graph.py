"""Cosmos wiring: how both DAGs render and run the dbt project.

Decisions (the DAG docstrings repeat the why):

* ``LoadMode.DBT_MANIFEST``: the graph is read from a pre-built ``manifest.json``
  (``make airflow-manifest`` locally, ``make airflow-artifact`` for Composer), so parsing a
  DAG file runs no dbt command (0.3-0.4 s instead of 4-7 s for ``dbt ls``).
* ``ExecutionMode.LOCAL``: each dbt node is an Airflow task running dbt on the worker. With
  dbt installed in the Airflow environment (``requirements/airflow.txt``) Cosmos invokes it
  in-process (``InvocationMode.DBT_RUNNER``, about 3x faster than one subprocess per task);
  setting ``ECOM_DBT_EXECUTABLE`` switches to a subprocess of a separate dbt environment for
  installations where dbt and Airflow cannot share one. ``ExecutionMode.WATCHER`` was rejected:
  its sensors wait for a producer task that ``airflow dags test`` never runs.
* ``TestBehavior.AFTER_EACH`` with detached multi-parent tests: every model is a ``run`` task
  followed by a ``test`` task, and a test that reads several models (relationships) gets its
  own task downstream of all of them, so each manifest dependency is an Airflow edge.
* Cosmos' own dataset emission is off (it needs the OpenLineage integration and adds work to
  every task); the DAGs publish one explicit Asset per layer they refresh instead.
"""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from typing import Any

from cosmos import ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from ecom_orchestration.config import DBT_PROFILE, Settings

#: Upper bound of one dbt node (model build or its tests).
DBT_TASK_TIMEOUT = timedelta(minutes=30)


def dbt_in_process() -> bool:
    """Whether dbt-core is importable in this interpreter (then Cosmos can use dbtRunner).

    Returns:
        True when ``dbt.cli.main`` can be imported; the check only looks the module up.
    """
    return importlib.util.find_spec("dbt") is not None and importlib.util.find_spec("dbt.cli") is not None


def pii_salt_template(variable: str) -> str:
    """The Jinja template that becomes ``PII_SALT`` in each dbt task's environment.

    Operator ``env`` is a templated field: Airflow renders it when the task runs (the Variable,
    served by the Secret Manager backend on Composer, is never read while a DAG file is parsed)
    and masks it in logs and rendered fields when the Variable name is listed in
    ``core.sensitive_var_conn_names`` (terraform/composer.tf). A missing Variable fails the task
    before dbt starts; dbt itself refuses the default salt on BigQuery.

    Args:
        variable: name of the Airflow Variable holding the salt, e.g. ``"pii_salt"``.

    Returns:
        ``"{{ var.value.<variable> }}"`` (``var.value["<variable>"]`` for names that are not
        Python identifiers).
    """
    if variable.isidentifier():
        return "{{ var.value." + variable + " }}"
    return "{{ var.value[" + repr(variable) + "] }}"


def project_config(settings: Settings) -> ProjectConfig:
    """Cosmos project configuration: the dbt project plus its pre-built manifest.

    Args:
        settings: the DAG configuration.

    Returns:
        A ``ProjectConfig`` with ``manifest_path`` set (``LoadMode.DBT_MANIFEST``), dbt deps
        disabled (the project uses no dbt packages; the hub is unreachable offline) and, in
        the dbt environment, ``DUCKDB_PATH`` for duckdb and ``PII_SALT`` when
        ``settings.pii_salt_variable`` is set.
    """
    env_vars: dict[str, str] = {}
    # Cosmos runs dbt in a temporary copy of the project, where the profile's relative default
    # DuckDB path would point: the warehouse file is always passed explicitly.
    if settings.is_duckdb:
        env_vars["DUCKDB_PATH"] = str(settings.duckdb_path)
    if settings.pii_salt_variable:
        env_vars["PII_SALT"] = pii_salt_template(settings.pii_salt_variable)
    return ProjectConfig(
        dbt_project_path=settings.dbt_project_dir,
        manifest_path=settings.manifest_path,
        project_name=DBT_PROFILE,
        install_dbt_deps=False,
        env_vars=env_vars or None,
    )


def profile_config(settings: Settings) -> ProfileConfig:
    """dbt profile: the project's own ``profiles.yml`` and the configured target.

    The bigquery target of ``dbt/profiles.yml`` authenticates with application-default
    credentials (``method: oauth``), i.e. the Composer environment's service account, and
    reads project/dataset/location from ``GCP_PROJECT_ID``/``BIGQUERY_DATASET``/``BIGQUERY_LOCATION``.

    Args:
        settings: the DAG configuration.

    Returns:
        A ``ProfileConfig`` for profile ``ecommerce_warehouse``, target ``settings.target``.
    """
    return ProfileConfig(
        profile_name=DBT_PROFILE,
        target_name=settings.target,
        profiles_yml_filepath=settings.profiles_dir / "profiles.yml",
    )


def execution_config(settings: Settings) -> ExecutionConfig:
    """Local execution, in-process when dbt is importable, else a subprocess.

    Args:
        settings: the DAG configuration (``dbt_executable`` forces subprocess invocation).

    Returns:
        An ``ExecutionConfig`` in ``ExecutionMode.LOCAL``.
    """
    if settings.dbt_executable is None and dbt_in_process():
        return ExecutionConfig(execution_mode=ExecutionMode.LOCAL, invocation_mode=InvocationMode.DBT_RUNNER)
    return ExecutionConfig(
        execution_mode=ExecutionMode.LOCAL,
        invocation_mode=InvocationMode.SUBPROCESS,
        dbt_executable_path=settings.dbt_executable or "dbt",
    )


def render_config(select: tuple[str, ...] | list[str] = (), exclude: tuple[str, ...] | list[str] = ()) -> RenderConfig:
    """How the manifest becomes tasks.

    Args:
        select: dbt node selectors (e.g. ``("tag:clickstream",)``); empty = the whole project.
        exclude: dbt node selectors to leave out.

    Returns:
        A ``RenderConfig`` reading the manifest, one run + one test task per node, multi-parent
        tests detached into their own tasks, no Cosmos dataset emission.
    """
    return RenderConfig(
        load_method=LoadMode.DBT_MANIFEST,
        test_behavior=TestBehavior.AFTER_EACH,
        select=list(select),
        exclude=list(exclude),
        should_detach_multiple_parents_tests=True,
        emit_datasets=False,
    )


def operator_args(settings: Settings) -> dict[str, Any]:
    """Arguments every Cosmos operator receives.

    Args:
        settings: the DAG configuration.

    Returns:
        A dict of operator keyword arguments: a per-node timeout, the warehouse-writer pool
        and ``--no-write-json`` (a node task needs no
        manifest/run_results JSON; writing them took 1.8 of 3 s per dbt invocation here).
        ``dbt deps`` is off in ``project_config``.
    """
    args: dict[str, Any] = {
        "execution_timeout": DBT_TASK_TIMEOUT,
        "pool": settings.write_pool,
        "dbt_cmd_flags": ["--no-write-json"],
    }
    return args
