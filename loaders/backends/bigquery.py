"""The BigQuery backend: archive each file in GCS, validate it, land it with load jobs and one transaction.

How one file lands (``BigQueryBackend.land``):

1. **Archive**: the file, byte for byte, goes to the landing bucket as
   ``<source>/<table>/dt=<landing date>/<file name>`` with its sha256 in the object
   metadata (``loaders.gcs``); an object already holding that sha256 is not re-sent.
2. **Validate**: ``loaders.reader.validate_file`` (the reader and contract rules every
   backend calls) runs on the file in an in-memory DuckDB, so a file gets *the same*
   rows, physical line numbers and quarantine reasons on both targets. (A BigQuery load job
   cannot do this: it keeps no line numbers, and ``max_bad_records`` skips bad rows with no
   trace of which; here nothing is skipped.) Rows that fit are written, typed, as
   newline-delimited JSON; rejected rows as quarantine rows.
3. **Load jobs**: both files go to ``_loader/...`` in the same bucket and are loaded with
   an explicit schema built from the data contract (``raw_schema``; no autodetect,
   ``max_bad_records=0``, unknown values refused) into per-file staging tables with
   ``WRITE_TRUNCATE``, so a retried load replaces rather than appends. The number of rows
   each job wrote must equal what validation counted.
4. **Swap, atomically**: one multi-statement transaction deletes the file's earlier rows
   from ``raw.<table>`` and ``raw._quarantine``, inserts the staged rows, checks
   rows read = loaded + rejected inside the transaction (an ``ERROR()`` there rolls it all
   back) and writes the ``raw._load_audit`` row. Readers see the old version or the new one.
   The counts are read back once more after commit. Staging tables and intermediate objects
   are then removed.

Idempotency is per file: the same content is ``unchanged`` (``loaders.api`` compares the
sha256 in the audit table), a new version of a file replaces exactly that file's rows.
Raw tables are partitioned by day of ``_loaded_at`` (so they expire with the raw retention)
and clustered by ``_source_file`` (so the per-file delete reads little).

Configuration comes from the environment Terraform gives Composer (``terraform/composer.tf``):
``GCP_PROJECT_ID``, ``RAW_DATASET`` (default ``raw``), ``LANDING_BUCKET``, ``BIGQUERY_LOCATION``
(default ``EU``), optionally ``PII_POLICY_TAG`` (contract ``pii: true`` columns get that policy
tag) and ``LOADER_IMPERSONATE_SERVICE_ACCOUNT``. ``BIGQUERY_EMULATOR_HOST`` and
``STORAGE_EMULATOR_HOST`` point the clients at local emulators (anonymous credentials).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
from google.api_core.exceptions import NotFound
from google.cloud import bigquery, storage

from loaders import gcs
from loaders.backends.base import (
    AUDIT_COLUMNS,
    AUDIT_TABLE,
    EXTRA_COLUMN,
    LANDING_COLUMNS,
    LANDING_TABLE,
    QUARANTINE_COLUMNS,
    QUARANTINE_TABLE,
    RAW_METADATA_COLUMNS,
    RAW_SCHEMA,
    Backend,
    Landing,
    addable_columns,
    audit_values,
    nullable_raw_columns,
)
from loaders.contract import BIGQUERY_TYPES, DECIMAL_SCALES, Table
from loaders.discovery import SourceFile
from loaders.errors import LoaderError, RawTableMismatchError, ReconciliationError
from loaders.reader import ValidatedFile, validate_file
from loaders.report import FileResult
from loaders.validation import ident, sql_string

log = logging.getLogger(__name__)

#: Day partitioning column of each table the loaders write.
RAW_PARTITION_FIELD = "_loaded_at"
AUDIT_PARTITION_FIELD = "started_at"
QUARANTINE_PARTITION_FIELD = "quarantined_at"
#: Clustering columns: the per-file delete and the audit lookups filter on these.
RAW_CLUSTERING = ["_source_file"]
AUDIT_CLUSTERING = ["table_name", "source_file"]
#: Prefix of the per-file staging tables (dropped after each file) and of intermediate objects.
STAGING_PREFIX = "_stage_"
INTERMEDIATE_PREFIX = "_loader"
#: Labels on every table, load and query job of the loaders (BigQuery billing / audit filters).
BASE_LABELS = {"layer": "raw", "managed_by": "loaders"}


class BigQueryConfigError(LoaderError):
    """A setting the BigQuery backend needs (project, bucket) is missing or malformed."""

    kind = "usage"


@dataclass(frozen=True)
class BigQuerySettings:
    """Where the BigQuery backend lands data.

    Attributes:
        project: Google Cloud project id.
        dataset: the raw dataset (the loaders' ``raw`` schema), e.g. ``raw`` or ``dev_raw``.
        bucket: landing bucket name (no ``gs://``).
        location: BigQuery location of the dataset and jobs, e.g. ``EU``.
        pii_policy_tag: policy tag resource name put on contract ``pii: true`` columns, or None.
        impersonate_service_account: e-mail of a service account to act as, or None.
    """

    project: str
    dataset: str
    bucket: str
    location: str = "EU"
    pii_policy_tag: str | None = None
    impersonate_service_account: str | None = None

    @classmethod
    def from_env(cls, database: str | Path | None = None, env: Mapping[str, str] | None = None) -> BigQuerySettings:
        """Settings from the environment, ``database`` overriding the dataset.

        Args:
            database: ``project.dataset`` or ``dataset`` (the CLI's ``--database``), or None.
            env: variables to read; default ``os.environ``.

        Raises:
            BigQueryConfigError: no project, no bucket, or a malformed ``database``.
        """
        env = os.environ if env is None else env
        project = env.get("GCP_PROJECT_ID", "")
        dataset = env.get("RAW_DATASET", RAW_SCHEMA)
        if database is not None:
            parts = str(database).split(".")
            if len(parts) == 2 and all(parts):
                project, dataset = parts
            elif len(parts) == 1 and parts[0]:
                dataset = parts[0]
            else:
                raise BigQueryConfigError(f"--database must be 'project.dataset' or 'dataset', got {database!r}")
        if not project:
            raise BigQueryConfigError("no Google Cloud project: set GCP_PROJECT_ID or pass --database project.dataset")
        bucket = env.get("LANDING_BUCKET", "").removeprefix("gs://").strip("/")
        if not bucket:
            raise BigQueryConfigError("no landing bucket: set LANDING_BUCKET (Terraform output landing_bucket)")
        return cls(
            project=project,
            dataset=dataset,
            bucket=bucket,
            location=env.get("BIGQUERY_LOCATION", "EU"),
            pii_policy_tag=env.get("PII_POLICY_TAG") or None,
            impersonate_service_account=env.get("LOADER_IMPERSONATE_SERVICE_ACCOUNT") or None,
        )

    def table_id(self, name: str) -> str:
        """``project.dataset.name``."""
        return f"{self.project}.{self.dataset}.{name}"

    def sql_ref(self, name: str) -> str:
        """The table quoted for SQL: ```project.dataset.name```."""
        return f"`{self.project}.{self.dataset}.{name}`"


# ---------------------------------------------------------------------- definitions (pure)
def schema_field(
    name: str,
    logical_type: str,
    *,
    required: bool = False,
    description: str | None = None,
    policy_tag: str | None = None,
) -> bigquery.SchemaField:
    """One BigQuery column from a logical contract type (``contract.BIGQUERY_TYPES``).

    ``decimal`` maps to ``NUMERIC`` with precision 18 and scale 2 (money, like DuckDB's
    DECIMAL(18,2)), ``decimal4`` to ``NUMERIC`` with precision 18 and scale 4 (unit prices,
    DECIMAL(18,4)), ``rate`` to ``NUMERIC`` with scale 9 (exchange rates), ``key`` to ``STRING``;
    ``required`` gives mode ``REQUIRED``; ``policy_tag`` attaches a Data Catalog policy tag
    (column-level access control).
    """
    bq_type = BIGQUERY_TYPES[logical_type]
    kwargs = {}
    if logical_type in DECIMAL_SCALES:
        kwargs = {"precision": 18, "scale": DECIMAL_SCALES[logical_type]}
    return bigquery.SchemaField(
        name,
        bq_type,
        mode="REQUIRED" if required else "NULLABLE",
        description=description,
        policy_tags=bigquery.PolicyTagList(names=[policy_tag]) if policy_tag else None,
        **kwargs,
    )


def raw_schema(table: Table, pii_policy_tag: str | None = None) -> list[bigquery.SchemaField]:
    """Schema of ``raw.<table>`` and of its load jobs: contract columns in order, then the metadata columns.

    Args:
        table: the contract table.
        pii_policy_tag: policy tag for columns with ``pii: true`` (None: no tags, e.g. staging tables).

    Returns:
        ``SchemaField`` list: contract types (``BIGQUERY_TYPES``), ``REQUIRED`` for required
        columns and for the metadata columns, contract descriptions.
    """
    fields = [
        schema_field(
            c.name,
            c.type,
            required=c.required,
            description=c.description,
            policy_tag=pii_policy_tag if c.pii else None,
        )
        for c in table.columns
    ]
    meta_descriptions = {
        "_source_file": "File the row came from, relative to the landing root (POSIX path).",
        "_source_line": "1-based physical line of the file where the record starts (CSV header = line 1).",
        "_loaded_at": "UTC time the file was landed; day partitioning column.",
        EXTRA_COLUMN: "Extra columns of a mapped export (extra_columns: keep) as JSON text: header name -> "
        "value as written; NULL when the file had none kept. Read with JSON_VALUE(_extra, '$.\"Name\"').",
    }
    fields += [
        schema_field(n, t, required=n != EXTRA_COLUMN, description=meta_descriptions[n])
        for n, t in RAW_METADATA_COLUMNS
    ]
    return fields


def audit_schema() -> list[bigquery.SchemaField]:
    """Schema of ``raw._load_audit`` (``base.AUDIT_COLUMNS``)."""
    return [schema_field(n, t) for n, t in AUDIT_COLUMNS]


def quarantine_schema() -> list[bigquery.SchemaField]:
    """Schema of ``raw._quarantine`` (``base.QUARANTINE_COLUMNS``)."""
    return [schema_field(n, t) for n, t in QUARANTINE_COLUMNS]


def _labels(table_name: str, domain: str | None) -> dict[str, str]:
    labels = dict(BASE_LABELS)
    if domain:
        labels["domain"] = domain
    labels["table"] = table_name.strip("_").replace("_", "-")
    return labels


def raw_table_definition(table: Table, settings: BigQuerySettings) -> bigquery.Table:
    """The ``raw.<table>`` table resource the backend creates: schema, day partitions, clustering, labels."""
    t = bigquery.Table(settings.table_id(table.name), schema=raw_schema(table, settings.pii_policy_tag))
    t.time_partitioning = bigquery.TimePartitioning(type_=bigquery.TimePartitioningType.DAY, field=RAW_PARTITION_FIELD)
    t.clustering_fields = list(RAW_CLUSTERING)
    t.labels = _labels(table.name, table.source)
    t.description = f"{table.description} Landed by the loaders from {table.files} ({table.format})."
    return t


def bookkeeping_table_definition(name: str, settings: BigQuerySettings) -> bigquery.Table:
    """``raw._load_audit`` or ``raw._quarantine`` (schema, day partitions, clustering by table and file),
    or ``raw._landing`` (schema only)."""
    if name == AUDIT_TABLE:
        schema, field = audit_schema(), AUDIT_PARTITION_FIELD
        description = "One row per file attempt of the loaders (loaded, unchanged, replaced, failed)."
    elif name == QUARANTINE_TABLE:
        schema, field = quarantine_schema(), QUARANTINE_PARTITION_FIELD
        description = "Rows the loaders refused: one row per failing column, with the reason and the raw line."
    elif name == LANDING_TABLE:
        t = bigquery.Table(settings.table_id(name), schema=[schema_field(n, ty) for n, ty in LANDING_COLUMNS])
        t.labels = _labels(name, None)
        t.description = "The landing directories whose files the raw tables hold, one row each."
        return t
    else:
        raise ValueError(f"not a bookkeeping table: {name!r}")
    t = bigquery.Table(settings.table_id(name), schema=schema)
    t.time_partitioning = bigquery.TimePartitioning(type_=bigquery.TimePartitioningType.DAY, field=field)
    t.clustering_fields = list(AUDIT_CLUSTERING)
    t.labels = _labels(name, None)
    t.description = description
    return t


def load_job_config(schema: Sequence[bigquery.SchemaField], partition_field: str) -> bigquery.LoadJobConfig:
    """Configuration of the load jobs that fill a per-file staging table.

    Newline-delimited JSON written by the validation step, with the explicit contract
    schema: no autodetection, no bad record tolerated (validation already quarantined
    them; a load error here is a bug and fails the file), unknown fields refused.
    ``WRITE_TRUNCATE`` makes a retry replace the staging table instead of appending, and
    the staging table is partitioned like its raw table.

    Args:
        schema: the destination schema (``raw_schema`` without policy tags, or ``quarantine_schema``).
        partition_field: the day partitioning column.

    Returns:
        A ``bigquery.LoadJobConfig``.
    """
    cfg = bigquery.LoadJobConfig()
    cfg.source_format = bigquery.SourceFormat.NEWLINE_DELIMITED_JSON
    cfg.schema = list(schema)
    cfg.autodetect = False
    cfg.max_bad_records = 0
    cfg.ignore_unknown_values = False
    cfg.write_disposition = bigquery.WriteDisposition.WRITE_TRUNCATE
    cfg.create_disposition = bigquery.CreateDisposition.CREATE_IF_NEEDED
    cfg.time_partitioning = bigquery.TimePartitioning(type_=bigquery.TimePartitioningType.DAY, field=partition_field)
    cfg.labels = dict(BASE_LABELS)
    return cfg


def staging_table_name(table_name: str, source_file: str, kind: str) -> str:
    """Name of the staging table of one file: ``_stage_<table>_<kind>_<12 hex of sha256(source_file)>``.

    Args:
        table_name: contract table.
        source_file: the file's warehouse identity (the same file always gets the same name,
            so a retried load truncates its own leftovers).
        kind: ``rows`` or ``quarantine``.
    """
    digest = hashlib.sha256(source_file.encode("utf-8")).hexdigest()[:12]
    return f"{STAGING_PREFIX}{table_name}_{kind}_{digest}"


def bq_string(text: str) -> str:
    """A BigQuery string literal for any text (backslash, quote and control characters escaped)."""
    out = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return "'" + out + "'"


def _bq_value(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.strftime('%Y-%m-%d %H:%M:%S.%f')}'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    return bq_string(str(value))


def audit_insert_sql(settings: BigQuerySettings, r: FileResult) -> str:
    """``INSERT`` of the audit row of ``r`` into ``raw._load_audit`` (literals; no parameters)."""
    cols = ", ".join(n for n, _ in AUDIT_COLUMNS)
    values = ", ".join(_bq_value(v) for v in audit_values(r))
    return f"INSERT INTO {settings.sql_ref(AUDIT_TABLE)} ({cols}) VALUES ({values})"


def replace_file_script(
    settings: BigQuerySettings,
    table: Table,
    source_file: str,
    *,
    rows_staging: str,
    quarantine_staging: str | None,
    result: FileResult,
) -> str:
    """The transaction that swaps one file's rows in the raw layer.

    Deletes the file's earlier rows (``raw.<table>``, ``raw._quarantine``), inserts the
    staged ones, fails with ``ERROR()`` (rolling everything back) unless
    rows read = rows in ``raw.<table>`` for the file + distinct quarantined lines, and
    writes the audit row.

    Args:
        settings: project and dataset.
        table: the contract table.
        source_file: the file's warehouse identity.
        rows_staging: staging table with the rows that fit the contract.
        quarantine_staging: staging table with quarantine rows, or None when nothing was rejected.
        result: the attempt's result (counts from validation), written as the audit row.

    Returns:
        A BigQuery multi-statement script (``BEGIN TRANSACTION; ... COMMIT TRANSACTION;``).
    """
    raw = settings.sql_ref(table.name)
    q = settings.sql_ref(QUARANTINE_TABLE)
    f = bq_string(source_file)
    t = bq_string(table.name)
    raw_cols = ", ".join(f"`{c}`" for c in table.column_names) + ", " + ", ".join(n for n, _ in RAW_METADATA_COLUMNS)
    q_cols = ", ".join(n for n, _ in QUARANTINE_COLUMNS)
    statements = [
        "BEGIN TRANSACTION",
        f"DELETE FROM {raw} WHERE _source_file = {f}",
        f"DELETE FROM {q} WHERE table_name = {t} AND source_file = {f}",
        f"INSERT INTO {raw} ({raw_cols}) SELECT {raw_cols} FROM {settings.sql_ref(rows_staging)}",
    ]
    if quarantine_staging is not None:
        statements.append(f"INSERT INTO {q} ({q_cols}) SELECT {q_cols} FROM {settings.sql_ref(quarantine_staging)}")
    message = bq_string(
        f"{source_file}: reconciliation failed: rows read ({result.rows_read}) "
        "!= rows loaded + rows rejected; rolled back"
    )
    statements += [
        f"SELECT IF((SELECT COUNT(*) FROM {raw} WHERE _source_file = {f}) + "
        f"(SELECT COUNT(DISTINCT line_number) FROM {q} WHERE table_name = {t} AND source_file = {f}) "
        f"= {result.rows_read}, 'reconciled', ERROR({message}))",
        audit_insert_sql(settings, result),
        "COMMIT TRANSACTION",
    ]
    return ";\n".join(statements) + ";\n"


def landing_dir_script(settings: BigQuerySettings, landing_dir: str, *, at: datetime, only: bool) -> str:
    """The transaction recording that the raw tables hold files of ``landing_dir`` in ``raw._landing``.

    Args:
        settings: project and dataset.
        landing_dir: the landing directory (absolute path).
        at: UTC time of the run (``first_loaded_at`` of a directory seen the first time, ``last_loaded_at``).
        only: forget every other directory (after a prune, the raw tables hold this one's files only).

    Returns:
        A BigQuery multi-statement script.
    """
    landing = settings.sql_ref(LANDING_TABLE)
    d = bq_string(landing_dir)
    ts = _bq_value(at)
    statements = ["BEGIN TRANSACTION"]
    if only:
        statements.append(f"DELETE FROM {landing} WHERE landing_dir <> {d}")
    statements += [
        f"UPDATE {landing} SET last_loaded_at = {ts} WHERE landing_dir = {d}",
        f"INSERT INTO {landing} (landing_dir, first_loaded_at, last_loaded_at) SELECT {d}, {ts}, {ts} "
        f"FROM (SELECT 1) WHERE NOT EXISTS (SELECT 1 FROM {landing} WHERE landing_dir = {d})",
        "COMMIT TRANSACTION",
    ]
    return ";\n".join(statements) + ";\n"


def held_files_sql(settings: BigQuerySettings, table_name: str) -> str:
    """Query of the files whose rows ``raw.<table_name>`` holds: the last loaded/replaced/pruned
    audit row of each file is not ``pruned``; one column ``source_file``, sorted."""
    return f"""SELECT source_file FROM (
        SELECT source_file, status,
               ROW_NUMBER() OVER (PARTITION BY source_file ORDER BY finished_at DESC) AS recency
        FROM {settings.sql_ref(AUDIT_TABLE)}
        WHERE table_name = {bq_string(table_name)} AND status IN ('loaded', 'replaced', 'pruned'))
    WHERE recency = 1 AND status <> 'pruned'
    ORDER BY source_file"""


def prune_file_script(settings: BigQuerySettings, table: Table, source_file: str, *, result: FileResult) -> str:
    """The transaction removing one file's rows from ``raw.<table>`` and ``raw._quarantine``,
    with its ``pruned`` audit row ``result``.

    Returns:
        A BigQuery multi-statement script (``BEGIN TRANSACTION; ... COMMIT TRANSACTION;``).
    """
    f = bq_string(source_file)
    statements = [
        "BEGIN TRANSACTION",
        f"DELETE FROM {settings.sql_ref(table.name)} WHERE _source_file = {f}",
        f"DELETE FROM {settings.sql_ref(QUARANTINE_TABLE)} WHERE table_name = {bq_string(table.name)} "
        f"AND source_file = {f}",
        audit_insert_sql(settings, result),
        "COMMIT TRANSACTION",
    ]
    return ";\n".join(statements) + ";\n"


# ---------------------------------------------------------------------- validation (local)
def export_validated(
    file: SourceFile, *, started_at: datetime, rows_path: Path, quarantine_path: Path
) -> ValidatedFile:
    """Validate ``file`` in an in-memory DuckDB and write what the load jobs read, as NDJSON.

    Args:
        file: the described file.
        started_at: UTC start of the attempt (the rows' ``_loaded_at``, the quarantine's ``quarantined_at``).
        rows_path: where the fitting rows go (``raw_schema`` columns; decimals as text, timestamps
            as ``YYYY-MM-DD hh:mm:ss.ffffff`` UTC).
        quarantine_path: where the quarantine rows go (``QUARANTINE_COLUMNS``).

    Returns:
        The ``ValidatedFile`` (its counts; its relations are closed with the in-memory database).

    Raises:
        LoaderError: file-level problems, exactly as ``loaders.reader.validate_file`` raises them.
    """
    table = file.table
    loaded_at = sql_string(started_at.strftime("%Y-%m-%d %H:%M:%S.%f"))
    outputs = []
    for c in table.columns:
        if c.type in DECIMAL_SCALES:
            outputs.append(f"CAST({ident(c.name)} AS VARCHAR) AS {ident(c.name)}")
        elif c.type == "timestamp":
            outputs.append(f"strftime({ident(c.name)}, '%Y-%m-%d %H:%M:%S.%f') AS {ident(c.name)}")
        else:
            outputs.append(ident(c.name))
    source_file = sql_string(file.source_file)
    with duckdb.connect(":memory:") as con:
        validated = validate_file(con, file)
        con.execute(
            f"""COPY (SELECT {", ".join(outputs)}, {source_file} AS _source_file,
                       line AS _source_line, {loaded_at} AS _loaded_at, CAST(_extra AS VARCHAR) AS _extra
                FROM {validated.rows.alias})
            TO {sql_string(str(rows_path))} (FORMAT JSON)"""
        )
        con.execute(
            f"""COPY (SELECT {sql_string(table.name)} AS table_name, {source_file} AS source_file,
                       line AS line_number, column_name, reason, raw_line,
                       {loaded_at} AS quarantined_at, {sql_string(file.sha256)} AS sha256
                FROM {validated.rejects.alias})
            TO {sql_string(str(quarantine_path))} (FORMAT JSON)"""
        )
    return validated


# ---------------------------------------------------------------------- the backend
def _credentials(settings: BigQuerySettings):
    """Anonymous credentials for emulators, impersonated ones if configured, else None (library default)."""
    if os.environ.get("BIGQUERY_EMULATOR_HOST") or os.environ.get("STORAGE_EMULATOR_HOST"):
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()
    if settings.impersonate_service_account:
        import google.auth
        from google.auth import impersonated_credentials

        source, _ = google.auth.default()
        return impersonated_credentials.Credentials(
            source_credentials=source,
            target_principal=settings.impersonate_service_account,
            target_scopes=["https://www.googleapis.com/auth/cloud-platform"],
        )
    return None


class BigQueryBackend(Backend):
    """Lands files in BigQuery through the landing bucket (see module docstring).

    Args:
        database: ``project.dataset`` or ``dataset`` overriding the environment, or None.
        settings: explicit settings (default ``BigQuerySettings.from_env(database)``).
        bq_client: a ``bigquery.Client`` (default: one for ``settings``).
        storage_client: a ``storage.Client`` (default: one for ``settings``).

    Raises:
        BigQueryConfigError: settings missing from the environment.
    """

    name = "bigquery"

    def __init__(
        self,
        database: str | Path | None = None,
        *,
        settings: BigQuerySettings | None = None,
        bq_client: bigquery.Client | None = None,
        storage_client: storage.Client | None = None,
    ):
        self.settings = settings or BigQuerySettings.from_env(database)
        creds = _credentials(self.settings) if bq_client is None or storage_client is None else None
        self.bq = bq_client or bigquery.Client(
            project=self.settings.project, location=self.settings.location, credentials=creds
        )
        self.gcs = storage_client or storage.Client(project=self.settings.project, credentials=creds)
        self.bucket = self.gcs.bucket(self.settings.bucket)

    @property
    def location(self) -> str:
        s = self.settings
        return f"{s.project}.{s.dataset} (landing gs://{s.bucket})"

    def close(self) -> None:
        self.bq.close()
        close = getattr(self.gcs, "close", None)  # storage.Client gained close() only in recent releases
        if close is not None:
            close()

    # ------------------------------------------------------------------ helpers
    def _query(self, sql: str) -> list:
        job = self.bq.query(sql, job_config=bigquery.QueryJobConfig(labels=dict(BASE_LABELS)))
        return list(job.result())

    # ------------------------------------------------------------------ tables
    def ensure_raw_tables(self, tables: Sequence[Table]) -> None:
        s = self.settings
        ds = bigquery.Dataset(f"{s.project}.{s.dataset}")
        ds.location = s.location
        self.bq.create_dataset(ds, exists_ok=True)
        wanted = [raw_table_definition(t, s) for t in tables]
        nullable = {t.name: nullable_raw_columns(t) for t in tables}
        wanted += [bookkeeping_table_definition(n, s) for n in (AUDIT_TABLE, QUARANTINE_TABLE, LANDING_TABLE)]
        for definition in wanted:
            try:
                existing = self.bq.get_table(definition.reference)
            except NotFound:
                self.bq.create_table(definition)
                log.info("created %s", definition.full_table_id or definition.table_id)
                continue
            have = [(n, _canonical_type(t)) for n, t in ((f.name, f.field_type) for f in existing.schema)]
            expected = [(n, _canonical_type(t)) for n, t in ((f.name, f.field_type) for f in definition.schema)]
            # a raw table landed before some nullable columns existed (_extra, orders.store_id):
            # NULLABLE fields appended to its schema in place (BigQuery adds columns only at the
            # end); rows are inserted by column name, so the order does not matter to loads
            table_nullable = nullable.get(definition.table_id)
            added = addable_columns(have, expected, table_nullable) if table_nullable is not None else None
            if added:
                fields = {f.name: f for f in definition.schema}
                existing.schema = [*existing.schema, *(fields[n] for n, _ in added)]
                self.bq.update_table(existing, ["schema"])
                log.info("added column(s) %s to %s", ", ".join(n for n, _ in added), definition.table_id)
                continue
            if added is None and have != expected:
                raise RawTableMismatchError(
                    f"{definition.table_id} has columns {have} but the contract expects {expected}; "
                    "the contract changed since this dataset was built: migrate or recreate the table",
                    file=s.table_id(definition.table_id),
                )

    def last_landing(self, table: Table, source_file: str) -> Landing | None:
        s = self.settings
        rows = self._query(
            f"SELECT sha256, rows_loaded, status FROM {s.sql_ref(AUDIT_TABLE)} "
            f"WHERE table_name = {bq_string(table.name)} AND source_file = {bq_string(source_file)} "
            "AND status IN ('loaded', 'replaced', 'pruned') ORDER BY finished_at DESC LIMIT 1"
        )
        if not rows or rows[0][2] == "pruned":
            return None
        sha256, rows_loaded = rows[0][0], rows[0][1]
        present = self._query(
            f"SELECT COUNT(*) FROM {s.sql_ref(table.name)} WHERE _source_file = {bq_string(source_file)}"
        )[0][0]
        return Landing(sha256=sha256, rows_loaded=rows_loaded, rows_present=present)

    def record_attempt(self, result: FileResult) -> None:
        self._query(audit_insert_sql(self.settings, result))

    # ------------------------------------------------------------------ landing directories
    # The same bookkeeping as the DuckDB backend: raw._landing names the landing directories
    # (paths as the loader saw them, e.g. the Composer mount of the landing bucket), and the
    # audit table's last loaded/replaced/pruned row of a file says whether its rows are held.
    # Pruning removes rows from the raw layer only: the bucket's archived copies stay until
    # its lifecycle rule expires them.
    tracks_landing_dirs = True

    def landing_dirs(self) -> list[str]:
        rows = self._query(
            f"SELECT landing_dir FROM {self.settings.sql_ref(LANDING_TABLE)} ORDER BY first_loaded_at, landing_dir"
        )
        return [r[0] for r in rows]

    def record_landing_dir(self, landing_dir: str, *, at: datetime, only: bool) -> None:
        self._query(landing_dir_script(self.settings, landing_dir, at=at, only=only))

    def held_files(self, table: Table) -> list[str]:
        rows = self._query(held_files_sql(self.settings, table.name))
        return [r[0] for r in rows]

    def prune(self, table: Table, source_file: str, *, started_at: datetime) -> FileResult:
        s = self.settings
        removed = self._query(
            f"SELECT COUNT(*) FROM {s.sql_ref(table.name)} WHERE _source_file = {bq_string(source_file)}"
        )[0][0]
        result = FileResult.without_rows(
            table=table.name, source_file=source_file, sha256=None, bytes=0, status="pruned", started_at=started_at
        )
        result = dataclasses.replace(result, rows_removed=removed)
        self._query(prune_file_script(s, table, source_file, result=result))
        return result

    # ------------------------------------------------------------------ landing
    def land(self, file: SourceFile, *, started_at: datetime, replacing: bool) -> FileResult:
        s = self.settings
        table = file.table
        object_name = gcs.landing_object_name(table.source, table.name, started_at.date(), file.source_file)
        gcs.upload_file(self.bucket, file.path, object_name, sha256=file.sha256, source_file=file.source_file)

        with tempfile.TemporaryDirectory(prefix="bq-load-") as tmp:
            rows_path = Path(tmp) / "rows.jsonl"
            quarantine_path = Path(tmp) / "quarantine.jsonl"
            validated = export_validated(
                file, started_at=started_at, rows_path=rows_path, quarantine_path=quarantine_path
            )

            meta = {gcs.META_SHA256: file.sha256, gcs.META_SOURCE_FILE: file.source_file}
            prefix = f"{INTERMEDIATE_PREFIX}/{object_name}"
            staged: list[str] = []
            uploaded: list[str] = []
            try:
                rows_stage = staging_table_name(table.name, file.source_file, "rows")
                uri = gcs.put_file(self.bucket, rows_path, f"{prefix}.rows.jsonl", metadata=meta)
                uploaded.append(f"{prefix}.rows.jsonl")
                staged.append(rows_stage)
                self._load(
                    uri, rows_stage, raw_schema(table), RAW_PARTITION_FIELD, expected=validated.rows_valid, file=file
                )
                q_stage = None
                if validated.quarantine_rows:
                    q_stage = staging_table_name(table.name, file.source_file, "quarantine")
                    uri = gcs.put_file(self.bucket, quarantine_path, f"{prefix}.quarantine.jsonl", metadata=meta)
                    uploaded.append(f"{prefix}.quarantine.jsonl")
                    staged.append(q_stage)
                    q_schema = quarantine_schema()
                    self._load(
                        uri,
                        q_stage,
                        q_schema,
                        QUARANTINE_PARTITION_FIELD,
                        expected=validated.quarantine_rows,
                        file=file,
                    )
                result = FileResult.landed(
                    file,
                    replacing=replacing,
                    rows_read=validated.rows_read,
                    rows_loaded=validated.rows_valid,
                    rows_rejected=validated.rows_rejected,
                    started_at=started_at,
                    warnings=validated.warnings,
                    lines_read=validated.lines_read,
                )
                script = replace_file_script(
                    s, table, file.source_file, rows_staging=rows_stage, quarantine_staging=q_stage, result=result
                )
                self._query(script)
                self._reconcile(table, file.source_file, validated.rows_read)
            finally:
                for name in staged:
                    self.bq.delete_table(s.table_id(name), not_found_ok=True)
                for name in uploaded:
                    with contextlib.suppress(NotFound):
                        self.bucket.blob(name).delete()
        return result

    def _load(
        self,
        uri: str,
        staging: str,
        schema: Sequence[bigquery.SchemaField],
        partition_field: str,
        *,
        expected: int,
        file: SourceFile,
    ) -> None:
        """Run one load job into ``staging`` and check it wrote ``expected`` rows."""
        job = self.bq.load_table_from_uri(
            uri, self.settings.table_id(staging), job_config=load_job_config(schema, partition_field)
        )
        job.result()
        if job.output_rows is not None and job.output_rows != expected:
            raise ReconciliationError(
                f"load job {job.job_id} wrote {job.output_rows} rows to {staging}, validation counted {expected}",
                file=file.source_file,
            )

    def _reconcile(self, table: Table, source_file: str, rows_read: int) -> None:
        """Read back what the raw layer holds for the file; raise if rows read != loaded + rejected."""
        s = self.settings
        f = bq_string(source_file)
        loaded, rejected = self._query(
            f"SELECT (SELECT COUNT(*) FROM {s.sql_ref(table.name)} WHERE _source_file = {f}), "
            f"(SELECT COUNT(DISTINCT line_number) FROM {s.sql_ref(QUARANTINE_TABLE)} "
            f"WHERE table_name = {bq_string(table.name)} AND source_file = {f})"
        )[0]
        if rows_read != loaded + rejected:
            raise ReconciliationError(
                f"rows read ({rows_read}) != rows loaded ({loaded}) + rows rejected ({rejected}) after commit",
                file=source_file,
            )


def _canonical_type(field_type: str) -> str:
    """Legacy and standard SQL spellings of a type compare equal (``INTEGER`` = ``INT64``...)."""
    return {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL"}.get(field_type.upper(), field_type.upper())
