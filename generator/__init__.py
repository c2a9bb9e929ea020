"""Deterministic generator of the e-commerce landing zone (every feed of ``loaders/contract.yml``).

Seeded and vectorised (numpy ``default_rng`` streams per table, Arrow/DuckDB for
writing): the same settings produce byte-identical files at any scale. The data has the
shape analytics needs to exercise: skewed customer value with repeat purchases and churn,
weekly and seasonal demand with a Black Friday peak, cancellations and returns, discounts,
shipping and tax with exact money identities, guest orders, a channel and campaign mix
whose UTMs match the ad spend, a clickstream converting at ~2.5% with purchase events
tied to web orders, support tickets with response times and CSAT, superseded rows for
staging to deduplicate, and documented flash-sale anomalies.

Usage: ``python -m generator --out DIR --orders N --seed S`` (see ``cli``), or
``generate(GeneratorConfig(...), out)`` from Python.
"""

from .cli import main
from .config import GeneratorConfig
from .core import Summary, generate

__all__ = ["GeneratorConfig", "Summary", "generate", "main"]
