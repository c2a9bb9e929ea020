"""Every optional-feed subset builds, fully: the whole ``dbt build`` (every model, data test and
unit test) succeeds for the required feeds only and for every feed but each optional one
(1 + 7 = 8 builds), besides the every-feed build of the session.

These subsets cover every pair of optional feeds in both orders: for any feeds X and Y, the
build without Y has X and not Y. A failure that needs one feed present and another absent (the
usual kind: a model that joins an optional feed to another one) shows up in one of them. The
"required + one feed" subsets would add only failures that need two or more feeds absent at once
besides the required-only build.

The session's generated shop (every feed, built whole as ``generated_shop``) is cut into the
subsets; the project is parsed once and each build runs in-process on that manifest (the session's
``dbt_project``). For each subset:

- nothing errors, fails or is skipped, and every model of the project is built;
- every unit test passes: a unit test reads its fixture rows and only the column names and types
  of its inputs' relations, so it is run once, in the every-feed build, and each subset's
  relations must have exactly the columns and types of that build (then its unit tests see the
  same inputs and give the same results);
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
    connect,
    copy_feeds,
    feed_csv,
    load,
    read_csv,
)

pytestmark = pytest.mark.slow

ALL_FEEDS = frozenset(REQUIRED_FEEDS | set(OPTIONAL_FEEDS))
SUBSETS = {
    "required only": REQUIRED_FEEDS,
    **{f"all but {feed}": ALL_FEEDS - {feed} for feed in OPTIONAL_FEEDS},
}
#: Seconds per build, reported at the end of the module.
TIMINGS: dict[str, float] = {}


def test_every_ordered_pair_of_optional_feeds_is_split_by_a_subset():
    assert len(OPTIONAL_FEEDS) == 7 and sorted(REQUIRED_FEEDS) == ["order_items", "orders"]
    assert len(SUBSETS) == 8
    pairs = {(x, y) for x in OPTIONAL_FEEDS for y in OPTIONAL_FEEDS if x != y}
    split = {(x, y) for x, y in pairs for feeds in SUBSETS.values() if x in feeds and y not in feeds}
    assert split == pairs


@pytest.fixture(scope="module", autouse=True)
def _report_timings():
    yield
    print("\nfeed subset builds (s): " + ", ".join(f"{k}: {v:.1f}" for k, v in TIMINGS.items()))


@pytest.fixture(scope="module")
def shop(generated_shop) -> Path:
    return generated_shop["landing"]


def _columns(database: Path) -> set[tuple[str, str, str, str]]:
    """(schema, relation, column, type) of every relation dbt and the loader write (stored test failures aside)."""
    with connect(database) as con:
        return set(
            con.execute(
                "select table_schema, table_name, column_name, data_type from information_schema.columns "
                "where table_schema <> 'dbt_test__audit'"
            ).fetchall()
        )


@pytest.fixture(scope="module")
def every_feed(dbt_project, generated_shop) -> set[tuple[str, str, str, str]]:
    """The every-feed build's relation columns, after checking that it ran and passed every unit test."""
    unit_tests = {t.name for t in dbt_project.manifest.unit_tests.values()}
    statuses = generated_shop["result"].statuses
    assert unit_tests and unit_tests <= {name for name, status in statuses.items() if status == "pass"}
    return _columns(generated_shop["database"])


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
def test_the_whole_project_builds_for_the_subset(subset, dbt_project, shop, every_feed, tmp_path):
    feeds = SUBSETS[subset]
    landing = copy_feeds(shop, tmp_path / "landing", sorted(feeds))
    database = tmp_path / "warehouse.duckdb"
    load(landing, database)

    started = time.monotonic()
    result = dbt_project.build(database, "--exclude", "resource_type:unit_test")
    TIMINGS[subset] = time.monotonic() - started

    assert result.success and result.problems() == {}, result.problems() or result.exception
    models = {n.name for n in dbt_project.manifest.nodes.values() if n.resource_type == "model"}
    assert models <= {name for name, status in result.statuses.items() if status == "success"}
    # the unit tests passed on relations of exactly these columns and types (the every-feed build)
    assert _columns(database) == every_feed

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
