"""Rankings, product tiers and shares, ROAS and the BTYD monetary value in the reporting currency, end to end.

A generated two-store group (US store in USD, euro store in EUR, weekday EUR rates, refunds) whose Meta ad spend
is rewritten to EUR, so spend and sales both come in two currencies. The feeds are loaded and the customer,
product and marketing marts built with the default vars (reporting currency USD). pandas/Decimal recompute from
the raw CSVs only, following DECISIONLOG.md ("Finance terms", "Currencies", "Rankings, ROAS and CLV in the
reporting currency"): each line's net (quantity x unit price rounded to cents, less its discount, less its refund
lines when the order has any, the whole line for a `returned` order without them, nothing when cancelled), the
order's net as the sum of its lines, each converted at the EUR rate of the order's store-local day (carried
forward at most the configured days) and rounded half away from zero to cents (per line for products, per order
for customers); ad spend converted at its spend day's rate. The customers' monetary ranks and scores, the
products' and categories' shares, percent ranks and tiers, the BTYD repeat mean, and each channel-day's spend,
attributed net sales and ROAS in USD must equal the marts (money to the cent). Only the order -> channel credit
is read from fct_order_attribution (attribution is not what is under test). A rate removed from the raw layer
fails the named test fx_rate_missing_for_spend_day with that (currency, day), and the spend stays null there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from analytics_warehouse import DBT, ROOT, dbt_env, run

pytestmark = pytest.mark.slow

PROJECT_VARS = yaml.safe_load((ROOT / "dbt" / "dbt_project.yml").read_text())["vars"]
CARRY_DAYS = PROJECT_VARS["fx_rate_max_carry_forward_days"]
CENT = Decimal("0.01")
MARTS = [
    "+dim_customer_lifetime",
    "+dim_customer_btyd_summary",
    "+dim_product_performance",
    "+dim_product_category_performance",
    "+fct_marketing_channel_daily",
    "+fct_marketing_campaign_daily",
    "+fct_order_attribution",
    "+fct_orders",
]
NAMED_TESTS = ["fx_rate_missing_for_spend_day", "fx_rate_missing_for_order_day"]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rankings_landing")
    cmd = [sys.executable, "-m", "generator", "--out", str(out), "--orders", "400", "--start", "2026-01-01"]
    cmd += ["--end", "2026-03-31", "--events-months", "1", "--products", "20", "--customers", "80"]
    cmd += ["--currencies", "USD,EUR", "--stores", "2", "--threads", "1"]
    subprocess.run(cmd, check=True, cwd=ROOT, env={**dbt_env(out), "PYTHONPATH": str(ROOT)}, capture_output=True)
    spend_file = out / "marketing/ad_spend/ad_spend.csv"
    spend = pd.read_csv(spend_file, dtype=str, keep_default_na=False)
    spend.loc[spend["platform"] == "meta_ads", "currency"] = "EUR"  # a euro ad account beside the dollar one
    spend.to_csv(spend_file, index=False)
    return out


@pytest.fixture(scope="module")
def built(landing, tmp_path_factory) -> Path:
    """Every feed loaded; the customer, product and marketing marts built with their data tests, once."""
    workdir = tmp_path_factory.mktemp("rankings_build")
    env = dbt_env(workdir)
    run([sys.executable, "-m", "loaders", "load", "--target", "duckdb", "--source-dir", str(landing), "--quiet"], env)
    cmd = [str(DBT), "build", "--quiet", "--select", *MARTS, *NAMED_TESTS, "--exclude", "test_type:unit"]
    run([*cmd, "--indirect-selection", "cautious"], env)
    return workdir / "warehouse.duckdb"


def _latest(landing: Path, rel: str, key: str) -> pd.DataFrame:
    """A feed, one row per key: the latest updated_at, then the later line (DECISIONLOG "Deduplication")."""
    rows = pd.read_csv(landing / rel, dtype=str, keep_default_na=False)
    rows["_line"] = range(len(rows))
    return rows.sort_values(["updated_at", "_line"]).drop_duplicates(key, keep="last")


def _local_days(utc_text: pd.Series, zones: pd.Series) -> list:
    stamps = pd.to_datetime(utc_text).dt.tz_localize("UTC")
    return [ts.tz_convert(zone).date() for ts, zone in zip(stamps, zones, strict=True)]


def _eur_rate(landing: Path, days: pd.Series) -> pd.Series:
    """The EUR -> USD rate of each day (a date): that day's, else the latest at most CARRY_DAYS earlier."""
    rates = pd.read_csv(landing / "finance/fx_rates/fx_rates.csv", dtype=str)
    rates = rates[(rates["currency"] == "EUR") & (rates["quote_currency"] == "USD")].copy()
    rates["rate_date"] = pd.to_datetime(rates["rate_date"]).astype("datetime64[us]")
    wanted = pd.DataFrame({"day": pd.to_datetime(pd.Series(list(days))).astype("datetime64[us]")})
    wanted["position"] = range(len(wanted))
    matched = pd.merge_asof(
        wanted.sort_values("day"),
        rates[["rate_date", "rate"]].sort_values("rate_date"),
        left_on="day",
        right_on="rate_date",
        tolerance=pd.Timedelta(days=CARRY_DAYS),
        direction="backward",
    ).sort_values("position")
    assert matched["rate"].notna().all(), "the generated rates cover every day within the carry-forward window"
    return pd.Series([Decimal(r) for r in matched["rate"]], index=days.index)


@pytest.fixture(scope="module")
def lines(landing) -> pd.DataFrame:
    """One row per order line: order, customer, product, currency, store-local order day, UTC order day, net
    (Decimal, order currency), rate and the line's USD net, cancelled or not."""
    stores = pd.read_csv(landing / "shop/stores/stores.csv", dtype=str).set_index("store_id")
    orders = _latest(landing, "shop/orders/orders.csv", "order_id").set_index("order_id")
    orders["zone"] = orders["store_id"].map(stores["timezone"])
    orders["order_date"] = _local_days(orders["created_at"], orders["zone"])
    orders["utc_date"] = pd.to_datetime(orders["created_at"]).dt.date
    items = _latest(landing, "shop/order_items/order_items.csv", "order_item_id")
    items = items[items["order_id"].isin(orders.index)].copy()
    refunds = _latest(landing, "shop/refunds/refunds.csv", "refund_line_id")
    refunded_orders = set(refunds["order_id"])
    line_refund = refunds[refunds["order_item_id"] != ""].groupby("order_item_id")["amount"]
    line_refund = line_refund.apply(lambda amounts: sum((Decimal(a) for a in amounts), Decimal(0)))
    status = items["order_id"].map(orders["status"])
    gross = [_cents(int(q) * Decimal(p)) for q, p in zip(items["quantity"], items["unit_price"], strict=True)]
    items["gross"] = gross
    items["discount"] = items["discount_amount"].map(Decimal)
    nets = []
    for item_id, order_id, line_status, line_gross, discount in zip(
        items["order_item_id"], items["order_id"], status, items["gross"], items["discount"], strict=True
    ):
        if line_status == "cancelled":
            nets.append(Decimal(0))
        elif order_id in refunded_orders:
            nets.append(line_gross - discount - line_refund.get(item_id, Decimal(0)))
        elif line_status == "returned":
            nets.append(Decimal(0))
        else:
            nets.append(line_gross - discount)
    items["net"] = nets
    items["is_cancelled"] = status == "cancelled"
    for column in ("customer_id", "currency", "order_date", "utc_date"):
        items[column] = items["order_id"].map(orders[column])
    rate = pd.Series([Decimal(1)] * len(items), index=items.index)
    eur = items["currency"] == "EUR"
    rate[eur] = _eur_rate(landing, items.loc[eur, "order_date"])
    items["rate"] = rate
    items["net_usd"] = [_cents(n * r) for n, r in zip(items["net"], items["rate"], strict=True)]
    return items


@pytest.fixture(scope="module")
def orders(lines, landing) -> pd.DataFrame:
    """One row per order: net (its lines' less its order-level refund adjustments, nothing when cancelled) and
    its USD net, converted and rounded per order."""
    grouped = lines.groupby("order_id")
    frame = grouped[["customer_id", "currency", "order_date", "utc_date", "is_cancelled"]].first()
    refunds = _latest(landing, "shop/refunds/refunds.csv", "refund_line_id")
    adjustments = refunds[refunds["order_item_id"] == ""].groupby("order_id")["amount"]
    adjustments = adjustments.apply(lambda amounts: sum((Decimal(a) for a in amounts), Decimal(0)))
    frame["net"] = [
        Decimal(0) if cancelled else sum(nets, Decimal(0)) - adjustments.get(order_id, Decimal(0))
        for order_id, cancelled, nets in zip(
            frame.index, frame["is_cancelled"], grouped["net"].apply(list), strict=True
        )
    ]
    frame["rate"] = grouped["rate"].first()
    frame["net_usd"] = [_cents(n * r) for n, r in zip(frame["net"], frame["rate"], strict=True)]
    return frame


def _percent_rank(values: pd.Series) -> pd.Series:
    """SQL percent_rank over ascending values: (rank - 1) / (rows - 1), ties sharing the lowest rank."""
    ranks = values.map(float).rank(method="min")
    return (ranks - 1) / (len(values) - 1) if len(values) > 1 else ranks * 0.0


def _score(rank: float) -> int:
    return min(5, 1 + int(5 * rank + 1e-12))


def _tier(rank: float) -> str:
    if rank >= PROJECT_VARS["product_performance_top_min_percentile"]:
        return "Top"
    if rank >= PROJECT_VARS["product_performance_good_min_percentile"]:
        return "Good"
    if rank >= PROJECT_VARS["product_performance_average_min_percentile"]:
        return "Average"
    return "Low"


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_shop_sells_and_advertises_in_two_currencies(built, orders, landing):
    assert set(orders["currency"]) == {"USD", "EUR"}
    spend = pd.read_csv(landing / "marketing/ad_spend/ad_spend.csv", dtype=str)
    assert set(spend["currency"]) == {"USD", "EUR"}
    # the order-currency nets recomputed here are the marts' (the definitions agree before any conversion)
    got = {o: n for o, n in _rows(built, "select order_id, net_sales_amount from marts.fct_orders")}
    assert got == dict(orders["net"])


def test_customers_are_ranked_on_net_sales_in_the_reporting_currency(built, orders):
    valid = orders[~orders["is_cancelled"] & (orders["customer_id"] != "")]
    lifetime = valid.groupby("customer_id")["net_usd"].apply(lambda s: sum(s, Decimal(0)))
    rank = _percent_rank(lifetime)
    want = {c: (lifetime[c], pytest.approx(rank[c], abs=1e-12), _score(rank[c])) for c in lifetime.index}
    got = {
        c: (n, r, s)
        for c, n, r, s in _rows(
            built,
            """select customer_id, net_sales_reporting_amount, net_sales_percent_rank, monetary_score
               from marts.dim_customer_lifetime where order_count > 0""",
        )
    }
    assert got == want
    # the order-currency ranking differs: EUR and USD amounts ranked as one number put customers elsewhere
    order_currency = _percent_rank(valid.groupby("customer_id")["net"].apply(lambda s: sum(s, Decimal(0))))
    assert (order_currency - rank).abs().max() > 0


def test_product_and_category_shares_ranks_and_tiers_are_in_the_reporting_currency(built, lines, landing):
    products = pd.read_csv(landing / "shop/products/products.csv", dtype=str).set_index("product_id")
    valid = lines[~lines["is_cancelled"]]
    per_product = valid.groupby("product_id")["net_usd"].apply(lambda s: sum(s, Decimal(0)))
    per_product = pd.Series({p: per_product.get(p, Decimal(0)) for p in products.index})
    got = {
        p: (n, share, rank, tier)
        for p, n, share, rank, tier in _rows(
            built,
            """select product_id, net_sales_reporting_amount, net_sales_share, net_sales_percent_rank,
                      performance_category from marts.dim_product_performance""",
        )
    }
    total = sum(per_product, Decimal(0))
    rank = _percent_rank(per_product)
    want = {
        p: (n, pytest.approx(float(n / total), abs=1e-12), pytest.approx(rank[p], abs=1e-12), _tier(rank[p]))
        for p, n in per_product.items()
    }
    assert got == want
    per_category = per_product.groupby(products["category"]).apply(lambda s: sum(s, Decimal(0)))
    category_rank = _percent_rank(per_category)
    got = {
        c: (n, share, tier)
        for c, n, share, tier in _rows(
            built,
            """select category, net_sales_reporting_amount, net_sales_share, performance_category
               from marts.dim_product_category_performance""",
        )
    }
    assert got == {
        c: (n, pytest.approx(float(n / total), abs=1e-12), _tier(category_rank[c])) for c, n in per_category.items()
    }


def test_btyd_monetary_value_in_the_reporting_currency(built, orders):
    """Mean USD net sales of the repeat purchase days (UTC shop days), the first purchase day left out."""
    valid = orders[~orders["is_cancelled"] & (orders["customer_id"] != "")]
    daily = valid.groupby(["customer_id", "utc_date"])["net_usd"].apply(lambda s: sum(s, Decimal(0)))
    want = {}
    for customer, days in daily.groupby(level=0):
        repeat = days.iloc[1:]
        mean = Decimal(0) if repeat.empty else _cents(sum(repeat, Decimal(0)) / len(repeat))
        want[customer] = ("USD", mean)
    got = {
        c: (cur, v)
        for c, cur, v in _rows(
            built,
            """select customer_id, reporting_currency, monetary_value_reporting_amount
               from marts.dim_customer_btyd_summary""",
        )
    }
    assert got == want


def test_channel_spend_revenue_and_roas_in_the_reporting_currency(built, orders, landing):
    """Spend at its spend day's rate, attributed net sales at each order's rate, per channel group and day."""
    spend = pd.read_csv(landing / "marketing/ad_spend/ad_spend.csv", dtype=str)
    spend["day"] = pd.to_datetime(spend["spend_date"]).dt.date
    rate = pd.Series([Decimal(1)] * len(spend), index=spend.index)
    eur = spend["currency"] == "EUR"
    rate[eur] = _eur_rate(landing, spend.loc[eur, "day"])
    spend["usd"] = [_cents(Decimal(a) * r) for a, r in zip(spend["spend"], rate, strict=True)]
    channels = pd.read_csv(ROOT / "dbt/seeds/ad_platform_channels.csv", dtype=str).set_index("platform")
    spend["channel_group"] = spend["platform"].map(channels["channel_group"]).fillna("Unassigned")
    spend_usd = spend.groupby(["channel_group", "day"])["usd"].apply(lambda s: sum(s, Decimal(0)))

    credit = dict(_rows(built, "select order_id, last_non_direct_channel_group from marts.fct_order_attribution"))
    valid = orders[~orders["is_cancelled"]].copy()
    valid["channel_group"] = valid.index.map(credit)
    # credits are dated on the order's shop-local day (shop_timezone UTC here), each at its order's rate
    revenue = valid.groupby(["channel_group", "utc_date"])["net_usd"].apply(lambda s: sum(s, Decimal(0)))

    want = {}
    for key in set(spend_usd.index) | set(revenue.index):
        paid = spend_usd.get(key, Decimal(0))
        sales = revenue.get(key, Decimal(0))
        roas = pytest.approx(float(sales) / float(paid), rel=1e-12) if paid else None
        want[key] = (paid, sales, roas)
    got = {
        (channel, day): (paid, sales, roas)
        for channel, day, paid, sales, roas in _rows(
            built,
            """select channel_group, activity_date, spend_reporting_amount,
                      last_non_direct_net_sales_reporting_amount, return_on_ad_spend
               from marts.fct_marketing_channel_daily
               where spend_reporting_amount <> 0 or last_non_direct_net_sales_reporting_amount <> 0""",
        )
    }
    assert {k: v for k, v in want.items() if v[0] or v[1]} == got
    assert any(v[0] and v[1] for v in want.values())  # some channel-days have both spend and sales


def test_a_spend_day_without_a_rate_fails_the_named_test_and_stays_null(built, landing, tmp_path):
    """The first EUR rate (2026-01-01) removed from the raw layer: no earlier rate to carry forward, so the EUR
    spend of that day has none. The named test lists exactly (EUR, 2026-01-01) with its rows and spend, and the
    channel's spend that day is null in the reporting currency, never 0."""
    spend = pd.read_csv(landing / "marketing/ad_spend/ad_spend.csv", dtype=str)
    lost = spend[(spend["currency"] == "EUR") & (spend["spend_date"] == "2026-01-01")]
    assert len(lost)
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(built, db)
    with duckdb.connect(str(db)) as con:
        con.execute("delete from raw.fx_rates where currency = 'EUR' and rate_date = '2026-01-01'")
    env = dbt_env(tmp_path)
    models = ["stg_finance__fx_rates", "int_fx_rates_daily", "int_marketing_activities_aggregated_daily"]
    run([str(DBT), "run", "--quiet", "--select", *models, "fct_marketing_channel_daily"], env)
    proc = subprocess.run(
        [str(DBT), "test", "--select", "fx_rate_missing_for_spend_day", "--store-failures"],
        cwd=ROOT / "dbt",
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0 and "fx_rate_missing_for_spend_day" in proc.stdout
    total = sum((Decimal(a) for a in lost["spend"]), Decimal(0))
    audit = "select currency, cast(spend_date as varchar), spend_row_count, spend_amount"
    got = _rows(db, f"{audit} from dbt_test__audit.fx_rate_missing_for_spend_day")
    assert got == [("EUR", "2026-01-01", len(lost), total)]
    channels = pd.read_csv(ROOT / "dbt/seeds/ad_platform_channels.csv", dtype=str).set_index("platform")
    group = channels.at["meta_ads", "channel_group"]
    got = _rows(
        db,
        f"""select spend_amount, spend_reporting_amount, return_on_ad_spend from marts.fct_marketing_channel_daily
            where channel_group = '{group}' and activity_date = '2026-01-01'""",
    )
    assert len(got) == 1 and got[0][0] > 0 and got[0][1] is None and got[0][2] is None
