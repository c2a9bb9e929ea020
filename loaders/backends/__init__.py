"""Warehouse backends behind one seam (``base.Backend``): ``duckdb`` locally, ``bigquery`` in production.

``get_backend(target, ...)`` returns an open backend; the BigQuery backend
(``loaders.backends.bigquery``) is imported only when asked for, so the DuckDB path needs
no Google libraries.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from loaders.backends.base import Backend
from loaders.errors import UnknownTargetError

TARGETS = ("duckdb", "bigquery")

#: Where the local warehouse goes when neither ``database`` nor ``$DUCKDB_PATH`` says otherwise.
DEFAULT_DUCKDB_PATH = Path(__file__).resolve().parents[2] / "build" / "warehouse.duckdb"


def default_duckdb_path() -> Path:
    """``$DUCKDB_PATH`` if set (the knob dbt's duckdb target reads too), else ``build/warehouse.duckdb``."""
    env = os.environ.get("DUCKDB_PATH")
    return Path(env) if env else DEFAULT_DUCKDB_PATH


def get_backend(target: str, *, database: Path | str | None = None) -> Backend:
    """Open the backend of ``target``.

    Args:
        target: ``duckdb`` or ``bigquery``.
        database: DuckDB file (default ``default_duckdb_path()``); for BigQuery,
            ``project.dataset`` or ``dataset`` overriding the environment.

    Returns:
        An open ``Backend``; close it (or use it as a context manager).

    Raises:
        UnknownTargetError: an unknown target, or the Google client libraries the bigquery
            target needs are not installed.
    """
    if target == "duckdb":
        from loaders.backends.duckdb import DuckDBBackend

        return DuckDBBackend(Path(database) if database is not None else default_duckdb_path())
    if target == "bigquery":
        try:
            module = importlib.import_module("loaders.backends.bigquery")
        except ModuleNotFoundError as e:
            if not (e.name or "").startswith("google"):
                raise
            raise UnknownTargetError(
                f"the bigquery target needs the Google Cloud client libraries ({e.name} is missing): "
                "install requirements/main.txt"
            ) from None
        return module.BigQueryBackend(database=database)
    raise UnknownTargetError(f"unknown target {target!r}; expected one of {', '.join(TARGETS)}")
