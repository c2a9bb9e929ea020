"""shop.products: the product catalogue, with popularity and availability for the other tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import columns as col
from .timeline import DAY, Calendar
from .vocab import ADJECTIVES, BRANDS, CATEGORIES, COLOURS

#: Share of the catalogue per category (same order as vocab.CATEGORIES).
CATEGORY_SHARE = (0.34, 0.20, 0.20, 0.15, 0.11)


@dataclass(frozen=True)
class Catalog:
    """Generated products (index i is product_id i + 1).

    Attributes:
        table: the shop.products Arrow table in contract column order.
        price_cents: list price per product, int64 cents, shape (n,).
        category: category index into vocab.CATEGORIES, shape (n,).
        category_slug: URL slug per category index (``'apparel'`` ...).
        available_from / available_to: epoch seconds between which the product can be sold.
        popularity: relative sales/browsing weight per product (Zipf-like), shape (n,).
        return_weight: relative propensity of the product's category to be returned, shape (n,).
        evergreen: product indexes available during the whole window (fallback draws).
    """

    table: pa.Table
    price_cents: np.ndarray
    category: np.ndarray
    category_slug: tuple[str, ...]
    available_from: np.ndarray
    available_to: np.ndarray
    popularity: np.ndarray
    return_weight: np.ndarray
    evergreen: np.ndarray

    @property
    def n(self) -> int:
        """Number of products."""
        return len(self.price_cents)

    def draw(self, rng: np.random.Generator, at: np.ndarray) -> np.ndarray:
        """Draw one product index per timestamp, by popularity, among products on sale at that time.

        Args:
            rng: random generator.
            at: epoch seconds, shape (m,).

        Returns:
            int64 product indexes (product_id - 1), shape (m,).
        """
        p = self.popularity / self.popularity.sum()
        idx = rng.choice(self.n, size=len(at), p=p)
        self.fix_unavailable(rng, idx, at)
        return idx

    def fix_unavailable(self, rng: np.random.Generator, idx: np.ndarray, at: np.ndarray) -> None:
        """Replace, in place, products not on sale at ``at`` by evergreen products (by popularity)."""
        bad = (self.available_from[idx] > at) | (self.available_to[idx] <= at)
        if bad.any():
            pe = self.popularity[self.evergreen]
            idx[bad] = self.evergreen[rng.choice(len(self.evergreen), size=int(bad.sum()), p=pe / pe.sum())]


def generate_catalog(n: int, cal: Calendar, rng: np.random.Generator) -> Catalog:
    """Generate ``n`` products.

    Most products exist before the window; ~15% launch during it (never in its last 20 days)
    and ~7% are discontinued during it (``is_active`` false, ``updated_at`` = discontinuation).
    Prices are log-normal around the subcategory's median, ending in .99 mostly; unit cost is
    30-55% of price (null for ~4%).

    Args:
        n: number of products (>= 20).
        cal: the demand calendar (gives the window).
        rng: random generator of the ``products`` stream.

    Returns:
        A ``Catalog``; products are numbered 1..n in order of creation.
    """
    subs = [(ci, *sub) for ci, (_, _, _, subcats) in enumerate(CATEGORIES) for sub in subcats]
    sub_cat = np.array([s[0] for s in subs])
    sub_weight = np.array([CATEGORY_SHARE[c] / np.sum(sub_cat == c) for c in sub_cat])
    sub = col.weighted_choice(rng, sub_weight, n)

    start, end = cal.start_ts, cal.end_ts
    rank = rng.permutation(n)  # popularity rank; the 10 best sellers are on sale all window
    launched = (rng.random(n) < 0.15) & (rank >= 10)
    created = np.where(
        launched,
        start + (rng.random(n) * (end - start - 20 * DAY)).astype(np.int64),
        start - rng.integers(30 * DAY, 1100 * DAY, size=n),
    )
    order = np.argsort(created, kind="stable")
    sub, created, launched, rank = sub[order], created[order], launched[order], rank[order]
    cat = sub_cat[sub]
    product_id = np.arange(1, n + 1)

    median = np.array([s[3] for s in subs])[sub]
    dollars = np.maximum(np.round(median * rng.lognormal(0.0, 0.35, n)), 5)
    price = (dollars * 100).astype(np.int64) - np.where(rng.random(n) < 0.8, 1, 0)
    cost = (price * rng.uniform(0.30, 0.55, n)).astype(np.int64)

    discontinued = ~launched & (rng.random(n) < 0.07) & (rank >= 10)
    lo = np.maximum(created, start) + 30 * DAY
    disc_at = lo + (rng.random(n) * np.maximum(end - 30 * DAY - lo, DAY)).astype(np.int64)
    edited = created + (rng.random(n) * (end - 1 - created)).astype(np.int64)
    updated = np.where(discontinued, disc_at, np.maximum(created, edited))

    noun_lists = [s[4] for s in subs]
    noun_offset = np.concatenate([[0], np.cumsum([len(x) for x in noun_lists])])[:-1]
    n_nouns = np.array([len(x) for x in noun_lists])
    all_nouns = [noun for x in noun_lists for noun in x]
    noun = noun_offset[sub] + (rng.random(n) * n_nouns[sub]).astype(np.int64)
    title = col.concat(
        col.pick(ADJECTIVES, rng.integers(0, len(ADJECTIVES), n)),
        " ",
        col.pick(all_nouns, noun),
        " - ",
        col.pick(COLOURS, rng.integers(0, len(COLOURS), n)),
    )
    sku = col.concat(
        col.pick([c[1] for c in CATEGORIES], cat),
        "-",
        col.pick([s[2] for s in subs], sub),
        "-",
        col.digits(product_id, 5),
    )
    table = pa.table(
        {
            "product_id": col.integers(product_id),
            "sku": sku,
            "title": title,
            "category": col.pick([c[0] for c in CATEGORIES], cat),
            "subcategory": col.pick([s[1] for s in subs], sub, null=rng.random(n) < 0.02),
            "brand": col.pick(BRANDS, rng.integers(0, len(BRANDS), n), null=rng.random(n) < 0.05),
            "price": col.money(price),
            "cost": col.money(cost, null=rng.random(n) < 0.04),
            "currency": pa.array(["USD"] * n, pa.string()),
            "is_active": col.booleans(~discontinued),
            "created_at": col.timestamps(created),
            "updated_at": col.timestamps(updated),
        }
    )
    popularity = (1.0 + rank) ** -0.9
    available_to = np.where(discontinued, disc_at, np.iinfo(np.int64).max)
    evergreen = np.flatnonzero((created < start) & ~discontinued)
    return Catalog(
        table=table,
        price_cents=price,
        category=cat,
        category_slug=tuple(pc.utf8_lower(pa.array([c[0] for c in CATEGORIES])).to_pylist()),
        available_from=created,
        available_to=available_to,
        popularity=popularity,
        return_weight=np.array([c[2] for c in CATEGORIES])[cat],
        evergreen=evergreen,
    )
