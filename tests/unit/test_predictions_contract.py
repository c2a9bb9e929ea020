"""The prediction step writes exactly the columns and types the dbt source declares."""

from __future__ import annotations

from pathlib import Path

import yaml

from predictions.warehouse import SCHEMA, TABLES

SOURCES = Path(__file__).resolve().parents[2] / "dbt/models/marts/predictions/_predictions__sources.yml"


def _duckdb_type(declared: str) -> str:
    """The DuckDB branch of a source column's data_type (``"{{ 'x' if target.type == 'bigquery' else 'y' }}"``)."""
    if "else" in declared:
        return declared.split("else", 1)[1].strip(" '}\"")
    return declared


def test_sources_yaml_declares_the_tables_the_step_writes():
    (source,) = yaml.safe_load(SOURCES.read_text())["sources"]
    assert source["name"] == SCHEMA and source["schema"] == SCHEMA
    declared = {
        table["name"]: {column["name"]: _duckdb_type(column["data_type"]) for column in table["columns"]}
        for table in source["tables"]
    }
    assert declared == TABLES
    # Same column order too: the on-run-start hook creates the empty tables in YAML order.
    assert {name: list(columns) for name, columns in declared.items()} == {n: list(c) for n, c in TABLES.items()}


def test_duckdb_type_reads_the_duckdb_branch():
    assert _duckdb_type("{{ 'float64' if target.type == 'bigquery' else 'double' }}") == "double"
    assert _duckdb_type("date") == "date"


def test_step_settings_default_to_the_dbt_vars_the_marts_publish(tmp_path):
    from predictions.__main__ import DBT_VARS, settings_from_dbt_project

    project = yaml.safe_load((SOURCES.parents[3] / "dbt_project.yml").read_text())["vars"]
    settings = settings_from_dbt_project(SOURCES.parents[3] / "dbt_project.yml")
    assert {var: getattr(settings, field) for var, field in DBT_VARS.items()} == {var: project[var] for var in DBT_VARS}
    # A var left out keeps the step's default; a var set elsewhere wins.
    other = tmp_path / "dbt_project.yml"
    other.write_text("vars:\n  clv_horizon_months: 24\n  clv_monthly_discount_rate: null\n")
    changed = settings_from_dbt_project(other)
    assert changed.clv_horizon_months == 24 and changed.clv_monthly_discount_rate == settings.clv_monthly_discount_rate
