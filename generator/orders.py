"""shop.orders and shop.order_items: who buys what, when, through which channel, for how much.

Money is computed in integer cents so the identities the contract states hold exactly:
``subtotal = sum(quantity x unit_price)`` of the order's lines, ``discount = sum`` of the
lines' discounts, ``total = subtotal - discount + shipping + tax``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import columns as col
from .anomalies import Anomaly
from .catalog import Catalog
from .customers import Customers
from .marketing import PLATFORMS, CampaignNames, Marketing, choose_by_row
from .timeline import DAY, HOUR, Calendar, black_friday
from .vocab import AFFILIATE_SOURCES, CHANNELS, COUNTRIES, DISCOUNT_CODES, PLATFORM_UTM

#: Share of orders placed without an account.
GUEST_SHARE = 0.035
#: Share of orders duplicated in the export (an earlier version with an older status).
DUPLICATE_SHARE = 0.02
#: Base cancellation probability (guests higher, point-of-sale almost never).
CANCEL_RATE = 0.04
#: Base return probability, scaled by the first line's category return weight.
RETURN_RATE = 0.06
#: Order statuses (contract accepted values) in lifecycle order.
STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
#: Marketing touch of an order: index into this tuple.
TOUCHES = ("none", "paid", "email", "affiliate", "flash")

CHANNEL_NAMES = tuple(c for c, _ in CHANNELS)
WEB, APP, MARKETPLACE, POS = (CHANNEL_NAMES.index(c) for c in ("web", "mobile_app", "marketplace", "pos"))
CODE_NAMES = tuple(c for c, _, _ in DISCOUNT_CODES)
CODE_PCT_BP = np.array([c[1] for c in DISCOUNT_CODES] + [0])  # index len(CODES) = no code
CODE_FREE_SHIPPING = np.array([c[2] for c in DISCOUNT_CODES] + [False])
NO_CODE = len(DISCOUNT_CODES)


@dataclass(frozen=True)
class Orders:
    """Generated orders (index i is order_id ``ORDER_ID_BASE + i``), sorted by creation time.

    Attributes:
        orders_table: shop.orders export in contract column order (including duplicate rows).
        items_table: shop.order_items in contract column order.
        order_id: int64, shape (n,).
        customer: customer index or -1 for guests, shape (n,).
        created_at: epoch seconds, shape (n,).
        channel: index into vocab.CHANNELS, shape (n,).
        status: index into ``STATUSES``, shape (n,).
        touch: index into ``TOUCHES``, shape (n,).
        campaign: campaign index for paid touches, else -1, shape (n,).
        country: index into vocab.COUNTRIES, shape (n,).
        delivered_at, cancelled_at, returned_at: epoch seconds or -1, shape (n,).
        item_start: first line index of each order, shape (n + 1,) (offsets into the item arrays).
        item_product: product index per line, shape (lines,).
        item_quantity: units per line, shape (lines,).
        item_net_cents: line subtotal after its discount, in cents, shape (lines,).
        shipping_cents: shipping charged per order, in cents, shape (n,).
        tax_bp: tax rate per order in basis points (of the discounted subtotal), shape (n,).
        flash_product: product index of the flash sale the order belongs to, or -1, shape (n,).
    """

    orders_table: pa.Table
    items_table: pa.Table
    order_id: np.ndarray
    customer: np.ndarray
    created_at: np.ndarray
    channel: np.ndarray
    status: np.ndarray
    touch: np.ndarray
    campaign: np.ndarray
    country: np.ndarray
    delivered_at: np.ndarray
    cancelled_at: np.ndarray
    returned_at: np.ndarray
    item_start: np.ndarray
    item_product: np.ndarray
    item_quantity: np.ndarray
    item_net_cents: np.ndarray
    shipping_cents: np.ndarray
    tax_bp: np.ndarray
    flash_product: np.ndarray


ORDER_ID_BASE = 100_001


def _order_times(
    n_member: int, n_guest: int, anomalies: list[Anomaly], cust: Customers, cal: Calendar, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw (customer index or -1, created_at, flash product or -1) per order, unsorted."""
    start, end = cal.start_ts, cal.end_ts
    a = np.maximum(cust.created_at, start)
    b = np.minimum(cust.churn_at, end)
    active = b > a
    # Demand per active customer: divide each day's demand by the propensity of the customers active
    # that day, so that the sum over customers follows the calendar whatever the size of the base.
    first_day = (a[active] - start) // DAY
    last_day = (b[active] - 1 - start) // DAY + 1
    delta = np.zeros(cal.n_days + 1)
    np.add.at(delta, first_day, cust.propensity[active])
    np.add.at(delta, last_day, -cust.propensity[active])
    base = np.cumsum(delta)[:-1]
    per_customer = cal.reweighted(1.0 / np.maximum(base, base[base > 0].min() if (base > 0).any() else 1.0))
    weight = np.where(active, cust.propensity * (per_customer.position(b) - per_customer.position(a)), 0.0)
    counts = rng.multinomial(n_member, weight / weight.sum()) if n_member else np.zeros(cust.n, dtype=np.int64)
    who = np.repeat(np.arange(cust.n), counts)
    t = per_customer.sample_between(rng, a[who], b[who]) if n_member else np.zeros(0, dtype=np.int64)
    # Accounts opened in the window are opened at their first checkout.
    firsts = np.concatenate([[0], np.cumsum(counts)])[:-1][(counts > 0) & (cust.created_at >= start)]
    t[firsts] = np.minimum(cust.created_at[who[firsts]] + rng.integers(60, 900, len(firsts)), end - 1)

    guest_t = cal.sample(rng, n_guest)
    flash_t, flash_who, flash_p = [], [], []
    for an in anomalies:
        ft = an.hour_start + rng.integers(0, HOUR, an.orders)
        p = cust.propensity / cust.propensity.sum()
        w = rng.choice(cust.n, size=an.orders, p=p)
        flash_who.append(np.where((cust.created_at[w] < ft) & (rng.random(an.orders) > GUEST_SHARE), w, -1))
        flash_t.append(ft)
        flash_p.append(np.full(an.orders, an.product_index))
    who_all = np.concatenate([who, np.full(n_guest, -1), *flash_who]).astype(np.int64)
    t_all = np.concatenate([t, guest_t, *flash_t]).astype(np.int64)
    flash_all = np.concatenate([np.full(n_member + n_guest, -1), *flash_p]).astype(np.int64)
    return who_all, t_all, flash_all


def generate_orders(
    n_orders: int,
    anomalies: list[Anomaly],
    cust: Customers,
    catalog: Catalog,
    mkt: Marketing,
    cal: Calendar,
    rng: np.random.Generator,
) -> Orders:
    """Generate ``n_orders`` orders with their lines, statuses and the duplicated export rows.

    Customers order in proportion to their propensity while active (between sign-up and
    churn), following the demand calendar; accounts opened in the window are opened at the
    first order; 3.5% of orders are guest checkouts; the anomalies' flash-sale orders are
    part of ``n_orders``. Web/app orders carry a marketing touch (paid campaign, newsletter,
    affiliate) as UTM fields; discount codes: WELCOME10 on first orders, BFCM25 over Black
    Friday-Cyber Monday, VIP20 for the heaviest buyers, SAVE15/FREESHIP otherwise, FLASH30
    on flash sales; 5% of uncoded lines carry a 20% markdown. Shipping is free above the
    country's threshold; tax is the country's rate on the discounted subtotal.

    Statuses follow the lifecycle up to the export time (the window's end): ~4% cancelled
    within hours, ~6% returned 1-4 weeks after delivery (more for apparel and footwear);
    2% of orders also appear with an older status and ``updated_at`` (superseded rows).

    Args:
        n_orders: distinct orders to generate (>= 1).
        anomalies: flash-sale hours whose orders are included in ``n_orders``.
        cust, catalog, mkt, cal: previously generated customers, products, campaigns, calendar.
        rng: random generator of the ``orders`` stream.
    """
    end = cal.end_ts
    n_flash = sum(a.orders for a in anomalies)
    n_guest = round(GUEST_SHARE * (n_orders - n_flash))
    n_member = n_orders - n_flash - n_guest
    who, t, flash = _order_times(n_member, n_guest, anomalies, cust, cal, rng)
    order = np.lexsort((rng.random(n_orders), t))
    who, t, flash = who[order], t[order], flash[order]
    n = n_orders
    order_id = ORDER_ID_BASE + np.arange(n)
    member = who >= 0
    cw = np.where(member, who, 0)
    day = (t - cal.start_ts) // DAY

    country = np.where(member, cust.country[cw], col.weighted_choice(rng, [c[1] for c in COUNTRIES], n))
    mix = col.weighted_choice(rng, [w for _, w in CHANNELS], n)
    channel = np.where(member & (rng.random(n) < 0.8), cust.channel[cw], mix)
    channel[flash >= 0] = WEB
    is_first = np.zeros(n, dtype=bool)
    _, first_pos = np.unique(np.where(member, who, -1), return_index=True)
    is_first[first_pos] = True
    is_first &= member & (cust.created_at[cw] >= cal.start_ts)

    # Marketing touch: web and app orders only; the app passes UTMs less often.
    online = (channel == WEB) | (channel == APP)
    u = rng.random(n)
    touch = np.select([u < 0.26, u < 0.40, u < 0.44], [1, 2, 3], 0)
    touch[~online | ((channel == APP) & (rng.random(n) < 0.6))] = 0
    campaign = np.full(n, -1)
    paid = np.flatnonzero(touch == 1)
    campaign[paid] = choose_by_row(rng, mkt.order_weight, day[paid])
    touch[(touch == 1) & (campaign < 0)] = 0
    touch[flash >= 0] = TOUCHES.index("flash")

    # Discount codes.
    code = np.full(n, NO_CODE)
    u = rng.random(n)
    code[u < 0.07] = CODE_NAMES.index("SAVE15")
    code[(u >= 0.07) & (u < 0.10)] = CODE_NAMES.index("FREESHIP")
    heavy = member & (cust.propensity[cw] > np.quantile(cust.propensity, 0.9))
    code[heavy & (rng.random(n) < 0.15)] = CODE_NAMES.index("VIP20")
    code[is_first & (rng.random(n) < 0.30)] = CODE_NAMES.index("WELCOME10")
    bfcm = np.zeros(n, dtype=bool)
    for y in np.unique(cal.days.astype("datetime64[Y]").astype(np.int64) + 1970):
        bf = int(black_friday(int(y)).astype(np.int64)) * DAY
        bfcm |= (t >= bf - 3 * DAY) & (t < bf + 5 * DAY)
    code[bfcm & (rng.random(n) < 0.45)] = CODE_NAMES.index("BFCM25")
    code[flash >= 0] = CODE_NAMES.index("FLASH30")

    # Lines.
    n_lines = 1 + np.minimum(rng.poisson(0.65, n), 7)
    item_start = np.concatenate([[0], np.cumsum(n_lines)])
    line_order = np.repeat(np.arange(n), n_lines)
    n_items = int(item_start[-1])
    line_t = t[line_order]
    product = catalog.draw(rng, line_t)
    flash_lines = item_start[:-1][flash >= 0]
    product[flash_lines] = flash[flash >= 0]
    qty = np.array([1, 2, 3, 4])[col.weighted_choice(rng, [82, 13, 3.5, 1.5], n_items)]
    unit = catalog.price_cents[product]
    line_cents = qty * unit
    bp = CODE_PCT_BP[code][line_order]
    markdown = (bp == 0) & (code[line_order] == NO_CODE) & (rng.random(n_items) < 0.05)
    bp = np.where(markdown, 2000, bp)
    line_disc = (line_cents * bp + 5000) // 10000
    subtotal = np.add.reduceat(line_cents, item_start[:-1])
    discount = np.add.reduceat(line_disc, item_start[:-1])

    net = subtotal - discount
    threshold = np.array([c[5] for c in COUNTRIES])[country]
    fee = np.array([c[6] for c in COUNTRIES])[country]
    shipping = np.where(
        (channel == POS) | CODE_FREE_SHIPPING[code] | (net >= threshold), 0, np.where(channel == MARKETPLACE, 499, fee)
    )
    tax_bp = np.array([c[4] for c in COUNTRIES])[country]
    tax = (net * tax_bp + 5000) // 10000
    total = net + shipping + tax

    # Lifecycle.
    pos = channel == POS
    paid_at = t + np.where(pos, 0, rng.integers(30, 600, n))
    shipped_at = paid_at + np.where(pos, 0, (0.3 * DAY + rng.gamma(2.0, 0.6 * DAY, n)).astype(np.int64))
    transit = 1.5 * DAY + rng.gamma(2.0, 1.2 * DAY, n) + np.where(country == 0, 0, 2 * DAY)
    delivered_at = shipped_at + np.where(pos, 0, transit.astype(np.int64))
    cancel_p = np.where(pos, 0.005, np.where(member, CANCEL_RATE, 1.5 * CANCEL_RATE))
    cancel_at = t + np.minimum(rng.lognormal(np.log(2 * HOUR), 1.0, n), 1.5 * DAY).astype(np.int64)
    cancelled = (rng.random(n) < cancel_p) & (cancel_at < end) & (cancel_at < shipped_at) & (flash < 0)
    month = (t // DAY).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    holiday = month >= 10  # November and December orders: gift returns
    return_p = RETURN_RATE * catalog.return_weight[product[item_start[:-1]]] * np.where(holiday, 1.3, 1.0)
    return_at = delivered_at + (4 * DAY + rng.gamma(2.0, 4 * DAY, n)).astype(np.int64)
    returned = ~cancelled & (rng.random(n) < return_p) & (return_at < end)
    status = np.select(
        [cancelled, returned, delivered_at < end, shipped_at < end, paid_at < end],
        [4, 5, 3, 2, 1],
        0,
    )
    updated = np.choose(status, [t, paid_at, shipped_at, delivered_at, cancel_at, return_at])

    names = CampaignNames.build(mkt, cal, catalog.n)
    utm_source, utm_medium, utm_campaign = _utm(touch, campaign, names, t, flash, rng, mkt.platform)
    cancelled_at_col = np.where(status == 4, cancel_at, -1)
    returned_at_col = np.where(status == 5, return_at, -1)
    current = {
        "order_id": col.integers(order_id),
        "customer_id": col.integers(who + 1, null=~member),
        "status": col.pick(STATUSES, status),
        "currency": pa.array(["USD"] * n, pa.string()),
        "country_code": col.pick([c[0] for c in COUNTRIES], country, null=rng.random(n) < 0.005),
        "channel": col.pick(CHANNEL_NAMES, channel),
        "utm_source": utm_source,
        "utm_medium": utm_medium,
        "utm_campaign": utm_campaign,
        "discount_code": col.pick(CODE_NAMES, np.minimum(code, NO_CODE - 1), null=code == NO_CODE),
        "subtotal_amount": col.money(subtotal),
        "discount_amount": col.money(discount),
        "shipping_amount": col.money(shipping),
        "tax_amount": col.money(tax),
        "total_amount": col.money(total),
        "created_at": col.timestamps(t),
        "cancelled_at": col.timestamps(cancelled_at_col, null=status != 4),
        "returned_at": col.timestamps(returned_at_col, null=status != 5),
        "updated_at": col.timestamps(updated),
    }
    orders_table = _with_superseded_rows(
        pa.table(current), status, updated, t, paid_at, shipped_at, delivered_at, cancel_at, rng
    )

    items_table = pa.table(
        {
            "order_item_id": col.integers(np.arange(1, n_items + 1)),
            "order_id": col.integers(order_id[line_order]),
            "product_id": col.integers(product + 1),
            "quantity": col.integers(qty),
            "unit_price": col.money(unit),
            "discount_amount": col.money(line_disc),
            "updated_at": col.timestamps(line_t),
        }
    )
    return Orders(
        orders_table=orders_table,
        items_table=items_table,
        order_id=order_id,
        customer=who,
        created_at=t,
        channel=channel,
        status=status,
        touch=touch,
        campaign=campaign,
        country=country,
        delivered_at=np.where(delivered_at < end, delivered_at, -1),
        cancelled_at=cancelled_at_col,
        returned_at=returned_at_col,
        item_start=item_start,
        item_product=product,
        item_quantity=qty,
        item_net_cents=line_cents - line_disc,
        shipping_cents=shipping,
        tax_bp=tax_bp,
        flash_product=flash,
    )


def _utm(
    touch: np.ndarray,
    campaign: np.ndarray,
    names: CampaignNames,
    t: np.ndarray,
    flash: np.ndarray,
    rng: np.random.Generator,
    campaign_platform: np.ndarray,
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """UTM source/medium/campaign per order from its marketing touch (nulls when none)."""
    n = len(touch)
    platform = np.where(campaign >= 0, campaign_platform[np.maximum(campaign, 0)], 0)
    aff = rng.integers(0, len(AFFILIATE_SOURCES), n)
    sources = [PLATFORM_UTM[p][0] for p in PLATFORMS] + ["newsletter", *AFFILIATE_SOURCES]
    src = np.select([touch == 1, (touch == 2) | (touch == 4), touch == 3], [platform, 3, 4 + aff], 0)
    mediums = [PLATFORM_UTM[p][1] for p in PLATFORMS] + ["email", "affiliate"]
    med = np.select([touch == 1, (touch == 2) | (touch == 4), touch == 3], [platform, 3, 4], 0)
    none = touch == 0
    code = np.select(
        [touch == 1, touch == 2, touch == 4],
        [campaign, names.newsletter(t), names.flash(np.maximum(flash, 0))],
        -1,
    )
    return (
        col.pick(sources, src, null=none),
        col.pick(mediums, med, null=none),
        col.pick(names.names, np.maximum(code, 0), null=code < 0),
    )


def _with_superseded_rows(
    table: pa.Table,
    status: np.ndarray,
    updated: np.ndarray,
    created: np.ndarray,
    paid_at: np.ndarray,
    shipped_at: np.ndarray,
    delivered_at: np.ndarray,
    cancel_at: np.ndarray,
    rng: np.random.Generator,
) -> pa.Table:
    """Return the export: every order once (superseded orders in their earlier version) followed by the
    current version of the superseded orders (a later export appended), ordered by ``updated_at``."""
    n = table.num_rows
    eligible = status >= 2  # has an earlier state
    dup = np.flatnonzero(eligible & (rng.random(n) < DUPLICATE_SHARE / max(eligible.mean(), 1e-9)))
    s = status[dup]
    old_status = np.select([s == 2, s == 3, s == 5, s == 4], [1, 2, 3, 1], 0)
    old_updated = np.select([s == 2, s == 3, s == 5], [paid_at[dup], shipped_at[dup], delivered_at[dup]], paid_at[dup])
    # A cancellation before payment supersedes a 'placed' row.
    cancelled_early = (s == 4) & (paid_at[dup] >= cancel_at[dup])
    old_status = np.where(cancelled_early, 0, old_status)
    old_updated = np.where(cancelled_early, created[dup], old_updated)
    nulls = pa.nulls(len(dup), pa.timestamp("s"))
    return col.with_superseded(
        table,
        dup,
        updated[dup],
        status=col.pick(STATUSES, old_status),
        cancelled_at=nulls,
        returned_at=nulls,
        updated_at=col.timestamps(old_updated),
    )
