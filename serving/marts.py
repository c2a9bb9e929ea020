"""Rows of the marts that the semantic layer has no metric for, read as the marts computed them.

Product rankings, support backlog, the funnel steps before purchase, spike alerts and the prediction
marts have no semantic model yet: these readers select their rows (filtered by date, category or
channel, summed over days where a chart needs a period total) and never define a KPI of their own.
Each reader returns ``None`` when its mart is absent, so a consumer can show an empty state.
Mart names are looked up among the known spellings (``dim_product_performance`` or
``product_performance``), in the schema and database of the semantic manifest's relations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from serving.semantic import ReadOnlyDuckDBClient, SemanticLayer

#: Marts by role, each with the names it is known by (current first).
MART_NAMES: dict[str, tuple[str, ...]] = {
    "product_performance": ("dim_product_performance", "product_performance"),
    "category_performance": ("dim_product_category_performance", "product_category_performance"),
    "support_daily": ("fct_support_daily",),
    "web_conversion_daily": ("fct_web_conversion_daily",),
    "product_alerts": ("fct_product_alerts",),
    "customer_clv": ("dim_customer_clv",),
    "revenue_forecast": ("fct_revenue_forecast_daily",),
}


@dataclass(frozen=True)
class Rows:
    """Rows of one mart read: column names (lower case) and tuples in that order."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class Marts:
    """Read-only access to mart rows through the semantic layer's warehouse connection.

    Args:
        layer: the open semantic layer (its client, database alias and the marts' schema are reused).
    """

    def __init__(self, layer: SemanticLayer) -> None:
        self.client: ReadOnlyDuckDBClient = layer.client
        self.database = layer.alias
        schemas = {m.node_relation.schema_name for m in layer.manifest.semantic_models}
        self.schema = sorted(schemas)[0] if len(schemas) == 1 else "marts"
        _, tables = self.client.select(
            "select table_name from information_schema.tables where table_catalog = ? and table_schema = ?",
            [self.database, self.schema],
        )
        self._present = {name for (name,) in tables}

    def relation(self, role: str) -> str | None:
        """Quoted relation of the mart playing ``role`` (a key of ``MART_NAMES``), None when not built."""
        for name in MART_NAMES[role]:
            if name in self._present:
                return f'"{self.database}"."{self.schema}"."{name}"'
        return None

    def _select(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        columns, rows = self.client.select(sql, list(params))
        return Rows(columns, rows)

    def top_category_by_currency(self) -> dict[str, tuple[str, Decimal]]:
        """Per currency, the category with the highest net sales in the category performance mart.

        Returns:
            {currency: (category, net sales amount)}; empty when the mart is not built.
        """
        relation = self.relation("category_performance")
        if relation is None:
            return {}
        rows = self._select(
            f"select currency, category, net_sales_amount from {relation} "
            "order by currency, net_sales_amount desc, category"
        ).rows
        top: dict[str, tuple[str, Decimal]] = {}
        for currency, category, amount in rows:
            top.setdefault(currency, (category, amount))
        return top

    def categories(self) -> list[str]:
        """Product categories of the product performance mart (empty when not built)."""
        relation = self.relation("product_performance")
        if relation is None:
            return []
        return [
            r[0]
            for r in self._select(
                f"select distinct category from {relation} where category is not null order by 1"
            ).rows
        ]

    def top_products(self, categories: Sequence[str] = (), limit: int = 10) -> Rows | None:
        """Best-selling products over the whole history (the mart's own window), optionally in some categories.

        Returns:
            Rows (product_id, product_title, category, currency, net_sales_amount, gross_margin_rate,
            return_rate, performance_category) by net sales descending; None when the mart is not built.
        """
        relation = self.relation("product_performance")
        if relation is None:
            return None
        where, params = _in("category", categories)
        return self._select(
            f"""select product_id, product_title, category, currency, net_sales_amount, gross_margin_rate,
                       return_rate, performance_category
                from {relation} {where} order by net_sales_amount desc, product_id limit ?""",
            [*params, limit],
        )

    def funnel(self, start: dt.date, end: dt.date, channel_groups: Sequence[str] = ()) -> Rows | None:
        """Sessions reaching each funnel step between ``start`` and ``end`` (inclusive) in the web conversion mart.

        Returns:
            One row (sessions, view_item, add_to_cart, begin_checkout, purchase) of session counts; None when the
            mart is not built.
        """
        relation = self.relation("web_conversion_daily")
        if relation is None:
            return None
        where, params = _in("channel_group", channel_groups)
        where = ("and " + where.removeprefix("where ")) if where else ""
        return self._select(
            f"""select coalesce(sum(session_count), 0) as sessions,
                       coalesce(sum(view_item_session_count), 0) as view_item,
                       coalesce(sum(add_to_cart_session_count), 0) as add_to_cart,
                       coalesce(sum(begin_checkout_session_count), 0) as begin_checkout,
                       coalesce(sum(purchase_session_count), 0) as purchase
                from {relation} where session_date between ? and ? {where}""",
            [start, end, *params],
        )

    def support_backlog(self, start: dt.date, end: dt.date) -> Rows | None:
        """Tickets created, solved and open at the end of each day between ``start`` and ``end`` (all channels).

        Returns:
            Rows (activity_date, created, solved, backlog) by date; None when the mart is not built.
        """
        relation = self.relation("support_daily")
        if relation is None:
            return None
        return self._select(
            f"""select activity_date, sum(created_ticket_count) as created, sum(solved_ticket_count) as solved,
                       sum(backlog_ticket_count) as backlog
                from {relation} where activity_date between ? and ? group by activity_date order by activity_date""",
            [start, end],
        )

    def alerts(self, start: dt.date, end: dt.date, categories: Sequence[str] = (), limit: int = 50) -> Rows | None:
        """Spike alerts raised between ``start`` and ``end``, most recent first.

        Returns:
            Rows (alert_hour_at, metric_name, product_title, category, observed_count, baseline_mean, z_score);
            None when the mart is not built.
        """
        relation = self.relation("product_alerts")
        if relation is None:
            return None
        where, params = _in("category", categories)
        where = ("and " + where.removeprefix("where ")) if where else ""
        return self._select(
            f"""select alert_hour_at, metric_name, product_title, category, observed_count, baseline_mean, z_score
                from {relation} where alert_date between ? and ? {where}
                order by alert_hour_at desc, product_id limit ?""",
            [start, end, *params, limit],
        )

    def customer_clv(self, customer_id: str | None = None, limit: int = 100) -> Rows | None:
        """Rows of the CLV prediction mart: one customer, or the ``limit`` first by customer id.

        Args:
            customer_id: the customer's key (text, e.g. ``'42'`` or ``'gid://shopify/Customer/7'``).
            limit: rows returned without ``customer_id``, in key order, shorter keys first (integer
                keys in numeric order).

        Returns:
            Rows with every column of the mart; None when the mart is not built.
        """
        relation = self.relation("customer_clv")
        if relation is None:
            return None
        if customer_id is not None:
            return self._select(f"select * from {relation} where customer_id = ?", [customer_id])
        return self._select(f"select * from {relation} order by length(customer_id), customer_id limit ?", [limit])

    def revenue_forecast(self, start: dt.date | None = None, end: dt.date | None = None) -> Rows | None:
        """Rows of the daily revenue forecast mart (every column), optionally between two dates.

        Returns:
            Rows ordered by the mart's first three columns; None when the mart is not built.
        """
        relation = self.relation("revenue_forecast")
        if relation is None:
            return None
        date_column = self._date_column(relation)
        if date_column and (start or end):
            return self._select(
                f"select * from {relation} where {date_column} between ? and ? order by 1, 2, 3",
                [start or dt.date.min, end or dt.date.max],
            )
        return self._select(f"select * from {relation} order by 1, 2, 3")

    def _date_column(self, relation: str) -> str | None:
        columns = self._select(f"select * from {relation} limit 0").columns
        return next((c for c in columns if c.endswith("_date")), None)


def _in(column: str, values: Sequence[str]) -> tuple[str, list[Any]]:
    if not values:
        return "", []
    return f"where {column} in ({', '.join('?' for _ in values)})", list(values)
