"""web.events: GA4-style storefront clickstream for the last ``events_months`` of the window.

Sessions walk the funnel page_view -> view_item -> add_to_cart -> begin_checkout ->
purchase. Every tracked web order (93% of web orders) gets a purchase session ending at
the order's creation, viewing and adding its products and carrying its ``order_id`` and
its UTMs; browsing sessions are added so that ~2.5% of sessions convert. Paid sessions
follow the campaigns' daily clicks; 20% of sessions come without a tracker session_id
(sessionisation by 30 minutes of inactivity has to recover them); logged-in sessions carry
the customer_id. Referrer and UTM fields are set on the landing event only.

Files are batches, as a tracker's export would be: sessions are ordered by the hour they
belong to (start, or order time for purchase sessions) and a session's events are written
together, so lines are not strictly sorted by timestamp. JSON lines are assembled from
precomputed fragments (keys with null values are omitted, as trackers do), which keeps
the writer at well under a microsecond per event.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import columns as col
from .anomalies import Anomaly
from .catalog import Catalog
from .config import GeneratorConfig
from .customers import Customers
from .marketing import CONVERSION_RATE, PLATFORMS, TRACKED_SHARE, CampaignNames, Marketing, choose_by_row
from .orders import TOUCHES, WEB, Orders
from .timeline import DAY, HOUR, Calendar
from .vocab import AFFILIATE_SOURCES, COUNTRIES, DEVICE_TYPES, ORGANIC_REFERRERS, PLATFORM_UTM, REFERRAL_REFERRERS

EVENT_NAMES = ("page_view", "view_item", "add_to_cart", "begin_checkout", "purchase")
PAID_REFERRERS = {
    "google_ads": "https://www.google.com/",
    "meta_ads": "https://m.facebook.com/",
    "tiktok_ads": "https://www.tiktok.com/",
}
REFERRERS = (
    tuple(r for r, _ in ORGANIC_REFERRERS)
    + tuple(r for r, _ in REFERRAL_REFERRERS)
    + tuple(PAID_REFERRERS[p] for p in PLATFORMS)
)
UTM_SOURCES = tuple(PLATFORM_UTM[p][0] for p in PLATFORMS) + ("newsletter",) + AFFILIATE_SOURCES
UTM_MEDIUMS = tuple(PLATFORM_UTM[p][1] for p in PLATFORMS) + ("email", "affiliate")
#: Pages without a product, in page-code order (codes >= len(...) are collections, then product pages).
PLAIN_PAGES = ("/", "/search", "/checkout", "/checkout/thank-you")
PAGE_HOME, PAGE_SEARCH, PAGE_CHECKOUT, PAGE_THANK_YOU = range(4)

#: Share of sessions sent without a tracker session_id.
NO_SESSION_ID_SHARE = 0.20
#: Funnel depth of browsing (non-purchase) sessions: bounce, view items, add to cart, begin checkout.
BROWSE_STAGE_P = (0.45, 0.47, 0.055, 0.025)
#: Session kinds (traffic source of the landing event).
DIRECT, ORGANIC, PAID, EMAIL, REFERRAL, FLASH = range(6)


def join_skip(*parts: pa.Array | pa.Scalar) -> pa.Array:
    """Concatenate string arrays element-wise, treating nulls as empty strings.

    A non-null empty scalar is always added: pyarrow 26's ``binary_join_element_wise`` with
    ``null_handling='skip'`` drops rows in which every input is null (wrong output length).

    Raises:
        AssertionError: the result length differs from the inputs' (the workaround stopped working).
    """
    out = pc.binary_join_element_wise(*parts, pa.scalar(""), "", null_handling="skip")
    n = next(len(p) for p in parts if isinstance(p, pa.Array))
    assert len(out) == n, "binary_join_element_wise changed the row count"
    return out


def _frag(prefix: str, values: pa.Array, suffix: str = "") -> pa.Array:
    """``prefix + value + suffix`` per row, null where ``values`` is null."""
    return pc.binary_join_element_wise(pa.scalar(prefix), values, pa.scalar(suffix), "")


def _str(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pc.cast(pa.array(values, type=pa.int64(), mask=null), pa.string())


@dataclass(frozen=True)
class Clickstream:
    """Generated events, laid out session by session, ready to be rendered as JSON lines.

    Attributes:
        n: number of events.
        name: event-name code per event (index into ``EVENT_NAMES``), int8, shape (n,).
        ts: event time, epoch seconds, shape (n,).
        session: session index per event (into the session fragments), shape (n,).
        landing: True on each session's first event, shape (n,).
        page: page code per event (index into ``page_fragments``), shape (n,).
        order_id: order id on purchase events, -1 elsewhere, shape (n,).
        month_bounds: ``(month, first_event, end_event)`` per calendar month of session starts.
        day0: epoch seconds of the first day in ``day_fragments``.
        session_fragments, landing_fragments, tail_fragments: JSON pieces per session.
        page_fragments, day_fragments: JSON pieces per page code / per day.
    """

    n: int
    name: np.ndarray
    ts: np.ndarray
    session: np.ndarray
    landing: np.ndarray
    page: np.ndarray
    order_id: np.ndarray
    month_bounds: list[tuple[np.datetime64, int, int]]
    day0: int
    session_fragments: pa.Array
    landing_fragments: pa.Array
    tail_fragments: pa.Array
    page_fragments: pa.Array
    day_fragments: pa.Array

    def json_lines(self, first: int, end: int) -> pa.Array:
        """Render events ``[first, end)`` as JSON lines, each ending with a newline.

        Keys follow the contract's column order; event_id is ``evt_<row number>``.

        Returns:
            Arrow string array of ``end - first`` lines.
        """
        sl = slice(first, end)
        ts = self.ts[sl]
        sess = pa.array(self.session[sl])
        order = self.order_id[sl]
        return join_skip(
            _frag('{"event_id":"evt_', _str(np.arange(first, end)), '"'),
            _NAME_FRAGMENTS.take(pa.array(self.name[sl])),
            self.day_fragments.take(pa.array((ts - self.day0) // DAY)),
            _TIME_FRAGMENTS.take(pa.array(ts % DAY)),
            self.session_fragments.take(sess),
            _frag(',"order_id":', _str(order, order < 0)),
            self.page_fragments.take(pa.array(self.page[sl])),
            self.landing_fragments.take(
                pa.array(np.where(self.landing[sl], self.session[sl], -1), mask=~self.landing[sl])
            ),
            self.tail_fragments.take(sess),
        )


_NAME_FRAGMENTS = pa.array([f',"event_name":"{n}"' for n in EVENT_NAMES])
_TIME_FRAGMENTS = pa.array([f'{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"' for s in range(DAY)])


def _visitor_rand(index: np.ndarray, offset: int) -> np.ndarray:
    """A distinct 10-digit number per visitor index (a scrambling bijection of [0, 9e9))."""
    return (index.astype(np.int64) * 2_654_435_761 + offset) % 9_000_000_000 + 1_000_000_000


def generate_events(
    cfg: GeneratorConfig,
    cal: Calendar,
    cust: Customers,
    catalog: Catalog,
    orders: Orders,
    mkt: Marketing,
    anomalies: list[Anomaly],
    rng: np.random.Generator,
) -> Clickstream:
    """Generate the clickstream of ``[cfg.events_start_day, cfg.end]``.

    Args:
        cfg: settings (events window).
        cal, cust, catalog, orders, mkt: the window's calendar, customers, products, orders, campaigns.
        anomalies: flash-sale hours; each adds ``view_sessions`` sessions viewing its product.
        rng: random generator of the ``events`` stream.

    Returns:
        A ``Clickstream`` (no events when ``cfg.events_months`` is 0).
    """
    d0 = int(np.searchsorted(cal.days, cfg.events_start_day))
    t0, end = cal.start_ts + d0 * DAY, cal.end_ts
    offset = int(rng.integers(0, 9_000_000_000))
    if cfg.events_months == 0 or d0 >= cal.n_days:
        return _expand(_empty_sessions(), cal, catalog, mkt, cust, orders, t0, end, offset, rng)

    # ---- purchase sessions: tracked web orders of the window, anchored at the order time
    po = np.flatnonzero(
        (orders.channel == WEB) & (orders.created_at >= t0) & (rng.random(len(orders.channel)) < TRACKED_SHARE)
    )
    n_po = len(po)
    p_touch = orders.touch[po]
    untagged = np.array([DIRECT, ORGANIC, REFERRAL])[rng.choice(3, size=n_po, p=[0.45, 0.40, 0.15])]
    p_kind = np.select(
        [p_touch == TOUCHES.index(t) for t in ("paid", "email", "affiliate", "flash")],
        [PAID, EMAIL, REFERRAL, FLASH],
        untagged,
    )

    # ---- browsing sessions per day: sessions = expected purchase sessions / conversion rate
    days = np.arange(d0, cal.n_days)
    w = cal.weights[days]
    cr = CONVERSION_RATE * rng.lognormal(0.0, 0.08, len(days))
    total = rng.poisson(n_po * w / w.sum() / cr)
    p_day = np.bincount((orders.created_at[po] - cal.start_ts) // DAY - d0, minlength=len(days))
    browse_per_day = np.maximum(total - p_day, 0)
    n_br = int(browse_per_day.sum())
    b_day = np.repeat(days, browse_per_day)
    b_start = cal.day_start[b_day] + cal.sample_hour_offsets(rng, n_br)
    b_kind = col.weighted_choice(rng, [30, 24, 27, 11, 8], n_br)  # DIRECT .. REFERRAL
    b_campaign = np.full(n_br, -1)
    paid = np.flatnonzero(b_kind == PAID)
    b_campaign[paid] = choose_by_row(rng, mkt.clicks.astype(np.float64), b_day[paid])
    b_kind[(b_kind == PAID) & (b_campaign < 0)] = ORGANIC

    # ---- flash-sale browsing bursts
    a_start = [an.hour_start + rng.integers(0, HOUR, an.view_sessions) for an in anomalies if an.hour_start >= t0]
    a_prod = [np.full(an.view_sessions, an.product_index) for an in anomalies if an.hour_start >= t0]
    a_start_all = np.concatenate([np.zeros(0, np.int64), *a_start])
    n_an = len(a_start_all)

    # ---- session-level arrays: [purchase | browsing | flash]
    S = n_po + n_br + n_an
    s = {
        "anchor": np.concatenate([orders.created_at[po], b_start, a_start_all]),
        "purchase": np.concatenate([np.ones(n_po, bool), np.zeros(n_br + n_an, bool)]),
        "order": np.concatenate([po, np.full(n_br + n_an, -1)]),
        "stage": np.concatenate([np.full(n_po, 4), col.weighted_choice(rng, BROWSE_STAGE_P, n_br), np.ones(n_an, int)]),
        "kind": np.concatenate([p_kind, b_kind, np.full(n_an, FLASH)]),
        "campaign": np.concatenate([orders.campaign[po], b_campaign, np.full(n_an, -1)]),
        "flash": np.concatenate([orders.flash_product[po], np.full(n_br, -1), *a_prod]).astype(np.int64),
        "forced": np.concatenate([np.full(n_po + n_br, -1), *a_prod]).astype(np.int64),
        "customer": np.concatenate([orders.customer[po], np.full(n_br + n_an, -1)]),
    }
    s["affiliate"] = (s["kind"] == REFERRAL) & np.concatenate(
        [p_touch == TOUCHES.index("affiliate"), rng.random(n_br) < 0.4, np.zeros(n_an, bool)]
    )
    # Some browsing sessions are returning customers (on their main browser).
    maybe = np.flatnonzero(~s["purchase"] & (rng.random(S) < 0.2))
    cand = col.weighted_choice(rng, cust.propensity, len(maybe))
    signed_up = cust.created_at[cand] < s["anchor"][maybe]
    s["customer"][maybe[signed_up]] = cand[signed_up]

    # Order sessions by the hour they belong to (radix sort on 16-bit buckets); this is the file order.
    bucket = np.clip((s["anchor"] - t0) // HOUR, 0, None)
    order = np.argsort(bucket.astype(np.uint16) if bucket.max(initial=0) < 2**16 else bucket, kind="stable")
    s = {k: v[order] for k, v in s.items()}
    return _expand(s, cal, catalog, mkt, cust, orders, t0, end, offset, rng)


def _empty_sessions() -> dict[str, np.ndarray]:
    keys = ("anchor", "purchase", "order", "stage", "kind", "campaign", "flash", "forced", "customer", "affiliate")
    return {k: np.zeros(0, dtype=bool if k in ("purchase", "affiliate") else np.int64) for k in keys}


def _expand(
    s: dict[str, np.ndarray],
    cal: Calendar,
    catalog: Catalog,
    mkt: Marketing,
    cust: Customers,
    orders: Orders,
    t0: int,
    end: int,
    offset: int,
    rng: np.random.Generator,
) -> Clickstream:
    """Expand sessions (already in file order) into events and JSON fragments."""
    S = len(s["anchor"])
    purchase, stage = s["purchase"], s["stage"]
    order_idx = s["order"]
    oi = np.maximum(order_idx, 0)
    n_items = np.where(purchase, orders.item_start[oi + 1] - orders.item_start[oi], 0)

    # Funnel: counts of each event per session.
    n_pv = np.where(stage == 0, 1, 1 + rng.poisson(0.6, S))
    n_vi = np.where(purchase, n_items + rng.poisson(0.8, S), np.where(stage >= 1, 1 + rng.poisson(0.7, S), 0))
    n_atc = np.where(purchase, n_items, np.where(stage >= 2, 1 + (rng.random(S) < 0.25), 0))
    n_bc = (stage >= 3).astype(np.int64)
    n_ev = n_pv + n_vi + n_atc + n_bc + purchase
    ev_start = np.concatenate([[0], np.cumsum(n_ev)])
    E = int(ev_start[-1])

    # Every session has >= 1 event (a page_view), so session i's events are [ev_start[i], ev_start[i+1]).
    first_mark = np.zeros(E, dtype=np.int8)
    first_mark[ev_start[:-1]] = 1
    sess = np.cumsum(first_mark, dtype=np.int32 if S < 2**31 else np.int64) - 1
    del first_mark
    k = np.arange(E, dtype=np.int64) - ev_start[sess]
    gap = np.minimum(3 + rng.exponential(45.0, E), 1200).astype(np.int64)
    gap[ev_start[:-1]] = 0
    cum = np.cumsum(gap)
    rel = cum - cum[ev_start[:-1]][sess]
    duration = rel[ev_start[1:] - 1]
    start = np.where(purchase, s["anchor"] - duration, s["anchor"])
    ts = start[sess] + rel
    del gap, cum, rel

    keep = ts < end  # browsing sessions still running at export time are cut
    if not keep.all():
        sess, k, ts = sess[keep], k[keep], ts[keep]
    b1 = n_pv[sess]
    b2 = b1 + n_vi[sess]
    b3 = b2 + n_atc[sess]
    name = ((k >= b1).astype(np.int8) + (k >= b2) + (k >= b3) + (k >= b3 + n_bc[sess])).astype(np.int8)

    # Products: purchase sessions first view (and add) their order's lines, in order.
    product = np.full(len(k), -1, dtype=np.int64)
    vi = np.flatnonzero(name == 1)
    j = k[vi] - b1[vi]
    s_vi = sess[vi]
    own = purchase[s_vi] & (j < n_items[s_vi])
    product[vi[own]] = orders.item_product[orders.item_start[order_idx[s_vi[own]]] + j[own]]
    rest = vi[~own]
    product[rest] = catalog.draw(rng, ts[rest])
    forced_first = (j == 0) & (s["forced"][s_vi] >= 0)
    product[vi[forced_first]] = s["forced"][s_vi[forced_first]]
    atc = np.flatnonzero(name == 2)
    s_atc = sess[atc]
    # The i-th add_to_cart adds the i-th viewed product (events of a session are contiguous and kept in order).
    product[atc] = product[atc - (k[atc] - b2[atc]) - n_vi[s_atc] + (k[atc] - b2[atc]) % n_vi[s_atc]]

    n_cat = len(catalog.category_slug)
    n_plain = len(PLAIN_PAGES)
    page = n_plain + n_cat + product  # view_item, add_to_cart: the product page
    pv = np.flatnonzero(name == 0)
    u = rng.random(len(pv))
    page[pv] = np.where(
        u < 0.40, PAGE_HOME, np.where(u < 0.55, PAGE_SEARCH, n_plain + (u * 1e6).astype(np.int64) % n_cat)
    )
    page[name == 3] = PAGE_CHECKOUT
    page[name == 4] = PAGE_THANK_YOU
    order_id = np.full(len(k), -1, dtype=np.int64)
    pu = name == 4
    order_id[pu] = orders.order_id[order_idx[sess[pu]]]

    landing = k == 0
    visitors = _visitors(s, cust, offset, t0, rng)
    return Clickstream(
        n=len(k),
        name=name,
        ts=ts,
        session=sess,
        landing=landing,
        page=page,
        order_id=order_id,
        month_bounds=_month_bounds(s["anchor"], t0, ev_start, keep),
        day0=t0 - DAY,
        session_fragments=_session_fragments(s, visitors, rng),
        landing_fragments=_landing_fragments(s, mkt, CampaignNames.build(mkt, cal, catalog.n), rng),
        tail_fragments=_tail_fragments(visitors),
        page_fragments=_page_fragments(catalog),
        day_fragments=pa.array(
            [
                f',"event_timestamp":"{d} '
                for d in np.arange(t0 - DAY, end, DAY).astype("datetime64[s]").astype("datetime64[D]")
            ]
        ),
    )


def _month_bounds(anchor: np.ndarray, t0: int, ev_start: np.ndarray, keep: np.ndarray) -> list:
    """Contiguous event ranges per month of the sessions' hour (sessions are sorted by it)."""
    if len(anchor) == 0:
        return []
    kept_before = np.concatenate([[0], np.cumsum(keep)])  # events kept before each original position
    month = (np.maximum(anchor, t0) // DAY).astype("datetime64[D]").astype("datetime64[M]")
    out = []
    for m in np.unique(month):
        first_s = int(np.searchsorted(month, m, side="left"))
        end_s = int(np.searchsorted(month, m, side="right"))
        a, b = int(kept_before[ev_start[first_s]]), int(kept_before[ev_start[end_s]])
        if b > a:
            out.append((m, a, b))
    return out


def _visitors(s: dict[str, np.ndarray], cust: Customers, offset: int, t0: int, rng: np.random.Generator) -> dict:
    """Browser of each session: customers use their main browser; anonymous visitors are drawn from a
    pool (a few come back several times) and keep their device and country.

    Returns:
        dict of per-session arrays: ``vrand``/``vfirst`` (the two parts of anonymous_id:
        a distinct 10-digit number and the first-seen epoch second), ``device``, ``country``.
    """
    S = len(s["anchor"])
    c = s["customer"]
    anon = c < 0
    n_anon = int(anon.sum())
    V = max(1, round(n_anon / 1.5))
    vis = np.zeros(S, np.int64)
    vis[anon] = (V * rng.random(n_anon) ** 2).astype(np.int64)
    cw = np.maximum(c, 0)
    v_first = t0 - rng.integers(0, 400 * DAY, V)
    v_device = col.weighted_choice(rng, [x for _, x in DEVICE_TYPES], V)
    v_country = col.weighted_choice(rng, [x[1] for x in COUNTRIES], V)
    return {
        "vrand": np.where(anon, _visitor_rand(cust.n + vis, offset), _visitor_rand(cw, offset)),
        "vfirst": np.where(anon, v_first[vis], cust.created_at[cw]),
        "device": np.where(anon, v_device[vis], cust.device[cw]),
        "country": np.where(anon, v_country[vis], cust.country[cw]),
    }


def _session_fragments(s: dict[str, np.ndarray], visitors: dict, rng: np.random.Generator) -> pa.Array:
    """``,"session_id":..,"anonymous_id":..,"customer_id":..`` per session."""
    S = len(s["anchor"])
    c = s["customer"]
    logged_in = (c >= 0) & (rng.random(S) < np.where(s["purchase"], 0.75, 0.5))
    no_sid = rng.random(S) < NO_SESSION_ID_SHARE
    return join_skip(
        _frag(',"session_id":"s', _str(1_000_000 + np.arange(S), no_sid), '"'),
        pa.scalar(',"anonymous_id":"'),
        _str(visitors["vrand"]),
        pa.scalar("."),
        _str(visitors["vfirst"]),
        pa.scalar('"'),
        _frag(',"customer_id":', _str(c + 1, ~logged_in)),
    )


def _landing_fragments(
    s: dict[str, np.ndarray], mkt: Marketing, names: CampaignNames, rng: np.random.Generator
) -> pa.Array:
    """Referrer and UTM keys of each session's landing event."""
    S = len(s["anchor"])
    kind, campaign = s["kind"], s["campaign"]
    platform = np.where(campaign >= 0, mkt.platform[np.maximum(campaign, 0)], 0)
    n_org, n_ref = len(ORGANIC_REFERRERS), len(REFERRAL_REFERRERS)
    referrer = np.select(
        [kind == ORGANIC, kind == REFERRAL, kind == PAID],
        [
            col.weighted_choice(rng, [x for _, x in ORGANIC_REFERRERS], S),
            n_org + col.weighted_choice(rng, [x for _, x in REFERRAL_REFERRERS], S),
            n_org + n_ref + platform,
        ],
        -1,
    )
    tagged = [kind == PAID, (kind == EMAIL) | (kind == FLASH), s["affiliate"]]
    usrc = np.select(tagged, [platform, 3, 4 + rng.integers(0, len(AFFILIATE_SOURCES), S)], -1)
    umed = np.select(tagged, [platform, 3, 4], -1)
    code = np.select(
        [kind == PAID, kind == EMAIL, kind == FLASH],
        [campaign, names.newsletter(s["anchor"]), names.flash(np.maximum(s["flash"], 0))],
        -1,
    )
    campaign_frag = pa.array([f',"utm_campaign":"{n}"' for n in names.names]).take(pa.array(code, mask=code < 0))
    return join_skip(
        pa.array([f',"referrer":"{r}"' for r in REFERRERS]).take(pa.array(referrer, mask=referrer < 0)),
        pa.array([f',"utm_source":"{u}"' for u in UTM_SOURCES]).take(pa.array(usrc, mask=usrc < 0)),
        pa.array([f',"utm_medium":"{u}"' for u in UTM_MEDIUMS]).take(pa.array(umed, mask=umed < 0)),
        campaign_frag,
    )


def _tail_fragments(visitors: dict) -> pa.Array:
    """``,"device_type":..,"country_code":..}`` + newline per session."""
    combos = [f',"device_type":"{d}","country_code":"{c[0]}"}}\n' for d, _ in DEVICE_TYPES for c in COUNTRIES]
    return pa.array(combos).take(pa.array(visitors["device"] * len(COUNTRIES) + visitors["country"]))


def _page_fragments(catalog: Catalog) -> pa.Array:
    """Page codes -> ``,"page_url":..`` (product pages also carry ``,"product_id":..`` before it)."""
    plain = [f',"page_url":"{p}"' for p in PLAIN_PAGES]
    collections = [f',"page_url":"/collections/{slug}"' for slug in catalog.category_slug]
    products = [f',"product_id":{i},"page_url":"/products/{i}"' for i in range(1, catalog.n + 1)]
    return pa.array(plain + collections + products)
