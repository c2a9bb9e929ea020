"""Run dbt-project-evaluator on a scratch copy of this dbt project (DuckDB) and list what it finds.

The packages are never installed in the repository: point DBT_PROJECT_EVALUATOR_PATH and DBT_UTILS_PATH at
local checkouts of dbt-labs/dbt-project-evaluator and dbt-labs/dbt-utils. Without them the check is skipped.
The exceptions the project keeps are the `evaluator_exceptions` var of dbt_project.yml (each with its reason);
they are written into the evaluator's exceptions seed of the scratch copy
(https://dbt-labs.github.io/dbt-project-evaluator/latest/customization/exceptions/).

Usage: python dbt/scripts/lint_evaluator.py   (exit 0 = no finding, 1 = findings, listed on stdout)
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import yaml

DBT_DIR = Path(__file__).resolve().parents[1]
PACKAGES = {"dbt_project_evaluator": "DBT_PROJECT_EVALUATOR_PATH", "dbt_utils": "DBT_UTILS_PATH"}
# Summary tables of the evaluator: one row per run whatever the project, not findings.
SUMMARY_TABLES = {"fct_documentation_coverage", "fct_test_coverage"}


def prepare_scratch_project(scratch: Path, package_paths: dict[str, Path]) -> Path:
    """Copy the dbt project into `scratch`, link the packages and write the exceptions seed.

    Args:
        scratch: an empty directory.
        package_paths: package name -> local checkout (each holding a dbt_project.yml).

    Returns:
        The scratch project directory.
    """
    project = scratch / "dbt"
    shutil.copytree(DBT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    (project / "dbt_packages").mkdir()
    for name, path in package_paths.items():
        (project / "dbt_packages" / name).symlink_to(path.resolve(), target_is_directory=True)
    config = yaml.safe_load((project / "dbt_project.yml").read_text())
    exceptions = config.get("vars", {}).get("evaluator_exceptions", [])
    with (project / "seeds" / "dbt_project_evaluator_exceptions.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["fct_name", "column_name", "id_to_exclude", "comment"])
        writer.writeheader()
        writer.writerows(exceptions)
    # The evaluator's own (empty) exceptions seed gives way to ours; its macros override dbt's where it says so.
    config.setdefault("seeds", {})["dbt_project_evaluator"] = {"dbt_project_evaluator_exceptions": {"+enabled": False}}
    config["dispatch"] = [{"macro_namespace": "dbt", "search_order": ["dbt_project_evaluator", "dbt"]}]
    (project / "dbt_project.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return project


def findings(warehouse: Path) -> dict[str, list[tuple]]:
    """Non-empty evaluator fact tables of `warehouse` (the rules broken, minus the kept exceptions).

    Returns:
        table name -> its rows.
    """
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables where table_name like 'fct_%' order by 2"
        ).fetchall()
        out = {}
        for schema, table in tables:
            if table in SUMMARY_TABLES:
                continue
            rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
            if rows:
                out[table] = rows
        return out
    finally:
        con.close()


def main() -> int:
    """Run the evaluator and print its findings; 0 when there are none (or the packages are absent)."""
    missing = [env for env in PACKAGES.values() if not os.environ.get(env)]
    if missing:
        print(
            f"lint-evaluator: skipped, {' and '.join(missing)} not set (local checkouts of "
            "dbt-labs/dbt-project-evaluator and dbt-labs/dbt-utils; never committed)."
        )
        return 0
    package_paths = {name: Path(os.environ[env]) for name, env in PACKAGES.items()}
    with tempfile.TemporaryDirectory(prefix="lint-evaluator-") as tmp:
        project = prepare_scratch_project(Path(tmp), package_paths)
        warehouse = Path(tmp) / "evaluator.duckdb"
        env = {
            **os.environ,
            "DUCKDB_PATH": str(warehouse),
            "DBT_PROFILES_DIR": str(project),
            "DBT_PROJECT_DIR": str(project),
            "DBT_TARGET_PATH": str(Path(tmp) / "target"),
            "DBT_LOG_PATH": str(Path(tmp) / "logs"),
        }
        dbt = Path(sys.executable).with_name("dbt")
        select = ["package:dbt_project_evaluator", "dbt_project_evaluator_exceptions"]
        subprocess.run(
            [str(dbt), "build", "--quiet", "--project-dir", str(project), "--target", "duckdb", "--select", *select],
            cwd=project,
            env=env,
            check=True,
        )
        found = findings(warehouse)
    for table, rows in found.items():
        print(f"{table}: {len(rows)}")
        for row in rows:
            print("   ", row)
    print(f"lint-evaluator: {sum(map(len, found.values()))} finding(s) outside the exceptions of dbt_project.yml")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
