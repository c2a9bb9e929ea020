"""Daily ELT of the e-commerce analytics warehouse (Airflow DAG ``ecommerce_elt``).

### What it does
1. **land** - one task per data-contract table (``loaders/contract.yml``), in parallel where the
   warehouse allows it: ``loaders.api.load_directory(tables=[t])`` validates, quarantines bad rows
   and lands every file of the landing zone into ``raw.<table>``. Loads are idempotent per file
   (sha256 in ``raw._load_audit``), so a retry or a backfill of any date never duplicates rows.
2. **dbt** - the whole dbt graph rendered by Astronomer Cosmos: one ``run`` task and one ``test``
   task per model (seed, snapshot) in the manifest's lineage order; tests that read several
   models get their own task after all of them.
   **predict** - ``python -m predictions`` in its own environment (``ECOM_PREDICTIONS_PYTHON``),
   inside the dbt graph: after the marts it reads (dim_customer_btyd_summary, fct_sales_daily) and
   their tests, before the prediction marts (``models/marts/predictions/``). On BigQuery the
   forecast mart retrains BigQuery ML itself and the task has nothing to run.
3. **source_freshness** - ``dbt source freshness`` against the contract's thresholds.
4. **marts_ready** - publishes the ``ecommerce_warehouse/marts`` asset when every dbt task
   succeeded (data-aware scheduling for downstream consumers: dashboard extracts, exports).
5. **alerts** - runs whatever happened upstream (``all_done``): reads the alert marts
   (``models/marts/alerts/``) and the run's failed dbt tasks and notifies through the connection
   named by ``ECOM_ALERT_CONN_ID`` (log only when unset). It fails the run when dbt tasks failed.

### Decisions
* **Rendering from a pre-built manifest** (``LoadMode.DBT_MANIFEST``): parsing this file runs no
  dbt command (~0.3 s instead of 4-7 s for ``dbt ls``). The manifest is built by
  ``make airflow-manifest`` (local) or shipped in the Composer bundle (``make airflow-artifact``).
* **ExecutionMode.LOCAL, dbt in the Airflow environment, in-process dbtRunner**: one environment
  (``requirements/airflow.txt``, locked against the main env's pins) runs Airflow, Cosmos and
  dbt, and Cosmos calls dbt in-process, about 3x faster than a subprocess per task. Set
  ``ECOM_DBT_EXECUTABLE`` to call a separate dbt environment instead where the two cannot share
  one. WATCHER mode was rejected: its sensors wait on a producer that ``airflow dags test`` never
  starts, so the DAG could not be tested end to end here.
* **DuckDB allows one writer process**: every warehouse-writing task runs in the pool named by
  ``ECOM_WRITE_POOL`` (``duckdb_writer``, one slot, for the duckdb target) and the DAG runs one
  task at a time on DuckDB, so local schedulers never hit "Could not set lock on file". On
  BigQuery the pool is ``default_pool`` and up to 8 tasks run at once.
* **Target from configuration**: ``ECOM_DBT_TARGET`` (``duckdb`` locally, ``bigquery`` on Composer)
  picks both the dbt target and the loaders' backend; see ``ecom_orchestration/config.py``.
* **Freshness**: warn-only on duckdb (the committed sample is dated in a fixed past window and is
  always stale), failing on bigquery; override with ``ECOM_FRESHNESS_FAIL_ON_ERROR``.
* **Production defaults**: retries with exponential backoff, per-task timeouts, one active run,
  ``catchup=False``, failure notifications through the same connection as the alerts. Backfills
  are safe: loads are idempotent per file, incremental models recompute whole days from their
  lookback window, and a run triggered with ``{"full_refresh": true}`` rebuilds them from raw.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, Asset, Param, TaskGroup
from ecom_orchestration import wiring
from ecom_orchestration.config import load_settings
from ecom_orchestration.tasks import (
    LAND_TIMEOUT,
    PREDICT_TIMEOUT,
    check_source_freshness,
    land_table,
    prediction_models,
    run_predictions,
)

from loaders.contract import load_contract

settings = load_settings()

#: Asset updated when every dbt model and test of the daily run succeeded.
MARTS_ASSET = Asset(name="ecommerce_warehouse.marts", uri="ecommerce-warehouse://marts")

default_args = wiring.default_args(
    settings,
    retries=settings.retries,
    retry_delay=timedelta(minutes=2),
    retry_exponential_backoff=True,
    max_retry_delay=timedelta(minutes=30),
)

with DAG(
    dag_id="ecommerce_elt",
    description="Daily: land every source feed, dbt build via Cosmos, source freshness, alerts",
    schedule=settings.daily_schedule,
    **wiring.dag_defaults(settings),
    dagrun_timeout=timedelta(hours=6),
    default_args=default_args,
    tags=["ecommerce", "elt", "dbt", "cosmos", "daily"],
    doc_md=__doc__,
    params={
        "full_refresh": Param(
            False,
            type="boolean",
            description="Rebuild incremental models and seeds from raw (dbt --full-refresh), e.g. after a backfill.",
        )
    },
) as dag:
    with TaskGroup(group_id="land", tooltip="one loader task per contract table") as land:
        for table in load_contract().tables:
            PythonOperator(
                task_id=table.name,
                python_callable=land_table,
                op_kwargs={"table": table.name, "settings": settings},
                execution_timeout=LAND_TIMEOUT,
                doc_md=f"Land `{table.fqn}` (`{table.files}`) into `raw.{table.name}`.",
            )

    dbt = wiring.dbt_task_group(settings, full_refresh="{{ params.full_refresh }}")

    # The prediction step sits inside the dbt graph: after every parent of the prediction marts
    # (their test tasks), before the marts' run tasks.
    predict = PythonOperator(
        task_id="predict",
        python_callable=run_predictions,
        op_kwargs={"settings": settings},
        execution_timeout=PREDICT_TIMEOUT,
    )
    for model in prediction_models(settings.manifest_path) if settings.manifest_path.exists() else []:
        mart_run = dag.task_dict.get(f"dbt.{model}.run") or dag.task_dict.get(f"dbt.{model}_run")
        if mart_run is None:
            continue
        for parent in list(mart_run.upstream_list):
            parent >> predict
        predict >> mart_run

    freshness = PythonOperator(
        task_id="source_freshness",
        python_callable=check_source_freshness,
        op_kwargs={"settings": settings},
        execution_timeout=timedelta(minutes=15),
    )

    marts_ready = EmptyOperator(task_id="marts_ready", outlets=[MARTS_ASSET], pool="default_pool")

    alerts = wiring.alerts_task(settings, timeout=timedelta(minutes=15))

    land >> [dbt, freshness]
    dbt >> marts_ready
    [dbt, freshness] >> alerts
