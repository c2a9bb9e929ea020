"""End to end: the clickstream micro-batch DAG pulls a spike from the Pub/Sub emulator into the alert mart.

Starting from the warehouse the daily e2e run built (copied), the test publishes a burst of
``view_item`` events for one product in one hour - each event twice, as a tracker retrying or
Pub/Sub redelivering would - and runs ``airflow dags test clickstream_microbatch`` with
``ECOM_PUBSUB_SUBSCRIPTION`` set. Expected, by hand: every event lands once, and the alert mart
has a ``product_views`` alert for that product and hour with the burst's size as observed count
(the product had no views at that hour on the previous 7 days: baseline 0, z-score = count).
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from conftest import FIGURES, RUN_TIMEOUT_S, metadata
from pubsub_emulator import pubsub_emulator

pytestmark = pytest.mark.slow

PROJECT = "local-ecommerce"
BURST = 12


def _spike_events(product_id: int, hour: datetime) -> list[dict]:
    return [
        {
            "event_id": f"spike-{product_id}-{hour:%Y%m%d%H}-{i:03d}",
            "event_name": "view_item",
            "event_timestamp": (hour + timedelta(minutes=2 * i + 1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "session_id": f"spike-session-{i}",
            "anonymous_id": f"spike-visitor-{i}",
            "product_id": product_id,
            "page_url": f"/products/{product_id}",
            "device_type": "mobile",
            "country_code": "DE",
        }
        for i in range(BURST)
    ]


@pytest.fixture(scope="module")
def microbatch_run(daily_run, run_local, tmp_path_factory: pytest.TempPathFactory):
    _, daily_db, daily_env, *_ = daily_run
    tmp = tmp_path_factory.mktemp("e2e-microbatch")
    db = tmp / "warehouse.duckdb"
    shutil.copy2(daily_db, db)
    with duckdb.connect(str(db), read_only=True) as con:
        product_id = con.execute("select min(product_id) from staging.stg_shop__products").fetchone()[0]
        events_before = con.execute("select count(*) from raw.events").fetchone()[0]
    # the last complete UTC hour: well inside the alert window of a run started now
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    events = _spike_events(product_id, hour)

    with pubsub_emulator(tmp) as host:
        from google.cloud import pubsub_v1

        os.environ["PUBSUB_EMULATOR_HOST"] = host
        try:
            publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
            topic = publisher.topic_path(PROJECT, "clickstream-events")
            subscription = subscriber.subscription_path(PROJECT, "clickstream-microbatch")
            publisher.create_topic(name=topic)
            subscriber.create_subscription(name=subscription, topic=topic, ack_deadline_seconds=60)
            futures = [publisher.publish(topic, json.dumps(e).encode()) for e in events + events]
            for f in futures:
                f.result(timeout=30)
        finally:
            os.environ.pop("PUBSUB_EMULATOR_HOST", None)

        home = tmp / "airflow-home"
        env = {
            **daily_env,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "DUCKDB_PATH": str(db),
            "PUBSUB_EMULATOR_HOST": host,
            "ECOM_PUBSUB_SUBSCRIPTION": subscription,
        }
        log = tmp / "airflow.log"
        run_local.prepare_home(env, log)
        started = datetime.now(UTC)
        rc = run_local.run_airflow(["dags", "test", "clickstream_microbatch"], env, RUN_TIMEOUT_S, log)
        seconds = (datetime.now(UTC) - started).total_seconds()
        assert rc == 0, f"micro-batch run failed ({rc}):\n{log.read_text()[-8000:]}"
        FIGURES["airflow dags test clickstream_microbatch (s)"] = round(seconds, 1)
        leftover = subscriber.pull(request={"subscription": subscription, "max_messages": 100}, timeout=5)
        subscriber.close()
    return {
        "db": db,
        "home": home,
        "log": log,
        "product_id": product_id,
        "hour": hour,
        "events": events,
        "events_before": events_before,
        "leftover": len(leftover.received_messages),
    }


def test_every_published_event_lands_exactly_once_and_is_acked(microbatch_run) -> None:
    r = microbatch_run
    with duckdb.connect(str(r["db"]), read_only=True) as con:
        ids = [
            row[0]
            for row in con.execute(
                "select event_id from raw.events where event_id like 'spike-%' order by event_id"
            ).fetchall()
        ]
        total = con.execute("select count(*) from raw.events").fetchone()[0]
    assert ids == sorted(e["event_id"] for e in r["events"])  # 24 messages, 12 events, 12 rows
    assert total == r["events_before"] + BURST
    assert r["leftover"] == 0  # everything acknowledged after the commit


def test_the_alert_mart_reflects_the_spike(microbatch_run) -> None:
    r = microbatch_run
    with duckdb.connect(str(r["db"]), read_only=True) as con:
        rows = con.execute(
            "select metric_name, observed_count, baseline_mean from marts.fct_product_alerts "
            "where product_id = ? and alert_hour_at = ?",
            [r["product_id"], r["hour"].replace(tzinfo=None)],
        ).fetchall()
    assert rows == [("product_views", BURST, 0.0)]


def test_the_alert_task_notified_the_spike(microbatch_run) -> None:
    r = microbatch_run
    (value,) = metadata(
        r["home"],
        "select value from xcom where dag_id = 'clickstream_microbatch' and task_id = 'alerts' "
        "and key = 'return_value'",
    )[0]
    result = json.loads(value)
    assert result["failed_tasks"] == []
    assert result["new_alerts"]["fct_product_alerts"] >= 1
    alert_lines = [line for line in r["log"].read_text().splitlines() if "ECOM_ALERT" in line]
    assert any(f"product_id={r['product_id']}" in line for line in alert_lines)
