"""The Python callables behind the DAGs' non-dbt tasks: land, source freshness, alerts.

They are thin: landing is ``loaders.api`` (validation, quarantine, audit, per-file
idempotence live there) or ``loaders.streaming`` (Pub/Sub), freshness and alert reads are dbt
commands. Each returns a small JSON-serialisable summary that becomes the task's XCom.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, is_dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from ecom_orchestration.config import Settings
from ecom_orchestration.dbt_invoke import run_dbt, scratch_dir
from ecom_orchestration.notify import Alert, format_rows, send_alert

log = logging.getLogger(__name__)

#: Upper bound of one table's landing.
LAND_TIMEOUT = timedelta(hours=1)
#: Task states that count as a failed dbt node in the alert summary.
FAILED_STATES = ("failed", "upstream_failed")
#: At most this many rows are read from each alert mart per run.
ALERT_ROW_LIMIT = 500


class SourceFreshnessError(RuntimeError):
    """At least one source is past its ``error_after`` threshold and the policy is to fail."""


class DbtTasksFailedError(RuntimeError):
    """dbt tasks of the run failed; raised by the alert task after notifying, to fail the run."""


def _jsonable(report: Any) -> dict[str, Any]:
    """A loader report as plain JSON types (dataclass, ``to_dict()`` or mapping)."""
    if hasattr(report, "to_dict"):
        data = report.to_dict()
    elif is_dataclass(report):
        data = asdict(report)
    else:
        data = dict(report)
    return json.loads(json.dumps(data, default=str))


def _warehouse_env(settings: Settings) -> None:
    """Point the loaders and dbt at the configured warehouse (they read ``DUCKDB_PATH``)."""
    if settings.is_duckdb:
        settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        os.environ["DUCKDB_PATH"] = str(settings.duckdb_path)


def land_table(table: str, settings: Settings) -> dict[str, Any]:
    """Land every file of one contract table from the landing zone into ``raw.<table>``.

    Idempotent: the loaders skip a file whose sha256 is already in ``raw._load_audit``, so a
    retry or a backfill of any date never duplicates rows. Bad rows go to ``raw._quarantine``.

    Args:
        table: contract table name, e.g. ``"orders"``.
        settings: the DAG configuration (landing dir, target, DuckDB path).

    Returns:
        The loader's report as a dict (files seen/loaded/skipped, rows read/loaded/rejected).

    Raises:
        Whatever ``loaders.api.load_directory`` raises for unreadable input or a missing
        required feed (its messages name the file, line and column).
    """
    from loaders.api import load_directory

    _warehouse_env(settings)
    report = load_directory(
        settings.landing_dir,
        target=settings.target,
        database=settings.duckdb_path if settings.is_duckdb else None,
        tables=[table],
    )
    summary = _jsonable(report)
    log.info("landed %s from %s: %s", table, settings.landing_dir, summary)
    return summary


def pull_events(settings: Settings) -> dict[str, Any]:
    """Land new clickstream events: from Pub/Sub when a subscription is configured, else from files.

    Args:
        settings: the DAG configuration (``pubsub_subscription`` selects the mode).

    Returns:
        The streaming report (messages pulled, rows landed, duplicates skipped, quarantined)
        or the file loader's report, as a dict with a ``mode`` key.
    """
    if settings.pubsub_subscription is None:
        return {"mode": "files", **land_table("events", settings)}
    from loaders.streaming import pull_and_land

    _warehouse_env(settings)
    report = pull_and_land(settings.pubsub_subscription, database=settings.duckdb_path)
    return {"mode": "pubsub", **_jsonable(report)}


def check_source_freshness(settings: Settings) -> dict[str, Any]:
    """Run ``dbt source freshness`` and apply the configured policy.

    Thresholds come from the data contract (``freshness_warn_after_hours`` /
    ``freshness_error_after_hours`` per source, generated into the dbt sources YAML).

    Args:
        settings: the DAG configuration; ``freshness_fail_on_error`` decides whether a source
            past ``error_after`` fails the task (production) or only warns (local runs on the
            committed sample, whose dates lie in a fixed past window).

    Returns:
        ``{"pass": [...], "warn": [...], "error": [...]}``: source table names per status
        (``runtime error`` counts as error).

    Raises:
        SourceFreshnessError: a source is past ``error_after`` and the policy is to fail.
        DbtCommandError: dbt could not run at all.
    """
    _warehouse_env(settings)
    with scratch_dir("freshness-") as tmp:
        workdir = Path(tmp)
        result = run_dbt(settings, ["source", "freshness", "--output", str(workdir / "sources.json")], workdir)
        sources_json = workdir / "sources.json"
        results = json.loads(sources_json.read_text())["results"] if sources_json.exists() else []
    summary: dict[str, list[str]] = {"pass": [], "warn": [], "error": []}
    for r in results:
        name = r["unique_id"].removeprefix("source.").split(".", 1)[-1]
        status = "error" if r["status"] in ("error", "runtime error") else r["status"]
        summary.setdefault(status, []).append(name)
        if status != "pass":
            log.warning("source %s freshness %s (max loaded at %s)", name, r["status"], r.get("max_loaded_at"))
    if not results and not result.success:
        summary["error"].append("<dbt source freshness produced no results>")
    if summary["error"] and settings.freshness_fail_on_error:
        raise SourceFreshnessError(f"sources past their error_after threshold: {', '.join(summary['error'])}")
    return summary


def alert_models(manifest_path: Path) -> list[dict[str, Any]]:
    """The alert marts of the dbt project, read from the manifest.

    An alert mart is a model under ``models/marts/alerts/`` or with ``config.meta.alert`` set;
    every row it holds is an alert. ``meta.alert.severity`` (default ``warning``) sets the
    severity.

    Args:
        manifest_path: the pre-built ``manifest.json``.

    Returns:
        One dict per alert model: ``{"name", "severity"}``, sorted by name.
    """
    manifest = json.loads(Path(manifest_path).read_text())
    found = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        meta_alert = (node.get("config", {}).get("meta") or {}).get("alert") or node.get("meta", {}).get("alert")
        in_folder = "marts/alerts/" in node.get("original_file_path", "").replace("\\", "/")
        if meta_alert or in_folder:
            severity = meta_alert.get("severity", "warning") if isinstance(meta_alert, dict) else "warning"
            found.append({"name": node["name"], "severity": severity})
    return sorted(found, key=lambda m: m["name"])


def collect_and_send_alerts(settings: Settings, dbt_group_id: str, **context: Any) -> dict[str, Any]:
    """Read the alert marts and this run's failed dbt tasks, and notify.

    Runs with ``trigger_rule="all_done"`` so failed tests reach it. One alert is sent per run
    when anything is found; nothing is sent on a clean run.

    Args:
        settings: the DAG configuration (manifest, target, alert connection).
        dbt_group_id: the Cosmos task group's id; failed tasks inside it are reported.
        **context: the Airflow task context (``ti`` gives the run's task states).

    Returns:
        ``{"alert_rows": {model: row count}, "failed_tasks": [task ids], "sent": bool}``.

    Raises:
        DbtTasksFailedError: after notifying, when dbt tasks failed: the alert task is a leaf of
            the DAG, so it must fail for the run to be marked failed.
    """
    _warehouse_env(settings)
    ti = context["ti"]
    states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id], task_group_id=dbt_group_id)
    failed = sorted(tid for tid, state in states.get(ti.run_id, {}).items() if state in FAILED_STATES)

    counts: dict[str, int] = {}
    lines: list[str] = [f"dbt task {tid}: failed" for tid in failed]
    severity = "error" if failed else "info"
    models = alert_models(settings.manifest_path)
    if models:
        with scratch_dir("alerts-") as tmp:
            for model in models:
                sql = f"select * from {{{{ ref('{model['name']}') }}}}"
                result = run_dbt(
                    settings, ["show", "--inline", sql, "--limit", str(ALERT_ROW_LIMIT), "--quiet"], Path(tmp)
                )
                counts[model["name"]] = len(result.rows)
                if result.rows:
                    lines.extend(f"{model['name']}: {line}" for line in format_rows(result.rows))
                    if severity == "info":
                        severity = model["severity"]
    sent = bool(lines)
    if sent:
        title = f"{ti.dag_id}: {sum(counts.values())} alert row(s), {len(failed)} failed dbt task(s)"
        send_alert(
            Alert(title=title, severity=severity, lines=tuple(lines), dag_id=ti.dag_id, run_id=ti.run_id),
            settings.alert_conn_id,
        )
    if failed:
        raise DbtTasksFailedError(f"{len(failed)} dbt task(s) failed: {', '.join(failed)}")
    return {"alert_rows": counts, "failed_tasks": failed, "sent": sent}
