"""Land clickstream events pulled from Google Cloud Pub/Sub into ``raw.events``, exactly once.

Pub/Sub delivers at least once: a message can come again when its acknowledgement is lost or
late. This loader turns that into exactly-once rows in the raw layer:

1. **Pull** a batch (synchronous pull, up to ``max_messages``) and extend the batch's ack
   deadline so it cannot expire while landing.
2. **Spool** the batch to a JSONL file ``<spool_dir>/web/events/pubsub-<UTC time>-<first id>.jsonl``,
   one message per line, leaving out (a) messages whose ``event_id`` repeats within the batch,
   (b) events whose ``event_id`` is already in ``raw.events`` and (c) invalid messages whose exact
   line is already in ``raw._quarantine``. The spool file is the durable record
   of what was received: nothing is lost, and it is replayable with ``python -m loaders load``.
3. **Land** the spool file with ``loaders.api.load_file``: the same contract validation,
   quarantine (a message that is not a valid event lands in ``raw._quarantine`` with the file, line
   and reason), audit row and reconciliation as any file. The check of step 2 and this commit run
   while this process holds the warehouse's single DuckDB write lock (one connection stays open
   from before the check until after the commit), so no other writer can land the same event in
   between.
4. **Acknowledge** the batch only after the commit. A crash before the ack means redelivery; the
   redelivered events are then found in ``raw.events`` by step 2 and skipped, so no raw row is
   ever duplicated. If landing fails, the batch is negatively acknowledged (redelivered at once)
   and the error is raised.

Message format: ``data`` is one UTF-8 JSON object with the contract's ``web.events`` columns
(``event_id``, ``event_name``, ``event_timestamp``, ...); attributes are ignored. A message whose
data is not JSON is still spooled (on one line) and quarantined with the loaders' reason.

Only the ``duckdb`` target is supported here. In production on GCP, a Pub/Sub Cloud Storage
subscription writes the same kind of batch files to the landing bucket and the micro-batch DAG
lands them with the file loader (idempotent per file).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from loaders.api import load_file
from loaders.backends import default_duckdb_path
from loaders.backends.base import QUARANTINE_TABLE, RAW_SCHEMA
from loaders.contract import load_contract
from loaders.errors import UnknownTargetError
from loaders.report import FileResult

log = logging.getLogger(__name__)

#: The contract table the stream feeds and its key.
TABLE = "events"
#: Most messages one synchronous pull returns (Pub/Sub's limit per request).
PULL_LIMIT = 1000
#: Seconds the batch's ack deadline is extended to while it is being landed.
LANDING_ACK_DEADLINE_S = 600


@dataclass
class StreamReport:
    """What one ``pull_and_land`` call did.

    Attributes:
        subscription: the subscription path pulled from.
        messages_pulled: messages received (including redeliveries).
        duplicates_in_batch: messages dropped because their event_id repeated within the batch.
        already_landed: messages dropped because their event_id was already in ``raw.events``.
        already_quarantined: messages dropped because the very same line is already in
            ``raw._quarantine`` (a redelivered invalid message).
        spool_file: the spool file written (absolute path), or None when nothing was new.
        file: the loader's result for the spool file (rows read/loaded/rejected), or None.
        acked: messages acknowledged (all of them on success).
        message_ids: Pub/Sub ids of the messages pulled, in pull order.
    """

    subscription: str
    messages_pulled: int = 0
    duplicates_in_batch: int = 0
    already_landed: int = 0
    already_quarantined: int = 0
    spool_file: str | None = None
    file: FileResult | None = None
    acked: int = 0
    message_ids: list[str] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        """Rows this call added to ``raw.events``."""
        return self.file.rows_loaded if self.file else 0

    @property
    def rows_rejected(self) -> int:
        """Messages this call sent to ``raw._quarantine``."""
        return self.file.rows_rejected if self.file else 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (for logs and Airflow XCom); message ids are left out."""
        return {
            "subscription": self.subscription,
            "messages_pulled": self.messages_pulled,
            "duplicates_in_batch": self.duplicates_in_batch,
            "already_landed": self.already_landed,
            "already_quarantined": self.already_quarantined,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "spool_file": self.spool_file,
            "acked": self.acked,
        }


def _event_id(data: bytes) -> tuple[str, str | None]:
    """(one-line JSON text, event_id or None) of a message's data; invalid JSON is kept verbatim on one line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # keep the bytes' text form so the loaders quarantine it as unreadable JSON
        text = data.decode("utf-8", errors="replace")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        return " ".join(text.splitlines()), None
    line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    event_id = obj.get("event_id") if isinstance(obj, dict) else None
    return line, (str(event_id) if event_id not in (None, "") else None)


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [RAW_SCHEMA, name],
        ).fetchone()[0]
    )


def _landed_ids(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> set[str]:
    """The subset of ``ids`` already present in ``raw.events``."""
    if not ids or not _table_exists(con, TABLE):
        return set()
    rows = con.execute(
        f"SELECT DISTINCT event_id FROM {RAW_SCHEMA}.{TABLE} WHERE event_id IN (SELECT unnest(?::VARCHAR[]))",
        [list(ids)],
    ).fetchall()
    return {r[0] for r in rows}


def _quarantined_lines(con: duckdb.DuckDBPyConnection, lines: Sequence[str]) -> set[str]:
    """The subset of ``lines`` already in ``raw._quarantine`` for ``events`` (a redelivered bad message)."""
    if not lines or not _table_exists(con, QUARANTINE_TABLE):
        return set()
    rows = con.execute(
        f"SELECT DISTINCT raw_line FROM {RAW_SCHEMA}.{QUARANTINE_TABLE} "
        "WHERE table_name = ? AND raw_line IN (SELECT unnest(?::VARCHAR[]))",
        [TABLE, list(lines)],
    ).fetchall()
    return {r[0] for r in rows}


def _pull(subscriber: Any, subscription: str, max_messages: int, timeout_s: float) -> list[Any]:
    """Synchronous pulls until one comes back empty or ``max_messages`` are held.

    The first pull waits up to ``timeout_s`` for messages; the follow-ups, which only drain what
    is already there, wait at most one second.
    """
    from google.api_core.exceptions import DeadlineExceeded

    received: list[Any] = []
    while len(received) < max_messages:
        want = min(PULL_LIMIT, max_messages - len(received))
        try:
            response = subscriber.pull(
                request={"subscription": subscription, "max_messages": want},
                timeout=timeout_s if not received else min(1.0, timeout_s),
            )
        except DeadlineExceeded:
            break
        if not response.received_messages:
            break
        received.extend(response.received_messages)
    return received


def pull_and_land(
    subscription: str,
    *,
    target: str = "duckdb",
    database: Path | None = None,
    spool_dir: Path | None = None,
    max_messages: int = 10_000,
    pull_timeout_s: float = 10.0,
    subscriber: Any | None = None,
) -> StreamReport:
    """Pull one batch of clickstream events from Pub/Sub and land it in ``raw.events`` exactly once.

    Args:
        subscription: full subscription path, ``projects/<project>/subscriptions/<name>``.
        target: must be ``duckdb`` (see the module docstring for production on GCP).
        database: the DuckDB file; default ``$DUCKDB_PATH``, else ``build/warehouse.duckdb``.
        spool_dir: landing root for the batch files (they go to ``web/events/`` under it);
            default ``stream-spool/`` beside the DuckDB file.
        max_messages: most messages taken in this call (the rest wait for the next run).
        pull_timeout_s: seconds one pull request may wait for messages.
        subscriber: a ``google.cloud.pubsub_v1.SubscriberClient`` (default: a new one; it honours
            ``PUBSUB_EMULATOR_HOST``).

    Returns:
        A ``StreamReport``; ``file`` holds rows read/loaded/rejected of the spool file.

    Raises:
        UnknownTargetError: ``target`` is not ``duckdb``.
        LoaderError: the spool file failed to land (the batch was nacked for redelivery).
        google.api_core.exceptions.GoogleAPICallError: Pub/Sub refused a call (e.g. no such subscription).
    """
    if target != "duckdb":
        raise UnknownTargetError(
            f"streaming into {target!r} is not supported: use a Pub/Sub Cloud Storage subscription "
            "to write event files to the landing bucket and land them with the file loader"
        )
    if subscriber is None:
        from google.cloud import pubsub_v1

        subscriber = pubsub_v1.SubscriberClient()
    database = Path(database) if database is not None else default_duckdb_path()
    spool_root = Path(spool_dir) if spool_dir is not None else database.parent / "stream-spool"
    report = StreamReport(subscription=subscription)

    received = _pull(subscriber, subscription, max_messages, pull_timeout_s)
    report.messages_pulled = len(received)
    if not received:
        return report
    ack_ids = [m.ack_id for m in received]
    report.message_ids = [m.message.message_id for m in received]
    subscriber.modify_ack_deadline(
        request={"subscription": subscription, "ack_ids": ack_ids, "ack_deadline_seconds": LANDING_ACK_DEADLINE_S}
    )

    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        # This connection holds DuckDB's one-writer lock for the process from the check until
        # after load_file's commit (load_file's connection shares this process's database instance).
        con = duckdb.connect(str(database))
        try:
            parsed = [_event_id(m.message.data) for m in received]
            landed = _landed_ids(con, [eid for _, eid in parsed if eid is not None])
            rejected = _quarantined_lines(con, [line for line, eid in parsed if eid not in landed])
            seen: set[str] = set()
            lines: list[str] = []
            for line, eid in parsed:
                if eid is not None and eid in landed:
                    report.already_landed += 1
                    continue
                if line in rejected:
                    report.already_quarantined += 1
                    continue
                if eid is not None and eid in seen:
                    report.duplicates_in_batch += 1
                    continue
                if eid is not None:
                    seen.add(eid)
                lines.append(line)
            if lines:
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
                table = load_contract().table(TABLE)
                path = spool_root / Path(table.files).parent / f"pubsub-{stamp}-{received[0].message.message_id}.jsonl"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("\n".join(lines) + "\n", encoding="utf-8")
                report.spool_file = str(path)
                file_report = load_file(path, TABLE, target="duckdb", database=database, source_dir=spool_root)
                report.file = file_report.files[0]
        finally:
            con.close()
    except BaseException:
        subscriber.modify_ack_deadline(
            request={"subscription": subscription, "ack_ids": ack_ids, "ack_deadline_seconds": 0}
        )
        raise

    subscriber.acknowledge(request={"subscription": subscription, "ack_ids": ack_ids})
    report.acked = len(ack_ids)
    log.info("pulled and landed from %s: %s", subscription, report.to_dict())
    return report
