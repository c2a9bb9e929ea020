"""A mapping file read, merged with its preset and checked against the data contract.

``read_mapping(path)`` returns a ``Mapping``: which export files feed which contract table and,
per contract column, where its value comes from (``ColumnSpec``). The file's shape is checked
by the JSON Schema ``schema.yml`` beside this module; what needs the contract (known tables and
columns, required columns mapped, derivations that fit) is checked here. What needs the export
files themselves (their headers, formats against sample values) is checked in
``loaders.mapping.transform``. Every error is a ``MappingError`` naming the mapping file and the
key path (``tables.orders.columns.status``).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema
import yaml

from loaders.contract import Contract, load_contract
from loaders.errors import LoaderError

#: The mapping file a source directory may hold beside its exports.
MAPPING_FILE = "mapping.yml"
PRESETS_DIR = Path(__file__).with_name("presets")
SCHEMA_PATH = Path(__file__).with_name("schema.yml")

#: Derivations that need the table to be grouped (``one_row_per``) over the lines of an order_items export.
GROUP_DERIVATIONS = ("lines_subtotal", "lines_discount")
FORMAT_TYPES = ("date", "timestamp")
NUMBER_TYPES = ("decimal", "decimal4", "integer")


class MappingError(LoaderError):
    """A mapping file that cannot be applied: bad shape, unknown table or column, a format that
    parses no sample value. ``file`` is the mapping file; the message starts with the key path."""

    kind = "usage"


@dataclass(frozen=True)
class ColumnSpec:
    """Where one contract column's value comes from (one entry under ``tables.<t>.columns``).

    Attributes:
        name: the contract column.
        column: export column holding the value, or None.
        sql: DuckDB SQL expression over the export's columns, or None.
        format: strptime format of a date/timestamp export value, or None (ISO-8601 expected).
        timezone: IANA zone of naive timestamps, or None (the export's, else the mapping's, else UTC).
        decimal_separator: decimal separator of a number, default ``.``.
        thousands_separator: thousands separator removed before parsing, or None.
        scale: decimals a number is rounded to (half away from zero), or None (kept as written).
        default: value when the source is absent or empty, or None.
        values: export value -> contract value (values not listed pass unchanged), or None.
        derive: a derivation name (see docs/your-own-data.md), or None.
        of: the derivation's argument (a contract column for ``same_as``, an export column for
            ``discount_from_line_total``).
        by: the export column grouping lines, for ``line_key``.
        aggregate: how a grouped table (``one_row_per``) combines its lines: first (by line), sum, min, max.
    """

    name: str
    column: str | None = None
    sql: str | None = None
    format: str | None = None
    timezone: str | None = None
    decimal_separator: str = "."
    thousands_separator: str | None = None
    scale: int | None = None
    default: str | None = None
    values: tuple[tuple[str, str | None], ...] | None = None
    derive: str | None = None
    of: str | None = None
    by: str | None = None
    aggregate: str = "first"

    @property
    def unmapped(self) -> bool:
        """True when nothing feeds the column (it stays empty)."""
        return self.column is None and self.sql is None and self.default is None and self.derive is None


@dataclass(frozen=True)
class ExportSpec:
    """One export shape (an entry under ``exports``).

    Attributes:
        name: its key in the mapping.
        files: globs relative to the mapping file's directory.
        columns: its known columns (header columns outside them and unused are extra), maybe empty.
        extra_columns: ``ignore`` (warn), ``keep`` (JSON column ``_extra``) or ``reject`` (file refused).
        timezone: IANA zone of its naive timestamps.
        fill_down_by: export column grouping lines whose first line holds the order-level fields, or None.
        fill_down: the columns copied from a group's first line to its other lines.
    """

    name: str
    files: tuple[str, ...]
    columns: tuple[str, ...]
    extra_columns: str
    timezone: str
    fill_down_by: str | None
    fill_down: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    """How one contract table is fed (an entry under ``tables``).

    Attributes:
        name: the contract table.
        export: the export feeding it.
        one_row_per: export column whose distinct non-empty values are the rows, or None (a row per line).
        columns: one ``ColumnSpec`` per contract column, in contract order (unmapped ones included).
        where: DuckDB SQL condition over the export's columns selecting the records that feed the
            table (before grouping), or None (every record).
    """

    name: str
    export: str
    one_row_per: str | None
    columns: tuple[ColumnSpec, ...]
    where: str | None = None

    def column(self, name: str) -> ColumnSpec:
        """The spec of contract column ``name``."""
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Mapping:
    """A mapping file, merged with its preset and checked against the contract.

    Attributes:
        path: the mapping file.
        preset: the preset it uses, or None.
        exports: the export shapes by name.
        tables: the fed tables, in contract order.
        digest_text: the resolved mapping as YAML text (part of each landing's fingerprint, so a
            changed mapping lands the exports again).
        shop: the shop's dbt vars (``shop_vars``): ``reporting_currency`` and ``shop_timezone``
            when the mapping declares them (or, for the currency, pins every order to one).
    """

    path: Path
    preset: str | None
    exports: dict[str, ExportSpec]
    tables: tuple[TableSpec, ...]
    digest_text: str
    shop: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The directory the export globs are relative to."""
        return self.path.parent


def available_presets() -> tuple[str, ...]:
    """Names of the shipped presets (``presets/<name>.yml``), sorted."""
    return tuple(sorted(p.stem for p in PRESETS_DIR.glob("*.yml")))


@functools.lru_cache(maxsize=1)
def _schema() -> dict:
    return yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))


def _merge(base: Any, override: Any, path: tuple[str, ...] = ()) -> Any:
    """``override`` laid over ``base`` key by key; a column's spec (``tables.*.columns.*``) and
    any non-mapping value are replaced whole."""
    if not isinstance(base, dict) or not isinstance(override, dict) or (len(path) == 4 and path[2] == "columns"):
        return copy.deepcopy(override)
    out = copy.deepcopy(base)
    for k, v in override.items():
        out[k] = _merge(base[k], v, (*path, str(k))) if k in base else copy.deepcopy(v)
    return out


def _key_path(parts: Any) -> str:
    return ".".join(str(p) for p in parts) or "(top level)"


def _load_yaml(path: Path, shown: str) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise MappingError(f"cannot read the mapping file: {e.strerror or e}", file=shown) from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise MappingError(
            f"not valid YAML: {getattr(e, 'problem', e)}", file=shown, line=None if mark is None else mark.line + 1
        ) from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MappingError("(top level): expected a mapping of keys (preset, exports, tables)", file=shown)
    return data


def _check_shape(data: dict, shown: str) -> None:
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        e = errors[0]
        what = e.message
        if e.validator == "additionalProperties":
            allowed = sorted(e.schema.get("properties", {}))
            what = f"{e.message}; allowed keys: {', '.join(allowed)}"
        elif e.validator == "oneOf" and isinstance(e.instance, dict) and "column" in e.instance and "sql" in e.instance:
            what = "give either column or sql, not both"
        elif e.validator == "oneOf" and isinstance(e.instance, dict):
            sub = [s for s in e.context if s.validator == "additionalProperties"]
            what = sub[0].message if sub else what
        raise MappingError(f"{_key_path(e.absolute_path)}: {what}", file=shown)


def _check_zone(zone: str, where: str, shown: str) -> str:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(
            f"{where}: unknown time zone {zone!r} (expected an IANA name, e.g. Europe/London)", file=shown
        ) from None
    return zone


def resolve(path: Path) -> dict:
    """The mapping file's content with its preset laid under it (schema-checked), as plain data.

    Raises:
        MappingError: unreadable or invalid YAML, a shape the schema refuses, an unknown preset.
    """
    shown = path.name
    data = _load_yaml(path, shown)
    preset = data.get("preset")
    if not isinstance(preset, str):
        _check_shape(data, shown)  # without a preset the file stands alone
        return data
    preset_path = PRESETS_DIR / f"{preset}.yml"
    if not preset_path.is_file():
        raise MappingError(
            f"preset: unknown preset {preset!r}; shipped presets: {', '.join(available_presets())}", file=shown
        )
    base = _load_yaml(preset_path, f"preset {preset}")
    merged = _merge(base, {k: v for k, v in data.items() if k != "preset"})
    merged["preset"] = preset
    _check_shape(merged, shown)
    return merged


def _column_spec(name: str, raw: Any) -> ColumnSpec:
    if raw is None:
        return ColumnSpec(name=name)
    if isinstance(raw, str):
        return ColumnSpec(name=name, column=raw)
    values = raw.get("values")
    return ColumnSpec(
        name=name,
        column=raw.get("column"),
        sql=raw.get("sql"),
        format=raw.get("format"),
        timezone=raw.get("timezone"),
        decimal_separator=raw.get("decimal_separator", "."),
        thousands_separator=raw.get("thousands_separator") or None,
        scale=raw.get("scale"),
        default=None if raw.get("default") is None else _text(raw["default"]),
        values=None if values is None else tuple((str(k), None if v is None else _text(v)) for k, v in values.items()),
        derive=raw.get("derive"),
        of=raw.get("of"),
        by=raw.get("by"),
        aggregate=raw.get("aggregate", "first"),
    )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_mapping(path: Path, contract: Contract | None = None) -> Mapping:
    """Read and check a mapping file against the contract (not yet against the export files).

    Args:
        path: the mapping file (``<source-dir>/mapping.yml``).
        contract: the data contract; default ``loaders/contract.yml``.

    Returns:
        The resolved ``Mapping``.

    Raises:
        MappingError: naming the key path: bad shape, unknown preset, unknown contract table or
            column, unknown export, an unmapped required column, a derivation or option that does
            not fit the column, an unknown time zone.
    """
    contract = contract or load_contract()
    path = Path(path)
    shown = path.name
    data = resolve(path)
    default_zone = _check_zone(data.get("timezone", "UTC"), "timezone", shown)
    exports: dict[str, ExportSpec] = {}
    for name, e in (data.get("exports") or {}).items():
        where = f"exports.{name}"
        if "files" not in e:
            raise MappingError(f"{where}: files is missing (a glob of the export files, e.g. '*.csv')", file=shown)
        files = (e["files"],) if isinstance(e["files"], str) else tuple(e["files"])
        fill = e.get("fill_down") or {}
        exports[name] = ExportSpec(
            name=name,
            files=files,
            columns=tuple(e.get("columns") or ()),
            extra_columns=e.get("extra_columns", "ignore"),
            timezone=_check_zone(e.get("timezone", default_zone), f"{where}.timezone", shown),
            fill_down_by=fill.get("by"),
            fill_down=tuple(fill.get("columns") or ()),
        )
    if not data.get("tables"):
        raise MappingError("tables: no contract table is fed (expected at least order_items or orders)", file=shown)
    known = {t.name: t for t in contract.tables}
    tables: dict[str, TableSpec] = {}
    for tname, t in data["tables"].items():
        where = f"tables.{tname}"
        if tname not in known:
            raise MappingError(
                f"{where}: unknown contract table {tname!r}; contract tables: {', '.join(known)}", file=shown
            )
        if t["from"] not in exports:
            raise MappingError(
                f"{where}.from: unknown export {t['from']!r}; exports: {', '.join(exports) or '(none)'}", file=shown
            )
        table = known[tname]
        given = t.get("columns") or {}
        names = set(table.column_names)
        for cname in given:
            if cname not in names:
                raise MappingError(
                    f"{where}.columns.{cname}: unknown column of contract table {tname}; "
                    f"its columns: {', '.join(table.column_names)}",
                    file=shown,
                )
        specs = tuple(_column_spec(c.name, given.get(c.name)) for c in table.columns)
        tables[tname] = TableSpec(
            name=tname, export=t["from"], one_row_per=t.get("one_row_per"), columns=specs, where=t.get("where")
        )
    for ts in tables.values():
        _check_table(ts, tables, known[ts.name], shown)
    ordered = tuple(tables[t.name] for t in contract.tables if t.name in tables)
    digest = yaml.safe_dump({k: v for k, v in data.items() if k != "shop"}, sort_keys=True, allow_unicode=True)
    shop = shop_vars(data.get("shop") or {}, tables.get("orders"), shown)
    return Mapping(path=path, preset=data.get("preset"), exports=exports, tables=ordered, digest_text=digest, shop=shop)


def is_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency code, by CLDR's list (babel, installed with
    dbt-core through agate; imported here so that loading never needs it)."""
    from babel.numbers import is_currency as known

    return known(code)


def shop_vars(shop: dict, orders: TableSpec | None, shown: str) -> dict[str, str]:
    """The dbt vars of a mapping's ``shop`` section, checked.

    ``shop.reporting_currency`` -> ``reporting_currency``, ``shop.timezone`` -> ``shop_timezone``.
    Without a declared reporting currency, a mapping that pins every order to one currency
    (``orders.currency`` is only a ``default``, read from no column) reports in that currency
    (DECISIONLOG "Shop settings beside the exports"); otherwise the dbt default applies.

    Args:
        shop: the ``shop`` section (schema-checked).
        orders: the mapping of the orders table, or None.
        shown: the mapping file's name, for messages.

    Returns:
        {dbt var: value}, only the vars the mapping decides.

    Raises:
        MappingError: an unknown IANA zone, or a currency code ISO 4217 (CLDR's list, from babel)
            does not know.
    """
    out: dict[str, str] = {}
    currency = shop.get("reporting_currency")
    if currency is None and orders is not None:
        spec = orders.column("currency")
        pinned = spec.column is None and spec.sql is None and spec.derive is None and not spec.values
        if pinned and spec.default is not None:
            currency = spec.default.strip().upper()
            if not is_currency(currency):
                raise MappingError(
                    f"tables.orders.columns.currency.default: {spec.default!r} is not an ISO 4217 currency code",
                    file=shown,
                )
    elif currency is not None and not is_currency(currency):
        raise MappingError(
            f"shop.reporting_currency: {currency!r} is not an ISO 4217 currency code (e.g. GBP, EUR)", file=shown
        )
    if currency is not None:
        out["reporting_currency"] = currency
    if "timezone" in shop:
        out["shop_timezone"] = _check_zone(shop["timezone"], "shop.timezone", shown)
    return out


def _check_table(ts: TableSpec, tables: dict[str, TableSpec], table: Any, shown: str) -> None:
    """Contract-level checks of one table's column specs (see ``read_mapping``)."""
    types = {c.name: c for c in table.columns}
    for spec in ts.columns:
        where = f"tables.{ts.name}.columns.{spec.name}"
        col = types[spec.name]
        if spec.unmapped:
            if col.required:
                raise MappingError(
                    f"{where}: required contract column has no mapping "
                    "(give an export column, sql, a default or a derivation)",
                    file=shown,
                )
            continue
        if spec.format is not None and col.type not in FORMAT_TYPES:
            raise MappingError(
                f"{where}.format: only for date or timestamp columns, {spec.name} is {col.type}", file=shown
            )
        if spec.timezone is not None:
            _check_zone(spec.timezone, f"{where}.timezone", shown)
            if col.type != "timestamp":
                raise MappingError(
                    f"{where}.timezone: only for timestamp columns, {spec.name} is {col.type}", file=shown
                )
        numeric = spec.decimal_separator != "." or spec.thousands_separator is not None or spec.scale is not None
        if numeric and col.type not in NUMBER_TYPES:
            raise MappingError(
                f"{where}: decimal_separator, thousands_separator and scale are only for numbers, "
                f"{spec.name} is {col.type}",
                file=shown,
            )
        if spec.aggregate != "first" and ts.one_row_per is None:
            raise MappingError(
                f"{where}.aggregate: only in a table with one_row_per (rows grouped from lines)", file=shown
            )
        if spec.aggregate == "sum" and col.type not in NUMBER_TYPES:
            raise MappingError(f"{where}.aggregate: sum is only for numbers, {spec.name} is {col.type}", file=shown)
        _check_derivation(spec, ts, tables, types, where, shown)


def _check_derivation(
    spec: ColumnSpec, ts: TableSpec, tables: dict[str, TableSpec], types: dict, where: str, shown: str
) -> None:
    d = spec.derive
    if d is None:
        if spec.of is not None or spec.by is not None:
            raise MappingError(f"{where}: of and by are arguments of derive", file=shown)
        return
    if spec.column is not None or spec.sql is not None:
        raise MappingError(f"{where}.derive: give a derivation or a column/sql, not both", file=shown)
    if d == "same_as":
        target = ts.column(spec.of) if spec.of in types else None
        if target is None or target.unmapped or target.derive == "same_as":
            raise MappingError(
                f"{where}.of: derive same_as needs another mapped, underived column of {ts.name} (got {spec.of!r})",
                file=shown,
            )
    elif d == "line_key":
        if spec.by is None:
            raise MappingError(f"{where}.by: derive line_key needs by: <export column grouping the lines>", file=shown)
    elif d == "discount_from_line_total":
        if ts.name != "order_items" or spec.of is None:
            raise MappingError(
                f"{where}: derive discount_from_line_total is for order_items.discount_amount, "
                "with of: <line total column>",
                file=shown,
            )
    elif d in (*GROUP_DERIVATIONS, "order_total"):
        if ts.name != "orders" or ts.one_row_per is None:
            raise MappingError(f"{where}.derive: {d} is for an orders table with one_row_per", file=shown)
        if d in GROUP_DERIVATIONS:
            items = tables.get("order_items")
            if items is None or items.export != ts.export:
                raise MappingError(
                    f"{where}.derive: {d} sums the order_items lines of the same export; "
                    f"map order_items from {ts.export}",
                    file=shown,
                )
    elif d in ("line_number", "landing_time") and ts.one_row_per is not None and d == "line_number":
        raise MappingError(f"{where}.derive: line_number is per line, not for a table with one_row_per", file=shown)
