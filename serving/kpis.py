"""KPI summary of the built warehouse, printed at the end of ``make run``.

Every figure comes from the semantic layer: the saved query ``sales_kpis_by_currency`` (gross and net
revenue, orders, net orders, customers, new customers, AOV per currency) and ``sales_daily_by_currency``
(first and last day with orders); definitions live in the metrics (dbt/models/semantic) and in
DECISIONLOG.md, never here. The top category is the first row of the category performance mart, whose
ranking the mart defines.

CLI: ``python -m serving kpis [--database PATH] [--manifest PATH] [--docs PATH]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from serving.marts import Marts
from serving.semantic import (
    ROOT,
    SemanticLayer,
    SemanticLayerError,
    default_database_path,
    default_manifest_path,
)

#: Saved queries the summary reads (dbt/models/marts/_marts__saved_queries.yml).
KPI_QUERY = "sales_kpis_by_currency"
DAILY_QUERY = "sales_daily_by_currency"


@dataclass(frozen=True)
class KpiSummary:
    """Headline KPIs of one currency over the whole order history.

    Attributes:
        currency: ISO 4217 code.
        first_order_date / last_order_date: ISO dates of the first and last day with orders.
        gross_sales_amount: metric ``revenue`` (quantity x unit price over all orders).
        net_sales_amount: metric ``net_revenue`` (gross - discounts - cancellations - returns).
        order_count: metric ``orders``; net_order_count: metric ``net_orders`` (neither cancelled nor returned).
        customer_count: metric ``customers`` (known customers with a valid order).
        new_customer_count: metric ``new_customers``.
        average_order_value_amount: metric ``aov`` rounded half-up to cents; None without net orders.
        top_category: category ranked first by the category performance mart, None when it has none;
            top_category_net_sales_amount its net sales.
    """

    currency: str
    first_order_date: str
    last_order_date: str
    gross_sales_amount: Decimal
    net_sales_amount: Decimal
    order_count: int
    net_order_count: int
    customer_count: int
    new_customer_count: int
    average_order_value_amount: Decimal | None
    top_category: str | None
    top_category_net_sales_amount: Decimal | None


def compute_kpis(layer: SemanticLayer) -> list[KpiSummary]:
    """The headline KPIs per currency, from the saved queries of the semantic layer.

    Args:
        layer: an open semantic layer over a built warehouse.

    Returns:
        One ``KpiSummary`` per currency with orders, sorted by currency; empty without orders.

    Raises:
        MissingMartError: the marts behind the saved queries are not built.
    """
    kpis = layer.query(saved_query=KPI_QUERY).records()
    daily = layer.query(saved_query=DAILY_QUERY).records()
    top = Marts(layer).top_category_by_currency()
    days: dict[str, list] = {}
    for row in daily:
        if row["orders"]:
            days.setdefault(row["order__currency"], []).append(row["metric_time__day"])
    summaries = []
    for row in sorted(kpis, key=lambda r: r["order__currency"]):
        currency = row["order__currency"]
        if not row["orders"]:
            continue
        aov = row["aov"]
        category, category_net = top.get(currency, (None, None))
        summaries.append(
            KpiSummary(
                currency=currency,
                first_order_date=min(days[currency]).isoformat(),
                last_order_date=max(days[currency]).isoformat(),
                gross_sales_amount=Decimal(row["revenue"]),
                net_sales_amount=Decimal(row["net_revenue"]),
                order_count=int(row["orders"]),
                net_order_count=int(row["net_orders"] or 0),
                customer_count=int(row["customers"] or 0),
                new_customer_count=int(row["new_customers"] or 0),
                average_order_value_amount=None
                if aov is None
                else Decimal(str(aov)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                top_category=category,
                top_category_net_sales_amount=category_net,
            )
        )
    return summaries


def _money(value: Decimal | None, currency: str) -> str:
    return "n/a" if value is None else f"{value:,.2f} {currency}"


def format_summary(summaries: Sequence[KpiSummary], database: Path, docs_index: Path) -> str:
    """Render the KPI summary as the text ``make run`` prints.

    Args:
        summaries: output of ``compute_kpis``.
        database: the warehouse file (shown to the user).
        docs_index: the dbt docs site's ``index.html`` (shown, with a note if not generated).

    Returns:
        Multi-line text ending with a newline.
    """
    lines = ["", f"KPI summary (saved query {KPI_QUERY}; definitions in the semantic layer and DECISIONLOG.md)"]
    if not summaries:
        lines.append("  no orders in the warehouse")
    for s in summaries:
        lines += [
            f"  [{s.currency}] orders placed {s.first_order_date} .. {s.last_order_date}",
            f"    gross sales      {_money(s.gross_sales_amount, s.currency)}",
            f"    net sales        {_money(s.net_sales_amount, s.currency)}"
            "  (net of discounts, cancellations, returns)",
            f"    orders           {s.order_count:,} placed, {s.net_order_count:,} net of cancellations and returns",
            f"    customers        {s.customer_count:,} with a valid order, {s.new_customer_count:,} new",
            f"    AOV              {_money(s.average_order_value_amount, s.currency)}  (net sales / net orders)",
            f"    top category     {s.top_category or 'n/a'} "
            f"({_money(s.top_category_net_sales_amount, s.currency)} net sales)",
        ]
    docs_note = "" if docs_index.is_file() else "  (not generated yet: `dbt docs generate`)"
    lines += [
        "",
        f"  warehouse file   {database}",
        f"  docs site        {docs_index}{docs_note}",
        "                   serve it with `make docs` (http://127.0.0.1:8080)",
        "  explore          `make bi` (app), `make api` (metrics API)",
        "",
    ]
    return "\n".join(lines)


def _docs_index_default() -> Path:
    target = os.environ.get("DBT_TARGET_PATH")
    if target:
        target_path = Path(target)
        return (target_path if target_path.is_absolute() else ROOT / "dbt" / target_path) / "index.html"
    return ROOT / "dbt" / "target" / "index.html"


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry: print the KPI summary of the warehouse at ``DUCKDB_PATH``.

    Args:
        argv: arguments after ``kpis``: ``--database PATH`` (default: env DUCKDB_PATH, else
            build/warehouse.duckdb), ``--manifest PATH`` (default: the dbt target's semantic_manifest.json),
            ``--docs PATH`` (the docs site's index.html; default beside the manifest's target).

    Returns:
        0 on success; 2 when the warehouse or the manifest is missing or the marts are not built
        (one-line message on stderr).
    """
    parser = argparse.ArgumentParser(prog="python -m serving kpis", description="Print the warehouse's KPI summary.")
    parser.add_argument("--database", type=Path, default=default_database_path())
    parser.add_argument("--manifest", type=Path, default=None)
    parser.add_argument("--docs", type=Path, default=None)
    args = parser.parse_args(list(argv) if argv is not None else sys.argv[1:])
    database = args.database.resolve()
    docs_index = args.docs or _docs_index_default()
    try:
        layer = SemanticLayer(args.manifest or default_manifest_path(), database)
        try:
            summaries = compute_kpis(layer)
        finally:
            layer.close()
    except SemanticLayerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(format_summary(summaries, database, docs_index))
    return 0
