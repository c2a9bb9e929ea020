"""Build the Cloud Composer upload bundle: DAGs + helper package + loaders + dbt project + manifest.

The bundle mirrors the Composer bucket, so deploying is one copy of ``dags/``::

    <out>/
      dags/                               -> gs://<composer-bucket>/dags/
        ecommerce_elt.py, clickstream_microbatch.py, .airflowignore
        ecom_orchestration/               the DAGs' helper package
        loaders/                          the loaders package (contract, API, streaming)
        dbt/ecommerce_warehouse/          the dbt project (no target/ of the checkout, no logs)
          target/manifest.json            parsed here for the bigquery target (LoadMode.DBT_MANIFEST)
      requirements-composer.txt           PyPI packages for the Composer environment (pinned as locally)
      composer-env.txt                    environment variables the Composer environment must set
    <out>.tar.gz                          the same tree, for CI artifacts / manual upload

The DAGs find the dbt project at ``<dags>/dbt/ecommerce_warehouse`` and its manifest at
``target/manifest.json`` inside it without any setting (see ``ecom_orchestration/config.py``).

Usage: ``python airflow/build_artifact.py --out build/airflow/composer-bundle --dbt .venv/bin/dbt``
(``make airflow-artifact``). Exit status 0 on success, 1 when ``dbt parse`` fails.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAGS_SRC = ROOT / "airflow" / "dags"
DBT_SRC = ROOT / "dbt"
LOADERS_SRC = ROOT / "loaders"
BUNDLE_DBT = Path("dags") / "dbt" / "ecommerce_warehouse"

#: dbt project entries that are shipped (everything dbt needs to parse and run).
DBT_ENTRIES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "snapshots", "tests", "analyses")
#: Packages of requirements/airflow.txt that Composer must install, pinned to the same versions.
#: Airflow itself, the Google clients, pyyaml and rich come with Composer's image.
COMPOSER_PACKAGES = ("astronomer-cosmos", "dbt-core", "dbt-bigquery")
#: Optional: Slack alerts (ECOM_ALERT_CONN_ID of type slackwebhook).
COMPOSER_OPTIONAL = ("apache-airflow-providers-slack",)
#: Environment of the Composer environment (values are examples where marked).
COMPOSER_ENV = """\
# Environment variables of the Composer environment (Terraform: software_config.env_variables).
ECOM_DBT_TARGET=bigquery
ECOM_LANDING_DIR=/home/airflow/gcs/data/landing
GCP_PROJECT_ID=<project id>
BIGQUERY_DATASET=analytics
BIGQUERY_LOCATION=EU
# PII_SALT from Secret Manager (Composer secrets backend), never a literal here
# optional:
# ECOM_ALERT_CONN_ID=ecom_alerts          (an smtp or slackwebhook connection)
# ECOM_FRESHNESS_FAIL_ON_ERROR=true       (default on bigquery)
# ECOM_DAILY_SCHEDULE=0 4 * * *
"""

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "target", "logs", "dbt_packages")


class ArtifactError(RuntimeError):
    """The bundle could not be built (missing source directory, dbt parse failure, missing pin)."""


def locked_versions(lock_file: Path, names: Sequence[str]) -> dict[str, str]:
    """Versions pinned in a uv/pip-compile lock file.

    Args:
        lock_file: e.g. ``requirements/airflow.txt`` (lines ``name==version``).
        names: distribution names to look up (case-insensitive, ``-``/``_`` equivalent).

    Returns:
        name -> version for each requested name.

    Raises:
        ArtifactError: a name has no ``==`` pin in the file.
    """
    pins = {}
    for line in lock_file.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line)
        if m:
            pins[re.sub(r"[-_.]+", "-", m.group(1).lower())] = m.group(2)
    out = {}
    for name in names:
        key = re.sub(r"[-_.]+", "-", name.lower())
        if key not in pins:
            raise ArtifactError(f"{lock_file}: no pinned version of {name}")
        out[name] = pins[key]
    return out


def parse_manifest(dbt: str, project_dir: Path, target: str = "bigquery") -> Path:
    """``dbt parse`` the bundled project into its ``target/`` (offline; no warehouse connection).

    Args:
        dbt: the dbt executable.
        project_dir: the bundled dbt project.
        target: the profile target the manifest is parsed for (Composer runs ``bigquery``).

    Returns:
        The path of the written ``manifest.json``.

    Raises:
        ArtifactError: dbt parse failed (its output is in the message).
    """
    with tempfile.TemporaryDirectory(prefix="ecom-artifact-") as tmp:
        env = {
            **os.environ,
            "DBT_PROFILES_DIR": str(project_dir),
            "DBT_TARGET_PATH": str(project_dir / "target"),
            "DBT_LOG_PATH": str(Path(tmp) / "logs"),
            "DUCKDB_PATH": str(Path(tmp) / "parse-only.duckdb"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        proc = subprocess.run(
            [dbt, "parse", "--quiet", "--target", target, "--project-dir", str(project_dir)],
            cwd=project_dir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        raise ArtifactError(f"dbt parse --target {target} failed:\n{proc.stdout}\n{proc.stderr}")
    manifest = project_dir / "target" / "manifest.json"
    if not manifest.exists():
        raise ArtifactError(f"dbt parse wrote no {manifest}")
    return manifest


def build(out: Path, dbt: str) -> Path:
    """Build the bundle directory ``out`` and the tarball ``out.tar.gz``.

    Args:
        out: bundle directory (replaced if it exists).
        dbt: the dbt executable used to parse the manifest.

    Returns:
        The tarball path.

    Raises:
        ArtifactError: a source directory is missing or dbt parse failed.
    """
    for src in (DAGS_SRC, DBT_SRC, LOADERS_SRC):
        if not src.is_dir():
            raise ArtifactError(f"{src} is missing")
    if out.exists():
        shutil.rmtree(out)
    dags = out / "dags"
    shutil.copytree(DAGS_SRC, dags, ignore=_IGNORE)
    shutil.copytree(LOADERS_SRC, dags / "loaders", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    project = out / BUNDLE_DBT
    project.mkdir(parents=True)
    for entry in DBT_ENTRIES:
        src = DBT_SRC / entry
        if src.is_dir():
            shutil.copytree(src, project / entry, ignore=_IGNORE)
        elif src.is_file():
            shutil.copy2(src, project / entry)
    parse_manifest(dbt, project)

    pins = locked_versions(ROOT / "requirements" / "airflow.txt", COMPOSER_PACKAGES)
    lines = [
        "# PyPI packages for the Cloud Composer environment (Composer 3 with Airflow 3),",
        "# pinned to the versions the local Airflow environment tests (requirements/airflow.txt).",
        *(f"{name}=={version}" for name, version in pins.items()),
        "# optional, for Slack alerts:",
        *(f"# {name}" for name in COMPOSER_OPTIONAL),
    ]
    (out / "requirements-composer.txt").write_text("\n".join(lines) + "\n")
    (out / "composer-env.txt").write_text(COMPOSER_ENV)

    tarball = out.with_name(out.name + ".tar.gz")
    with tarfile.open(tarball, "w:gz") as tar:
        for path in sorted(out.rglob("*")):
            tar.add(path, arcname=path.relative_to(out).as_posix(), recursive=False)
    return tarball


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="bundle directory to (re)create")
    parser.add_argument("--dbt", default="dbt", help="dbt executable (default: dbt on PATH)")
    ns = parser.parse_args(argv)
    dbt = str(Path(ns.dbt).resolve()) if os.sep in ns.dbt else (shutil.which(ns.dbt) or ns.dbt)
    try:
        tarball = build(ns.out.resolve(), dbt)
    except ArtifactError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    files = sum(1 for p in ns.out.rglob("*") if p.is_file())
    print(f"Composer bundle: {ns.out} ({files} files), {tarball} ({tarball.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
