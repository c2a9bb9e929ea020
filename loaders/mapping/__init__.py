"""Bring your own export: a mapping file beside a shop's exports maps them to the data contract.

A source directory holding ``mapping.yml`` is read through it: each export file the mapping
names feeds one or more contract tables (``plan``), transformed in DuckDB SQL
(``loaders.mapping.transform``) and then validated, quarantined and landed by the same path as
any landing file, with the export's own file name and physical lines as provenance. Shipped
presets (``presets/*.yml``) cover common export shapes; ``explain`` prints what a mapping does.
The format is documented in docs/your-own-data.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from loaders.contract import Contract, Table, load_contract
from loaders.mapping.spec import MAPPING_FILE, Mapping, MappingError, available_presets, read_mapping
from loaders.mapping.transform import MappedFeed, export_files, mapped_file, read_header

__all__ = [
    "MAPPING_FILE",
    "MappedFeed",
    "Mapping",
    "MappingError",
    "available_presets",
    "explain",
    "find_mapping",
    "mapped_file",
    "plan",
    "read_mapping",
    "shop_dbt_vars",
]


def find_mapping(root: Path) -> Path | None:
    """The mapping file of a source directory (``<root>/mapping.yml``), or None."""
    path = Path(root) / MAPPING_FILE
    return path if path.is_file() else None


def plan(
    root: Path, contract: Contract, selected: Sequence[Table]
) -> tuple[Mapping, list[tuple[Table, Path, MappedFeed]]] | None:
    """The mapped landings of a source directory, or None when it has no mapping file.

    Args:
        root: the source directory (resolved).
        contract: the data contract.
        selected: the tables the run covers.

    Returns:
        (the mapping, [(contract table, export file, feed)] in contract order then path order).

    Raises:
        MappingError: the mapping file is invalid (see ``read_mapping``).
    """
    path = find_mapping(root)
    if path is None:
        return None
    mapping = read_mapping(path, contract)
    wanted = {t.name for t in selected}
    out = []
    for ts in mapping.tables:
        if ts.name not in wanted:
            continue
        export = mapping.exports[ts.export]
        table = contract.table(ts.name)
        for p in export_files(mapping, export):
            source_file = p.relative_to(root).as_posix()
            out.append((table, p, MappedFeed(mapping, table, ts, export, p, source_file)))
    return mapping, out


def shop_dbt_vars(root: Path, explicit: str | None = None, contract: Contract | None = None) -> dict:
    """The dbt vars of a source directory's shop (``mapping.yml``, section ``shop``) under the
    explicit ones: what ``make run`` passes to dbt as ``--vars``.

    Args:
        root: the source directory (a directory without a mapping file has no shop vars).
        explicit: dbt vars as YAML or JSON text (the Makefile's ``DBT_VARS``), or None/empty.
        contract: the data contract; default ``loaders/contract.yml``.

    Returns:
        {var: value}: the mapping's ``reporting_currency`` and ``shop_timezone`` (see
        ``loaders.mapping.spec.shop_vars``), overridden key by key by ``explicit``.

    Raises:
        MappingError: an invalid mapping file, or ``explicit`` that is not a YAML mapping.
    """
    path = find_mapping(Path(root))
    out: dict = {} if path is None else dict(read_mapping(path, contract or load_contract()).shop)
    if explicit and explicit.strip():
        try:
            given = yaml.safe_load(explicit)
        except yaml.YAMLError as e:
            raise MappingError(f"DBT_VARS is not valid YAML ({getattr(e, 'problem', e)}): {explicit!r}") from e
        if not isinstance(given, dict):
            raise MappingError(
                f"DBT_VARS must be a mapping of var: value, e.g. '{{reporting_currency: EUR}}'; got {explicit!r}"
            )
        out.update(given)
    return out


def explain(root: Path, contract: Contract | None = None) -> str:
    """What the mapping of ``root`` would do, as text: the resolved preset and overrides, per
    export its files, and per contract table and column the source expression. Each export
    file's header is checked against the mapping (its values are not read).

    Raises:
        MappingError: no mapping file in ``root``, an invalid one, or a column it names that an
            export file lacks.
        SchemaMismatchError: an export file with extra columns under ``extra_columns: reject``.
    """
    contract = contract or load_contract()
    root = Path(root).resolve()
    path = find_mapping(root)
    if path is None:
        raise MappingError(f"no {MAPPING_FILE} in this source directory: the contract's file layout applies", file=root)
    mapping = read_mapping(path, contract)
    lines = [
        f"mapping {path}" + (f" (preset {mapping.preset}, overridden by the file's keys)" if mapping.preset else "")
    ]
    if mapping.shop:
        lines.append("shop (dbt vars for make run): " + ", ".join(f"{k}={v}" for k, v in sorted(mapping.shop.items())))
    for _, path, feed in plan(root, contract, contract.tables)[1]:
        feed.check_header(read_header(path, feed.source_file))  # each file's header fits the mapping
    for e in mapping.exports.values():
        files = [p.relative_to(mapping.root).as_posix() for p in export_files(mapping, e)]
        lines.append(
            f"export {e.name}: {', '.join(e.files)} -> {', '.join(files) or 'no file found'}; "
            f"naive timestamps in {e.timezone}; extra columns: {e.extra_columns}"
            + (f"; {', '.join(e.fill_down)} filled down by {e.fill_down_by}" if e.fill_down_by else "")
        )
    for ts in mapping.tables:
        grain = f"one row per {ts.one_row_per!r}" if ts.one_row_per else "one row per line"
        lines.append(
            f"table {ts.name} <- export {ts.export} ({grain})" + (f"; records where {ts.where}" if ts.where else "")
        )
        width = max(len(c.name) for c in ts.columns)
        for c in ts.columns:
            lines.append(f"  {c.name:<{width}} = {describe(c, ts.one_row_per is not None)}")
    return "\n".join(lines)


def describe(c, grouped: bool) -> str:
    """One column spec as a short source expression (``explain``)."""
    if c.unmapped:
        return "(empty)"
    if c.derive is not None:
        arg = {"same_as": c.of, "line_key": c.by, "discount_from_line_total": c.of}.get(c.derive)
        text = f"derive {c.derive}" + (f"({arg})" if arg else "")
    elif c.sql is not None:
        text = f"sql {c.sql}"
    elif c.column is not None:
        text = f'"{c.column}"'
    else:
        text = ""
    opts = []
    if c.values:
        shown = ", ".join(f"{k}->{v}" for k, v in c.values[:4])
        opts.append(f"values {shown}" + (f" and {len(c.values) - 4} more" if len(c.values) > 4 else ""))
    if c.format:
        opts.append(f"format {c.format!r}")
    if c.timezone:
        opts.append(f"time zone {c.timezone}")
    if c.decimal_separator != "." or c.thousands_separator:
        opts.append(f"decimal {c.decimal_separator!r} thousands {c.thousands_separator!r}")
    if c.scale is not None:
        opts.append(f"rounded to {c.scale} decimals")
    if c.default is not None:
        opts.append(f"default {c.default!r}")
    if grouped and c.derive is None:
        opts.append(f"{c.aggregate} over the lines")
    return "; ".join(x for x in (text, *opts) if x)
