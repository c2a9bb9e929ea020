"""The parts both DAGs are built from: DAG defaults, default task arguments, the Cosmos dbt group, the alerts task.

Each DAG file keeps what is its own (schedule, timeouts, what it lands, which models it selects,
the asset it publishes) and calls these for the rest, so the two DAGs wire dbt and alerting the
same way.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from cosmos import DbtTaskGroup

from ecom_orchestration import dbt_graph
from ecom_orchestration.config import Settings
from ecom_orchestration.notify import TaskFailureNotifier
from ecom_orchestration.tasks import collect_and_send_alerts

#: Owner of every task of both DAGs.
OWNER = "data-platform"
#: Task group id of the Cosmos-rendered dbt graph; the alerts task reads its failed tasks.
DBT_GROUP_ID = "dbt"


def dag_defaults(settings: Settings) -> dict[str, Any]:
    """Scheduling defaults of both DAGs.

    Args:
        settings: the DAG configuration (``is_duckdb`` decides the task concurrency).

    Returns:
        ``DAG`` keyword arguments: a fixed past start date, no catchup (a run lands everything
        new, so a missed slot needs no run of its own), one active run, and one task at a time
        on DuckDB (one writer process) or up to 8 on BigQuery.
    """
    return {
        "start_date": pendulum.datetime(2024, 1, 1, tz="UTC"),
        "catchup": False,
        "max_active_runs": 1,
        "max_active_tasks": 1 if settings.is_duckdb else 8,
    }


def default_args(settings: Settings, retries: int, retry_delay: timedelta, **extra: Any) -> dict[str, Any]:
    """Default arguments of every task of a DAG.

    Args:
        settings: the DAG configuration (the warehouse-writer pool and the alert connection).
        retries: retries of a failed task.
        retry_delay: wait before the first retry.
        **extra: further operator defaults (e.g. ``retry_exponential_backoff=True``).

    Returns:
        A dict for ``DAG(default_args=...)``: owner, retries, retry delay, the warehouse-writer
        pool and a failure notification through ``settings.alert_conn_id`` (log only when unset).
    """
    return {
        "owner": OWNER,
        "retries": retries,
        "retry_delay": retry_delay,
        "pool": settings.write_pool,
        "on_failure_callback": [TaskFailureNotifier(settings.alert_conn_id)],
        **extra,
    }


def dbt_task_group(settings: Settings, select: tuple[str, ...] = (), **operator_args: Any) -> DbtTaskGroup:
    """The dbt graph as a Cosmos task group ``dbt``, inside the DAG being defined.

    Args:
        settings: the DAG configuration (target, manifest, pool, dbt executable).
        select: dbt node selectors; empty renders the whole project.
        **operator_args: operator arguments over ``dbt_graph.operator_args`` (e.g. a shorter
            ``execution_timeout``, a templated ``full_refresh``).

    Returns:
        The ``DbtTaskGroup``: one run and one test task per node, rendered from the manifest.
    """
    return DbtTaskGroup(
        group_id=DBT_GROUP_ID,
        project_config=dbt_graph.project_config(settings),
        profile_config=dbt_graph.profile_config(settings),
        execution_config=dbt_graph.execution_config(settings),
        render_config=dbt_graph.render_config(select=select),
        operator_args={**dbt_graph.operator_args(settings), **operator_args},
    )


def alerts_task(settings: Settings, timeout: timedelta) -> PythonOperator:
    """The ``alerts`` task, inside the DAG being defined: it runs whatever happened upstream.

    It reads the alert marts and the run's failed dbt tasks and notifies through
    ``settings.alert_conn_id``; it is never retried and sends no failure notification of its
    own (its summary already names every failure).

    Args:
        settings: the DAG configuration.
        timeout: the task's execution timeout.

    Returns:
        The ``PythonOperator`` with trigger rule ``all_done``.
    """
    return PythonOperator(
        task_id="alerts",
        python_callable=collect_and_send_alerts,
        op_kwargs={"settings": settings, "dbt_group_id": DBT_GROUP_ID},
        trigger_rule="all_done",
        retries=0,
        on_failure_callback=None,
        execution_timeout=timeout,
    )
