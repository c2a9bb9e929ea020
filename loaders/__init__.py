"""Loaders: land source files (CSV, JSONL) in the warehouse's raw layer.

The data contract (``loaders/contract.yml``) drives validation, quarantine and the
raw table definitions; one backend per warehouse (DuckDB locally, BigQuery in
production) does the landing.
"""
