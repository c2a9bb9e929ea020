"""marketing.ad_spend: paid campaigns whose delivery follows the shop's traffic.

The clicks of a campaign-day are drawn from the paid-session volume the clickstream
will show (``paid sessions ~= LANDING_RATE x clicks``); paid orders pick their campaign
in proportion to the same daily budgets, so ad spend, paid sessions and paid orders
agree with one another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import columns as col
from .timeline import Calendar, black_friday
from .vocab import CAMPAIGNS, PLATFORM_UTM, TRAFFIC_SOURCES

PLATFORMS = tuple(PLATFORM_UTM)
#: Share of web orders tracked by the clickstream (ad blockers, consent refusals).
TRACKED_SHARE = 0.93
#: Average session conversion rate (purchase sessions / sessions).
CONVERSION_RATE = 0.025
#: Share of sessions that come from paid campaigns.
PAID_SESSION_SHARE = dict(TRAFFIC_SOURCES)["paid"] / sum(w for _, w in TRAFFIC_SOURCES)
#: Paid sessions per ad click (some clicks never load the landing page).
LANDING_RATE = 0.9
#: Share of the shop's orders placed on the web storefront (vocab.CHANNELS).
WEB_SHARE = 0.52
#: Campaigns that convert better than their budget share (brand search, retargeting).
CONVERSION_BOOST = {"google_search_brand": 2.0, "meta_retargeting_dpa": 1.8}


@dataclass(frozen=True)
class Marketing:
    """Campaigns and their daily delivery.

    Attributes:
        table: the marketing.ad_spend Arrow table in contract column order.
        names: campaign_name per campaign (used as utm_campaign), length C.
        platform: platform index (into ``PLATFORMS``) per campaign, shape (C,).
        budget: relative budget per day and campaign (0 when inactive), shape (n_days, C).
        clicks: ad clicks per day and campaign, shape (n_days, C).
        order_weight: weight of each campaign in paid-order attribution per day, shape (n_days, C).
    """

    table: pa.Table
    names: tuple[str, ...]
    platform: np.ndarray
    budget: np.ndarray
    clicks: np.ndarray
    order_weight: np.ndarray


def _parse_day(spec: str, year: int) -> np.datetime64:
    if spec.startswith("BF"):
        return black_friday(year) + np.timedelta64(int(spec[2:]), "D")
    return np.datetime64(f"{year}-{spec}", "D")


def campaign_instances(cal: Calendar) -> list[tuple[str, str, np.datetime64, np.datetime64, float, float, float]]:
    """Expand vocab.CAMPAIGNS over the window's years.

    Returns:
        ``(platform, name, first_day, last_day, budget, cpc, ctr)`` per campaign that is
        active on at least one day of the window; yearly campaigns get one instance per year.
    """
    first, last = cal.days[0], cal.days[-1]
    years = range(
        int(first.astype("datetime64[Y]").astype(int)) + 1970, int(last.astype("datetime64[Y]").astype(int)) + 1971
    )
    out = []
    for platform, template, start, end, budget, cpc, ctr in CAMPAIGNS:
        if "{year}" in template:
            spans = [(template.format(year=y), _parse_day(start, y), _parse_day(end, y)) for y in years]
        else:
            s = _parse_day(start, years[0]) if start else first
            spans = [(template, s, _parse_day(end, years[-1]) if end else last)]
        for name, s, e in spans:
            s, e = max(s, first), min(e, last)
            if s <= e:
                out.append((platform, name, s, e, budget, cpc, ctr))
    return out


def generate_marketing(n_orders: int, cal: Calendar, rng: np.random.Generator) -> Marketing:
    """Generate campaigns and their daily impressions, clicks and spend.

    Expected paid clicks per day = expected sessions x paid share / landing rate, where
    expected sessions = expected tracked web orders / conversion rate; a day's clicks are
    split over the active campaigns by budget. Impressions ~ Poisson(clicks / CTR), clicks ~
    Binomial(impressions, CTR), spend = impressions x CTR x CPC (with noise and +25% CPC in
    Q4), in USD cents.

    Args:
        n_orders: number of orders of the window (scales the traffic).
        cal: the demand calendar.
        rng: random generator of the ``marketing`` stream.
    """
    inst = campaign_instances(cal)
    C, D = len(inst), cal.n_days
    platform = np.array([PLATFORMS.index(x[0]) for x in inst])
    names = tuple(x[1] for x in inst)
    active = np.zeros((D, C), dtype=bool)
    for j, (_, _, s, e, *_rest) in enumerate(inst):
        active[:, j] = (cal.days >= s) & (cal.days <= e)
    budget_rel = np.array([x[4] for x in inst])
    cpc = np.array([x[5] for x in inst])
    ctr = np.array([x[6] for x in inst])
    q4 = (cal.days.astype("datetime64[M]").astype(np.int64) % 12 >= 9)[:, None]
    budget = active * budget_rel[None, :] * np.where(q4, 1.3, 1.0) * rng.lognormal(0.0, 0.12, (D, C))

    sessions = n_orders * WEB_SHARE * TRACKED_SHARE * cal.weights / cal.weights.sum() / CONVERSION_RATE
    paid_clicks = sessions * PAID_SESSION_SHARE / LANDING_RATE
    share = budget / np.maximum(budget.sum(axis=1, keepdims=True), 1e-12)
    expected_clicks = paid_clicks[:, None] * share
    impressions = rng.poisson(expected_clicks / ctr[None, :])
    clicks = rng.binomial(impressions, ctr[None, :])
    cpc_day = cpc[None, :] * np.where(q4, 1.25, 1.0) * rng.lognormal(0.0, 0.1, (D, C))
    spend = np.round(impressions * ctr[None, :] * cpc_day * 100).astype(np.int64)

    boost = np.array([CONVERSION_BOOST.get(x[1], 1.0) for x in inst])
    ids = []
    for p in platform:  # a handful of campaigns: ids in each platform's style
        if PLATFORMS[p] == "google_ads":
            ids.append(str(int(rng.integers(10**9, 10**10))))
        elif PLATFORMS[p] == "meta_ads":
            ids.append("1202" + str(int(rng.integers(10**13, 10**14))))
        else:
            ids.append("17" + str(int(rng.integers(10**16, 10**17))))

    d_idx, c_idx = np.nonzero(active)
    rows = np.lexsort((np.array(ids)[c_idx], platform[c_idx], d_idx))
    d_idx, c_idx = d_idx[rows], c_idx[rows]
    table = pa.table(
        {
            "spend_date": col.dates(cal.days[d_idx]),
            "platform": col.pick(PLATFORMS, platform[c_idx]),
            "campaign_id": col.pick(ids, c_idx),
            "campaign_name": col.pick(names, c_idx),
            "impressions": col.integers(impressions[d_idx, c_idx]),
            "clicks": col.integers(clicks[d_idx, c_idx]),
            "spend": col.money(spend[d_idx, c_idx]),
            "currency": pa.array(["USD"] * len(d_idx), pa.string()),
        }
    )
    return Marketing(
        table=table,
        names=names,
        platform=platform,
        budget=budget,
        clicks=clicks,
        order_weight=budget * boost[None, :],
    )


def choose_by_row(rng: np.random.Generator, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each entry of ``rows``, draw a column of ``weights[row]`` with probability proportional to it.

    Args:
        rng: random generator.
        weights: non-negative matrix, shape (R, C).
        rows: row index per draw, shape (m,).

    Returns:
        int64 column indexes, shape (m,); -1 where the row's weights are all zero.
    """
    R, C = weights.shape
    flat = np.cumsum(weights.ravel())
    row_start = np.concatenate([[0.0], flat[C - 1 :: C]])[:-1]
    row_total = weights.sum(axis=1)
    target = row_start[rows] + rng.random(len(rows)) * row_total[rows]
    pos = np.searchsorted(flat, target, side="right")
    colix = np.clip(pos - rows * C, 0, C - 1)
    # Rounding at a row's end can land on a zero-weight column: take the row's heaviest instead.
    off = weights[rows, colix] <= 0
    colix[off] = np.argmax(weights[rows[off]], axis=1)
    return np.where(row_total[rows] > 0, colix, -1)


@dataclass(frozen=True)
class CampaignNames:
    """Every utm_campaign value the generator uses, as one vocabulary addressed by integer codes.

    Codes: ``[0, C)`` paid campaigns (``Marketing.names``), then one monthly newsletter per
    month of the window (``newsletter_YYYY_MM``), then one flash sale per product
    (``flash_sale_<product_id>``).
    """

    names: tuple[str, ...]
    newsletter_offset: int
    flash_offset: int
    first_month: np.datetime64

    @classmethod
    def build(cls, mkt: Marketing, cal: Calendar, n_products: int) -> CampaignNames:
        """Vocabulary for campaigns ``mkt``, the months of ``cal`` and ``n_products`` products."""
        months = np.arange(cal.days[0].astype("datetime64[M]"), cal.days[-1].astype("datetime64[M]") + 1)
        newsletters = [f"newsletter_{str(m).replace('-', '_')}" for m in months]
        flash = [f"flash_sale_{i}" for i in range(1, n_products + 1)]
        return cls(
            names=mkt.names + tuple(newsletters) + tuple(flash),
            newsletter_offset=len(mkt.names),
            flash_offset=len(mkt.names) + len(newsletters),
            first_month=months[0],
        )

    def newsletter(self, ts: np.ndarray) -> np.ndarray:
        """Code of the monthly newsletter of each timestamp (epoch seconds), clipped to the window."""
        month = (np.asarray(ts) // 86_400).astype("datetime64[D]").astype("datetime64[M]")
        idx = (month - self.first_month).astype(np.int64)
        return self.newsletter_offset + np.clip(idx, 0, self.flash_offset - self.newsletter_offset - 1)

    def flash(self, product_index: np.ndarray) -> np.ndarray:
        """Code of the flash sale of each product index (product_id - 1)."""
        return self.flash_offset + np.asarray(product_index)
