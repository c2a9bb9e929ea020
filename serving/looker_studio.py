"""Looker Studio reports of the dbt exposures: Linking API URLs and the partition-filter check.

Looker Studio reports cannot be defined as code; the Linking API (``/reporting/create``) opens a copy of a
template report with its data sources replaced by the URL's ``ds.<alias>.*`` parameters. This module reads
a dbt ``manifest.json`` parsed for the BigQuery target and gives, per exposure, one BigQuery data source per
model it depends on (project, dataset, table; ``isPartitioned=true`` on day-partitioned tables, so the
partition column becomes the report's date range dimension and every chart's query filters on it) and the
URL. ``unsupplied_partition_filters`` lists the exposure tables whose ``require_partition_filter`` a report
cannot supply (no date range on a time partition). Recipe: docs/looker-studio.md.

CLI: ``python -m serving looker-studio [--manifest PATH] [--report-id EXPOSURE=ID ...]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CREATE_URL = "https://lookerstudio.google.com/reporting/create"

#: BigQuery partition types whose column Looker Studio can use as the date range dimension.
TIME_PARTITION_TYPES = {"date", "timestamp", "datetime"}


@dataclass(frozen=True)
class DataSource:
    """One BigQuery table of a report.

    Attributes:
        alias: the data source alias in the template report: ``ds0``, ``ds1``... in the exposure's ``depends_on``
            order (Looker Studio's default aliases, in the order the template's sources were added).
        model: dbt model name; project, dataset, table: its BigQuery relation.
        partition_field / partition_type: the partition column and its type (None when not partitioned).
        require_partition_filter: BigQuery refuses queries on it without a filter on the partition column.
        date_dimension: the column to use as the report's date range dimension (the partition column, else the
            first ``*_date`` column), None when the table has no date.
    """

    alias: str
    model: str
    project: str
    dataset: str
    table: str
    partition_field: str | None
    partition_type: str | None
    require_partition_filter: bool
    date_dimension: str | None

    @property
    def is_time_partitioned(self) -> bool:
        """Partitioned on a date/timestamp column (usable as the date range dimension)."""
        return self.partition_field is not None and (self.partition_type or "date") in TIME_PARTITION_TYPES

    def parameters(self) -> dict[str, str]:
        """The ``ds.<alias>.*`` Linking API parameters of this source (BigQuery connector, table type)."""
        prefix = f"ds.{self.alias}."
        params = {
            "connector": "bigQuery",
            "type": "TABLE",
            "projectId": self.project,
            "datasetId": self.dataset,
            "tableId": self.table,
        }
        if self.is_time_partitioned:
            params["isPartitioned"] = "true"
        return {prefix + key: value for key, value in params.items()}


def load_manifest(path: Path) -> dict[str, Any]:
    """A dbt ``manifest.json`` (parse it with ``--target bigquery`` for the production relations)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _source(node: Mapping[str, Any], alias: str) -> DataSource:
    config = node.get("config", {})
    partition = config.get("partition_by") or {}
    field = partition.get("field") if isinstance(partition, dict) else None
    columns = list(node.get("columns", {}))
    first_date = next((c for c in columns if c.endswith("_date")), None)
    return DataSource(
        alias=alias,
        model=node["name"],
        project=node["database"],
        dataset=node["schema"],
        table=node.get("alias") or node["name"],
        partition_field=field,
        partition_type=(partition.get("data_type") or "date").lower() if field else None,
        require_partition_filter=bool(config.get("require_partition_filter")),
        date_dimension=field or first_date,
    )


def exposure_sources(manifest: Mapping[str, Any]) -> dict[str, list[DataSource]]:
    """Per exposure name, the data sources of the models it depends on, in ``depends_on`` order.

    Returns:
        {exposure name: [DataSource, ...]} for every exposure of the manifest.
    """
    out: dict[str, list[DataSource]] = {}
    for exposure in manifest.get("exposures", {}).values():
        models = [uid for uid in exposure["depends_on"]["nodes"] if uid.startswith("model.")]
        out[exposure["name"]] = [_source(manifest["nodes"][uid], f"ds{i}") for i, uid in enumerate(models)]
    return out


def linking_url(report_name: str, sources: Sequence[DataSource], template_report_id: str | None = None) -> str:
    """The Linking API URL that copies the template report onto ``sources``.

    Args:
        report_name: ``r.reportName`` of the copy.
        sources: its data sources (aliases must match the template's data source aliases).
        template_report_id: ``c.reportId`` of the template; without it Looker Studio starts from its default.

    Returns:
        The URL (parameters percent-encoded).
    """
    params: dict[str, str] = {}
    if template_report_id:
        params["c.reportId"] = template_report_id
    params["r.reportName"] = report_name
    for source in sources:
        params.update(source.parameters())
    return f"{CREATE_URL}?{urllib.parse.urlencode(params, quote_via=urllib.parse.quote)}"


def unsupplied_partition_filters(manifest: Mapping[str, Any]) -> list[str]:
    """Exposure tables with ``require_partition_filter`` that a Looker Studio report cannot filter.

    A report supplies the partition filter only through its date range dimension, which the Linking API
    sets from a date/timestamp partition (``isPartitioned=true``); a table partitioned on anything else
    (integer range) or not partitioned at all cannot get it.

    Returns:
        One ``"<exposure>: <model> (...)"`` line per offending table; empty when every table is fine.
    """
    problems = []
    for exposure, sources in sorted(exposure_sources(manifest).items()):
        for source in sources:
            if source.require_partition_filter and not source.is_time_partitioned:
                problems.append(
                    f"{exposure}: {source.model} requires a partition filter on "
                    f"{source.partition_field or '(no partition)'} ({source.partition_type or 'none'}), "
                    "which a report's date range cannot supply"
                )
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry: print each exposure's Linking API URL and its data sources.

    Args:
        argv: ``--manifest PATH`` (a manifest parsed with ``--target bigquery``), ``--report-id EXPOSURE=ID``
            (repeatable: the template report of an exposure).

    Returns:
        0; 1 when an exposure reads a table whose partition filter a report cannot supply.
    """
    parser = argparse.ArgumentParser(prog="python -m serving looker-studio", description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--report-id", action="append", default=[], metavar="EXPOSURE=ID")
    args = parser.parse_args(list(argv) if argv is not None else sys.argv[1:])
    manifest = load_manifest(args.manifest)
    report_ids = dict(item.split("=", 1) for item in args.report_id)
    labels = {e["name"]: e.get("label") or e["name"] for e in manifest.get("exposures", {}).values()}
    for exposure, sources in sorted(exposure_sources(manifest).items()):
        print(f"{exposure}:")
        for s in sources:
            date = f"date range dimension {s.date_dimension}" if s.date_dimension else "no date column"
            partition = " (isPartitioned)" if s.is_time_partitioned else ""
            print(f"  {s.alias} = {s.model}: {s.project}.{s.dataset}.{s.table}, {date}{partition}")
        print(f"  url: {linking_url(labels[exposure], sources, report_ids.get(exposure))}")
    problems = unsupplied_partition_filters(manifest)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0
