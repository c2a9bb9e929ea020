"""KPI summary of the built warehouse, printed at the end of ``make run``.

Every figure comes from the semantic layer: the saved query ``sales_kpis_by_currency`` (gross and net
revenue, orders, net orders, customers, new customers, AOV per currency) and ``sales_daily_by_currency``
(first and last day with orders), and the prediction metrics ``forecast_revenue``, ``predicted_clv`` and
``clv_customers`` when the prediction marts are built; definitions live in the metrics (beside each mart's
YAML) and in DECISIONLOG.md, never here. The top category is the category with the highest
``product_net_revenue`` per currency (saved query ``product_sales_by_category``; ties by category name).

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

from serving.semantic import (
    ROOT,
    MissingMartError,
    SemanticLayer,
    SemanticLayerError,
    default_database_path,
    default_manifest_path,
)

#: Saved queries the summary reads (dbt/models/marts/_marts__saved_queries.yml).
KPI_QUERY = "sales_kpis_by_currency"
DAILY_QUERY = "sales_daily_by_currency"
CATEGORY_QUERY = "product_sales_by_category"
REPORTING_QUERY = "sales_kpis_reporting"
REPORTING_CATEGORY_QUERY = "product_sales_by_category_reporting"
REPORTING_CURRENCY = "order__reporting_currency"
#: Prediction metrics and their currency dimensions (dbt/models/marts/predictions/).
FORECAST_METRIC = "forecast_revenue"
FORECAST_CURRENCY = "revenue_forecast_day__forecast_currency"
CLV_METRICS = ("predicted_clv", "clv_customers")
CLV_CURRENCY = "customer_clv__clv_currency"


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
        top_category: category with the highest metric ``product_net_revenue`` in this currency (ties by name),
            None when no order line has a category; top_category_net_sales_amount its net revenue.
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


@dataclass(frozen=True)
class PredictionSummary:
    """What the prediction marts publish for one currency.

    Attributes:
        currency: ISO 4217 code.
        forecast_first_date / forecast_last_date: ISO dates of the forecast horizon; None without a forecast.
        forecast_net_sales_amount: metric ``forecast_revenue`` summed over the horizon (published model only).
        clv_customer_count: metric ``clv_customers``; predicted_clv_amount: metric ``predicted_clv``.
    """

    currency: str
    forecast_first_date: str | None
    forecast_last_date: str | None
    forecast_net_sales_amount: Decimal | None
    clv_customer_count: int
    predicted_clv_amount: Decimal | None


def compute_predictions(layer: SemanticLayer) -> list[PredictionSummary]:
    """The forecast and CLV totals per currency, from the prediction metrics of the semantic layer.

    Args:
        layer: an open semantic layer over a built warehouse.

    Returns:
        One ``PredictionSummary`` per currency with a forecast or scored customers, sorted by currency;
        empty when the manifest has no prediction metrics, the marts are not built, or they are empty.
    """
    if not (layer.has_metric(FORECAST_METRIC) and all(layer.has_metric(m) for m in CLV_METRICS)):
        return []
    try:
        days = layer.query([FORECAST_METRIC], group_by=[FORECAST_CURRENCY], grain="day").records()
        clv = layer.query(list(CLV_METRICS), group_by=[CLV_CURRENCY]).records()
    except MissingMartError:
        return []
    forecast: dict[str, list] = {}
    for row in days:
        if row[FORECAST_METRIC] is not None:
            forecast.setdefault(row[FORECAST_CURRENCY], []).append(row)
    scored = {row[CLV_CURRENCY]: row for row in clv if row["clv_customers"]}
    summaries = []
    for currency in sorted(set(forecast) | set(scored)):
        rows = forecast.get(currency, [])
        customers = scored.get(currency, {})
        summaries.append(
            PredictionSummary(
                currency=currency,
                forecast_first_date=min(r["metric_time__day"] for r in rows).isoformat() if rows else None,
                forecast_last_date=max(r["metric_time__day"] for r in rows).isoformat() if rows else None,
                forecast_net_sales_amount=sum((Decimal(r[FORECAST_METRIC]) for r in rows), Decimal(0))
                if rows
                else None,
                clv_customer_count=int(customers.get("clv_customers") or 0),
                predicted_clv_amount=None
                if customers.get("predicted_clv") is None
                else Decimal(customers["predicted_clv"]),
            )
        )
    return summaries


def _top_category_by_currency(layer: SemanticLayer) -> dict[str, tuple[str, Decimal]]:
    """{currency: (category, net revenue)} of the category with the most ``product_net_revenue``; empty when the
    order lines are not built."""
    try:
        rows = layer.query(saved_query=CATEGORY_QUERY).records()
    except MissingMartError:
        return {}
    top: dict[str, tuple[str, Decimal]] = {}
    ranked = sorted(
        (r for r in rows if r["product__category"] is not None and r["product_net_revenue"] is not None),
        key=lambda r: (r["order__currency"], -r["product_net_revenue"], r["product__category"]),
    )
    for r in ranked:
        top.setdefault(r["order__currency"], (r["product__category"], Decimal(r["product_net_revenue"])))
    return top


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
    top = _top_category_by_currency(layer)
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


def compute_reporting_kpis(layer: SemanticLayer) -> KpiSummary | None:
    """The headline KPIs over every currency in the reporting currency, from the semantic layer.

    Gross and net sales, AOV and the top category's net revenue are the metrics ``revenue_reporting``,
    ``net_revenue_reporting``, ``aov_reporting`` and ``product_net_revenue_reporting`` (each order converted at
    its order day's rate, then summed); order and customer counts are those of ``compute_kpis`` without the
    currency split (a customer who ordered in two currencies counts once).

    Args:
        layer: an open semantic layer over a built warehouse.

    Returns:
        A ``KpiSummary`` whose ``currency`` is the reporting currency; None without orders or when the manifest
        has no ``sales_kpis_reporting`` saved query.

    Raises:
        MissingMartError: the marts behind the saved queries are not built.
    """
    if REPORTING_QUERY not in {q.name for q in layer.saved_queries()}:
        return None
    rows = [r for r in layer.query(saved_query=REPORTING_QUERY).records() if r["orders"]]
    if not rows:
        return None
    (row,) = rows
    days = [r["metric_time__day"] for r in layer.query(saved_query=DAILY_QUERY).records() if r["orders"]]
    category, category_net = None, None
    try:
        categories = layer.query(saved_query=REPORTING_CATEGORY_QUERY).records()
    except MissingMartError:
        categories = []
    ranked = sorted(
        (
            r
            for r in categories
            if r["product__category"] is not None and r["product_net_revenue_reporting"] is not None
        ),
        key=lambda r: (-r["product_net_revenue_reporting"], r["product__category"]),
    )
    if ranked:
        category, category_net = ranked[0]["product__category"], Decimal(ranked[0]["product_net_revenue_reporting"])
    aov = row["aov_reporting"]
    return KpiSummary(
        currency=row[REPORTING_CURRENCY],
        first_order_date=min(days).isoformat(),
        last_order_date=max(days).isoformat(),
        gross_sales_amount=Decimal(row["revenue_reporting"]),
        net_sales_amount=Decimal(row["net_revenue_reporting"]),
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


def _money(value: Decimal | None, currency: str) -> str:
    return "n/a" if value is None else f"{value:,.2f} {currency}"


def format_summary(
    summaries: Sequence[KpiSummary],
    database: Path,
    docs_index: Path,
    predictions: Sequence[PredictionSummary] = (),
    reporting: KpiSummary | None = None,
) -> str:
    """Render the KPI summary as the text ``make run`` prints.

    Args:
        summaries: output of ``compute_kpis``.
        predictions: output of ``compute_predictions`` (a line "not built" when empty).
        reporting: output of ``compute_reporting_kpis``: every currency in the reporting currency, shown first
            when there is more than one currency or the only one is not the reporting currency.
        database: the warehouse file (shown to the user).
        docs_index: the dbt docs site's ``index.html`` (shown, with a note if not generated).

    Returns:
        Multi-line text ending with a newline.
    """
    queries = f"saved queries {REPORTING_QUERY}, {KPI_QUERY}" if reporting is not None else f"saved query {KPI_QUERY}"
    lines = ["", f"KPI summary ({queries}; definitions in the semantic layer and DECISIONLOG.md)"]
    if not summaries:
        lines.append("  no orders in the warehouse")
    blocks = [(f"{s.currency}", s) for s in summaries]
    if reporting is not None and [s.currency for s in summaries] != [reporting.currency]:
        blocks.insert(0, (f"all currencies in {reporting.currency}", reporting))
    for label, s in blocks:
        lines += [
            f"  [{label}] orders placed {s.first_order_date} .. {s.last_order_date}",
            f"    gross sales      {_money(s.gross_sales_amount, s.currency)}",
            f"    net sales        {_money(s.net_sales_amount, s.currency)}"
            "  (net of discounts, cancellations, returns)",
            f"    orders           {s.order_count:,} placed, {s.net_order_count:,} net of cancellations and returns",
            f"    customers        {s.customer_count:,} with a valid order, {s.new_customer_count:,} new",
            f"    AOV              {_money(s.average_order_value_amount, s.currency)}  (net sales / net orders)",
            f"    top category     {s.top_category or 'n/a'} "
            f"({_money(s.top_category_net_sales_amount, s.currency)} net sales)",
        ]
    if not predictions:
        lines.append("  predictions      not built (`make run` fits them after the marts)")
    for p in predictions:
        if p.forecast_net_sales_amount is not None:
            lines.append(
                f"  [{p.currency}] forecast net sales {p.forecast_first_date} .. {p.forecast_last_date}: "
                f"{_money(p.forecast_net_sales_amount, p.currency)}"
            )
        if p.clv_customer_count:
            lines.append(
                f"  [{p.currency}] predicted CLV      {_money(p.predicted_clv_amount, p.currency)} "
                f"over {p.clv_customer_count:,} customers"
            )
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
            reporting = compute_reporting_kpis(layer)
            predictions = compute_predictions(layer)
        finally:
            layer.close()
    except SemanticLayerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(format_summary(summaries, database, docs_index, predictions, reporting))
    return 0
