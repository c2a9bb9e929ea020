"""The data contract: typed access to ``loaders/contract.yml``.

Every other part of the project (loaders, the generated dbt sources YAML, the
README table, the generator) reads the contract through this module, so there is
one definition of each feed's columns, types, nullability, primary key and PII flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path, PurePosixPath

import yaml

CONTRACT_PATH = Path(__file__).with_name("contract.yml")

LOGICAL_TYPES = (
    "string", "key", "timezone", "integer", "decimal", "decimal4", "rate", "boolean", "date", "timestamp",
)  # fmt: skip

#: Longest key, in characters (``key`` type).
KEY_MAX_CHARS = 255

#: Decimal places of the ``decimal`` (money amounts), ``decimal4`` (unit prices and costs) and
#: ``rate`` (exchange rates) types; all have precision 18.
DECIMAL_SCALES = {"decimal": 2, "decimal4": 4, "rate": 9}

#: Logical type -> DuckDB type. Money is DECIMAL(18,2) (unit prices DECIMAL(18,4), exchange rates
#: DECIMAL(18,9)), never float; keys are text whatever they look like (``42``,
#: ``INV-2016-152156``, ``gid://shopify/Order/1``).
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "key": "VARCHAR",
    "timezone": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(18,2)",
    "rate": "DECIMAL(18,9)",
    "decimal4": "DECIMAL(18,4)",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "json": "JSON",  # the loader column _extra only (backends.base.RAW_METADATA_COLUMNS), never a contract column
}

#: Logical type -> BigQuery standard SQL type (load-job schema / DDL).
BIGQUERY_TYPES = {
    "string": "STRING",
    "key": "STRING",
    "timezone": "STRING",
    "integer": "INT64",
    "decimal": "NUMERIC",
    "rate": "NUMERIC",
    "decimal4": "NUMERIC",
    "boolean": "BOOL",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "json": "STRING",  # _extra holds JSON text: see DECISIONLOG "Extra export columns"
}


class ContractError(ValueError):
    """The contract file itself is malformed (unknown type, missing key, bad primary key)."""


@dataclass(frozen=True)
class Column:
    """One column of a source table.

    Attributes:
        name: column name as it appears in the file header / JSON key.
        type: one of ``LOGICAL_TYPES``.
        required: a row whose value is empty/null is quarantined.
        pii: personally identifiable; hashed or masked in staging.
        description: documentation text, copied into dbt sources and README.
        accepted_values: closed list of allowed values (enums), or None.
        minimum, maximum: inclusive bounds of an integer or decimal value (contract keys
            ``min``/``max``), or None; a value outside them is quarantined at load.
        may_be_absent: a file may leave the column out of its header (contract key
            ``may_be_absent``): every record then has it empty. Only for columns that are not
            required, added after files without them existed (e.g. ``orders.store_id``).
    """

    name: str
    type: str
    required: bool
    pii: bool
    description: str
    accepted_values: tuple[str, ...] | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    may_be_absent: bool = False

    @property
    def duckdb_type(self) -> str:
        """DuckDB SQL type of the column, e.g. ``'DECIMAL(18,2)'``, ``'VARCHAR'`` for a key."""
        return DUCKDB_TYPES[self.type]

    @property
    def bigquery_type(self) -> str:
        """BigQuery standard SQL type of the column, e.g. ``'NUMERIC'`` (its precision and scale:
        ``loaders.backends.bigquery.schema_field``), ``'STRING'`` for a key."""
        return BIGQUERY_TYPES[self.type]


@dataclass(frozen=True)
class Table:
    """One source table (a feed), e.g. ``shop.orders``.

    Attributes:
        source: source system name (``shop``, ``web``, ``marketing``, ``support``).
        name: table name, unique across sources; the raw relation is ``raw.<name>``.
        format: ``csv`` or ``jsonl`` (either may be gzip-compressed): the format of the files
            matching ``files``; Parquet files beside them (``parquet_files``) are read too.
        files: glob, relative to the source directory, matching the table's files.
        required: whether a build needs this feed (others load as empty tables).
        primary_key: column names forming the key (deduplicated on in staging).
        loaded_at_field: column used by dbt source freshness.
        columns: the columns in file order.
    """

    source: str
    name: str
    description: str
    format: str
    files: str
    required: bool
    primary_key: tuple[str, ...]
    loaded_at_field: str
    columns: tuple[Column, ...]

    @property
    def fqn(self) -> str:
        """``'<source>.<table>'``, e.g. ``'shop.orders'``."""
        return f"{self.source}.{self.name}"

    @property
    def parquet_files(self) -> str:
        """Glob of the table's Parquet files: ``*.parquet`` in the folder of ``files``
        (``shop/orders/*.csv*`` -> ``shop/orders/*.parquet``)."""
        return (PurePosixPath(self.files).parent / "*.parquet").as_posix()

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in contract (file) order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """Return the column called ``name``; raises KeyError if the table has none."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.fqn} has no column {name!r}")


@dataclass(frozen=True)
class Source:
    """A source system with its tables and freshness thresholds (hours)."""

    name: str
    description: str
    freshness_warn_after_hours: int
    freshness_error_after_hours: int
    tables: tuple[Table, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Contract:
    """The whole data contract: every source and table."""

    version: int
    sources: tuple[Source, ...]

    @property
    def tables(self) -> tuple[Table, ...]:
        """All tables of all sources, in contract order."""
        return tuple(t for s in self.sources for t in s.tables)

    def table(self, name: str) -> Table:
        """Return a table by name (``'orders'``) or fqn (``'shop.orders'``).

        Raises:
            KeyError: no such table; the message lists the known tables.
        """
        for t in self.tables:
            if name in (t.name, t.fqn):
                return t
        known = ", ".join(t.fqn for t in self.tables)
        raise KeyError(f"unknown table {name!r}; the contract defines: {known}")


def _parse(raw: dict) -> Contract:
    sources = []
    names: set[str] = set()
    for sname, s in raw["sources"].items():
        tables = []
        for tname, t in s["tables"].items():
            if tname in names:
                raise ContractError(f"table name {tname!r} is used twice; raw table names must be unique")
            names.add(tname)
            cols = []
            for c in t["columns"]:
                if c["type"] not in LOGICAL_TYPES:
                    raise ContractError(
                        f"{sname}.{tname}.{c['name']}: unknown type {c['type']!r}; expected one of {LOGICAL_TYPES}"
                    )
                av = c.get("accepted_values")
                bounds = [None if c.get(k) is None else Decimal(str(c[k])) for k in ("min", "max")]
                if any(b is not None for b in bounds) and c["type"] != "integer" and c["type"] not in DECIMAL_SCALES:
                    raise ContractError(f"{sname}.{tname}.{c['name']}: min/max apply to integer and decimal types only")
                if c.get("may_be_absent") and c.get("required"):
                    raise ContractError(f"{sname}.{tname}.{c['name']}: a required column cannot be may_be_absent")
                cols.append(
                    Column(
                        name=c["name"],
                        type=c["type"],
                        required=bool(c.get("required", False)),
                        pii=bool(c.get("pii", False)),
                        description=c["description"],
                        accepted_values=tuple(av) if av else None,
                        minimum=bounds[0],
                        maximum=bounds[1],
                        may_be_absent=bool(c.get("may_be_absent", False)),
                    )
                )
            colnames = {c.name for c in cols}
            pk = tuple(t["primary_key"])
            for k in (*pk, t["loaded_at_field"]):
                if k not in colnames:
                    raise ContractError(f"{sname}.{tname}: key column {k!r} is not a column of the table")
            for k in pk:
                if not next(c for c in cols if c.name == k).required:
                    raise ContractError(f"{sname}.{tname}: primary-key column {k!r} must be required")
            if t["format"] not in ("csv", "jsonl"):
                raise ContractError(f"{sname}.{tname}: format must be csv or jsonl, got {t['format']!r}")
            tables.append(
                Table(
                    source=sname,
                    name=tname,
                    description=t["description"],
                    format=t["format"],
                    files=t["files"],
                    required=bool(t.get("required", False)),
                    primary_key=pk,
                    loaded_at_field=t["loaded_at_field"],
                    columns=tuple(cols),
                )
            )
        sources.append(
            Source(
                name=sname,
                description=s["description"],
                freshness_warn_after_hours=int(s["freshness_warn_after_hours"]),
                freshness_error_after_hours=int(s["freshness_error_after_hours"]),
                tables=tuple(tables),
            )
        )
    return Contract(version=int(raw["version"]), sources=tuple(sources))


@lru_cache(maxsize=4)
def load_contract(path: Path = CONTRACT_PATH) -> Contract:
    """Read and validate the data contract.

    Args:
        path: the contract YAML; defaults to ``loaders/contract.yml``.

    Returns:
        The parsed, immutable ``Contract``.

    Raises:
        ContractError: unknown type or format, duplicate table name, key column
            missing or not required.
        FileNotFoundError: ``path`` does not exist.
    """
    with Path(path).open(encoding="utf-8") as fh:
        # libyaml's safe loader when PyYAML was built with it (same result, several times faster)
        return _parse(yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
