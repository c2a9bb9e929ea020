"""Shared pytest fixtures: repository paths and an isolated warehouse per test.

Tests never touch ``build/`` or ``dbt/target``: ``warehouse`` points ``DUCKDB_PATH``,
``DBT_TARGET_PATH`` and ``DBT_LOG_PATH`` into the test's own temporary directory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """``tests/fixtures``: small hand-written input files."""
    return REPO_ROOT / "tests" / "fixtures"


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Path of a fresh DuckDB file in ``tmp_path`` (not created yet), exported as ``DUCKDB_PATH``,
    with ``DBT_TARGET_PATH``/``DBT_LOG_PATH`` also under ``tmp_path``."""
    db = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("DUCKDB_PATH", str(db))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "dbt_target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "dbt_logs"))
    return db
