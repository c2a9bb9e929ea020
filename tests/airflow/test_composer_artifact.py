"""The Composer bundle (``make airflow-artifact``) holds everything the DAGs need, and nothing from the checkout.

The decisive check imports the DAGs from the bundle alone: a separate interpreter whose only
project code is the bundle's ``dags/`` folder (no repository on ``sys.path``), configured as on
Composer (``ECOM_DBT_TARGET=bigquery``, no ECOM_DBT_* paths), must load both DAGs with no
import error and render the dbt graph from the bundled manifest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from conftest import DBT, ROOT, load_module

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build_artifact = load_module(ROOT / "airflow" / "build_artifact.py", "ecom_build_artifact")
    out = tmp_path_factory.mktemp("artifact") / "composer-bundle"
    tarball = build_artifact.build(out, str(DBT))
    assert tarball == out.with_name("composer-bundle.tar.gz")
    return out


def test_bundle_layout_matches_the_composer_bucket(bundle: Path) -> None:
    dags = bundle / "dags"
    assert sorted(p.name for p in dags.glob("*.py")) == ["clickstream_microbatch.py", "ecommerce_elt.py"]
    ignored = (dags / ".airflowignore").read_text().split()
    assert {"ecom_orchestration/", "dbt/", "loaders/"} <= set(ignored)
    for module in (ROOT / "airflow" / "dags" / "ecom_orchestration").glob("*.py"):
        assert (dags / "ecom_orchestration" / module.name).read_bytes() == module.read_bytes()
    for needed in ("contract.yml", "contract.py", "api.py", "streaming.py", "backends/duckdb.py"):
        assert (dags / "loaders" / needed).is_file(), needed
    assert not (dags / "loaders" / "generator").exists()
    assert not list(bundle.rglob("__pycache__"))


def test_bundle_has_the_dbt_project_and_a_manifest_of_every_node(bundle: Path) -> None:
    project = bundle / "dags" / "dbt" / "ecommerce_warehouse"
    assert (project / "dbt_project.yml").read_bytes() == (ROOT / "dbt" / "dbt_project.yml").read_bytes()
    assert (project / "profiles.yml").is_file()
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    assert manifest["metadata"]["adapter_type"] == "bigquery"  # parsed for Composer's target
    files = {n["original_file_path"] for n in manifest["nodes"].values() if n["package_name"] == "ecommerce_warehouse"}
    assert files, "the manifest has no project nodes"
    missing = sorted(f for f in files if not (project / f).is_file())
    assert missing == []
    # the bundled SQL is the checkout's SQL
    for f in sorted(files)[:50]:
        assert (project / f).read_bytes() == (ROOT / "dbt" / f).read_bytes()


def test_composer_requirements_pin_what_the_local_env_tests(bundle: Path) -> None:
    lock = (ROOT / "requirements" / "airflow.txt").read_text().splitlines()
    pinned = {line.split("==")[0]: line.split("==")[1] for line in lock if "==" in line and not line.startswith("#")}
    lines = [ln for ln in (bundle / "requirements-composer.txt").read_text().splitlines() if not ln.startswith("#")]
    wanted = dict(line.split("==") for line in lines)
    assert set(wanted) == {"astronomer-cosmos", "dbt-core", "dbt-bigquery"}
    for name, version in wanted.items():
        assert pinned[name] == version


def test_tarball_holds_the_same_tree(bundle: Path) -> None:
    with tarfile.open(bundle.with_name("composer-bundle.tar.gz")) as tar:
        names = {m.name for m in tar.getmembers() if m.isfile()}
    on_disk = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert names == on_disk


def test_dags_import_from_the_bundle_alone(bundle: Path, tmp_path: Path) -> None:
    dags = bundle / "dags"
    probe = f"""
import json, sys
from pathlib import Path
from airflow.dag_processing.dagbag import BundleDagBag
bag = BundleDagBag(Path({str(dags)!r}), bundle_path=Path({str(dags)!r}))
import ecom_orchestration.config as c, loaders
s = c.load_settings()
print(json.dumps({{
    "errors": bag.import_errors,
    "dags": {{d: len(bag.dags[d].tasks) for d in bag.dags}},
    "project": str(s.dbt_project_dir), "manifest": str(s.manifest_path), "target": s.target,
    "loaders": loaders.__file__, "pool": s.write_pool,
    "repo_on_path": any(p.rstrip("/") == {str(ROOT)!r} for p in sys.path),
}}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "PYTHONPATH", "DBT_", "DUCKDB_"))}
    env.update(
        AIRFLOW_HOME=str(tmp_path / "home"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
        AIRFLOW__COSMOS__CACHE_DIR=str(tmp_path / "cosmos"),
        AIRFLOW__USAGE_DATA_COLLECTION__ENABLED="False",
        ECOM_DBT_TARGET="bigquery",
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["errors"] == {}
    assert set(result["dags"]) == {"ecommerce_elt", "clickstream_microbatch"}
    assert result["dags"]["ecommerce_elt"] > 20
    assert result["project"] == str(dags / "dbt" / "ecommerce_warehouse")
    assert result["manifest"] == str(dags / "dbt" / "ecommerce_warehouse" / "target" / "manifest.json")
    assert result["loaders"].startswith(str(dags / "loaders"))
    assert result["target"] == "bigquery" and result["pool"] == "default_pool"
    assert result["repo_on_path"] is False
