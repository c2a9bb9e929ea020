"""Run one dbt command outside Cosmos' node tasks (source freshness, reading the alert marts).

dbt runs in-process through ``dbtRunner`` when dbt is importable (the local Airflow env), or as
a subprocess of ``ECOM_DBT_EXECUTABLE`` otherwise, mirroring what Cosmos does for the node
tasks. Each call writes its artifacts and logs into a fresh temporary directory, so the dbt
project directory may be read-only (as the Composer bucket's FUSE mount effectively is).
"""

from __future__ import annotations

import json
import logging
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecom_orchestration.config import Settings
from ecom_orchestration.dbt_graph import dbt_in_process

log = logging.getLogger(__name__)


class DbtCommandError(RuntimeError):
    """dbt itself failed (could not parse, connect or compile), as opposed to a check finding problems."""


@dataclass(frozen=True)
class DbtResult:
    """Outcome of one dbt invocation.

    Attributes:
        success: dbt's own verdict (False also when a check such as freshness found errors).
        target_dir: the temporary ``--target-path`` holding the artifacts (``sources.json``,
            ``run_results.json``); lives as long as the caller's ``workdir``.
        rows: for ``dbt show``: the previewed rows as dicts; else an empty list.
    """

    success: bool
    target_dir: Path
    rows: list[dict[str, Any]]


def _common_flags(settings: Settings, workdir: Path) -> list[str]:
    return [
        "--project-dir",
        str(settings.dbt_project_dir),
        "--profiles-dir",
        str(settings.profiles_dir),
        "--target",
        settings.target,
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
    ]


def run_dbt(settings: Settings, command: list[str], workdir: Path) -> DbtResult:
    """Run ``dbt <command>`` against the configured project and target.

    Args:
        settings: the DAG configuration (project, profiles, target, invocation).
        command: the dbt sub-command and its own arguments, e.g. ``["source", "freshness"]``.
        workdir: a scratch directory for ``target/`` and ``logs/``.

    Returns:
        A ``DbtResult``; ``rows`` is filled for ``dbt show`` (``--output json``).

    Raises:
        DbtCommandError: dbt raised or exited with an unhandled error (exit code 2), e.g. the
            project does not parse or the warehouse cannot be reached.
    """
    args = [*command, *_common_flags(settings, workdir)]
    is_show = command[:1] == ["show"]
    if settings.dbt_executable is None and dbt_in_process():
        from dbt.cli.main import dbtRunner

        result = dbtRunner().invoke(args)
        if result.exception is not None:
            raise DbtCommandError(f"dbt {' '.join(command[:2])} failed: {result.exception}") from result.exception
        rows: list[dict[str, Any]] = []
        if is_show and result.result is not None:
            for node_result in result.result.results:
                table = node_result.agate_table
                rows.extend(dict(zip(table.column_names, row, strict=True)) for row in table.rows)
        return DbtResult(success=bool(result.success), target_dir=workdir / "target", rows=rows)

    exe = settings.dbt_executable or "dbt"
    extra = ["--output", "json", "--log-format", "json"] if is_show else []
    proc = subprocess.run([exe, *args, *extra], capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise DbtCommandError(f"{exe} {' '.join(command[:2])} exited {proc.returncode}: {proc.stderr or proc.stdout}")
    rows = []
    if is_show:
        for line in proc.stdout.splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            preview = event.get("data", {}).get("preview")
            if preview:
                rows.extend(json.loads(preview))
    return DbtResult(success=proc.returncode == 0, target_dir=workdir / "target", rows=rows)


def scratch_dir(prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A temporary directory for one dbt invocation's artifacts and logs.

    Args:
        prefix: name prefix, e.g. ``"freshness-"``.

    Returns:
        A ``TemporaryDirectory`` to use as a context manager.
    """
    return tempfile.TemporaryDirectory(prefix=f"ecom-dbt-{prefix}")
