"""Every optional-feed subset builds, fully: the whole ``dbt build`` (every model, data test and
unit test) succeeds for the required feeds only, for the required feeds plus each optional feed,
and for every feed but each optional one (1 + 5 + 5 = 11 builds).

One small generated shop (every feed) is cut into the subsets; the project is parsed once and
each build runs in-process on that manifest (``shop_landing.InProcessDbt``). For each subset:

- nothing errors, fails or is skipped, and every model of the project is built;
- a mart is empty only if one of the source tables it reads (its lineage in the manifest) is
  absent: no mart is silently empty where its inputs are not;
- the order facts hold every order and line of the files, and the same revenue in every subset.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
from shop_landing import (
    OPTIONAL_FEEDS,
    REQUIRED_FEEDS,
    InProcessDbt,
    connect,
    copy_feeds,
    feed_csv,
    generate,
    load,
    read_csv,
)

pytestmark = pytest.mark.slow

ALL_FEEDS = frozenset(REQUIRED_FEEDS | set(OPTIONAL_FEEDS))
SUBSETS = {
    "required only": REQUIRED_FEEDS,
    **{f"required + {feed}": REQUIRED_FEEDS | {feed} for feed in OPTIONAL_FEEDS},
    **{f"all but {feed}": ALL_FEEDS - {feed} for feed in OPTIONAL_FEEDS},
}
#: Seconds per build, reported at the end of the module.
TIMINGS: dict[str, float] = {}


def test_there_are_fifteen_subsets():
    assert len(OPTIONAL_FEEDS) == 7 and sorted(REQUIRED_FEEDS) == ["order_items", "orders"]
    assert len(SUBSETS) == 15


@pytest.fixture(scope="module")
def dbt_project(tmp_path_factory) -> InProcessDbt:
    project = InProcessDbt(tmp_path_factory.mktemp("dbt"))
    TIMINGS["parse (once)"] = project.parse_seconds
    yield project
    print("\nfeed subset builds (s): " + ", ".join(f"{k}: {v:.1f}" for k, v in TIMINGS.items()))


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("shop") / "landing", orders=160)


def _source_inputs(manifest) -> dict[str, set[str]]:
    """Each mart's source tables (contract table names), from the manifest's lineage."""
    memo: dict[str, set[str]] = {}

    def sources(unique_id: str) -> set[str]:
        if unique_id not in memo:
            if unique_id.startswith("source."):
                memo[unique_id] = {manifest.sources[unique_id].name}
            elif unique_id in manifest.nodes:
                found: set[str] = set()
                for parent in getattr(manifest.nodes[unique_id].depends_on, "nodes", []):
                    found |= sources(parent)
                memo[unique_id] = found
            else:
                memo[unique_id] = set()
        return memo[unique_id]

    return {
        node.alias: sources(uid)
        for uid, node in manifest.nodes.items()
        if node.resource_type == "model" and node.schema == "marts"
    }


def _expected_totals(landing: Path) -> tuple[int, int, Decimal]:
    """Distinct orders, distinct lines and gross sales of the lines, from the CSV files."""
    orders = {r["order_id"] for r in read_csv(feed_csv(landing, "orders"))}
    latest: dict[str, tuple[str, dict[str, str]]] = {}
    for row in read_csv(feed_csv(landing, "order_items")):
        if row["order_item_id"] not in latest or row["updated_at"] >= latest[row["order_item_id"]][0]:
            latest[row["order_item_id"]] = (row["updated_at"], row)
    lines = [row for _, row in latest.values() if row["order_id"] in orders]
    gross = sum((int(r["quantity"]) * Decimal(r["unit_price"]) for r in lines), Decimal(0))
    return len(orders), len(lines), gross


@pytest.mark.parametrize("subset", list(SUBSETS))
def test_the_whole_project_builds_for_the_subset(subset, dbt_project, shop, tmp_path):
    feeds = SUBSETS[subset]
    landing = copy_feeds(shop, tmp_path / "landing", sorted(feeds))
    database = tmp_path / "warehouse.duckdb"
    load(landing, database)

    started = time.monotonic()
    result = dbt_project.build(database)
    TIMINGS[subset] = time.monotonic() - started

    assert result.success and result.problems() == {}, result.problems() or result.exception
    models = {n.name for n in dbt_project.manifest.nodes.values() if n.resource_type == "model"}
    assert models <= {name for name, status in result.statuses.items() if status == "success"}
    unit_tests = {t.name for t in dbt_project.manifest.unit_tests.values()}
    assert unit_tests and unit_tests <= {name for name, status in result.statuses.items() if status == "pass"}

    inputs = _source_inputs(dbt_project.manifest)
    with connect(database) as con:
        counts = {mart: con.execute(f'select count(*) from marts."{mart}"').fetchone()[0] for mart in sorted(inputs)}
        got = con.execute(
            "select (select count(*) from marts.fct_orders), (select count(*) from marts.fct_order_items), "
            "(select sum(gross_sales_amount) from marts.fct_order_items)"
        ).fetchone()
    silently_empty = {mart for mart, n in counts.items() if n == 0 and inputs[mart] <= feeds}
    assert silently_empty <= {"fct_product_alerts"}  # spike alerts need more volume than a few hundred orders
    assert got == _expected_totals(landing)
