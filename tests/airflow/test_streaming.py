"""Pub/Sub -> raw.events exactly once, against the real Pub/Sub emulator on loopback.

Redelivery is produced the way it happens in production: the process "crashes" after the rows
are committed but before the acknowledgement reaches Pub/Sub, and the messages come back.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from pubsub_emulator import pubsub_emulator

from loaders.streaming import pull_and_land

PROJECT = "local-ecommerce"


def event(i: int, *, product_id: int = 7, hour: int = 10, name: str = "view_item") -> dict:
    return {
        "event_id": f"evt-{i:05d}",
        "event_name": name,
        "event_timestamp": f"2024-05-01T{hour:02d}:{i % 60:02d}:00Z",
        "session_id": f"s-{i % 5}",
        "anonymous_id": f"anon-{i % 9}",
        "product_id": product_id,
        "page_url": f"/products/{product_id}",
        "device_type": "mobile",
        "country_code": "DE",
    }


@pytest.fixture(scope="module")
def emulator_host(tmp_path_factory: pytest.TempPathFactory):
    """One emulator for the module (started once, killed at the end)."""
    with pubsub_emulator(tmp_path_factory.mktemp("pubsub")) as host:
        yield host


@pytest.fixture
def pubsub(emulator_host: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """(publisher, subscriber, topic path, subscription path): a fresh topic per test."""
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", emulator_host)
    from google.cloud import pubsub_v1

    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    topic = publisher.topic_path(PROJECT, f"events-{request.node.name[:40]}")
    subscription = subscriber.subscription_path(PROJECT, f"loader-{request.node.name[:40]}")
    publisher.create_topic(name=topic)
    subscriber.create_subscription(name=subscription, topic=topic, ack_deadline_seconds=30)
    try:
        yield publisher, subscriber, topic, subscription
    finally:
        subscriber.close()


def publish(publisher, topic: str, payloads: list[bytes]) -> None:
    for future in [publisher.publish(topic, p) for p in payloads]:
        future.result(timeout=30)


def raw_event_ids(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [r[0] for r in con.execute("select event_id from raw.events order by event_id").fetchall()]


class CrashBeforeAck:
    """A subscriber whose acknowledge() is lost, as when a worker dies right after the commit."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.lost_ack_ids: list[str] = []

    def pull(self, *args, **kwargs):
        return self.inner.pull(*args, **kwargs)

    def modify_ack_deadline(self, *args, **kwargs):
        return self.inner.modify_ack_deadline(*args, **kwargs)

    def acknowledge(self, request):
        self.lost_ack_ids.extend(request["ack_ids"])
        raise ConnectionError("worker died before the ack reached Pub/Sub")


@pytest.mark.slow
def test_pubsub_events_land_exactly_once_across_redelivery(pubsub, tmp_path: Path) -> None:
    publisher, subscriber, topic, subscription = pubsub
    db = tmp_path / "warehouse.duckdb"
    spool = tmp_path / "spool"
    events = [event(i) for i in range(40)]
    payloads = [json.dumps(e).encode() for e in events]
    payloads.append(json.dumps(events[3]).encode())  # the tracker sent evt-00003 twice
    payloads.append(b'{"event_id": "evt-broken", "event_name": ')  # not JSON: quarantined
    payloads.append(json.dumps({**event(99), "event_timestamp": ""}).encode())  # required value empty
    publish(publisher, topic, payloads)
    expected_ids = sorted(e["event_id"] for e in events)

    # 1st delivery: the rows are committed, then the worker dies before acknowledging.
    crashing = CrashBeforeAck(subscriber)
    with pytest.raises(ConnectionError):
        pull_and_land(subscription, database=db, spool_dir=spool, subscriber=crashing, pull_timeout_s=5)
    assert len(crashing.lost_ack_ids) == 43
    assert raw_event_ids(db) == expected_ids

    # The dead worker's lease runs out (made immediate here): Pub/Sub redelivers all 43 messages.
    subscriber.modify_ack_deadline(
        request={"subscription": subscription, "ack_ids": crashing.lost_ack_ids, "ack_deadline_seconds": 0}
    )
    report = pull_and_land(subscription, database=db, spool_dir=spool, subscriber=subscriber, pull_timeout_s=5)
    assert report.messages_pulled == 43
    assert report.already_landed == 41  # 40 events + the duplicate evt-00003
    assert report.already_quarantined == 2
    assert report.spool_file is None and report.rows_loaded == 0
    assert report.acked == 43
    assert raw_event_ids(db) == expected_ids  # no duplicate raw row

    with duckdb.connect(str(db), read_only=True) as con:
        quarantined = con.execute(
            "select count(*), count(distinct line_number) from raw._quarantine where table_name = 'events'"
        ).fetchone()
        audit = con.execute(
            "select count(*), sum(rows_read), sum(rows_loaded), sum(rows_rejected) from raw._load_audit "
            "where table_name = 'events' and status in ('loaded', 'replaced')"
        ).fetchone()
        columns = con.execute(
            "select distinct column_name from raw._quarantine where table_name = 'events' order by 1 nulls first"
        ).fetchall()
    assert quarantined == (2, 2)  # the broken JSON line and the empty timestamp, each once
    assert columns == [(None,), ("event_timestamp",)]  # unreadable line: no column; the other names it
    assert audit == (1, 42, 40, 2)  # one spool file: 42 lines = 40 loaded + 2 rejected

    # Acknowledged: the subscription is drained, nothing comes back.
    again = pull_and_land(subscription, database=db, spool_dir=spool, subscriber=subscriber, pull_timeout_s=2)
    assert again.messages_pulled == 0
    assert raw_event_ids(db) == expected_ids


@pytest.mark.slow
def test_landing_failure_nacks_the_batch_for_immediate_redelivery(pubsub, tmp_path: Path) -> None:
    publisher, subscriber, topic, subscription = pubsub
    publish(publisher, topic, [json.dumps(event(i)).encode() for i in range(5)])
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("a file where the spool directory should be")
    with pytest.raises(OSError):
        pull_and_land(
            subscription, database=tmp_path / "w.duckdb", spool_dir=not_a_dir, subscriber=subscriber, pull_timeout_s=5
        )
    # nacked: redelivered at once to the next pull, and this time it lands
    report = pull_and_land(
        subscription, database=tmp_path / "w.duckdb", spool_dir=tmp_path / "spool", subscriber=subscriber
    )
    assert report.messages_pulled == 5
    assert report.rows_loaded == 5
    assert raw_event_ids(tmp_path / "w.duckdb") == [f"evt-{i:05d}" for i in range(5)]
