"""Clickstream micro-batch every 15 minutes (Airflow DAG ``clickstream_microbatch``).

### What it does
1. **land_events** - lands new clickstream events into ``raw.events``:
   * from Pub/Sub when ``ECOM_PUBSUB_SUBSCRIPTION`` is set (``loaders.streaming.pull_and_land``):
     messages are acknowledged only after the rows are committed, and rows whose ``event_id`` is
     already in ``raw.events`` are skipped in the same transaction, so a redelivered message
     never duplicates a raw row (exactly-once landing on top of at-least-once delivery);
   * else from new event files in the landing zone (``web/events/*.jsonl*``; on GCP a Pub/Sub
     Cloud Storage subscription can write them), idempotent per file like the daily DAG.
2. **dbt** - only the event-driven models, selected by ``ECOM_CLICKSTREAM_SELECT`` (default
   ``tag:clickstream``: sessionized events, sessions, conversion, hourly product activity and the
   spike alerts; ``source:web.events+`` widens it to attribution and customer 360, which the daily
   DAG refreshes anyway), rendered by Cosmos from the daily DAG's manifest.
3. **clickstream_ready** - publishes the ``ecommerce_warehouse.clickstream`` asset.
4. **alerts** - reads the alert marts (e.g. product-hour spikes) and failed dbt tasks and
   notifies through ``ECOM_ALERT_CONN_ID`` (log only when unset).

### Decisions
Same Cosmos set-up as ``ecommerce_elt`` (manifest rendering, ExecutionMode.LOCAL with in-process
dbt, the target from ``ECOM_DBT_TARGET``). A run must finish before the next one is due:
``max_active_runs=1``, ``dagrun_timeout`` 14 minutes, no catchup (a missed slot is covered by the
next run, which lands everything new). On DuckDB its writing tasks share the one-slot
``duckdb_writer`` pool with the daily DAG, so the two never write the file at the same time.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, Asset
from ecom_orchestration import wiring
from ecom_orchestration.config import load_settings
from ecom_orchestration.tasks import pull_events

settings = load_settings()

#: Asset updated when the event-driven models were refreshed.
CLICKSTREAM_ASSET = Asset(name="ecommerce_warehouse.clickstream", uri="ecommerce-warehouse://clickstream")

default_args = wiring.default_args(settings, retries=min(settings.retries, 1), retry_delay=timedelta(minutes=1))

with DAG(
    dag_id="clickstream_microbatch",
    description="Every 15 minutes: land new clickstream events (files or Pub/Sub), event-driven models, alerts",
    schedule=settings.microbatch_schedule,
    **wiring.dag_defaults(settings),
    dagrun_timeout=timedelta(minutes=14),
    default_args=default_args,
    tags=["ecommerce", "clickstream", "microbatch", "dbt", "cosmos"],
    doc_md=__doc__,
) as dag:
    land_events = PythonOperator(
        task_id="land_events",
        python_callable=pull_events,
        op_kwargs={"settings": settings},
        execution_timeout=timedelta(minutes=5),
    )

    dbt = wiring.dbt_task_group(settings, select=settings.clickstream_select, execution_timeout=timedelta(minutes=10))

    clickstream_ready = EmptyOperator(task_id="clickstream_ready", outlets=[CLICKSTREAM_ASSET], pool="default_pool")

    alerts = wiring.alerts_task(settings, timeout=timedelta(minutes=5))

    land_events >> dbt >> [clickstream_ready, alerts]
