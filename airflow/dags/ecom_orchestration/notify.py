"""Pluggable alert delivery: where alerts go is an Airflow connection, never code.

Every alert is first written to the task log as one structured line (``ECOM_ALERT {json}``)
at WARNING level. On Cloud Composer task logs flow into Cloud Logging, where a log-based
metric on that prefix drives a Cloud Monitoring alert policy. When ``ECOM_ALERT_CONN_ID``
names a connection, the alert is also sent through it, by connection type:

* ``smtp`` (apache-airflow-providers-smtp): e-mail to the connection extra ``{"to": "a@x, b@y"}``;
* ``slackwebhook`` (apache-airflow-providers-slack, add it to the Composer PyPI packages):
  a Slack message through the incoming-webhook connection.

Any other connection type raises ``ConfigError`` naming the connection and the supported types.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from airflow.sdk import BaseNotifier

from ecom_orchestration.config import ConfigError

log = logging.getLogger(__name__)

#: Prefix of the structured alert log line (the Cloud Logging filter matches it).
LOG_PREFIX = "ECOM_ALERT"
SUPPORTED_CONN_TYPES = ("smtp", "slackwebhook")


@dataclass(frozen=True)
class Alert:
    """One notification.

    Attributes:
        title: one-line summary, e.g. ``"ecommerce_elt: 3 alert rows, 1 failed test task"``.
        severity: ``"info"``, ``"warning"`` or ``"error"``.
        lines: detail lines (one per alert row / failed task), already formatted.
        dag_id: the DAG that raised it.
        run_id: the DAG run that raised it.
    """

    title: str
    severity: str
    lines: tuple[str, ...] = field(default_factory=tuple)
    dag_id: str = ""
    run_id: str = ""

    def as_text(self) -> str:
        """The alert as plain text: the title, then one indented line per detail."""
        return "\n".join([f"[{self.severity.upper()}] {self.title}", *(f"  - {line}" for line in self.lines)])


def _send_smtp(conn: Any, alert: Alert) -> None:
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    to = conn.extra_dejson.get("to")
    if not to:
        raise ConfigError(f"connection {conn.conn_id!r} (smtp) needs an extra {{'to': 'addr[, addr]'}}")
    with SmtpHook(smtp_conn_id=conn.conn_id) as hook:
        hook.send_email_smtp(to=to, subject=alert.title, html_content=f"<pre>{alert.as_text()}</pre>")


def _send_slack(conn: Any, alert: Alert) -> None:
    try:
        from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook
    except ImportError as exc:  # the provider is a production-only dependency
        raise ConfigError(
            f"connection {conn.conn_id!r} is a Slack webhook: install apache-airflow-providers-slack"
        ) from exc
    SlackWebhookHook(slack_webhook_conn_id=conn.conn_id).send(text=alert.as_text())


def send_alert(alert: Alert, conn_id: str | None) -> None:
    """Log an alert and, when a connection is configured, deliver it through that connection.

    Args:
        alert: what to send.
        conn_id: Airflow connection id (type ``smtp`` or ``slackwebhook``), or None to log only.

    Raises:
        ConfigError: the connection's type is not supported or lacks a required extra.
        airflow.exceptions.AirflowNotFoundException: the connection does not exist.
    """
    log.warning("%s %s", LOG_PREFIX, json.dumps(asdict(alert), sort_keys=True))
    if conn_id is None:
        return
    from airflow.sdk import Connection

    conn = Connection.get(conn_id)
    if conn.conn_type == "smtp":
        _send_smtp(conn, alert)
    elif conn.conn_type == "slackwebhook":
        _send_slack(conn, alert)
    else:
        raise ConfigError(
            f"connection {conn_id!r} has type {conn.conn_type!r}; alerts support {', '.join(SUPPORTED_CONN_TYPES)}"
        )


class TaskFailureNotifier(BaseNotifier):
    """``on_failure_callback`` that sends one alert per failed task through ``send_alert``.

    Args:
        conn_id: Airflow connection id the alert is delivered to, or None (log only).
    """

    def __init__(self, conn_id: str | None = None) -> None:
        super().__init__()
        self.conn_id = conn_id

    def notify(self, context: Any) -> None:
        """Send ``"<dag>.<task> failed"`` with the exception text.

        Args:
            context: the Airflow task context of the failed task instance.
        """
        ti = context.get("ti") or context.get("task_instance")
        task_id = getattr(ti, "task_id", "?")
        dag_id = getattr(ti, "dag_id", "?")
        run_id = getattr(ti, "run_id", "")
        error = context.get("exception")
        send_alert(
            Alert(
                title=f"{dag_id}.{task_id} failed",
                severity="error",
                lines=tuple(line for line in (str(error) if error else "").splitlines()[:20] if line),
                dag_id=dag_id,
                run_id=run_id,
            ),
            self.conn_id,
        )


def format_rows(rows: Sequence[dict[str, Any]], limit: int = 50) -> tuple[str, ...]:
    """Render result rows as ``key=value`` lines for an alert body.

    Args:
        rows: rows as dicts (column name -> value).
        limit: at most this many lines; a final line says how many were left out.

    Returns:
        One line per row, e.g. ``"product_id=7, spike_hour=2024-05-01 10:00:00"``.
    """
    lines = [", ".join(f"{k}={v}" for k, v in row.items()) for row in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"... and {len(rows) - limit} more")
    return tuple(lines)
