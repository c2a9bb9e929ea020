"""KPI summary of the built warehouse, printed at the end of ``make run``.

Reads the marts (``marts.fct_orders``, ``marts.fct_order_items``, ``marts.dim_products``) from
the DuckDB file at ``DUCKDB_PATH`` through a read-only connection and prints, per currency:
gross and net sales, orders, customers, AOV and the top category by net sales, then where the
warehouse file and the dbt docs site are.

Definitions are the marts' (see DECISIONLOG.md): net sales = gross - discounts - cancellations
- returns; AOV = net sales / net orders (neither cancelled nor returned); customers = known
customers with at least one valid (not cancelled) order.

CLI: ``python -m loaders kpis [--database PATH] [--docs PATH]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = ROOT / "build" / "warehouse.duckdb"

#: Label of products missing from the catalogue feed (inferred members have no category).
UNKNOWN_CATEGORY = "(unknown)"


class KpiError(RuntimeError):
    """The warehouse file is missing or its marts are not built."""


@dataclass(frozen=True)
class KpiSummary:
    """Headline KPIs of one currency over the whole order history.

    Attributes:
        currency: ISO 4217 code.
        first_order_date / last_order_date: ISO dates of the first and last order.
        gross_sales_amount: quantity x unit price over all orders.
        net_sales_amount: gross - discounts - cancellations - returns.
        order_count: all orders placed; net_order_count: neither cancelled nor returned.
        customer_count: known customers with at least one valid (not cancelled) order.
        average_order_value_amount: net sales / net orders, rounded to cents; None without net orders.
        top_category: category with the highest net sales (``(unknown)`` for products missing
            from the catalogue), None without sales; top_category_net_sales_amount its net sales.
    """

    currency: str
    first_order_date: str
    last_order_date: str
    gross_sales_amount: Decimal
    net_sales_amount: Decimal
    order_count: int
    net_order_count: int
    customer_count: int
    average_order_value_amount: Decimal | None
    top_category: str | None
    top_category_net_sales_amount: Decimal | None


_SUMMARY_SQL = """
select
    currency,
    cast(min(order_date) as varchar) as first_order_date,
    cast(max(order_date) as varchar) as last_order_date,
    sum(gross_sales_amount) as gross_sales_amount,
    sum(net_sales_amount) as net_sales_amount,
    count(*) as order_count,
    count(*) filter (where not is_cancelled and not is_returned) as net_order_count,
    count(distinct customer_id) filter (where not is_cancelled) as customer_count
from marts.fct_orders
group by currency
order by currency
"""

_TOP_CATEGORY_SQL = f"""
with by_category as (
    select
        items.currency,
        coalesce(products.category, '{UNKNOWN_CATEGORY}') as category,
        sum(items.net_sales_amount) as net_sales_amount
    from marts.fct_order_items as items
    left join marts.dim_products as products on items.product_id = products.product_id
    group by 1, 2
)
select currency, category, net_sales_amount
from by_category
qualify row_number() over (partition by currency order by net_sales_amount desc, category) = 1
"""


def compute_kpis(con: duckdb.DuckDBPyConnection) -> list[KpiSummary]:
    """Compute the headline KPIs per currency from the marts.

    Args:
        con: a DuckDB connection to a built warehouse (read-only is enough).

    Returns:
        One ``KpiSummary`` per currency present in ``marts.fct_orders``, sorted by currency;
        an empty list when there are no orders.

    Raises:
        KpiError: the marts do not exist (dbt has not built them).
    """
    try:
        rows = con.execute(_SUMMARY_SQL).fetchall()
        top = {r[0]: (r[1], r[2]) for r in con.execute(_TOP_CATEGORY_SQL).fetchall()}
    except duckdb.CatalogException as exc:
        raise KpiError(f"the marts are not built ({exc}); run `make build` (or `make run`) first") from exc
    summaries = []
    for currency, first, last, gross, net, orders, net_orders, customers in rows:
        aov = (net / net_orders).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if net_orders else None
        category, category_net = top.get(currency, (None, None))
        summaries.append(
            KpiSummary(
                currency=currency,
                first_order_date=first,
                last_order_date=last,
                gross_sales_amount=gross,
                net_sales_amount=net,
                order_count=orders,
                net_order_count=net_orders,
                customer_count=customers,
                average_order_value_amount=aov,
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
    lines = ["", "KPI summary (marts.fct_orders; definitions in DECISIONLOG.md)"]
    if not summaries:
        lines.append("  no orders in the warehouse")
    for s in summaries:
        lines += [
            f"  [{s.currency}] orders placed {s.first_order_date} .. {s.last_order_date}",
            f"    gross sales      {_money(s.gross_sales_amount, s.currency)}",
            f"    net sales        {_money(s.net_sales_amount, s.currency)}"
            "  (net of discounts, cancellations, returns)",
            f"    orders           {s.order_count:,} placed, {s.net_order_count:,} net of cancellations and returns",
            f"    customers        {s.customer_count:,} with a valid order",
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
        argv: arguments after ``kpis`` (defaults to ``sys.argv[1:]``): ``--database PATH``
            (default: env DUCKDB_PATH, else build/warehouse.duckdb), ``--docs PATH`` (the docs
            site's index.html; default: $DBT_TARGET_PATH/index.html, else dbt/target/index.html).

    Returns:
        0 on success; 2 when the warehouse file is missing or its marts are not built
        (one-line message on stderr).
    """
    parser = argparse.ArgumentParser(prog="python -m loaders kpis", description="Print the warehouse's KPI summary.")
    parser.add_argument("--database", type=Path, default=Path(os.environ.get("DUCKDB_PATH", DEFAULT_DATABASE)))
    parser.add_argument("--docs", type=Path, default=None)
    args = parser.parse_args(list(argv) if argv is not None else sys.argv[1:])
    database = args.database.resolve()
    docs_index = args.docs or _docs_index_default()
    if not database.is_file():
        print(f"error: warehouse file {database} does not exist; run `make run` first", file=sys.stderr)
        return 2
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            summaries = compute_kpis(con)
    except (KpiError, duckdb.IOException) as exc:
        print(f"error: {database}: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(format_summary(summaries, database, docs_index))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
