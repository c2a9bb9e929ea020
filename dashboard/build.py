"""Render the dashboard: plotly figures of the marts assembled into one self-contained HTML file."""

from __future__ import annotations

import html
import logging
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from dashboard.data import DashboardData, Kpis, read_dashboard_data

log = logging.getLogger(__name__)

# Plotly's default qualitative palette, one colour per series, and a sequential scale for heat maps.
PALETTE = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880")
PERFORMANCE_COLOURS = {"Top": "#00cc96", "Good": "#636efa", "Average": "#ffa15a", "Low": "#ef553b"}
HEALTH_ORDER = ("Active", "At Risk", "Dormant", "Lost", "Prospect")
SEGMENT_ORDER = ("VIP", "Loyal", "Regular", "One-time", "Prospect")


def _money(value: float | None, currency: str) -> str:
    return "n/a" if value is None else f"{value:,.2f} {currency}".strip()


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _layout(fig: go.Figure, title: str, height: int = 360) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 15}},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 45},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.18},
    )
    return fig


def _empty(title: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text="no data in the marts", showarrow=False, font={"size": 14, "color": "#888"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title)


def sales_trend_figure(data: DashboardData) -> go.Figure:
    """Weekly net sales (ISO weeks) with the same week of the previous year."""
    title = f"Net sales by ISO week ({data.kpis.currency})"
    if not data.weekly_sales:
        return _empty(title)
    weeks = [r[0] for r in data.weekly_sales]
    fig = go.Figure()
    fig.add_scatter(x=weeks, y=[float(r[1]) for r in data.weekly_sales], name="Net sales", line={"color": PALETTE[0]})
    fig.add_scatter(
        x=weeks,
        y=[None if r[2] is None else float(r[2]) for r in data.weekly_sales],
        name="Same week last year",
        line={"color": "#999", "dash": "dot"},
    )
    return _layout(fig, title)


def region_figure(data: DashboardData) -> go.Figure:
    """Monthly net sales stacked by UN M49 region."""
    title = f"Net sales by month and region ({data.kpis.currency})"
    if not data.monthly_sales_by_region:
        return _empty(title)
    by_region: dict[str, dict] = defaultdict(dict)
    months = sorted({r[0] for r in data.monthly_sales_by_region})
    for month, region, amount in data.monthly_sales_by_region:
        by_region[region][month] = float(amount)
    fig = go.Figure()
    for i, region in enumerate(sorted(by_region)):
        fig.add_bar(
            x=months,
            y=[by_region[region].get(m, 0.0) for m in months],
            name=region,
            marker_color=PALETTE[i % len(PALETTE)],
        )
    fig.update_layout(barmode="stack")
    return _layout(fig, title)


def channel_conversion_figure(data: DashboardData) -> go.Figure:
    """Session conversion rate by channel group, with the session volume on hover."""
    title = "Session conversion rate by channel"
    if not data.channel_conversion:
        return _empty(title)
    rows = sorted(data.channel_conversion, key=lambda r: r[3] or 0)
    fig = go.Figure(
        go.Bar(
            x=[float(r[3] or 0) for r in rows],
            y=[r[0] for r in rows],
            orientation="h",
            marker_color=PALETTE[2],
            text=[f"{100 * float(r[3] or 0):.1f}% of {int(r[1]):,} sessions" for r in rows],
            textposition="auto",
        )
    )
    fig.update_xaxes(tickformat=".0%")
    return _layout(fig, title)


def marketing_figure(data: DashboardData) -> go.Figure:
    """ROAS and CAC by paid channel (channels with spend), last non-direct click."""
    title = f"ROAS and CAC by paid channel ({data.kpis.currency}, last non-direct click)"
    rows = [r for r in data.channel_marketing if r[1] and float(r[1]) > 0]
    if not rows:
        return _empty(title)
    fig = go.Figure()
    names = [r[0] for r in rows]
    fig.add_bar(x=names, y=[float(r[4] or 0) for r in rows], name="ROAS (x)", marker_color=PALETTE[0], yaxis="y")
    fig.add_scatter(
        x=names,
        y=[None if r[5] is None else float(r[5]) for r in rows],
        name=f"CAC ({data.kpis.currency})",
        mode="markers",
        marker={"size": 14, "color": PALETTE[1]},
        yaxis="y2",
    )
    fig.update_layout(
        yaxis={"title": "ROAS"},
        yaxis2={"title": "CAC", "overlaying": "y", "side": "right", "showgrid": False},
    )
    return _layout(fig, title)


def cohort_figure(data: DashboardData) -> go.Figure:
    """Cohort retention heat map: acquisition month x months since first order."""
    title = "Cohort retention (share of each monthly cohort ordering again)"
    if not data.cohort_retention:
        return _empty(title)
    cohorts = sorted({r[0] for r in data.cohort_retention})
    periods = sorted({int(r[1]) for r in data.cohort_retention})
    grid: dict[tuple, float] = {(r[0], int(r[1])): float(r[2]) for r in data.cohort_retention}
    z = [[grid.get((c, p)) for p in periods] for c in cohorts]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=periods,
            y=[c.strftime("%Y-%m") for c in cohorts],
            colorscale="Blues",
            zmin=0,
            zmax=max((v for row in z for v in row if v is not None and v < 1), default=1),
            hovertemplate="cohort %{y}, month %{x}: %{z:.1%}<extra></extra>",
            colorbar={"tickformat": ".0%"},
        )
    )
    fig.update_xaxes(title="months since first order")
    fig.update_yaxes(autorange="reversed", title="cohort")
    return _layout(fig, title, height=max(360, 16 * len(cohorts) + 120))


def top_products_figure(data: DashboardData) -> go.Figure:
    """Top products by net sales, coloured by performance category."""
    title = f"Top {len(data.top_products)} products by net sales ({data.kpis.currency})"
    if not data.top_products:
        return _empty(title)
    rows = list(reversed(data.top_products))
    fig = go.Figure(
        go.Bar(
            x=[float(r[2]) for r in rows],
            y=[str(r[0])[:40] for r in rows],
            orientation="h",
            marker_color=[PERFORMANCE_COLOURS.get(r[4], "#999") for r in rows],
            text=[f"{r[1]} | margin {_rate(None if r[3] is None else float(r[3]))}" for r in rows],
            textposition="auto",
        )
    )
    return _layout(fig, title, height=420)


def segments_figure(data: DashboardData) -> go.Figure:
    """Customers by value segment, stacked by health."""
    title = "Customers by segment and health"
    if not data.segments:
        return _empty(title)
    counts = {(r[0], r[1]): int(r[2]) for r in data.segments}
    segments = [s for s in SEGMENT_ORDER if any(k[0] == s for k in counts)]
    fig = go.Figure()
    for i, health in enumerate(HEALTH_ORDER):
        values = [counts.get((s, health), 0) for s in segments]
        if any(values):
            fig.add_bar(x=segments, y=values, name=health, marker_color=PALETTE[i])
    fig.update_layout(barmode="stack")
    return _layout(fig, title)


def support_figure(data: DashboardData) -> go.Figure:
    """Weekly tickets created and solved, end-of-week backlog."""
    title = "Support: tickets per week and backlog"
    if not data.support_weekly:
        return _empty(title)
    weeks = [r[0] for r in data.support_weekly]
    fig = go.Figure()
    fig.add_bar(x=weeks, y=[int(r[1]) for r in data.support_weekly], name="Created", marker_color=PALETTE[0])
    fig.add_bar(x=weeks, y=[int(r[2]) for r in data.support_weekly], name="Solved", marker_color=PALETTE[2])
    fig.add_scatter(
        x=weeks, y=[int(r[3]) for r in data.support_weekly], name="Backlog (end of week)", line={"color": PALETTE[1]}
    )
    return _layout(fig, title)


def alerts_figure(data: DashboardData) -> go.Figure:
    """The most recent spike alerts with their evidence."""
    title = f"Latest spike alerts ({len(data.alerts)})"
    if not data.alerts:
        return _empty(title)
    columns = list(zip(*data.alerts, strict=True))
    fig = go.Figure(
        go.Table(
            header={
                "values": ["Hour (UTC)", "Metric", "Product", "Observed", "Baseline mean", "z-score"],
                "fill_color": "#eef",
                "align": "left",
            },
            cells={
                "values": [
                    [t.strftime("%Y-%m-%d %H:00") for t in columns[0]],
                    list(columns[1]),
                    [str(p)[:40] for p in columns[2]],
                    [int(v) for v in columns[3]],
                    [f"{float(v):.1f}" for v in columns[4]],
                    [f"{float(v):.1f}" for v in columns[5]],
                ],
                "align": "left",
            },
        )
    )
    return _layout(fig, title, height=110 + 24 * len(data.alerts))


def kpi_tiles(kpis: Kpis) -> str:
    """HTML of the headline KPI tiles."""
    tiles = [
        ("Net revenue", _money(kpis.net_revenue, kpis.currency)),
        ("Orders", f"{kpis.orders:,}"),
        ("Average order value", _money(kpis.average_order_value, kpis.currency)),
        ("Customers (buyers)", f"{kpis.customers:,}"),
        ("New customers", f"{kpis.new_customers:,}"),
        ("Session conversion", _rate(kpis.conversion_rate)),
        ("ROAS (paid)", "n/a" if kpis.roas is None else f"{kpis.roas:.2f}x"),
    ]
    return "\n".join(
        f'<div class="tile"><div class="label">{html.escape(label)}</div>'
        f'<div class="value" data-kpi="{html.escape(label)}">{html.escape(value)}</div></div>'
        for label, value in tiles
    )


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>E-commerce analytics dashboard</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; margin: 0; background: #f4f5f7; color: #222; }}
header {{ background: #1f2a44; color: #fff; padding: 14px 24px; }}
header h1 {{ margin: 0; font-size: 22px; }}
header p {{ margin: 4px 0 0; font-size: 13px; color: #c9d1e6; }}
.tiles {{ display: grid; grid-template-columns: repeat(7, 1fr); gap: 12px; padding: 16px 24px 0; }}
.tile {{ background: #fff; border-radius: 6px; padding: 12px 14px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }}
.tile .label {{ font-size: 12px; color: #666; text-transform: uppercase; letter-spacing: .04em; }}
.tile .value {{ font-size: 20px; font-weight: bold; margin-top: 6px; }}
.grid {{ display: grid; grid-template-columns: 1fr 1fr; gap: 16px; padding: 16px 24px 24px; }}
.card {{ background: #fff; border-radius: 6px; box-shadow: 0 1px 2px rgba(0,0,0,.08); padding: 4px; min-width: 0; }}
.wide {{ grid-column: 1 / span 2; }}
</style>
<script type="text/javascript">{plotly_js}</script>
</head>
<body>
<header><h1>E-commerce analytics dashboard</h1>
<p>{subtitle}</p></header>
<section class="tiles">{tiles}</section>
<section class="grid">{cards}</section>
</body>
</html>
"""


def render_html(data: DashboardData, generated_at: datetime | None = None) -> str:
    """The dashboard page: KPI tiles and one card per chart, plotly.js inlined (no network needed).

    Args:
        data: what read_dashboard_data returned.
        generated_at: build time shown in the header (UTC now when omitted).

    Returns:
        The full HTML document as a string (about 5 MB, most of it plotly.js).
    """
    generated_at = generated_at or datetime.now(UTC)
    figures = [
        ("wide", sales_trend_figure(data)),
        ("", region_figure(data)),
        ("", channel_conversion_figure(data)),
        ("", marketing_figure(data)),
        ("", segments_figure(data)),
        ("wide", cohort_figure(data)),
        ("", top_products_figure(data)),
        ("", support_figure(data)),
        ("wide", alerts_figure(data)),
    ]
    cards = "\n".join(
        f'<div class="card {css}">'
        + fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f"chart-{i}",
            config={"displaylogo": False, "displayModeBar": False},
        )
        + "</div>"
        for i, (css, fig) in enumerate(figures)
    )
    period = f"{data.kpis.first_date:%B %Y} to {data.kpis.last_date:%B %Y}" if data.kpis.first_date else "no orders yet"
    subtitle = (
        f"Orders from {period}; amounts in {data.kpis.currency or 'n/a'}. Built from the DuckDB marts on "
        f"{generated_at:%Y-%m-%d %H:%M} UTC. Same KPIs as the Looker Studio Executive, Marketing, Customer and "
        "Operations reports."
    )
    return PAGE.format(
        plotly_js=get_plotlyjs(), subtitle=html.escape(subtitle), tiles=kpi_tiles(data.kpis), cards=cards
    )


def build_dashboard(db_path: Path, out_path: Path, schema: str = "marts") -> Path:
    """Read the marts of ``db_path`` and write the dashboard to ``out_path``.

    Args:
        db_path: the DuckDB warehouse (e.g. build/warehouse.duckdb).
        out_path: HTML file to write; parent folders are created.
        schema: schema of the marts.

    Returns:
        out_path.

    Raises:
        FileNotFoundError, dashboard.data.MissingMartError: see read_dashboard_data.
    """
    data = read_dashboard_data(db_path, schema=schema)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(render_html(data), encoding="utf-8")
    log.info("wrote %s (%.1f MB)", out_path, out_path.stat().st_size / 1e6)
    return out_path
