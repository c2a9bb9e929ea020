"""dbt refuses to hash PII with the committed default salt anywhere but a local DuckDB warehouse.

Compiles the customer staging model (the one that hashes e-mail, names and phone) in-process:
for BigQuery offline (a throwaway service-account key, no cache population, every API call an
error), for DuckDB against a file in the test's directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import pytest
from test_bigquery_compile import write_fake_service_account_key

pytestmark = pytest.mark.slow

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt"
MODEL = "stg_shop__customers"
DEFAULT_SALT = "local-development-salt"


def _compile(tmp_path: Path, target: str, salt: str | None) -> tuple[bool, str]:
    """``dbt compile --select stg_shop__customers`` for ``target``; returns (success, compiled SQL or error)."""
    from dbt.cli.main import dbtRunner
    from google.cloud.bigquery.client import Client

    def offline(*args, **kwargs):
        raise RuntimeError("a BigQuery API call was attempted during the offline compile")

    env = {
        "BIGQUERY_AUTH_METHOD": "service-account",
        "BIGQUERY_KEYFILE": str(write_fake_service_account_key(tmp_path / "key.json")),
        "GCP_PROJECT_ID": "offline-project",
        "DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    target_path = tmp_path / "target"
    args = ["compile", "--target", target, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    args += ["--target-path", str(target_path), "--no-populate-cache", "--select", MODEL, "--quiet"]
    clean = {k: v for k, v in os.environ.items() if k not in ("PII_SALT", "DBT_TARGET")}
    if salt is not None:
        clean["PII_SALT"] = salt
    with mock.patch.dict("os.environ", {**clean, **env}, clear=True), mock.patch.object(Client, "_call_api", offline):
        result = dbtRunner().invoke(args)
    if not result.success:
        return False, str(result.exception or result.result)
    compiled = next((target_path / "compiled").rglob(f"{MODEL}.sql"))
    return True, compiled.read_text(encoding="utf-8")


@pytest.mark.parametrize("salt", [None, DEFAULT_SALT, ""])
def test_bigquery_refuses_the_default_or_missing_salt(tmp_path, salt):
    ok, message = _compile(tmp_path, "bigquery", salt)
    assert not ok
    assert "PII_SALT is not set" in message and "target 'bigquery'" in message


def test_bigquery_hashes_with_the_configured_salt(tmp_path):
    ok, sql = _compile(tmp_path, "bigquery", "s3cr3t-from-secret-manager")
    assert ok, sql
    assert "to_hex(sha256('s3cr3t-from-secret-manager' ||" in sql
    assert DEFAULT_SALT not in sql


def test_local_duckdb_may_use_the_default_salt(tmp_path):
    ok, sql = _compile(tmp_path, "duckdb", None)
    assert ok, sql
    assert f"sha256('{DEFAULT_SALT}' ||" in sql
