"""What the BI app shows, per panel, as plain rows: semantic-layer queries and mart reads under the app's filters.

The app (``serving/app.py``) only lays these out. Figures come from the metrics and saved queries of the
semantic manifest; the panels that have no semantic model yet (funnel steps, top products, support
backlog, alerts, predictions) read their mart's rows through ``serving.marts``. A filter applies where the
semantic layer has its dimension: sales channel and country to order metrics, marketing channel to
sessions and ad spend, category to the product panels; ``Filters.applied_to`` says which.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from serving.marts import Marts, Rows
from serving.semantic import MissingMartError, QueryResult, SemanticLayer

#: Group-by names the filters use (MetricFlow names of the semantic manifest).
CURRENCY = "order__currency"
SALES_CHANNEL = "order__sales_channel"
COUNTRY = "order__shipping_country_code"
SESSION_CHANNEL = "session__channel_group"
MARKETING_CHANNEL = "marketing_channel_day__channel_group"

#: Saved queries the app reads (dbt/models/marts/_marts__saved_queries.yml).
SALES_KPIS = "sales_kpis_by_currency"
WEB_CONVERSION = "web_conversion_by_channel"
MARKETING_EFFICIENCY = "marketing_efficiency_by_channel"
COHORT_RETENTION = "cohort_retention"


@dataclass(frozen=True)
class Filters:
    """The app's filters. Empty tuples mean "all"; dates are inclusive order/session/activity dates."""

    start: dt.date
    end: dt.date
    currency: str | None = None
    sales_channels: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    channel_groups: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    stores: tuple[str, ...] = ()
    store_dimension: str | None = None

    def orders(self) -> dict[str, Sequence[str]]:
        """Filters on the order metrics (currency, sales channel, country, store when the manifest has one)."""
        out: dict[str, Sequence[str]] = {SALES_CHANNEL: self.sales_channels, COUNTRY: self.countries}
        if self.currency:
            out[CURRENCY] = (self.currency,)
        if self.store_dimension and self.stores:
            out[self.store_dimension] = self.stores
        return {k: v for k, v in out.items() if v}

    def sessions(self) -> dict[str, Sequence[str]]:
        """Filters on the web-session metrics (marketing channel group)."""
        return {SESSION_CHANNEL: self.channel_groups} if self.channel_groups else {}

    def marketing(self) -> dict[str, Sequence[str]]:
        """Filters on the ad-spend metrics (marketing channel group)."""
        return {MARKETING_CHANNEL: self.channel_groups} if self.channel_groups else {}


@dataclass
class Options:
    """Values the filters offer, from the semantic layer (and the product mart for categories)."""

    first_date: dt.date | None
    last_date: dt.date | None
    currencies: list[str] = field(default_factory=list)
    sales_channels: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    channel_groups: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    store_dimension: str | None = None
    stores: list[str] = field(default_factory=list)


def _values(layer: SemanticLayer, metric: str, dimension: str) -> list[str]:
    rows = layer.query([metric], group_by=[dimension]).rows
    return sorted(str(row[0]) for row in rows if row[0] is not None)


def options(layer: SemanticLayer, marts: Marts) -> Options:
    """The filter choices: date bounds of the orders, currencies, sales channels, countries, channel groups,
    categories, and stores when an order dimension named ``*store*`` exists.

    Returns:
        Options; dates None when there are no orders.
    """
    days = [row[0] for row in layer.query(["orders"], grain="day").rows if row[0] is not None]
    store_dimension = next((d for d in sorted(layer.dimensions(["orders"])) if "store" in d.split("__")[-1]), None)
    currencies = layer.query(["net_revenue"], group_by=[CURRENCY], order_by=["-net_revenue"]).rows
    return Options(
        first_date=min(days) if days else None,
        last_date=max(days) if days else None,
        currencies=[str(row[0]) for row in currencies if row[0] is not None],
        sales_channels=_values(layer, "orders", SALES_CHANNEL),
        countries=_values(layer, "orders", COUNTRY),
        channel_groups=_values(layer, "sessions", SESSION_CHANNEL),
        categories=marts.categories(),
        store_dimension=store_dimension,
        stores=_values(layer, "orders", store_dimension) if store_dimension else [],
    )


def kpis(layer: SemanticLayer, f: Filters) -> dict[str, Any]:
    """The KPI cards: the sales KPIs saved query plus conversion rate, ROAS and CAC over the filters.

    Returns:
        {metric name: value or None}: revenue, net_revenue, orders, net_orders, aov, customers, new_customers
        (saved query ``sales_kpis_by_currency``), conversion_rate, roas, cac (None when their marts are not built).

    Raises:
        MissingMartError: the orders mart is not built.
    """
    sales = layer.query(saved_query=SALES_KPIS, start=f.start, end=f.end, filters=f.orders()).records()
    out: dict[str, Any] = {name: None for name in layer.saved_query(SALES_KPIS).metrics}
    if len(sales) == 1:
        out.update({k: v for k, v in sales[0].items() if k != CURRENCY})
    out.update(conversion_rate=None, roas=None, cac=None)
    with contextlib.suppress(MissingMartError):
        web = layer.query(["conversion_rate"], start=f.start, end=f.end, filters=f.sessions()).records()
        out["conversion_rate"] = web[0]["conversion_rate"] if web else None
    with contextlib.suppress(MissingMartError):
        ads = layer.query(["roas", "cac"], start=f.start, end=f.end, filters=f.marketing()).records()
        out.update(ads[0] if ads else {})
    return out


def sales_trend(layer: SemanticLayer, f: Filters, grain: str) -> QueryResult:
    """Net revenue, AOV and net orders per ``grain`` (periods overlapping the range, whole)."""
    return layer.query(["net_revenue", "aov", "net_orders"], grain=grain, start=f.start, end=f.end, filters=f.orders())


def sales_by(layer: SemanticLayer, f: Filters, dimension: str) -> QueryResult:
    """Net revenue and orders per value of an order dimension, largest first."""
    return layer.query(
        ["net_revenue", "orders"],
        group_by=[dimension],
        start=f.start,
        end=f.end,
        filters=f.orders(),
        order_by=["-net_revenue"],
    )


def customers_by_segment(layer: SemanticLayer, f: Filters) -> QueryResult:
    """Customers with a valid order in the range per segment and health (metric ``customers``)."""
    return layer.query(
        ["customers"],
        group_by=["customer__customer_segment", "customer__customer_health"],
        start=f.start,
        end=f.end,
        filters=f.orders(),
    )


def web_conversion(layer: SemanticLayer, f: Filters) -> QueryResult:
    """Saved query ``web_conversion_by_channel`` over the range and marketing channels."""
    return layer.query(saved_query=WEB_CONVERSION, start=f.start, end=f.end, filters=f.sessions())


def marketing_efficiency(layer: SemanticLayer, f: Filters) -> list[dict[str, Any]]:
    """Saved query ``marketing_efficiency_by_channel`` plus the last non-direct revenue of each channel group.

    Returns:
        Records with ``marketing_channel_day__channel_group``, ad_spend, acquired_customers, roas, cac and
        ``last_non_direct_revenue``.
    """
    rows = layer.query(saved_query=MARKETING_EFFICIENCY, start=f.start, end=f.end, filters=f.marketing()).records()
    revenue = layer.query(
        ["last_non_direct_revenue"], group_by=[MARKETING_CHANNEL], start=f.start, end=f.end, filters=f.marketing()
    ).rows
    by_channel = dict(revenue)
    for row in rows:
        row["last_non_direct_revenue"] = by_channel.get(row[MARKETING_CHANNEL])
    return rows


def cohort_retention(layer: SemanticLayer, f: Filters) -> QueryResult:
    """Saved query ``cohort_retention`` for the cohorts acquired in the range (cohort month = metric time)."""
    return layer.query(saved_query=COHORT_RETENTION, start=f.start, end=f.end)


def funnel(marts: Marts, f: Filters) -> Rows | None:
    """Sessions reaching view item, add to cart, begin checkout and purchase (web conversion mart)."""
    return marts.funnel(f.start, f.end, f.channel_groups)


def top_products(marts: Marts, f: Filters, limit: int = 10) -> Rows | None:
    """Best-selling products of the product performance mart in the chosen categories."""
    return marts.top_products(f.categories, limit)


def support_backlog(marts: Marts, f: Filters) -> Rows | None:
    """Tickets created, solved and open per day (support daily mart)."""
    return marts.support_backlog(f.start, f.end)


def alerts(marts: Marts, f: Filters) -> Rows | None:
    """Spike alerts in the range and categories, most recent first."""
    return marts.alerts(f.start, f.end, f.categories)


def filters_from_params(params: Mapping[str, str], opts: Options) -> Filters:
    """Filters from URL query parameters (``start``, ``end``, ``currency``, ``channel``, ``country``,
    ``channel_group``, ``category``, ``store``; lists comma-separated), defaulting to everything.

    Raises:
        ValueError: a date is not ISO ``YYYY-MM-DD``.
    """

    def listed(name: str, allowed: Sequence[str]) -> tuple[str, ...]:
        return tuple(v for v in params.get(name, "").split(",") if v in allowed)

    today = dt.date.today()
    start = dt.date.fromisoformat(params["start"]) if params.get("start") else opts.first_date or today
    end = dt.date.fromisoformat(params["end"]) if params.get("end") else opts.last_date or today
    currency = params.get("currency") if params.get("currency") in opts.currencies else None
    return Filters(
        start=start,
        end=end,
        currency=currency or (opts.currencies[0] if opts.currencies else None),
        sales_channels=listed("channel", opts.sales_channels),
        countries=listed("country", opts.countries),
        channel_groups=listed("channel_group", opts.channel_groups),
        categories=listed("category", opts.categories),
        stores=listed("store", opts.stores),
        store_dimension=opts.store_dimension,
    )
