"""The PII salt reaches dbt from an Airflow Variable when a task runs, never at parse time.

Unit checks of the settings and the Cosmos project configuration, then the e2e daily run
(``conftest.daily_run``: the Variable comes from ``AIRFLOW_VAR_PII_SALT``, as Secret Manager
serves it on Composer): the customer hashes in the warehouse are recomputed here from the raw
file with that salt, and the salt never appears in clear in the run's logs.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb
import pytest
from conftest import E2E_PII_SALT, LANDING
from ecom_orchestration.config import ConfigError, load_settings
from ecom_orchestration.dbt_graph import pii_salt_template, project_config


def test_bigquery_reads_the_salt_variable_and_duckdb_keeps_the_local_salt(tmp_path: Path) -> None:
    manifest = {"ECOM_DBT_MANIFEST_PATH": str(tmp_path / "manifest.json")}
    bigquery = load_settings({"ECOM_DBT_TARGET": "bigquery", **manifest})
    assert bigquery.pii_salt_variable == "pii_salt"
    assert project_config(bigquery).env_vars == {"PII_SALT": "{{ var.value.pii_salt }}"}

    duckdb_settings = load_settings(manifest)
    assert duckdb_settings.pii_salt_variable is None
    assert set(project_config(duckdb_settings).env_vars) == {"DUCKDB_PATH"}

    named = load_settings({"ECOM_PII_SALT_VARIABLE": "shop-pii-salt", **manifest})
    assert project_config(named).env_vars["PII_SALT"] == "{{ var.value['shop-pii-salt'] }}"


def test_a_malformed_variable_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="ECOM_PII_SALT_VARIABLE='pii salt }}'"):
        load_settings({"ECOM_PII_SALT_VARIABLE": "pii salt }}"})


def test_the_template_names_only_the_variable() -> None:
    assert pii_salt_template("pii_salt") == "{{ var.value.pii_salt }}"


@pytest.mark.slow
def test_the_daily_run_hashes_with_the_variable_salt_and_masks_it(daily_run) -> None:
    home, db, _, _, log = daily_run
    rows: dict[str, list[str]] = {}  # customer_id is a key: text
    for path in sorted((LANDING / "shop" / "customers").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                rows.setdefault(row["customer_id"].strip(), []).append(row["email"])
    # customers exported once with an e-mail: no re-export decides which address is current
    once = {cid: emails[0] for cid, emails in rows.items() if len(emails) == 1 and emails[0].strip()}
    sample = dict(sorted(once.items())[:25])
    assert sample, "the landing zone has customers with e-mails"
    with duckdb.connect(str(db), read_only=True) as con:
        got = dict(
            con.execute(
                "select customer_id, email_hash from marts.dim_customers where customer_id in ?", [list(sample)]
            ).fetchall()
        )
    for customer_id, email in sample.items():
        assert got[customer_id] == hashlib.sha256((E2E_PII_SALT + email.strip().lower()).encode()).hexdigest()
    logs = [log, *Path(home, "logs").rglob("*.log")]
    leaked = [str(p) for p in logs if p.is_file() and E2E_PII_SALT in p.read_text(errors="replace")]
    assert leaked == []
