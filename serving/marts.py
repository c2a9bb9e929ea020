"""Rows of the marts that are lists, not figures: read as the marts computed them, never aggregated here.

Every figure the app, the API and the KPI summary show is a metric of the semantic layer. Three kinds of
output are rows instead, and are read here, selected and filtered only:
- the spike alerts (``fct_product_alerts``), one row per alert with its evidence (observed count, baseline,
  z-score): a list to act on, whose count is the metric ``spike_alerts``;
- the CLV prediction of one customer (``dim_customer_clv``), a lookup by key that the API serves;
- the revenue forecast's interval bounds (``fct_revenue_forecast_daily``): per-day model outputs that do not
  add up over days, currencies or models, so no metric sums them (the point forecast is ``forecast_revenue``).
Each reader returns ``None`` when its mart is absent, so a consumer can show an empty state. Mart names
are looked up in the schema and database of the semantic manifest's relations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from serving.semantic import ReadOnlyDuckDBClient, SemanticLayer

#: Marts by role, each with the names it is known by (current first).
MART_NAMES: dict[str, tuple[str, ...]] = {
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

    def forecast_intervals(self, currency: str | None = None) -> Rows | None:
        """The 80 % and 95 % interval bounds of the published forecast model (baseline rows left out) per day.

        Args:
            currency: only this currency's rows (all currencies when None).

        Returns:
            Rows (forecast_date, currency, forecast_net_sales_lower_95_amount, ..._lower_80_amount,
            ..._upper_80_amount, ..._upper_95_amount) by date and currency; None when the mart is not built.
        """
        relation = self.relation("revenue_forecast")
        if relation is None:
            return None
        where, params = _in("currency", (currency,) if currency else ())
        where = ("and " + where.removeprefix("where ")) if where else ""
        return self._select(
            f"""select forecast_date, currency, forecast_net_sales_lower_95_amount,
                       forecast_net_sales_lower_80_amount, forecast_net_sales_upper_80_amount,
                       forecast_net_sales_upper_95_amount
                from {relation} where not is_baseline {where} order by forecast_date, currency""",
            params,
        )


def _in(column: str, values: Sequence[str]) -> tuple[str, list[Any]]:
    if not values:
        return "", []
    return f"where {column} in ({', '.join('?' for _ in values)})", list(values)
