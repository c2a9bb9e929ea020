"""support.tickets: help-desk tickets about orders (where is it, returns, cancellations, damage)
and pre-sales questions, with response and resolution times and CSAT on a subset."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import columns as col
from .customers import Customers
from .orders import STATUSES, Orders
from .timeline import DAY, HOUR, MINUTE, Calendar
from .vocab import TICKET_CHANNELS, TICKET_PRIORITIES, TICKET_SUBJECTS

TICKET_STATUSES = ("new", "open", "pending", "solved", "closed")
REASONS = tuple(TICKET_SUBJECTS)
#: Share of tickets that appear twice in the export (an earlier 'open' version).
DUPLICATE_SHARE = 0.02
#: A solved ticket is closed automatically this long after solving.
CLOSE_AFTER = 4 * DAY
TICKET_ID_BASE = 500_001


def generate_tickets(cust: Customers, orders: Orders, cal: Calendar, rng: np.random.Generator) -> pa.Table:
    """Generate the ticket export.

    Per order: cancelled orders open a cancellation ticket with p=0.35 (within hours),
    returned orders a return ticket with p=0.5 (days before the return is received),
    delivered orders a where-is-my-order ticket with p=0.05 (3-12 days after ordering) or a
    damaged/wrong-item ticket with p=0.02 (after delivery); pre-sales tickets without an
    order add ~12% on top. First response: minutes on chat/phone, hours on email/web form
    (faster for urgent); resolution hours to days later. Status at export: new (no reply
    yet), open/pending (not solved), solved, closed (solved more than 4 days before).
    CSAT (1-5) on ~30% of solved/closed tickets, lower when resolution was slow. About 4%
    of subjects contain a phone number (free text with PII); 3% are empty.

    Args:
        cust, orders, cal: the generated customers, orders and calendar.
        rng: random generator of the ``tickets`` stream.

    Returns:
        Arrow table in contract column order, sorted by ticket_id, with 2% superseded rows appended.
    """
    end = cal.end_ts
    n = len(orders.order_id)
    status = orders.status
    u = rng.random(n)
    reason = np.full(n, -1)
    reason[(status == STATUSES.index("cancelled")) & (u < 0.35)] = REASONS.index("cancel")
    reason[(status == STATUSES.index("returned")) & (u < 0.5)] = REASONS.index("return")
    delivered = orders.delivered_at >= 0
    reason[(reason < 0) & delivered & (u < 0.05)] = REASONS.index("wismo")
    reason[(reason < 0) & delivered & (u >= 0.05) & (u < 0.07)] = REASONS.index("damaged")
    o = np.flatnonzero(reason >= 0)
    r = reason[o]
    created = orders.created_at[o]
    t = np.select(
        [r == REASONS.index("cancel"), r == REASONS.index("return"), r == REASONS.index("wismo")],
        [
            created + rng.integers(10 * MINUTE, 6 * HOUR, len(o)),
            np.maximum(orders.returned_at[o] - rng.integers(2 * DAY, 10 * DAY, len(o)), orders.delivered_at[o] + HOUR),
            created + rng.integers(3 * DAY, 12 * DAY, len(o)),
        ],
        orders.delivered_at[o] + rng.integers(HOUR, 3 * DAY, len(o)),
    )
    t = np.maximum(t, created + MINUTE)
    order_cust = orders.customer[o]

    n_pre = round(0.12 * len(o)) + 1
    pre_t = cal.sample(rng, n_pre)
    pre_c = col.weighted_choice(rng, cust.propensity, n_pre)
    pre_c = np.where((rng.random(n_pre) < 0.6) & (cust.created_at[pre_c] < pre_t), pre_c, -1)

    reason_all = np.concatenate([r, np.full(n_pre, REASONS.index("presales"))])
    t_all = np.concatenate([t, pre_t])
    c_all = np.concatenate([order_cust, pre_c])
    unmatched = rng.random(len(c_all)) < 0.05  # requester's e-mail not found in the shop
    c_all = np.where(unmatched, -1, c_all)
    order_idx = np.concatenate([o, np.full(n_pre, -1)])
    order_id = np.where(order_idx >= 0, orders.order_id[np.maximum(order_idx, 0)], -1)
    order_id = np.where(rng.random(len(order_id)) < 0.1, -1, order_id)  # order number not given

    keep = t_all < end
    reason_all, t_all, c_all, order_id = reason_all[keep], t_all[keep], c_all[keep], order_id[keep]
    sort = np.lexsort((order_id, t_all))
    reason_all, t_all, c_all, order_id = reason_all[sort], t_all[sort], c_all[sort], order_id[sort]
    m = len(t_all)

    channel = col.weighted_choice(rng, [w for _, w in TICKET_CHANNELS], m)
    prio_w = np.array([w for _, w in TICKET_PRIORITIES], dtype=float)
    priority = col.weighted_choice(rng, prio_w, m)
    bump = np.isin(reason_all, [REASONS.index("damaged"), REASONS.index("cancel")]) & (rng.random(m) < 0.35)
    priority = np.where(bump, np.maximum(priority, 2), priority)
    live = np.isin(channel, [1, 2])  # chat, phone
    speed = np.array([1.5, 1.0, 0.7, 0.3])[priority]
    first_resp = (
        t_all
        + np.where(
            live,
            rng.lognormal(np.log(3 * MINUTE), 0.7, m),
            rng.lognormal(np.log(4 * HOUR), 0.9, m) * speed,
        ).astype(np.int64)
        + 30
    )
    solve = first_resp + rng.lognormal(np.log(18 * HOUR), 1.1, m).astype(np.int64)
    solve = np.where(live & (rng.random(m) < 0.5), first_resp + rng.integers(MINUTE, 20 * MINUTE, m), solve)

    responded = first_resp < end
    solved = solve < end
    closed = solve + CLOSE_AFTER < end
    t_status = np.select([~responded, ~solved, ~closed], [0, np.where(rng.random(m) < 0.35, 2, 1), 3], 4)
    answered = solved & (rng.random(m) < 0.3)
    hours = (solve - t_all) / HOUR
    slow = np.clip(np.log1p(hours) / np.log1p(72.0), 0, 1.5)
    csat_p = np.array([0.03, 0.03, 0.07, 0.22, 0.65])
    csat_bad = np.array([0.25, 0.2, 0.2, 0.17, 0.18])
    mix = rng.random(m) < slow / 4
    csat = np.where(mix, col.weighted_choice(rng, csat_bad, m), col.weighted_choice(rng, csat_p, m)) + 1
    updated = np.select(
        [t_status == 0, t_status <= 2, t_status == 3],
        [t_all, first_resp, solve + np.where(answered, rng.integers(HOUR, DAY, m), 0)],
        solve + CLOSE_AFTER,
    )
    updated = np.minimum(updated, end - 1)

    subjects = [(reason, pre, suf) for reason in REASONS for pre, suf in TICKET_SUBJECTS[reason]]
    offsets = np.concatenate([[0], np.cumsum([len(TICKET_SUBJECTS[r]) for r in REASONS])])
    choice = offsets[reason_all] + (rng.random(m) * np.diff(offsets)[reason_all]).astype(np.int64)
    has_order = order_id >= 0
    pre = col.pick([s[1] for s in subjects], choice)
    suf = col.pick([s[2] for s in subjects], choice)
    with_order = np.array([r != "presales" for r, _, _ in subjects])[choice] & has_order
    generic = {
        "wismo": "Where is my order?",
        "return": "Return request",
        "cancel": "Please cancel my order",
        "damaged": "Item arrived damaged",
    }
    fallback = col.pick([generic.get(s[0], s[1]) for s in subjects], choice)
    subject = pc.if_else(pa.array(with_order), col.concat(pre, col.digits(np.maximum(order_id, 0)), suf), fallback)
    # Free text carries PII now and then: a phone number to call back.
    phone = col.digits(rng.integers(2_000_000_000, 10_000_000_000, m))
    subject = pc.if_else(pa.array(rng.random(m) < 0.04), col.concat(subject, " - call me back on +1", phone), subject)
    subject = pc.if_else(pa.array(rng.random(m) < 0.03), pa.scalar(None, pa.string()), subject)

    ticket_id = TICKET_ID_BASE + np.arange(m)
    table = pa.table(
        {
            "ticket_id": col.integers(ticket_id),
            "customer_id": col.integers(c_all + 1, null=c_all < 0),
            "order_id": col.integers(order_id, null=order_id < 0),
            "status": col.pick(TICKET_STATUSES, t_status),
            "priority": col.pick([p for p, _ in TICKET_PRIORITIES], priority, null=rng.random(m) < 0.03),
            "channel": col.pick([c for c, _ in TICKET_CHANNELS], channel),
            "subject": subject,
            "satisfaction_score": col.integers(csat, null=~answered),
            "created_at": col.timestamps(t_all),
            "first_responded_at": col.timestamps(first_resp, null=~responded),
            "solved_at": col.timestamps(solve, null=~solved),
            "updated_at": col.timestamps(updated),
        }
    )
    # Superseded rows: an earlier export saw solved tickets still open.
    dup = np.flatnonzero((t_status >= 3) & (rng.random(m) < DUPLICATE_SHARE / max((t_status >= 3).mean(), 1e-9)))
    return col.with_superseded(
        table,
        dup,
        updated[dup],
        status=col.pick(TICKET_STATUSES, np.ones(len(dup), np.int64)),
        solved_at=pa.nulls(len(dup), pa.timestamp("s")),
        satisfaction_score=pa.nulls(len(dup), pa.int64()),
        updated_at=col.timestamps(first_resp[dup]),
    )
