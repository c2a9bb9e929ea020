"""Loaders: land source files (CSV, JSONL) in the warehouse's raw layer.

The data contract (``loaders/contract.yml``) drives validation, quarantine and the
raw table definitions; one backend per warehouse (DuckDB locally, BigQuery in
production) does the landing.

Where things are:

- ``api``: ``load_directory`` / ``load_file``, what the CLI and Airflow call.
- ``cli`` / ``__main__``: ``python -m loaders load --target duckdb --source-dir seeds/``.
- ``discovery``: which files feed which table, a file's identity (``_source_file``), hashing.
- ``validation``: what fits the contract, as SQL rendered per warehouse dialect.
- ``backends``: ``base.Backend`` (the seam) and ``duckdb.DuckDBBackend``.
- ``report`` / ``errors``: per-file results and the exception hierarchy (``LoaderError``).

Guarantees: per file, rows read = rows loaded + rows rejected (checked in the
landing transaction); bad rows go to ``raw._quarantine`` with file, line, column,
reason and raw line; loading the same content again changes nothing; a new version
of a file replaces its earlier rows atomically; every attempt is in ``raw._load_audit``.
"""
