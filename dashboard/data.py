"""Read the dashboard's figures from the DuckDB marts (read-only connection, plain SQL over the marts)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

log = logging.getLogger(__name__)

# Marts the dashboard reads; a missing one is reported by name instead of failing deep in a query.
REQUIRED_MARTS = (
    "fct_sales_weekly",
    "fct_sales_monthly",
    "fct_sales_daily_by_country",
    "fct_web_conversion_daily",
    "fct_marketing_channel_daily",
    "fct_customer_cohorts",
    "dim_customer_lifetime",
    "dim_product_performance",
    "fct_product_alerts",
    "fct_support_daily",
)


class MissingMartError(RuntimeError):
    """A mart the dashboard needs is absent from the warehouse (run `make run` or `dbt build` first)."""


@dataclass
class Kpis:
    """Headline figures over the whole history of the main currency.

    Amounts are decimals in ``currency``; rates are fractions (0-1); ROAS is a multiple.
    """

    currency: str
    net_revenue: float
    orders: int
    net_orders: int
    average_order_value: float | None
    customers: int
    new_customers: int
    conversion_rate: float | None
    roas: float | None
    first_date: date | None
    last_date: date | None


@dataclass
class DashboardData:
    """Everything the dashboard shows, as lists of row tuples (column order given by each query)."""

    kpis: Kpis
    weekly_sales: list[tuple[Any, ...]] = field(default_factory=list)
    monthly_sales_by_region: list[tuple[Any, ...]] = field(default_factory=list)
    channel_conversion: list[tuple[Any, ...]] = field(default_factory=list)
    channel_marketing: list[tuple[Any, ...]] = field(default_factory=list)
    cohort_retention: list[tuple[Any, ...]] = field(default_factory=list)
    top_products: list[tuple[Any, ...]] = field(default_factory=list)
    segments: list[tuple[Any, ...]] = field(default_factory=list)
    alerts: list[tuple[Any, ...]] = field(default_factory=list)
    support_weekly: list[tuple[Any, ...]] = field(default_factory=list)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params or []).fetchall()


def read_dashboard_data(db_path: Path, schema: str = "marts", top_n: int = 10, alert_limit: int = 15) -> DashboardData:
    """Query the marts for every chart of the dashboard.

    Args:
        db_path: DuckDB warehouse file built by `make run` (opened read-only).
        schema: schema of the marts (``marts``, or ``<prefix>marts`` with the dbt var ``schema_prefix``).
        top_n: number of products in the top-products chart.
        alert_limit: number of most recent alerts listed.

    Returns:
        DashboardData: KPIs of the currency with the most net sales and, per chart, row tuples:
        weekly_sales (week_start_date, net_sales, previous_year_net_sales, orders);
        monthly_sales_by_region (month_start_date, region, net_sales);
        channel_conversion (channel_group, sessions, purchase_sessions, conversion_rate);
        channel_marketing (channel_group, spend, attributed_net_sales, acquired_customers, roas, cac);
        cohort_retention (cohort_month, months_since_first_order, retention_rate, cohort_size);
        top_products (product_title, category, net_sales, gross_margin_rate, performance_category);
        segments (customer_segment, customer_health, customers);
        alerts (alert_hour_at, metric_name, product_title, observed, baseline_mean, z_score);
        support_weekly (week_start_date, created, solved, backlog_end_of_week, csat_rate).

    Raises:
        FileNotFoundError: the warehouse file does not exist.
        MissingMartError: a mart in REQUIRED_MARTS is missing.
    """
    if not db_path.exists():
        raise FileNotFoundError(f"{db_path}: no warehouse here; build it with `make run` first")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        present = {
            name
            for (name,) in _rows(
                con, "select table_name from information_schema.tables where table_schema = ?", [schema]
            )
        }
        missing = [m for m in REQUIRED_MARTS if m not in present]
        if missing:
            raise MissingMartError(f"{db_path}: schema {schema!r} lacks {', '.join(missing)}; run `make run` first")
        s = schema
        currency_row = _rows(
            con,
            f"select currency from {s}.fct_sales_monthly group by currency order by sum(net_sales_amount) desc limit 1",
        )
        currency = currency_row[0][0] if currency_row else ""
        sales = _rows(
            con,
            f"""select coalesce(sum(net_sales_amount), 0), coalesce(sum(order_count), 0),
                       coalesce(sum(net_order_count), 0), coalesce(sum(new_customer_count), 0),
                       min(month_start_date), max(month_start_date)
                from {s}.fct_sales_monthly where currency = ?""",
            [currency],
        )[0]
        customers = _rows(con, f"select count(*) from {s}.dim_customer_lifetime where order_count > 0")[0][0]
        web = _rows(con, f"select sum(purchase_session_count), sum(session_count) from {s}.fct_web_conversion_daily")[0]
        # ROAS of the paid channels: channels with spend, their attributed net sales over their spend
        paid = _rows(
            con,
            f"""with channels as (
                    select channel_group, sum(spend_amount) as spend, sum(last_non_direct_net_sales_amount) as sales
                    from {s}.fct_marketing_channel_daily group by channel_group
                )
                select sum(sales), sum(spend) from channels where spend > 0""",
        )[0]
        net_revenue, orders, net_orders, new_customers, first_month, last_month = sales
        kpis = Kpis(
            currency=currency,
            net_revenue=float(net_revenue),
            orders=int(orders),
            net_orders=int(net_orders),
            average_order_value=float(net_revenue) / net_orders if net_orders else None,
            customers=int(customers),
            new_customers=int(new_customers),
            conversion_rate=float(web[0]) / float(web[1]) if web[1] else None,
            roas=float(paid[0]) / float(paid[1]) if paid[1] else None,
            first_date=first_month,
            last_date=last_month,
        )
        data = DashboardData(kpis=kpis)
        data.weekly_sales = _rows(
            con,
            f"""select week_start_date, net_sales_amount, previous_year_net_sales_amount, order_count
                from {s}.fct_sales_weekly where currency = ? order by week_start_date""",
            [currency],
        )
        data.monthly_sales_by_region = _rows(
            con,
            f"""select cast(date_trunc('month', order_date) as date) as month_start_date, region,
                       sum(net_sales_amount)
                from {s}.fct_sales_daily_by_country where currency = ?
                group by 1, 2 order by 1, 2""",
            [currency],
        )
        data.channel_conversion = _rows(
            con,
            f"""select channel_group, sum(session_count), sum(purchase_session_count),
                       sum(purchase_session_count) / sum(session_count)
                from {s}.fct_web_conversion_daily group by channel_group order by 2 desc""",
        )
        data.channel_marketing = _rows(
            con,
            f"""select channel_group, sum(spend_amount), sum(last_non_direct_net_sales_amount),
                       sum(last_non_direct_new_customer_count),
                       sum(last_non_direct_net_sales_amount) / nullif(sum(spend_amount), 0),
                       sum(spend_amount) / nullif(sum(last_non_direct_new_customer_count), 0)
                from {s}.fct_marketing_channel_daily group by channel_group order by 3 desc""",
        )
        data.cohort_retention = _rows(
            con,
            f"""select cohort_month, months_since_first_order, retention_rate, cohort_customer_count
                from {s}.fct_customer_cohorts order by cohort_month, months_since_first_order""",
        )
        data.top_products = _rows(
            con,
            f"""select coalesce(product_title, 'product ' || product_id), category, net_sales_amount,
                       gross_margin_rate, performance_category
                from {s}.dim_product_performance order by net_sales_amount desc, product_id limit ?""",
            [top_n],
        )
        data.segments = _rows(
            con,
            f"""select customer_segment, customer_health, count(*) from {s}.dim_customer_lifetime
                group by 1, 2 order by 1, 2""",
        )
        data.alerts = _rows(
            con,
            f"""select alert_hour_at, metric_name, coalesce(product_title, 'product ' || product_id),
                       observed_count, baseline_mean, z_score
                from {s}.fct_product_alerts order by alert_hour_at desc, z_score desc limit ?""",
            [alert_limit],
        )
        data.support_weekly = _rows(
            con,
            f"""with daily as (
                    select activity_date, sum(created_ticket_count) as created, sum(solved_ticket_count) as solved,
                           sum(backlog_ticket_count) as backlog, sum(satisfied_ticket_count) as satisfied,
                           sum(rated_ticket_count) as rated
                    from {s}.fct_support_daily group by activity_date
                )
                select cast(date_trunc('week', activity_date) as date), sum(created), sum(solved),
                       arg_max(backlog, activity_date), sum(satisfied) / nullif(sum(rated), 0)
                from daily group by 1 order by 1""",
        )
        log.info("read %s: %s net revenue over %s orders", db_path, currency, kpis.orders)
        return data
    finally:
        con.close()
