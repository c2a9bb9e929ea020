"""What the BI app shows, per panel, as plain rows: semantic-layer queries under the app's filters.

The app (``serving/app.py``) only lays these out. Every figure is a metric or saved query of the semantic
manifest, asked through MetricFlow. Two panels also show rows that are not figures, read from their
mart through ``serving.marts`` (selected and filtered, never aggregated): the spike alerts list (each alert
with its evidence: observed count, baseline, z-score) and the revenue forecast's interval bounds (a bound
is a per-day model output, not additive, so no metric sums it). A filter applies where the semantic layer
has its dimension: currency, sales channel, country and store to order and order-line metrics; marketing
channel to sessions, the funnel and ad spend; device to sessions and the funnel; category to product
figures and alerts; currency to the predictions. Support tickets have none of these dimensions and
follow the date range only.
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
REPORTING_CURRENCY = "order__reporting_currency"
SALES_CHANNEL = "order__sales_channel"
COUNTRY = "order__shipping_country_code"
SESSION_CHANNEL = "session__channel_group"
DEVICE = "session__device_type"
CATEGORY = "product__category"
ALERT_METRIC = "product_alert__alert_metric"
CLV_CURRENCY = "customer_clv__clv_currency"
FORECAST_CURRENCY = "revenue_forecast_day__forecast_currency"
MARKETING_CHANNEL = "marketing_channel_day__channel_group"
#: Ad spend, attributed revenue, ROAS and CAC are in the reporting currency (spend at its spend day's rate).
MARKETING_CURRENCY = "marketing_channel_day__reporting_currency"

#: Saved queries the app reads (dbt/models/marts/_marts__saved_queries.yml).
SALES_KPIS = "sales_kpis_by_currency"
REPORTING_KPIS = "sales_kpis_reporting"
WEB_CONVERSION = "web_conversion_by_channel"
MARKETING_EFFICIENCY = "marketing_efficiency_by_channel"
COHORT_RETENTION = "cohort_retention"

#: Metrics of the panels that are not saved queries (dbt/models/marts/<domain>/<mart>.yml).
FUNNEL_STEPS = (
    "sessions",
    "view_item_sessions",
    "add_to_cart_sessions",
    "begin_checkout_sessions",
    "purchase_sessions",
)
SUPPORT = ("tickets_created", "tickets_solved", "ticket_backlog")


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
    devices: tuple[str, ...] = ()

    def orders(self) -> dict[str, Sequence[str]]:
        """Filters on the order metrics (currency, sales channel, country, store when the manifest has one)."""
        out: dict[str, Sequence[str]] = {SALES_CHANNEL: self.sales_channels, COUNTRY: self.countries}
        if self.currency:
            out[CURRENCY] = (self.currency,)
        if self.store_dimension and self.stores:
            out[self.store_dimension] = self.stores
        return {k: v for k, v in out.items() if v}

    def sessions(self) -> dict[str, Sequence[str]]:
        """Filters on the web-session metrics and the funnel (marketing channel group, device type)."""
        out: dict[str, Sequence[str]] = {SESSION_CHANNEL: self.channel_groups, DEVICE: self.devices}
        return {k: v for k, v in out.items() if v}

    def products(self) -> dict[str, Sequence[str]]:
        """Filters on the order-line metrics: the order filters plus the product category."""
        return {**self.orders(), **({CATEGORY: self.categories} if self.categories else {})}

    def alerts(self) -> dict[str, Sequence[str]]:
        """Filters on the spike alerts (product category)."""
        return {CATEGORY: self.categories} if self.categories else {}

    def marketing(self) -> dict[str, Sequence[str]]:
        """Filters on the ad-spend metrics (marketing channel group)."""
        return {MARKETING_CHANNEL: self.channel_groups} if self.channel_groups else {}


@dataclass
class Options:
    """Values the filters offer, from the semantic layer."""

    first_date: dt.date | None
    last_date: dt.date | None
    currencies: list[str] = field(default_factory=list)
    sales_channels: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    channel_groups: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    store_dimension: str | None = None
    stores: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)


def _values(layer: SemanticLayer, metric: str, dimension: str) -> list[str]:
    rows = layer.query([metric], group_by=[dimension]).rows
    return sorted(str(row[0]) for row in rows if row[0] is not None)


def _values_or_none(layer: SemanticLayer, metric: str, dimension: str) -> list[str]:
    try:
        return _values(layer, metric, dimension)
    except MissingMartError:
        return []


def options(layer: SemanticLayer) -> Options:
    """The filter choices: date bounds of the orders, currencies, sales channels, countries, channel groups,
    device types, categories with order lines, and stores when an order dimension named ``*store*`` exists.

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
        channel_groups=_values_or_none(layer, "sessions", SESSION_CHANNEL),
        categories=_values_or_none(layer, "product_net_revenue", CATEGORY),
        store_dimension=store_dimension,
        stores=_values(layer, "orders", store_dimension) if store_dimension else [],
        devices=_values_or_none(layer, "sessions", DEVICE),
    )


def kpis(layer: SemanticLayer, f: Filters) -> dict[str, Any]:
    """The KPI cards: the sales KPIs saved query plus conversion rate, ROAS and CAC over the filters.

    Returns:
        {metric name: value or None}: revenue, net_revenue, orders, net_orders, aov, customers, new_customers
        (saved query ``sales_kpis_by_currency``), conversion_rate, roas, cac (None when their marts are not built;
        ROAS and CAC on spend and attributed net sales in the reporting currency, named by ``marketing_currency``);
        net_revenue_reporting and aov_reporting over every currency in the reporting currency (the filters but the
        currency; metrics of saved query ``sales_kpis_reporting``), with ``reporting_currency`` (None when the
        manifest has no such saved query).

    Raises:
        MissingMartError: the orders mart is not built.
    """
    sales = layer.query(saved_query=SALES_KPIS, start=f.start, end=f.end, filters=f.orders()).records()
    out: dict[str, Any] = {name: None for name in layer.saved_query(SALES_KPIS).metrics}
    if len(sales) == 1:
        out.update({k: v for k, v in sales[0].items() if k != CURRENCY})
    out.update(conversion_rate=None, roas=None, cac=None, net_revenue_reporting=None, aov_reporting=None)
    out["reporting_currency"] = None
    if REPORTING_KPIS in {q.name for q in layer.saved_queries()}:
        across = {k: v for k, v in f.orders().items() if k != CURRENCY}
        reporting = layer.query(
            ["net_revenue_reporting", "aov_reporting"],
            group_by=[REPORTING_CURRENCY],
            start=f.start,
            end=f.end,
            filters=across,
        ).records()
        if len(reporting) == 1:
            out.update(reporting[0])
            out["reporting_currency"] = out.pop(REPORTING_CURRENCY)
    with contextlib.suppress(MissingMartError):
        web = layer.query(["conversion_rate"], start=f.start, end=f.end, filters=f.sessions()).records()
        out["conversion_rate"] = web[0]["conversion_rate"] if web else None
    out["marketing_currency"] = None
    with contextlib.suppress(MissingMartError):
        ads = layer.query(
            ["roas", "cac"], group_by=[MARKETING_CURRENCY], start=f.start, end=f.end, filters=f.marketing()
        ).records()
        if len(ads) == 1:
            out.update(ads[0])
            out["marketing_currency"] = out.pop(MARKETING_CURRENCY)
    return out


def marketing_currency(layer: SemanticLayer, f: Filters) -> str | None:
    """The currency of ad spend, attributed revenue and CAC: the warehouse's reporting currency.

    Returns:
        The ISO code of the marketing marts' ``reporting_currency`` over the filters; None when they hold no row
        in the range or are not built.
    """
    with contextlib.suppress(MissingMartError):
        rows = layer.query(
            ["ad_spend"], group_by=[MARKETING_CURRENCY], start=f.start, end=f.end, filters=f.marketing()
        ).rows
        if len(rows) == 1:
            return rows[0][0]
    return None


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


def funnel(layer: SemanticLayer, f: Filters) -> QueryResult:
    """Sessions, then sessions reaching view item, add to cart, begin checkout and purchase (metrics ``FUNNEL_STEPS``)
    over the range, marketing channels and devices.

    Returns:
        One row of the five session counts (None each when no session matches).
    """
    return layer.query(list(FUNNEL_STEPS), start=f.start, end=f.end, filters=f.sessions())


def top_products(layer: SemanticLayer, f: Filters, limit: int = 10) -> QueryResult:
    """Products by net revenue of their order lines in the range, under the order filters and categories.

    Returns:
        Up to ``limit`` rows (product, product__product_title, product__category, product__performance_category,
        product_net_revenue, units_sold), largest net revenue first, ties by product id.
    """
    return layer.query(
        ["product_net_revenue", "units_sold"],
        group_by=["product", "product__product_title", CATEGORY, "product__performance_category"],
        start=f.start,
        end=f.end,
        filters=f.products(),
        order_by=["-product_net_revenue", "product"],
        limit=limit,
    )


def support_backlog(layer: SemanticLayer, f: Filters) -> QueryResult:
    """Tickets created, solved and the closing backlog per day of the range (metrics ``SUPPORT``)."""
    return layer.query(list(SUPPORT), grain="day", start=f.start, end=f.end)


def alert_counts(layer: SemanticLayer, f: Filters) -> QueryResult:
    """Spike alerts per day and demand metric in the range and categories (metric ``spike_alerts``)."""
    return layer.query(
        ["spike_alerts"], grain="day", group_by=[ALERT_METRIC], start=f.start, end=f.end, filters=f.alerts()
    )


def alerts(marts: Marts, f: Filters) -> Rows | None:
    """The spike alerts themselves, most recent first, in the range and categories: a list of rows, each with
    its evidence, read from the alerts mart (``Marts.alerts``); ``alert_counts`` gives the figures."""
    return marts.alerts(f.start, f.end, f.categories)


def customer_clv(layer: SemanticLayer, f: Filters) -> QueryResult:
    """Predicted CLV and probability alive per scored customer, every customer whatever the currency chosen: the
    CLV is fitted and stated in the reporting currency (``clv_currency``), DECISIONLOG.md "Rankings, ROAS and CLV
    in the reporting currency".

    ``expected_alive_customers`` of one customer is that customer's BG/NBD probability alive.

    Returns:
        Rows (customer, predicted_clv, expected_alive_customers), highest predicted CLV first.
    """
    return layer.query(
        ["predicted_clv", "expected_alive_customers"],
        group_by=["customer"],
        order_by=["-predicted_clv", "customer"],
    )


def clv_currency(layer: SemanticLayer) -> str | None:
    """The currency of the CLV amounts (the reporting currency they were fitted in); None without predictions."""
    with contextlib.suppress(MissingMartError):
        rows = layer.query(["predicted_clv"], group_by=[CLV_CURRENCY]).rows
        if len(rows) == 1:
            return rows[0][0]
    return None


def revenue_forecast(layer: SemanticLayer, f: Filters) -> QueryResult:
    """Point forecast of daily net revenue of the published model in the chosen currency (``forecast_revenue``),
    over the whole forecast horizon (the date range filters history, not the forecast)."""
    filters = {FORECAST_CURRENCY: (f.currency,)} if f.currency else {}
    return layer.query(["forecast_revenue"], grain="day", filters=filters)


def forecast_intervals(marts: Marts, f: Filters) -> Rows | None:
    """The forecast's 80 % and 95 % interval bounds per day (published model, chosen currency), read from the
    forecast mart: per-day model outputs, not additive, so the semantic layer has no metric for them."""
    return marts.forecast_intervals(f.currency)


def filters_from_params(params: Mapping[str, str], opts: Options) -> Filters:
    """Filters from URL query parameters (``start``, ``end``, ``currency``, ``channel``, ``country``,
    ``channel_group``, ``device``, ``category``, ``store``; lists comma-separated), defaulting to everything.

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
        devices=listed("device", opts.devices),
    )
