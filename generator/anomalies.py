"""Documented anomalies injected into the sample: flash-sale product-hours.

Each anomaly is one product in one hour with a burst of discounted web orders (code
FLASH30, from a newsletter) and a burst of sessions viewing the product, so both the
sales and the ``view_item`` series of that product-hour spike far above normal. The
generator lists them in ``_generator/manifest.json`` so tests and the alert mart can
check that they are found.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .catalog import Catalog
from .config import GeneratorConfig
from .timeline import DAY, HOUR, Calendar

#: Number of flash-sale hours injected.
N_ANOMALIES = 3
#: Extra browsing sessions per flash-sale order (each views the product at least once).
VIEW_SESSIONS_PER_ORDER = 8


@dataclass(frozen=True)
class Anomaly:
    """One injected flash-sale hour.

    Attributes:
        product_index: product (product_id - 1) on flash sale.
        hour_start: epoch seconds of the start of the hour (UTC).
        orders: extra orders placed in that hour, each with the product on its first line.
        view_sessions: extra sessions in that hour viewing the product (not purchasing).
    """

    product_index: int
    hour_start: int
    orders: int
    view_sessions: int


def plan_anomalies(cfg: GeneratorConfig, cal: Calendar, catalog: Catalog, rng: np.random.Generator) -> list[Anomaly]:
    """Pick the flash-sale hours: distinct days inside the events window (or the window's last
    60 days without events) after its first week, evening UTC hours, mid-popularity evergreen products.

    Sizes scale with volume: ``max(20, 0.12% of orders)`` orders each, capped at 1/60 of the
    orders (no anomalies below 60 orders).

    Args:
        cfg: generator settings.
        cal: the demand calendar.
        catalog: the products.
        rng: random generator of the ``anomalies`` stream.

    Returns:
        Anomalies sorted by time (possibly empty).
    """
    per = min(max(20, round(cfg.orders * 0.0012)), cfg.orders // 60)
    if per == 0:
        return []
    first = cal.days.searchsorted(cfg.events_start_day) if cfg.events_months else max(cal.n_days - 60, 0)
    first += 7  # a week of normal history before the first spike, for baselines
    last = cal.n_days - 3  # leave the last days: orders need time to be paid and shipped
    candidates = np.arange(max(min(first, last - N_ANOMALIES), 0), last)
    days = np.sort(rng.choice(candidates, size=N_ANOMALIES, replace=False))
    hours = rng.integers(17, 22, size=N_ANOMALIES)
    ranks = np.argsort(-catalog.popularity[catalog.evergreen], kind="stable")
    pool = catalog.evergreen[ranks[len(ranks) // 10 : max(len(ranks) // 2, len(ranks) // 10 + N_ANOMALIES)]]
    products = rng.choice(pool, size=N_ANOMALIES, replace=False)
    return [
        Anomaly(
            product_index=int(p),
            hour_start=int(cal.start_ts + d * DAY + h * HOUR),
            orders=per,
            view_sessions=per * VIEW_SESSIONS_PER_ORDER,
        )
        for d, h, p in zip(days, hours, products, strict=True)
    ]
