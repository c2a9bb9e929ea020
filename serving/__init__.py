"""Consumers of the dbt semantic layer: the KPI summary, the BI app and the read-only metrics API.

Every figure is planned by MetricFlow from the semantic manifest and read from the DuckDB warehouse through a
read-only attachment (``serving.semantic``); marts without a semantic model are read as rows (``serving.marts``).
"""
