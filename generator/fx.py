"""Currencies of the generated orders and their daily exchange rates (the ``finance.fx_rates`` feed).

The shop prices in US dollars; with more currencies configured, an order shipped to a country whose currency
is among them is in that currency (the amounts keep their numbers: a synthetic shop with one price list per
currency). Rates are quoted into USD (reporting amount = amount x rate) on weekdays only, as central-bank
reference rates are (the warehouse carries Friday's rate over the weekend).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

#: The currency rates are quoted into, and the shop's own price-list currency.
QUOTE_CURRENCY = "USD"

#: Currency -> USD per unit at the start of the window: round 2025 levels (the ECB's reference rates crossed
#: through the euro, https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/).
START_RATES = {"EUR": 1.04, "GBP": 1.25, "CAD": 0.70, "AUD": 0.62}

#: Shipping country -> its currency (ISO 3166-1 alpha-2 -> ISO 4217), for the countries the generator ships to.
COUNTRY_CURRENCY = {"DE": "EUR", "FR": "EUR", "NL": "EUR", "ES": "EUR", "GB": "GBP", "CA": "CAD", "AU": "AUD"}

#: Standard deviation of the daily change of the log rate (about 0.4 % a day, a major currency pair's scale).
DAILY_LOG_STDDEV = 0.004

#: Rates run this many days past the last order day, so refunds and late status changes find one.
DAYS_AFTER_END = 90


def check_currencies(currencies: tuple[str, ...]) -> None:
    """Raise ``ValueError`` unless ``currencies`` starts with USD and names only currencies with a start rate.

    Args:
        currencies: ISO 4217 codes, the shop's own currency (USD) first.
    """
    if not currencies or currencies[0] != QUOTE_CURRENCY:
        raise ValueError(f"currencies must start with {QUOTE_CURRENCY}, got {list(currencies)}")
    unknown = sorted(set(currencies[1:]) - set(START_RATES))
    if unknown:
        raise ValueError(f"currencies without a start rate: {unknown} (known: {sorted(START_RATES)})")


def assign_order_currencies(orders: pa.Table, currencies: tuple[str, ...]) -> pa.Table:
    """The orders table with ``currency`` set from ``country_code``: the country's currency when configured, else USD.

    Args:
        orders: the generated ``shop.orders`` table (columns ``country_code`` and ``currency``).
        currencies: the configured currencies (``check_currencies``); ``("USD",)`` leaves the table unchanged.

    Returns:
        The same table, its ``currency`` column replaced (same position, type string).
    """
    if len(currencies) == 1:
        return orders
    mapping = {country: cur for country, cur in COUNTRY_CURRENCY.items() if cur in currencies}
    countries = orders.column("country_code").to_pylist()
    currency = pa.array([mapping.get(c, QUOTE_CURRENCY) for c in countries], pa.string())
    return orders.set_column(orders.schema.get_field_index("currency"), "currency", currency)


def assign_refund_currencies(refunds: pa.Table, orders: pa.Table) -> pa.Table:
    """The refunds table with ``currency`` set to each refunded order's currency (a refund is paid back in the
    currency the order was paid in, as Shopify's refund transactions are).

    Args:
        refunds: the generated ``shop.refunds`` table (columns ``order_id`` and ``currency``).
        orders: the ``shop.orders`` export after ``assign_order_currencies`` (every version of an order carries
            the same ``currency``).

    Returns:
        The same table, its ``currency`` column replaced (same position, type string).

    Raises:
        KeyError: a refund of an order missing from ``orders``.
    """
    currency_of = dict(zip(orders.column("order_id").to_pylist(), orders.column("currency").to_pylist(), strict=True))
    currency = pa.array([currency_of[o] for o in refunds.column("order_id").to_pylist()], pa.string())
    return refunds.set_column(refunds.schema.get_field_index("currency"), "currency", currency)


def fx_rates_table(currencies: tuple[str, ...], start_day: np.datetime64, end_day: np.datetime64, rng) -> pa.Table:
    """Weekday rates of every configured currency but USD into USD, from ``start_day`` to ``end_day`` + 90 days.

    Each currency's log rate is a random walk (``DAILY_LOG_STDDEV`` per weekday) from ``START_RATES``; rates are
    rounded to 6 decimals (reference rates are published with 4-6 significant digits).

    Args:
        currencies: the configured currencies; ``("USD",)`` gives an empty table.
        start_day, end_day: the order window (``datetime64[D]``, inclusive).
        rng: ``numpy.random.Generator`` of the fx stream.

    Returns:
        Columns ``rate_date`` (date), ``currency``, ``quote_currency``, ``rate`` (text, 6 decimals), ``source``,
        ordered by currency then day.
    """
    days = np.arange(start_day, end_day + np.timedelta64(DAYS_AFTER_END + 1, "D"), dtype="datetime64[D]")
    weekdays = days[np.is_busday(days)]
    dates, names, rates = [], [], []
    for currency in currencies[1:]:
        steps = rng.normal(0.0, DAILY_LOG_STDDEV, len(weekdays))
        steps[0] = 0.0
        walk = START_RATES[currency] * np.exp(np.cumsum(steps))
        dates.append(weekdays)
        names.extend([currency] * len(weekdays))
        rates.extend(f"{r:.6f}" for r in walk)
    rate_date = np.concatenate(dates) if dates else np.array([], dtype="datetime64[D]")
    n = len(names)
    return pa.table(
        {
            "rate_date": pa.array(rate_date, pa.date32()),
            "currency": pa.array(names, pa.string()),
            "quote_currency": pa.array([QUOTE_CURRENCY] * n, pa.string()),
            "rate": pa.array(rates, pa.string()),
            "source": pa.array(["generator_random_walk"] * n, pa.string()),
        }
    )
