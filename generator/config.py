"""Generator settings and the seeded random streams derived from them."""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass

import numpy as np

from .fx import check_currencies
from .stores import check_stores


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate. Same config (and code version) -> byte-identical files.

    Each table draws from its own random stream, but the flash-sale anomalies are placed
    inside the events window, so changing ``events_months`` also moves them (and hence
    some orders, customers' ``updated_at`` and tickets).

    Attributes:
        orders: number of distinct orders (>= 1); duplicated export rows come on top.
        seed: master seed; every table draws from its own stream derived from it.
        start: first day of the window, ``YYYY-MM-DD``.
        end: last day of the window (inclusive), ``YYYY-MM-DD``.
        events_months: calendar months of clickstream to write, ending with ``end``'s month (0 = none).
        customers: number of customer accounts; default ``orders // 5`` (at least 10).
        products: number of catalogue products (>= 20).
        gzip_level: zlib level 1..9 for the events files (1 = fastest, the default; 6 for the committed sample).
        stores: 1 (no store ids, no stores file) or 2 (a US and a euro store in other time zones and
            currencies, with ``shop/stores``; needs EUR among ``currencies``); see generator/stores.py.
    """

    orders: int = 25_000
    seed: int = 42
    start: str = "2025-01-01"
    end: str = "2025-12-31"
    events_months: int = 3
    customers: int | None = None
    products: int = 300
    gzip_level: int = 1
    #: Order currencies, USD (the price list and the rates' quote currency) first; see generator/fx.py.
    currencies: tuple[str, ...] = ("USD",)
    stores: int = 1

    def __post_init__(self) -> None:
        if self.orders < 1:
            raise ValueError(f"orders must be >= 1, got {self.orders}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        if self.products < 20:
            raise ValueError(f"products must be >= 20, got {self.products}")
        if self.customers is not None and self.customers < 1:
            raise ValueError(f"customers must be >= 1, got {self.customers}")
        if self.events_months < 0:
            raise ValueError(f"events_months must be >= 0, got {self.events_months}")
        check_currencies(tuple(self.currencies))
        check_stores(self.stores, tuple(self.currencies))
        if not 1 <= self.gzip_level <= 9:
            raise ValueError(f"gzip_level must be within 1..9, got {self.gzip_level}")
        try:
            start, end = np.datetime64(self.start, "D"), np.datetime64(self.end, "D")
        except ValueError as exc:
            raise ValueError(f"start/end must be dates YYYY-MM-DD: {exc}") from None
        if end < start + np.timedelta64(27, "D"):
            raise ValueError(f"the window {self.start}..{self.end} must span at least 28 days")

    @property
    def start_day(self) -> np.datetime64:
        """First day, ``datetime64[D]``."""
        return np.datetime64(self.start, "D")

    @property
    def end_day(self) -> np.datetime64:
        """Last day (inclusive), ``datetime64[D]``."""
        return np.datetime64(self.end, "D")

    @property
    def n_customers(self) -> int:
        """Number of customers to generate."""
        return self.customers if self.customers is not None else max(10, self.orders // 5)

    @property
    def events_start_day(self) -> np.datetime64:
        """First day of the clickstream window: the 1st of the month ``events_months - 1`` before ``end``'s.

        Never before ``start``; equals the day after ``end`` when ``events_months`` is 0.
        """
        if self.events_months == 0:
            return self.end_day + np.timedelta64(1, "D")
        first_month = self.end_day.astype("datetime64[M]") - np.timedelta64(self.events_months - 1, "M")
        return max(first_month.astype("datetime64[D]"), self.start_day)

    def rng(self, stream: str) -> np.random.Generator:
        """Independent random generator for one named stream (e.g. ``'orders'``).

        Streams are keyed by (seed, crc32(stream)), so changing how one table is drawn
        does not shift the random numbers of the others.
        """
        return np.random.default_rng(np.random.SeedSequence([self.seed, zlib.crc32(stream.encode())]))

    def as_dict(self) -> dict:
        """The settings as a plain dict (for the manifest), with ``customers`` resolved; ``stores`` only when 2."""
        d = asdict(self)
        d["customers"] = self.n_customers
        d["currencies"] = list(self.currencies)
        if self.stores == 1:
            del d["stores"]  # one store is the layout without stores: its manifest stays as before
        return d
