"""shop.customers: accounts, their value propensity, churn, devices and profile fields."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import columns as col
from .timeline import DAY, Calendar
from .vocab import CHANNELS, COUNTRIES, DEVICE_TYPES, EMAIL_DOMAIN_WEIGHTS, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES

#: Share of accounts created before the window starts.
PRE_WINDOW_SHARE = 0.35
#: Sigma of the log-normal purchase propensity: the top 20% of customers hold ~60% of the orders.
PROPENSITY_SIGMA = 1.0
#: Propensity is capped at this quantile (no single customer with hundreds of orders).
PROPENSITY_CAP_QUANTILE = 0.995
#: Mean active lifetime before churn, days (scaled up for high-propensity customers).
MEAN_LIFETIME_DAYS = 540.0


@dataclass(frozen=True)
class Customers:
    """Customer accounts (index i is customer_id i + 1), sorted by creation time.

    Attributes:
        created_at: account creation, epoch seconds, shape (n,).
        churn_at: after this the customer never orders again, epoch seconds, shape (n,).
        propensity: relative purchase frequency (log-normal), shape (n,).
        country: index into vocab.COUNTRIES, shape (n,).
        channel: preferred sales channel, index into vocab.CHANNELS, shape (n,).
        device: device type of the customer's main browser, index into vocab.DEVICE_TYPES.
        first_name, last_name, domain, email_style: word indexes used to build the profile.
    """

    created_at: np.ndarray
    churn_at: np.ndarray
    propensity: np.ndarray
    country: np.ndarray
    channel: np.ndarray
    device: np.ndarray
    first_name: np.ndarray
    last_name: np.ndarray
    domain: np.ndarray
    email_style: np.ndarray

    @property
    def n(self) -> int:
        """Number of customers."""
        return len(self.created_at)


def generate_customers(n: int, cal: Calendar, rng: np.random.Generator) -> Customers:
    """Generate ``n`` customer accounts.

    35% exist before the window (created up to two years earlier); the others sign up
    during it, following the demand calendar. Purchase propensity is log-normal
    (sigma 1.0, capped at its 99.5th percentile: a few heavy buyers), lifetime to churn is
    exponential (mean 540 days, longer for heavy buyers).

    Args:
        n: number of customers (>= 1).
        cal: the demand calendar.
        rng: random generator of the ``customers`` stream.
    """
    pre = rng.random(n) < PRE_WINDOW_SHARE
    created = np.where(pre, cal.start_ts - rng.integers(DAY, 2 * 365 * DAY, size=n), cal.sample(rng, n))
    created = np.sort(created, kind="stable")
    propensity = rng.lognormal(0.0, PROPENSITY_SIGMA, n)
    propensity = np.minimum(propensity, np.quantile(propensity, PROPENSITY_CAP_QUANTILE))
    lifetime = rng.exponential(MEAN_LIFETIME_DAYS, n) * propensity**0.25
    return Customers(
        created_at=created,
        churn_at=created + (lifetime * DAY).astype(np.int64),
        propensity=propensity,
        country=col.weighted_choice(rng, [c[1] for c in COUNTRIES], n),
        channel=col.weighted_choice(rng, [w for _, w in CHANNELS], n),
        device=col.weighted_choice(rng, [w for _, w in DEVICE_TYPES], n),
        first_name=rng.integers(0, len(FIRST_NAMES), n),
        last_name=rng.integers(0, len(LAST_NAMES), n),
        domain=col.weighted_choice(rng, EMAIL_DOMAIN_WEIGHTS, n),
        email_style=rng.integers(0, 3, n),
    )


def customers_table(c: Customers, last_order_at: np.ndarray, end_ts: int, rng: np.random.Generator) -> pa.Table:
    """Build the shop.customers export, including ~1% superseded rows.

    ``updated_at`` is the later of creation and the last order (the shop touches the
    customer on every order), plus a few minutes. About 1% of customers (those updated
    more than a day after creation) also appear in an earlier version -- different
    marketing opt-in and no phone -- with an earlier ``updated_at``; the earlier version
    comes first in the file, the current one is appended at the end (a later export).

    Args:
        c: the customers.
        last_order_at: epoch seconds of each customer's last order, or -1 when none, shape (n,).
        end_ts: export time (exclusive upper bound of every timestamp), epoch seconds.
        rng: random generator of the ``customers`` stream.

    Returns:
        Arrow table in contract column order, ``n + duplicates`` rows.
    """
    n = c.n
    customer_id = np.arange(1, n + 1)
    touched = np.maximum(c.created_at, last_order_at) + rng.integers(60, 1800, size=n)
    updated = np.minimum(touched, end_ts - 1)

    country_codes = [x[0] for x in COUNTRIES]
    first = col.pick(FIRST_NAMES, c.first_name)
    last = col.pick(LAST_NAMES, c.last_name)
    first_l, last_l = pc.utf8_lower(first), pc.utf8_lower(last)
    initial = pc.utf8_slice_codeunits(first_l, 0, 1)
    local = pc.choose(
        pa.array(c.email_style.astype(np.int8)),
        col.concat(first_l, ".", last_l),
        col.concat(first_l, "_", last_l),
        col.concat(initial, last_l),
    )
    email = col.concat(
        local, col.digits(customer_id), "@", col.pick(EMAIL_DOMAINS, c.domain), null=rng.random(n) < 0.01
    )

    # E.164: + calling code + national significant number (first digit 2-9).
    nsn_len = np.array([x[3] for x in COUNTRIES])[c.country]
    nsn = (rng.integers(2, 10, n) * 10 ** (nsn_len - 1)) + (rng.random(n) * 10 ** (nsn_len - 1)).astype(np.int64)
    phone = col.concat("+", col.pick([x[2] for x in COUNTRIES], c.country), col.digits(nsn), null=rng.random(n) < 0.30)

    city_lists = [x[7] for x in COUNTRIES]
    city_offset = np.concatenate([[0], np.cumsum([len(x) for x in city_lists])])[:-1]
    city_count = np.array([len(x) for x in city_lists])
    city = city_offset[c.country] + (rng.random(n) * city_count[c.country]).astype(np.int64)
    accepts = rng.random(n) < 0.45
    accepts_null = rng.random(n) < 0.02

    current = {
        "customer_id": col.integers(customer_id),
        "email": email,
        "first_name": first,
        "last_name": last,
        "phone": phone,
        "country_code": col.pick(country_codes, c.country),
        "city": col.pick([x for cl in city_lists for x in cl], city, null=rng.random(n) < 0.02),
        "accepts_marketing": col.booleans(accepts, null=accepts_null),
        "created_at": col.timestamps(c.created_at),
        "updated_at": col.timestamps(updated),
    }
    table = pa.table(current)

    # Superseded versions: ~1% of the customers changed after their first export.
    dup = np.flatnonzero((rng.random(n) < 0.01) & (updated - c.created_at > DAY))
    old_updated = c.created_at[dup] + ((updated[dup] - c.created_at[dup]) * rng.uniform(0.1, 0.9, len(dup))).astype(
        np.int64
    )
    return col.with_superseded(
        table,
        dup,
        updated[dup],
        phone=pa.nulls(len(dup), pa.string()),
        accepts_marketing=col.booleans(~accepts[dup]),
        updated_at=col.timestamps(old_updated),
    )
