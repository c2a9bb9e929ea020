"""The BI app (``make bi``): Streamlit over the semantic layer, one tab per Looker Studio exposure.

Run with ``python -m serving bi`` (it starts ``streamlit run`` on this file, headless and offline). The
warehouse and manifest come from ``SERVING_DATABASE`` / ``SERVING_MANIFEST`` (set by the launcher),
else ``DUCKDB_PATH`` and the dbt target. Filters and the open tab live in the sidebar and in the URL
(``?start=2025-03-01&end=2025-03-31&channel=web&country=US&tab=Marketing``), so a view can be shared as a link.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from serving import bi
from serving.marts import Marts, Rows
from serving.semantic import InvalidQueryError, MissingMartError, SemanticLayer, SemanticLayerError


@st.cache_resource
def _layer(manifest: str | None, database: str | None) -> tuple[SemanticLayer, Marts]:
    layer = SemanticLayer(Path(manifest) if manifest else None, Path(database) if database else None)
    return layer, Marts(layer)


@st.cache_resource
def _options(_layer: SemanticLayer, key: str) -> bi.Options:
    return bi.options(_layer)


def money(value: Any) -> str:
    """``1,234.50`` (cents rounded half-even by Python's format); ``n/a`` for None."""
    return "n/a" if value is None else f"{Decimal(str(value)):,.2f}"


def count(value: Any) -> str:
    """``25,000``; ``n/a`` for None."""
    return "n/a" if value is None else f"{int(value):,}"


def percent(value: Any) -> str:
    """``4.88 %``; ``n/a`` for None."""
    return "n/a" if value is None else f"{float(value) * 100:.2f} %"


def ratio(value: Any) -> str:
    """``3.21 x``; ``n/a`` for None."""
    return "n/a" if value is None else f"{float(value):.2f} x"


#: Axis titles for the semantic layer's column names.
LABELS = {
    "metric_time__day": "day", "metric_time__week": "week", "metric_time__month": "month",
    "net_revenue": "net sales", "aov": "AOV", "orders": "orders", "customers": "customers",
    "conversion_rate": "conversion rate", "roas": "ROAS", "cac": "CAC", "net_sales_amount": "net sales",
    "product__product_title": "product", "product_net_revenue": "net sales", "value": "tickets", "variable": "",
    "tickets_created": "created", "tickets_solved": "solved", "ticket_backlog": "backlog",
    "spike_alerts": "alerts", bi.ALERT_METRIC: "metric", bi.CATEGORY: "category",
    bi.COUNTRY: "country", bi.SALES_CHANNEL: "sales channel", bi.SESSION_CHANNEL: "channel group",
    bi.MARKETING_CHANNEL: "channel group", "customer__customer_segment": "segment",
    "customer__customer_health": "health",
}  # fmt: skip


#: Column headers of the top products table.
TABLE_LABELS = {
    "product": "product id", "product__product_title": "product", bi.CATEGORY: "category",
    "product__performance_category": "tier (whole history)", "product_net_revenue": "net sales",
    "units_sold": "units sold",
}  # fmt: skip


def frame(columns: list[str], rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Rows as a DataFrame, decimals as floats for charting."""
    data = [[float(v) if isinstance(v, Decimal) else v for v in row] for row in rows]
    return pd.DataFrame(data, columns=columns)


def empty(message: str) -> None:
    """An empty feed, shown as such."""
    st.info(message, icon=None)


def _sidebar(opts: bi.Options) -> bi.Filters:
    params = {k: st.query_params.get(k, "") for k in st.query_params}
    initial = bi.filters_from_params(params, opts)
    lo, hi = opts.first_date or initial.start, opts.last_date or initial.end
    sb = st.sidebar
    sb.header("Filters")
    picked = sb.date_input(
        "Date range",
        value=(initial.start, initial.end),
        min_value=min(lo, initial.start),
        max_value=max(hi, initial.end),
        key="dates",
    )
    start, end = picked if isinstance(picked, tuple) and len(picked) == 2 else (initial.start, initial.end)
    currency = sb.selectbox(
        "Currency",
        opts.currencies or ["(none)"],
        index=opts.currencies.index(initial.currency) if initial.currency in opts.currencies else 0,
        key="currency",
    )
    channels = sb.multiselect("Sales channel", opts.sales_channels, default=list(initial.sales_channels), key="channel")
    countries = sb.multiselect("Country", opts.countries, default=list(initial.countries), key="country")
    groups = sb.multiselect(
        "Marketing channel", opts.channel_groups, default=list(initial.channel_groups), key="channel_group"
    )
    devices = sb.multiselect("Device", opts.devices, default=list(initial.devices), key="device")
    categories = sb.multiselect("Category", opts.categories, default=list(initial.categories), key="category")
    stores: list[str] = []
    if opts.store_dimension:
        stores = sb.multiselect("Store", opts.stores, default=list(initial.stores), key="store")
    else:
        sb.caption("Store: the semantic layer has no store dimension yet.")
    sb.caption(
        "Currency, sales channel, country and store filter order and product figures; marketing channel filters "
        "sessions, funnel and ad spend; device filters sessions and funnel; category filters products and alerts; "
        "support follows the dates only."
    )
    chosen = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "currency": currency if opts.currencies else "",
        "channel": ",".join(channels),
        "country": ",".join(countries),
        "channel_group": ",".join(groups),
        "device": ",".join(devices),
        "category": ",".join(categories),
        "store": ",".join(stores),
    }
    for name, value in chosen.items():  # one by one: the tabs own the parameter `tab`
        if value and st.query_params.get(name) != value:
            st.query_params[name] = value
        elif not value and name in st.query_params:
            del st.query_params[name]
    return bi.Filters(
        start=start,
        end=end,
        currency=currency if opts.currencies else None,
        sales_channels=tuple(channels),
        countries=tuple(countries),
        channel_groups=tuple(groups),
        categories=tuple(categories),
        stores=tuple(stores),
        store_dimension=opts.store_dimension,
        devices=tuple(devices),
    )


def _executive(layer: SemanticLayer, f: bi.Filters) -> None:
    k = bi.kpis(layer, f)
    cur = f.currency
    cards = [
        (f"Net revenue ({cur})", money(k.get("net_revenue"))), ("Orders", count(k.get("orders"))),
        ("Net orders", count(k.get("net_orders"))), (f"AOV ({cur})", money(k.get("aov"))),
        ("Customers", count(k.get("customers"))), ("New customers", count(k.get("new_customers"))),
        ("Conversion rate", percent(k.get("conversion_rate"))), ("ROAS", ratio(k.get("roas"))),
        (f"CAC ({k.get('marketing_currency') or k.get('reporting_currency')})", money(k.get("cac"))),
        (f"Net revenue, all currencies ({k.get('reporting_currency')})", money(k.get("net_revenue_reporting"))),
        (f"AOV, all currencies ({k.get('reporting_currency')})", money(k.get("aov_reporting"))),
    ]  # fmt: skip
    for row_start in range(0, len(cards), 3):
        for col, (label, value) in zip(st.columns(3), cards[row_start : row_start + 3], strict=False):
            col.metric(label, value)
    grain = st.radio("Trend grain", ["day", "week", "month"], index=1, horizontal=True, key="grain")
    trend = bi.sales_trend(layer, f, grain)
    if not trend.rows:
        empty("No orders in this period and selection.")
    else:
        df = frame(trend.columns, trend.rows)
        x = f"metric_time__{grain}"
        left, right = st.columns(2)
        left.plotly_chart(
            px.line(labels=LABELS, data_frame=df, x=x, y="net_revenue", title=f"Net sales by {grain} ({cur})"),
            width="stretch",
        )
        right.plotly_chart(
            px.line(labels=LABELS, data_frame=df, x=x, y="aov", title=f"AOV by {grain} ({cur})"),
            width="stretch",
        )
        st.caption("Weeks and months are whole: a period overlapping the date range counts entirely.")
    left, right = st.columns(2)
    by_country = bi.sales_by(layer, f, bi.COUNTRY)
    if by_country.rows:
        df = frame(by_country.columns, by_country.rows).head(15)
        left.plotly_chart(
            px.bar(labels=LABELS, data_frame=df, x=bi.COUNTRY, y="net_revenue", title="Net sales by country (top 15)"),
            width="stretch",
        )
    else:
        left.info("No sales by country in this selection.")
    by_channel = bi.sales_by(layer, f, bi.SALES_CHANNEL)
    if by_channel.rows:
        df = frame(by_channel.columns, by_channel.rows)
        right.plotly_chart(
            px.bar(
                labels=LABELS, data_frame=df, x=bi.SALES_CHANNEL, y="net_revenue", title="Net sales by sales channel"
            ),
            width="stretch",
        )
    else:
        right.info("No sales by channel in this selection.")


def _marketing(layer: SemanticLayer, f: bi.Filters) -> None:
    left, right = st.columns(2)
    steps = bi.funnel(layer, f)
    if not steps.rows or not steps.rows[0][0]:
        left.info("Funnel: no sessions in this period and selection.")
    else:
        _, view, cart, checkout, purchase = steps.rows[0]
        fig = go.Figure(
            go.Funnel(
                y=["View item", "Add to cart", "Begin checkout", "Purchase"],
                x=[view, cart, checkout, purchase],
                textinfo="value+percent initial",
            )
        )
        fig.update_layout(title="Conversion funnel (sessions)")
        left.plotly_chart(fig, width="stretch")
    web = bi.web_conversion(layer, f)
    if web.rows:
        df = frame(web.columns, web.rows)
        right.plotly_chart(
            px.bar(
                labels=LABELS, data_frame=df, x=bi.SESSION_CHANNEL, y="conversion_rate", title="Session conversion rate"
            ),
            width="stretch",
        )
    else:
        right.info("No web sessions in this period and selection.")
    rows = bi.marketing_efficiency(layer, f)
    if not rows:
        empty("No ad spend or attributed orders in this period and selection.")
        return
    df = pd.DataFrame([{k: float(v) if isinstance(v, Decimal) else v for k, v in r.items()} for r in rows])
    left, right = st.columns(2)
    left.plotly_chart(
        px.bar(
            labels=LABELS,
            data_frame=df,
            x=bi.MARKETING_CHANNEL,
            y="roas",
            title="ROAS by channel group (paid channels)",
        ),
        width="stretch",
    )
    right.plotly_chart(
        px.bar(
            labels=LABELS,
            data_frame=df,
            x=bi.MARKETING_CHANNEL,
            y="cac",
            title=f"CAC by channel group ({bi.marketing_currency(layer, f)})",
        ),
        width="stretch",
    )
    st.dataframe(df, hide_index=True, width="stretch")


def _customers(layer: SemanticLayer, f: bi.Filters) -> None:
    cohorts = bi.cohort_retention(layer, f)
    if not cohorts.rows:
        empty("No cohorts acquired in this period.")
    else:
        df = frame(cohorts.columns, cohorts.rows)
        month, offset = cohorts.columns[0], cohorts.columns[1]
        grid = df.pivot_table(index=month, columns=offset, values="retention_rate")
        fig = px.imshow(
            grid,
            text_auto=".0%",
            aspect="auto",
            color_continuous_scale="Blues",
            labels={"x": "months since first order", "y": "cohort", "color": "retention"},
            title="Cohort retention",
        )
        fig.update_yaxes(type="category")
        st.plotly_chart(fig, width="stretch")
    seg = bi.customers_by_segment(layer, f)
    if seg.rows:
        df = frame(seg.columns, seg.rows)
        st.plotly_chart(
            px.bar(
                labels=LABELS,
                data_frame=df,
                x="customer__customer_segment",
                y="customers",
                color="customer__customer_health",
                title="Customers with a valid order by segment and health",
            ),
            width="stretch",
        )
    else:
        empty("No customers with orders in this selection.")


def _table(rows: Rows | None, missing: str, none: str) -> None:
    if rows is None:
        empty(missing)
    elif not rows.rows:
        empty(none)
    else:
        st.dataframe(frame(rows.columns, rows.rows), hide_index=True, width="stretch")


def _section(title: str, render: Callable[..., None], *args: Any) -> None:
    """A subheader, then one panel; a mart that is not built becomes that panel's empty state, not the tab's."""
    st.subheader(title)
    try:
        render(*args)
    except MissingMartError as exc:
        empty(f"Not built yet: {exc}")


def _top_products(layer: SemanticLayer, f: bi.Filters) -> None:
    top = bi.top_products(layer, f)
    if top.rows:
        df = frame(top.columns, top.rows)
        fig = px.bar(
            labels=LABELS,
            data_frame=df,
            x="product_net_revenue",
            y="product__product_title",
            orientation="h",
            color=bi.CATEGORY,
        )
        fig.update_yaxes(categoryorder="total ascending")
        st.plotly_chart(fig, width="stretch")
        st.dataframe(df.rename(columns=TABLE_LABELS), hide_index=True, width="stretch")
    else:
        empty("No product sales in this period and selection.")


def _support(layer: SemanticLayer, f: bi.Filters) -> None:
    backlog = bi.support_backlog(layer, f)
    if backlog.rows:
        df = frame(backlog.columns, backlog.rows)
        st.plotly_chart(
            px.line(labels=LABELS, data_frame=df, x="metric_time__day", y=list(bi.SUPPORT)),
            width="stretch",
        )
    else:
        empty("Support: no tickets in this period.")


def _alerts(layer: SemanticLayer, marts: Marts, f: bi.Filters) -> None:
    counts = bi.alert_counts(layer, f)
    if counts.rows:
        df = frame(counts.columns, counts.rows)
        st.plotly_chart(
            px.bar(labels=LABELS, data_frame=df, x="metric_time__day", y="spike_alerts", color=bi.ALERT_METRIC),
            width="stretch",
        )
    _table(bi.alerts(marts, f), "The alerts mart is not built.", "No spike alerts in this period and selection.")


def _operations(layer: SemanticLayer, marts: Marts, f: bi.Filters) -> None:
    _section(f"Top products by net sales ({f.currency})", _top_products, layer, f)
    _section("Support backlog", _support, layer, f)
    _section("Spike alerts", _alerts, layer, marts, f)


def _clv(layer: SemanticLayer, f: bi.Filters) -> None:
    clv = bi.customer_clv(layer, f)
    if clv.rows:
        df = frame(clv.columns, clv.rows).rename(
            columns={"predicted_clv": "predicted CLV", "expected_alive_customers": "probability alive"}
        )
        left, right = st.columns(2)
        left.plotly_chart(
            px.histogram(
                df, x="predicted CLV", nbins=40, title=f"Predicted CLV per customer ({bi.clv_currency(layer)})"
            ),
            width="stretch",
        )
        alive = px.histogram(df, x="probability alive", nbins=20, title="Probability alive")
        right.plotly_chart(alive, width="stretch")
        st.dataframe(df.head(20), hide_index=True)
    else:
        empty("No CLV predictions yet (mart dim_customer_clv, built by `make run`).")


def _forecast(layer: SemanticLayer, marts: Marts, f: bi.Filters) -> None:
    forecast = bi.revenue_forecast(layer, f)
    if forecast.rows:
        df = frame(forecast.columns, forecast.rows)
        fig = go.Figure()
        bands = bi.forecast_intervals(marts, f)
        if bands is not None and bands.rows:
            b = frame(bands.columns, bands.rows)
            for low, high, name in (("lower_95", "upper_95", "95 %"), ("lower_80", "upper_80", "80 %")):
                lo, hi = f"forecast_net_sales_{low}_amount", f"forecast_net_sales_{high}_amount"
                fig.add_trace(go.Scatter(x=b["forecast_date"], y=b[hi], line={"width": 0}, showlegend=False))
                fig.add_trace(go.Scatter(x=b["forecast_date"], y=b[lo], fill="tonexty", line={"width": 0}, name=name))
        fig.add_trace(go.Scatter(x=df["metric_time__day"], y=df["forecast_revenue"], name="forecast"))
        fig.update_layout(title=f"Daily net sales forecast ({f.currency})")
        st.plotly_chart(fig, width="stretch")
    else:
        empty("No revenue forecast in this currency yet (mart fct_revenue_forecast_daily, built by `make run`).")


def _predictions(layer: SemanticLayer, marts: Marts, f: bi.Filters) -> None:
    _section("Customer lifetime value", _clv, layer, f)
    _section("Revenue forecast", _forecast, layer, marts, f)


def _guarded(render: Callable[..., None], *args: Any) -> None:
    """Render one tab; a mart that is not built (or a query it cannot answer) becomes a warning, not a crash."""
    try:
        render(*args)
    except (SemanticLayerError, InvalidQueryError) as exc:
        st.warning(f"Not available: {exc}")


def main() -> None:
    """Render the app (Streamlit runs this file top to bottom on each interaction)."""
    st.set_page_config(page_title="E-commerce warehouse", layout="wide")
    st.title("E-commerce warehouse")
    manifest, database = os.environ.get("SERVING_MANIFEST"), os.environ.get("SERVING_DATABASE")
    try:
        layer, marts = _layer(manifest, database)
    except SemanticLayerError as exc:
        st.error(f"{exc}")
        st.stop()
    opts = _options(layer, str(layer.manifest_path))
    if opts.first_date is None:
        empty("The warehouse has no orders yet: load data and run `make run`.")
    f = _sidebar(opts)
    st.caption(
        f"{f.start:%Y-%m-%d} .. {f.end:%Y-%m-%d} · figures from the semantic layer's metrics and saved queries "
        f"({layer.manifest_path.name}); warehouse {layer.database_path.name} read-only"
    )
    # Only the open tab runs (lazy tabs); the open tab is the URL parameter `tab`.
    panels: list[tuple[str, Callable[..., None], tuple[Any, ...]]] = [
        ("Executive", _executive, (layer, f)),
        ("Marketing", _marketing, (layer, f)),
        ("Customers", _customers, (layer, f)),
        ("Operations", _operations, (layer, marts, f)),
        ("Predictions", _predictions, (layer, marts, f)),
    ]
    tabs = st.tabs([name for name, _, _ in panels], key="tab", on_change="rerun", bind="query-params")
    for tab, (_, render, args) in zip(tabs, panels, strict=True):
        if tab.open:
            with tab:
                _guarded(render, *args)


if __name__ == "__main__":
    main()
