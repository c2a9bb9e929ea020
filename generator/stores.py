"""Stores of the generated group (the ``shop.stores`` feed and ``orders.store_id``).

With one store (the default) the orders carry no ``store_id`` column and no stores file is written, so the
warehouse puts every order in the dbt var ``default_store_id``. With two stores, orders shipped to a euro
country belong to the euro store (Berlin time, prices in EUR) and every other order to the US store (New York
time, prices in USD): two stores whose days close at different instants and whose books are in different
currencies.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .columns import timestamps
from .fx import COUNTRY_CURRENCY

#: (store_id, store_name, currency, IANA time zone) of each store, the first one the default for other countries.
STORES = (
    ("us", "Example Store US", "USD", "America/New_York"),
    ("eu", "Example Store EU", "EUR", "Europe/Berlin"),
)

#: Countries whose orders the euro store takes.
EURO_COUNTRIES = frozenset(country for country, currency in COUNTRY_CURRENCY.items() if currency == "EUR")


def check_stores(stores: int, currencies: tuple[str, ...]) -> None:
    """Raise ``ValueError`` unless ``stores`` is 1, or 2 with EUR among ``currencies`` (the euro store's orders).

    Args:
        stores: number of stores to generate.
        currencies: the configured order currencies (``generator.fx.check_currencies``).
    """
    if stores not in (1, 2):
        raise ValueError(f"stores must be 1 or 2, got {stores}")
    if stores == 2 and "EUR" not in currencies:
        raise ValueError("stores 2 needs EUR among the currencies (the euro store sells in EUR), e.g. USD,EUR")


def assign_order_stores(orders: pa.Table, stores: int) -> pa.Table:
    """The orders table with a ``store_id`` column appended (two stores), or unchanged (one store).

    Args:
        orders: the generated ``shop.orders`` table (column ``country_code``).
        stores: 1 or 2 (``check_stores``).

    Returns:
        With two stores, ``orders`` plus ``store_id`` (string, last): ``eu`` for an order shipped to a euro
        country, else ``us``; with one store, ``orders`` itself.
    """
    if stores == 1:
        return orders
    countries = orders.column("country_code").to_pylist()
    store_id = pa.array([STORES[1][0] if c in EURO_COUNTRIES else STORES[0][0] for c in countries], pa.string())
    return orders.append_column("store_id", store_id)


def stores_table(stores: int, updated_at: int) -> pa.Table:
    """The ``shop.stores`` feed of the first ``stores`` entries of ``STORES``.

    Args:
        stores: number of stores (``check_stores``).
        updated_at: epoch seconds of every row's ``updated_at`` (the window's start).

    Returns:
        Columns ``store_id``, ``store_name``, ``currency``, ``timezone``, ``updated_at`` (timestamp[s]), one row
        per store.
    """
    rows = STORES[:stores]
    return pa.table(
        {
            "store_id": pa.array([r[0] for r in rows], pa.string()),
            "store_name": pa.array([r[1] for r in rows], pa.string()),
            "currency": pa.array([r[2] for r in rows], pa.string()),
            "timezone": pa.array([r[3] for r in rows], pa.string()),
            "updated_at": timestamps(np.full(len(rows), updated_at, dtype=np.int64)),
        }
    )
