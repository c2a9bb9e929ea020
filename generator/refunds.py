"""shop.refunds: partial refunds of delivered orders, days or weeks after delivery.

Shopify records a refund as refund line items (units of an order line) and order adjustments
(goodwill or discrepancy amounts, refunded shipping). Here a share of delivered orders gets one
refund (a line refund, a goodwill adjustment or the shipping back) and some of those a second,
later one (a goodwill adjustment or the shipping). Orders of the ``returned`` status get no refund
lines: their full return stays status-derived, so the sample exercises both sources of returns.
Money is in integer cents: a line refund is the line's discounted subtotal pro rata to the units
refunded (rounded down), tax is the order's rate on the refunded merchandise (shipping is untaxed,
as in the orders).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import columns as col
from .orders import STATUSES, Orders
from .timeline import DAY, Calendar

#: Share of delivered orders with at least one refund.
REFUND_RATE = 0.06
#: Share of refunded orders with a second, later refund.
SECOND_REFUND_RATE = 0.25
#: Refund kinds, in draw order: a line refund, a goodwill adjustment, the shipping refunded.
LINE, GOODWILL, SHIPPING = 0, 1, 2
LINE_REASONS = ("damaged", "wrong size", "not as described")


def generate_refunds(orders: Orders, cal: Calendar, rng: np.random.Generator) -> pa.Table:
    """Draw the refunds feed (one row per refund line) for the generated orders.

    Args:
        orders: the generated orders and lines (statuses, delivery times, line units and amounts).
        cal: the calendar; refunds after its end (the export time) are not exported.
        rng: random generator of the ``refunds`` stream.

    Returns:
        shop.refunds in contract column order: one row per refund (each refund has one line),
        sorted by refunded_at; refund_id and refund_line_id count from 1 in that order.
    """
    delivered = np.flatnonzero((orders.status == STATUSES.index("delivered")) & (orders.delivered_at >= 0))
    idx = delivered[rng.random(len(delivered)) < REFUND_RATE]
    m = len(idx)
    start, stop = orders.item_start[idx], orders.item_start[idx + 1]
    order_net = np.add.reduceat(orders.item_net_cents, orders.item_start[:-1])[idx]
    shipping = orders.shipping_cents[idx]
    tax_bp = orders.tax_bp[idx]

    u = rng.random(m)
    kind1 = np.select([u < 0.6, u < 0.85], [LINE, GOODWILL], SHIPPING)
    kind1[(kind1 == SHIPPING) & (shipping == 0)] = GOODWILL
    line = start + np.floor(rng.random(m) * (stop - start)).astype(np.int64)
    units = orders.item_quantity[line]
    some_units = rng.integers(1, units + 1)
    refunded_units = np.where(kind1 == LINE, np.where(rng.random(m) < 0.5, some_units, 1), 0)
    goodwill_pct = rng.integers(5, 21, m)
    amount1 = np.select(
        [kind1 == LINE, kind1 == GOODWILL],
        [orders.item_net_cents[line] * refunded_units // np.maximum(units, 1), order_net * goodwill_pct // 100],
        0,
    )
    shipping1 = np.where(kind1 == SHIPPING, shipping, 0)
    at1 = orders.delivered_at[idx] + (2 * DAY + rng.gamma(2.0, 5 * DAY, m)).astype(np.int64)

    kind2 = np.where((kind1 != SHIPPING) & (shipping > 0) & (rng.random(m) < 0.5), SHIPPING, GOODWILL)
    amount2 = np.where(kind2 == GOODWILL, (order_net - amount1) * rng.integers(5, 16, m) // 100, 0)
    shipping2 = np.where(kind2 == SHIPPING, shipping, 0)
    at2 = at1 + (3 * DAY + rng.gamma(2.0, 7 * DAY, m)).astype(np.int64)
    end = cal.end_ts
    first = at1 < end
    second = first & (rng.random(m) < SECOND_REFUND_RATE) & (at2 < end)

    order_pos = np.concatenate([idx[first], idx[second]])
    kind = np.concatenate([kind1[first], kind2[second]])
    item = np.concatenate([line[first], np.full(int(second.sum()), -1)])
    quantity = np.concatenate([refunded_units[first], np.zeros(int(second.sum()), dtype=np.int64)])
    amount = np.concatenate([amount1[first], amount2[second]])
    shipping_back = np.concatenate([shipping1[first], shipping2[second]])
    refunded_at = np.concatenate([at1[first], at2[second]])
    tax = (amount * np.concatenate([tax_bp[first], tax_bp[second]]) + 5000) // 10000
    order = np.lexsort((orders.order_id[order_pos], refunded_at))
    order_pos, kind, item, quantity = order_pos[order], kind[order], item[order], quantity[order]
    amount, shipping_back, refunded_at, tax = amount[order], shipping_back[order], refunded_at[order], tax[order]
    n = len(order_pos)
    is_line = kind == LINE

    reason_codes = np.where(is_line, rng.integers(0, len(LINE_REASONS), n), len(LINE_REASONS) + kind - 1)
    ids = np.arange(1, n + 1)
    return pa.table(
        {
            "refund_line_id": col.integers(ids),
            "refund_id": col.integers(ids),
            "order_id": col.integers(orders.order_id[order_pos]),
            "order_item_id": col.integers(item + 1, null=~is_line),
            "quantity": col.integers(quantity, null=~is_line),
            "amount": col.money(amount),
            "shipping_amount": col.money(shipping_back, null=shipping_back == 0),
            "tax_amount": col.money(tax),
            "currency": pa.array(["USD"] * n, pa.string()),  # the order's currency: fx.assign_refund_currencies
            "reason": col.pick((*LINE_REASONS, "goodwill", "shipping refund"), reason_codes),
            "is_restocked": col.booleans(is_line & (rng.random(n) < 0.6)),
            "refunded_at": col.timestamps(refunded_at),
            "updated_at": col.timestamps(refunded_at),
        }
    )
