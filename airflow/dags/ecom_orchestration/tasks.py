"""The Python callables behind the DAGs' non-dbt tasks: land, source freshness, predictions, alerts.

They are thin: landing is ``loaders.api`` (validation, quarantine, audit, per-file
idempotence live there) or ``loaders.streaming`` (Pub/Sub), freshness and alert reads are dbt
commands. Each returns a small JSON-serialisable summary that becomes the task's XCom.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
from dataclasses import asdict, dataclass, is_dataclass
from datetime import UTC, datetime, timedelta
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
#: XCom key of the alert task holding the keys of the alert rows already notified.
NOTIFIED_KEY = "notified_alerts"


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
        The loader's ``LoadReport`` as a dict: one entry per file with its status (``loaded``,
        ``unchanged``, ``replaced``, ``failed``) and rows read / loaded / rejected.

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
        ``{"pass": [...], "warn": [...], "error": [...], "runtime error": [...]}``: source
        table names (``shop.orders``) per dbt freshness status.

    Raises:
        SourceFreshnessError: a source is past ``error_after`` (or its freshness query failed)
            and the policy is to fail.
        DbtCommandError: dbt could not run at all.
    """
    _warehouse_env(settings)
    with scratch_dir("freshness-") as tmp:
        result = run_dbt(settings, ["source", "freshness"], Path(tmp))
        sources_json = result.target_dir / "sources.json"
        results = json.loads(sources_json.read_text())["results"] if sources_json.exists() else []
    summary: dict[str, list[str]] = {"pass": [], "warn": [], "error": [], "runtime error": []}
    for r in results:
        name = r["unique_id"].removeprefix("source.").split(".", 1)[-1]
        summary.setdefault(r["status"], []).append(name)
        if r["status"] != "pass":
            detail = r.get("message") or f"max loaded at {r.get('max_loaded_at')}"
            log.warning("source %s freshness %s: %s", name, r["status"], detail)
    # dbt leaves sources whose freshness query failed out of sources.json: find them in the manifest
    checked = {r["unique_id"] for r in results}
    manifest = json.loads(settings.manifest_path.read_text())
    for uid, source in sorted(manifest.get("sources", {}).items()):
        freshness = source.get("freshness") or {}
        has_rule = any((freshness.get(k) or {}).get("count") for k in ("warn_after", "error_after"))
        if has_rule and (source.get("loaded_at_field") or source.get("loaded_at_query")) and uid not in checked:
            name = f"{source['source_name']}.{source['name']}"
            summary["runtime error"].append(name)
            log.warning("source %s freshness could not be checked (see the dbt log above)", name)
    if not result.success and not any(summary[k] for k in ("error", "runtime error")):
        summary["runtime error"].append("<dbt source freshness failed>")
    failing = summary["error"] + summary["runtime error"]
    if failing and settings.freshness_fail_on_error:
        raise SourceFreshnessError(f"sources past error_after or not checkable: {', '.join(failing)}")
    return summary


@dataclass(frozen=True)
class AlertModel:
    """An alert mart as described by the manifest.

    Attributes:
        name: model name, e.g. ``fct_product_alerts``.
        severity: ``meta.alert.severity`` of the model, default ``warning``.
        event_time: the model's dbt ``event_time`` config (its time column), or None: then every
            row is read each run instead of the rows of the alert window.
        key_columns: the primary-key columns (``primary_key`` constraints, else the column of a
            ``unique`` data test); a row's key decides whether it was already notified. Empty:
            the whole row is the key.
    """

    name: str
    severity: str
    event_time: str | None
    key_columns: tuple[str, ...]


#: Upper bound of the prediction step (CLV + forecast fits).
PREDICT_TIMEOUT = timedelta(minutes=30)


def prediction_models(manifest_path: Path) -> list[str]:
    """Names of the prediction marts (models under ``models/marts/predictions/``), from the manifest."""
    manifest = json.loads(Path(manifest_path).read_text())
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and "marts/predictions/" in node.get("original_file_path", "").replace("\\", "/")
    )


def run_predictions(settings: Settings) -> dict[str, Any]:
    """The prediction step: export its inputs, fit in the predictions environment, load the outputs.

    DuckDB: this process (which holds the warehouse: in-process dbt keeps DuckDB's one write
    lock) exports the marts the step reads to Parquet, ``python -m predictions fit`` runs in the
    predictions environment's own interpreter on those files, and this process loads its output
    files into ``predictions.*``, which the prediction marts select. BigQuery: the forecast is
    BigQuery ML inside dbt and the CLV step has no BigQuery writer yet (README, predictions):
    nothing to run.

    Args:
        settings: the DAG configuration (``predictions_python``, ``duckdb_path``, the dbt project).

    Returns:
        ``{"target": ..., "ran": bool, "summary": <the step's printed lines>, "rows": {table: rows}}``.

    Raises:
        FileNotFoundError: no predictions interpreter (set ``ECOM_PREDICTIONS_PYTHON``).
        RuntimeError: the step failed (its output is in the message).
    """
    if not settings.is_duckdb:
        log.warning("predictions: target %s forecasts with BigQuery ML in dbt; no step to run", settings.target)
        return {"target": settings.target, "ran": False, "summary": [], "rows": {}}
    python = settings.predictions_python
    if python is None or not python.exists():
        raise FileNotFoundError(
            f"no predictions interpreter at {python}: run `make predictions-setup` or set ECOM_PREDICTIONS_PYTHON"
        )
    import duckdb

    from predictions.warehouse import export_inputs, import_outputs

    _warehouse_env(settings)
    env = {**os.environ, "NIXTLA_NUMBA_CACHE": "1"}
    root = settings.dbt_project_dir.parent
    if (root / "predictions").is_dir():
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    with scratch_dir("predictions-") as tmp:
        inputs, outputs = Path(tmp) / "inputs", Path(tmp) / "outputs"
        inputs.mkdir()
        with duckdb.connect(str(settings.duckdb_path)) as con:
            export_inputs(con, inputs)
        cmd = [str(python), "-m", "predictions", "fit", "--inputs", str(inputs), "--outputs", str(outputs)]
        cmd += ["--dbt-project", str(settings.dbt_project_dir / "dbt_project.yml")]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=PREDICT_TIMEOUT.total_seconds())
        if proc.returncode != 0:
            raise RuntimeError(f"predictions failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        with duckdb.connect(str(settings.duckdb_path)) as con:
            rows = import_outputs(con, outputs)
    lines = proc.stdout.strip().splitlines()
    for line in lines:
        log.info("%s", line)
    return {"target": settings.target, "ran": True, "summary": lines, "rows": rows}


def alert_models(manifest_path: Path) -> list[AlertModel]:
    """The alert marts of the dbt project, read from the manifest.

    An alert mart is a model under ``models/marts/alerts/`` or with ``config.meta.alert`` set;
    every row it holds is an alert.

    Args:
        manifest_path: the pre-built ``manifest.json``.

    Returns:
        One ``AlertModel`` per alert mart, sorted by name.
    """
    manifest = json.loads(Path(manifest_path).read_text())
    found = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        config = node.get("config") or {}
        meta_alert = (config.get("meta") or {}).get("alert") or (node.get("meta") or {}).get("alert")
        in_folder = "marts/alerts/" in node.get("original_file_path", "").replace("\\", "/")
        if not (meta_alert or in_folder):
            continue
        keys = [
            name
            for name, col in (node.get("columns") or {}).items()
            if any(c.get("type") == "primary_key" for c in col.get("constraints") or [])
        ]
        for constraint in node.get("constraints") or []:
            if constraint.get("type") == "primary_key":
                keys.extend(constraint.get("columns") or [])
        if not keys:  # no primary-key constraint: a column with a `unique` data test is the key
            keys = sorted(
                t["column_name"]
                for t in manifest["nodes"].values()
                if t["resource_type"] == "test"
                and t.get("attached_node") == node["unique_id"]
                and (t.get("test_metadata") or {}).get("name") == "unique"
                and t.get("column_name")
            )[:1]
        found.append(
            AlertModel(
                name=node["name"],
                severity=meta_alert.get("severity", "warning") if isinstance(meta_alert, dict) else "warning",
                event_time=config.get("event_time"),
                key_columns=tuple(dict.fromkeys(keys)),
            )
        )
    return sorted(found, key=lambda m: m.name)


def alert_sql(model: AlertModel, since: datetime | None) -> str:
    """The dbt (Jinja) SQL that reads an alert mart's rows of the alert window.

    Args:
        model: the alert mart.
        since: UTC start of the window; None (or a model without ``event_time``) reads every row.

    Returns:
        ``select * from {{ ref(...) }} [where <event_time> >= <since>] [order by <event_time> desc]``,
        portable through dbt's cross-database type macro.
    """
    sql = f"select * from {{{{ ref('{model.name}') }}}}"
    if model.event_time:
        if since is not None:
            stamp = since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
            sql += f" where {model.event_time} >= cast('{stamp}' as {{{{ dbt.type_timestamp() }}}})"
        sql += f" order by {model.event_time} desc"
    return sql


def row_key(model: AlertModel, row: dict[str, Any]) -> str:
    """Identity of an alert row: its primary-key values, else a digest of the whole row."""
    if model.key_columns and all(k in row for k in model.key_columns):
        return model.name + ":" + "|".join(str(row[k]) for k in model.key_columns)
    digest = hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()
    return f"{model.name}:{digest[:32]}"


def collect_and_send_alerts(settings: Settings, dbt_group_id: str, **context: Any) -> dict[str, Any]:
    """Read the alert marts and this run's failed dbt tasks, and notify.

    Runs with ``trigger_rule="all_done"`` so failed tests reach it. It reads the rows of each
    alert mart whose ``event_time`` lies in the alert window (``ECOM_ALERT_LOOKBACK_HOURS`` before
    the run's data interval start), leaves out the rows a previous run of this DAG already
    notified (their keys are kept in this task's XCom ``notified_alerts``), and sends one alert
    when anything is new or a dbt task failed; nothing is sent on a clean run.

    Args:
        settings: the DAG configuration (manifest, target, alert connection, window).
        dbt_group_id: the Cosmos task group's id; failed tasks inside it are reported.
        **context: the Airflow task context (``ti`` gives the run's task states and XComs,
            ``data_interval_start`` the window's reference).

    Returns:
        ``{"alert_rows": {model: rows in window}, "new_alerts": {model: rows not notified
        before}, "failed_tasks": [task ids], "sent": bool}``.

    Raises:
        DbtTasksFailedError: after notifying, when dbt tasks failed: the alert task is a leaf of
            the DAG, so it must fail for the run to be marked failed.
    """
    _warehouse_env(settings)
    ti = context["ti"]
    states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id], task_group_id=dbt_group_id)
    failed = sorted(tid for tid, state in states.get(ti.run_id, {}).items() if state in FAILED_STATES)

    since = None
    if settings.alert_lookback_hours > 0:
        reference = context.get("data_interval_start") or datetime.now(UTC)
        since = reference - timedelta(hours=settings.alert_lookback_hours)
    already = set(ti.xcom_pull(task_ids=ti.task_id, key=NOTIFIED_KEY, include_prior_dates=True) or [])

    counts: dict[str, int] = {}
    new_counts: dict[str, int] = {}
    keys_in_window: list[str] = []
    lines: list[str] = [f"dbt task {tid}: failed" for tid in failed]
    severity = "error" if failed else "info"
    with scratch_dir("alerts-") as tmp:
        for model in alert_models(settings.manifest_path):
            result = run_dbt(
                settings,
                ["show", "--inline", alert_sql(model, since), "--limit", str(ALERT_ROW_LIMIT), "--no-write-json"],
                Path(tmp),
            )
            fresh = []
            for row in result.rows:
                key = row_key(model, row)
                keys_in_window.append(key)
                if key not in already:
                    fresh.append(row)
            counts[model.name], new_counts[model.name] = len(result.rows), len(fresh)
            if fresh:
                lines.extend(f"{model.name}: {line}" for line in format_rows(fresh))
                if severity == "info":
                    severity = model.severity
    ti.xcom_push(key=NOTIFIED_KEY, value=sorted(set(keys_in_window)))
    sent = bool(lines)
    if sent:
        title = f"{ti.dag_id}: {sum(new_counts.values())} new alert(s), {len(failed)} failed dbt task(s)"
        send_alert(
            Alert(title=title, severity=severity, lines=tuple(lines), dag_id=ti.dag_id, run_id=ti.run_id),
            settings.alert_conn_id,
        )
    if failed:
        raise DbtTasksFailedError(f"{len(failed)} dbt task(s) failed: {', '.join(failed)}")
    return {"alert_rows": counts, "new_alerts": new_counts, "failed_tasks": failed, "sent": sent}
