"""Loaders: land source files (CSV, JSONL) in the warehouse's raw layer.

The data contract (``loaders/contract.yml``) drives validation, quarantine and the
raw table definitions; one backend per warehouse (DuckDB locally, BigQuery in
production) does the landing.

Where things are:

- ``api``: ``load_directory`` / ``load_file``, what the CLI and Airflow call.
- ``cli`` / ``__main__``: ``python -m loaders load --target duckdb --source-dir seeds/``.
- ``discovery``: which files feed which table, a file's identity (``_source_file``), hashing,
  links that are refused.
- ``lines``: a file's exact physical lines (literal paths, gzip checked whole, any line breaks).
- ``reader``: ``validate_file``, reading a file in DuckDB into typed rows and quarantine rows,
  what every backend calls.
- ``validation``: the rules of what fits the contract (DuckDB SQL), header and key checks.
- ``backends``: ``base.Backend`` (the seam), ``duckdb.DuckDBBackend``, ``bigquery.BigQueryBackend``
  (with ``gcs`` for the landing bucket).
- ``streaming``: Pub/Sub clickstream micro-batches landed through the same API.
- ``report`` / ``errors``: per-file results and the exception hierarchy (``LoaderError``).

Guarantees: per file, rows read = rows loaded + rows rejected (checked in the
landing transaction) and every physical line is the header, blank, or part of exactly
one record; bad rows go to ``raw._quarantine`` with file, line, column, reason and raw
line (PII masked); loading the same content again changes nothing; a new version of a
file replaces its earlier rows atomically; every attempt is in ``raw._load_audit``; a
local warehouse holds one landing directory unless told otherwise (``--prune``,
``--add-landing-dir``).
"""

#: Version of the loaders (the project's version in pyproject.toml); ``python -m loaders --version``.
__version__ = "0.1.0"
