"""In-process MetricFlow over the dbt semantic manifest and a read-only DuckDB warehouse.

The semantic manifest (``semantic_manifest.json``, written by ``dbt parse``/``dbt build``) is the only
definition of metrics, dimensions and saved queries: this module plans every query with MetricFlow's
``MetricFlowEngine`` and runs the SQL it renders on an in-memory DuckDB database in which the warehouse
file is ATTACHed ``READ_ONLY`` under the database name the manifest's relations carry (the file's stem,
e.g. ``"warehouse"."marts"."fct_orders"``). Read-only attachments share the file with other readers
(the BI app, the API, a notebook); a writer (``dbt build``) still needs them stopped.

Planning is serialised (MetricFlow numbers its SQL aliases from a process-wide counter) and its SQL is
cached per request (the ``SQL_CACHE_SIZE`` most recent); execution runs concurrently, one DuckDB cursor per call.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from metricflow.data_table.mf_table import MetricFlowDataTable
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
from metricflow.protocols.sql_client import SqlEngine
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
from metricflow.sql.render.sql_plan_renderer import SqlPlanRenderer
from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup
from metricflow_semantics.sql.sql_bind_parameters import SqlBindParameterSet

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent

#: Planned queries whose SQL is kept (least recently used dropped first).
SQL_CACHE_SIZE = 2048

#: Time grains a query may ask of ``metric_time``.
GRAINS = ("day", "week", "month", "quarter", "year")


class SemanticLayerError(RuntimeError):
    """The semantic manifest or the warehouse cannot be opened."""


class MissingMartError(SemanticLayerError):
    """A table that a semantic model reads is not in the warehouse (dbt has not built it)."""


class UnknownNameError(LookupError):
    """A metric or saved query that the semantic manifest does not define (``kind``: what was asked)."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind, self.name = kind, name
        super().__init__(f"unknown {kind} {name!r}; known: {', '.join(sorted(known))}")


class InvalidQueryError(ValueError):
    """A query the manifest cannot answer: a dimension not reachable from the metrics, a bad grain or filter."""


def default_manifest_path() -> Path:
    """Where ``dbt parse`` writes the semantic manifest: ``$DBT_TARGET_PATH`` (relative to dbt/) or dbt/target.

    Returns:
        Path of ``semantic_manifest.json`` (it may not exist yet).
    """
    target = os.environ.get("DBT_TARGET_PATH")
    base = ROOT / "dbt" / "target"
    if target:
        base = Path(target) if Path(target).is_absolute() else ROOT / "dbt" / target
    return base / "semantic_manifest.json"


def default_database_path() -> Path:
    """The warehouse file: ``$DUCKDB_PATH``, else build/warehouse.duckdb."""
    return Path(os.environ.get("DUCKDB_PATH", ROOT / "build" / "warehouse.duckdb"))


class ReadOnlyDuckDBClient:
    """MetricFlow ``SqlClient`` over an in-memory DuckDB with the warehouse attached read-only.

    Args:
        database_path: the warehouse file.
        alias: the database name the manifest's relations use (``"<alias>"."marts"."fct_orders"``).

    Raises:
        SemanticLayerError: the file is missing or is held by a writer.
    """

    def __init__(self, database_path: Path, alias: str) -> None:
        if not database_path.is_file():
            raise SemanticLayerError(f"{database_path}: no warehouse here; build it with `make run` first")
        self._con = duckdb.connect(":memory:")
        quoted_path = str(database_path).replace("'", "''")
        quoted_alias = alias.replace('"', '""')
        try:
            self._con.execute(f"attach '{quoted_path}' as \"{quoted_alias}\" (read_only)")
        except duckdb.IOException as exc:
            self._con.close()
            message = f"{database_path}: cannot open read-only ({exc}); is a dbt build running?"
            raise SemanticLayerError(message) from exc
        self._renderer = DuckDbSqlPlanRenderer()

    @property
    def sql_engine_type(self) -> SqlEngine:
        """DuckDB."""
        return SqlEngine.DUCKDB

    @property
    def sql_plan_renderer(self) -> SqlPlanRenderer:
        """MetricFlow's DuckDB dialect."""
        return self._renderer

    def fetch(self, stmt: str, params: SqlBindParameterSet | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one MetricFlow statement on a fresh cursor (safe from many threads).

        Args:
            stmt: SQL rendered by MetricFlow.
            params: its bind parameters (DuckDB's ``$name`` syntax).

        Returns:
            (column names lower-cased, rows as tuples).
        """
        bind = {key: value.value for key, value in (params.param_dict if params else {}).items()}
        return self.select(stmt, bind or None)

    def select(
        self, stmt: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one read-only statement with DuckDB parameters on a fresh cursor (safe from many threads).

        Returns:
            (column names lower-cased, rows as tuples).
        """
        cursor = self._con.cursor()
        try:
            cursor.execute(stmt, params)
            columns = [d[0].lower() for d in cursor.description]
            return columns, cursor.fetchall()
        finally:
            cursor.close()

    def query(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet | None = None) -> MetricFlowDataTable:
        """``SqlClient.query``: the rows of ``stmt`` as a MetricFlow data table."""
        columns, rows = self.fetch(stmt, sql_bind_parameter_set)
        return MetricFlowDataTable.create_from_rows(column_names=columns, rows=rows)

    def execute(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet | None = None) -> None:
        """``SqlClient.execute``: run ``stmt`` (the warehouse is read-only, so only reads succeed)."""
        self.fetch(stmt, sql_bind_parameter_set)

    def dry_run(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet | None = None) -> None:
        """``SqlClient.dry_run``: plan ``stmt`` without running it (raises on an invalid statement)."""
        self.fetch(f"explain {stmt}", sql_bind_parameter_set)

    def close(self) -> None:
        """Close the in-memory database and detach the warehouse."""
        self._con.close()

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        """DuckDB's named parameter syntax."""
        return f"${bind_parameter_key}"


@dataclass(frozen=True)
class MetricInfo:
    """One metric of the manifest: name, label, description, type (simple, ratio, ...)."""

    name: str
    label: str | None
    description: str | None
    type: str


@dataclass(frozen=True)
class SavedQueryInfo:
    """One saved query: its metrics, group-by items (MetricFlow syntax), filters and export names."""

    name: str
    label: str | None
    description: str | None
    metrics: tuple[str, ...]
    group_by: tuple[str, ...]
    where: tuple[str, ...]
    exports: tuple[str, ...]


@dataclass(frozen=True)
class QueryResult:
    """Rows of a semantic-layer query.

    Attributes:
        columns: lower-case column names: group-by items (``metric_time__week``, ``order__currency``) then metrics.
        rows: tuples in column order; time dimensions as ``datetime.date``; money as ``Decimal``; rates as floats.
        sql: the SQL MetricFlow rendered (for explain/debug).
    """

    columns: list[str]
    rows: list[tuple[Any, ...]]
    sql: str = field(repr=False, default="")

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def _quote_value(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _without_grain(name: str) -> str:
    """``metric_time__week`` -> ``metric_time``; names without a grain suffix unchanged."""
    base, _, suffix = name.rpartition("__")
    return base if base and suffix in GRAINS else name


def _as_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


class SemanticLayer:
    """Metrics, dimensions and saved queries of one semantic manifest, answered from the warehouse.

    Args:
        manifest_path: ``semantic_manifest.json`` (default: ``default_manifest_path()``).
        database_path: the warehouse file (default: ``default_database_path()``).

    Raises:
        SemanticLayerError: the manifest is missing or unreadable, or the warehouse cannot be opened read-only.
    """

    def __init__(self, manifest_path: Path | None = None, database_path: Path | None = None) -> None:
        self.manifest_path = Path(manifest_path or default_manifest_path())
        self.database_path = Path(database_path or default_database_path()).resolve()
        if not self.manifest_path.is_file():
            raise SemanticLayerError(f"{self.manifest_path}: no semantic manifest; run `dbt parse` (or `make run`)")
        if not self.database_path.is_file():
            raise SemanticLayerError(f"{self.database_path}: no warehouse here; build it with `make run` first")
        raw = self.manifest_path.read_text(encoding="utf-8")
        relations = [m["node_relation"] for m in json.loads(raw)["semantic_models"]]
        if any("`" in r.get("relation_name", "") for r in relations):
            raise SemanticLayerError(f"{self.manifest_path}: parsed for BigQuery; parse with `--target duckdb`")
        aliases = {r["database"] for r in relations}
        if len(aliases) != 1:
            raise SemanticLayerError(f"{self.manifest_path}: expected one database in the relations, got {aliases}")
        self.alias = aliases.pop()
        self.manifest = parse_manifest_from_dbt_generated_manifest(manifest_json_string=raw)
        self.client = ReadOnlyDuckDBClient(self.database_path, self.alias)
        self.engine = MetricFlowEngine(
            semantic_manifest_lookup=SemanticManifestLookup(self.manifest), sql_client=self.client
        )
        self._plan_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._sql_cache: OrderedDict[tuple[Any, ...], tuple[str, SqlBindParameterSet]] = OrderedDict()
        self._group_bys: dict[tuple[str, ...], frozenset[str]] = {}

    # ------------------------------------------------------------------ catalogue
    def metrics(self) -> list[MetricInfo]:
        """Every metric of the manifest, sorted by name."""
        return sorted(
            (MetricInfo(m.name, m.label, m.description, str(m.type.value)) for m in self.manifest.metrics),
            key=lambda m: m.name,
        )

    def saved_queries(self) -> list[SavedQueryInfo]:
        """Every saved query of the manifest, sorted by name."""
        out = []
        for q in self.manifest.saved_queries:
            params = q.query_params
            out.append(
                SavedQueryInfo(
                    name=q.name,
                    label=q.label,
                    description=q.description,
                    metrics=tuple(params.metrics),
                    group_by=tuple(params.group_by),
                    where=tuple(w.where_sql_template for w in params.where.where_filters) if params.where else (),
                    exports=tuple(e.name for e in q.exports),
                )
            )
        return sorted(out, key=lambda q: q.name)

    def metric(self, name: str) -> MetricInfo:
        """The metric called ``name``.

        Raises:
            UnknownNameError: the manifest has no such metric.
        """
        for m in self.metrics():
            if m.name == name:
                return m
        raise UnknownNameError("metric", name, (m.name for m in self.metrics()))

    def saved_query(self, name: str) -> SavedQueryInfo:
        """The saved query called ``name``.

        Raises:
            UnknownNameError: the manifest has no such saved query.
        """
        for q in self.saved_queries():
            if q.name == name:
                return q
        raise UnknownNameError("saved query", name, (q.name for q in self.saved_queries()))

    def dimensions(self, metrics: Sequence[str]) -> frozenset[str]:
        """Group-by names (``entity__dimension``, ``metric_time``) that every metric in ``metrics`` can be sliced by.

        Time dimensions are named without a grain; add ``__day`` ... ``__year`` to group by one.

        Raises:
            UnknownNameError: a metric is not in the manifest.
        """
        key = tuple(sorted(metrics))
        if key not in self._group_bys:
            for name in key:
                self.metric(name)
            with self._plan_lock:
                items = self.engine.list_group_bys(metric_names=list(key))
            self._group_bys[key] = frozenset(_without_grain(getattr(item, "dunder_name", item.name)) for item in items)
        return self._group_bys[key]

    def has_metric(self, name: str) -> bool:
        """Whether the manifest defines metric ``name``."""
        return any(m.name == name for m in self.manifest.metrics)

    # ------------------------------------------------------------------ queries
    def _where(self, filters: dict[str, Sequence[str]] | None, allowed: frozenset[str]) -> list[str]:
        where = []
        for dimension, values in sorted((filters or {}).items()):
            if _without_grain(dimension) not in allowed:
                raise InvalidQueryError(f"cannot filter on {dimension!r}: not a dimension of the metrics asked")
            if not values:
                continue
            listed = ", ".join(_quote_value(v) for v in values)
            where.append(f"{{{{ Dimension('{dimension}') }}}} in ({listed})")
        return where

    def query(
        self,
        metrics: Sequence[str] = (),
        *,
        saved_query: str | None = None,
        group_by: Sequence[str] = (),
        grain: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        filters: dict[str, Sequence[str]] | None = None,
        order_by: Sequence[str] = (),
        limit: int | None = None,
    ) -> QueryResult:
        """Answer metrics (or a saved query) from the warehouse through MetricFlow.

        Args:
            metrics: metric names (ignored with ``saved_query``).
            saved_query: a saved query's name: its metrics, group-by and filters.
            group_by: group-by names (``order__currency``, ``metric_time__week``); empty with ``saved_query``.
            grain: adds ``metric_time__<grain>`` to the group-by (one of ``GRAINS``).
            start, end: inclusive range of ``metric_time`` (each metric's own time dimension), as dates.
            filters: ``{dimension: [values]}``: keep rows whose dimension is one of the values.
            order_by: names among the group-by and metrics, ``-name`` for descending (default: the group-by).
            limit: at most this many rows.

        Returns:
            QueryResult with the group-by columns then the metric columns.

        Raises:
            UnknownNameError: a metric or saved query is not in the manifest.
            InvalidQueryError: a group-by, filter, grain or order the manifest cannot answer.
            MissingMartError: a table the query reads is not built.
        """
        if saved_query is not None:
            info = self.saved_query(saved_query)
            if group_by or grain:
                raise InvalidQueryError("a saved query fixes its own group-by; query its metrics to regroup")
            metric_names = list(info.metrics)
        else:
            if not metrics:
                raise InvalidQueryError("ask for at least one metric")
            metric_names = list(dict.fromkeys(metrics))
        allowed = self.dimensions(metric_names)
        group = list(dict.fromkeys(group_by))
        if grain is not None:
            if grain not in GRAINS:
                raise InvalidQueryError(f"grain {grain!r} is not one of {', '.join(GRAINS)}")
            group.append(f"metric_time__{grain}")
        for name in group:
            if _without_grain(name) not in allowed:
                raise InvalidQueryError(f"cannot group {', '.join(metric_names)} by {name!r}")
        for name in order_by:
            if name.lstrip("-") not in set(group) | set(metric_names) | set(self._saved_group_by(saved_query)):
                raise InvalidQueryError(f"cannot order by {name!r}: not among the group-by items and metrics")
        if limit is not None and limit < 1:
            raise InvalidQueryError("limit must be at least 1")
        where = self._where(filters, allowed)
        if not order_by:
            order_by = group or list(self._saved_group_by(saved_query))
        key = (saved_query, tuple(metric_names), tuple(group), start, end, tuple(where), tuple(order_by), limit)
        sql, params = self._plan(key)
        try:
            columns, rows = self.client.fetch(sql, params)
        except duckdb.CatalogException as exc:
            missing = str(exc).splitlines()[0]
            raise MissingMartError(f"{self.database_path}: {missing}; run `dbt build` (or `make run`)") from exc
        return QueryResult(columns=columns, rows=[tuple(_as_date(v) for v in row) for row in rows], sql=sql)

    def _saved_group_by(self, saved_query: str | None) -> tuple[str, ...]:
        """Output column names of a saved query's group-by items (``TimeDimension('metric_time', 'day')`` ->
        ``metric_time__day``), in their order."""
        if saved_query is None:
            return ()
        names = []
        for item in self.saved_query(saved_query).group_by:
            args = [a.strip().strip("'\"") for a in item[item.index("(") + 1 : item.rindex(")")].split(",")]
            names.append("__".join(a for a in args[:2] if a))
        return tuple(names)

    def _plan(self, key: tuple[Any, ...]) -> tuple[str, SqlBindParameterSet]:
        with self._cache_lock:
            cached = self._sql_cache.get(key)
            if cached is not None:
                self._sql_cache.move_to_end(key)
                return cached
        saved_query, metric_names, group, start, end, where, order_by, limit = key
        request = MetricFlowQueryRequest.create(
            saved_query_name=saved_query,
            metric_names=None if saved_query else list(metric_names),
            group_by_names=list(group) or None,
            time_constraint_start=dt.datetime.combine(start, dt.time.min) if start else None,
            time_constraint_end=dt.datetime.combine(end, dt.time.min) if end else None,
            where_constraints=list(where) or None,
            order_by_names=list(order_by) or None,
            limit=limit,
        )
        with self._plan_lock:
            try:
                statement = self.engine.explain(request).sql_statement
            except Exception as exc:  # MetricFlow raises many kinds for a query it cannot plan
                message = " ".join(str(exc).split())
                raise InvalidQueryError(message[:600] or repr(exc)) from exc
        planned = (statement.sql, statement.bind_parameter_set)
        with self._cache_lock:
            self._sql_cache[key] = planned
            if len(self._sql_cache) > SQL_CACHE_SIZE:
                self._sql_cache.popitem(last=False)
        return planned

    def close(self) -> None:
        """Release the warehouse."""
        self.client.close()
